/**
 * Loading benchmark of issue 6: a store of N tuples (default 1,000,000) written to Neo4j through the
 * store API (Neo4jTupleStore.write, batches of 1,000: every batch a revision in the change log, as a
 * real store is built), then a Projection loads it from Neo4j as a process does on its first check
 * (head, stream the tuples with TupleStore.scan, head, replay the log between, compact). Measured: write
 * time, projection load time (target ≤ 30 s at 1M), Neo4j transactions of the load, and heap bytes
 * per tuple of the loaded projection (heapUsed + arrayBuffers after GC, before vs after; target
 * ≤ 200 B). The store is deleted afterwards (deleteStore purges it 1,000 objects per transaction).
 *
 *   node --expose-gc bin/run-ts.js bench/load.ts [--tuples 1000000] [--keep]
 * (without --expose-gc the script turns the flag on itself.) Needs Neo4j (NEO4J_URI, or the local
 * server: `npm run neo4j:start`). Results: bench/results/load-<timestamp>.json
 *
 * Data: realistic proportions — per document a folder parent, 8 user viewers and one group viewer;
 * 10% of the tuples are group memberships (20 users per group); 10,000 folders, 50,000 users.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Tuple } from "../src/model/tuple.ts";
import { Projection } from "../src/engine/projection/projection.ts";
import { createDriver } from "../src/store/neo4j/connection.ts";
import { neo4jConfigFromEnv } from "../src/config.ts";
import { Neo4jTupleStore } from "../src/store/neo4j/neo4jStore.ts";
import { compileSchema } from "../src/language/schema.ts";
import { CountingDriver } from "../test/engine/support/neo4jStores.ts";
import { SCHEMA } from "./workloads.ts";

const arg = (name: string): string | undefined =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const N = Number(arg("--tuples") ?? 1_000_000);
const KEEP = process.argv.includes("--keep");
/** Load an existing store instead of writing one (with --keep from an earlier run). */
const EXISTING = arg("--store");

const gc: () => void =
  typeof globalThis.gc === "function"
    ? (globalThis.gc as () => void)
    : (() => {
        setFlagsFromString("--expose-gc");
        return runInNewContext("gc") as () => void;
      })();

const USERS = 50_000;
const FOLDERS = 10_000;

function tuple(rt: string, rid: string, rel: string, st: string, sid: string, srel = ""): Tuple {
  return {
    resourceType: rt,
    resourceId: rid,
    relation: rel,
    subjectType: st,
    subjectId: sid,
    subjectRelation: srel,
  };
}

