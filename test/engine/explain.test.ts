import { describe, expect, it } from "vitest";
import { explainCheck, type Proof as Explanation, type ProofNode } from "../../src/engine/explain.ts";
import { TypeSystem } from "../../src/typesystem/typesystem.ts";
import { formatTuple, parseTuple } from "../../src/model/tuple.ts";
import { isRelgraphError } from "../../src/errors.ts";
import { CHECK_SUITES } from "./cases/checkCases.ts";
import { openfgaSchema, parseCheck, readerOf, zedSchema } from "./support/harness.ts";

const DOCS = `
definition user {}
definition group {
  relation member: user | group#member
}
definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}
definition document {
  relation parent: folder
  relation owner: user
  relation editor: user | group#member
  relation viewer: user | user:* | group#member
  relation banned: user | user:* | group#member
  relation reviewer: user
  permission edit = owner + editor
  permission view = (viewer + edit + parent->view) - banned
  permission review = reviewer & edit
}`;

function explain(schema: string, tuples: readonly string[], check: string, maxNodes?: number): Explanation {
  const cs = new TypeSystem(zedSchema(schema));
  return explainCheck(cs, readerOf(tuples), parseCheck(check), maxNodes === undefined ? {} : { maxNodes });
}

const byId = (e: Explanation): Map<string, ProofNode> => new Map(e.nodes.map((n) => [n.id, n]));
const path = (e: Explanation): string[] => e.path.map(formatTuple);

function wellFormed(e: Explanation): void {
  const ids = byId(e);
  expect(ids.size).toBe(e.nodes.length);
  expect(ids.has(e.root)).toBe(true);
  for (const n of e.nodes) for (const c of n.children) expect(ids.has(c), `${n.id} → ${c}`).toBe(true);
}

describe("explain: the same answers as check on every case table", () => {
  for (const suite of CHECK_SUITES) {
    it(suite.name, () => {
      const dialect = suite.origin === "openfga" ? "openfga" : "zed";
      const cs = new TypeSystem(
        dialect === "openfga" ? openfgaSchema(suite.schema) : zedSchema(suite.schema),
      );
      const reader = readerOf(suite.tuples, dialect);
      const written = new Set(suite.tuples.map((t) => formatTuple(parseTuple(t, dialect))));
      for (const c of suite.checks) {
        let got: string | { error: string } = "";
        let e: Explanation | undefined;
        try {
          e = explainCheck(
            cs,
            reader,
            {
              ...parseCheck(c.check, dialect),
              ...(c.contextual ? { contextualTuples: c.contextual.map((t) => parseTuple(t, dialect)) } : {}),
              ...(c.context ? { context: c.context } : {}),
            },
            { maxNodes: 100_000, ...(c.maxDepth !== undefined ? { maxDepth: c.maxDepth } : {}) },
          );
          got =
            e.permissionship === "HAS_PERMISSION"
              ? "HAS"
              : e.permissionship === "NO_PERMISSION"
                ? "NO"
                : "CONDITIONAL";
        } catch (err) {
          if (!isRelgraphError(err)) throw err;
          got = { error: err.code };
        }
        const want =
          typeof c.expect === "string"
            ? c.expect
            : "error" in c.expect
              ? { error: c.expect.error }
              : "CONDITIONAL";
        expect(got, c.check).toEqual(want);
        if (e === undefined) continue;
        wellFormed(e);
        if (e.value !== 0) {
          // The proof's tuples are real tuples (stored or contextual, traits aside).
          const ctx = new Set((c.contextual ?? []).map((t) => formatTuple(parseTuple(t, dialect))));
          for (const t of e.path) {
            const text = formatTuple(t);
            const bare = [...written, ...ctx].some((w) => w === text || w.startsWith(`${text}[`));
            expect(bare, `${c.check}: ${text}`).toBe(true);
          }
          expect(byId(e).get(e.root)!.result).toBe(e.permissionship);
        }
      }
    });
  }
});

