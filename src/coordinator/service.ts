/**
 * The operations Relgraph offers, independent of transport: the GraphQL API, the CLI and library
 * users call these, and map results to responses (they hold no logic of their own).
 * `Relgraph` (coordinator/relgraph.ts) implements it over a TupleStore and the engine.
 *
 * Request and result types the engine already declares are the service's types (re-exported here,
 * never restated): CheckRequest, the lookup requests, Permissionship, expand nodes and proof steps.
 *
 * Every method rejects with a RelgraphError (src/errors.ts) for anything the caller can fix.
 */
import type { CheckRequest } from "../engine/check.ts";
import type { ExpandNode } from "../engine/expand.ts";
import type { Proof } from "../engine/explain.ts";
import type { LookupResourcesRequest } from "../engine/lookup/resources.ts";
import type { LookupSubjectsRequest } from "../engine/lookup/subjects.ts";
import type { Permissionship } from "../engine/result.ts";
import type { ObjectRef, SubjectRef, Tuple } from "../model/tuple.ts";
import type { Diagnostic } from "../typesystem/diagnostic.ts";
import type { SchemaIR } from "../typesystem/ir.ts";
import type {
  Change,
  Precondition,
  RelationshipFilter,
  RelationshipUpdate,
  SchemaFormat,
  StoreInfo,
} from "../store/interface.ts";

export type { CheckRequest } from "../engine/check.ts";
export type { ExpandKind, ExpandNode } from "../engine/expand.ts";
export type { Proof, ProofNode } from "../engine/explain.ts";
export type { LookupResourcesRequest } from "../engine/lookup/resources.ts";
export type { LookupSubjectsRequest } from "../engine/lookup/subjects.ts";
export type { Permissionship } from "../engine/result.ts";

/** How fresh a read must be (SpiceDB's consistency modes). Tokens are opaque strings. */
export type Consistency =
  | { readonly kind: "minimizeLatency" }
  | { readonly kind: "atLeastAsFresh"; readonly token: string }
  | { readonly kind: "atExactSnapshot"; readonly token: string }
  | { readonly kind: "fullyConsistent" };

export interface WriteOutcome {
  readonly token: string;
}

export interface SchemaWriteOutcome extends WriteOutcome {
  readonly warnings: readonly Diagnostic[];
}

export interface DeleteOptions {
  readonly preconditions?: readonly Precondition[];
  readonly limit?: number;
  readonly allowPartial?: boolean;
  /** Required (true) to delete with an empty filter, which matches every relationship of the store. */
  readonly all?: boolean;
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

export interface CheckOutcome {
  readonly permissionship: Permissionship;
  /** CONDITIONAL_PERMISSION: the caveat parameters the answer waits for (sorted); else empty/absent. */
  readonly missingContext?: readonly string[];
  /** Token of the revision the answer was computed at. */
  readonly checkedAt: string;
  /** Why: present when the check asked for `explain`. */
  readonly explanation?: Explanation;
}

/** Options of one check. */
export interface CheckCallOptions {
  /** Also return the proof (a separate, slower evaluation; the answer is the same). */
  readonly explain?: boolean;
}

export interface ExpandOutcome {
  readonly root: string;
  readonly nodes: readonly ExpandNode[];
  /** The node cap was reached: the tree is incomplete (never silently). */
  readonly truncated: boolean;
  readonly expandedAt: string;
}

/**
 * Why a check answered what it did: for a grant, the granting branch(es) down to concrete tuples
 * (`path`, in order), with the Cypher that shows that path in Neo4j Browser; for a denial, the
 * branches tried.
 */
export interface Explanation extends Omit<Proof, "value" | "permissionship"> {
  /** `:param` lines + the query showing `path` in Neo4j Browser; absent for a denial. */
  readonly cypher?: string;
  /** Opens Browser with that Cypher; absent for a denial or beyond the URL length limit. */
  readonly browserUrl?: string;
}

/** `permissions`: every relation and permission of a resource's type, and whether a subject has it. */
export interface PermissionsRequest {
  readonly resource: ObjectRef;
  readonly subject: SubjectRef;
  /** Count as written for this request only (≤ 100). */
  readonly contextualTuples?: readonly Tuple[];
  /** Caveat context (as CheckRequest.context). */
  readonly context?: Readonly<Record<string, unknown>>;
}

export interface PermissionResult {
  readonly name: string;
  readonly kind: "RELATION" | "PERMISSION";
  readonly permissionship: Permissionship;
  /** As CheckOutcome.missingContext. */
  readonly missingContext?: readonly string[];
}

export interface PermissionsOutcome {
  /** In the order the schema declares them. */
  readonly results: readonly PermissionResult[];
  readonly checkedAt: string;
}

export interface BulkCheckItemOutcome {
  readonly permissionship?: Permissionship;
  /** As CheckOutcome.missingContext (present with a permissionship). */
  readonly missingContext?: readonly string[];
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

/** Which page of a lookup: `first` 1 to 1,000 results after the cursor `after`. */
export interface LookupPageRequest {
  readonly first: number;
  readonly after?: string;
  readonly consistency?: Consistency;
}

/** Where a lookup page sits in its walk (the same rules as `RelationshipsPage`). */
export interface LookupPageInfo {
  /** Pass as `after` for the next page; present when `hasNextPage`. */
  readonly endCursor?: string;
  readonly hasNextPage: boolean;
  /** Token of the revision this page was computed at. */
  readonly readAt: string;
  /** A write committed since the walk's first page: results may be missing or extra. */
  readonly staleCursor: boolean;
}

export interface FoundResource {
  readonly resource: ObjectRef;
  /** HAS_PERMISSION, or CONDITIONAL_PERMISSION when it holds only under caveats. */
  readonly permissionship: Permissionship;
  /** CONDITIONAL_PERMISSION: the caveat parameters it waits for (sorted); else empty/absent. */
  readonly missingContext?: readonly string[];
}

export interface LookupResourcesPage extends LookupPageInfo {
  /** Sorted by object id. */
  readonly resources: readonly FoundResource[];
}

export interface LookupSubject {
  /** `user:alice`, `group:eng#member`, or `user:*` (every subject of the type but `excluded`). */
  readonly subject: SubjectRef;
  /** For a wildcard: the subjects it does not cover (`user:* - {user:x}`); empty otherwise. */
  readonly excluded: readonly SubjectRef[];
  readonly permissionship: Permissionship;
  /** CONDITIONAL_PERMISSION: the caveat parameters it waits for (sorted); else empty/absent. */
  readonly missingContext?: readonly string[];
}

export interface LookupSubjectsPage extends LookupPageInfo {
  /** Sorted by subject text (UTF-16 code units). */
  readonly subjects: readonly LookupSubject[];
}

/** A file a schema's `import` statements may name: `path` relative to the schema's folder. */
export interface SchemaFile {
  readonly path: string;
  readonly text: string;
}

export interface RelgraphService {
  createStore(name: string): Promise<StoreInfo>;
  deleteStore(name: string): Promise<void>;
  stores(): Promise<StoreInfo[]>;

