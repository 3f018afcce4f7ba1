/**
 * Profiling aid: one workload, engine only.  npx tsx bench/profile.ts chain 1000 1000 [n] [--no-closure]
 * Alternates closure on / off per round when given --both.
 */
import { Evaluator } from "../src/engine/check.ts";
import { TupleIndex } from "../src/model/tupleIndex.ts";
import { IndexReader } from "../src/engine/reader.ts";
import { TypeSystem } from "../src/typesystem/typesystem.ts";
import { parse } from "../src/language/parser.ts";
import { compileDocument } from "../src/language/compile.ts";
import { SCHEMA, bigGroupWorkload, chainWorkload, diamondWorkload } from "./workloads.ts";

const flags = process.argv.slice(2).filter((x) => x.startsWith("--"));
const [kind = "chain", a = "1000", b = "1000", n = "2000"] = process.argv
  .slice(2)
  .filter((x) => !x.startsWith("--"));
const w =
  kind === "diamond"
    ? diamondWorkload(20, 4, Number(n))
    : kind === "group"
      ? bigGroupWorkload(10_000, Number(n))
      : chainWorkload(Number(a), Number(b), Number(n));
const schema = new TypeSystem(compileDocument(parse(SCHEMA).document).ir);
const index = new TupleIndex();
for (const t of w.tuples) index.add(t);
const reader = new IndexReader(index);
const both = flags.includes("--both");
const on = new Evaluator(schema);
const off = new Evaluator(schema, { closure: false });
for (let round = 0; round < (both ? 6 : 3); round++) {
  const ev = both ? (round % 2 === 0 ? on : off) : flags.includes("--no-closure") ? off : on;
  const samples: number[] = [];
  for (const p of w.pairs) {
    const s = performance.now();
    ev.check(reader, p);
    samples.push(performance.now() - s);
  }
  samples.sort((x, y) => x - y);
  const q = (f: number): string => (samples[Math.floor(f * samples.length)]! * 1000).toFixed(1);
  const mode = ev === on ? "closure" : "walk";
  console.log(
    `${w.name} ${mode} round ${round}: p50 ${q(0.5)} µs, p95 ${q(0.95)} µs, p99 ${q(0.99)} µs, goals/check ${(ev.stats.goals / ev.stats.checks).toFixed(0)}`,
  );
}
const cl = on.closureOf(reader);
if (cl !== undefined) console.log("closure", JSON.stringify({ nodes: cl.size, ...cl.stats }));
