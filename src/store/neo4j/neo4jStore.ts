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
 */
import { createHash, randomUUID } from "node:crypto";
import neo4j from "neo4j-driver";
import type { Driver, ManagedTransaction, Session } from "neo4j-driver";
import { ErrorCode, invalidArgument, invariant, isRelgraphError } from "../../errors.ts";
import type { Tuple } from "../../model/tuple.ts";
import type { SchemaIR } from "../../typesystem/ir.ts";
import type {
  Change,
  ChangePage,
  DeleteRequest,
  DeleteResult,
  ReadPage,
  ScanOptions,
  RelationshipFilter,
  Revision,
  SchemaFormat,
  StoreInfo,
  StoredSchema,
  TupleStore,
  WriteRequest,
} from "../interface.ts";
import { DEFAULT_STORE } from "../interface.ts";
import type { LogEntry } from "../common.ts";
import {
  changesPruned,
  checkChangesArgs,
  checkSchemaArgs,
  defaultStoreUndeletable,
  deleteLimitExceeded,
  pageOfLog,
  preconditionFailed,
  relationshipAlreadyExists,
  revisionBeyondHead,
  storeAlreadyExists,
  storeNotFound,
  stripTraits,
} from "../common.ts";
import { decodeCursor, encodeCursor, filterFingerprint } from "../cursor.ts";
import type { ResolvedStoreOptions, StoreOptions } from "../options.ts";
import { resolveStoreOptions } from "../options.ts";
import type { OrderKey } from "../order.ts";
import { compareText, orderKey, orderSafePrefix } from "../order.ts";
import { checkTupleAgainstSchema } from "../schemaCheck.ts";
import type { Offender, SignatureCount } from "../schemaDiff.ts";
import { narrowedOffenders, schemaImpact, schemaRefusal } from "../schemaDiff.ts";
import type { NormalisedFilter } from "../validate.ts";
import {
  checkDeleteLimit,
  checkFilterSyntax,
  checkPageSize,
  checkScanBatchSize,
  checkStoreName,
  checkTupleSyntax,
  precheckFilter,
  precheckPreconditions,
  precheckWrite,
} from "../validate.ts";
import { CypherReader } from "./cypherReader.ts";
import type { TemplateName } from "./cypher.ts";
import { cypher } from "./cypher.ts";
import {
  isConstraintViolation,
  isEquivalentSchemaRace,
  isTransient,
  toRelgraphError,
} from "./neo4jErrors.ts";

export interface Neo4jStoreConfig extends StoreOptions {
  readonly driver: Driver;
  /** The Neo4j database (Community has one user database, `neo4j`). */
  readonly database?: string;
  /** close() also closes the driver. */
  readonly ownsDriver?: boolean;
}

/** A store's `_Store` record as read inside a transaction. */
interface StoreState {
  readonly name: string;
  readonly incarnation: string;
  readonly revision: number;
  readonly schemaRevision: number;
  readonly prunedThrough: number;
  /** Every label the store's objects have (resources and subjects): what deleteStore removes. */
  readonly types: readonly string[];
  /** Every label its resources have: reads walk these in order. */
  readonly resourceTypes: readonly string[];
  readonly lastChangeAt: number;
}

/** What a locked write commits as its revision. */
interface Commit {
  readonly changes: readonly Change[];
  readonly schemaRevision?: number;
  readonly newTypes?: Iterable<string>;
  readonly newResourceTypes?: Iterable<string>;
}

/** One tuple as the write templates take it. */
interface Row {
  readonly key: string;
  readonly resourceId: string;
  readonly subjectId: string;
  readonly subjectRelation: string;
  readonly caveatName: string | null;
  readonly caveatContext: string | null;
  readonly expiration: string | null;
}

/** Java regex: an id holding a character where code-point and UTF-16 order part (U+E000 and up). */
const UNSAFE_ID = "(?s).*[\\x{E000}-\\x{10FFFF}].*";
const PRUNE_WINDOW = 1000;
const PRUNE_MAX_WINDOWS = 100;
const SCHEMA_CACHE_SIZE = 256;

export class Neo4jTupleStore implements TupleStore {
  readonly kind = "neo4j" as const;
  readonly driver: Driver;
  readonly database: string | undefined;
  private readonly ownsDriver: boolean;
  private readonly options: ResolvedStoreOptions;
  /** Parsed schemas by `incarnation/schemaRevision` (immutable once written). */
  private readonly schemas = new Map<string, StoredSchema>();
  /** Labels and relationship types whose uniqueness constraints this process has ensured. */
  private readonly ensuredLabels = new Set<string>();
  private readonly ensuredRelations = new Set<string>();
  private readonly lastPruneAt = new Map<string, number>();
  /** Reachability reads for the Cypher evaluator (cypherReader.ts). */
  readonly subgraphs: CypherReader;