describe("explain: proofs", () => {
  const tuples = [
    "document:d#owner@user:olga",
    "document:d#editor@group:eng#member",
    "group:eng#member@user:eve",
    "document:d#banned@user:troll",
    "document:d#viewer@user:troll",
    "document:d#parent@folder:f",
    "folder:f#viewer@group:eng#member",
    "document:d#reviewer@user:eve",
  ];

  it("union: the granting branch, with its tuple path in order", () => {
    const e = explain(DOCS, tuples, "document:d#view@user:eve");
    wellFormed(e);
    expect(e.permissionship).toBe("HAS_PERMISSION");
    expect(path(e)).toEqual(["document:d#editor@group:eng#member", "group:eng#member@user:eve"]);
    const n = byId(e);
    const root = n.get(e.root)!;
    expect(root.kind).toBe("EXCLUSION");
    const [base, sub] = root.children.map((c) => n.get(c)!);
    expect(base!.kind).toBe("UNION");
    expect(base!.children).toHaveLength(1);
    expect(sub!.result).toBe("NO_PERMISSION");
    expect(sub!.note).toBe("the subtracted side did not hold");
  });

  it("intersection: every branch", () => {
    const e = explain(DOCS, tuples, "document:d#review@user:eve");
    wellFormed(e);
    const root = byId(e).get(e.root)!;
    expect(root.kind).toBe("INTERSECTION");
    expect(root.children).toHaveLength(2);
    expect(path(e)).toEqual([
      "document:d#reviewer@user:eve",
      "document:d#editor@group:eng#member",
      "group:eng#member@user:eve",
    ]);
  });

  it("exclusion denial: the subtracted side that held", () => {
    const e = explain(DOCS, tuples, "document:d#view@user:troll");
    wellFormed(e);
    expect(e.permissionship).toBe("NO_PERMISSION");
    expect(e.path).toEqual([]);
    const n = byId(e);
    const root = n.get(e.root)!;
    expect(root.children).toHaveLength(2);
    const sub = n.get(root.children[1]!)!;
    expect(sub.result).toBe("HAS_PERMISSION");
  });

  it("denial: every branch tried", () => {
    const e = explain(DOCS, tuples, "document:d#view@user:nobody");
    wellFormed(e);
    const n = byId(e);
    const base = n.get(n.get(e.root)!.children[0]!)!;
    expect(base.kind).toBe("UNION");
    expect(base.children).toHaveLength(3);
    for (const c of base.children) expect(n.get(c)!.result).toBe("NO_PERMISSION");
    expect(n.has("folder:f#view")).toBe(true);
    expect(n.has("group:eng#member")).toBe(true);
  });

  it("arrows and the wildcard", () => {
    const e = explain(DOCS, [...tuples, "folder:f#viewer@user:*"], "folder:f#view@user:zed");
    expect(path(e)).toEqual(["folder:f#viewer@user:*"]);
    const viaParent = explain(
      DOCS,
      ["document:x#parent@folder:a", "folder:a#parent@folder:b", "folder:b#viewer@user:u"],
      "document:x#view@user:u",
    );
    expect(path(viaParent)).toEqual([
      "document:x#parent@folder:a",
      "folder:a#parent@folder:b",
      "folder:b#viewer@user:u",
    ]);
    expect(byId(viaParent).get("folder:a#view")).toBeDefined();
  });

  it("a userset subject is a member of itself", () => {
    const e = explain(DOCS, tuples, "document:d#edit@group:eng#member");
    expect(path(e)).toEqual(["document:d#editor@group:eng#member"]);
    const self = explain(DOCS, tuples, "group:eng#member@group:eng#member");
    expect(self.permissionship).toBe("HAS_PERMISSION");
    expect(byId(self).get("group:eng#member")!.note).toBe("the subject is this userset");
  });

  it("a 4,000-hop chain: a linear proof and the whole path", () => {
    const chain = ["document:doc#parent@folder:f1"];
    for (let i = 1; i < 2000; i++) chain.push(`folder:f${i}#parent@folder:f${i + 1}`);
    chain.push("folder:f2000#viewer@group:g1#member");
    for (let i = 1; i < 2000; i++) chain.push(`group:g${i}#member@group:g${i + 1}#member`);
    chain.push("group:g2000#member@user:deep");
    const e = explain(DOCS, chain, "document:doc#view@user:deep", 100_000);
    wellFormed(e);
    expect(e.permissionship).toBe("HAS_PERMISSION");
    expect(path(e)).toEqual(chain);
    expect(e.nodes.length).toBeLessThan(4 * 2000 + 2000 + 20);
    const denied = explain(DOCS, chain, "document:doc#view@user:other", 100_000);
    expect(denied.permissionship).toBe("NO_PERMISSION");
    expect(denied.truncated).toBe(false);
    expect(denied.nodes.length).toBeLessThan(4 * 2000 + 2000 + 20);
  });

  it("the 20×4 diamond: one path granted, a shared DAG denied", () => {
    const lattice: string[] = [];
    for (let l = 0; l < 19; l++)
      for (let a = 0; a < 4; a++)
        for (let b = 0; b < 4; b++) lattice.push(`group:l${l}_${a}#member@group:l${l + 1}_${b}#member`);
    lattice.push("group:l19_3#member@user:bottom", "document:top#viewer@group:l0_0#member");
    const e = explain(DOCS, lattice, "document:top#view@user:bottom");
    expect(e.path).toHaveLength(21);
    expect(formatTuple(e.path[20]!)).toBe("group:l19_3#member@user:bottom");
    const denied = explain(DOCS, lattice, "document:top#view@user:nobody");
    expect(denied.permissionship).toBe("NO_PERMISSION");
    expect(denied.nodes.length).toBeLessThan(120);
  });

  it("cycles: a proof avoids them, a denial marks them", () => {
    const cyc = ["group:a#member@group:b#member", "group:b#member@group:a#member", "group:b#member@user:x"];
    const e = explain(DOCS, cyc, "group:a#member@user:x");
    expect(path(e)).toEqual(["group:a#member@group:b#member", "group:b#member@user:x"]);
    const d = explain(DOCS, cyc, "group:a#member@user:y");
    wellFormed(d);
    expect(d.nodes.some((n) => n.cycleTo === "group:a#member")).toBe(true);
  });

  it("maxNodes caps a denial and says so", () => {
    const chain: string[] = [];
    for (let i = 1; i < 100; i++) chain.push(`group:g${i}#member@group:g${i + 1}#member`);
    const e = explain(DOCS, chain, "group:g1#member@user:nobody", 10);
    expect(e.truncated).toBe(true);
    expect(e.nodes.length).toBeLessThanOrEqual(10);
  });
});
