/**
 * The memory store: the reference implementation of TupleStore. Tuples live in the engine's
 * TupleIndex (the one in-memory index of the codebase); the change log is an array of revisions.
 * Every operation runs synchronously between awaits, so each write is atomic and writes to a store
 * are serialised for free.
 *
 * It is the `memory` backend of validation files and the yardstick the Neo4j store is held to by
 * the conformance suite (test/store/conformance).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { invalidArgument, unreachable } from "../../errors.ts";
import type { Tuple } from "../../model/tuple.ts";
import { TupleIndex } from "../../model/tupleIndex.ts";
import type { SchemaIR } from "../../typesystem/ir.ts";
import type {
  Change,
  ChangePage,
  DeleteRequest,
  DeleteResult,
  ExpiredDeletion,
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
  stripTraits,
  relationshipAlreadyExists,
  revisionBeyondHead,
  storeAlreadyExists,
  storeNotFound,
} from "../common.ts";
import { decodeCursor, encodeCursor, filterFingerprint } from "../cursor.ts";
import type { StoreOptions, ResolvedStoreOptions } from "../options.ts";
import { resolveStoreOptions } from "../options.ts";
import { compareKeys, compareTuples, orderKey } from "../order.ts";
import { checkTupleAgainstSchema, subjectSignature } from "../schemaCheck.ts";
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
  filterMatches,
  precheckFilter,
  precheckPreconditions,
  precheckWrite,
} from "../validate.ts";

interface StoreRecord {
  readonly name: string;
  readonly incarnation: string;
  revision: number;
  schemaRevision: number;
  schema: StoredSchema | undefined;
  readonly tuples: TupleIndex;
  log: LogEntry[];
  /** Highest revision whose changes were pruned (0: none). */
  prunedThrough: number;
  lastPruneAt: number;
}

export class MemoryTupleStore implements TupleStore {
  readonly kind = "memory" as const;
  private readonly stores = new Map<string, StoreRecord>();
  private readonly options: ResolvedStoreOptions;
  readonly tokenSecret: string;

  constructor(options: StoreOptions = {}) {
    this.options = resolveStoreOptions(options);
    this.tokenSecret = options.tokenSecret ?? randomBytes(32).toString("base64url");
    this.stores.set(DEFAULT_STORE, this.newRecord(DEFAULT_STORE));
  }

  async createStore(name: string): Promise<StoreInfo> {
    const store = checkStoreName(name);
    if (this.stores.has(store)) throw storeAlreadyExists(store);
    const rec = this.newRecord(store);
    this.stores.set(store, rec);
    return info(rec);
  }

  async deleteStore(name: string): Promise<void> {
    const store = checkStoreName(name);
    if (store === DEFAULT_STORE) throw defaultStoreUndeletable();
    if (!this.stores.delete(store)) throw storeNotFound(store);
  }

