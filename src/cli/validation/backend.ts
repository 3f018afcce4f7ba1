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

/**
 * "neo4j" is the configured store: Neo4j directly, or a Relgraph server when RELGRAPH_ENDPOINT is
 * set (remote mode; the commands' --endpoint/--api-key flags set it, see serviceEnv in ../args.ts).
 */
export const openService: ServiceOpener = async (backend, env) => {
  const endpoint = env["RELGRAPH_ENDPOINT"];
  if (backend === "neo4j" && endpoint !== undefined && endpoint !== "") {
    const { GraphQLService } = await import("../remote/graphqlService.ts");
    const key = env["RELGRAPH_API_KEY"];
    return new GraphQLService(endpoint, key === undefined || key === "" ? undefined : key);
  }
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
