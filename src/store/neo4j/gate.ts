/**
 * RequestGate: admission to the request driver's connection pool. One permit per pooled connection
 * (a session holds at most one), so the driver's own pool never queues; callers beyond it wait here
 * in a bounded queue for a short time and are refused with RESOURCE_EXHAUSTED when the queue is full
 * or the wait runs out — instead of waiting 30 s for the driver's acquisition timeout, as 3,000
 * aliased `relationships` fields once did. The change-log poller and health probes use drivers of
 * their own (neo4jStore.ts), so request load cannot take their connections.
 *
 *   const gate = new RequestGate({ permits: 64, maxWaiting: 512, waitMs: 1000 });
 *   const release = await gate.acquire();   // RESOURCE_EXHAUSTED when full
 *   try { … one session … } finally { release(); }
 */
import { ErrorCode, RelgraphError } from "../../errors.ts";

export interface RequestGateOptions {
  /** Sessions at once (the driver's maxConnectionPoolSize). */
  readonly permits: number;
  /** Callers that may wait for a permit; the next one is refused at once. */
  readonly maxWaiting: number;
  /** How long a caller waits for a permit before RESOURCE_EXHAUSTED (ms). */
  readonly waitMs: number;
}

interface Waiter {
  readonly grant: () => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class RequestGate {
  private inUse = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly options: RequestGateOptions) {}

  /** Sessions running now and callers waiting (for tests and messages). */
  get stats(): { inUse: number; waiting: number } {
    return { inUse: this.inUse, waiting: this.waiting.length };
  }

  /**
   * A permit, released by calling the returned function once (later calls do nothing).
   * `maxWaitMs` shortens the wait (the request's deadline); RESOURCE_EXHAUSTED when none comes.
   */
  acquire(maxWaitMs?: number): Promise<() => void> {
    if (this.inUse < this.options.permits) {
      this.inUse++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.options.maxWaiting)
      return Promise.reject(
        this.exhausted(
          `${this.options.permits} Neo4j sessions are in use and ${this.waiting.length} requests are waiting`,
        ),
      );
    const waitMs = Math.max(0, Math.min(this.options.waitMs, maxWaitMs ?? Infinity));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve(this.releaser());
        },
        timer: setTimeout(() => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(
            this.exhausted(
              `no Neo4j session became free within ${waitMs} ms (${this.options.permits} in use)`,
            ),
          );
        }, waitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The permit passes straight to the next waiter (inUse unchanged), else it is returned.
      if (next !== undefined) next.grant();
      else this.inUse--;
    };
  }

  private exhausted(why: string): RelgraphError {
    return new RelgraphError(ErrorCode.RESOURCE_EXHAUSTED, `server busy: ${why}; retry later`, {
      reason: "neo4j-pool-full",
    });
  }
}
