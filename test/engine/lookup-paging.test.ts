/**
 * The lookup paging core (src/engine/lookup/paging.ts): a first page is the `first` smallest keys
 * (picked by a sampled threshold, not a sort) and later pages continue it by binary search — for
 * key sets in every order the walk may produce (ascending, descending, random, long common
 * prefixes, a skewed sample) — and lookupResources' shared goal buffer is clean after every walk,
 * including a walk that fails half-way.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/errors.ts";
import { Evaluator } from "../../src/engine/check.ts";
import {
  LookupResultCache,
  MAX_LOOKUP_ENTRIES,
  pageOf,
  sortResults,
} from "../../src/engine/lookup/paging.ts";
import { lookupResources } from "../../src/engine/lookup/resources.ts";
import { TupleIndex } from "../../src/model/tupleIndex.ts";
import { IndexReader } from "../../src/engine/reader.ts";
import { TypeSystem } from "../../src/typesystem/typesystem.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { zedSchema } from "./support/harness.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function keySets(): [string, string[]][] {
  const r = rng(7);
  const n = 5000;
  const asc = Array.from({ length: n }, (_, i) => `d${String(i).padStart(6, "0")}`);
  const shuffled = [...asc];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  // Every sampled position (i·n/512) holds one of the largest keys: the threshold is too high.
  const skewHigh = [...asc];
  // Every sampled position holds one of the smallest keys: fewer than k below the threshold.
  const skewLow = [...asc].reverse();
  const positions = new Set(Array.from({ length: 512 }, (_, i) => Math.floor((i * n) / 512)));
  const small = asc.slice(0, positions.size);
  const rest = asc.slice(positions.size);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) skewLow[i] = positions.has(i) ? small[a++]! : rest[b++]!;
  let c = n - 1;
  let d = 0;
  for (let i = 0; i < n; i++) skewHigh[i] = positions.has(i) ? asc[c--]! : asc[d++]!;
  return [
    ["ascending", asc],
    ["descending", [...asc].reverse()],
    ["random", shuffled],
    ["long common prefix", shuffled.map((k) => `${"x".repeat(200)}/${k}`)],
    ["unicode", shuffled.map((k, i) => (i % 3 === 0 ? `é${k}` : i % 3 === 1 ? `\u{1F600}${k}` : k))],
    ["sample holds the largest", skewHigh],
    ["sample holds the smallest", skewLow],
    ["small", shuffled.slice(0, 37)],
  ];
}

describe("lookup pages", () => {
  for (const [name, keys] of keySets())
    it(`first pages and walks equal the sorted keys: ${name}`, () => {
      const sorted = [...keys].sort();
      for (const k of [1, 7, 100, 1000]) {
        const results = sortResults(
          keys.map((id) => ({ id })),
          (x) => x.id,
        );
        const first = pageOf(results, k, undefined);
        expect(first.items.map((x) => x.id)).toEqual(sorted.slice(0, k));
        expect(first.hasNextPage).toBe(sorted.length > k);
        // The rest of the walk, from the first page's cursor key.
        const seen = first.items.map((x) => x.id);
        let last = first.lastKey;
        while (last !== undefined) {
          const p = pageOf(results, k, last);
          seen.push(...p.items.map((x) => x.id));
          last = p.lastKey;
        }
        expect(seen).toEqual(sorted);
        // A repeated first page (served by the full sort) is the same page.
        expect(pageOf(results, k, undefined).items.map((x) => x.id)).toEqual(sorted.slice(0, k));
      }
    });
});

describe("lookupResources' goal buffer", () => {
  const schemaWith = (documentView: string) =>
    new TypeSystem(
      zedSchema(`
        definition user {}
        definition folder {
          relation parent: folder
          relation viewer: user
          permission view = viewer + parent->view
        }
        definition document {
          relation parent: folder
          relation viewer: user
          permission view = ${documentView}
        }
      `),
    );
  const schema = schemaWith("viewer + parent->view");

  function world(tuples: string[]): IndexReader {
    const index = new TupleIndex();
    for (const t of tuples) index.add(parseTuple(t));
    return new IndexReader(index);
  }

  it("is clean after each walk, also after one that failed with max depth exceeded", () => {
    // A 300-deep folder chain granted at its root, documents on every folder.
    const tuples: string[] = ["folder:f0#viewer@user:alice", "folder:f0#viewer@user:bob"];
    for (let i = 1; i < 300; i++) tuples.push(`folder:f${i}#parent@folder:f${i - 1}`);
    for (let i = 0; i < 300; i++) tuples.push(`document:d${i}#parent@folder:f${i}`);
    tuples.push("document:mine#viewer@user:carol");
    const reader = world(tuples);
    const ev = new Evaluator(schema);
    const req = (id: string) => ({
      resourceType: "document",
      permission: "view",
      subject: { type: "user", id, relation: "" },
    });
    const ids = (id: string) =>
      lookupResources(ev, reader, req(id))
        .map((r) => r.id)
        .sort();
    const all = Array.from({ length: 300 }, (_, i) => `d${i}`).sort();
    expect(ids("alice")).toEqual(all);
    // The same goals again: a stale bit from the first walk would hide them.
    expect(ids("bob")).toEqual(all);
    expect(ids("carol")).toEqual(["mine"]);
    // A walk that throws half-way (verification hits the depth limit) leaves no goal behind.
    const shallow = new Evaluator(schema, { maxDepth: 5, closure: false });
    const withIntersection = schemaWith("(viewer + parent->view) & parent->view");
    const strict = new Evaluator(withIntersection, { maxDepth: 5, closure: false });
    expect(() => lookupResources(strict, reader, req("alice"))).toThrow(
      expect.objectContaining({ code: ErrorCode.RESOURCE_EXHAUSTED }),
    );
    expect(ids("alice")).toEqual(all);
    expect(lookupResources(shallow, reader, req("carol")).map((r) => r.id)).toEqual(["mine"]);
  });
});

describe("the computed-lookup cache", () => {
  it("holds at most MAX_LOOKUP_ENTRIES lists, however few results they have (found by the API fuzzer)", () => {
    const cache = new LookupResultCache();
    const empty = () => sortResults<string>([], (s) => s);
    for (let i = 0; i < MAX_LOOKUP_ENTRIES + 50; i++) cache.get(`scope${i}|digest`, empty);
    expect(cache.peek("scope0|digest")).toBeUndefined();
    expect(cache.peek(`scope${MAX_LOOKUP_ENTRIES + 49}|digest`)).toBeDefined();
    let held = 0;
    for (let i = 0; i < MAX_LOOKUP_ENTRIES + 50; i++) if (cache.peek(`scope${i}|digest`)) held++;
    expect(held).toBe(MAX_LOOKUP_ENTRIES);
  });
});
