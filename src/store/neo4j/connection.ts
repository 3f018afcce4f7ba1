/**
 * The Neo4j driver the store runs on. Where Neo4j is (environment, local server) is decided above
 * the store: `neo4jConfigFromEnv` in src/config.ts.
 */
import neo4j, { type Driver } from "neo4j-driver";

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

export function createDriver(config: Neo4jConfig): Driver {
  return neo4j.driver(config.uri, neo4j.auth.basic(config.user ?? "neo4j", config.password ?? ""), {
    // Telemetry goes to Neo4j's own usage reporting, which is off here: no internet.
    telemetryDisabled: true,
    maxConnectionPoolSize: 64,
    connectionAcquisitionTimeout: 30_000,
    disableLosslessIntegers: true,
  });
}
