/**
 * The resolvers of schema/api.graphql's Query and Mutation fields: each translates its arguments into
 * one RelgraphService call and the outcome into the SDL's shape. No authorization logic lives here.
 *
 * Argument types mirror the SDL after coercion (scalars already parsed, enums as their names, `null`
 * for what was not given); loadApiSchema checks that every root field has exactly one resolver.
 */
import { ErrorCode, isErrorCode } from "../errors.ts";
import type { ObjectRef, SubjectRef, Tuple } from "../model/tuple.ts";
import type {
  BulkCheckItemOutcome,
  ExpandNode,
  Explanation,
  LookupPageInfo,
  PermissionResult,
  Permissionship,
  ProofNode,
  RelgraphService,
} from "../coordinator/service.ts";
import type { Change, SchemaFormat, StoreInfo } from "../store/interface.ts";
import { toApiDiagnostic, type ApiDiagnostic } from "./diagnostics.ts";
import { INTERNAL_MESSAGE } from "./formatError.ts";
import {
  boundedList,
  MAX_BULK_CHECKS,
  pageSize,
  toConsistency,
  toFilter,
  toPreconditions,
  toUpdates,
  type ConsistencyInput,
  type PreconditionInput,
  type RelationshipFilterInput,
  type RelationshipUpdateInput,
} from "./inputs.ts";
import { reflectSchema, type StoredSchemaShape } from "./reflection.ts";

// ---- Argument shapes (type aliases, so they are assignable to the plain records graphql-js passes)

type Nullable<T> = T | null | undefined;

export type CheckArgs = {
  readonly store: string;
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly consistency?: Nullable<ConsistencyInput>;
  readonly contextualTuples?: Nullable<readonly Tuple[]>;
  readonly context?: Nullable<Record<string, unknown>>;
  readonly explain?: Nullable<boolean>;
};
export type ExpandArgs = {
  readonly store: string;
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly consistency?: Nullable<ConsistencyInput>;
  readonly maxNodes?: Nullable<number>;
  readonly context?: Nullable<Record<string, unknown>>;
};
export type CheckBulkItemInput = {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly contextualTuples?: Nullable<readonly Tuple[]>;
  readonly context?: Nullable<Record<string, unknown>>;
};
export type PermissionsArgs = {
  readonly store: string;
  readonly resource: ObjectRef;
  readonly subject: SubjectRef;
  readonly consistency?: Nullable<ConsistencyInput>;
  readonly contextualTuples?: Nullable<readonly Tuple[]>;
  readonly context?: Nullable<Record<string, unknown>>;
};
export type CheckBulkArgs = {
  readonly store: string;
  readonly checks: readonly CheckBulkItemInput[];
  readonly consistency?: Nullable<ConsistencyInput>;
};
export type StoreArgs = { readonly store: string };
export type NoArgs = Readonly<Record<string, never>>;
export type RelationshipsArgs = {
  readonly store: string;
  readonly filter?: Nullable<RelationshipFilterInput>;
  readonly first?: Nullable<number>;
  readonly after?: Nullable<string>;
  readonly consistency?: Nullable<ConsistencyInput>;
};
export type ChangesArgs = {
  readonly store: string;
  readonly after?: Nullable<string>;
  readonly first?: Nullable<number>;
};
export type WriteSchemaArgs = {
  readonly store: string;
  readonly schema: string;
  readonly format: SchemaFormat;
  readonly files?: Nullable<readonly { readonly path: string; readonly text: string }[]>;
};
export type WriteRelationshipsArgs = {
  readonly store: string;
  readonly updates: readonly RelationshipUpdateInput[];
  readonly preconditions?: Nullable<readonly PreconditionInput[]>;
};
export type DeleteRelationshipsArgs = {
  readonly store: string;
  readonly filter: RelationshipFilterInput;
  readonly preconditions?: Nullable<readonly PreconditionInput[]>;
  readonly limit?: Nullable<number>;
  readonly allowPartial?: Nullable<boolean>;
  readonly all?: Nullable<boolean>;
};
export type NameArgs = { readonly name: string };
export type LookupResourcesArgs = {
  readonly store: string;
  readonly resourceType: string;
  readonly permission: string;
  readonly subject: SubjectRef;
  readonly contextualTuples?: Nullable<readonly Tuple[]>;
  readonly context?: Nullable<Record<string, unknown>>;
  readonly first?: Nullable<number>;
  readonly after?: Nullable<string>;
  readonly consistency?: Nullable<ConsistencyInput>;
};
export type LookupSubjectsArgs = {
  readonly store: string;
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subjectType: string;
  readonly subjectRelation?: Nullable<string>;
  readonly contextualTuples?: Nullable<readonly Tuple[]>;
  readonly context?: Nullable<Record<string, unknown>>;
  readonly first?: Nullable<number>;
  readonly after?: Nullable<string>;
  readonly consistency?: Nullable<ConsistencyInput>;
};

