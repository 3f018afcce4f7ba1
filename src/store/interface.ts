/**
 * The tuple store: where Relgraph keeps schemas, relationships, revisions and the change log.
 * Implementations: `store/neo4j` (the product) and `store/memory` (the reference). Both run the one
 * conformance suite in test/store/conformance.
 *
 * Every method takes a store name (a tenant namespace, `[a-z][a-z0-9_-]{0,62}`); an unknown store is
 * NOT_FOUND. Errors are RelgraphError values with codes from src/errors.ts.
 *
 * Worked example. After
 *   write("default", [TOUCH document:readme#viewer@group:eng#member, TOUCH group:eng#member@user:alice])
 * the store is at revision n+1 and
 *   read("default", {resourceType: "document", relation: "viewer"})   → [document:readme#viewer@group:eng#member]
 *   read("default", {subjectType: "user", subjectId: "alice"})        → [group:eng#member@user:alice]
 *   changes("default", n)  → [{revision: n+1, operation: "TOUCH", tuple: ...} × 2]
 */
import type { StoreClock } from "./clock.ts";
import type { RelationshipFilter } from "../model/filter.ts";
import type { ObjectRef, Tuple } from "../model/tuple.ts";

export type { RelationshipFilter } from "../model/filter.ts";
import type { SchemaIR } from "../typesystem/ir.ts";

export const STORE_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
export const DEFAULT_STORE = "default";

export type UpdateOperation = "CREATE" | "TOUCH" | "DELETE";
export type SchemaFormat = "ZED" | "OPENFGA";

export interface RelationshipUpdate {
  readonly operation: UpdateOperation;
  readonly tuple: Tuple;
}

export interface Precondition {
  readonly operation: "MUST_MATCH" | "MUST_NOT_MATCH";
  readonly filter: RelationshipFilter;
}

/** Identity of a store's state: tokens encode it. A new `incarnation` on every createStore. */
export interface Revision {
  readonly store: string;
  readonly incarnation: string;
  readonly revision: number;
  readonly schemaRevision: number;
}

/** What deleteExpired removed: how many, and the revision that recorded it (absent when none). */
export interface ExpiredDeletion {
  readonly deletedCount: number;
  readonly revision?: Revision;
}

export interface StoreInfo {
  readonly name: string;
  readonly incarnation: string;
  readonly revision: number;
  readonly schemaRevision: number;
}

export interface StoredSchema {
  readonly text: string;
  readonly format: SchemaFormat;
  readonly ir: SchemaIR;
  readonly schemaRevision: number;
}

export interface WriteRequest {
  readonly updates: readonly RelationshipUpdate[];
  readonly preconditions?: readonly Precondition[];
}

export interface DeleteRequest {
  readonly filter: RelationshipFilter;
  readonly preconditions?: readonly Precondition[];
  /** Defaults to the store's configured default (1,000); never above the configured maximum. */
  readonly limit?: number;
  readonly allowPartial?: boolean;
}

export interface DeleteResult {
  readonly revision: Revision;
  readonly deletedCount: number;
  /** false when allowPartial stopped at the limit with more matches left. */
  readonly complete: boolean;
}

export interface ReadPage {
  readonly tuples: readonly Tuple[];
  /** Opaque; absent on the last page. */
  readonly nextCursor?: string;
  /** The revision the page was read at. */
  readonly readAt: Revision;
  /** A write committed since the walk's first page: entries may be missing or extra. */
  readonly staleCursor: boolean;
}

/** Options of `TupleStore.scan`. */
export interface ScanOptions {
  /** Tuples per batch, about (one resource's tuples stay together); 1 to 100,000, default 10,000. */
  readonly batchSize?: number;
}

export interface Change {
  readonly revision: number;
  /** TOUCH for a tuple that now exists, DELETE for one that is gone (CREATE is recorded as TOUCH). */
  readonly operation: "TOUCH" | "DELETE";
  readonly tuple: Tuple;
}

/** A schema change, recorded in the change log so followers reload the schema. */
export interface SchemaChange {
  readonly schemaRevision: number;
  readonly revision: number;
}

export interface ChangePage {
  readonly changes: readonly Change[];
  /** Revisions whose schema changed, in the range of this page. */
  readonly schemaChanges: readonly SchemaChange[];
  /** The last revision this page fully covers; pass it as `afterRevision` for the next page. */
  readonly throughRevision: number;
  readonly head: Revision;
  /** true when the page reached the head. */
  readonly complete: boolean;
}

/**
 * What one check reads from a store that answers reachability itself (Neo4j:
 * cypher/reach-closure.cypher): from `starts`, every object reachable over structural tuples
 * (userset subjects and the `tuplesets` arrows walk), with their structural tuples and those naming
 * one of `subjects` (or, with `all`, every tuple of every reached object).
 *
 * Example: starts [document:readme], subjects ["user:alice", "user:*"], tuplesets ["parent"] over
 *   document:readme#parent@folder:f, folder:f#viewer@group:eng#member, group:eng#member@user:alice,
 *   group:eng#member@user:bob
 * → the first three tuples (bob's is neither structural nor about alice).
 */
