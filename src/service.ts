/**
 * The operations Relgraph offers, independent of transport: the GraphQL API and the CLI translate
 * requests into these calls and results into responses (they hold no logic of their own).
 * `createRelgraph` (src/relgraph.ts) implements it over a TupleStore and the engine.
 *
 * Every method rejects with a RelgraphError (src/errors.ts) for anything the caller can fix.
 */
import type { ObjectRef, SubjectRef, Tuple } from "./language/tuple.ts";
import type { Diagnostic } from "./typesystem/diagnostic.ts";
import type { SchemaIR } from "./typesystem/ir.ts";
import type {
  Change,
  Precondition,
  RelationshipFilter,
  RelationshipUpdate,
  SchemaFormat,
  StoreInfo,
} from "./store/interface.ts";

/** How fresh a read must be (SpiceDB's consistency modes). Tokens are opaque strings. */
export type Consistency =
  | { readonly kind: "minimizeLatency" }
  | { readonly kind: "atLeastAsFresh"; readonly token: string }
  | { readonly kind: "atExactSnapshot"; readonly token: string }
  | { readonly kind: "fullyConsistent" };

export type Permissionship = "NO_PERMISSION" | "HAS_PERMISSION" | "CONDITIONAL_PERMISSION";

export interface WriteOutcome {
  readonly token: string;
}

export interface SchemaWriteOutcome extends WriteOutcome {
  readonly warnings: readonly Diagnostic[];
}

export interface DeleteOutcome extends WriteOutcome {
  readonly deletedCount: number;
  readonly complete: boolean;
}

export interface SchemaView {
  readonly text: string;
  readonly format: SchemaFormat;
  readonly ir: SchemaIR;
  readonly schemaRevision: number;
}

export interface RelationshipsPage {
  readonly tuples: readonly Tuple[];
  readonly endCursor?: string;
  readonly hasNextPage: boolean;
  readonly readAt: string;
  readonly staleCursor: boolean;
}

export interface ChangesPage {
  readonly changes: readonly Change[];
  readonly endCursor?: string;
  readonly hasNextPage: boolean;
  readonly token: string;
}

export interface CheckRequest {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly contextualTuples?: readonly Tuple[];
}

export interface CheckOutcome {
  readonly permissionship: Permissionship;
  /** Token of the revision the answer was computed at. */
  readonly checkedAt: string;
}

export interface BulkCheckItemOutcome {
  readonly permissionship?: Permissionship;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * One subject of `resource#permission` found by recursive expansion (what `zed validate`'s
 * `validation:` blocks list): `user:tom`, a userset `group:eng#member`, or a wildcard `user:*` with
 * the subjects excluded from it. `relations` justify it: the `<resource#relation>` of each
 * relationship that holds it, e.g. `document:firstdoc#writer`.
 */
export interface ExpandedSubject {
  readonly subject: SubjectRef;
  readonly excluded: readonly SubjectRef[];
  readonly relations: readonly ObjectRelation[];
  /** Held only under a caveat. */
  readonly conditional: boolean;
}

export interface ObjectRelation {
  readonly resource: ObjectRef;
  readonly relation: string;
}

export interface RelgraphService {
  createStore(name: string): Promise<StoreInfo>;
  deleteStore(name: string): Promise<void>;
  stores(): Promise<StoreInfo[]>;

  /** Compiles and stores a schema; INVALID_SCHEMA carries `details.diagnostics`. */
  writeSchema(store: string, text: string, format: SchemaFormat): Promise<SchemaWriteOutcome>;
  readSchema(store: string): Promise<SchemaView | undefined>;

  writeRelationships(
    store: string,
    updates: readonly RelationshipUpdate[],
    preconditions?: readonly Precondition[],
  ): Promise<WriteOutcome>;
  deleteRelationships(
    store: string,
    filter: RelationshipFilter,
    options?: { preconditions?: readonly Precondition[]; limit?: number; allowPartial?: boolean },
  ): Promise<DeleteOutcome>;
  relationships(
    store: string,
    filter: RelationshipFilter,
    page: { first: number; after?: string; consistency?: Consistency },
  ): Promise<RelationshipsPage>;
  changes(store: string, page: { first: number; after?: string }): Promise<ChangesPage>;

  check(store: string, request: CheckRequest, consistency?: Consistency): Promise<CheckOutcome>;
  checkBulk(
    store: string,
    checks: readonly CheckRequest[],
    consistency?: Consistency,
  ): Promise<{ readonly results: readonly BulkCheckItemOutcome[]; readonly checkedAt: string }>;

  /** Every subject of `resource#permission` by recursive expansion (validation files, expand). */
  subjects(
    store: string,
    resource: ObjectRef,
    permission: string,
    consistency?: Consistency,
  ): Promise<readonly ExpandedSubject[]>;

  /** Neo4j reachable and the default store loaded: what /readyz reports. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
