/**
 * Neo4j-backed Relgraph for the engine tests and benchmarks: one driver to the test Neo4j (the
 * vitest global setup exports NEO4J_URI / NEO4J_PASSWORD), wrapped so every session, transaction
 * and Cypher query it runs is counted (round trips per check), unique store names, and a loader
 * that writes tuples in batches of 1,000.
 */
import type { Driver, ManagedTransaction, Session } from "neo4j-driver";
import { createDriver } from "../../../src/store/neo4j/connection.ts";
import { neo4jConfigFromEnv } from "../../../src/config.ts";
import { Neo4jTupleStore } from "../../../src/store/neo4j/neo4jStore.ts";
import type { Relgraph } from "../../../src/index.ts";
import type { Tuple } from "../../../src/model/tuple.ts";

/** What the wrapped driver has sent to Neo4j since the last reset. */
export interface TrafficCounts {
  /** Managed transactions (executeRead / executeWrite): one store call each. */
  transactions: number;
  /** Cypher statements (tx.run / session.run): each is at least one Bolt round trip. */
  queries: number;
  /** The queries' first lines, for diagnosis. */
  readonly texts: string[];
}

export class CountingDriver {
  readonly counts: TrafficCounts = { transactions: 0, queries: 0, texts: [] };
  readonly driver: Driver;

  constructor(readonly inner: Driver) {
    const counts = this.counts;
    const note = (text: unknown): void => {
      counts.queries++;
      if (counts.texts.length < 10_000) counts.texts.push(String(text).trim().split("\n")[0] ?? "");
    };
    const wrapTx = (tx: ManagedTransaction): ManagedTransaction =>
      new Proxy(tx, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (prop === "run" && typeof value === "function")
            return (query: unknown, ...rest: unknown[]) => {
              note(query);
              return (value as (...a: unknown[]) => unknown).call(target, query, ...rest);
            };
          return typeof value === "function" ? (value as () => unknown).bind(target) : value;
        },
      });
    const wrapSession = (session: Session): Session =>
      new Proxy(session, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== "function") return value;
          const fn = value as (...a: unknown[]) => unknown;
          if (prop === "executeRead" || prop === "executeWrite")
            return (work: (tx: ManagedTransaction) => unknown, ...rest: unknown[]) => {
              counts.transactions++;
              return fn.call(target, (tx: ManagedTransaction) => work(wrapTx(tx)), ...rest);
            };
          if (prop === "run")
            return (query: unknown, ...rest: unknown[]) => {
              note(query);
              return fn.call(target, query, ...rest);
            };
          return fn.bind(target);
        },
      });
    this.driver = new Proxy(inner, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        const fn = value as (...a: unknown[]) => unknown;
        if (prop === "session") return (...args: unknown[]) => wrapSession(fn.apply(target, args) as Session);
        return fn.bind(target);
      },
    });
  }

  reset(): void {
    this.counts.transactions = 0;
    this.counts.queries = 0;
    this.counts.texts.length = 0;
  }

  snapshot(): { transactions: number; queries: number } {
    return { transactions: this.counts.transactions, queries: this.counts.queries };
  }
}

/** A counting driver to the configured Neo4j and a store on it (the store does not own the driver). */
export async function openCountingStore(): Promise<{
  store: Neo4jTupleStore;
  counting: CountingDriver;
  close: () => Promise<void>;
}> {
  const config = neo4jConfigFromEnv();
  const counting = new CountingDriver(createDriver(config));
  const store = await Neo4jTupleStore.open({
    driver: counting.driver,
    database: config.database,
    ownsDriver: false,
  });
  return { store, counting, close: () => counting.inner.close() };
}

const run = Math.random().toString(36).slice(2, 8);
let counter = 0;
/** A store name no other test file or run uses. */
export function uniqueStoreName(prefix: string): string {
  counter++;
  return `${prefix}-${run}-${counter}`.slice(0, 63);
}

/** TOUCH in batches of 1,000 (the store's maximum); returns the last write's token. */
export async function writeTuples(rg: Relgraph, store: string, tuples: readonly Tuple[]): Promise<string> {
  let token = "";
  for (let i = 0; i < tuples.length; i += 1000) {
    const batch = tuples.slice(i, i + 1000).map((tuple) => ({ operation: "TOUCH" as const, tuple }));
    token = (await rg.writeRelationships(store, batch)).token;
  }
  return token;
}

/** A Neo4jTupleStore on a driver of its own to the test Neo4j; `close()` closes the driver too. */
export function openOwnNeo4jStore(): Promise<Neo4jTupleStore> {
  const config = neo4jConfigFromEnv();
  return Neo4jTupleStore.open({ driver: createDriver(config), database: config.database, ownsDriver: true });
}