  private constructor(config: Neo4jStoreConfig) {
    this.driver = config.driver;
    this.database = config.database;
    this.subgraphs = new CypherReader(config.driver, config.database);
    this.ownsDriver = config.ownsDriver ?? false;
    this.options = resolveStoreOptions(config);
  }

  /** Connects: ensures the internal constraints and that the default store exists. */
  static async open(config: Neo4jStoreConfig): Promise<Neo4jTupleStore> {
    const store = new Neo4jTupleStore(config);
    for (const ddl of ["constraint-store", "constraint-change", "constraint-schema"] as const)
      await store.ddl(cypher(ddl));
    await store.session("WRITE", (tx) =>
      tx.run(cypher("store-ensure"), {
        store: DEFAULT_STORE,
        incarnation: randomUUID(),
        now: int(store.options.now()),
      }),
    );
    return store;
  }

  // ───────────────────────────── stores ─────────────────────────────

  async createStore(name: string): Promise<StoreInfo> {
    const store = checkStoreName(name);
    try {
      return await this.insertStore(store);
    } catch (e) {
      // The name may be held by a deletion that stopped half-way: finish it, then create.
      if (!isRelgraphError(e) || e.code !== ErrorCode.ALREADY_EXISTS) throw e;
      const left = await this.session("READ", (tx) => tx.run(cypher("store-deleting"), { store }));
      const rec = left.records[0];
      if (rec === undefined) throw e;
      await this.purge(store, strings(rec.get("types")));
      return this.insertStore(store);
    }
  }

  private async insertStore(store: string): Promise<StoreInfo> {
    try {
      const result = await this.session("WRITE", (tx) =>
        tx.run(cypher("store-create"), { store, incarnation: randomUUID(), now: int(this.options.now()) }),
      );
      const rec = result.records[0];
      invariant(rec !== undefined, "store-create returned no row");
      return {
        name: str(rec.get("name")),
        incarnation: str(rec.get("incarnation")),
        revision: num(rec.get("revision")),
        schemaRevision: num(rec.get("schemaRevision")),
      };
    } catch (e) {
      if (isConstraintViolation(e instanceof Error ? e.cause : undefined)) throw storeAlreadyExists(store);
      throw e;
    }
  }

  /**
   * Marks the store deleting (under its lock; NOT_FOUND from then on), then removes its objects and
   * change log in transactions of 1,000 and its records last: a store of any size can be deleted
   * (one transaction for 200,000 tuples already exceeds Neo4j's default transaction memory). A
   * deletion that stopped half-way is finished by the next deleteStore or createStore of the name.
   */
  async deleteStore(name: string): Promise<void> {
    const store = checkStoreName(name);
    if (store === DEFAULT_STORE) throw defaultStoreUndeletable();
    const types = await this.session("WRITE", async (tx) => {
      const result = await tx.run(cypher("store-delete-begin"), { store, nonce: randomUUID() });
      const rec = result.records[0];
      if (rec === undefined) throw storeNotFound(store);
      return strings(rec.get("types"));
    });
    for (const key of this.schemas.keys()) if (key.startsWith(`${store}/`)) this.schemas.delete(key);
    this.lastPruneAt.delete(store);
    await this.purge(store, types);
  }

  /** Steps 2–4 of a deletion (see cypher/store-delete-*.cypher); safe to repeat. */
  private async purge(store: string, types: readonly string[]): Promise<void> {
    for (const type of types) await this.autoCommit(cypher("store-delete-objects", { type }), { store });
    await this.autoCommit(cypher("store-delete-changes"), { store });
    await this.session("WRITE", (tx) => tx.run(cypher("store-delete-records"), { store }));
  }

  /** A query that runs its own transactions (CALL … IN TRANSACTIONS): not inside a managed one. */
  private async autoCommit(query: string, params: Record<string, unknown>): Promise<void> {
    const session = this.openSession("WRITE");
    try {
      await session.run(query, params);
    } catch (e) {
      throw toRelgraphError(e);
    } finally {
      await session.close();
    }
  }

  async listStores(): Promise<StoreInfo[]> {
    const result = await this.session("READ", (tx) => tx.run(cypher("store-list")));
    return result.records.map((rec) => ({
      name: str(rec.get("name")),
      incarnation: str(rec.get("incarnation")),
      revision: num(rec.get("revision")),
      schemaRevision: num(rec.get("schemaRevision")),
    }));
  }

  async head(store: string): Promise<Revision> {
    const name = checkStoreName(store);
    return this.session("READ", async (tx) => revisionOf(await this.state(tx, name)));
  }

  // ───────────────────────────── schema ─────────────────────────────