// ---- Result shapes (what the default field resolvers read)

export interface CheckResultShape {
  readonly allowed: boolean;
  readonly permissionship: Permissionship;
  readonly missingContext: readonly string[];
  readonly checkedAt: string;
  readonly explanation: ExplanationShape | null;
}
/**
 * GraphQL's view of a service type: optional fields become nullable (a GraphQL answer carries
 * null, never an absent field). Shapes are derived from the service's types, never restated.
 */
type Nulled<T> = {
  readonly [K in keyof T]-?: undefined extends T[K] ? Exclude<T[K], undefined> | null : T[K];
};

export type ExpandNodeShape = Nulled<Omit<ExpandNode, "caveated" | "missingContext">> & {
  readonly missingContext: readonly string[];
};
export interface ExpandResultShape {
  readonly root: string;
  readonly nodes: readonly ExpandNodeShape[];
  readonly truncated: boolean;
  readonly expandedAt: string;
}
/** A proof step; its tuples are `relationships` in the SDL. */
export type ProofNodeShape = Nulled<Omit<ProofNode, "tuples">> & { readonly relationships: readonly Tuple[] };
export type ExplanationShape = Omit<Nulled<Explanation>, "nodes"> & {
  readonly nodes: readonly ProofNodeShape[];
};
export interface CheckBulkItemResultShape {
  readonly allowed: boolean | null;
  readonly permissionship: Permissionship | null;
  readonly missingContext: readonly string[] | null;
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
}
export interface CheckBulkResultShape {
  readonly results: readonly CheckBulkItemResultShape[];
  readonly checkedAt: string;
}
export interface PermissionsResultShape {
  readonly results: readonly PermissionResult[];
  readonly checkedAt: string;
}
export interface StoreShape {
  readonly name: string;
  readonly revision: number;
  readonly schemaRevision: number;
}
export interface PageInfoShape {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly startCursor: string | null;
  readonly endCursor: string | null;
}
export interface EdgeShape<N> {
  readonly cursor: string | null;
  readonly node: N;
}
export interface RelationshipConnectionShape {
  readonly edges: readonly EdgeShape<{ readonly relationship: Tuple }>[];
  readonly pageInfo: PageInfoShape;
  readonly readAt: string;
  readonly staleCursor: boolean;
}
export interface ChangeConnectionShape {
  readonly edges: readonly EdgeShape<{
    readonly revision: number;
    readonly operation: Change["operation"];
    readonly relationship: Tuple;
  }>[];
  readonly pageInfo: PageInfoShape;
  readonly token: string;
}
export interface LookupResourcesConnectionShape {
  readonly edges: readonly EdgeShape<{
    readonly resource: ObjectRef;
    readonly permissionship: Permissionship;
    readonly missingContext: readonly string[];
  }>[];
  readonly pageInfo: PageInfoShape;
  readonly readAt: string;
  readonly staleCursor: boolean;
}
export interface LookupSubjectsConnectionShape {
  readonly edges: readonly EdgeShape<{
    readonly subject: SubjectRef;
    readonly excludedSubjects: readonly SubjectRef[];
    readonly permissionship: Permissionship;
    readonly missingContext: readonly string[];
  }>[];
  readonly pageInfo: PageInfoShape;
  readonly readAt: string;
  readonly staleCursor: boolean;
}
export interface WriteResultShape {
  readonly token: string;
  readonly warnings: readonly ApiDiagnostic[];
}
export interface DeleteResultShape {
  readonly token: string;
  readonly deletedCount: number;
  readonly complete: boolean;
}

type Resolver<TArgs, TResult> = (args: TArgs) => Promise<TResult>;

export interface QueryResolvers {
  readonly check: Resolver<CheckArgs, CheckResultShape>;
  readonly expand: Resolver<ExpandArgs, ExpandResultShape>;
  readonly checkBulk: Resolver<CheckBulkArgs, CheckBulkResultShape>;
  readonly permissions: Resolver<PermissionsArgs, PermissionsResultShape>;
  readonly schema: Resolver<StoreArgs, StoredSchemaShape | null>;
  readonly stores: Resolver<NoArgs, StoreShape[]>;
  readonly relationships: Resolver<RelationshipsArgs, RelationshipConnectionShape>;
  readonly changes: Resolver<ChangesArgs, ChangeConnectionShape>;
  readonly lookupResources: Resolver<LookupResourcesArgs, LookupResourcesConnectionShape>;
  readonly lookupSubjects: Resolver<LookupSubjectsArgs, LookupSubjectsConnectionShape>;
}

