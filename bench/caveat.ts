/**
 * Issue 16's cost of caveats: the same chain with a caveat on every hop (every tuple carries
 * `[c:{"min":1}]`, the request's context `{tier: 2}` makes each true), uncached, against the
 * uncaveated chain, uncached, measured in alternating passes. Both use the group closure and the
 * recursive-arrow shortcut (the caveated one because every caveat on them holds for the request);
 * the uncaveated chain is also reported as the plain walk.
 *
 * Run by bench/run.ts in a child process of its own (`caveatCostIsolated`): in the main bench
 * process the JIT state left by the other workloads moved the two arms by up to 40 % in opposite
 * directions from run to run; a fresh process measures both arms from the same start.
 *
 *   node bin/run-ts.js bench/caveat.ts "chain 20+20" 4000   → one CaveatCost as JSON on stdout
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Evaluator } from "../src/engine/check.ts";
import { TupleIndex } from "../src/model/tupleIndex.ts";
import { IndexReader } from "../src/engine/reader.ts";
import { HAS } from "../src/engine/result.ts";
import { TypeSystem } from "../src/typesystem/typesystem.ts";
import { parse } from "../src/language/parser.ts";
import { compileDocument } from "../src/language/compile.ts";
import { SCHEMA, chainWorkload } from "./workloads.ts";
import type { Workload } from "./workloads.ts";
import { stats, type Stats } from "./stats.ts";

const CAVEATED_SCHEMA = `caveat c(tier int, min int) { tier >= min }
definition user {}
definition group {
  relation member: user with c | group#member with c
}
definition folder {
  relation parent: folder with c
  relation viewer: user with c | group#member with c
  permission view = viewer + parent->view
}
definition document {
  relation parent: folder with c
  relation viewer: user with c | group#member with c
  permission view = viewer + parent->view
}
`;

export interface CaveatCost {
  readonly workload: string;
  readonly caveated: Stats;
  readonly uncaveated: Stats;
  readonly uncaveatedWalk: Stats;
  /** caveated p50 / uncaveated p50 (closure on), and / the plain walk's. */
  readonly ratio: number;
  readonly ratioToWalk: number;
}

const compile = (text: string): TypeSystem => new TypeSystem(compileDocument(parse(text).document).ir);

export function runCaveated(w: Workload): CaveatCost {
  const plainSchema = compile(SCHEMA);
  const plainIndex = new TupleIndex();
  for (const t of w.tuples) plainIndex.add(t);
  const schema = compile(CAVEATED_SCHEMA);
  const index = new TupleIndex();
  for (const t of w.tuples) index.add({ ...t, caveat: { name: "c", context: { min: 1 } } });
  const context = { tier: 2 };
  // Each evaluator warmed with a full pass, then measured in alternating passes (same JIT state,
  // same GC pressure), all uncached.
  const runs = {
    caveated: { ev: new Evaluator(schema, { maxDepth: 10_000 }), reader: new IndexReader(index), context },
    uncaveated: { ev: new Evaluator(plainSchema, { maxDepth: 10_000 }), reader: new IndexReader(plainIndex) },
    uncaveatedWalk: {
      ev: new Evaluator(plainSchema, { maxDepth: 10_000, closure: false }),
      reader: new IndexReader(plainIndex),
    },
  };
  const samples: Record<keyof typeof runs, number[]> = { caveated: [], uncaveated: [], uncaveatedWalk: [] };
  const pass = (name: keyof typeof runs, record: boolean): void => {
    const r = runs[name];
    for (const p of w.pairs) {
      const req = "context" in r ? { ...p, context: r.context } : p;
      const s = performance.now();
      const v = r.ev.check(r.reader, req);
      if (record) samples[name].push(performance.now() - s);
      if ((v === HAS) !== p.granted)
        throw new Error(`${w.name} ${name}: wrong answer for ${JSON.stringify(p)}`);
    }
  };
  for (const name of Object.keys(runs) as (keyof typeof runs)[]) pass(name, false);
  for (let round = 0; round < 3; round++)
    for (const name of Object.keys(runs) as (keyof typeof runs)[]) pass(name, true);
  for (const [name, r] of Object.entries(runs))
    if (r.ev.stats.cacheHits !== 0) throw new Error(`${w.name} ${name}: ${r.ev.stats.cacheHits} cache hits`);
  const caveated = stats(samples.caveated);
  const uncaveated = stats(samples.uncaveated);
  const uncaveatedWalk = stats(samples.uncaveatedWalk);
  return {
    workload: w.name,
    caveated,
    uncaveated,
    uncaveatedWalk,
    ratio: caveated.p50 / uncaveated.p50,
    ratioToWalk: caveated.p50 / uncaveatedWalk.p50,
  };
}

/** `runCaveated` on chain workload `name` ("chain F+G") with `count` pairs, in a child process. */
export function caveatCostIsolated(name: string, count: number): CaveatCost {
  const runTs = fileURLToPath(new URL("../bin/run-ts.js", import.meta.url));
  const out = execFileSync(process.execPath, [runTs, fileURLToPath(import.meta.url), name, String(count)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out) as CaveatCost;
}

function workloadNamed(name: string, count: number): Workload {
  const m = /^chain (\d+)\+(\d+)$/.exec(name);
  if (!m) throw new Error(`bench/caveat.ts: expected a workload like "chain 20+20", got "${name}"`);
  return chainWorkload(Number(m[1]), Number(m[2]), count);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name = "chain 20+20", count = "4000"] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(runCaveated(workloadNamed(name, Number(count)))));
}
