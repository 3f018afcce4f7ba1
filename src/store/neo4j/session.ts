/**
 * Sessions on the store's database, the one place that opens them: a managed transaction (retried
 * by the driver on transient errors), a bare session for streaming, and an auto-commit query for
 * statements that run their own transactions. Every failure leaves as a Relgraph error that keeps
 * the Neo4j error as `cause`. Used by the store's parts and by CypherReader.
 *
 * Every call is bounded (`guarded`):
 *   1. while the circuit breaker (health.ts) is open: UNAVAILABLE at once, without touching the driver;
 *   2. the request gate (gate.ts) admits it to the pool, or RESOURCE_EXHAUSTED after a short wait;
 *   3. the request's deadline (store/deadline.ts), when there is one, is the transaction's
 *      server-side timeout, and the client stops waiting when it passes (DEADLINE_EXCEEDED) or when
 *      the breaker opens meanwhile (UNAVAILABLE); calls on a database with `callBudgetMs` (the
 *      change-log poller's) have that budget instead. A call given up on is abandoned: the
 *      driver may not retry it and its transaction runs no further statement (it rolls back), and
 *      its session is closed (and its permit returned) once the driver lets go of it.
 * Connection failures are reported to the breaker (`suspect`), which probes and decides.
 */
import neo4j from "neo4j-driver";
import type { Driver, ManagedTransaction, Session } from "neo4j-driver";
import { ErrorCode, RelgraphError } from "../../errors.ts";
import { currentDeadline, deadlineExceeded, type Deadline } from "../deadline.ts";
import type { RequestGate } from "./gate.ts";
import { storeUnavailable } from "../common.ts";
import { describeDriverError, isConnectionFailure, type Neo4jHealth } from "./health.ts";
import { toRelgraphError } from "./neo4jErrors.ts";

/** Where queries run: the driver and the database (undefined: the server's default). */
export interface Neo4jDatabase {
  readonly driver: Driver;
  readonly database: string | undefined;
  /** The circuit breaker; absent: calls always go to the driver. */
  readonly health?: Neo4jHealth | undefined;
  /** Admission to this driver's pool; absent: unbounded (the driver's own queue). */
  readonly gate?: RequestGate | undefined;
  /** The server log: Neo4j failures other than unreachability, with the driver's message. */
  readonly log?: ((line: string) => void) | undefined;
  /**
   * When set, every call on this database is bounded by this budget (ms) instead of by the
   * deadline of the request that made it: its calls are shared work (the change-log poller's pulls
   * serve every request waiting for a revision), which must neither fail because the request that
   * happened to start one ran out of time nor, outside any request, wait forever — one unanswered
   * pull would hold up every later one, and with them every write waiting for its revision.
   */
  readonly callBudgetMs?: number | undefined;
}

export type AccessMode = "READ" | "WRITE";

/** What a transaction is given: the server-side timeout (ms), from the request's deadline. */
type TransactionConfig = NonNullable<Parameters<Session["executeRead"]>[1]>;

/** A session on the database (`fetchSize`: records per pull when streaming). The caller closes it. */
export function openSession(db: Neo4jDatabase, mode: AccessMode, fetchSize?: number): Session {
  return db.driver.session({
    ...(db.database !== undefined ? { database: db.database } : {}),
    defaultAccessMode: mode === "READ" ? neo4j.session.READ : neo4j.session.WRITE,
    ...(fetchSize !== undefined ? { fetchSize } : {}),
  });
}

/** Set once the caller stopped waiting: no further attempt or statement may run. */
interface Abandonment {
  abandoned: boolean;
}

const ABANDONED = "the request stopped waiting for this transaction";

/** Runs `work` in a managed transaction (retried by the driver on transient errors). */
export function inTransaction<T>(
  db: Neo4jDatabase,
  mode: AccessMode,
  work: (tx: ManagedTransaction) => Promise<T>,
): Promise<T> {
  return guarded(db, async (flag, config) => {
    const session = openSession(db, mode);
    const attempt = (tx: ManagedTransaction): Promise<T> => {
      // Refused with a non-retryable error, so the driver gives up rather than retrying.
      if (flag.abandoned) throw new RelgraphError(ErrorCode.UNAVAILABLE, ABANDONED);
      return work(stopWhenAbandoned(tx, flag));
    };
    try {
      return mode === "READ"
        ? await session.executeRead(attempt, config)
        : await session.executeWrite(attempt, config);
    } finally {
      await session.close();
    }
  });
}

/** A query that runs its own transactions (CALL … IN TRANSACTIONS): not inside a managed one. */
export function autoCommit(db: Neo4jDatabase, query: string, params: Record<string, unknown>): Promise<void> {
  return guarded(db, async (_flag, config) => {
    const session = openSession(db, "WRITE");
    try {
      await session.run(query, params, config);
    } finally {
      await session.close();
    }
  });
}

/**
 * A streaming session for `use` (the scan): admitted by the breaker and the gate, its failures
 * mapped. It is not raced against the deadline (a stream hands out batches as they come); the
 * projection's loads that use it run on the change-log driver, outside any request.
 */
export async function* streaming<T>(
  db: Neo4jDatabase,
  fetchSize: number,
  use: (session: Session) => AsyncIterable<T>,
): AsyncIterable<T> {
  if (db.health?.down) throw storeUnavailable();
  const release = db.gate ? await db.gate.acquire(timeLeft(currentDeadline())) : () => {};
  const session = openSession(db, "READ", fetchSize);
  try {
    yield* use(session);
  } catch (e) {
    throw failure(db, e);
  } finally {
    await session.close();
    release();
  }
}

