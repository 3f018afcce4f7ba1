/**
 * The Neo4j store: Relgraph's source of truth, laid out as the access graph a person browses.
 *
 *   (:document {store: "default", id: "readme"})-[:viewer {srel: "member", key}]->(:group {store, id: "eng"})
 *
 * Objects are nodes labelled by their type; a tuple is a relationship typed by its relation, from
 * resource to subject, with the subject relation in `srel` ("" for a direct subject) and a digest
 * `key` that a per-relation uniqueness constraint keeps unique. Internal records are `_Store` (head
 * revision, incarnation, the labels the store uses), `_Change` (one per revision: the change log)
 * and `_Schema`. Every statement comes from cypher/*.cypher through `cypher()`.
 *
 * Writes: one transaction that first takes the store's lock (a SET on its `_Store` node), reads the
 * head, validates, checks preconditions, applies, appends the change record and commits n+1. So
 * writes to one store are serialised and preconditions cannot race; writes to different stores
 * only meet on index entries.
 *
 * This class is the facade: it holds what the parts share (context.ts) and hands each TupleStore
 * method to the file that owns it — stores.ts (lifecycle), schema.ts and constraints.ts, writes.ts,
 * reads.ts and match.ts, changeLog.ts; storeState.ts and commit.ts are the locked transaction.
 */
import { StoreClock } from "../clock.ts";
import type { Driver } from "neo4j-driver";
import type { Tuple } from "../../model/tuple.ts";
import type { SchemaIR } from "../../typesystem/ir.ts";
import type {
  ChangePage,
  DeleteRequest,
  DeleteResult,
  ExpiredDeletion,
  ReadPage,
  RelationshipFilter,
  Revision,
  ScanOptions,
  SchemaFormat,
  StoreInfo,
  StoredSchema,
  TupleStore,
  WriteRequest,
} from "../interface.ts";
import type { StoreOptions } from "../options.ts";
import { resolveStoreOptions } from "../options.ts";
import { changesAfter, pruneChanges } from "./changeLog.ts";
import { ensureInternalConstraints } from "./constraints.ts";
import type { StoreContext } from "./context.ts";
import { cypher } from "./cypher.ts";
import { CypherReader } from "./cypherReader.ts";
import { FOLLOWER_CALL_BUDGET_MS, POOL_SIZES } from "./connection.ts";
import { RequestGate, type RequestGateOptions } from "./gate.ts";
import { Neo4jHealth, type Neo4jHealthOptions } from "./health.ts";
import { readPage, scan } from "./reads.ts";
import { readSchema, writeSchema } from "./schema.ts";
import { ensureTokenSecret } from "./secret.ts";
import { readHead } from "./storeState.ts";
import { createStore, deleteStore, ensureDefaultStore, listStores } from "./stores.ts";
import { StatementWarmup } from "./warmup.ts";
import { deleteByFilter, deleteExpired, writeTuples } from "./writes.ts";

export interface Neo4jStoreConfig extends StoreOptions {
  /** The requests' driver (connection.ts: role "requests"). */
  readonly driver: Driver;
  /** The change-log poller's driver (role "changeLog"); absent: `driver`. */
  readonly changeLogDriver?: Driver;
  /** The circuit breaker's driver (role "health"); when given, the breaker probes periodically. */
  readonly healthDriver?: Driver;
  /**
   * Admission to the requests' pool (gate.ts); default one permit per pooled connection (64), 512
   * waiting, 1 s wait.
   */
  readonly requestPool?: Partial<RequestGateOptions>;
  /** Breaker timings (health.ts). */
  readonly health?: Omit<Neo4jHealthOptions, "log">;
  /** The server log: outages and recoveries (once each), Neo4j failures with the driver's message. */
  readonly log?: (line: string) => void;
  /** The Neo4j database (Community has one user database, `neo4j`). */
  readonly database?: string;
  /** close() also closes the drivers. */
  readonly ownsDriver?: boolean;
}

export class Neo4jTupleStore implements TupleStore {
  readonly kind = "neo4j" as const;
  readonly driver: Driver;
  readonly database: string | undefined;
  private readonly ownsDriver: boolean;
  private readonly drivers: readonly Driver[];
  private readonly ctx: StoreContext;
  /** Reachability reads for the Cypher evaluator (cypherReader.ts). */
  readonly subgraphs: CypherReader;
  /** The circuit breaker (health.ts): every call of this store and its follower goes through it. */
  readonly health: Neo4jHealth;
  /** This store over the change-log driver, for projections following the change log. */
  readonly follower: Neo4jTupleStore;
  private secret = "";

