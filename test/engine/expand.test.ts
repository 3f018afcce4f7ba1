import { describe, expect, it } from "vitest";
import { expandTree, type ExpandNode, type ExpandTree } from "../../src/engine/expand.ts";
import { TypeSystem } from "../../src/typesystem/typesystem.ts";
import { formatSubjectRef } from "../../src/model/tuple.ts";
import { openfgaSchema, readerOf, zedSchema } from "./support/harness.ts";

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
  permission nothing = nil
  permission all_parents = parent.all(view)
}`;

function tree(
  schema: string,
  tuples: readonly string[],
  resource: string,
  permission: string,
  maxNodes?: number,
) {
  const cs = new TypeSystem(zedSchema(schema));
  const [type, id] = resource.split(":") as [string, string];
  return expandTree(
    cs,
    readerOf(tuples),
    { type, id },
    permission,
    maxNodes === undefined ? {} : { maxNodes },
  );
}

function byId(t: ExpandTree): Map<string, ExpandNode> {
  return new Map(t.nodes.map((n) => [n.id, n]));
}

/** Every child id names a node; ids are unique. */
function wellFormed(t: ExpandTree): void {
  const ids = byId(t);
  expect(ids.size).toBe(t.nodes.length);
  if (t.nodes.length > 0) expect(ids.has(t.root)).toBe(true);
  for (const n of t.nodes) for (const c of n.children) expect(ids.has(c), `${n.id} → ${c}`).toBe(true);
  for (const n of t.nodes) if (n.cycleTo !== undefined) expect(ids.has(n.cycleTo)).toBe(true);
}

/** Leaf subjects reachable from the root (ignoring exclusions: a structural check). */
function subjectsBelow(t: ExpandTree, from = t.root): Set<string> {
  const ids = byId(t);
  const out = new Set<string>();
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const n = ids.get(stack.pop()!)!;
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    for (const s of n.subjects) out.add(formatSubjectRef(s));
    stack.push(...n.children);
  }
  return out;
}

describe("expand: every construct", () => {
  const tuples = [
    "document:d#owner@user:olga",
    "document:d#editor@group:eng#member",
    "group:eng#member@user:eve",
    "document:d#viewer@user:*",
    "document:d#banned@user:troll",
    "document:d#parent@folder:f",
    "folder:f#viewer@user:fred",
    "document:d#reviewer@user:rita",
  ];

  it("union, computed, direct, arrow and exclusion", () => {
    const t = tree(DOCS, tuples, "document:d", "view");
    wellFormed(t);
    expect(t.truncated).toBe(false);
    const n = byId(t);
    expect(t.root).toBe("document:d#view");
    expect(n.get("document:d#view")!.kind).toBe("EXCLUSION");
    const [base, subtract] = n.get("document:d#view")!.children;
    expect(n.get(base!)!.kind).toBe("UNION");
    expect(n.get(subtract!)!.kind).toBe("COMPUTED");
    expect(n.get(subtract!)!.relation).toBe("banned");
    expect(n.get("document:d#banned")!.subjects.map(formatSubjectRef)).toEqual(["user:troll"]);
    const kinds = n.get(base!)!.children.map((c) => n.get(c)!.kind);
    expect(kinds).toEqual(["COMPUTED", "COMPUTED", "ARROW"]);
    const arrow = n.get(n.get(base!)!.children[2]!)!;
    expect(arrow.relation).toBe("parent->view");
    expect(arrow.children).toEqual(["folder:f#view"]);
    // edit = owner + editor: a permission whose rewrite is a union.
    expect(n.get("document:d#edit")!.kind).toBe("UNION");
    // A userset subject is listed and expanded.
    const editor = n.get("document:d#editor")!;
    expect(editor.kind).toBe("DIRECT");
    expect(editor.subjects.map(formatSubjectRef)).toEqual(["group:eng#member"]);
    expect(editor.children).toEqual(["group:eng#member"]);
    expect(subjectsBelow(t)).toEqual(
      new Set(["user:olga", "group:eng#member", "user:eve", "user:*", "user:troll", "user:fred"]),
    );
  });

  it("intersection, nil and .all arrows", () => {
    const t = tree(DOCS, tuples, "document:d", "review");
    wellFormed(t);
    const n = byId(t);
    expect(n.get(t.root)!.kind).toBe("INTERSECTION");
    expect(n.get(t.root)!.children).toHaveLength(2);
    const nil = tree(DOCS, tuples, "document:d", "nothing");
    expect(nil.nodes).toEqual([
      {
        id: "document:d#nothing",
        kind: "UNION",
        resource: { type: "document", id: "d" },
        relation: "nothing",
        children: [],
        subjects: [],
      },
    ]);
    const all = tree(DOCS, tuples, "document:d", "all_parents");
    wellFormed(all);
    expect(byId(all).get(all.root)!.kind).toBe("ARROW");
    expect(byId(all).get(all.root)!.relation).toBe("parent.all->view");
  });

  it("self, and a relation with no tuples", () => {
    const schema = `use self
definition user { permission me = self }
definition doc { relation viewer: user }`;
    const t = tree(schema, [], "user:u", "me");
    expect(t.nodes[0]!.subjects).toEqual([{ type: "user", id: "u", relation: "" }]);
    const empty = tree(schema, [], "doc:nope", "viewer");
    expect(empty.nodes).toHaveLength(1);
    expect(empty.nodes[0]!.subjects).toEqual([]);
  });

  it("caveated subjects are marked", () => {
    const schema = `caveat on_tuesday(day string) { day == "tuesday" }