export interface ClosureRequest {
  readonly store: string;
  /** The resource and the objects of contextual tuples. */
  readonly starts: readonly ObjectRef[];
  /** `type:id` of the subject and its wildcard `type:*`; ignored when `all`. */
  readonly subjects: readonly string[];
  /** Relations that arrows walk (from the schema). */
  readonly tuplesets: readonly string[];
  /** Every tuple of every reached object (expand, subjects), not only the structural ones. */
  readonly all?: boolean;
}

/**
 * What one lookupResources reads (Neo4j: cypher/reach-reverse.cypher): from `starts` (the
 * subject's object, its type's wildcard, contextual tuples' resources), every object that reaches
 * them backwards over structural tuples, with its structural tuples and those naming `subjects`.
 */
export interface ReverseRequest {
  readonly store: string;
  readonly starts: readonly ObjectRef[];
  /** `type:id` of the subject and its wildcard `type:*` (none for a userset subject). */
  readonly subjects: readonly string[];
  readonly tuplesets: readonly string[];
}

/** Tuples read in one query, with the store revision they were read at (at least). */
export interface SubgraphRows {
  readonly tuples: readonly Tuple[];
  readonly revision: Revision;
}

/** Counters of a SubgraphReader (cumulative). */
export interface SubgraphReaderStats {
  /** Statements sent (round trips). */
  queries: number;
  /** closure() and reverse() calls answered. */
  requests: number;
}

/**
 * Optional capability of a store that evaluates reachability where the tuples are (the Neo4j store):
 * what the Cypher evaluator reads instead of holding a projection. Every method is one round trip
 * per start type whatever the depth; NOT_FOUND for an unknown store.
 */
export interface SubgraphReader {
  readonly stats: SubgraphReaderStats;
  /**
   * One answer per start type. Calls made in the same tick share queries: checks batched into one
   * query receive the same answer object (a superset of what each reads).
   */
  closure(request: ClosureRequest): Promise<readonly SubgraphRows[]>;
  /** One answer per start type. */
  reverse(request: ReverseRequest): Promise<readonly SubgraphRows[]>;
  /** Is `target` reachable from `start` over tuples whose relations are all in `relations`? */
  reachable(
    store: string,
    start: ObjectRef,
    relations: readonly string[],
    target: ObjectRef,
  ): Promise<{ reachable: boolean; hops: number }>;
  /** Tuples stored in a store (the memory budget's measure of it). */
  tupleCount(store: string): Promise<number>;
}

/**
 * Whether the store's backend is reachable: Neo4j's circuit breaker (neo4j/health.ts). While
 * `down`, calls that need the backend answer UNAVAILABLE at once.
 * Example: after Neo4j is killed, `down` turns true within a probe (≤ 1.5 s), `probe()` resolves
 * false; once it is back, the next probe resolves true and `down` is false again.
 */
export interface StoreHealth {
  readonly down: boolean;
  /** Asks the backend now, over connections of its own, with a short timeout; true when it answered. */
  probe(): Promise<boolean>;
}

export interface TupleStore {
  readonly kind: "memory" | "neo4j";
  /** Present when the store can answer reachability reads itself (the Cypher evaluator uses it). */
  readonly subgraphs?: SubgraphReader;
  /** Present when the backend can be unreachable (Neo4j); absent: always reachable (memory). */
  readonly health?: StoreHealth;
  /**
   * The same store, read over connections request load cannot take: what change-log followers
   * (projections) poll and load from. Absent: the store itself.
   */
  readonly follower?: TupleStore;
  /**
   * The secret consistency tokens are signed with, the same for every process on this store:
   * `RELGRAPH_TOKEN_SECRET` when set (StoreOptions.tokenSecret), else created once and kept with
   * the data (Neo4j: a `_Secret` node; memory: random per store object, which lives in one process).
   * Example: two servers on one Neo4j both read the `_Secret` value, so a token from one is
   * accepted by the other.
   */
  readonly tokenSecret: string;
  /**
   * The store's clock, by which relationships expire (Neo4j: its `datetime()`, sampled by head
   * reads and change-log polls; clock.ts). Absent: this process's clock (the memory store).
   */
  readonly clock?: StoreClock;

  createStore(name: string): Promise<StoreInfo>;
  deleteStore(name: string): Promise<void>;
  listStores(): Promise<StoreInfo[]>;
  /** NOT_FOUND when absent. */
  head(store: string): Promise<Revision>;

  /**
   * Stores a validated schema: a new schemaRevision (and revision). Refused with
   * FAILED_PRECONDITION (with the count of offending tuples) when it removes a type or relation
   * still holding tuples, or narrows subject types stored tuples use — except for OpenFGA-origin
   * models, whose misfit tuples are ignored by evaluation instead.
   */
  writeSchema(store: string, schema: { text: string; format: SchemaFormat; ir: SchemaIR }): Promise<Revision>;
  readSchema(store: string): Promise<StoredSchema | undefined>;

