/**
 * The direct Cypher evaluator (src/store/neo4j/cypherReader.ts) against the Neo4j the global setup
 * provides: the engine's check case tables through a service whose stores are evaluated in Neo4j
 * (RELGRAPH_EVALUATOR=cypher), identical answers; the round trips per check (constant with depth,
 * the diamond, a denied 1,000-deep check, concurrent checks sharing one query); expand and explain
 * on such a store; configuration.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/config.ts";
import { isRelgraphError } from "../../src/errors.ts";
import { parseTuple, type Tuple } from "../../src/model/tuple.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { neo4jConfigFromEnv } from "../../src/config.ts";
import { reachable } from "../../src/engine/reader.ts";
import { CypherEvaluator } from "../../src/coordinator/cypherEvaluator.ts";
import { EvaluatorPolicy } from "../../src/coordinator/policy.ts";
import { CHECK_SUITES } from "../engine/cases/checkCases.ts";
import { expectedOf, parseCheck, type Expected } from "../engine/support/harness.ts";

const tag = randomBytes(3).toString("hex");
const storeName = (s: string): string => `cy-${tag}-${s}`;

let relgraph: Relgraph;
let memory: Relgraph;
const created: string[] = [];

beforeAll(async () => {
  const neo4j = neo4jConfigFromEnv(process.env);
  relgraph = await createRelgraph({ neo4j, config: configFromEnv({ RELGRAPH_EVALUATOR: "cypher" }) });
  memory = await createRelgraph({ neo4j, config: configFromEnv({ RELGRAPH_EVALUATOR: "memory" }) });
});

afterAll(async () => {
  // The in-memory service first: it follows some of these stores and must not poll deleted ones.
  await memory?.close();
  for (const s of created) await relgraph.deleteStore(s).catch(() => undefined);
  await relgraph?.close();
});

async function writeAll(store: string, tuples: readonly Tuple[]): Promise<string[]> {
  const refused: string[] = [];
  for (let i = 0; i < tuples.length; i += 1000) {
    const chunk = tuples.slice(i, i + 1000);
    try {
      await relgraph.writeRelationships(
        store,
        chunk.map((tuple) => ({ operation: "TOUCH" as const, tuple })),
      );
    } catch {
      // One by one: the store refuses what the schema forbids (OpenFGA "misfit" tuples).
      for (const tuple of chunk)
        await relgraph.writeRelationships(store, [{ operation: "TOUCH", tuple }]).catch(() => {
          refused.push(`${tuple.resourceType}:${tuple.resourceId}#${tuple.relation}`);
        });
    }
  }
  return refused;
}

async function newStore(name: string, schema: string, format: "ZED" | "OPENFGA" = "ZED"): Promise<string> {
  const store = storeName(name);
  await relgraph.createStore(store);
  created.push(store);
  await relgraph.writeSchema(store, schema, format);
  return store;
}

function asExpected(e: unknown): Expected {
  if (!isRelgraphError(e)) throw e;
  const reason = e.details["reason"];
  return typeof reason === "string" ? { error: e.code, reason } : { error: e.code };
}

describe("the check case tables on the direct Cypher evaluator", () => {
  CHECK_SUITES.forEach((suite, n) => {
    it(suite.name, async () => {
      const dialect = suite.origin === "openfga" ? "openfga" : "zed";
      const store = await newStore(`s${n}`, suite.schema, dialect === "openfga" ? "OPENFGA" : "ZED");
      await writeAll(
        store,
        suite.tuples.map((t) => parseTuple(t, dialect)),
      );
      expect((await relgraph.policy.kindOf(store)) === "cypher").toBe(true);
      const deep = new Map<number, CypherEvaluator>();
      for (const c of suite.checks) {
        const req = {
          ...parseCheck(c.check, dialect),
          ...(c.contextual ? { contextualTuples: c.contextual.map((t) => parseTuple(t, dialect)) } : {}),
          ...(c.context ? { context: c.context } : {}),
        };
        let got: Expected;
        try {
          let value: string;
          let missing: readonly string[] = [];
          if (c.maxDepth === undefined) {
            const outcome = await relgraph.check(store, req);
            value = outcome.permissionship;
            missing = outcome.missingContext ?? [];
          } else {
            let d = deep.get(c.maxDepth);
            if (d === undefined) {
              d = new CypherEvaluator(relgraph.store, relgraph.store.subgraphs!, { maxDepth: c.maxDepth });
              deep.set(c.maxDepth, d);
            }
            const e = await d.evaluate(store, { kind: "check", request: req }, undefined);
            const v = e.evaluator.check(e.reader, req);
            value = v === 2 ? "HAS_PERMISSION" : v === 0 ? "NO_PERMISSION" : "CONDITIONAL_PERMISSION";
          }
          got = expectedOf(value, missing);
        } catch (e) {
          got = asExpected(e);
        }
        expect(got, c.check).toEqual(c.expect);
      }
    });
  });
});

const DOCS = `
definition user {}
definition group {
  relation member: user | group#member
}
definition folder {
  relation parent: folder
  relation viewer: user | group#member
  relation banned: user
  permission view = viewer + parent->view
  permission strict_view = (viewer + parent->strict_view) - banned
}
definition document {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
  permission strict_view = viewer + parent->strict_view
}`;

function chainTuples(folders: number, groups: number, prefix: string): Tuple[] {
  const t: string[] = [`document:${prefix}#parent@folder:${prefix}f1`];
  for (let i = 1; i < folders; i++) t.push(`folder:${prefix}f${i}#parent@folder:${prefix}f${i + 1}`);
  t.push(`folder:${prefix}f${folders}#viewer@group:${prefix}g1#member`);
  for (let i = 1; i < groups; i++) t.push(`group:${prefix}g${i}#member@group:${prefix}g${i + 1}#member`);
  t.push(`group:${prefix}g${groups}#member@user:${prefix}deep`);
  return t.map((x) => parseTuple(x));
}

describe("round trips per check", () => {
  let store = "";
  beforeAll(async () => {
    store = await newStore("depth", DOCS);
    const tuples: Tuple[] = [];
    for (const n of [1, 5, 20, 100, 1000]) tuples.push(...chainTuples(n, n, `c${n}_`));
    for (let l = 0; l < 19; l++)
      for (let a = 0; a < 4; a++)
        for (let b = 0; b < 4; b++)
          tuples.push(parseTuple(`group:l${l}_${a}#member@group:l${l + 1}_${b}#member`));
    tuples.push(
      parseTuple("group:l19_3#member@user:bottom"),
      parseTuple("document:top#viewer@group:l0_0#member"),
    );
    await writeAll(store, tuples);
    // The schema is read once per process: not part of any check's cost below.
    await relgraph.check(store, parseCheck("document:top#view@user:bottom"));
  }, 120_000);

  async function queriesFor(check: string): Promise<{ queries: number; answer: string }> {
    const stats = relgraph.cypher!.reader.stats;
    const before = stats.queries;
    const r = await relgraph.check(store, parseCheck(check), { kind: "fullyConsistent" });
    return { queries: stats.queries - before, answer: r.permissionship };
  }

  it("nested groups and parent chains: one round trip at every depth, granted or denied", async () => {
    for (const n of [1, 5, 20, 100, 1000]) {
      expect(await queriesFor(`document:c${n}_#view@user:c${n}_deep`)).toEqual({
        queries: 1,
        answer: "HAS_PERMISSION",
      });
      expect(await queriesFor(`document:c${n}_#view@user:nobody`)).toEqual({
        queries: 1,
        answer: "NO_PERMISSION",
      });
    }
  });

  it("an exclusion inside the recursion: still one round trip", async () => {
    for (const n of [5, 100, 1000])
      expect(await queriesFor(`document:c${n}_#strict_view@user:c${n}_deep`)).toEqual({
        queries: 1,
        answer: "HAS_PERMISSION",
      });
  });

  it("the 20×4 diamond, granted and denied: one round trip", async () => {
    expect(await queriesFor("document:top#view@user:bottom")).toEqual({
      queries: 1,
      answer: "HAS_PERMISSION",
    });
    expect(await queriesFor("document:top#view@user:nobody")).toEqual({
      queries: 1,
      answer: "NO_PERMISSION",
    });
  });

  it("concurrent checks share round trips", async () => {
    const stats = relgraph.cypher!.reader.stats;
    const before = stats.queries;
    const checks = [];
    for (const n of [1, 5, 20, 100, 1000])
      checks.push(
        `document:c${n}_#view@user:c${n}_deep`,
        `document:c${n}_#view@user:nobody`,
        `document:top#view@user:u${n}`,
      );
    const answers = await Promise.all(checks.map((c) => relgraph.check(store, parseCheck(c))));
    expect(stats.queries - before).toBe(1);
    expect(answers.filter((a) => a.permissionship === "HAS_PERMISSION")).toHaveLength(5);
    const bulkBefore = stats.queries;
    const bulk = await relgraph.checkBulk(
      store,
      checks.map((c) => parseCheck(c)),
    );
    expect(stats.queries - bulkBefore).toBe(1);
    expect(bulk.results.map((r) => r.permissionship)).toEqual(answers.map((a) => a.permissionship));
  });

  it("reachable(): SHORTEST 1 over a path spec, as the in-memory BFS", async () => {
    const p = await memory.memory.projection(store);
    expect(
      reachable(p.reader, { type: "group", id: "c1000_g1" }, ["member"], { type: "user", id: "c1000_deep" }),
    ).toEqual({ reachable: true, hops: 1000 });
    expect(
      reachable(p.reader, { type: "document", id: "top" }, ["viewer", "member"], {
        type: "user",
        id: "bottom",
      }),
    ).toEqual({ reachable: true, hops: 21 });
    expect(
      reachable(p.reader, { type: "group", id: "c1000_g1" }, ["member"], { type: "user", id: "c5_deep" }),
    ).toEqual({ reachable: false, hops: 0 });
    const reader = relgraph.cypher!.reader;
    expect(
      await reader.reachable(store, { type: "document", id: "top" }, ["viewer", "member"], {
        type: "user",
        id: "bottom",
      }),
    ).toEqual({ reachable: true, hops: 21 });
    expect(
      await reader.reachable(store, { type: "group", id: "c1000_g1" }, ["member"], {
        type: "user",
        id: "c1000_deep",
      }),
    ).toEqual({ reachable: true, hops: 1000 });
    expect(
      await reader.reachable(store, { type: "group", id: "c1000_g1" }, ["member"], {
        type: "user",
        id: "c5_deep",
      }),
    ).toEqual({ reachable: false, hops: 0 });
  });

  it("expand and explain on a store evaluated in Neo4j: the same as in memory", async () => {
    const e1 = await relgraph.expand(store, { type: "document", id: "c20_" }, "view");
    const e2 = await memory.expand(store, { type: "document", id: "c20_" }, "view");
    expect(e1.nodes).toEqual(e2.nodes);
    expect(e1.truncated).toBe(false);
    const x1 = await relgraph.check(store, parseCheck("document:c5_#view@user:c5_deep"), undefined, {
      explain: true,
    });
    const x2 = await memory.check(store, parseCheck("document:c5_#view@user:c5_deep"), undefined, {
      explain: true,
    });
    expect(x1.explanation?.path).toEqual(x2.explanation?.path);
    expect(x1.explanation?.path).toHaveLength(11);
    expect(x1.explanation?.cypher).toContain(":param hops");
    expect(x1.explanation?.browserUrl).toMatch(/cmd=edit&arg=/);
  });

  it("writes are seen at once, and tokens are checked", async () => {
    const w = await relgraph.writeRelationships(store, [
      { operation: "TOUCH", tuple: parseTuple("document:c1_#viewer@user:late") },
    ]);
    const r = await relgraph.check(store, parseCheck("document:c1_#view@user:late"), {
      kind: "atLeastAsFresh",
      token: w.token,
    });
    expect(r.permissionship).toBe("HAS_PERMISSION");
    await expect(
      relgraph.check(store, parseCheck("document:c1_#view@user:late"), {
        kind: "atExactSnapshot",
        token: w.token,
      }),
    ).rejects.toMatchObject({ code: "UNIMPLEMENTED" });
  });

  it("a schema change is picked up", async () => {
    await relgraph.writeSchema(store, `${DOCS}\ndefinition extra {}`, "ZED");
    expect((await queriesFor("document:top#view@user:bottom")).answer).toBe("HAS_PERMISSION");
  });
});

describe("choosing the evaluator", () => {
  it("RELGRAPH_EVALUATOR: memory, cypher, or a per-store list; the memory budget", async () => {
    expect(configFromEnv({}).engine.evaluator).toEqual({ stores: new Map() });
    expect(configFromEnv({ RELGRAPH_EVALUATOR: "cypher" }).engine.evaluator.default).toBe("cypher");
    const list = configFromEnv({ RELGRAPH_EVALUATOR: "big=cypher, *=memory" }).engine.evaluator;
    expect(list.stores.get("big")).toBe("cypher");
    expect(list.default).toBe("memory");
    expect(() => configFromEnv({ RELGRAPH_EVALUATOR: "fast" })).toThrow(/RELGRAPH_EVALUATOR/);
    expect(configFromEnv({ RELGRAPH_MEMORY_BUDGET_MB: "512" }).engine.memoryBudgetMb).toBe(512);

    const store = await newStore("budget", DOCS);
    await writeAll(store, chainTuples(50, 50, "b"));
    const d = (budgetMb: number, evaluator = { stores: new Map<string, "memory" | "cypher">() }) => {
      const policy = new EvaluatorPolicy({ evaluator, memoryBudgetMb: budgetMb }, relgraph.store.subgraphs);
      return { policy, usesCypher: async (s: string) => (await policy.kindOf(s)) === "cypher" };
    };
    expect(await d(0).usesCypher(store)).toBe(false); // no budget: memory
    expect(await d(1).usesCypher(store)).toBe(false); // 102 tuples fit in 1 MB
    const tiny = d(1);
    // A budget already spent on other stores pushes this one to Neo4j.
    (tiny.policy as unknown as { committedBytes: number }).committedBytes = 1024 * 1024;
    expect(await tiny.usesCypher(store)).toBe(true);
    expect(await d(0, { stores: new Map([[store, "cypher" as const]]) }).usesCypher(store)).toBe(true);
  });
});
