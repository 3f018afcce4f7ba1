/**
 * The depth benchmark of bench/run.ts on the direct Cypher evaluator (issue 7): chain 1+1, 5+5,
 * 10+10, 20+20, 500+500, 1000+1000 and the 20×4 diamond, each in its own Neo4j store evaluated with
 * RELGRAPH_EVALUATOR=cypher. Distinct (document, user) pairs, half granted, half denied, every answer
 * verified; sequential checks (latency) and then the same pairs 32 at a time (round trips shared).
 * Reports p50 / p95 / p99 per check and Neo4j round trips per check.
 *
 *   node bin/run-ts.js bench/cypher-depth.ts [--count N]     (Neo4j from NEO4J_URI… or the local server)
 *
 * Results: bench/results/cypher-<timestamp>.json
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { configFromEnv } from "../src/config.ts";
import { createRelgraph } from "../src/index.ts";
import { neo4jConfigFromEnv } from "../src/config.ts";
import { SCHEMA, chainWorkload, diamondWorkload, type Workload } from "./workloads.ts";

const countArg = process.argv.indexOf("--count");
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 200;
const CONCURRENCY = 32;

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const fmt = (ms: number): string => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`);

async function main(): Promise<void> {
  const relgraph = await createRelgraph({
    neo4j: neo4jConfigFromEnv(process.env),
    config: configFromEnv({ ...process.env, RELGRAPH_EVALUATOR: "cypher" }),
  });
  const direct = relgraph.cypher;
  if (direct === undefined) throw new Error("the Cypher evaluator needs the Neo4j backend");
  const workloads: Workload[] = [
    chainWorkload(1, 1, COUNT),
    chainWorkload(5, 5, COUNT),
    chainWorkload(10, 10, COUNT),
    chainWorkload(20, 20, COUNT),
    chainWorkload(500, 500, COUNT),
    chainWorkload(1000, 1000, COUNT),
    diamondWorkload(20, 4, COUNT),
  ];
  const rows: Record<string, unknown>[] = [];
  const tag = randomBytes(3).toString("hex");
  console.log(`direct Cypher evaluator, ${COUNT} distinct pairs per workload (half granted)\n`);
  console.log(
    "| workload | hops | p50 | p95 | p99 | round trips/check | rows/check | concurrent ×32: checks/s | round trips/check |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const w of workloads) {
    const store = `bench-cy-${tag}-${w.name.replace(/[^a-z0-9]+/g, "-")}`;
    await relgraph.createStore(store);
    try {
      await relgraph.writeSchema(store, SCHEMA, "ZED");
      for (let i = 0; i < w.tuples.length; i += 1000)
        await relgraph.writeRelationships(
          store,
          w.tuples.slice(i, i + 1000).map((tuple) => ({ operation: "TOUCH" as const, tuple })),
        );
      // Warm-up: the schema read and query plans are not part of the measured checks.
      for (const p of w.pairs.slice(0, 10)) await relgraph.check(store, p);
      const times: number[] = [];
      const q0 = direct.reader.stats.queries;
      let transferred = 0;
      for (const p of w.pairs) {
        const t0 = performance.now();
        const r = await relgraph.check(store, p);
        times.push(performance.now() - t0);
        if ((r.permissionship === "HAS_PERMISSION") !== p.granted)
          throw new Error(`${w.name}: wrong answer for ${JSON.stringify(p)}`);
      }
      const trips = (direct.reader.stats.queries - q0) / w.pairs.length;
      // Rows per check, measured on one granted pair.
      {
        const answers = await direct.reader.closure({
          store,
          starts: [w.pairs[0]!.resource],
          subjects: [`user:${w.pairs[0]!.subject.id}`, "user:*"],
          tuplesets: ["parent"],
        });
        transferred = answers.reduce((n, a) => n + a.tuples.length, 0);
      }
      const c0 = direct.reader.stats.queries;
      const t0 = performance.now();
      for (let i = 0; i < w.pairs.length; i += CONCURRENCY)
        await Promise.all(w.pairs.slice(i, i + CONCURRENCY).map((p) => relgraph.check(store, p)));
      const elapsed = performance.now() - t0;
      const concTrips = (direct.reader.stats.queries - c0) / w.pairs.length;
      times.sort((a, b) => a - b);
      const row = {
        workload: w.name,
        hops: w.hops,
        p50Ms: pct(times, 50),
        p95Ms: pct(times, 95),
        p99Ms: pct(times, 99),
        roundTripsPerCheck: trips,
        rowsPerCheck: transferred,
        concurrentChecksPerSecond: (w.pairs.length / elapsed) * 1000,
        concurrentRoundTripsPerCheck: concTrips,
      };
      rows.push(row);
      console.log(
        `| ${w.name} | ${w.hops} | ${fmt(row.p50Ms)} | ${fmt(row.p95Ms)} | ${fmt(row.p99Ms)} | ${trips.toFixed(2)} | ${transferred} | ${row.concurrentChecksPerSecond.toFixed(0)} | ${concTrips.toFixed(3)} |`,
      );
    } finally {
      await relgraph.deleteStore(store);
    }
  }
  await relgraph.close();
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  const file = new URL(
    `./results/cypher-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
    import.meta.url,
  );
  writeFileSync(file, `${JSON.stringify({ count: COUNT, concurrency: CONCURRENCY, rows }, null, 2)}\n`);
  console.log(`\nwritten: ${file.pathname}`);
}

await main();
