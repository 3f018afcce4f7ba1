/**
 * The check case table (cases/checkCases.ts) on the Neo4j backend, through the facade: per suite
 * one fresh store on the test Neo4j, schema and tuples written by one Relgraph ("writer", batches of
 * 1,000), then every check asked of another Relgraph over the same Neo4j ("reader": a process that
 * never saw the writes and loads its projection from Neo4j) in each consistency mode —
 * minimizeLatency, atLeastAsFresh(the last write's token), fullyConsistent — and of a memory-backed
 * Relgraph holding the same schema and tuples. All must equal the table (which check.test.ts pins on
 * the in-memory index). Stores are deleted afterwards.
 *
 * Caveated and expiring suites run like the others, with each check's request context. The OpenFGA suite's misfit tuples (a subject type its model no longer
 * allows) are written under a wider model first, then the suite's model narrows it, as happens in a
 * real store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECK_SUITES } from "./cases/checkCases.ts";
import type { CheckSuite } from "./cases/checkCases.ts";
import { parseCheck } from "./support/harness.ts";
import { expectedOf, type Expected } from "./support/harness.ts";
import { openCountingStore, uniqueStoreName, writeTuples } from "./support/neo4jStores.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { configFromEnv } from "../../src/config.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import type { Tuple } from "../../src/model/tuple.ts";
import { isRelgraphError } from "../../src/errors.ts";
import type { Consistency } from "../../src/coordinator/service.ts";
import type { Neo4jTupleStore } from "../../src/store/neo4j/neo4jStore.ts";

let neo4jStore: Neo4jTupleStore;
let closeDriver: () => Promise<void>;
let writer: Relgraph;
const readers = new Map<number | undefined, Relgraph>();
const memories = new Map<number | undefined, Relgraph>();
const created: string[] = [];

/**
 * The staleness bound is raised to 60 s so that minimizeLatency never answers UNAVAILABLE because a
 * background poll was late on a loaded CI machine: these tests compare answers, not freshness.
 */
function configFor(maxDepth: number | undefined) {
  return configFromEnv({
    RELGRAPH_STALENESS_BOUND_MS: "60000",
    ...(maxDepth === undefined ? {} : { RELGRAPH_MAX_DEPTH: String(maxDepth) }),
  });
}

/** One Relgraph per max depth over the shared Neo4j store (each its own projections). */
async function readerFor(maxDepth: number | undefined): Promise<Relgraph> {
  let rg = readers.get(maxDepth);
  if (!rg) {
    rg = await createRelgraph({ store: neo4jStore, config: configFor(maxDepth) });
    readers.set(maxDepth, rg);
  }
  return rg;
}

async function memoryFor(maxDepth: number | undefined): Promise<Relgraph> {
  let rg = memories.get(maxDepth);
  if (!rg) {
    rg = await createRelgraph({ memory: true, config: configFor(maxDepth) });
    memories.set(maxDepth, rg);
  }
  return rg;
}

beforeAll(async () => {
  const opened = await openCountingStore();
  neo4jStore = opened.store;
  closeDriver = opened.close;
  writer = await createRelgraph({ store: neo4jStore, config: configFor(undefined) });
});

afterAll(async () => {
  for (const name of created) await writer.deleteStore(name).catch(() => {});
  for (const rg of [...readers.values(), ...memories.values()]) await rg.close();
  await writer?.close();
  await closeDriver?.();
});

/** Writes the suite's schema and tuples into `store` of `rg` (or of `raw` for the schema, see top). */
async function load(rg: Relgraph, store: string, suite: CheckSuite): Promise<string> {
  const dialect = suite.origin === "openfga" ? "openfga" : "zed";
  const format = dialect === "openfga" ? "OPENFGA" : "ZED";
  await rg.createStore(store);
  await rg.writeSchema(store, suite.schema, format);
  const tuples = suite.tuples.map((t) => parseTuple(t, dialect));
  if (dialect === "openfga") {
    // Misfit tuples exist only because a later model narrowed a relation: write them under a
    // model that still allows them, then the suite's model (OpenFGA origin may narrow).
    const wide = widenOpenFga(suite.schema, tuples);
    if (wide !== suite.schema) {
      await rg.writeSchema(store, wide, format);
      const token = await writeTuples(rg, store, tuples);
      await rg.writeSchema(store, suite.schema, format);
      return token;
    }
  }
  return writeTuples(rg, store, tuples);
}