  /**
   * Compiles and stores a schema; INVALID_SCHEMA carries `details.diagnostics`. `files` are what its
   * `import` statements may name (paths relative to the schema's folder); a schema that imports is
   * stored as the one compiled text (as `zed schema compile` prints it).
   */
  writeSchema(
    store: string,
    text: string,
    format: SchemaFormat,
    files?: readonly SchemaFile[],
  ): Promise<SchemaWriteOutcome>;
  readSchema(store: string): Promise<SchemaView | undefined>;

  writeRelationships(
    store: string,
    updates: readonly RelationshipUpdate[],
    preconditions?: readonly Precondition[],
  ): Promise<WriteOutcome>;
  /**
   * An empty filter matches the whole store: INVALID_ARGUMENT unless `all` is true. An empty
   * `updates` list without preconditions writes nothing and returns the current token.
   */
  deleteRelationships(
    store: string,
    filter: RelationshipFilter,
    options?: DeleteOptions,
  ): Promise<DeleteOutcome>;
  relationships(
    store: string,
    filter: RelationshipFilter,
    page: { first: number; after?: string; consistency?: Consistency },
  ): Promise<RelationshipsPage>;
  changes(store: string, page: { first: number; after?: string }): Promise<ChangesPage>;

  check(
    store: string,
    request: CheckRequest,
    consistency?: Consistency,
    options?: CheckCallOptions,
  ): Promise<CheckOutcome>;
  checkBulk(
    store: string,
    checks: readonly CheckRequest[],
    consistency?: Consistency,
  ): Promise<{ readonly results: readonly BulkCheckItemOutcome[]; readonly checkedAt: string }>;

  /**
   * Every relation and permission of `resource`'s type and whether `subject` has it, at one
   * revision (one evaluation on the memory path: the members share sub-results).
   */
  permissions(
    store: string,
    request: PermissionsRequest,
    consistency?: Consistency,
  ): Promise<PermissionsOutcome>;

  /** Every subject of `resource#permission` by recursive expansion (validation files, expand). */
  subjects(
    store: string,
    resource: ObjectRef,
    permission: string,
    consistency?: Consistency,
  ): Promise<readonly ExpandedSubject[]>;

  /**
   * Every object of `resourceType` on which `subject` has `permission`: exactly the objects for which
   * `check` holds, page by page in id order, with no cap. Objects come from the store's tuples and
   * the contextual tuples (plus the subject itself, e.g. through `self`). A cursor used with other
   * arguments is INVALID_ARGUMENT; pages computed after a write since the first page carry
   * `staleCursor: true`.
   */
  lookupResources(
    store: string,
    request: LookupResourcesRequest,
    page: LookupPageRequest,
  ): Promise<LookupResourcesPage>;

  /**
   * Every subject of `subjectType` (or userset `subjectType#subjectRelation`) that has `permission`
   * on `resource`, in subject-text order. A wildcard grant comes back as `type:*` with the subjects
   * excluded from it (OpenFGA-origin models: without exclusions), concrete subjects beside it.
   * Pagination as `lookupResources`.
   */
  lookupSubjects(
    store: string,
    request: LookupSubjectsRequest,
    page: LookupPageRequest,
  ): Promise<LookupSubjectsPage>;

  /**
   * The userset tree of `resource#permission` down to its subjects, as a flat DAG of at most
   * `maxNodes` nodes (default 10,000; `truncated` says when the cap cut it).
   */
  expand(
    store: string,
    resource: ObjectRef,
    permission: string,
    consistency?: Consistency,
    /** `context`: caveat context; a caveated relationship whose caveat is false is left out. */
    options?: { readonly maxNodes?: number; readonly context?: Readonly<Record<string, unknown>> },
  ): Promise<ExpandOutcome>;

  /** Neo4j reachable and the default store loaded: what /readyz reports. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
