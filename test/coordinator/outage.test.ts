/**
 * Neo4j outages through the API, on the real test Neo4j behind a loopback proxy that cuts or pauses
 * the connection (faultProxy.ts; the shared server itself is never touched): requests that need
 * Neo4j answer UNAVAILABLE with a plain message (no driver text, no Neo4j code) or, when Neo4j
 * hangs, DEADLINE_EXCEEDED/UNAVAILABLE by their deadline; minimizeLatency checks go UNAVAILABLE past
 * the staleness bound; /readyz follows; the server logs the outage and the recovery once each; and
 * after Neo4j returns, writes succeed without restarting anything. The timed version of this, with
 * a real SIGKILL and SIGSTOP of a Neo4j process, is `npm run test:chaos`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { configFromEnv, neo4jConfigFromEnv } from "../../src/config.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { ErrorCode, isRelgraphError } from "../../src/errors.ts";
import { runWithDeadline } from "../../src/store/deadline.ts";
import { createDriver } from "../../src/store/neo4j/connection.ts";
import { Neo4jTupleStore } from "../../src/store/neo4j/neo4jStore.ts";
import { gql, uniqueStoreName, type GraphQLResponse } from "../acceptance/support.ts";
import { startFaultProxy, type FaultProxy } from "./faultProxy.ts";

const SCHEMA = "definition user {}\ndefinition doc {\n  relation viewer: user\n  permission view = viewer\n}";
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true (bounded: a failure, not a hang, when it never does). */
async function eventually(what: string, probe: () => Promise<boolean>, boundMs = 30_000): Promise<void> {
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    if (await probe()) return;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${boundMs} ms`);
}

describe("Neo4j outages through the API (fault proxy in front of the test Neo4j)", () => {
  const neo = neo4jConfigFromEnv();
  let proxy: FaultProxy;
  let relgraph: Relgraph;
  let server: RunningServer;
  const logs: string[] = [];
  const store = uniqueStoreName("outage");
  let n = 0;

  const write = () =>
    gql<{ writeRelationships: { token: string } }>(
      server.url,
      `mutation($store: String!, $t: RelationshipTuple!) {
        writeRelationships(store: $store, updates: [{operation: TOUCH, relationship: $t}]) { token } }`,
      { store, t: `doc:d${++n}#viewer@user:ann` },
    );
  const check = (consistency: Record<string, unknown>) =>
    gql<{ check: { allowed: boolean } }>(
      server.url,
      `query($store: String!, $c: Consistency) {
        check(store: $store, resource: "doc:d1", permission: "view", subject: "user:ann", consistency: $c) { allowed } }`,
      { store, c: consistency },
    );
  const readyz = async () =>
    (await fetch(new URL("/readyz", server.url), { signal: AbortSignal.timeout(10_000) })).status;
  const code = (r: GraphQLResponse<unknown>) => r.errors?.[0]?.extensions?.code ?? "OK";
  /** The breaker's view (readiness also needs a schema in `default`, which the shared test Neo4j may lack). */
  const reachable = () => relgraph.store.health!.probe();

  beforeAll(async () => {
    proxy = await startFaultProxy(neo.uri);
    relgraph = await createRelgraph({
      neo4j: { ...neo, uri: proxy.uri },
      config: configFromEnv({ RELGRAPH_READ_DEADLINE_MS: "3000", RELGRAPH_WRITE_DEADLINE_MS: "4000" }),
      log: (l) => logs.push(l),
    });
    server = await startServer({ service: relgraph, host: "127.0.0.1", port: 0, log: (l) => logs.push(l) });
    await relgraph.createStore(store);
    await relgraph.writeSchema(store, SCHEMA, "ZED");
    // Eventually: on a busy machine the first load may take longer than a deadline.
    await eventually("a first write", async () => code(await write()) === "OK");
    await eventually(
      "the projection answers",
      async () => (await check({ minimizeLatency: true })).data?.check.allowed === true,
    );
  });

  afterEach(async () => {
    if (proxy.mode !== "up") await proxy.restore();
  });

  afterAll(async () => {
    await proxy.restore();
    await relgraph?.deleteStore(store).catch(() => undefined);
    await server?.close();
    await relgraph?.close();
    await proxy?.close();
  });

  it("connection refused: UNAVAILABLE with a plain message, /readyz 503, logged once; then writes succeed again", async () => {
    const before = logs.length;
    const headBefore = await relgraph.store.head(store);
    await proxy.cut();
    await eventually("the breaker opens", async () => !(await reachable()) && relgraph.store.health!.down);
    expect(await readyz()).toBe(503);

    const w = await write();
    expect(code(w)).toBe(ErrorCode.UNAVAILABLE);
    expect(w.errors?.[0]?.message).toBe("Neo4j is unavailable; retry later");
    expect(w.errors?.[0]?.extensions).not.toHaveProperty("neo4jCode");
    const fc = await check({ fullyConsistent: true });
    expect(code(fc)).toBe(ErrorCode.UNAVAILABLE);
    // No driver text or Neo4j code anywhere in what clients get.
    expect(JSON.stringify([w, fc])).not.toMatch(
      /ServiceUnavailable|ECONNREFUSED|ECONNRESET|Neo\.|neo4jCode|bolt:/,
    );
    // minimizeLatency answers from the projection until the staleness bound, then UNAVAILABLE.
    await eventually(
      "minimizeLatency UNAVAILABLE",
      async () => code(await check({ minimizeLatency: true })) === "UNAVAILABLE",
    );

    await proxy.restore();
    await eventually("the breaker closes", async () => (await reachable()) && !relgraph.store.health!.down);
    // Before writes resume, the statements writes ran are replayed once and rolled back
    // (warmup.ts): logged once, and nothing of the replay is committed.
    await eventually("the warm-up is logged", async () =>
      logs.slice(before).some((l) => l.includes("Neo4j warm-up after the outage")),
    );
    const warmups = logs.slice(before).filter((l) => l.includes("Neo4j warm-up after the outage"));
    expect(warmups).toHaveLength(1);
    expect(warmups[0]).toMatch(/: [1-9]\d* statements replayed and rolled back in \d+ ms/);
    expect(await relgraph.store.head(store)).toEqual(headBefore);
    await eventually("a write succeeds", async () => code(await write()) === "OK");
    await eventually(
      "minimizeLatency answers",
      async () => code(await check({ minimizeLatency: true })) === "OK",
    );

    const mine = logs.slice(before);
    const outage = mine.filter((l) => l.includes("Neo4j is unreachable"));
    expect(outage).toHaveLength(1);
    // The driver's own message goes to the server log (and only there).
    expect(outage[0]).toMatch(/ServiceUnavailable|ECONNREFUSED|ECONNRESET|Connection|connect/);
    expect(mine.filter((l) => l.includes("Neo4j is reachable again"))).toHaveLength(1);
  });

  it("Neo4j accepting connections but never answering: requests answer DEADLINE_EXCEEDED or UNAVAILABLE, never hang", async () => {
    proxy.pause();
    const [w, fc] = await Promise.all([write(), check({ fullyConsistent: true })]);
    expect([ErrorCode.DEADLINE_EXCEEDED, ErrorCode.UNAVAILABLE]).toContain(code(w));
    expect([ErrorCode.DEADLINE_EXCEEDED, ErrorCode.UNAVAILABLE]).toContain(code(fc));
    // The probe has its own timeout: a paused Neo4j opens the breaker, and /readyz answers 503.
    await eventually("the breaker opens", async () => relgraph.store.health!.down);
    expect(await readyz()).toBe(503);
    expect(code(await check({ fullyConsistent: true }))).toBe(ErrorCode.UNAVAILABLE);

    await proxy.restore();
    await eventually("the breaker closes", async () => (await reachable()) && !relgraph.store.health!.down);
    await eventually("a write succeeds", async () => code(await write()) === "OK");
  });
});