/** The i-th batch of ≤ 1,000 distinct tuples; the whole set has exactly `n` distinct tuples. */
function* tuples(n: number): Generator<Tuple> {
  const memberships = Math.floor(n / 10);
  const docs = Math.floor((n - memberships) / 10);
  const groups = Math.max(1, Math.floor(memberships / 20));
  let emitted = 0;
  for (let d = 0; d < docs; d++) {
    yield tuple("document", `doc${d}`, "parent", "folder", `f${d % FOLDERS}`);
    for (let k = 0; k < 8; k++)
      yield tuple("document", `doc${d}`, "viewer", "user", `u${(d * 8 + k * 7919) % USERS}`);
    yield tuple("document", `doc${d}`, "viewer", "group", `g${d % groups}`, "member");
    emitted += 10;
  }
  // Memberships: group g holds users g*20 .. g*20+19 (mod USERS), then the remainder round-robin.
  for (let i = 0; emitted < n; i++, emitted++) {
    const g = i % groups;
    const j = Math.floor(i / groups);
    yield tuple("group", `g${g}`, "member", "user", `u${(g * 20 + j) % USERS}`);
  }
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const neo = neo4jConfigFromEnv();
  const counting = new CountingDriver(createDriver(neo));
  const store = await Neo4jTupleStore.open({
    driver: counting.driver,
    database: neo.database,
    ownsDriver: false,
  });
  const name = EXISTING ?? `bench-load-${Date.now().toString(36)}`;
  const result: Record<string, unknown> = {
    at: new Date().toISOString(),
    node: process.version,
    tuplesRequested: N,
    store: name,
  };
  try {
    if (EXISTING === undefined) {
      await store.createStore(name);
      const { ir } = compileSchema(SCHEMA, { format: "zed" });
      if (!ir) throw new Error("schema does not compile");
      await store.writeSchema(name, { text: SCHEMA, format: "ZED", ir });
      const t0 = performance.now();
      let batch: Tuple[] = [];
      let written = 0;
      let lastReport = t0;
      const flush = async (): Promise<void> => {
        await store.write(name, { updates: batch.map((t) => ({ operation: "TOUCH" as const, tuple: t })) });
        written += batch.length;
        batch = [];
        const now = performance.now();
        if (now - lastReport > 10_000) {
          lastReport = now;
          const rate = written / ((now - t0) / 1000);
          console.log(`  written ${written.toLocaleString("en")} (${Math.round(rate)} tuples/s)`);
        }
      };
      for (const t of tuples(N)) {
        batch.push(t);
        if (batch.length === 1000) await flush();
      }
      if (batch.length > 0) await flush();
      const writeS = (performance.now() - t0) / 1000;
      result["write"] = {
        tuples: written,
        seconds: writeS,
        tuplesPerSecond: written / writeS,
        batches: Math.ceil(written / 1000),
        via: "Neo4jTupleStore.write, TOUCH batches of 1,000 (one revision each)",
      };
      console.log(`wrote ${written.toLocaleString("en")} tuples in ${writeS.toFixed(1)} s`);
    }

    // Projection load, as a process's first check does it.
    gc();
    gc();
    const m0 = process.memoryUsage();
    const before = m0.heapUsed + m0.arrayBuffers;
    counting.reset();
    const t1 = performance.now();
    const projection = await Projection.open(store, name, {});
    const loadS = (performance.now() - t1) / 1000;
    const traffic = counting.snapshot();
    gc();
    gc();
    const m1 = process.memoryUsage();
    const after = m1.heapUsed + m1.arrayBuffers;
    const size = projection.index.size;
    result["load"] = {
      tuples: size,
      seconds: loadS,
      tuplesPerSecond: size / loadS,
      neo4jTransactions: traffic.transactions,
      neo4jQueries: traffic.queries,
      heapBytes: after - before,
      bytesPerTuple: (after - before) / size,
      arrayBytesPerTuple: projection.index.arrayBytes() / size,
      heapUsedAfterMB: m1.heapUsed / 1024 / 1024,
    };
    console.log(
      `projection: ${size.toLocaleString("en")} tuples loaded in ${loadS.toFixed(1)} s ` +
        `(${traffic.transactions} transactions, ${traffic.queries} queries); heap ${mb(after - before)} = ` +
        `${((after - before) / size).toFixed(0)} B/tuple (index arrays ${(projection.index.arrayBytes() / size).toFixed(0)} B/tuple)`,
    );
    if (N < 1_000_000 && size > 0) {
      const scale = 1_000_000 / size;
      result["extrapolatedTo1M"] = {
        note: "linear extrapolation from this run (NOT measured at 1M)",
        writeSeconds: (result["write"] as { seconds: number } | undefined)?.seconds
          ? (result["write"] as { seconds: number }).seconds * scale
          : null,
        loadSeconds: loadS * scale,
      };
    }
    projection.stop();
  } finally {
    if (!KEEP && EXISTING === undefined) {
      const t2 = performance.now();
      await store.deleteStore(name);
      result["deleteSeconds"] = (performance.now() - t2) / 1000;
      console.log(`deleted the store in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
    }
    await store.close();
    await counting.inner.close();
  }
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  const file = new URL(
    `./results/load-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
    import.meta.url,
  );
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`wrote ${file.pathname}`);
}

await main();
