/** schema/api.graphql: it builds, documents everything, and matches the code attached to it. */
import { describe, expect, it } from "vitest";
import {
  getNamedType,
  graphqlSync,
  isEnumType,
  isInputObjectType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from "graphql/index.js";
import { ErrorCode } from "../../src/errors.ts";
import { loadApiSchema, readApiSdl } from "../../src/api/schema.ts";
import { FakeService } from "./fakeService.ts";

function schema(): GraphQLSchema {
  return loadApiSchema(new FakeService());
}

describe("the SDL", () => {
  it("documents every type, field, argument and enum value", () => {
    const missing: string[] = [];
    for (const type of Object.values(schema().getTypeMap())) {
      if (type.name.startsWith("__") || isSpecifiedScalarType(type)) continue;
      if (!type.description && type.name !== "Query" && type.name !== "Mutation") missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          if ("args" in field)
            for (const arg of field.args)
              if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type))
        for (const value of type.getValues())
          if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });

  it("lists exactly the error codes of src/errors.ts", () => {
    const type = schema().getType("ErrorCode");
    expect(isEnumType(type)).toBe(true);
    if (!isEnumType(type)) return;
    expect(
      type
        .getValues()
        .map((v) => v.name)
        .sort(),
    ).toEqual(Object.values(ErrorCode).sort());
  });

  it("has the contract's names and shapes", () => {
    const s = schema();
    const query = s.getQueryType()!.getFields();
    const mutation = s.getMutationType()!.getFields();
    const args = (f: { args: readonly { name: string }[] }) => f.args.map((a) => a.name);
    expect(args(query["check"]!)).toEqual([
      "store",
      "resource",
      "permission",
      "subject",
      "consistency",
      "contextualTuples",
      "context",
      "explain",
    ]);
    expect(args(query["expand"]!)).toEqual([
      "store",
      "resource",
      "permission",
      "consistency",
      "maxNodes",
      "context",
    ]);
    expect(args(query["checkBulk"]!)).toEqual(["store", "checks", "consistency"]);
    expect(args(query["relationships"]!)).toEqual(["store", "filter", "first", "after", "consistency"]);
    expect(args(query["changes"]!)).toEqual(["store", "after", "first"]);
    expect(args(mutation["writeSchema"]!)).toEqual(["store", "schema", "format", "files"]);
    expect(args(mutation["writeRelationships"]!)).toEqual(["store", "updates", "preconditions"]);
    expect(args(mutation["deleteRelationships"]!)).toEqual([
      "store",
      "filter",
      "preconditions",
      "limit",
      "allowPartial",
      "all",
    ]);
    expect(mutation["deleteRelationships"]!.args.find((a) => a.name === "all")?.defaultValue).toBe(false);
    expect(String(query["check"]!.args[0]!.defaultValue)).toBe("default");
    expect(query["relationships"]!.args.find((a) => a.name === "first")?.defaultValue).toBe(100);
    const consistency = s.getType("Consistency");
    expect(isInputObjectType(consistency) && consistency.isOneOf).toBe(true);
    expect(getNamedType(query["check"]!.type).name).toBe("CheckResult");
    expect(getNamedType(mutation["deleteRelationships"]!.type).name).toBe("DeleteResult");
  });

  it("answers introspection", () => {
    const result = graphqlSync({
      schema: schema(),
      source: '{ __type(name: "ErrorCode") { enumValues { name description } } }',
    });
    expect(result.errors).toBeUndefined();
  });
});

describe("loadApiSchema", () => {
  it("refuses an SDL field without a resolver", () => {
    const sdl = readApiSdl().replace("type Query {", 'type Query {\n  "x"\n  unexpected: Int');
    expect(() => loadApiSchema(new FakeService(), sdl)).toThrow(
      "Query.unexpected in the SDL has no resolver",
    );
  });

  it("refuses a resolver without an SDL field", () => {
    const sdl = readApiSdl().replace('\n  "Every store, `default` included."\n  stores: [Store!]!\n', "\n");
    expect(() => loadApiSchema(new FakeService(), sdl)).toThrow(
      "resolver Query.stores has no field in the SDL",
    );
  });

  it("refuses a custom scalar without an implementation", () => {
    const sdl = `${readApiSdl()}\n"x"\nscalar Mystery\n`;
    expect(() => loadApiSchema(new FakeService(), sdl)).toThrow(
      "scalar Mystery in the SDL has no implementation",
    );
  });
});
