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
  | { readonly neo4j: Neo4jConfig; readonly config?: RelgraphConfig }
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
  else if ("neo4j" in options) store = await openNeo4j(options.neo4j, config);
  else store = new MemoryTupleStore(storeOptions(config));
  return new Relgraph(store, config);
}

function storeOptions(config: RelgraphConfig) {
  return {
    changeRetentionMs: config.store.changeRetentionMs,
    defaultDeleteLimit: config.store.defaultDeleteLimit,
    maxDeleteLimit: config.store.maxDeleteLimit,
    ...(config.store.tokenSecret !== undefined ? { tokenSecret: config.store.tokenSecret } : {}),
  };
}

function openNeo4j(neo4j: Neo4jConfig, config: RelgraphConfig): Promise<Neo4jTupleStore> {
  return Neo4jTupleStore.open({
    driver: createDriver(neo4j),
    ...(neo4j.database !== undefined ? { database: neo4j.database } : {}),
    ownsDriver: true,
    ...storeOptions(config),
  });
}
