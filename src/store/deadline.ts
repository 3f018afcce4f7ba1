/**
 * The deadline of the request being served, carried through async calls (AsyncLocalStorage), so the
 * store can bound what it sends to Neo4j without every TupleStore method taking a deadline argument.
 * The coordinator sets it (coordinator/deadline.ts: one wrapper around every operation); the Neo4j
 * store reads it (neo4j/session.ts) to give each transaction the time left as its server-side
 * timeout and to stop waiting on the client side when it passes.
 *
 *   await runWithDeadline({ at: Date.now() + 5000, budgetMs: 5000, kind: "read" }, () => store.head("s"))
 *   // inside: deadlineLeft() ≈ 5000 … 0; nested calls keep the earlier deadline
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ErrorCode, RelgraphError } from "../errors.ts";

export interface Deadline {
  /** When the request must have answered (`Date.now()` clock, ms). */
  readonly at: number;
  /** The whole budget (for messages: "within 5000 ms"). */
  readonly budgetMs: number;
  /** Which budget: RELGRAPH_READ_DEADLINE_MS or RELGRAPH_WRITE_DEADLINE_MS. */
  readonly kind: "read" | "write";
}

const current = new AsyncLocalStorage<Deadline>();

/** Runs `work` under `deadline` (or under the enclosing one, when that ends earlier). */
export function runWithDeadline<T>(deadline: Deadline, work: () => Promise<T>): Promise<T> {
  const outer = current.getStore();
  return current.run(outer !== undefined && outer.at <= deadline.at ? outer : deadline, work);
}

/** The deadline of the request being served, if any. */
export function currentDeadline(): Deadline | undefined {
  return current.getStore();
}

/** Milliseconds left before the current deadline (undefined: none). */
export function deadlineLeft(now: number = Date.now()): number | undefined {
  const d = current.getStore();
  return d === undefined ? undefined : d.at - now;
}

/** DEADLINE_EXCEEDED for `deadline`, saying what was being waited for. */
export function deadlineExceeded(deadline: Deadline, waitingFor: string): RelgraphError {
  return new RelgraphError(
    ErrorCode.DEADLINE_EXCEEDED,
    `the request did not finish within its ${deadline.kind} deadline of ${deadline.budgetMs} ms (${waitingFor}); retry later`,
    { deadlineMs: deadline.budgetMs },
  );
}

/**
 * Runs `work` outside any request's deadline: for work that outlives the request that started it
 * (a projection's load and its poller, whose timers would otherwise inherit the deadline).
 */
export function withoutDeadline<T>(work: () => T): T {
  return current.exit(work);
}
