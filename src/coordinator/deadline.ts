/**
 * Request deadlines: the one wrapper every service operation runs in (Relgraph.bounded). A read has
 * RELGRAPH_READ_DEADLINE_MS (default 5 s), a write RELGRAPH_WRITE_DEADLINE_MS (default 10 s); by
 * then the request has answered — DEADLINE_EXCEEDED, or UNAVAILABLE when the store's circuit
 * breaker knows Neo4j is down — never a hang. The deadline travels with the request
 * (store/deadline.ts), so the Neo4j store gives each transaction the time left as its server-side
 * timeout and stops waiting for Neo4j when it passes; this wrapper also bounds what is not a store
 * call (waiting for a projection's load or its next revision).
 *
 *   await withinDeadline({ kind: "read", budgetMs: 5000 }, health, () => evaluate(...))
 *   // answers by ~5 s whatever Neo4j does; an operation called inside another keeps the outer deadline
 */
import { storeUnavailable } from "../store/common.ts";
import { currentDeadline, deadlineExceeded, runWithDeadline, type Deadline } from "../store/deadline.ts";
import type { StoreHealth } from "../store/interface.ts";

export type OperationKind = Deadline["kind"];

/** Runs `work` under a new deadline of `budgetMs`; rejects when it passes, whatever `work` is doing. */
export async function withinDeadline<T>(
  budget: { readonly kind: OperationKind; readonly budgetMs: number },
  health: StoreHealth | undefined,
  work: () => Promise<T>,
): Promise<T> {
  // Nested (an operation calling another): the outer deadline already bounds it.
  if (currentDeadline() !== undefined) return work();
  const deadline: Deadline = {
    at: Date.now() + budget.budgetMs,
    budgetMs: budget.budgetMs,
    kind: budget.kind,
  };
  const running = runWithDeadline(deadline, work);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(health?.down ? storeUnavailable() : deadlineExceeded(deadline, "still working")),
      budget.budgetMs,
    );
  });
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
    // Work given up on may still fail later: nobody waits for it any more.
    running.catch(() => {});
  }
}
