/**
 * Neo4jHealth: the circuit breaker in front of Neo4j, so that requests fail fast (UNAVAILABLE at
 * once) while it is unreachable instead of each waiting for the driver's timeouts, and so that
 * `/readyz` and the server log follow Neo4j's state.
 *
 * Two states. `up` (closed): calls go to Neo4j. `down` (open): calls that need Neo4j are refused
 * with UNAVAILABLE before touching the driver, and calls in flight stop waiting (session.ts races
 * them against `onDown`). What moves it:
 *   - a probe (`health-probe.cypher`, `RETURN 1`) on the breaker's own driver, with a client-side
 *     timeout (`probeTimeoutMs`, default 1 s): an error opens the breaker, and so do two timeouts in
 *     a row (the second probe is sent at once), an answer closes it. A killed Neo4j refuses
 *     connections at once; a paused one (SIGSTOP) accepts TCP and never answers, which only a
 *     client-side timeout notices (so it opens within ~2 s, and /readyz says 503 after the first);
 *   - probes run every `upIntervalMs` (1 s) while up and every `downIntervalMs` (250 ms) while down,
 *     and at once when a request or the change-log poller reports a connection failure
 *     (`suspect(error)`), so one failed call opens the breaker only when Neo4j really is unreachable;
 *   - `/readyz` (Relgraph.ready) asks `probe()` directly.
 * Each transition is logged once: "Neo4j is unreachable …" with the driver's message and code (which
 * never reach clients), and "Neo4j is reachable again after N ms".
 *
 * Hand-written rather than a library (opossum counts failure percentages over windows of calls):
 * the state here is decided by probes on a separate driver, which such breakers do not model.
 */
import neo4j, { Neo4jError, type Driver } from "neo4j-driver";
import { cypher } from "./cypher.ts";

export interface Neo4jHealthOptions {
  /** How long a probe may take before it counts as a failure (ms, default 1000). */
  readonly probeTimeoutMs?: number;
  /** Probe interval while Neo4j is reachable (ms, default 1000). */
  readonly upIntervalMs?: number;
  /** Probe interval while it is not (ms, default 250). */
  readonly downIntervalMs?: number;
  /** One line per transition. */
  readonly log?: (line: string) => void;
  readonly now?: () => number;
}

export type HealthState = "up" | "down";

/** Consecutive probe timeouts that open the breaker (an error opens it at once). */
const TIMEOUTS_TO_OPEN = 2;

export class Neo4jHealth {
  private stateValue: HealthState = "up";
  private downSince = 0;
  private inFlight: Promise<boolean> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  /** Consecutive probes that timed out. */
  private timeouts = 0;
  private stopped = false;
  /** Called once at the next opening (onDown). */
  private readonly downListeners = new Set<() => void>();
  /** Called at every closing (onUp). */
  private readonly upListeners = new Set<() => void>();
  private readonly probeTimeoutMs: number;
  private readonly upIntervalMs: number;
  private readonly downIntervalMs: number;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  /** Transitions so far (tests and the chaos suite read them). */
  readonly transitions: { state: HealthState; at: number }[] = [];

  constructor(
    /** The breaker's own driver: request load cannot take its connections. */
    private readonly driver: Driver,
    private readonly database: string | undefined,
    options: Neo4jHealthOptions = {},
  ) {
    this.probeTimeoutMs = options.probeTimeoutMs ?? 1000;
    this.upIntervalMs = options.upIntervalMs ?? 1000;
    this.downIntervalMs = options.downIntervalMs ?? 250;
    this.log = options.log ?? (() => {});
    this.now = options.now ?? Date.now;
  }

  get state(): HealthState {
    return this.stateValue;
  }

  get down(): boolean {
    return this.stateValue === "down";
  }