definition user {}
definition doc { relation viewer: user with on_tuesday | user }`;
    const cs = new TypeSystem(zedSchema(schema));
    const reader = readerOf(["doc:a#viewer@user:x[on_tuesday]", "doc:a#viewer@user:y"]);
    const t = expandTree(cs, reader, { type: "doc", id: "a" }, "viewer");
    expect(t.nodes[0]!.caveated).toEqual(["user:x"]);
  });

  it("unknown names are FAILED_PRECONDITION", () => {
    expect(() => tree(DOCS, [], "document:d", "nope")).toThrow(/not found/);
    expect(() => tree(DOCS, [], "nope:d", "view")).toThrow(/not found/);
  });

  it("OpenFGA origin: misfit tuples are left out", () => {
    const model = `model
  schema 1.1
type user
type doc
  relations
    define viewer: [user]`;
    const cs = new TypeSystem(openfgaSchema(model));
    const reader = readerOf(["doc:a#viewer@user:ok", "doc:a#viewer@doc:b"], "openfga");
    const t = expandTree(cs, reader, { type: "doc", id: "a" }, "viewer");
    expect(t.nodes[0]!.subjects.map(formatSubjectRef)).toEqual(["user:ok"]);
  });
});

describe("expand: shape and size", () => {
  it("a 4,000-hop chain (2,000 folders + 2,000 nested groups) stays linear", () => {
    const tuples = ["document:doc#parent@folder:f1"];
    for (let i = 1; i < 2000; i++) tuples.push(`folder:f${i}#parent@folder:f${i + 1}`);
    tuples.push("folder:f2000#viewer@group:g1#member");
    for (let i = 1; i < 2000; i++) tuples.push(`group:g${i}#member@group:g${i + 1}#member`);
    tuples.push("group:g2000#member@user:deep");
    const t = tree(DOCS, tuples, "document:doc", "view", 100_000);
    wellFormed(t);
    expect(t.truncated).toBe(false);
    // Per folder: view (union) + computed viewer + viewer (direct) + arrow = 4; per group 1; a few for the document.
    expect(t.nodes.length).toBeLessThan(4 * 2000 + 2000 + 20);
    expect(t.nodes.length).toBeGreaterThan(4000);
    expect(subjectsBelow(t).has("user:deep")).toBe(true);
  });

  it("the 20×4 diamond lattice is a shared DAG, not 4^20 paths", () => {
    const tuples: string[] = [];
    for (let l = 0; l < 19; l++)
      for (let a = 0; a < 4; a++)
        for (let b = 0; b < 4; b++) tuples.push(`group:l${l}_${a}#member@group:l${l + 1}_${b}#member`);
    tuples.push("group:l19_3#member@user:bottom", "document:top#viewer@group:l0_0#member");
    const t = tree(DOCS, tuples, "document:top", "viewer");
    wellFormed(t);
    // document:top#viewer + l0_0 + 19 layers × 4 groups.
    expect(t.nodes).toHaveLength(1 + 1 + 19 * 4);
    expect(byId(t).get("group:l5_2#member")!.children).toHaveLength(4);
    expect(subjectsBelow(t).has("user:bottom")).toBe(true);
  });

  it("cycles are stubs with cycleTo", () => {
    const tuples = [
      "group:a#member@group:b#member",
      "group:b#member@group:c#member",
      "group:c#member@group:a#member",
      "group:c#member@user:x",
    ];
    const t = tree(DOCS, tuples, "group:a", "member");
    wellFormed(t);
    const n = byId(t);
    expect(n.get("group:c#member")!.children).toEqual(["group:a#member~cycle"]);
    expect(n.get("group:a#member~cycle")!.cycleTo).toBe("group:a#member");
    expect(t.nodes).toHaveLength(4);
    // A folder that is its own parent.
    const self = tree(DOCS, ["folder:f#parent@folder:f"], "folder:f", "view");
    wellFormed(self);
    expect(self.nodes.some((x) => x.cycleTo === "folder:f#view")).toBe(true);
  });

  it("maxNodes caps the tree and says so", () => {
    const tuples: string[] = [];
    for (let i = 1; i < 100; i++) tuples.push(`group:g${i}#member@group:g${i + 1}#member`);
    const t = tree(DOCS, tuples, "group:g1", "member", 10);
    expect(t.nodes).toHaveLength(10);
    expect(t.truncated).toBe(true);
    wellFormed(t);
    const full = tree(DOCS, tuples, "group:g1", "member", 1000);
    expect(full.truncated).toBe(false);
    expect(full.nodes).toHaveLength(100);
  });

  it("10,000 hops do not overflow the stack", () => {
    const tuples: string[] = [];
    for (let i = 1; i < 10_000; i++) tuples.push(`group:g${i}#member@group:g${i + 1}#member`);
    const cs = new TypeSystem(zedSchema(DOCS));
    const t = expandTree(cs, readerOf(tuples), { type: "group", id: "g1" }, "member", {
      maxNodes: 20_000,
      maxDepth: 20_000,
    });
    expect(t.nodes).toHaveLength(10_000);
    expect(() =>
      expandTree(cs, readerOf(tuples), { type: "group", id: "g1" }, "member", { maxDepth: 100 }),
    ).toThrow(/max depth/);
  });
});
