import { describe, expect, it } from "vitest";
import { MemoryTupleStore } from "../../src/store/memory/memoryStore.ts";
import type { ScanOptions } from "../../src/store/interface.ts";
import { Projection } from "../../src/engine/projection/projection.ts";
import { formatTuple, parseTuple } from "../../src/model/tuple.ts";
import type { Tuple } from "../../src/model/tuple.ts";
import { zedSchema } from "./support/harness.ts";
import { isRelgraphError } from "../../src/errors.ts";

const SCHEMA = `
definition user {}
definition group { relation member: user | group#member }
definition document {
  relation viewer: user | group#member
  relation editor: user
  permission view = viewer + editor
}`;
const SCHEMA2 = `${SCHEMA}
definition folder { relation viewer: user }`;

async function storeWith(tuples: string[], options: ConstructorParameters<typeof MemoryTupleStore>[0] = {}) {
  const store = new MemoryTupleStore(options);
  await store.writeSchema("default", { text: SCHEMA, format: "ZED", ir: zedSchema(SCHEMA) });
  for (let i = 0; i < tuples.length; i += 1000)
    await store.write("default", {
      updates: tuples.slice(i, i + 1000).map((t) => ({ operation: "TOUCH", tuple: parseTuple(t) })),
    });
  return store;
}

const sorted = (it: Iterable<Tuple>): string[] => [...it].map(formatTuple).sort();

async function storeTuples(store: MemoryTupleStore): Promise<string[]> {
  const out: Tuple[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.read("default", {}, { first: 1000, ...(after !== undefined ? { after } : {}) });
    out.push(...page.tuples);
    if (page.nextCursor === undefined) return sorted(out);
    after = page.nextCursor;
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    return isRelgraphError(e) ? e.code : String(e);
  }
}

