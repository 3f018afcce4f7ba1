/**
 * Fixtures for the store conformance suite: schema IRs built by hand (the store must not depend on
 * the schema compiler), tuple shorthands, and helpers to assert coded errors.
 */
import { expect } from "vitest";
import type { ErrorCode } from "../../../src/errors.ts";
import type { Dialect, Tuple } from "../../../src/model/tuple.ts";
import { parseTuple } from "../../../src/model/tuple.ts";
import type { AllowedSubject, Definition, Member, SchemaIR } from "../../../src/typesystem/ir.ts";
import type { RelationshipUpdate, SchemaFormat } from "../../../src/store/interface.ts";

/** `"user | user:* | group#member | user with only_odd | user with expiration"` → allowed subjects. */
function allowed(list: string): AllowedSubject[] {
  return list
    .split("|")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s): AllowedSubject => {
      const [head = "", ...traits] = s.split(/\s+with\s+/);
      const caveat = traits.find((x) => x !== "expiration");
      const expiration = traits.includes("expiration");
      if (head.endsWith(":*"))
        return { type: head.slice(0, -2), wildcard: true, expiration, ...(caveat ? { caveat } : {}) };
      const hash = head.indexOf("#");
      if (hash >= 0)
        return {
          type: head.slice(0, hash),
          relation: head.slice(hash + 1),
          wildcard: false,
          expiration,
          ...(caveat ? { caveat } : {}),
        };
      return { type: head, wildcard: false, expiration, ...(caveat ? { caveat } : {}) };
    });
}

/** A definition: relations map to their allowed-subject lists; permissions are listed by name. */
export function def(
  name: string,
  relations: Record<string, string> = {},
  permissions: string[] = [],
): Definition {
  const members: Member[] = [
    ...Object.entries(relations).map(([rel, list]): Member => ({
      kind: "relation",
      name: rel,
      types: allowed(list),
      rewrite: { kind: "this" },
    })),
    ...permissions.map((p): Member => ({ kind: "permission", name: p, types: [], rewrite: { kind: "nil" } })),
  ];
  return { name, members };
}

export function schemaIR(definitions: Definition[], origin: SchemaIR["origin"] = "zed"): SchemaIR {
  return {
    origin,
    definitions,
    caveats: [{ name: "only_odd", parameters: [{ name: "n", type: "int" }], expression: "n % 2 == 1" }],
    features: { self: false, typechecking: false, expiration: true },
  };
}

/** The suite's main schema. */
export function baseIR(): SchemaIR {
  return schemaIR([
    def("user"),
    def("group", { member: "user | group#member" }),
    def("folder", { viewer: "user | group#member", owner: "user" }),
    def(
      "document",
      {
        parent: "folder",
        viewer: "user | user:* | group#member | user with only_odd | user with expiration",
        editor: "user",
        owner: "user",
      },
      ["view"],
    ),
  ]);
}

export function schemaOf(ir: SchemaIR): { text: string; format: SchemaFormat; ir: SchemaIR } {
  return {
    text: `// ${ir.definitions.map((d) => d.name).join(", ")}\n`,
    format: ir.origin === "openfga" ? "OPENFGA" : "ZED",
    ir,
  };
}

export function t(text: string, dialect: Dialect = "zed"): Tuple {
  return parseTuple(text, dialect);
}

export const touch = (text: string, dialect: Dialect = "zed"): RelationshipUpdate => ({
  operation: "TOUCH",
  tuple: t(text, dialect),
});
export const create = (text: string, dialect: Dialect = "zed"): RelationshipUpdate => ({
  operation: "CREATE",
  tuple: t(text, dialect),
});
export const del = (text: string, dialect: Dialect = "zed"): RelationshipUpdate => ({
  operation: "DELETE",
  tuple: t(text, dialect),
});

/** Asserts the promise rejects with a RelgraphError of `code`; returns the error for more checks. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: ErrorCode | `${ErrorCode}`,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, `expected a rejection with ${code}`).toBeDefined();
  expect(error).toMatchObject({ name: "RelgraphError", code });
  return error as { code: string; message: string; details: Record<string, unknown> };
}

/** Tuple text without traits, for order-insensitive comparisons. */
export function keyOf(tuple: Tuple): string {
  return `${tuple.resourceType}:${tuple.resourceId}#${tuple.relation}@${tuple.subjectType}:${tuple.subjectId}${tuple.subjectRelation ? `#${tuple.subjectRelation}` : ""}`;
}

let counter = 0;
const run = Math.random().toString(36).slice(2, 8);
/** A store name no other test (or parallel test file) uses. */
export function uniqueStoreName(prefix: string): string {
  counter++;
  return `${prefix}-${run}-${counter}`
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "_")
    .slice(0, 63);
}
