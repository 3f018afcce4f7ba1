/** RequestGate (src/store/neo4j/gate.ts): admission to the requests' Neo4j pool, bounded in size and time. */
import { describe, expect, it } from "vitest";
import { ErrorCode, isRelgraphError } from "../../src/errors.ts";
import { RequestGate } from "../../src/store/neo4j/gate.ts";

const codeOf = (e: unknown) => (isRelgraphError(e) ? e.code : String(e));

describe("RequestGate", () => {
  it("admits up to its permits, then queues; a released permit goes to the first waiter", async () => {
    const gate = new RequestGate({ permits: 2, maxWaiting: 4, waitMs: 10_000 });
    const r1 = await gate.acquire();
    await gate.acquire();
    const order: number[] = [];
    const w1 = gate.acquire().then((r) => (order.push(1), r));
    const w2 = gate.acquire().then((r) => (order.push(2), r));
    expect(gate.stats).toEqual({ inUse: 2, waiting: 2 });
    r1();
    r1(); // a second release of the same permit does nothing
    (await w1)();
    (await w2)();
    expect(order).toEqual([1, 2]);
    expect(gate.stats).toEqual({ inUse: 1, waiting: 0 });
  });

  it("refuses at once when the queue is full, and after the wait otherwise: RESOURCE_EXHAUSTED", async () => {
    const gate = new RequestGate({ permits: 1, maxWaiting: 1, waitMs: 50 });
    await gate.acquire();
    const waiting = gate.acquire().catch((e: unknown) => e);
    const refused = await gate.acquire().catch((e: unknown) => e);
    expect(codeOf(refused)).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect((refused as Error).message).toMatch(/1 requests are waiting; retry later/);
    const timedOut = await waiting;
    expect(codeOf(timedOut)).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect((timedOut as Error).message).toMatch(/within 50 ms/);
    expect(gate.stats).toEqual({ inUse: 1, waiting: 0 });
  });

  it("waits no longer than the caller's bound (the request's deadline)", async () => {
    const gate = new RequestGate({ permits: 1, maxWaiting: 1, waitMs: 60_000 });
    await gate.acquire();
    const e = await gate.acquire(10).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/within 10 ms/);
  });
});
