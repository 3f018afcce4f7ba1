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
  const schema = loadValidationSchema(sdl);
  attachResolvers(schema, createResolvers(service));
  return schema;
}

/** The schema with its scalars and no resolvers: all that validating a document needs. */
export function loadValidationSchema(sdl: string = readApiSdl()): GraphQLSchema {
  const schema = buildSchema(sdl);
  attachScalars(schema);
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

/** Root fields of one request that run in one event-loop turn; the next ones wait for the next turn. */
export const ROOT_FIELDS_PER_TURN = 64;
const paced = new WeakMap<object, { calls: number; turns: Promise<void>[] }>();

/**
 * Spreads a request's root fields over event-loop turns: graphql-js calls every root resolver of a
 * query in one synchronous loop, so 1,000 aliased checks would hold the loop for all of them.
 * The first ROOT_FIELDS_PER_TURN run at once; batch b waits b turns (chained `setImmediate`s, so
 * I/O of other requests is served between batches). Undefined: run now.
 */
function pace(context: unknown): Promise<void> | undefined {
  if (context === null || typeof context !== "object") return undefined;
  let state = paced.get(context);
  if (state === undefined) {
    state = { calls: 0, turns: [] };
    paced.set(context, state);
  }
  const batch = Math.floor(state.calls++ / ROOT_FIELDS_PER_TURN);
  if (batch === 0) return undefined;
  const turns = state.turns;
  for (let b = turns.length + 1; b <= batch; b++) {
    const previous = turns[b - 2] ?? Promise.resolve();
    turns.push(previous.then(() => new Promise<void>((resolve) => setImmediate(resolve))));
  }
  return turns[batch - 1];
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
        context,
      ) => {
        checkArgumentLengths(args);
        const turn = pace(context);
        return turn === undefined ? resolve(args) : turn.then(() => resolve(args));
      };
      field.resolve = fieldResolver;
    }
    for (const name of Object.keys(map))
      if (!(name in fields)) throw new Error(`BUG: resolver ${rootName}.${name} has no field in the SDL`);
  }
}
