/**
 * Warm-up after an outage: Neo4j restarted (after a crash, a kill, an upgrade) has an empty query
 * plan cache in a JVM that has not compiled its Cypher code paths yet. On a loaded machine the first
 * write transaction then spent its whole 10 s deadline being planned and run in interpreted code
 * (chaos suite, kill scenario), was given up, and the next one started over. So the store remembers
 * the statements its write transactions ran (the text and one row of their latest parameters; the
 * 64 most recent) and, when the breaker closes again, replays them once, the most used first, two
 * at a time, each in a transaction that is rolled back (the store lock's is committed: see the
 * constructor), before writes are admitted again (storeState.ts
 * `locked` waits for it, within each write's deadline). Reads are not held up; `/readyz` neither.
 *
 * `EXPLAIN` would plan without running, but it does not fill the plan cache that real statements
 * use (measured on Neo4j 5.26), and the rolled-back replay also runs the execution paths once.
 */
import neo4j, { type Driver, type ManagedTransaction } from "neo4j-driver";
import { beforeEachRun } from "./session.ts";

/** Distinct statements remembered (a write runs ~6, some per shape of tuple). */
const REMEMBERED = 64;
/** Statements replayed at once. */
const LANES = 2;
/** The replay's bound: past it, writes go ahead and plan their statements themselves. */
export const WARMUP_BUDGET_MS = 30_000;

type Params = Record<string, unknown>;

export class StatementWarmup {
  /** Statement text → its latest parameters and how often it ran, least recent first. */
  private readonly recent = new Map<string, { params: Params; uses: number }>();
  private running: Promise<void> | undefined;

  /**
   * `committed`: statements whose replay is committed rather than rolled back, because running
   * them again changes nothing a reader sees (the store lock: it writes a fresh nonce). Every
   * other replay rolls back; one commit also runs the restarted JVM's commit path once, which the
   * first real write otherwise paid for (~1 s in the kill scenario).
   */
  constructor(private readonly committed: ReadonlySet<string> = new Set()) {}

  /**
   * `tx` whose statements are remembered: the write path's transactions (storeState.ts `locked`),
   * not store creation or deletion, which are rare and whose replay could be heavy.
   */
  recording(tx: ManagedTransaction): ManagedTransaction {
    return beforeEachRun(tx, (query, params) => {
      if (typeof query === "string") this.record(query, params as Params | undefined);
    });
  }

  /** Remembers a statement (cheap: a map update; rows are not copied). */
  private record(query: string, params: Params | undefined): void {
    const uses = (this.recent.get(query)?.uses ?? 0) + 1;
    this.recent.delete(query);
    this.recent.set(query, { params: params ?? {}, uses });
    if (this.recent.size > REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
  }

  /** What writes wait for before they run (settled when there is no replay). */
  get pending(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /**
   * Replays the remembered statements, each in a transaction that is rolled back, unless a replay
   * is running already. Logs how long it took (or why it stopped); it never fails.
   */
  start(driver: Driver, database: string | undefined, log: (line: string) => void): void {
    if (this.running !== undefined || this.recent.size === 0) return;
    // The most used first: those are what the next writes run.
    const statements = [...this.recent]
      .sort(([, a], [, b]) => b.uses - a.uses)
      .map(([query, { params }]) => ({ query, params: oneRow(params), commit: this.committed.has(query) }));
    this.running = replay(driver, database, statements, log).finally(() => {
      this.running = undefined;
    });
  }
}

async function replay(
  driver: Driver,
  database: string | undefined,
  statements: readonly { query: string; params: Params; commit: boolean }[],
  log: (line: string) => void,
): Promise<void> {
  const t0 = Date.now();
  const sessions = Array.from({ length: LANES }, () =>
    driver.session({
      ...(database !== undefined ? { database } : {}),
      defaultAccessMode: neo4j.session.WRITE,
    }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${WARMUP_BUDGET_MS} ms`)), WARMUP_BUDGET_MS);
  });
  let done = 0;
  let failed = 0;
  let committed = 0;
  let stopped = false;
  const timings: { line: string; ms: number }[] = [];
  const slowest = (): string => {
    const top = [...timings].sort((a, b) => b.ms - a.ms).slice(0, 3);
    return top.length === 0 ? "" : `; slowest: ${top.map((t) => `${t.ms} ms ${t.line}`).join(", ")}`;
  };
  // Lanes take the next statement in order of use: Neo4j plans each statement on one thread, so two
  // at a time use both cores of a small machine (kill scenario: the replay took 5.0 s in one lane).
  let next = 0;
  const lane = async (session: (typeof sessions)[number]): Promise<void> => {
    // One transaction each: a statement that fails when replayed (a change-log record whose
    // revision now exists) has still been planned, and must not stop the others.
    while (!stopped && next < statements.length) {
      const s = statements[next++]!;
      const t = Date.now();
      const tx = await session.beginTransaction({ timeout: WARMUP_BUDGET_MS });
      try {
        await tx.run(s.query, s.params);
        if (s.commit) {
          await tx.commit();
          committed++;
        }
      } catch {
        failed++;
      } finally {
        if (tx.isOpen()) await tx.rollback().catch(() => {});
      }
      done++;
      timings.push({ line: firstLine(s.query), ms: Date.now() - t });
    }
  };
  const work = Promise.all(sessions.map(lane));
  try {
    await Promise.race([work, budget]);
    log(
      `Neo4j warm-up after the outage: ${done} statements replayed and rolled back in ${Date.now() - t0} ms` +
        (committed > 0 ? ` (${committed} committed: the store lock)` : "") +
        (failed > 0 ? ` (${failed} failed when replayed; they are planned all the same)` : "") +
        slowest(),
    );
  } catch (e) {
    log(
      `Neo4j warm-up after the outage stopped after ${done} of ${statements.length} statements and ` +
        `${Date.now() - t0} ms (${e instanceof Error ? e.message : String(e)}); writes go ahead${slowest()}`,
    );
  } finally {
    stopped = true;
    clearTimeout(timer);
    void work
      .catch(() => {})
      .finally(() => sessions.forEach((session) => void session.close().catch(() => {})));
  }
}

/** The parameters with every top-level list cut to its first element: one row runs each path. */
function oneRow(params: Params): Params {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v.slice(0, 1) : v]),
  );
}

/** A statement's first line that is not a comment, for the log. */
function firstLine(query: string): string {
  return (query.split("\n").find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? "")
    .trim()
    .slice(0, 40);
}