  async writeSchema(
    store: string,
    schema: { text: string; format: SchemaFormat; ir: SchemaIR },
  ): Promise<Revision> {
    const args = checkSchemaArgs(store, schema);
    // NOT_FOUND before any DDL; then constraints (DDL cannot share a transaction with data writes).
    await this.session("READ", (tx) => this.state(tx, args.store));
    await this.ensureConstraints(args.ir);
    return this.locked(args.store, async (tx, state) => {
      const previous = await this.schemaOf(tx, state);
      const impact = schemaImpact(previous?.ir, args.ir);
      const offenders: Offender[] = [];
      for (const r of impact.removed) {
        if (!state.resourceTypes.includes(r.type)) continue;
        const result = await tx.run(cypher("tuples-count", { resource: r.type, relation: r.relation }), {
          store: state.name,
        });
        offenders.push({
          type: r.type,
          relation: r.relation,
          reason: r.reason,
          count: num(result.records[0]?.get("count") ?? 0),
        });
      }
      for (const n of impact.narrowed) {
        if (!state.resourceTypes.includes(n.type)) continue;
        const result = await tx.run(cypher("tuples-signatures", { resource: n.type, relation: n.relation }), {
          store: state.name,
        });
        const counts = result.records.map((rec): SignatureCount => {
          const caveat = rec.get("caveat") as unknown;
          return {
            signature: {
              subjectType: str(rec.get("subjectType")),
              subjectRelation: str(rec.get("subjectRelation")),
              wildcard: rec.get("wildcard") === true,
              ...(typeof caveat === "string" ? { caveat } : {}),
              expiration: rec.get("expiration") === true,
            },
            count: num(rec.get("count")),
          };
        });
        offenders.push(...narrowedOffenders(n, counts));
      }
      const refusal = schemaRefusal(offenders);
      if (refusal) throw refusal;
      const schemaRevision = state.schemaRevision + 1;
      await tx.run(cypher("schema-put"), {
        store: state.name,
        text: args.text,
        format: args.format,
        ir: JSON.stringify(args.ir),
        schemaRevision: int(schemaRevision),
        now: int(this.options.now()),
      });
      return this.commit(tx, state, { changes: [], schemaRevision });
    });
  }

  async readSchema(store: string): Promise<StoredSchema | undefined> {
    const name = checkStoreName(store);
    return this.session("READ", async (tx) => this.schemaOf(tx, await this.state(tx, name)));
  }

  // ───────────────────────────── writes ─────────────────────────────

  async write(store: string, request: WriteRequest): Promise<Revision> {
    const name = checkStoreName(store);
    const { updates, preconditions, preconditionOps } = precheckWrite(request);
    return this.locked(name, async (tx, state) => {
      const schema = await this.schemaOf(tx, state);
      const dialect = schema?.ir.origin ?? "zed";
      updates.forEach((u, i) => {
        checkTupleSyntax(u.tuple, dialect, `updates[${i}].tuple`);
        // Deletes are not schema-checked: misfit tuples (OpenFGA-origin models) must stay deletable.
        if (u.operation !== "DELETE")
          checkTupleAgainstSchema(schema?.ir ?? EMPTY_SCHEMA, u.tuple, `updates[${i}].tuple`);
      });
      await this.checkPreconditions(tx, state, preconditions, preconditionOps, dialect);

      // CREATE of a stored tuple fails the batch before anything is applied.
      const creates = updates.flatMap((u, index) =>
        u.operation === "CREATE" ? [{ tuple: u.tuple, index }] : [],
      );
      for (const [relation, group] of groupBy(creates, (c) => c.tuple.relation)) {
        const keys = group.map((c) => this.key(state.name, c.tuple));
        const result = await tx.run(cypher("tuples-existing", { relation }), { keys });
        const existing = new Set(result.records.map((rec) => str(rec.get("key"))));
        const first = group.find((_c, i) => existing.has(keys[i]!));
        if (first) throw relationshipAlreadyExists(first.tuple, first.index);
      }

      for (const op of ["CREATE", "TOUCH"] as const) {
        const group = updates.filter((u) => u.operation === op).map((u) => u.tuple);
        for (const [, tuples] of groupBy(
          group,
          (t) => `${t.resourceType}\u0000${t.relation}\u0000${t.subjectType}`,
        )) {
          const t0 = tuples[0]!;
          const names = { resource: t0.resourceType, relation: t0.relation, subject: t0.subjectType };
          try {
            await tx.run(cypher(op === "CREATE" ? "tuples-create" : "tuples-touch", names), {
              store: state.name,
              rows: tuples.map((t) => this.row(state.name, t)),
            });
          } catch (e) {
            // Only a writer bypassing the store lock could get here (unsupported), but say what it means.
            if (isConstraintViolation(e) && op === "CREATE")
              throw relationshipAlreadyExists(
                t0,
                updates.findIndex((u) => u.tuple === t0),
              );
            throw e;
          }
        }
      }
      const deleted = await this.deleteTuples(
        tx,
        state.name,
        updates.filter((u) => u.operation === "DELETE").map((u) => u.tuple),
      );

      const changes: Change[] = [];
      const revision = state.revision + 1;
      for (const u of updates) {
        if (u.operation !== "DELETE") changes.push({ revision, operation: "TOUCH", tuple: u.tuple });
        else if (deleted.has(this.key(state.name, u.tuple)))
          changes.push({ revision, operation: "DELETE", tuple: stripTraits(u.tuple) });
      }
      const written = updates.filter((u) => u.operation !== "DELETE").map((u) => u.tuple);
      return this.commit(tx, state, {
        changes,
        newTypes: written.flatMap((t) => [t.resourceType, t.subjectType]),
        newResourceTypes: written.map((t) => t.resourceType),
      });
    });
  }

