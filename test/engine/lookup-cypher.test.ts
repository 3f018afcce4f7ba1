/**
 * Lookups on stores served by the direct Cypher evaluator (RELGRAPH_EVALUATOR=cypher): answered on
 * the subgraph each lookup reads from Neo4j (lookupResources: cypher/reach-reverse.cypher;
 * lookupSubjects: reach-closure's `all` variant), never on a projection.
 *
 * - Random worlds (test/engine/support/randomWorld.ts: unions, `&`, `-`, arrows any/all,
 *   wildcards, nested and cyclic groups, `self`), a fixed-seed sample (RELGRAPH_LOOKUP_CYPHER_RUNS,
 *   default 16; 60 with RELGRAPH_TEST_FULL=1); in two worlds of three a third of the tuples are not
 *   written but passed as contextual tuples. Every lookup, walked with page sizes 1, 7 and 1,000,
 *   equals the brute-force set of check-true objects / subjects and the memory backend's answer.
 * - Hand-made cases a random world rarely builds: `self`, a userset subject's own object, contextual
 *   tuples that create the only path, `.all`, data cycles, paging after a write, consistency.
 * - Cost: the projection is never opened; a page is one query whatever the depth (a 200-deep folder
 *   chain costs what a 1-deep one does), a later page of an unchanged store one head read.
 * - The 20×4 diamond: correct and quick; the reverse expansion plans as VarLengthExpand(Pruning).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import { configFromEnv } from "../../src/config.ts";
import { isRelgraphError } from "../../src/errors.ts";
import { formatSubjectRef, parseTuple, type SubjectRef, type Tuple } from "../../src/model/tuple.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import type { LookupSubject } from "../../src/coordinator/service.ts";
import { FOLDER_TREE, RESOURCE_PERMISSIONS, SUBJECTS, PAGE_SIZES } from "./support/lookupWorld.ts";
import { allResources, allSubjects, Oracle, type WalkOptions } from "./support/lookupOracle.ts";
import { openCountingStore, uniqueStoreName, type CountingDriver } from "./support/neo4jStores.ts";
import { worldArb, type World } from "./support/randomWorld.ts";
import { zedSchema } from "./support/harness.ts";

const RUNS = Number(
  process.env["RELGRAPH_LOOKUP_CYPHER_RUNS"] ?? (process.env["RELGRAPH_TEST_FULL"] ? 60 : 16),
);

let cypher: Relgraph;
let memory: Relgraph;
let counting: CountingDriver;
let closeDriver: () => Promise<void>;
let projectionOpened: MockInstance<Relgraph["memory"]["projection"]>;
const created: string[] = [];

beforeAll(async () => {
  const opened = await openCountingStore();
  counting = opened.counting;
  closeDriver = opened.close;
  cypher = await createRelgraph({
    store: opened.store,
    config: configFromEnv({ RELGRAPH_EVALUATOR: "cypher" }),
  });
  memory = await createRelgraph({ memory: true });
  projectionOpened = vi.spyOn(cypher.memory, "projection");
});

afterAll(async () => {
  // Whatever ran above, no store of the Cypher-served service was ever loaded into memory.
  expect(projectionOpened).not.toHaveBeenCalled();
  for (const s of created) await cypher.deleteStore(s).catch(() => undefined);
  await cypher?.close();
  await memory?.close();
  await closeDriver?.();
});

/** A store on both services with `schema` and `tuples`; returns the Cypher side's last token. */
async function twin(
  prefix: string,
  schema: string,
  tuples: readonly Tuple[],
): Promise<{ store: string; token: string }> {
  const store = uniqueStoreName(prefix);
  await cypher.createStore(store);
  created.push(store);
  await memory.createStore(store);
  let token = (await cypher.writeSchema(store, schema, "ZED")).token;
  await memory.writeSchema(store, schema, "ZED");
  for (let i = 0; i < tuples.length; i += 1000) {
    const batch = tuples.slice(i, i + 1000).map((tuple) => ({ operation: "TOUCH" as const, tuple }));
    token = (await cypher.writeRelationships(store, batch)).token;
    await memory.writeRelationships(store, batch);
  }
  return { store, token };
}

async function drop(store: string): Promise<void> {
  await cypher.deleteStore(store);
  await memory.deleteStore(store);
  created.splice(created.indexOf(store), 1);
}

type Walk = WalkOptions;