export interface MutationResolvers {
  readonly writeSchema: Resolver<WriteSchemaArgs, WriteResultShape>;
  readonly writeRelationships: Resolver<WriteRelationshipsArgs, WriteResultShape>;
  readonly deleteRelationships: Resolver<DeleteRelationshipsArgs, DeleteResultShape>;
  readonly createStore: Resolver<NameArgs, StoreShape>;
  readonly deleteStore: Resolver<NameArgs, boolean>;
}

export interface ApiResolvers {
  readonly Query: QueryResolvers;
  readonly Mutation: MutationResolvers;
}

// ---- Translation helpers

function storeShape(info: StoreInfo): StoreShape {
  // The incarnation stays inside tokens: it is how a token outlives a re-created store, not API.
  return { name: info.name, revision: info.revision, schemaRevision: info.schemaRevision };
}

/** Forward-only Relay pages: the service gives one cursor per page, which the last edge carries. */
function connection<T, N>(
  items: readonly T[],
  page: { readonly endCursor?: string; readonly hasNextPage: boolean },
  toNode: (item: T) => N,
): { edges: EdgeShape<N>[]; pageInfo: PageInfoShape } {
  const endCursor = page.endCursor ?? null;
  return {
    edges: items.map((item, i) => ({
      cursor: i === items.length - 1 ? endCursor : null,
      node: toNode(item),
    })),
    pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: false, startCursor: null, endCursor },
  };
}

/** The connection fields every lookup page shares. */
function lookupConnection<T, N>(
  items: readonly T[],
  page: LookupPageInfo,
  toNode: (item: T) => N,
): { edges: EdgeShape<N>[]; pageInfo: PageInfoShape; readAt: string; staleCursor: boolean } {
  return { ...connection(items, page, toNode), readAt: page.readAt, staleCursor: page.staleCursor };
}

function bulkItem(outcome: BulkCheckItemOutcome): CheckBulkItemResultShape {
  if (outcome.error) {
    // Per-item errors obey the same rule as request errors: a known code, or INTERNAL said generically.
    const known = isErrorCode(outcome.error.code) && outcome.error.code !== ErrorCode.INTERNAL;
    return {
      allowed: null,
      permissionship: null,
      missingContext: null,
      error: known
        ? { code: outcome.error.code as ErrorCode, message: outcome.error.message }
        : { code: ErrorCode.INTERNAL, message: INTERNAL_MESSAGE },
    };
  }
  if (outcome.permissionship === undefined)
    throw new Error("BUG: a checkBulk item has neither a permissionship nor an error");
  return {
    allowed: outcome.permissionship === "HAS_PERMISSION",
    permissionship: outcome.permissionship,
    missingContext: outcome.missingContext ?? [],
    error: null,
  };
}

function explanationShape(e: Explanation): ExplanationShape {
  return {
    root: e.root,
    nodes: e.nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      resource: n.resource,
      relation: n.relation,
      result: n.result,
      children: n.children,
      relationships: n.tuples,
      subjects: n.subjects,
      cycleTo: n.cycleTo ?? null,
      note: n.note ?? null,
    })),
    truncated: e.truncated,
    path: e.path,
    cypher: e.cypher ?? null,
    browserUrl: e.browserUrl ?? null,
  };
}

/** Optional properties of a call, without `undefined` values (exactOptionalPropertyTypes). */
function defined<T extends Record<string, unknown>>(
  props: T,
): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) if (v !== null && v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], null | undefined> };
}