  async deleteByFilter(store: string, request: DeleteRequest): Promise<DeleteResult> {
    const name = checkStoreName(store);
    if (request === null || typeof request !== "object")
      throw invalidArgument("request: expected a delete request");
    const filter = precheckFilter(request.filter);
    const { preconditions, preconditionOps } = precheckPreconditions(request.preconditions ?? []);
    const limit = checkDeleteLimit(request.limit, this.options);
    return this.locked(name, async (tx, state) => {
      const dialect = (await this.schemaOf(tx, state))?.ir.origin ?? "zed";
      checkFilterSyntax(filter, dialect);
      await this.checkPreconditions(tx, state, preconditions, preconditionOps, dialect);
      const matches = await this.match(tx, state, filter, undefined, limit + 1);
      if (matches.length > limit && request.allowPartial !== true) throw deleteLimitExceeded(limit, filter);
      const doomed = matches.slice(0, limit);
      await this.deleteTuples(tx, state.name, doomed);
      const revision = await this.commit(tx, state, {
        changes: doomed.map((t) => ({
          revision: state.revision + 1,
          operation: "DELETE" as const,
          tuple: stripTraits(t),
        })),
      });
      return { revision, deletedCount: doomed.length, complete: matches.length <= limit };
    });
  }

  // ───────────────────────────── reads ─────────────────────────────

  async read(
    store: string,
    filter: RelationshipFilter,
    page: { first: number; after?: string },
  ): Promise<ReadPage> {
    const name = checkStoreName(store);
    const first = checkPageSize(page?.first);
    const f = precheckFilter(filter);
    return this.session("READ", async (tx) => {
      const state = await this.state(tx, name);
      checkFilterSyntax(f, (await this.schemaOf(tx, state))?.ir.origin ?? "zed");
      const fingerprint = filterFingerprint(f);
      const cursor =
        page.after === undefined
          ? undefined
          : decodeCursor(page.after, { store: name, incarnation: state.incarnation, filter: fingerprint });
      const matches = await this.match(tx, state, f, cursor?.last, first + 1);
      const tuples = matches.slice(0, first);
      const readAt = revisionOf(state);
      const last = tuples[tuples.length - 1];
      return {
        tuples,
        ...(matches.length > first && last !== undefined
          ? {
              nextCursor: encodeCursor({
                store: name,
                incarnation: state.incarnation,
                startRevision: cursor?.startRevision ?? readAt.revision,
                filter: fingerprint,
                last: orderKey(last),
              }),
            }
          : {}),
        readAt,
        staleCursor: cursor !== undefined && readAt.revision > cursor.startRevision,
      };
    });
  }

  async *scan(store: string, options: ScanOptions = {}): AsyncIterable<readonly Tuple[]> {
    const name = checkStoreName(store);
    const batchSize = checkScanBatchSize(options.batchSize);
    const state = await this.session("READ", (tx) => this.state(tx, name));
    for (const type of [...state.resourceTypes].sort(compareText)) {
      // An auto-commit query streamed record by record (fetchSize rows per pull), not a managed
      // transaction: a retry would replay batches already handed out, and nothing here is buffered.
      const session = this.openSession("READ", SCAN_FETCH_SIZE);
      try {
        let batch: Tuple[] = [];
        const result = session.run(cypher("tuples-scan", { resource: type }), { store: name });
        for await (const rec of result) {
          const id = str(rec.get("id"));
          for (const row of rec.get("ts") as ScanRow[]) batch.push(tupleFromScanRow(type, id, row));
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length > 0) yield batch;
      } catch (e) {
        throw toRelgraphError(e);
      } finally {
        await session.close();
      }
    }
  }