  /**
   * One atomic batch (≤ 1,000 updates, ≤ 1,000 preconditions), validated against the store's schema,
   * serialised per store: commits revision n+1 and appends its changes to the change log.
   *
   * Example, at revision 7 with `document:a#owner@user:x` stored:
   *   write(s, {updates: [CREATE document:a#viewer@user:y, DELETE document:a#viewer@user:gone],
   *             preconditions: [{operation: "MUST_MATCH", filter: {resourceId: "a", relation: "owner"}}]})
   *     → revision 8; changes(s, 7) = [TOUCH document:a#viewer@user:y] (deleting an absent tuple is a no-op)
   *   the same CREATE again → ALREADY_EXISTS (nothing applied); > 1,000 updates or preconditions →
   *   RESOURCE_EXHAUSTED; the same tuple twice in one batch or a bad id → INVALID_ARGUMENT; a
   *   permission or disallowed subject →
   *   SCHEMA_VIOLATION; a failed precondition → FAILED_PRECONDITION naming `preconditions[i]`.
   */
  write(store: string, request: WriteRequest): Promise<Revision>;
  /**
   * Deletes the matches of a filter, in the total order, in one revision.
   * Example with 10 tuples on `user:x`: {filter: {subjectId: "x"}, limit: 4} → FAILED_PRECONDITION;
   * with allowPartial → {deletedCount: 4, complete: false}; again with limit 6 → {6, complete: true}.
   */
  deleteByFilter(store: string, request: DeleteRequest): Promise<DeleteResult>;

  /**
   * Deletes up to `limit` relationships whose expiration has passed by the store's clock, in one
   * revision whose change log records each as a DELETE (the background pruning of expired
   * relationships; evaluation already ignores them from the instant they expire).
   * Example: `doc:1#viewer@user:a[expiration:2020-01-01T00:00:00Z]` and an unexpired tuple stored →
   * deleteExpired(s, 1000) → {deletedCount: 1, revision: n+1}; again → {deletedCount: 0} (no revision).
   */
  deleteExpired(store: string, limit: number): Promise<ExpiredDeletion>;

  /**
   * Keyset-paginated read on a total order (first ≤ 1,000; RESOURCE_EXHAUSTED above): by
   * (resourceType, resourceId, relation, subjectType, subjectId, subjectRelation), UTF-16 order.
   * Example: read(s, {resourceType: "document", subjectId: "x"}, {first: 2}) → two tuples and a
   * nextCursor; read(s, same filter, {first: 2, after: nextCursor}) → the next ones. A cursor only
   * continues its own filter and store (else INVALID_ARGUMENT). Pages read after a write committed
   * since the walk began say `staleCursor: true`; tuples present for the whole walk appear once.
   */
  read(store: string, filter: RelationshipFilter, page: { first: number; after?: string }): Promise<ReadPage>;

  /**
   * Every tuple of the store, in batches, in no particular order: the bulk read a projection loads
   * from (one streamed query per resource type, instead of `read`'s sorted page per transaction).
   * Not a snapshot: a tuple written or deleted while the scan runs may or may not be seen, so a
   * caller reads the head before and replays the change log after it (engine/projection does).
   * Without concurrent writes every tuple comes exactly once.
   * Example: a store of 25,000 tuples, scan(s, {batchSize: 10_000}) → three batches of about
   * 10,000, 10,000 and 5,000 whose union is the 25,000. NOT_FOUND for an unknown store;
   * INVALID_ARGUMENT for a batch size outside 1..100,000.
   */
  scan(store: string, options?: ScanOptions): AsyncIterable<readonly Tuple[]>;

  /**
   * The change log after `afterRevision` (exclusive), oldest first, in whole revisions (a page holds
   * at least one; it stops before the revision that would take it past `limit` changes).
   * FAILED_PRECONDITION if pruned; INVALID_ARGUMENT beyond the head.
   * Example: changes(s, 0, 100) → {changes: [...], schemaChanges: [{schemaRevision: 1, revision: 1}],
   * throughRevision: 8, complete: true}; followers call again with afterRevision = throughRevision.
   */
  changes(store: string, afterRevision: number, limit: number): Promise<ChangePage>;

  /**
   * Drops change-log revisions older than the retention (default 24 h) and returns how many were
   * dropped. Writes also prune, at most once per `pruneIntervalMs`; this is for timers and tests.
   * Example: retention 24 h, revisions 1..5 written two days ago, 6 just now → returns 5, and
   * `changes(store, 4, n)` is then FAILED_PRECONDITION while `changes(store, 5, n)` returns [6].
   */
  pruneChanges(store: string): Promise<number>;

  close(): Promise<void>;
}