/**
 * One bounded call to Neo4j (see the file comment). `call` gets the abandonment flag and the
 * transaction config (the server-side timeout: the time left before the request's deadline).
 */
async function guarded<T>(
  db: Neo4jDatabase,
  call: (flag: Abandonment, config: TransactionConfig) => Promise<T>,
): Promise<T> {
  const health = db.health;
  if (health?.down) throw storeUnavailable();
  const deadline = db.callBudgetMs !== undefined ? ownDeadline(db.callBudgetMs) : currentDeadline();
  const left = timeLeft(deadline);
  if (deadline !== undefined && left !== undefined && left <= 0)
    throw unavailableOr(db, deadlineExceeded(deadline, "before Neo4j was asked"));
  const release = db.gate ? await db.gate.acquire(left) : () => {};
  const flag: Abandonment = { abandoned: false };
  const config: TransactionConfig = left !== undefined ? { timeout: Math.max(1, Math.ceil(left)) } : {};
  const running = call(flag, config).catch((e: unknown) => {
    throw failure(db, e);
  });
  // The permit follows the session, not the caller: an abandoned call still holds a connection.
  void running.then(release, release);
  try {
    return await untilGivenUp(db, running, deadline, "waiting for Neo4j");
  } finally {
    flag.abandoned = true;
    // An abandoned call's own failure is nobody's to handle.
    running.catch(() => {});
  }
}

/**
 * `waited` — unless `deadline` passes first (DEADLINE_EXCEEDED saying what was `waitingFor`, or
 * UNAVAILABLE when the breaker knows Neo4j is down) or the breaker opens (UNAVAILABLE). The timer
 * and the breaker subscription end with the wait. Used for a call to Neo4j and for a write's turn
 * in its store's queue (storeState.ts).
 */
export async function untilGivenUp<T>(
  db: Neo4jDatabase,
  waited: Promise<T>,
  deadline: Deadline | undefined,
  waitingFor: string,
): Promise<T> {
  const health = db.health;
  const racers: Promise<T>[] = [waited];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe = (): void => {};
  if (health !== undefined)
    racers.push(
      new Promise<never>((_, reject) => {
        unsubscribe = health.onDown(() => reject(storeUnavailable()));
      }),
    );
  if (deadline !== undefined)
    racers.push(
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(unavailableOr(db, deadlineExceeded(deadline, waitingFor))),
          Math.max(0, deadline.at - Date.now()),
        );
      }),
    );
  try {
    return racers.length === 1 ? await waited : await Promise.race(racers);
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}

/** A call's own deadline (Neo4jDatabase.callBudgetMs). */
function ownDeadline(budgetMs: number): Deadline {
  return { at: Date.now() + budgetMs, budgetMs, kind: "read" };
}

/** UNAVAILABLE instead of `e` when the breaker knows Neo4j is down (the more useful answer). */
function unavailableOr(db: Neo4jDatabase, e: RelgraphError): RelgraphError {
  return db.health?.down ? storeUnavailable() : e;
}

function timeLeft(deadline: Deadline | undefined): number | undefined {
  return deadline === undefined ? undefined : deadline.at - Date.now();
}

/**
 * A failed call as a Relgraph error: connection failures tell the breaker (which logs the outage
 * once, with the driver's message); other Neo4j failures are logged here. Clients get the coded
 * message only (neo4jErrors.ts).
 */
function failure(db: Neo4jDatabase, e: unknown): RelgraphError {
  const mapped = toRelgraphError(e);
  if (isConnectionFailure(e)) {
    db.health?.suspect(e);
    // While the breaker says Neo4j is reachable, a connection failure is an anomaly (a pool that
    // does not recover, a flaky network): say so, at most every few seconds. An outage is logged
    // once by the breaker instead.
    if (db.health !== undefined && !db.health.down) logThrottled(db, `neo4j: ${describeDriverError(e)}`);
  } else if (mapped !== e && mapped.code !== ErrorCode.INTERNAL) db.log?.(`neo4j: ${describeDriverError(e)}`);
  return mapped;
}

const THROTTLE_MS = 5000;
const lastLogged = new WeakMap<(line: string) => void, number>();

/** One line per THROTTLE_MS per log (the request and change-log drivers share the server's log). */
function logThrottled(db: Neo4jDatabase, line: string): void {
  const log = db.log;
  if (log === undefined) return;
  const now = Date.now();
  if (now - (lastLogged.get(log) ?? -Infinity) < THROTTLE_MS) return;
  lastLogged.set(log, now);
  log(line);
}

/** `tx` whose statements fail once the caller has stopped waiting (so the transaction rolls back). */
function stopWhenAbandoned(tx: ManagedTransaction, flag: Abandonment): ManagedTransaction {
  return beforeEachRun(tx, () => {
    if (flag.abandoned) throw new RelgraphError(ErrorCode.UNAVAILABLE, ABANDONED);
  });
}

/**
 * `tx` whose `run(query, params)` first calls `before(query, params)` (which may throw to refuse
 * the statement); everything else is `tx`'s own.
 */
export function beforeEachRun(
  tx: ManagedTransaction,
  before: (query: unknown, params: unknown) => void,
): ManagedTransaction {
  return new Proxy(tx, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key !== "run" || typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        before(args[0], args[1]);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