  async changes(store: string, afterRevision: number, limit: number): Promise<ChangePage> {
    const name = checkStoreName(store);
    const args = checkChangesArgs(afterRevision, limit);
    return this.session("READ", async (tx) => {
      const state = await this.state(tx, name);
      if (args.afterRevision > state.revision) throw revisionBeyondHead(args.afterRevision, state.revision);
      if (args.afterRevision < state.prunedThrough)
        throw changesPruned(name, args.afterRevision, state.prunedThrough);
      const entries: LogEntry[] = [];
      let collected = 0;
      let next = args.afterRevision;
      while (next < state.revision && collected < args.limit) {
        const batch = Math.min(args.limit, 1000);
        const result = await tx.run(cypher("changes-page"), {
          store: name,
          after: int(next),
          through: int(state.revision),
          limit: int(batch),
        });
        for (const rec of result.records) {
          const revision = num(rec.get("revision"));
          // Gap-free by construction; a gap means a concurrent prune passed us.
          if (revision !== next + 1) throw changesPruned(name, args.afterRevision, next);
          const schemaRevision = rec.get("schemaRevision") as unknown;
          const changes = parseChanges(str(rec.get("changes")), revision);
          entries.push({
            revision,
            at: num(rec.get("at")),
            changes,
            ...(schemaRevision !== null && schemaRevision !== undefined
              ? { schemaRevision: num(schemaRevision) }
              : {}),
          });
          collected += changes.length;
          next = revision;
        }
        if (result.records.length < batch) break;
      }
      const page = pageOfLog(entries, args.afterRevision, args.limit);
      return { ...page, head: revisionOf(state), complete: page.throughRevision === state.revision };
    });
  }

  async pruneChanges(store: string): Promise<number> {
    const name = checkStoreName(store);
    return this.locked(name, async (tx, state) => {
      const { through, pruned } = await this.prune(tx, state);
      await tx.run(cypher("store-unlock"), { store: name, prunedThrough: int(through) });
      return pruned;
    });
  }

  async close(): Promise<void> {
    if (this.ownsDriver) await this.driver.close();
  }

  // ───────────────────────────── internals ─────────────────────────────

  /** A session on the store's database (`fetchSize`: records per pull when streaming). */
  private openSession(mode: "READ" | "WRITE", fetchSize?: number): Session {
    return this.driver.session({
      ...(this.database !== undefined ? { database: this.database } : {}),
      defaultAccessMode: mode === "READ" ? neo4j.session.READ : neo4j.session.WRITE,
      ...(fetchSize !== undefined ? { fetchSize } : {}),
    });
  }

  /** Runs `work` in a managed transaction (retried by the driver on transient errors). */
  private async session<T>(mode: "READ" | "WRITE", work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.openSession(mode);
    try {
      return mode === "READ" ? await session.executeRead(work) : await session.executeWrite(work);
    } catch (e) {
      // Keeps the Neo4j error as `cause`, so callers can tell what a constraint violation meant.
      throw toRelgraphError(e);
    } finally {
      await session.close();
    }
  }

  /** A write transaction holding the store's lock; `work` sees the state read after locking. */
  private locked<T>(
    store: string,
    work: (tx: ManagedTransaction, state: StoreState) => Promise<T>,
  ): Promise<T> {
    return this.session("WRITE", async (tx) => {
      const result = await tx.run(cypher("store-lock"), { store, nonce: randomUUID() });
      return work(tx, stateFromRecord(store, result.records[0]));
    });
  }

  private async state(tx: ManagedTransaction, store: string): Promise<StoreState> {
    const result = await tx.run(cypher("store-get"), { store });
    return stateFromRecord(store, result.records[0]);
  }

  /** Appends revision n+1 (and prunes the change log when due) under the lock. */
  private async commit(tx: ManagedTransaction, state: StoreState, commit: Commit): Promise<Revision> {
    const revision = state.revision + 1;
    const schemaRevision = commit.schemaRevision ?? state.schemaRevision;
    // `at` never decreases along revisions (clocks of processes may differ): pruning relies on it.
    const at = Math.max(this.options.now(), state.lastChangeAt);
    let prunedThrough = state.prunedThrough;
    const lastPrune = this.lastPruneAt.get(state.name);
    if (
      this.options.pruneIntervalMs > 0 &&
      (lastPrune === undefined || at - lastPrune >= this.options.pruneIntervalMs)
    ) {
      this.lastPruneAt.set(state.name, at);
      prunedThrough = (await this.prune(tx, state)).through;
    }
    await tx.run(cypher("store-commit"), {
      store: state.name,
      revision: int(revision),
      schemaRevision: int(schemaRevision),
      types: sortedUnion(state.types, commit.newTypes),
      resourceTypes: sortedUnion(state.resourceTypes, commit.newResourceTypes),
      at: int(at),
      prunedThrough: int(prunedThrough),
      changes: JSON.stringify(commit.changes.map((c) => ({ operation: c.operation, tuple: c.tuple }))),
      changeSchemaRevision: commit.schemaRevision === undefined ? null : int(commit.schemaRevision),
    });
    return { store: state.name, incarnation: state.incarnation, revision, schemaRevision };
  }

