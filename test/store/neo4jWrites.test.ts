/**
 * How the Neo4j store's writes meet each other and an outage (storeState.ts `locked`, health.ts):
 * this process's writes to one store queue in order before the Neo4j lock, a write whose deadline
 * passes while queued leaves without touching Neo4j, and a call racing an outage lets go of its
 * listener when it ends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, isRelgraphError } from "../../src/errors.ts";
import { runWithDeadline } from "../../src/store/deadline.ts";
import { createDriver } from "../../src/store/neo4j/connection.ts";
import { Neo4jHealth } from "../../src/store/neo4j/health.ts";
import type { Neo4jTupleStore } from "../../src/store/neo4j/neo4jStore.ts";
import { openOwnNeo4jStore } from "../engine/support/neo4jStores.ts";
import { baseIR, schemaOf, touch, uniqueStoreName } from "./conformance/fixtures.ts";

describe("Neo4j store: concurrent writes to one store", () => {
  let store: Neo4jTupleStore;
  const name = uniqueStoreName("queue");

  beforeAll(async () => {
    store = await openOwnNeo4jStore();
    await store.createStore(name);
    await store.writeSchema(name, schemaOf(baseIR()));
  });

  afterAll(async () => {
    await store.deleteStore(name).catch(() => undefined);
    await store.close();
  });

  it("commits this process's concurrent writes in the order they were made, one revision each", async () => {
    const before = (await store.head(name)).revision;
    const writes = Array.from({ length: 30 }, (_, i) =>
      store.write(name, { updates: [touch(`document:q${i}#viewer@user:u${i}`)] }),
    );
    const revisions = (await Promise.all(writes)).map((r) => r.revision);
    // Without the queue, 30 transactions waited for the Neo4j lock and were served in no order.
    expect(revisions).toEqual(Array.from({ length: 30 }, (_, i) => before + 1 + i));
  });

  it("a write whose deadline passes while it queues answers DEADLINE_EXCEEDED and changes nothing", async () => {
    const big = Array.from({ length: 1000 }, (_, i) => touch(`document:big${i}#viewer@user:b${i}`));
    const first = store.write(name, { updates: big });
    const queued = runWithDeadline({ at: Date.now() + 5, budgetMs: 5, kind: "write" }, () =>
      store.write(name, { updates: [touch("document:late#viewer@user:late")] }),
    );
    const outcome = await queued.then(
      () => "committed",
      (e: unknown) => (isRelgraphError(e) ? `${e.code}: ${e.message}` : String(e)),
    );
    expect(outcome).toMatch(new RegExp(`^${ErrorCode.DEADLINE_EXCEEDED}: .*queued behind earlier writes`));
    const head = await first;
    // The queued write never reached Neo4j: no revision after the big one, no tuple.
    expect((await store.head(name)).revision).toBe(head.revision);
    const page = await store.read(name, { resourceType: "document", resourceId: "late" }, { first: 10 });
    expect(page.tuples).toEqual([]);
  });
});

describe("Neo4jHealth: onDown subscriptions", () => {
  it("calls the listeners subscribed when the breaker opens, and not those that unsubscribed", async () => {
    // Nothing listens on port 1 of loopback: the probe's connection is refused at once.
    const driver = createDriver({ uri: "bolt://127.0.0.1:1", user: "neo4j", password: "x" }, "health");
    const health = new Neo4jHealth(driver, undefined, { probeTimeoutMs: 1000 });
    try {
      const called: string[] = [];
      health.onDown(() => called.push("kept"));
      const unsubscribe = health.onDown(() => called.push("dropped"));
      unsubscribe();
      expect(await health.probe()).toBe(false);
      expect(health.down).toBe(true);
      expect(called).toEqual(["kept"]);
      // Subscribing while open: called soon, once.
      await new Promise<void>((resolve) => health.onDown(resolve));
    } finally {
      health.stop();
      await driver.close();
    }
  });
});
