/**
 * The Neo4j drivers the store runs on. Where Neo4j is (environment, local server) is decided above
 * the store: `neo4jConfigFromEnv` in src/config.ts.
 *
 * A Relgraph process opens three drivers (createRelgraph), each with its own pool, so that request
 * load cannot take the connections the others need:
 *   requests   64 connections, admitted by a RequestGate (gate.ts): a full pool answers
 *              RESOURCE_EXHAUSTED after a short wait, not after the driver's 30 s default;
 *   changeLog   8 connections: the projections' change-log poller and loads (Neo4jTupleStore.follower);
 *   health      4 connections: the circuit breaker's probes and `/readyz` (health.ts).
 * Timeouts are short because Neo4j is expected on loopback or the local network: a connection not
 * established within 1 s, or not acquired within 2 s, is a failure the breaker then probes, instead
 * of a caller hanging (the old 30 s acquisition timeout made callers hang 30–68 s in an outage).
 * Managed transactions retry transient errors for at most 1 s (a connection failure then reaches
 * the breaker soon), and never past the request's
 * deadline (session.ts abandons them).
 */
import neo4j, { type Config, type Driver } from "neo4j-driver";

/** Where Neo4j is and how to log in. */
export interface Neo4jConfig {
  /** `bolt://host:port` or `neo4j://host:port` (routing). */
  readonly uri: string;
  /** Default `neo4j`. */
  readonly user?: string;
  /** Default "" (a server without authentication). */
  readonly password?: string;
  /** Default `neo4j` (Community has one user database). */
  readonly database?: string;
  /** Where the settings came from, for messages. */
  readonly source?: "env" | "local" | "options";
}

export type DriverRole = "requests" | "changeLog" | "health";

/** Connections per driver, by role. */
export const POOL_SIZES: Readonly<Record<DriverRole, number>> = { requests: 64, changeLog: 8, health: 4 };

const ROLE_CONFIG: Readonly<Record<DriverRole, Config>> = {
  requests: { connectionAcquisitionTimeout: 2000, maxTransactionRetryTime: 1000 },
  changeLog: { connectionAcquisitionTimeout: 2000, maxTransactionRetryTime: 2000 },
  // Longer than the probe's own 1 s timeout, so a probe waiting for a connection counts as a timeout.
  health: { connectionAcquisitionTimeout: 5000, maxTransactionRetryTime: 0 },
};

/**
 * The budget of each call on the change-log driver (the poller's pulls, a projection's head and
 * schema reads), whichever request started it: a call Neo4j does not answer in time is abandoned
 * (its transaction times out on the server too) and the next pull starts afresh. Seen without it:
 * after Neo4j was killed and restarted under 50 writers, poller calls went unanswered, and every
 * later pull — and every write waiting for its revision — waited behind them.
 */
export const FOLLOWER_CALL_BUDGET_MS = 5000;

export function createDriver(config: Neo4jConfig, role: DriverRole = "requests"): Driver {
  return neo4j.driver(config.uri, neo4j.auth.basic(config.user ?? "neo4j", config.password ?? ""), {
    // Telemetry goes to Neo4j's own usage reporting, which is off here: no internet.
    telemetryDisabled: true,
    maxConnectionPoolSize: POOL_SIZES[role],
    connectionTimeout: 1000,
    ...ROLE_CONFIG[role],
    disableLosslessIntegers: true,
  });
}