  /** Drops change-log records older than the retention (a prefix of revisions, `at` being monotonic). */
  private async prune(
    tx: ManagedTransaction,
    state: StoreState,
  ): Promise<{ through: number; pruned: number }> {
    const cutoff = this.options.now() - this.options.changeRetentionMs;
    let through = state.prunedThrough;
    for (let window = 0; window < PRUNE_MAX_WINDOWS && through < state.revision; window++) {
      const to = through + PRUNE_WINDOW;
      const result = await tx.run(cypher("changes-prunable"), {
        store: state.name,
        from: int(through),
        to: int(to),
        cutoff: int(cutoff),
      });
      const max = result.records[0]?.get("revision") as unknown;
      if (max === null || max === undefined) break;
      through = num(max);
      if (through < to) break;
    }
    if (through === state.prunedThrough) return { through, pruned: 0 };
    const result = await tx.run(cypher("changes-prune"), {
      store: state.name,
      from: int(state.prunedThrough),
      through: int(through),
    });
    return { through, pruned: num(result.records[0]?.get("pruned") ?? 0) };
  }

  private async schemaOf(tx: ManagedTransaction, state: StoreState): Promise<StoredSchema | undefined> {
    if (state.schemaRevision === 0) return undefined;
    const cacheKey = `${state.name}/${state.incarnation}/${state.schemaRevision}`;
    const cached = this.schemas.get(cacheKey);
    if (cached) return cached;
    const result = await tx.run(cypher("schema-get"), { store: state.name });
    const rec = result.records[0];
    if (rec === undefined) return undefined;
    const schema: StoredSchema = {
      text: str(rec.get("text")),
      format: str(rec.get("format")) === "OPENFGA" ? "OPENFGA" : "ZED",
      ir: JSON.parse(str(rec.get("ir"))) as SchemaIR,
      schemaRevision: num(rec.get("schemaRevision")),
    };
    // Only cache what matches the head read in this transaction (a schema write may have landed since).
    if (schema.schemaRevision === state.schemaRevision) {
      if (this.schemas.size >= SCHEMA_CACHE_SIZE) this.schemas.clear();
      this.schemas.set(cacheKey, schema);
    }
    return schema;
  }

  /** Creates the uniqueness constraints a schema's types and relations need (idempotent, race-safe). */
  private async ensureConstraints(ir: SchemaIR): Promise<void> {
    const labels = ir.definitions.map((d) => d.name).filter((l) => !this.ensuredLabels.has(l));
    const relations = [
      ...new Set(
        ir.definitions.flatMap((d) => d.members.filter((m) => m.kind === "relation").map((m) => m.name)),
      ),
    ].filter((r) => !this.ensuredRelations.has(r));
    if (labels.length === 0 && relations.length === 0) return;
    // One look at what exists, then DDL only for what is missing (DDL is slow and takes schema locks).
    const shown = await this.session("READ", (tx) => tx.run(cypher("constraints-show")));
    for (const rec of shown.records) {
      const names = strings(rec.get("labelsOrTypes"));
      const props = strings(rec.get("properties")).join();
      if (names.length !== 1) continue;
      if (rec.get("type") === "UNIQUENESS" && props === "store,id") this.ensuredLabels.add(names[0]!);
      if (rec.get("type") === "RELATIONSHIP_UNIQUENESS" && props === "key")
        this.ensuredRelations.add(names[0]!);
    }
    for (const type of labels) {
      if (this.ensuredLabels.has(type)) continue;
      await this.ddl(cypher("constraint-object", { type }));
      this.ensuredLabels.add(type);
    }
    for (const relation of relations) {
      if (this.ensuredRelations.has(relation)) continue;
      await this.ddl(cypher("constraint-relation", { relation }));
      this.ensuredRelations.add(relation);
    }
  }

