/**
 * createRelgraph: opens a store and returns the coordinator (the service every surface uses).
 *
 *   await createRelgraph()                                   // from the environment, as `relgraph serve`:
 *                                                            // NEO4J_URI… or the local Neo4j; RELGRAPH_* settings
 *   await createRelgraph({ memory: true })                   // an in-memory store (tests, embedding, demos)
 *   await createRelgraph({ neo4j: { uri, user, password, database } })
 *   await createRelgraph({ store })                          // any TupleStore
 *
 * `config` (default: configFromEnv(process.env) without options, else the defaults) sets the
 * engine and store settings the README's configuration table lists.
 */
import type { Driver } from "neo4j-driver";
import { configFromEnv, neo4jConfigFromEnv, type RelgraphConfig } from "../config.ts";
import type { TupleStore } from "../store/interface.ts";
import { MemoryTupleStore } from "../store/memory/memoryStore.ts";
import { createDriver, type Neo4jConfig } from "../store/neo4j/connection.ts";
import { Neo4jTupleStore } from "../store/neo4j/neo4jStore.ts";
import { Relgraph } from "./relgraph.ts";

export type RelgraphOptions =
  | { readonly memory: true; readonly config?: RelgraphConfig }
  /** @deprecated the same as `{ memory: true }` (the spelling of Relgraph 0.1). */
  | { readonly backend: "memory"; readonly config?: RelgraphConfig }
  | {
      readonly neo4j: Neo4jConfig;
      readonly config?: RelgraphConfig;
      /** The server log: Neo4j outages and recoveries (once each), Neo4j failures in full. */
      readonly log?: (line: string) => void;
    }
  | { readonly store: TupleStore; readonly config?: RelgraphConfig };

/** Opens the store (Neo4j or memory) and returns the service. */
export async function createRelgraph(options?: RelgraphOptions): Promise<Relgraph> {
  if (options === undefined) {
    const config = configFromEnv(process.env);
    return new Relgraph(await openNeo4j(neo4jConfigFromEnv(process.env), config), config);
  }
  const config = options.config ?? configFromEnv({});
  let store: TupleStore;
  if ("store" in options) store = options.store;
  else if ("neo4j" in options) store = await openNeo4j(options.neo4j, config, options.log);
  else store = new MemoryTupleStore(storeOptions(config));
  return new Relgraph(store, config, "log" in options && options.log !== undefined ? options.log : undefined);
}

function storeOptions(config: RelgraphConfig) {
  return {
    changeRetentionMs: config.store.changeRetentionMs,
    defaultDeleteLimit: config.store.defaultDeleteLimit,
    maxDeleteLimit: config.store.maxDeleteLimit,
    ...(config.store.tokenSecret !== undefined ? { tokenSecret: config.store.tokenSecret } : {}),
  };
}

/**
 * The Neo4j store on three drivers (connection.ts): requests, the change-log poller, and the circuit
 * breaker's probes, so request load cannot take the connections the other two need.
 */
async function openNeo4j(
  neo4j: Neo4jConfig,
  config: RelgraphConfig,
  log?: (line: string) => void,
): Promise<Neo4jTupleStore> {
  const drivers = [
    createDriver(neo4j, "requests"),
    createDriver(neo4j, "changeLog"),
    createDriver(neo4j, "health"),
  ];
  const [driver, changeLogDriver, healthDriver] = drivers as [Driver, Driver, Driver];
  try {
    return await Neo4jTupleStore.open({
      driver,
      changeLogDriver,
      healthDriver,
      ...(neo4j.database !== undefined ? { database: neo4j.database } : {}),
      ...(log !== undefined ? { log } : {}),
      ownsDriver: true,
      ...storeOptions(config),
    });
  } catch (e) {
    await Promise.all(drivers.map((d) => d.close().catch(() => {})));
    throw e;
  }
}