describe("Projection", () => {
  it("loads tuples and schema and serves at the head", async () => {
    const store = await storeWith([
      "document:a#viewer@user:alice",
      "group:g#member@user:bob",
      "document:a#viewer@group:g#member",
    ]);
    const p = await Projection.open(store, "default");
    expect(sorted(p.index.all())).toEqual(await storeTuples(store));
    expect(p.revision.revision).toBe((await store.head("default")).revision);
    expect(p.compiledSchema?.member("document", "view")).toBeDefined();
  });

  it("follows the change log: pull applies writes and deletes", async () => {
    const store = await storeWith(["document:a#viewer@user:alice"]);
    const p = await Projection.open(store, "default");
    await store.write("default", {
      updates: [
        { operation: "TOUCH", tuple: parseTuple("document:b#viewer@user:bob") },
        { operation: "DELETE", tuple: parseTuple("document:a#viewer@user:alice") },
      ],
    });
    const head = await store.head("default");
    expect(p.revision.revision).toBeLessThan(head.revision);
    await p.pull();
    expect(p.revision.revision).toBe(head.revision);
    expect(sorted(p.index.all())).toEqual(["document:b#viewer@user:bob"]);
    expect(p.stats.changesApplied).toBe(2);
  });

  it("waitFor pulls at once and reaches a token's revision", async () => {
    const store = await storeWith([]);
    const p = await Projection.open(store, "default", { pollIntervalMs: 60_000 });
    const rev = await store.write("default", {
      updates: [{ operation: "TOUCH", tuple: parseTuple("document:x#viewer@user:u") }],
    });
    const t0 = Date.now();
    await p.waitFor(rev.revision);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(p.index.has(parseTuple("document:x#viewer@user:u"))).toBe(true);
  });

  it("waitFor a revision never written: DEADLINE_EXCEEDED after the wait", async () => {
    const store = await storeWith([]);
    const p = await Projection.open(store, "default");
    expect(await codeOf(p.waitFor(p.revision.revision + 100, 100))).toBe("DEADLINE_EXCEEDED");
  });

  it("catchUp reaches the head in one call (fullyConsistent)", async () => {
    const store = await storeWith([]);
    const p = await Projection.open(store, "default", { changesPageSize: 1 });
    for (let i = 0; i < 5; i++)
      await store.write("default", {
        updates: [{ operation: "TOUCH", tuple: parseTuple(`document:d${i}#viewer@user:u`) }],
      });
    await p.catchUp();
    expect(p.revision.revision).toBe((await store.head("default")).revision);
    expect(p.index.size).toBe(5);
  });

  it("polls on its own", async () => {
    const store = await storeWith([]);
    const p = await Projection.open(store, "default", { pollIntervalMs: 10 });
    p.start();
    try {
      const rev = await store.write("default", {
        updates: [{ operation: "TOUCH", tuple: parseTuple("document:p#viewer@user:u") }],
      });
      for (let i = 0; i < 100 && p.revision.revision < rev.revision; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(p.revision.revision).toBe(rev.revision);
    } finally {
      p.stop();
    }
  });

  it("is UNAVAILABLE past the staleness bound without contact", async () => {
    let now = 1_000_000;
    const store = await storeWith([]);
    const p = await Projection.open(store, "default", { now: () => now, stalenessMs: 1000 });
    expect(() => p.ensureFresh()).not.toThrow();
    now += 1500;
    let code = "";
    try {
      p.ensureFresh();
    } catch (e) {
      code = isRelgraphError(e) ? e.code : "";
    }
    expect(code).toBe("UNAVAILABLE");
    // A lapse shorter than an outage: the next contact is enough.
    await p.pull();
    expect(() => p.ensureFresh()).not.toThrow();
  });

  it("after an outage, does not flap while the store answers again but slower than the staleness bound", async () => {
    let now = 1_000_000;
    const store = await storeWith([]);
    const p = await Projection.open(store, "default", { now: () => now, stalenessMs: 1000 });
    now += 10_000;
    expect(() => p.ensureFresh()).toThrow(/no contact with the tuple store for 10000 ms/);
    // Pulls land every 1,500 ms: right after each, the last contact is recent, but the store does
    // not keep up with the bound, so every answer stays UNAVAILABLE rather than alternating.
    const answers: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      await p.pull();
      for (const dt of [0, 500, 1000]) {
        if (dt > 0) now += 500;
        try {
          p.ensureFresh();
          answers.push(true);
        } catch {
          answers.push(false);
        }
      }
      now += 500;
    }
    expect(answers.every((ok) => !ok)).toBe(true);
    // Then it keeps up: once three contacts within the bound have spanned three times the bound
    // (the first good one starts the span), it serves, and keeps serving.
    const after: boolean[] = [];
    for (let i = 0; i < 14; i++) {
      now += 300;
      await p.pull();
      try {
        p.ensureFresh();
        after.push(true);
      } catch {
        after.push(false);
      }
    }
    // The first pull comes 1,800 ms after the last: still a lapse. The good ones follow every
    // 300 ms from the second on, which starts the span; 3,000 ms later (the 12th pull) it serves.
    expect(after).toEqual([...Array<boolean>(11).fill(false), true, true, true]);
  });

  it("concurrent fullyConsistent callers share head reads, and never one that started before them", async () => {
    const store = await storeWith([]);
    const p = await Projection.open(store, "default");
    // Each head read waits until released, so reads overlap as they would on a slow Neo4j.
    let reads = 0;
    const gates: (() => void)[] = [];
    const realHead = store.head.bind(store);
    store.head = async (name: string) => {
      reads++;
      // The head as of the read's start, answered once released.
      const head = await realHead(name);
      await new Promise<void>((release) => gates.push(release));
      return head;
    };
    const releaseAll = async () => {
      while (gates.length > 0) {
        gates.shift()!();
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    const first = p.catchUp(); // read 1 starts
    const rev = await store.write("default", {
      updates: [{ operation: "TOUCH", tuple: parseTuple("document:late#viewer@user:u") }],
    });
    // Twenty callers after the write: they must not take read 1 (it may predate the write); they
    // share one queued read.
    const later = Array.from({ length: 20 }, () => p.catchUp());
    await new Promise((r) => setTimeout(r, 1));
    expect(reads).toBe(1);
    await releaseAll();
    await first;
    await releaseAll();
    await Promise.all(later);
    expect(reads).toBe(2);
    expect(p.revision.revision).toBeGreaterThanOrEqual(rev.revision);
    expect(sorted(p.index.all())).toContain("document:late#viewer@user:u");
  });

  it("reloads when the next revision was pruned from the log", async () => {
    let now = 1_000_000;
    const store = await storeWith(["document:a#viewer@user:alice"], {
      now: () => now,
      changeRetentionMs: 1000,
      pruneIntervalMs: 0,
    });
    const p = await Projection.open(store, "default");
    await store.write("default", {
      updates: [{ operation: "TOUCH", tuple: parseTuple("document:b#viewer@user:bob") }],
    });
    now += 10_000;
    await store.write("default", {
      updates: [{ operation: "TOUCH", tuple: parseTuple("document:c#viewer@user:carl") }],
    });
    await store.pruneChanges("default");
    const loads = p.stats.loads;
    await p.pull();
    expect(p.stats.loads).toBe(loads + 1);
    expect(sorted(p.index.all())).toEqual(await storeTuples(store));
    expect(p.revision.revision).toBe((await store.head("default")).revision);
  });

  it("reloads the schema on schema changes", async () => {
    const store = await storeWith([]);
    const p = await Projection.open(store, "default");
    expect(p.compiledSchema?.hasType("folder")).toBe(false);
    await store.writeSchema("default", { text: SCHEMA2, format: "ZED", ir: zedSchema(SCHEMA2) });
    await p.pull();
    expect(p.compiledSchema?.hasType("folder")).toBe(true);
    expect(p.schema?.schemaRevision).toBe((await store.head("default")).schemaRevision);
  });

  it("reloads on a new store incarnation", async () => {
    const store = await storeWith([]);
    await store.createStore("other");
    await store.writeSchema("other", { text: SCHEMA, format: "ZED", ir: zedSchema(SCHEMA) });
    await store.write("other", {
      updates: [{ operation: "TOUCH", tuple: parseTuple("document:a#viewer@user:old") }],
    });
    const p = await Projection.open(store, "other");
    await store.deleteStore("other");
    await store.createStore("other");
    await store.writeSchema("other", { text: SCHEMA, format: "ZED", ir: zedSchema(SCHEMA) });
    await p.catchUp();
    expect(p.index.size).toBe(0);
    expect(p.revision.incarnation).toBe((await store.head("other")).incarnation);
  });

  it("loads while writers run and ends equal to the store", async () => {
    const store = await storeWith(
      Array.from({ length: 2500 }, (_, i) => `document:d${i}#viewer@user:u${i % 50}`),
    );
    // Interleave writes between the load's scan batches: adds, deletes, and re-adds.
    let k = 0;
    const realScan = store.scan.bind(store);
    store.scan = async function* (s: string, options?: ScanOptions): AsyncIterable<readonly Tuple[]> {
      for await (const batch of realScan(s, options)) {
        yield batch;
        k++;
        await store.write("default", {
          updates: [
            { operation: "TOUCH", tuple: parseTuple(`document:new${k}#viewer@user:w`) },
            { operation: "DELETE", tuple: parseTuple(`document:d${k * 7}#viewer@user:u${(k * 7) % 50}`) },
            { operation: "DELETE", tuple: parseTuple(`document:new${k - 1}#viewer@user:w`) },
          ],
        });
      }
    };
    const p = await Projection.open(store, "default", { scanBatchSize: 200 });
    store.scan = realScan;
    expect(k).toBeGreaterThan(5);
    expect(sorted(p.index.all())).toEqual(await storeTuples(store));
  });
});