  async listStores(): Promise<StoreInfo[]> {
    return [...this.stores.values()].map(info).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async head(store: string): Promise<Revision> {
    return revisionOf(this.record(store));
  }

  async writeSchema(
    store: string,
    schema: { text: string; format: SchemaFormat; ir: SchemaIR },
  ): Promise<Revision> {
    const args = checkSchemaArgs(store, schema);
    const rec = this.record(args.store);
    const impact = schemaImpact(rec.schema?.ir, args.ir);
    const offenders: Offender[] = [];
    for (const r of impact.removed) {
      const count = countOf(rec.tuples.match({ resourceType: r.type, relation: r.relation }));
      offenders.push({ type: r.type, relation: r.relation, reason: r.reason, count });
    }
    for (const n of impact.narrowed) {
      const bySignature = new Map<string, SignatureCount>();
      for (const t of rec.tuples.match({ resourceType: n.type, relation: n.relation })) {
        const signature = subjectSignature(t);
        const key = JSON.stringify(signature);
        bySignature.set(key, { signature, count: (bySignature.get(key)?.count ?? 0) + 1 });
      }
      offenders.push(...narrowedOffenders(n, [...bySignature.values()]));
    }
    const refusal = schemaRefusal(offenders);
    if (refusal) throw refusal;
    rec.revision++;
    rec.schemaRevision++;
    rec.schema = { text: args.text, format: args.format, ir: args.ir, schemaRevision: rec.schemaRevision };
    rec.log.push({
      revision: rec.revision,
      at: this.stamp(rec),
      changes: [],
      schemaRevision: rec.schemaRevision,
    });
    return revisionOf(rec);
  }

  async readSchema(store: string): Promise<StoredSchema | undefined> {
    return this.record(store).schema;
  }

  async write(store: string, request: WriteRequest): Promise<Revision> {
    const name = checkStoreName(store);
    const { updates, preconditions, preconditionOps } = precheckWrite(request);
    const rec = this.record(name);
    const dialect = rec.schema?.ir.origin ?? "zed";
    const ir = rec.schema?.ir ?? EMPTY_SCHEMA;
    updates.forEach((u, i) => {
      checkTupleSyntax(u.tuple, dialect, `updates[${i}].tuple`);
      // Deletes are not schema-checked: misfit tuples (OpenFGA-origin models) must stay deletable.
      if (u.operation !== "DELETE") checkTupleAgainstSchema(ir, u.tuple, `updates[${i}].tuple`);
    });
    this.checkPreconditions(rec, preconditions, preconditionOps, dialect);
    updates.forEach((u, i) => {
      if (u.operation === "CREATE" && rec.tuples.has(u.tuple)) throw relationshipAlreadyExists(u.tuple, i);
    });
    // Everything is checked: from here on nothing throws, so the batch applies as a whole.
    const changes: Change[] = [];
    for (const u of updates) {
      switch (u.operation) {
        case "CREATE":
        case "TOUCH":
          rec.tuples.add(u.tuple);
          changes.push({ revision: rec.revision + 1, operation: "TOUCH", tuple: u.tuple });
          break;
        case "DELETE":
          if (rec.tuples.remove(u.tuple))
            changes.push({ revision: rec.revision + 1, operation: "DELETE", tuple: stripTraits(u.tuple) });
          break;
        default:
          unreachable(u.operation, "update operation");
      }
    }
    return this.commit(rec, changes);
  }

  async deleteByFilter(store: string, request: DeleteRequest): Promise<DeleteResult> {
    const name = checkStoreName(store);
    if (request === null || typeof request !== "object")
      throw invalidArgument("request: expected a delete request");
    const filter = precheckFilter(request.filter);
    const { preconditions, preconditionOps } = precheckPreconditions(request.preconditions ?? []);
    const limit = checkDeleteLimit(request.limit, this.options);
    const rec = this.record(name);
    const dialect = rec.schema?.ir.origin ?? "zed";
    checkFilterSyntax(filter, dialect);
    this.checkPreconditions(rec, preconditions, preconditionOps, dialect);
    const matches = this.matching(rec, filter).sort(compareTuples);
    if (matches.length > limit && request.allowPartial !== true) throw deleteLimitExceeded(limit, filter);
    const doomed = matches.slice(0, limit);
    const changes: Change[] = [];
    for (const t of doomed) {
      rec.tuples.remove(t);
      changes.push({ revision: rec.revision + 1, operation: "DELETE", tuple: stripTraits(t) });
    }
    const revision = this.commit(rec, changes);
    return { revision, deletedCount: doomed.length, complete: matches.length <= limit };
  }

  async deleteExpired(store: string, limit: number): Promise<ExpiredDeletion> {
    const rec = this.record(checkStoreName(store));
    const now = Date.now();
    const doomed: Tuple[] = [];
    for (const { tuple, expiresAt } of rec.tuples.expiring()) {
      if (doomed.length >= limit) break;
      if (expiresAt <= now) doomed.push(tuple);
    }
    if (doomed.length === 0) return { deletedCount: 0 };
    const changes: Change[] = [];
    for (const t of doomed) {
      rec.tuples.remove(t);
      changes.push({ revision: rec.revision + 1, operation: "DELETE", tuple: stripTraits(t) });
    }
    return { deletedCount: doomed.length, revision: this.commit(rec, changes) };
  }

  async read(
    store: string,
    filter: RelationshipFilter,
    page: { first: number; after?: string },
  ): Promise<ReadPage> {
    const name = checkStoreName(store);
    const first = checkPageSize(page?.first);
    const f = precheckFilter(filter);
    const rec = this.record(name);
    checkFilterSyntax(f, rec.schema?.ir.origin ?? "zed");
    const fingerprint = filterFingerprint(f);
    const cursor =
      page.after === undefined
        ? undefined
        : decodeCursor(page.after, { store: name, incarnation: rec.incarnation, filter: fingerprint });
    let matches = this.matching(rec, f);
    if (cursor) matches = matches.filter((t) => compareKeys(orderKey(t), cursor.last) > 0);
    matches.sort(compareTuples);
    const tuples = matches.slice(0, first);
    const readAt = revisionOf(rec);
    const startRevision = cursor?.startRevision ?? readAt.revision;
    const last = tuples[tuples.length - 1];
    return {
      tuples,
      ...(matches.length > first && last !== undefined
        ? {
            nextCursor: encodeCursor({
              store: name,
              incarnation: rec.incarnation,
              startRevision,
              filter: fingerprint,
              last: orderKey(last),
            }),
          }
        : {}),
      readAt,
      staleCursor: cursor !== undefined && readAt.revision > cursor.startRevision,
    };
  }

  async *scan(store: string, options: ScanOptions = {}): AsyncIterable<readonly Tuple[]> {
    const batchSize = checkScanBatchSize(options.batchSize);
    // Copied at the start: the caller awaits between batches, and writes may run meanwhile.
    const all = [...this.record(store).tuples.match({})];
    for (let i = 0; i < all.length; i += batchSize) yield all.slice(i, i + batchSize);
  }

  async changes(store: string, afterRevision: number, limit: number): Promise<ChangePage> {
    const name = checkStoreName(store);
    const args = checkChangesArgs(afterRevision, limit);
    const rec = this.record(name);
    if (args.afterRevision > rec.revision) throw revisionBeyondHead(args.afterRevision, rec.revision);
    if (args.afterRevision < rec.prunedThrough)
      throw changesPruned(name, args.afterRevision, rec.prunedThrough);
    const page = pageOfLog(rec.log, args.afterRevision, args.limit);
    return { ...page, head: revisionOf(rec), complete: page.throughRevision === rec.revision };
  }

  async pruneChanges(store: string): Promise<number> {
    return this.prune(this.record(store));
  }

  async close(): Promise<void> {}

  // ───────────────────────────── internals ─────────────────────────────

  private newRecord(name: string): StoreRecord {
    return {
      name,
      incarnation: randomUUID(),
      revision: 0,
      schemaRevision: 0,
      schema: undefined,
      tuples: new TupleIndex(),
      log: [],
      prunedThrough: 0,
      lastPruneAt: this.options.now(),
    };
  }

  private record(store: string): StoreRecord {
    const name = checkStoreName(store);
    const rec = this.stores.get(name);
    if (rec === undefined) throw storeNotFound(name);
    return rec;
  }

  private matching(rec: StoreRecord, filter: NormalisedFilter): Tuple[] {
    const out: Tuple[] = [];
    // The index already applies every field; filterMatches is the shared definition, kept as a guard.
    for (const t of rec.tuples.match(filter)) if (filterMatches(filter, t)) out.push(t);
    return out;
  }

  private checkPreconditions(
    rec: StoreRecord,
    preconditions: readonly NormalisedFilter[],
    ops: readonly ("MUST_MATCH" | "MUST_NOT_MATCH")[],
    dialect: SchemaIR["origin"],
  ): void {
    preconditions.forEach((filter, i) => checkFilterSyntax(filter, dialect, `preconditions[${i}].filter`));
    preconditions.forEach((filter, i) => {
      const op = ops[i] ?? "MUST_MATCH";
      const any = !rec.tuples.match(filter).next().done;
      if (any !== (op === "MUST_MATCH")) throw preconditionFailed(i, op, filter);
    });
  }

  private commit(rec: StoreRecord, changes: Change[]): Revision {
    rec.revision++;
    const now = this.stamp(rec);
    rec.log.push({ revision: rec.revision, at: now, changes });
    if (this.options.pruneIntervalMs > 0 && now - rec.lastPruneAt >= this.options.pruneIntervalMs)
      this.prune(rec);
    return revisionOf(rec);
  }

  /** Change-log time: never decreasing along revisions, which pruning relies on. */
  private stamp(rec: StoreRecord): number {
    const last = rec.log[rec.log.length - 1];
    return Math.max(this.options.now(), last?.at ?? 0);
  }

  private prune(rec: StoreRecord): number {
    const now = this.options.now();
    rec.lastPruneAt = now;
    const cutoff = now - this.options.changeRetentionMs;
    let n = 0;
    while (n < rec.log.length && rec.log[n]!.at < cutoff) n++;
    if (n === 0) return 0;
    rec.prunedThrough = rec.log[n - 1]!.revision;
    rec.log = rec.log.slice(n);
    return n;
  }
}

const EMPTY_SCHEMA: SchemaIR = {
  origin: "zed",
  definitions: [],
  caveats: [],
  features: { self: false, typechecking: false, expiration: false },
};

function revisionOf(rec: StoreRecord): Revision {
  return {
    store: rec.name,
    incarnation: rec.incarnation,
    revision: rec.revision,
    schemaRevision: rec.schemaRevision,
  };
}

function info(rec: StoreRecord): StoreInfo {
  return {
    name: rec.name,
    incarnation: rec.incarnation,
    revision: rec.revision,
    schemaRevision: rec.schemaRevision,
  };
}

function countOf(it: Iterable<unknown>): number {
  let n = 0;
  for (const _ of it) n++;
  return n;
}