export function createResolvers(service: RelgraphService): ApiResolvers {
  return {
    Query: {
      async check(args) {
        const consistency = toConsistency(args.consistency);
        const request = {
          resource: args.resource,
          permission: args.permission,
          subject: args.subject,
          ...defined({ contextualTuples: args.contextualTuples, context: args.context }),
        };
        const outcome =
          args.explain === true
            ? await service.check(args.store, request, consistency, { explain: true })
            : await service.check(args.store, request, consistency);
        return {
          allowed: outcome.permissionship === "HAS_PERMISSION",
          permissionship: outcome.permissionship,
          missingContext: outcome.missingContext ?? [],
          checkedAt: outcome.checkedAt,
          explanation: outcome.explanation ? explanationShape(outcome.explanation) : null,
        };
      },

      async expand(args) {
        const consistency = toConsistency(args.consistency);
        const outcome = await service.expand(
          args.store,
          args.resource,
          args.permission,
          consistency,
          defined({ maxNodes: args.maxNodes, context: args.context }),
        );
        return {
          root: outcome.root,
          nodes: outcome.nodes.map((n) => ({
            id: n.id,
            kind: n.kind,
            resource: n.resource,
            relation: n.relation,
            children: n.children,
            subjects: n.subjects,
            cycleTo: n.cycleTo ?? null,
            missingContext: n.missingContext ?? [],
          })),
          truncated: outcome.truncated,
          expandedAt: outcome.expandedAt,
        };
      },

      async checkBulk(args) {
        const checks = boundedList(args.checks, MAX_BULK_CHECKS, "checks");
        const consistency = toConsistency(args.consistency);
        const outcome = await service.checkBulk(
          args.store,
          checks.map((c) => ({
            resource: c.resource,
            permission: c.permission,
            subject: c.subject,
            ...defined({ contextualTuples: c.contextualTuples, context: c.context }),
          })),
          consistency,
        );
        if (outcome.results.length !== checks.length)
          throw new Error(
            `BUG: checkBulk answered ${outcome.results.length} results for ${checks.length} checks`,
          );
        return { results: outcome.results.map(bulkItem), checkedAt: outcome.checkedAt };
      },

      async permissions(args) {
        const outcome = await service.permissions(
          args.store,
          {
            resource: args.resource,
            subject: args.subject,
            ...defined({ contextualTuples: args.contextualTuples, context: args.context }),
          },
          toConsistency(args.consistency),
        );
        return {
          results: outcome.results.map((r) => ({ ...r, missingContext: r.missingContext ?? [] })),
          checkedAt: outcome.checkedAt,
        };
      },

      async schema(args) {
        const view = await service.readSchema(args.store);
        return view ? reflectSchema(view) : null;
      },

      async stores() {
        return (await service.stores()).map(storeShape);
      },

      async relationships(args) {
        const first = pageSize(args.first);
        const consistency = toConsistency(args.consistency);
        const page = await service.relationships(args.store, toFilter(args.filter), {
          first,
          ...defined({ after: args.after, consistency }),
        });
        return {
          ...connection(page.tuples, page, (tuple) => ({ relationship: tuple })),
          readAt: page.readAt,
          staleCursor: page.staleCursor,
        };
      },

      async changes(args) {
        const first = pageSize(args.first);
        const page = await service.changes(args.store, { first, ...defined({ after: args.after }) });
        return {
          ...connection(page.changes, page, (change) => ({
            revision: change.revision,
            operation: change.operation,
            relationship: change.tuple,
          })),
          token: page.token,
        };
      },

      async lookupResources(args) {
        const first = pageSize(args.first);
        const consistency = toConsistency(args.consistency);
        const page = await service.lookupResources(
          args.store,
          {
            resourceType: args.resourceType,
            permission: args.permission,
            subject: args.subject,
            ...defined({ contextualTuples: args.contextualTuples, context: args.context }),
          },
          { first, ...defined({ after: args.after, consistency }) },
        );
        return lookupConnection(page.resources, page, (r) => ({
          resource: r.resource,
          permissionship: r.permissionship,
          missingContext: r.missingContext ?? [],
        }));
      },

      async lookupSubjects(args) {
        const first = pageSize(args.first);
        const consistency = toConsistency(args.consistency);
        const page = await service.lookupSubjects(
          args.store,
          {
            resource: args.resource,
            permission: args.permission,
            subjectType: args.subjectType,
            ...defined({
              subjectRelation: args.subjectRelation,
              contextualTuples: args.contextualTuples,
              context: args.context,
            }),
          },
          { first, ...defined({ after: args.after, consistency }) },
        );
        return lookupConnection(page.subjects, page, (s) => ({
          subject: s.subject,
          excludedSubjects: s.excluded,
          permissionship: s.permissionship,
          missingContext: s.missingContext ?? [],
        }));
      },
    },

    Mutation: {
      async writeSchema(args) {
        const outcome = await service.writeSchema(
          args.store,
          args.schema,
          args.format,
          args.files ?? undefined,
        );
        return { token: outcome.token, warnings: outcome.warnings.map(toApiDiagnostic) };
      },

      async writeRelationships(args) {
        const preconditions = toPreconditions(args.preconditions);
        const outcome = await service.writeRelationships(args.store, toUpdates(args.updates), preconditions);
        return { token: outcome.token, warnings: [] };
      },

      async deleteRelationships(args) {
        const outcome = await service.deleteRelationships(
          args.store,
          toFilter(args.filter),
          defined({
            preconditions: toPreconditions(args.preconditions),
            limit: args.limit,
            allowPartial: args.allowPartial,
            all: args.all,
          }),
        );
        return { token: outcome.token, deletedCount: outcome.deletedCount, complete: outcome.complete };
      },

      async createStore(args) {
        return storeShape(await service.createStore(args.name));
      },

      async deleteStore(args) {
        await service.deleteStore(args.name);
        return true;
      },
    },
  };
}