describe("the request pool's gate (real driver, fault proxy)", () => {
  const neo = neo4jConfigFromEnv();
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy(neo.uri);
  });
  afterAll(async () => {
    await proxy.restore();
    await proxy.close();
  });

  it("a full pool answers RESOURCE_EXHAUSTED after a short wait instead of queueing for the driver; a deadline bounds a hung call", async () => {
    const store = await Neo4jTupleStore.open({
      driver: createDriver({ ...neo, uri: proxy.uri }),
      database: neo.database,
      ownsDriver: true,
      requestPool: { permits: 1, maxWaiting: 1, waitMs: 200 },
    });
    try {
      await store.head("default");
      proxy.pause();
      // The one permit is held by a call Neo4j never answers (no breaker probing without a health driver).
      const hung = store.head("default");
      hung.catch(() => {});
      const waited = await store.head("default").catch((e: unknown) => e);
      expect(isRelgraphError(waited) && waited.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
      // Two waiting at once: the second is refused at once (the queue holds one).
      const [a, b] = await Promise.all([
        store.head("default").catch((e: unknown) => e),
        store.head("default").catch((e: unknown) => e),
      ]);
      expect([a, b].map((e) => isRelgraphError(e) && e.code)).toEqual([
        ErrorCode.RESOURCE_EXHAUSTED,
        ErrorCode.RESOURCE_EXHAUSTED,
      ]);
      expect(String((b as Error).message)).toMatch(/waiting/);
      await proxy.restore();
      await hung;
      // Under a deadline, a call Neo4j does not answer ends at the deadline.
      proxy.pause();
      const late = await runWithDeadline({ at: Date.now() + 300, budgetMs: 300, kind: "read" }, () =>
        store.head("default"),
      ).catch((e: unknown) => e);
      expect(isRelgraphError(late) && late.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
      await proxy.restore();
    } finally {
      await proxy.restore();
      await store.close();
    }
  });
  it("without a health driver, the breaker opens on a connection failure and probes until Neo4j answers again", async () => {
    const store = await Neo4jTupleStore.open({
      driver: createDriver({ ...neo, uri: proxy.uri }),
      database: neo.database,
      ownsDriver: true,
    });
    try {
      await proxy.cut();
      const refused = await store.head("default").catch((e: unknown) => e);
      expect(isRelgraphError(refused) && refused.code).toBe(ErrorCode.UNAVAILABLE);
      await eventually("the breaker opens", async () => store.health.down);
      await proxy.restore();
      await eventually("the breaker closes", async () => !store.health.down);
      expect((await store.head("default")).store).toBe("default");
    } finally {
      await proxy.restore();
      await store.close();
    }
  });
});