  private constructor(config: Neo4jStoreConfig, shared?: { ctx: StoreContext; health: Neo4jHealth }) {
    this.driver = config.driver;
    this.database = config.database;
    this.ownsDriver = config.ownsDriver ?? false;
    this.drivers = [...new Set([config.driver, config.changeLogDriver, config.healthDriver])].filter(
      (d): d is Driver => d !== undefined,
    );
    this.health =
      shared?.health ??
      new Neo4jHealth(config.healthDriver ?? config.driver, config.database, {
        ...config.health,
        ...(config.log ? { log: config.log } : {}),
      });
    this.ctx = shared
      ? { ...shared.ctx, driver: config.driver, gate: undefined, callBudgetMs: FOLLOWER_CALL_BUDGET_MS }
      : {
          driver: config.driver,
          database: config.database,
          health: this.health,
          gate: new RequestGate({
            permits: POOL_SIZES.requests,
            maxWaiting: 512,
            waitMs: 1000,
            ...config.requestPool,
          }),
          log: config.log,
          options: resolveStoreOptions(config),
          schemas: new Map(),
          ensuredLabels: new Set(),
          ensuredRelations: new Set(),
          lastPruneAt: new Map(),
          writeQueues: new Map(),
          warmup: new StatementWarmup(new Set([cypher("store-lock")])),
          clock: new StoreClock(),
        };
    if (shared === undefined) {
      const { warmup, driver, database } = this.ctx;
      this.health.onUp(() => warmup.start(driver, database, config.log ?? (() => {})));
    }
    this.subgraphs = new CypherReader(this.ctx);
    this.follower =
      shared === undefined && config.changeLogDriver !== undefined
        ? new Neo4jTupleStore(
            { ...config, driver: config.changeLogDriver, ownsDriver: false },
            { ctx: this.ctx, health: this.health },
          )
        : this;
  }

  /**
   * Connects: ensures the internal constraints and that the default store exists. With a
   * `healthDriver`, the breaker starts probing (close() stops it).
   */
  static async open(config: Neo4jStoreConfig): Promise<Neo4jTupleStore> {
    const store = new Neo4jTupleStore(config);
    await ensureInternalConstraints(store.ctx);
    await ensureDefaultStore(store.ctx);
    store.secret = config.tokenSecret ?? (await ensureTokenSecret(store.ctx));
    store.follower.secret = store.secret;
    if (config.healthDriver !== undefined) store.health.start();
    return store;
  }

  /** Neo4j's clock as this process sees it (expiring relationships are judged by it). */
  get clock(): StoreClock {
    return this.ctx.clock;
  }

  /** RELGRAPH_TOKEN_SECRET, or the `_Secret` node every process on the database shares (secret.ts). */
  get tokenSecret(): string {
    return this.secret;
  }

  createStore(name: string): Promise<StoreInfo> {
    return createStore(this.ctx, name);
  }

  deleteStore(name: string): Promise<void> {
    return deleteStore(this.ctx, name);
  }

  listStores(): Promise<StoreInfo[]> {
    return listStores(this.ctx);
  }

  head(store: string): Promise<Revision> {
    return readHead(this.ctx, store);
  }

  writeSchema(
    store: string,
    schema: { text: string; format: SchemaFormat; ir: SchemaIR },
  ): Promise<Revision> {
    return writeSchema(this.ctx, store, schema);
  }

  readSchema(store: string): Promise<StoredSchema | undefined> {
    return readSchema(this.ctx, store);
  }

  write(store: string, request: WriteRequest): Promise<Revision> {
    return writeTuples(this.ctx, store, request);
  }

  deleteByFilter(store: string, request: DeleteRequest): Promise<DeleteResult> {
    return deleteByFilter(this.ctx, store, request);
  }

  deleteExpired(store: string, limit: number): Promise<ExpiredDeletion> {
    return deleteExpired(this.ctx, store, limit);
  }

  read(
    store: string,
    filter: RelationshipFilter,
    page: { first: number; after?: string },
  ): Promise<ReadPage> {
    return readPage(this.ctx, store, filter, page);
  }

  scan(store: string, options: ScanOptions = {}): AsyncIterable<readonly Tuple[]> {
    return scan(this.ctx, store, options);
  }

  changes(store: string, afterRevision: number, limit: number): Promise<ChangePage> {
    return changesAfter(this.ctx, store, afterRevision, limit);
  }

  pruneChanges(store: string): Promise<number> {
    return pruneChanges(this.ctx, store);
  }

  async close(): Promise<void> {
    this.health.stop();
    if (this.ownsDriver) await Promise.all(this.drivers.map((d) => d.close()));
  }
}