/** The OpenFGA model with every subject type the tuples use added to their relation's type list. */
function widenOpenFga(model: string, tuples: readonly Tuple[]): string {
  let type = "";
  return model
    .split("\n")
    .map((line) => {
      const t = /^type (\S+)/.exec(line);
      if (t) type = t[1] ?? "";
      const d = /^(\s+define (\S+): \[)([^\]]*)(\].*)$/.exec(line);
      if (!d) return line;
      const allowed = (d[3] ?? "").split(",").map((s) => s.trim());
      for (const x of tuples) {
        if (x.resourceType !== type || x.relation !== d[2]) continue;
        const spec =
          x.subjectId === "*"
            ? `${x.subjectType}:*`
            : x.subjectRelation
              ? `${x.subjectType}#${x.subjectRelation}`
              : x.subjectType;
        if (!allowed.includes(spec)) allowed.push(spec);
      }
      return `${d[1]}${allowed.join(", ")}${d[4]}`;
    })
    .join("\n");
}

async function ask(
  rg: Relgraph,
  store: string,
  suite: CheckSuite,
  check: string,
  contextual: readonly string[] | undefined,
  consistency: Consistency,
  context?: Readonly<Record<string, unknown>>,
): Promise<Expected> {
  const dialect = suite.origin === "openfga" ? "openfga" : "zed";
  try {
    const r = await rg.check(
      store,
      {
        ...parseCheck(check, dialect),
        ...(contextual ? { contextualTuples: contextual.map((t) => parseTuple(t, dialect)) } : {}),
        ...(context ? { context } : {}),
      },
      consistency,
    );
    return expectedOf(r.permissionship, r.missingContext);
  } catch (e) {
    if (isRelgraphError(e)) {
      const reason = e.details["reason"];
      return typeof reason === "string" ? { error: e.code, reason } : { error: e.code };
    }
    throw e;
  }
}

describe.each(CHECK_SUITES)("on Neo4j: $name", (suite) => {
  const store = uniqueStoreName("cases");
  let token = "";
  let memoryStore: Relgraph | undefined;

  beforeAll(async () => {
    created.push(store);
    token = await load(writer, store, suite);
    const memory = await memoryFor(undefined);
    await load(memory, store, suite);
    memoryStore = memory;
  }, 120_000);

  afterAll(async () => {
    for (const rg of readers.values()) await rg.deleteStore(store).catch(() => {});
    for (const rg of memories.values()) if (rg !== memoryStore) await rg.deleteStore(store).catch(() => {});
    await memoryStore?.deleteStore(store).catch(() => {});
  });

  it(`${suite.checks.length} checks × 3 consistency modes equal the memory backend and the table`, async () => {
    const mismatches: string[] = [];
    for (const c of suite.checks) {
      const rg = await readerFor(c.maxDepth);
      const memory = await memoryFor(c.maxDepth);
      if (memory !== memoryStore && !(await memory.stores()).some((s) => s.name === store))
        await load(memory, store, suite);
      // atLeastAsFresh first: the reader's first request loads the store; later modes reuse it.
      const modes: [string, Consistency][] = [
        ["atLeastAsFresh", { kind: "atLeastAsFresh", token }],
        ["minimizeLatency", { kind: "minimizeLatency" }],
        ["fullyConsistent", { kind: "fullyConsistent" }],
      ];
      const mem = await ask(
        memory,
        store,
        suite,
        c.check,
        c.contextual,
        { kind: "fullyConsistent" },
        c.context,
      );
      if (JSON.stringify(mem) !== JSON.stringify(c.expect))
        mismatches.push(`${c.check}: memory ${JSON.stringify(mem)}, table ${JSON.stringify(c.expect)}`);
      for (const [mode, consistency] of modes) {
        const got = await ask(rg, store, suite, c.check, c.contextual, consistency, c.context);
        if (JSON.stringify(got) !== JSON.stringify(mem))
          mismatches.push(
            `${c.check} [${mode}]: neo4j ${JSON.stringify(got)}, memory ${JSON.stringify(mem)}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);
});