/** Every page of a walk, checked by the oracle's helpers (order, no duplicates, page sizes). */
const resources = (
  rg: Relgraph,
  store: string,
  type: string,
  permission: string,
  subject: SubjectRef,
  first: number,
  w: Walk = {},
): Promise<string[]> => allResources(rg, store, type, permission, subject, first, w);
const subjects = (
  rg: Relgraph,
  store: string,
  resource: { type: string; id: string },
  permission: string,
  subjectType: string,
  subjectRelation: string,
  first: number,
  w: Walk = {},
): Promise<LookupSubject[]> =>
  allSubjects(rg, store, resource, permission, subjectType, subjectRelation, first, w);

const subjectTexts = (list: readonly LookupSubject[]): string[] =>
  list.map((s) =>
    s.excluded.length > 0
      ? `${formatSubjectRef(s.subject)} - {${s.excluded.map(formatSubjectRef).join(", ")}}`
      : formatSubjectRef(s.subject),
  );

const user = (id: string): SubjectRef => ({ type: "user", id, relation: "" });

/** The oracle throws (a cycle through an exclusion): the lookup must fail as well. */
function oracleFails(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (e) {
    if (isRelgraphError(e)) return true;
    throw e;
  }
}

describe("lookups on the direct Cypher evaluator = brute-force check = memory backend (random worlds)", () => {
  const tally = { worlds: 0, contextual: 0, lookups: 0, results: 0 };
  afterAll(() => {
    console.log(`lookup-cypher: ${JSON.stringify(tally)} (× page sizes ${PAGE_SIZES.join(", ")})`);
  });

  async function checkWorld(world: World, n: number): Promise<void> {
    // Two worlds of three: a third of its tuples are contextual instead of written.
    const contextual = n % 4 !== 0 ? world.tuples.filter((_, i) => i % 2 === 0) : [];
    const written = world.tuples.filter((t) => !contextual.includes(t));
    const { store, token } = await twin("lkcy", world.schema, written);
    try {
      expect((await cypher.policy.kindOf(store)) === "cypher").toBe(true);
      const w: Walk = {
        consistency: { kind: "atLeastAsFresh", token },
        ...(contextual.length > 0 ? { contextualTuples: contextual } : {}),
      };
      const m: Walk = contextual.length > 0 ? { contextualTuples: contextual } : {};
      const oracle = new Oracle(zedSchema(world.schema), world.tuples);
      const rp = world.schema.includes("use self")
        ? [...RESOURCE_PERMISSIONS, ["user", "profile"] as const]
        : RESOURCE_PERMISSIONS;
      for (const [type, permission] of rp)
        for (const subject of SUBJECTS) {
          const label = `lookupResources ${type} ${permission} ${formatSubjectRef(subject)}`;
          let want: string[] = [];
          if (oracleFails(() => (want = oracle.resources(type, permission, subject)))) {
            await expect(resources(cypher, store, type, permission, subject, 10, w), label).rejects.toThrow();
            continue;
          }
          expect(
            await resources(memory, store, type, permission, subject, 1000, m),
            `${label} (memory)`,
          ).toEqual(want);
          for (const first of PAGE_SIZES)
            expect(
              await resources(cypher, store, type, permission, subject, first, w),
              `${label} first=${first}`,
            ).toEqual(want);
          tally.lookups++;
          tally.results += want.length;
        }
      for (const [type, permission] of rp)
        for (const id of oracle.universe.get(type) ?? [])
          for (const [subjectType, relation] of [
            ["user", ""],
            ["group", "member"],
          ] as const) {
            const label = `lookupSubjects ${type}:${id}#${permission} ${subjectType}${relation ? `#${relation}` : ""}`;
            let want: string[] = [];
            if (oracleFails(() => (want = oracle.subjects(type, id, permission, subjectType, relation))))
              continue;
            const mem = await subjects(
              memory,
              store,
              { type, id },
              permission,
              subjectType,
              relation,
              1000,
              m,
            );
            for (const first of PAGE_SIZES) {
              const got = await subjects(
                cypher,
                store,
                { type, id },
                permission,
                subjectType,
                relation,
                first,
                w,
              );
              expect(subjectTexts(got), `${label} first=${first}`).toEqual(subjectTexts(mem));
              expect(
                oracle.expandAnswer(got, subjectType, relation, { type, id }),
                `${label} first=${first}`,
              ).toEqual(want);
            }
            tally.lookups++;
          }
      tally.worlds++;
      if (contextual.length > 0) tally.contextual++;
    } finally {
      await drop(store);
    }
  }

  it(`holds on ${RUNS} random worlds`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, (world) => checkWorld(world, n++)),
      { numRuns: RUNS, seed: 20261126, endOnFailure: true },
    );
    expect(tally.worlds).toBe(RUNS);
    expect(tally.contextual).toBeGreaterThan(0);
  }, 900_000);
});

