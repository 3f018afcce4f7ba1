/**
 * Where Neo4j is: `NEO4J_URI` (+ `NEO4J_USER`, `NEO4J_PASSWORD`, `NEO4J_DATABASE`) when set, else the
 * local server this project provisions (`relgraph neo4j start`), whose password is in
 * `.relgraph/neo4j/password`.
 */
import { readFileSync } from "node:fs";
import neo4j, { type Driver } from "neo4j-driver";
import { ErrorCode, RelgraphError } from "../../errors.ts";
import { localServerPaths } from "./localServer.ts";

export interface Neo4jConfig {
  readonly uri: string;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Where the settings came from, for messages. */
  readonly source: "env" | "local";
}

type Env = Readonly<Record<string, string | undefined>>;

export function neo4jConfigFromEnv(env: Env = process.env): Neo4jConfig {
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

export function createDriver(config: Neo4jConfig): Driver {
  return neo4j.driver(config.uri, neo4j.auth.basic(config.user, config.password), {
    // Telemetry goes to Neo4j's own usage reporting, which is off here: no internet.
    telemetryDisabled: true,
    maxConnectionPoolSize: 64,
    connectionAcquisitionTimeout: 30_000,
    disableLosslessIntegers: true,
  });
}
