/**
 * Neo4j round trips per check, in each consistency mode, counted on the driver (every managed
 * transaction = one store call; every Cypher statement = at least one Bolt round trip; see
 * support/neo4jStores.ts). The reader Relgraph polls only once a minute here, so the background
 * poller adds nothing to the counts.
 *
 *   minimizeLatency, loaded                        0 transactions, 0 queries
 *   atLeastAsFresh, token already reached          0, 0
 *   atLeastAsFresh, newer token (one write behind) 1 pull: 1 transaction, 2 queries (state + change page)
 *   fullyConsistent, nothing new                   1 head read: 1 transaction, 1 query
 *   fullyConsistent, one write behind              head + pull: 2 transactions, 3 queries
 *   checkBulk of 100 items, fullyConsistent        1 head read for the whole batch
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  openCountingStore,
  uniqueStoreName,
  writeTuples,
  type CountingDriver,
} from "./support/neo4jStores.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { configFromEnv } from "../../src/config.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import type { CheckRequest, Consistency } from "../../src/coordinator/service.ts";

const SCHEMA = `definition user {}
definition group { relation member: user | group#member }
definition document {
  relation viewer: user | group#member
  permission view = viewer
}`;

const N = 50;

describe("Neo4j round trips per check", () => {
  let counting: CountingDriver;
  let closeDriver: () => Promise<void>;
  let writer: Relgraph;
  let reader: Relgraph;
  const store = uniqueStoreName("roundtrips");
  let token = "";
  const table: Record<string, { transactions: number; queries: number; p50Ms?: number }> = {};

  const req = (i: number): CheckRequest => ({
    resource: { type: "document", id: `d${i % 10}` },
    permission: "view",
    subject: { type: "user", id: `u${i}`, relation: "" },
  });

  /** Average traffic per call of `fn` over `n` calls. */
  async function perCall(name: string, n: number, fn: (i: number) => Promise<void>) {
    let transactions = 0;
    let queries = 0;
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      counting.reset();
      const t0 = performance.now();
      await fn(i);
      ms.push(performance.now() - t0);
      transactions += counting.counts.transactions;
      queries += counting.counts.queries;
    }
    const r = { transactions: transactions / n, queries: queries / n };
    ms.sort((a, b) => a - b);
    // Wall time of the whole call (for the write-behind cases it includes the write).
    table[name] = { ...r, p50Ms: Math.round((ms[Math.floor(n / 2)] ?? 0) * 1000) / 1000 };
    return r;
  }

  beforeAll(async () => {
    const opened = await openCountingStore();
    counting = opened.counting;
    closeDriver = opened.close;
    const config = configFromEnv({
      RELGRAPH_POLL_INTERVAL_MS: "60000",
      RELGRAPH_STALENESS_BOUND_MS: "3600000",
    });
    writer = await createRelgraph({ store: opened.store, config });
    reader = await createRelgraph({ store: opened.store, config });
    await writer.createStore(store);
    await writer.writeSchema(store, SCHEMA, "ZED");
    const tuples = [];
    for (let i = 0; i < 500; i++) tuples.push(parseTuple(`document:d${i % 10}#viewer@user:u${i}`));
    for (let i = 0; i < 10; i++) tuples.push(parseTuple(`document:d${i}#viewer@group:g#member`));
    token = await writeTuples(writer, store, tuples);
  });

  afterAll(async () => {
    await writer?.deleteStore(store).catch(() => {});
    await reader?.close();
    await writer?.close();
    await closeDriver?.();
    console.log(`round trips per check: ${JSON.stringify(table)}`);
    // RELGRAPH_WRITE_RESULTS=1 also saves the table for the README (bench/results/roundtrips-*.json).
    if (process.env["RELGRAPH_WRITE_RESULTS"] === "1") {
      const dir = new URL("../../bench/results/", import.meta.url);
      mkdirSync(dir, { recursive: true });
      const at = new Date().toISOString();
      writeFileSync(
        new URL(`roundtrips-${at.replace(/[:.]/g, "-")}.json`, dir),
        JSON.stringify({ at, node: process.version, unit: "per check (averages)", table }, null, 2),
      );
    }
  });

  it("first check loads the projection (a handful of reads, once)", async () => {
    counting.reset();
    const r = await reader.check(store, req(0), { kind: "atLeastAsFresh", token });
    expect(r.permissionship).toBe("HAS_PERMISSION");
    table["first check (load)"] = counting.snapshot();
    // head, schema, one page of 510 tuples, head: a few transactions, never per tuple.
    expect(counting.counts.transactions).toBeGreaterThanOrEqual(3);
    expect(counting.counts.transactions).toBeLessThanOrEqual(6);
  });

  it("minimizeLatency: 0 once loaded", async () => {
    const r = await perCall("minimizeLatency", N, async (i) => {
      expect((await reader.check(store, req(i), { kind: "minimizeLatency" })).permissionship).toBe(
        "HAS_PERMISSION",
      );
    });
    expect(r).toEqual({ transactions: 0, queries: 0 });
  });

  it("default consistency (minimizeLatency): 0", async () => {
    const r = await perCall("default", N, async (i) => {
      await reader.check(store, req(i));
    });
    expect(r).toEqual({ transactions: 0, queries: 0 });
  });

  it("atLeastAsFresh with a token already reached: 0", async () => {
    const r = await perCall("atLeastAsFresh (reached)", N, async (i) => {
      await reader.check(store, req(i), { kind: "atLeastAsFresh", token });
    });
    expect(r).toEqual({ transactions: 0, queries: 0 });
  });

  it("atLeastAsFresh with a newer token: one pull of the change log", async () => {
    // One write behind each time: write, then check with its token.
    const r = await perCall("atLeastAsFresh (newer token)", 10, async (i) => {
      const t = (
        await writer.writeRelationships(store, [
          { operation: "TOUCH", tuple: parseTuple(`document:later${i}#viewer@user:late${i}`) },
        ])
      ).token;
      counting.reset(); // count the check only, not the write
      const out = await reader.check(
        store,
        {
          resource: { type: "document", id: `later${i}` },
          permission: "view",
          subject: { type: "user", id: `late${i}`, relation: "" },
        },
        { kind: "atLeastAsFresh", token: t },
      );
      expect(out.permissionship).toBe("HAS_PERMISSION");
    });
    expect(r.transactions).toBe(1);
    expect(r.queries).toBe(2);
  });

  it("fullyConsistent with nothing new: one head read", async () => {
    const r = await perCall("fullyConsistent (nothing new)", N, async (i) => {
      await reader.check(store, req(i), { kind: "fullyConsistent" });
    });
    expect(r).toEqual({ transactions: 1, queries: 1 });
  });

  it("fullyConsistent one write behind: head read + one pull", async () => {
    const r = await perCall("fullyConsistent (one write behind)", 10, async (i) => {
      await writer.writeRelationships(store, [
        { operation: "TOUCH", tuple: parseTuple(`document:fc${i}#viewer@user:fc${i}`) },
      ]);
      counting.reset();
      const out = await reader.check(
        store,
        {
          resource: { type: "document", id: `fc${i}` },
          permission: "view",
          subject: { type: "user", id: `fc${i}`, relation: "" },
        },
        { kind: "fullyConsistent" },
      );
      expect(out.permissionship).toBe("HAS_PERMISSION");
    });
    expect(r).toEqual({ transactions: 2, queries: 3 });
  });

  it("checkBulk of 100 items: the consistency round trips once per batch", async () => {
    const items = Array.from({ length: 100 }, (_, i) => req(i));
    const modes: [string, Consistency, number][] = [
      ["checkBulk ×100 minimizeLatency", { kind: "minimizeLatency" }, 0],
      ["checkBulk ×100 fullyConsistent", { kind: "fullyConsistent" }, 1],
    ];
    for (const [name, consistency, expected] of modes) {
      const r = await perCall(name, 5, async () => {
        const out = await reader.checkBulk(store, items, consistency);
        expect(out.results.every((x) => x.permissionship === "HAS_PERMISSION")).toBe(true);
      });
      expect(r.transactions).toBe(expected);
    }
  });
});
