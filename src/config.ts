/**
 * Process configuration from environment variables (the README's configuration table lists them).
 * Bad values are reported all at once, naming the variable and what it must be.
 */
import { readFileSync } from "node:fs";
import { ErrorCode, RelgraphError } from "./errors.ts";
import { localServerPaths, type Env } from "./neo4jServer/localServer.ts";
import type { Neo4jConfig } from "./store/neo4j/connection.ts";

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly apiKeys: readonly string[];
  readonly corsOrigins: readonly string[];
  /** Per-request bounds of the GraphQL API (RESOURCE_EXHAUSTED above them). */
  readonly limits: RequestLimitsConfig;
}

/** What one GraphQL request may ask for; each answered with RESOURCE_EXHAUSTED above its bound. */
export interface RequestLimitsConfig {
  /** Root fields plus aliases in one request (RELGRAPH_MAX_ROOT_FIELDS). */
  readonly maxRootFields: number;
  /** Selection depth (RELGRAPH_MAX_QUERY_DEPTH). */
  readonly maxQueryDepth: number;
  /** Cost, computed with the request's variables (RELGRAPH_MAX_COST): src/api/limits.ts. */
  readonly maxCost: number;
  /** List items in one response (RELGRAPH_MAX_RESPONSE_ITEMS). */
  readonly maxResponseItems: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimitsConfig = {
  maxRootFields: 1000,
  maxQueryDepth: 12,
  maxCost: 100_000,
  maxResponseItems: 100_000,
};

export interface EngineConfig {
  /** How often each process polls the change log (ms). */
  readonly pollIntervalMs: number;
  /** minimizeLatency answers may be this stale at most (ms); past it without Neo4j: UNAVAILABLE. */
  readonly stalenessBoundMs: number;
  /** How long atLeastAsFresh waits for a token's revision before DEADLINE_EXCEEDED (ms). */
  readonly consistencyWaitMs: number;
  /** Every read answers within this (ms): DEADLINE_EXCEEDED, or UNAVAILABLE when Neo4j is down. */
  readonly readDeadlineMs: number;
  /** Every write (and store or schema change) answers within this (ms). */
  readonly writeDeadlineMs: number;
  /** Dispatch hops before RESOURCE_EXHAUSTED "max depth exceeded". */
  readonly maxDepth: number;
  /** Sub-result cache entries per process; 0 turns caching off. */
  readonly cacheSize: number;
  /** How often expired relationships are deleted in the background (ms); 0 turns it off. */
  readonly expiryPruneIntervalMs: number;
  /**
   * Which evaluator answers checks, per store: `memory` (a projection held in this process) or
   * `cypher` (pushed down into Neo4j, nothing held). `stores` wins over `default`; a store in
   * neither is decided by the memory budget.
   */
  readonly evaluator: EvaluatorConfig;
  /** Projections this process may hold (MB, estimated from tuple counts); 0 = no budget. */
  readonly memoryBudgetMb: number;
}

export type EvaluatorKind = "memory" | "cypher";

export interface EvaluatorConfig {
  /** For stores not listed; undefined = by the memory budget (memory when there is none). */
  readonly default?: EvaluatorKind;
  readonly stores: ReadonlyMap<string, EvaluatorKind>;
}

/**
 * `RELGRAPH_EVALUATOR`: `memory`, `cypher`, or a per-store list `big=cypher,small=memory`
 * (`*=cypher` sets the default within a list).
 */
export function parseEvaluatorConfig(raw: string | undefined, problems: string[]): EvaluatorConfig {
  const stores = new Map<string, EvaluatorKind>();
  const text = (raw ?? "").trim();
  if (text === "") return { stores };
  const kind = (v: string): EvaluatorKind | undefined => (v === "memory" || v === "cypher" ? v : undefined);
  const whole = kind(text);
  if (whole !== undefined) return { default: whole, stores };
  let fallback: EvaluatorKind | undefined;
  for (const part of text.split(",")) {
    const [name, value, ...rest] = part.split("=").map((s) => s.trim());
    const k = kind(value ?? "");
    if (name === undefined || name === "" || k === undefined || rest.length > 0) {
      problems.push(
        `RELGRAPH_EVALUATOR must be memory, cypher, or a list store=memory|cypher,..., got "${raw ?? ""}"`,
      );
      return { stores };
    }
    if (name === "*") fallback = k;
    else stores.set(name, k);
  }
  return fallback === undefined ? { stores } : { default: fallback, stores };
}

export interface StoreConfig {
  readonly changeRetentionMs: number;
  readonly defaultDeleteLimit: number;
  readonly maxDeleteLimit: number;
  /** RELGRAPH_TOKEN_SECRET; absent: the secret kept in the store (Neo4j: shared by every process). */
  readonly tokenSecret?: string;
}

export interface RelgraphConfig {
  readonly server: ServerConfig;
  readonly engine: EngineConfig;
  readonly store: StoreConfig;
}

const HOUR_MS = 60 * 60 * 1000;

export function configFromEnv(env: Env = process.env): RelgraphConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };
  const list = (name: string): string[] =>
    (env[name] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");

  // Every replica must be given the same value; short secrets can be guessed.
  const tokenSecret = env["RELGRAPH_TOKEN_SECRET"] || undefined;
  if (tokenSecret !== undefined && tokenSecret.length < 32)
    problems.push(`RELGRAPH_TOKEN_SECRET must be at least 32 characters, got ${tokenSecret.length}`);

  const config: RelgraphConfig = {
    server: {
      host: env["RELGRAPH_HOST"]?.trim() || "127.0.0.1",
      port: int("RELGRAPH_PORT", 4000, 0, 65535),
      apiKeys: list("RELGRAPH_API_KEYS"),
      corsOrigins: list("RELGRAPH_CORS_ORIGINS"),
      limits: {
        maxRootFields: int("RELGRAPH_MAX_ROOT_FIELDS", DEFAULT_REQUEST_LIMITS.maxRootFields, 1, 100_000),
        maxQueryDepth: int("RELGRAPH_MAX_QUERY_DEPTH", DEFAULT_REQUEST_LIMITS.maxQueryDepth, 2, 100),
        maxCost: int("RELGRAPH_MAX_COST", DEFAULT_REQUEST_LIMITS.maxCost, 1, 100_000_000),
        maxResponseItems: int(
          "RELGRAPH_MAX_RESPONSE_ITEMS",
          DEFAULT_REQUEST_LIMITS.maxResponseItems,
          1,
          100_000_000,
        ),
      },
    },
    engine: {
      pollIntervalMs: int("RELGRAPH_POLL_INTERVAL_MS", 250, 10, 60_000),
      stalenessBoundMs: int("RELGRAPH_STALENESS_BOUND_MS", 1000, 50, 3_600_000),
      consistencyWaitMs: int("RELGRAPH_CONSISTENCY_WAIT_MS", 5000, 0, 600_000),
      readDeadlineMs: int("RELGRAPH_READ_DEADLINE_MS", 5000, 100, 600_000),
      writeDeadlineMs: int("RELGRAPH_WRITE_DEADLINE_MS", 10_000, 100, 600_000),
      maxDepth: int("RELGRAPH_MAX_DEPTH", 10_000, 1, 1_000_000),
      cacheSize: int("RELGRAPH_CACHE_SIZE", 100_000, 0, 100_000_000),
      expiryPruneIntervalMs: int("RELGRAPH_EXPIRY_PRUNE_INTERVAL_MS", 60_000, 0, 86_400_000),
      evaluator: parseEvaluatorConfig(env["RELGRAPH_EVALUATOR"], problems),
      memoryBudgetMb: int("RELGRAPH_MEMORY_BUDGET_MB", 0, 0, 16_000_000),
    },
    store: {
      changeRetentionMs: int("RELGRAPH_CHANGELOG_RETENTION_HOURS", 24, 1, 24 * 365) * HOUR_MS,
      defaultDeleteLimit: int("RELGRAPH_DELETE_LIMIT", 1000, 1, 1_000_000),
      maxDeleteLimit: int("RELGRAPH_DELETE_LIMIT_MAX", 1000, 1, 1_000_000),
      ...(tokenSecret !== undefined ? { tokenSecret } : {}),
    },
  };
  if (config.engine.pollIntervalMs > config.engine.stalenessBoundMs)
    problems.push("RELGRAPH_POLL_INTERVAL_MS must not exceed RELGRAPH_STALENESS_BOUND_MS");
  if (config.store.defaultDeleteLimit > config.store.maxDeleteLimit)
    problems.push("RELGRAPH_DELETE_LIMIT must not exceed RELGRAPH_DELETE_LIMIT_MAX");
  if (problems.length)
    throw new RelgraphError(
      ErrorCode.INVALID_ARGUMENT,
      `invalid configuration:\n  ${problems.join("\n  ")}`,
      {
        problems,
      },
    );
  return config;
}

/**
 * Where Neo4j is: `NEO4J_URI` (+ `NEO4J_USER`, `NEO4J_PASSWORD`, `NEO4J_DATABASE`) when set, else the
 * local server this project provisions (`relgraph neo4j start`), whose password is in
 * `.relgraph/neo4j/password`.
 */
export function neo4jConfigFromEnv(env: Env = process.env): Required<Neo4jConfig> {
  const database = env["NEO4J_DATABASE"] || "neo4j";
  const user = env["NEO4J_USER"] || "neo4j";
  const uri = env["NEO4J_URI"];
  if (uri) return { uri, user, password: env["NEO4J_PASSWORD"] ?? "", database, source: "env" };
  const paths = localServerPaths(env);
  let password: string;
  try {
    password = readFileSync(paths.passwordFile, "utf8").trim();
  } catch {
    throw new RelgraphError(
      ErrorCode.UNAVAILABLE,
      `no NEO4J_URI is set and the local Neo4j has not been provisioned (${paths.passwordFile} is missing): ` +
        "run `npm run neo4j:start` or set NEO4J_URI",
    );
  }
  return { uri: `bolt://127.0.0.1:${paths.boltPort}`, user, password, database, source: "local" };
}
