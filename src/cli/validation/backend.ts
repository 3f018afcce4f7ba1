/**
 * The RelgraphService a CLI command runs on: the in-memory backend (no server) or the configured
 * Neo4j (`NEO4J_URI`… or the local server, see neo4jConfigFromEnv in src/config.ts).
 */
import { unreachable } from "../../errors.ts";
import type { RelgraphService } from "../../coordinator/service.ts";
import { configFromEnv, neo4jConfigFromEnv } from "../../config.ts";
import type { Env } from "../../neo4jServer/localServer.ts";

export type Backend = "memory" | "neo4j";

/** Opens a service; the caller closes it. Used by `validate` and `check`; tests pass fakes instead. */
export type ServiceOpener = (backend: Backend, env: Env) => Promise<RelgraphService>;

export const openService: ServiceOpener = async (backend, env) => {
  // Imported on use: `relgraph --help` and the other commands need not load the engine.
  const { createRelgraph } = await import("../../index.ts");
  switch (backend) {
    case "memory":
      return createRelgraph({ memory: true });
    case "neo4j":
      return createRelgraph({ neo4j: neo4jConfigFromEnv(env), config: configFromEnv(env) });
    default:
      return unreachable(backend, "backend");
  }
};