const FOLDERS = `
use self
definition user {
  relation friend: user
  relation blocked: user
  permission profile = self + friend
  permission open_profile = self - blocked
}
${FOLDER_TREE}`;

describe("hand-made cases on the direct Cypher evaluator", () => {
  it("`self` and a userset subject's own object", async () => {
    const { store } = await twin("lkcy-self", FOLDERS, [
      parseTuple("user:bob#friend@user:alice"),
      parseTuple("user:carol#blocked@user:carol"),
    ]);
    expect(await resources(cypher, store, "user", "profile", user("alice"), 1)).toEqual(["alice", "bob"]);
    // No tuple names `nobody`: found through `self` alone.
    expect(await resources(cypher, store, "user", "profile", user("nobody"), 7)).toEqual(["nobody"]);
    expect(await resources(cypher, store, "user", "open_profile", user("alice"), 7)).toEqual(["alice"]);
    // Carol's own tuple (read as the subject's object) excludes her.
    expect(await resources(cypher, store, "user", "open_profile", user("carol"), 7)).toEqual([]);
    expect(
      await resources(cypher, store, "group", "member", { type: "group", id: "solo", relation: "member" }, 1),
    ).toEqual(["solo"]);
    expect(
      subjectTexts(await subjects(cypher, store, { type: "user", id: "bob" }, "profile", "user", "", 1)),
    ).toEqual(["user:alice", "user:bob"]);
  });

  it("`.all`, wildcards with exclusions, data cycles", async () => {
    const { store } = await twin(
      "lkcy-ops",
      FOLDERS,
      [
        "document:pub#viewer@user:*",
        "document:pub#banned@user:eve",
        "document:two#parent@folder:a",
        "document:two#parent@folder:b",
        "folder:a#viewer@user:alice",
        "folder:b#viewer@user:alice",
        "folder:b#viewer@user:bob",
        "document:half#parent@folder:b",
        "document:half#parent@folder:c",
        "folder:c#parent@folder:d",
        "folder:d#parent@folder:c",
        "folder:d#viewer@group:x#member",
        "group:x#member@group:y#member",
        "group:y#member@group:x#member",
        "group:y#member@user:carl",
      ].map((t) => parseTuple(t)),
    );
    for (const [type, permission, subject, want] of [
      ["document", "view", user("zed"), ["pub"]],
      ["document", "view", user("eve"), []],
      ["document", "strict", user("alice"), ["two"]],
      ["document", "strict", user("bob"), []],
      ["document", "strict", user("carl"), []],
      ["document", "view", user("carl"), ["half", "pub"]],
      ["folder", "view", user("carl"), ["c", "d"]],
      ["group", "member", user("carl"), ["x", "y"]],
    ] as const)
      for (const first of PAGE_SIZES) {
        expect(
          await resources(cypher, store, type, permission, subject, first),
          `${type} ${permission} ${subject.id}`,
        ).toEqual(want);
        expect(await resources(memory, store, type, permission, subject, first)).toEqual(want);
      }
    const pub = await subjects(cypher, store, { type: "document", id: "pub" }, "view", "user", "", 1);
    expect(subjectTexts(pub)).toEqual(["user:* - {user:eve}"]);
    expect(pub).toEqual(
      await subjects(memory, store, { type: "document", id: "pub" }, "view", "user", "", 1000),
    );
    expect(
      subjectTexts(await subjects(cypher, store, { type: "folder", id: "c" }, "view", "user", "", 7)),
    ).toEqual(["user:carl"]);
  });

  it("contextual tuples: the only path to the subject, in both directions", async () => {
    const { store } = await twin(
      "lkcy-ctx",
      FOLDERS,
      ["document:d#parent@folder:f", "folder:g#viewer@group:eng#member", "document:a#viewer@user:alice"].map(
        (t) => parseTuple(t),
      ),
    );
    const ctx = (...t: string[]) => ({ contextualTuples: t.map((x) => parseTuple(x)) });
    // The contextual tuple's resource (folder:f) starts the reverse walk: document:d reaches it.
    expect(
      await resources(cypher, store, "document", "view", user("alice"), 1, ctx("folder:f#viewer@user:alice")),
    ).toEqual(["a", "d"]);
    // Through a stored userset: group:eng is reached only through the contextual membership.
    const viaGroup = ctx("group:eng#member@user:bob", "document:e#parent@folder:g");
    expect(await resources(cypher, store, "document", "view", user("bob"), 7, viaGroup)).toEqual(["e"]);
    expect(await resources(cypher, store, "folder", "view", user("bob"), 7, viaGroup)).toEqual(["g"]);
    expect(await resources(memory, store, "document", "view", user("bob"), 7, viaGroup)).toEqual(["e"]);
    // Forward: a contextual parent and a contextual member, from a resource no stored tuple names.
    expect(
      subjectTexts(
        await subjects(cypher, store, { type: "document", id: "e" }, "view", "user", "", 1, viaGroup),
      ),
    ).toEqual(["user:bob"]);
    expect(
      subjectTexts(
        await subjects(
          cypher,
          store,
          { type: "document", id: "d" },
          "view",
          "user",
          "",
          7,
          ctx("folder:f#parent@folder:g", "group:eng#member@user:cy"),
        ),
      ),
    ).toEqual(["user:cy"]);
    // A cursor is bound to its contextual tuples.
    const req = {
      resourceType: "document",
      permission: "view",
      subject: user("alice"),
      contextualTuples: [
        parseTuple("document:b#viewer@user:alice"),
        parseTuple("document:c#viewer@user:alice"),
      ],
    };
    const p1 = await cypher.lookupResources(store, req, { first: 2 });
    expect(p1.resources.map((r) => r.resource.id)).toEqual(["a", "b"]);
    const p2 = await cypher.lookupResources(store, req, { first: 2, after: p1.endCursor! });
    expect(p2.resources.map((r) => r.resource.id)).toEqual(["c"]);
    await expect(
      cypher.lookupResources(
        store,
        { ...req, contextualTuples: req.contextualTuples.slice(0, 1) },
        { first: 2, after: p1.endCursor! },
      ),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("paging across a write: staleCursor, every result that held throughout exactly once", async () => {
    const { store } = await twin(
      "lkcy-stale",
      FOLDERS,
      Array.from({ length: 10 }, (_, i) => parseTuple(`document:d${i}#viewer@user:alice`)),
    );
    const req = { resourceType: "document", permission: "view", subject: user("alice") };
    const p1 = await cypher.lookupResources(store, req, { first: 4 });
    expect(p1.staleCursor).toBe(false);
    const p2 = await cypher.lookupResources(store, req, { first: 4, after: p1.endCursor! });
    expect(p2.staleCursor).toBe(false);
    expect(p2.readAt).toBe(p1.readAt);
    await cypher.writeRelationships(store, [
      { operation: "TOUCH", tuple: parseTuple("document:d00#viewer@user:alice") },
      { operation: "DELETE", tuple: parseTuple("document:d9#viewer@user:alice") },
    ]);
    const p3 = await cypher.lookupResources(store, req, { first: 4, after: p2.endCursor! });
    // Computed after the write (the cached result is keyed by revision: never served past a write).
    expect(p3.staleCursor).toBe(true);
    expect(p3.readAt).not.toBe(p1.readAt);
    const ids = [...p1.resources, ...p2.resources, ...p3.resources].map((r) => r.resource.id);
    expect(ids).toEqual(["d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"]);
    expect(p3.hasNextPage).toBe(false);
    // A new walk sees the write.
    expect(await resources(cypher, store, "document", "view", user("alice"), 1000)).toEqual([
      "d0",
      "d00",
      "d1",
      "d2",
      "d3",
      "d4",
      "d5",
      "d6",
      "d7",
      "d8",
    ]);
  });

  it("consistency and errors as on a check", async () => {
    const { store, token } = await twin("lkcy-cons", FOLDERS, [parseTuple("document:a#viewer@user:alice")]);
    const other = await twin("lkcy-cons2", FOLDERS, []);
    const req = { resourceType: "document", permission: "view", subject: user("alice") };
    const sreq = { resource: { type: "document", id: "a" }, permission: "view", subjectType: "user" };
    for (const consistency of [
      { kind: "minimizeLatency" },
      { kind: "fullyConsistent" },
      { kind: "atLeastAsFresh", token },
    ] as const) {
      expect((await cypher.lookupResources(store, req, { first: 10, consistency })).resources).toHaveLength(
        1,
      );
      expect((await cypher.lookupSubjects(store, sreq, { first: 10, consistency })).subjects).toHaveLength(1);
    }
    await expect(
      cypher.lookupResources(store, req, { first: 10, consistency: { kind: "atExactSnapshot", token } }),
    ).rejects.toMatchObject({ code: "UNIMPLEMENTED" });
    await expect(
      cypher.lookupSubjects(store, sreq, { first: 10, consistency: { kind: "atExactSnapshot", token } }),
    ).rejects.toMatchObject({ code: "UNIMPLEMENTED" });
    await expect(
      cypher.lookupResources(other.store, req, { first: 10, consistency: { kind: "atLeastAsFresh", token } }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(
      cypher.lookupResources(store, { ...req, permission: "nope" }, { first: 10 }),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    await expect(
      cypher.lookupResources(
        store,
        { ...req, subject: { type: "robot", id: "r", relation: "" } },
        { first: 10 },
      ),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    await expect(
      cypher.lookupResources(
        store,
        { ...req, subject: { type: "user", id: "*", relation: "" } },
        { first: 10 },
      ),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(cypher.lookupResources(store, req, { first: 1001 })).rejects.toMatchObject({
      code: "RESOURCE_EXHAUSTED",
    });
    await expect(cypher.lookupResources("lkcy-no-such-store", req, { first: 10 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("cost on the direct Cypher evaluator", () => {
  let store = "";
  beforeAll(async () => {
    const t: string[] = [];
    for (const n of [1, 20, 200]) {
      // document:cN <- folder chain of N <- viewer user:uN, and N nested groups to user:gN.
      t.push(`document:c${n}#parent@folder:c${n}_1`);
      for (let i = 1; i < n; i++) t.push(`folder:c${n}_${i}#parent@folder:c${n}_${i + 1}`);
      t.push(`folder:c${n}_${n}#viewer@user:u${n}`);
      t.push(`folder:c${n}_${n}#viewer@group:c${n}_1#member`);
      for (let i = 1; i < n; i++) t.push(`group:c${n}_${i}#member@group:c${n}_${i + 1}#member`);
      t.push(`group:c${n}_${n}#member@user:g${n}`);
    }
    for (let l = 0; l < 19; l++)
      for (let a = 0; a < 4; a++)
        for (let b = 0; b < 4; b++) t.push(`group:l${l}_${a}#member@group:l${l + 1}_${b}#member`);
    t.push("group:l19_3#member@user:bottom", "document:top#viewer@group:l0_0#member");
    store = (
      await twin(
        "lkcy-cost",
        FOLDERS,
        t.map((x) => parseTuple(x)),
      )
    ).store;
    // The schema is read once per process: not part of a page's cost below.
    await cypher.lookupResources(
      store,
      { resourceType: "document", permission: "view", subject: user("u1") },
      { first: 1 },
    );
  }, 120_000);

  const firstLine = (name: string): string =>
    readFileSync(new URL(`../../cypher/${name}.cypher`, import.meta.url), "utf8")
      .split("\n")[0]!
      .trim();

  async function counted<T>(fn: () => Promise<T>): Promise<{ value: T; queries: number; texts: string[] }> {
    counting.reset();
    const value = await fn();
    return { value, queries: counting.counts.queries, texts: [...counting.counts.texts] };
  }

  it("a first page is one query whatever the depth, and never a full read", async () => {
    for (const n of [1, 20, 200]) {
      const r = await counted(() =>
        cypher.lookupResources(
          store,
          { resourceType: "document", permission: "view", subject: user(`u${n}`) },
          { first: 10 },
        ),
      );
      expect(r.value.resources.map((x) => x.resource.id)).toEqual([`c${n}`]);
      expect(r.texts).toEqual([firstLine("reach-reverse")]);
      const g = await counted(() =>
        cypher.lookupResources(
          store,
          { resourceType: "document", permission: "view", subject: user(`g${n}`) },
          { first: 10 },
        ),
      );
      expect(g.value.resources.map((x) => x.resource.id)).toEqual([`c${n}`]);
      expect(g.queries).toBe(1);
      const s = await counted(() =>
        cypher.lookupSubjects(
          store,
          { resource: { type: "document", id: `c${n}` }, permission: "view", subjectType: "user" },
          { first: 10 },
        ),
      );
      expect(subjectTexts(s.value.subjects)).toEqual([`user:g${n}`, `user:u${n}`]);
      expect(s.texts).toEqual([firstLine("reach-closure")]);
    }
  });

  it("a later page of an unchanged store is one head read; after a write, head + subgraph", async () => {
    const req = { resourceType: "folder", permission: "view", subject: user("u200") };
    const p1 = await counted(() => cypher.lookupResources(store, req, { first: 150 }));
    expect(p1.queries).toBe(1);
    const p2 = await counted(() =>
      cypher.lookupResources(store, req, { first: 150, after: p1.value.endCursor! }),
    );
    expect(p2.queries).toBe(1);
    expect(p2.texts[0]).not.toBe(firstLine("reach-reverse"));
    expect(p1.value.resources.length + p2.value.resources.length).toBe(200);
    expect(p2.value.hasNextPage).toBe(false);
    const sreq = {
      resource: { type: "document", id: "top" },
      permission: "view",
      subjectType: "group",
      subjectRelation: "member",
    };
    const s1 = await counted(() => cypher.lookupSubjects(store, sreq, { first: 50 }));
    expect(s1.queries).toBe(1);
    const s2 = await counted(() =>
      cypher.lookupSubjects(store, sreq, { first: 50, after: s1.value.endCursor! }),
    );
    expect(s2.queries).toBe(1);
    expect([...s1.value.subjects, ...s2.value.subjects]).toHaveLength(77);
    await cypher.writeRelationships(store, [
      { operation: "TOUCH", tuple: parseTuple("document:late#viewer@user:late") },
    ]);
    const p3 = await counted(() =>
      cypher.lookupResources(store, req, { first: 150, after: p1.value.endCursor! }),
    );
    expect(p3.queries).toBe(2);
    expect(p3.value.staleCursor).toBe(true);
    expect(p3.value.resources).toEqual(p2.value.resources);
  });

  it("the 20×4 diamond: quick and exact, and the reverse expansion is a pruning BFS", async () => {
    const t0 = performance.now();
    const docs = await resources(cypher, store, "document", "view", user("bottom"), 7);
    const groups = await resources(cypher, store, "group", "member", user("bottom"), 1000);
    const denied = await resources(cypher, store, "document", "view", user("nobody"), 7);
    const subs = await subjects(cypher, store, { type: "document", id: "top" }, "view", "user", "", 1);
    const ms = performance.now() - t0;
    expect(docs).toEqual(["top"]);
    expect(groups).toHaveLength(77); // every group of layers 0–18, and l19_3
    expect(groups).toEqual(await resources(memory, store, "group", "member", user("bottom"), 1000));
    expect(denied).toEqual([]);
    expect(subjectTexts(subs)).toEqual(["user:bottom"]);
    // 4^20 paths would never finish; a BFS visits each of the ~80 groups once.
    expect(ms).toBeLessThan(15_000);

    const text = readFileSync(
      new URL("../../cypher/reach-reverse.cypher", import.meta.url),
      "utf8",
    ).replaceAll("{{:type}}", ":`user`");
    const session = counting.inner.session();
    try {
      const r = await session.run(`PROFILE ${text}`, {
        store,
        ids: ["bottom", "*"],
        subjects: ["user:bottom", "user:*"],
        tuplesets: ["parent"],
      });
      const ops: { operatorType: string; dbHits: number }[] = [];
      const walk = (p: { operatorType: string; dbHits: number; children: unknown[] }): void => {
        ops.push({ operatorType: p.operatorType, dbHits: p.dbHits });
        for (const c of p.children) walk(c as typeof p);
      };
      walk(r.summary.profile as unknown as { operatorType: string; dbHits: number; children: unknown[] });
      expect(ops.map((o) => o.operatorType).join(" ")).toMatch(/VarLengthExpand\(Pruning/);
      const dbHits = ops.reduce((a, o) => a + o.dbHits, 0);
      console.log(
        `lookup-cypher: diamond reach-reverse PROFILE: ${dbHits} db hits; lookups took ${Math.round(ms)} ms`,
      );
      expect(dbHits).toBeLessThan(20_000);
      expect((r.records[0]!.get("rows") as unknown[]).length).toBe(19 * 16 + 2);
    } finally {
      await session.close();
    }
  });
});