  /** One DDL statement; an equivalent constraint created by a racing process counts as success. */
  private async ddl(statement: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.session("WRITE", (tx) => tx.run(statement));
        return;
      } catch (e) {
        const cause = e instanceof Error ? (e.cause ?? e) : e;
        if (isEquivalentSchemaRace(cause)) return;
        if ((isTransient(cause) || isTransient(e)) && attempt < 5) {
          await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
          continue;
        }
        throw e;
      }
    }
  }

  private async checkPreconditions(
    tx: ManagedTransaction,
    state: StoreState,
    preconditions: readonly NormalisedFilter[],
    ops: readonly ("MUST_MATCH" | "MUST_NOT_MATCH")[],
    dialect: SchemaIR["origin"],
  ): Promise<void> {
    preconditions.forEach((filter, i) => checkFilterSyntax(filter, dialect, `preconditions[${i}].filter`));
    for (const [i, filter] of preconditions.entries()) {
      const op = ops[i] ?? "MUST_MATCH";
      const any = (await this.match(tx, state, filter, undefined, 1)).length > 0;
      if (any !== (op === "MUST_MATCH")) throw preconditionFailed(i, op, filter);
    }
  }

  /**
   * Tuples matching `filter` after keyset position `after`, in the total order, at most `limit`.
   * Walks the store's resource types in order (a label per query, so every query can use the
   * type's (store, id) index), anchoring on the subject when it is the selective side.
   */
  private async match(
    tx: ManagedTransaction,
    state: StoreState,
    filter: NormalisedFilter,
    after: OrderKey | undefined,
    limit: number,
  ): Promise<Tuple[]> {
    if (
      filter.resourceId !== undefined &&
      filter.resourceIdPrefix !== undefined &&
      !filter.resourceId.startsWith(filter.resourceIdPrefix)
    )
      return [];
    if (filter.subjectType !== undefined && !state.types.includes(filter.subjectType)) return [];
    const types = [...state.resourceTypes]
      .filter((t) => filter.resourceType === undefined || t === filter.resourceType)
      .filter((t) => after === undefined || compareText(t, after[0]) >= 0)
      .sort(compareText);
    const bySubject =
      filter.subjectType !== undefined && filter.subjectId !== undefined && filter.resourceId === undefined;
    const out: Tuple[] = [];
    for (const type of types) {
      const remaining = limit - out.length;
      if (remaining <= 0) break;
      const within = after !== undefined && after[0] === type ? after : undefined;
      const names = { resource: type, relation: filter.relation, subject: filter.subjectType };
      const params = {
        store: state.name,
        idPrefix: filter.resourceId ?? filter.resourceIdPrefix ?? "",
        seekFrom: within ? orderSafePrefix(within[1]) : "",
        resourceId: filter.resourceId ?? null,
        subjectId: filter.subjectId ?? null,
        subjectRelation: filter.subjectRelation ?? null,
        after: within
          ? {
              resourceId: within[1],
              relation: within[2],
              subjectType: within[3],
              subjectId: within[4],
              subjectRelation: within[5],
            }
          : null,
        limit: int(remaining),
      };
      const sorted = async (template: TemplateName) => {
        const result = await tx.run(cypher(template, names), params);
        for (const rec of result.records) out.push(tupleFromRecord(type, rec));
      };
      // A subject anchors the query when it is the selective side (its degree bounds the work); an id
      // or prefix narrows the resources to a small index range (sorting it is cheap); otherwise walk
      // the type in windows, so paging through a whole store costs a page per page.
      if (bySubject) await sorted("tuples-by-subject");
      else if (params.idPrefix !== "" || !(await this.matchWindowed(tx, type, names, params, out)))
        await sorted("tuples-by-resource-sorted");
    }
    return out;
  }

  /**
   * The fast path of `match` for one resource type: windows of resources in index order. Appends to
   * `out`; false (having appended nothing) when a window holds ids whose index order may differ from
   * the total order, so the caller must use the sorting query.
   */
  private async matchWindowed(
    tx: ManagedTransaction,
    type: string,
    names: Readonly<Record<string, string | undefined>>,
    params: Readonly<Record<string, unknown>> & { readonly limit: ReturnType<typeof int> },
    out: Tuple[],
  ): Promise<boolean> {
    const limit = params.limit.toNumber();
    const window = Math.max(limit, 64);
    const found: Tuple[] = [];
    let seekFrom = params["seekFrom"];
    let idAbove = "";
    for (;;) {
      const template = "tuples-by-resource";
      const result = await tx.run(cypher(template, names), {
        ...params,
        seekFrom,
        idAbove,
        limit: int(limit - found.length),
        window: int(window),
        unsafeId: UNSAFE_ID,
      });
      const rec = result.records[0];
      invariant(rec !== undefined, `${template} returned no row`);
      if (rec.get("unsafe") === true) return false;
      const rows = rec.get("rows") as unknown[];
      for (const row of rows) found.push(tupleFromRecord(type, mapRecord(row)));
      const windowLast = rec.get("windowLast") as unknown;
      if (found.length >= limit || num(rec.get("windowSize")) < window || typeof windowLast !== "string")
        break;
      // A full window that did not fill the page: go on after its last id (an order-safe string).
      seekFrom = windowLast;
      idAbove = windowLast;
    }
    out.push(...found);
    return true;
  }

  /** Deletes tuples by key, then the objects they leave without relationships. Returns the keys that existed. */
  private async deleteTuples(
    tx: ManagedTransaction,
    store: string,
    tuples: readonly Tuple[],
  ): Promise<Set<string>> {
    const deleted = new Set<string>();
    if (tuples.length === 0) return deleted;
    for (const [relation, group] of groupBy(tuples, (t) => t.relation)) {
      const result = await tx.run(cypher("tuples-delete", { relation }), {
        keys: group.map((t) => this.key(store, t)),
      });
      for (const rec of result.records) deleted.add(str(rec.get("key")));
    }
    const orphans = new Map<string, Set<string>>();
    const note = (type: string, id: string) => {
      let ids = orphans.get(type);
      if (!ids) orphans.set(type, (ids = new Set()));
      ids.add(id);
    };
    for (const t of tuples) {
      if (!deleted.has(this.key(store, t))) continue;
      note(t.resourceType, t.resourceId);
      note(t.subjectType, t.subjectId);
    }
    for (const [type, ids] of orphans)
      await tx.run(cypher("objects-prune", { type }), { store, ids: [...ids] });
    return deleted;
  }

  /** The relationship's `key`: a digest of everything that identifies the tuple, store included. */
  private key(store: string, t: Tuple): string {
    return createHash("sha256")
      .update(
        JSON.stringify([
          store,
          t.resourceType,
          t.resourceId,
          t.relation,
          t.subjectType,
          t.subjectId,
          t.subjectRelation,
        ]),
      )
      .digest("base64url");
  }

  private row(store: string, t: Tuple): Row {
    return {
      key: this.key(store, t),
      resourceId: t.resourceId,
      subjectId: t.subjectId,
      subjectRelation: t.subjectRelation,
      caveatName: t.caveat?.name ?? null,
      caveatContext: t.caveat ? JSON.stringify(t.caveat.context) : null,
      expiration: t.expiration ?? null,
    };
  }
}

