/**
 * The executable schema: schema/api.graphql as written (the one source of the contract), with the
 * scalars of scalars.ts and the resolvers of resolvers.ts attached.
 *
 * Attaching is checked both ways at startup: a root field without a resolver, a resolver without a
 * field, or a custom scalar without an implementation is a bug, reported before the server listens.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  buildSchema,
  isScalarType,
  isSpecifiedScalarType,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql/index.js"; // the file Apollo loads (see scalars.ts)
import type { RelgraphService } from "../coordinator/service.ts";
import { checkArgumentLengths } from "./inputs.ts";
import { createResolvers, type ApiResolvers } from "./resolvers.ts";
import { SCALARS } from "./scalars.ts";

/** Where the SDL lives: the repository's schema/ folder, next to src/. */
export const API_SDL_PATH = fileURLToPath(new URL("../../schema/api.graphql", import.meta.url));

export function readApiSdl(path: string = API_SDL_PATH): string {
  return readFileSync(path, "utf8");
}

/** Builds the schema the server executes, bound to one service. */
export function loadApiSchema(service: RelgraphService, sdl: string = readApiSdl()): GraphQLSchema {
  const schema = buildSchema(sdl);
  attachScalars(schema);
  attachResolvers(schema, createResolvers(service));
  return schema;
}

function attachScalars(schema: GraphQLSchema): void {
  const declared = Object.values(schema.getTypeMap()).filter(
    (t) => isScalarType(t) && !isSpecifiedScalarType(t),
  );
  for (const type of declared) {
    if (!isScalarType(type)) continue;
    const impl = SCALARS[type.name];
    if (!impl) throw new Error(`BUG: scalar ${type.name} in the SDL has no implementation`);
    // buildSchema makes identity scalars; give them their parsers in place.
    type.serialize = impl.serialize;
    type.parseValue = impl.parseValue;
    type.parseLiteral = impl.parseLiteral;
  }
  for (const name of Object.keys(SCALARS))
    if (!declared.some((t) => t.name === name)) throw new Error(`BUG: scalar ${name} is not in the SDL`);
}

function attachResolvers(schema: GraphQLSchema, resolvers: ApiResolvers): void {
  const roots: Record<keyof ApiResolvers, GraphQLObjectType | null | undefined> = {
    Query: schema.getQueryType(),
    Mutation: schema.getMutationType(),
  };
  for (const rootName of ["Query", "Mutation"] as const) {
    const type = roots[rootName];
    if (!type) throw new Error(`BUG: the SDL has no ${rootName} type`);
    // Resolver argument types mirror the SDL; this is the one place they meet graphql-js's records.
    const map = resolvers[rootName] as unknown as Readonly<
      Record<string, (args: Record<string, unknown>) => unknown>
    >;
    const fields = type.getFields();
    for (const [name, field] of Object.entries(fields)) {
      const resolve = map[name];
      if (!resolve) throw new Error(`BUG: ${rootName}.${name} in the SDL has no resolver`);
      const fieldResolver: GraphQLFieldResolver<unknown, unknown, Record<string, unknown>> = (
        _source,
        args,
      ) => {
        checkArgumentLengths(args);
        return resolve(args);
      };
      field.resolve = fieldResolver;
    }
    for (const name of Object.keys(map))
      if (!(name in fields)) throw new Error(`BUG: resolver ${rootName}.${name} has no field in the SDL`);
  }
}