  /**
   * Calls `listener` once when the breaker next opens (soon, if it is open now); returns the
   * function that unsubscribes it. A subscription rather than a promise, so that each call racing
   * an outage lets go of its listener when it ends (a shared promise would keep every call's
   * reaction, and the result it references, until the next outage).
   */
  onDown(listener: () => void): () => void {
    if (this.down) {
      queueMicrotask(listener);
      return () => {};
    }
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /**
   * Calls `listener` each time the breaker closes again after an outage; returns the function that
   * unsubscribes it.
   */
  onUp(listener: () => void): () => void {
    this.upListeners.add(listener);
    return () => this.upListeners.delete(listener);
  }

  /** Starts the periodic probe (timers are unref'd: they never keep the process alive). */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.schedule();
  }

  /** Stops probing for good (the store is closing). */
  stop(): void {
    this.running = false;
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * A call failed in a way that may mean Neo4j is gone (connection refused or lost): probe now.
   * The probe decides; one failed call does not open the breaker by itself.
   */
  suspect(error: unknown): void {
    if (isConnectionFailure(error)) void this.probe();
  }

  /** Probes Neo4j now (concurrent callers share one probe); true when it answered in time. */
  probe(): Promise<boolean> {
    this.inFlight ??= this.probeOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async probeOnce(): Promise<boolean> {
    const session = this.driver.session({
      ...(this.database !== undefined ? { database: this.database } : {}),
      defaultAccessMode: neo4j.session.READ,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Error(`no answer within ${this.probeTimeoutMs} ms`);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut), this.probeTimeoutMs);
    });
    const query = session.run(cypher("health-probe"));
    try {
      await Promise.race([query, timeout]);
      this.timeouts = 0;
      this.markUp();
      return true;
    } catch (e) {
      // An error (refused, reset, unavailable) opens the breaker at once. A timeout opens it when
      // the next probe, sent at once, times out too: one slow answer on a busy machine is not an
      // outage (the caller, e.g. /readyz, still gets false for this probe).
      if (e !== timedOut || ++this.timeouts >= TIMEOUTS_TO_OPEN || this.down) this.markDown(e);
      else setTimeout(() => void this.probe(), 0).unref?.();
      return false;
    } finally {
      clearTimeout(timer);
      // A paused server answers the close only when it resumes: never wait for it here.
      query
        .then(
          () => session.close(),
          () => session.close(),
        )
        .catch(() => {});
    }
  }

  private markUp(): void {
    if (this.stateValue === "up") return;
    this.stateValue = "up";
    this.transitions.push({ state: "up", at: this.now() });
    this.log(`Neo4j is reachable again after ${this.now() - this.downSince} ms of outage`);
    for (const listener of [...this.upListeners]) listener();
  }

  private markDown(error: unknown): void {
    if (this.stateValue === "down") return;
    this.stateValue = "down";
    this.downSince = this.now();
    const listeners = [...this.downListeners];
    this.downListeners.clear();
    for (const listener of listeners) listener();
    this.transitions.push({ state: "down", at: this.downSince });
    this.log(
      `Neo4j is unreachable (${describeDriverError(error)}): requests that need it answer UNAVAILABLE until it returns`,
    );
    // Probe at the faster pace from now on (also without start(): calls are refused while down,
    // so only probes can close the breaker again).
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || (!this.running && !this.down)) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.probe().finally(() => this.schedule());
      },
      this.down ? this.downIntervalMs : this.upIntervalMs,
    );
    this.timer.unref?.();
  }
}

/** Errors that say the connection to Neo4j failed (not a query's own failure). */
export function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof Neo4jError)) return false;
  return (
    e.code === "ServiceUnavailable" ||
    e.code === "SessionExpired" ||
    e.code === "ProtocolError" ||
    e.message.startsWith("Connection acquisition timed out") ||
    e.message.startsWith("Failed to establish connection")
  );
}

/** The driver's code and message, for the server log only. */
export function describeDriverError(e: unknown): string {
  if (e instanceof Neo4jError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}
