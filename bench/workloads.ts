/**
 * Benchmark worlds (schema + tuples + distinct check pairs, half granted, half denied), shared by
 * the engine-only runs and the SpiceDB runs so both answer the same questions on the same data.
 */
import { parseTuple } from "../src/model/tuple.ts";
import type { SubjectRef, Tuple } from "../src/model/tuple.ts";

export const SCHEMA = `definition user {}

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
  relation viewer: user | group#member
  permission view = viewer + parent->view
}
`;

export interface Pair {
  readonly resource: { readonly type: string; readonly id: string };
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly granted: boolean;
}

export interface Workload {
  readonly name: string;
  /** Dispatch hops of a granted check (documents → folders → groups). */
  readonly hops: number;
  readonly tuples: readonly Tuple[];
  readonly pairs: readonly Pair[];
}

/** Deterministic PRNG (mulberry32) so runs are comparable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const user = (id: string): SubjectRef => ({ type: "user", id, relation: "" });

/** Distinct (document, user) pairs, alternating granted / denied. */
function pairs(
  count: number,
  docs: number,
  granted: (i: number) => string,
  denied: (i: number) => string,
  users: number,
  seed: number,
): Pair[] {
  const rand = rng(seed);
  const seen = new Set<string>();
  const out: Pair[] = [];
  while (out.length < count) {
    const g = out.length % 2 === 0;
    const d = Math.floor(rand() * docs);
    const u = Math.floor(rand() * users);
    const key = `${g}:${d}:${u}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      resource: { type: "document", id: `d${d}` },
      permission: "view",
      subject: user(g ? granted(u) : denied(u)),
      granted: g,
    });
  }
  return out;
}

/**
 * Folder chain + nested groups: documents d* → folder f1 → … → fF (parent), fF#viewer@g1#member,
 * g1 ⊃ g2 ⊃ … ⊃ gG, gG ∋ granted users. Denied users sit in an unrelated group, so a denied check
 * walks the whole chain.
 */
export function chainWorkload(
  folders: number,
  groups: number,
  count: number,
  docs = 1000,
  users = 1000,
): Workload {
  const t: string[] = [];
  for (let d = 0; d < docs; d++) t.push(`document:d${d}#parent@folder:f1`);
  for (let i = 1; i < folders; i++) t.push(`folder:f${i}#parent@folder:f${i + 1}`);
  t.push(`folder:f${folders}#viewer@group:g1#member`);
  for (let i = 1; i < groups; i++) t.push(`group:g${i}#member@group:g${i + 1}#member`);
  for (let u = 0; u < users; u++) t.push(`group:g${groups}#member@user:in${u}`);
  for (let u = 0; u < users; u++) t.push(`group:other#member@user:out${u}`);
  return {
    name: `chain ${folders}+${groups}`,
    hops: folders + groups + 1,
    tuples: t.map((x) => parseTuple(x)),
    pairs: pairs(
      count,
      docs,
      (u) => `in${u}`,
      (u) => `out${u}`,
      users,
      folders * 7919 + groups,
    ),
  };
}

/** Diamond lattice: layers × width groups, every node of layer k containing every node of layer k+1. */
export function diamondWorkload(
  layers: number,
  width: number,
  count: number,
  docs = 1000,
  users = 1000,
): Workload {
  const t: string[] = [];
  for (let d = 0; d < docs; d++) t.push(`document:d${d}#viewer@group:l0_${d % width}#member`);
  for (let l = 0; l < layers - 1; l++)
    for (let a = 0; a < width; a++)
      for (let b = 0; b < width; b++) t.push(`group:l${l}_${a}#member@group:l${l + 1}_${b}#member`);
  for (let u = 0; u < users; u++) t.push(`group:l${layers - 1}_${u % width}#member@user:in${u}`);
  for (let u = 0; u < users; u++) t.push(`group:other#member@user:out${u}`);
  return {
    name: `diamond ${layers}x${width}`,
    hops: layers + 1,
    tuples: t.map((x) => parseTuple(x)),
    pairs: pairs(
      count,
      docs,
      (u) => `in${u}`,
      (u) => `out${u}`,
      users,
      4242,
    ),
  };
}

/** One group of `members` users granting every document. */
export function bigGroupWorkload(members: number, count: number, docs = 1000): Workload {
  const t: string[] = [];
  for (let d = 0; d < docs; d++) t.push(`document:d${d}#viewer@group:big#member`);
  for (let u = 0; u < members; u++) t.push(`group:big#member@user:in${u}`);
  for (let u = 0; u < members; u++) t.push(`group:other#member@user:out${u}`);
  return {
    name: `group of ${members}`,
    hops: 2,
    tuples: t.map((x) => parseTuple(x)),
    pairs: pairs(
      count,
      docs,
      (u) => `in${u}`,
      (u) => `out${u}`,
      members,
      777,
    ),
  };
}