const EMPTY_SCHEMA: SchemaIR = {
  origin: "zed",
  definitions: [],
  caveats: [],
  features: { self: false, typechecking: false, expiration: false },
};

function stateFromRecord(store: string, rec: { get(key: string): unknown } | undefined): StoreState {
  if (rec === undefined) throw storeNotFound(store);
  return {
    name: store,
    incarnation: str(rec.get("incarnation")),
    revision: num(rec.get("revision")),
    schemaRevision: num(rec.get("schemaRevision")),
    prunedThrough: num(rec.get("prunedThrough") ?? 0),
    types: strings(rec.get("types")),
    resourceTypes: strings(rec.get("resourceTypes")),
    lastChangeAt: num(rec.get("lastChangeAt") ?? 0),
  };
}

function revisionOf(state: StoreState): Revision {
  return {
    store: state.name,
    incarnation: state.incarnation,
    revision: state.revision,
    schemaRevision: state.schemaRevision,
  };
}

function int(n: number) {
  return neo4j.int(n);
}

function num(value: unknown): number {
  if (typeof value === "number") return value;
  if (neo4j.isInt(value)) return value.toNumber();
  if (typeof value === "bigint") return Number(value);
  invariant(false, `expected a number from Neo4j, got ${typeof value}`);
}

function str(value: unknown): string {
  invariant(typeof value === "string", `expected a string from Neo4j, got ${typeof value}`);
  return value;
}

function strings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  invariant(Array.isArray(value), "expected a list from Neo4j");
  return value.map(str);
}

function sortedUnion(base: readonly string[], extra: Iterable<string> | undefined): string[] {
  const all = new Set(base);
  for (const x of extra ?? []) all.add(x);
  return [...all].sort(compareText);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function tupleFromRecord(resourceType: string, rec: { get(key: string): unknown }): Tuple {
  return tupleOf(
    resourceType,
    str(rec.get("resourceId")),
    str(rec.get("relation")),
    str(rec.get("subjectType")),
    str(rec.get("subjectId")),
    str(rec.get("subjectRelation")),
    rec.get("caveatName"),
    rec.get("caveatContext"),
    rec.get("expiration"),
  );
}

/** A tuple from stored values: the caveat context is JSON text; absent traits are null. */
function tupleOf(
  resourceType: string,
  resourceId: string,
  relation: string,
  subjectType: string,
  subjectId: string,
  subjectRelation: string,
  caveatName: unknown,
  caveatContext: unknown,
  expiration: unknown,
): Tuple {
  const tuple: Tuple = { resourceType, resourceId, relation, subjectType, subjectId, subjectRelation };
  if (typeof caveatName !== "string" && typeof expiration !== "string") return tuple;
  return {
    ...tuple,
    ...(typeof caveatName === "string"
      ? {
          caveat: {
            name: caveatName,
            context: (typeof caveatContext === "string" ? JSON.parse(caveatContext) : {}) as Record<
              string,
              unknown
            >,
          },
        }
      : {}),
    ...(typeof expiration === "string" ? { expiration } : {}),
  };
}

/** A tuple as tuples-scan.cypher returns it under its resource. */
type ScanRow = readonly [string, string, string, string, unknown, unknown, unknown];

/** Resources per Bolt pull while scanning (a resource row carries all its tuples). */
const SCAN_FETCH_SIZE = 2000;

function tupleFromScanRow(resourceType: string, resourceId: string, row: ScanRow): Tuple {
  return tupleOf(resourceType, resourceId, ...row);
}

function mapRecord(row: unknown): { get(key: string): unknown } {
  invariant(row !== null && typeof row === "object", "expected a map row from Neo4j");
  const map = row as Record<string, unknown>;
  return { get: (key) => map[key] ?? null };
}

function parseChanges(json: string, revision: number): Change[] {
  const raw = JSON.parse(json) as { operation: Change["operation"]; tuple: Tuple }[];
  return raw.map((c) => ({ revision, operation: c.operation, tuple: c.tuple }));
}
