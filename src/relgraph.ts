/**
 * createRelgraph: the engine behind the GraphQL API and the CLI (implements RelgraphService).
 *
 * Data path: writes go to the TupleStore (Neo4j: the source of truth) and are then applied to this
 * process's projection of the store at their revision; checks are evaluated in memory on the
 * projection, after it satisfies the request's consistency:
 *   minimizeLatency  → the projection as it is, if it heard from the store within the staleness bound
 *   atLeastAsFresh   → wait until the projection reaches the token's revision (pulls at once)
 *   fullyConsistent  → one head read, then pull up to it
 *   atExactSnapshot  → UNIMPLEMENTED (Neo4j reads the latest committed state, not snapshots)
 */
import { configFromEnv, type RelgraphConfig } from "./config.ts";
import { ErrorCode, RelgraphError, invalidArgument, isRelgraphError } from "./errors.ts";
import { formatObjectRef, formatSubjectRef, type ObjectRef } from "./model/tuple.ts";
import { SubResultCache } from "./engine/cache.ts";
import { Evaluator } from "./engine/check.ts";
import { Projection } from "./engine/projection/projection.ts";
import { permissionship } from "./engine/result.ts";
import type { TypeSystem } from "./typesystem/typesystem.ts";
import { expandSubjects } from "./engine/subjects.ts";
import { expandTree } from "./engine/expand.ts";
import { explainCheck, type Explanation as EngineExplanation } from "./engine/explain.ts";
import type { TupleReader } from "./engine/reader.ts";
import { DirectEvaluator, type DirectRead } from "./store/neo4j/cypherReader.ts";
import { explainCypher } from "./store/neo4j/explainCypher.ts";
import {
  checkLookupPageSize,
  decodeLookupCursor,
  encodeLookupCursor,
  LookupResultCache,
  pageOf,
  requestDigest,
  sortResults,
  type LookupCursor,
  type Page,
  type SortedResults,
} from "./engine/lookup/paging.ts";
import { lookupResourcesSorted } from "./engine/lookup/resources.ts";
import { lookupSubjects } from "./engine/lookup/subjects.ts";
import { createDriver, type Neo4jConfig } from "./store/neo4j/connection.ts";
import { Neo4jTupleStore } from "./store/neo4j/neo4jStore.ts";
import { MemoryTupleStore } from "./store/memory/memoryStore.ts";
import type {
  Precondition,
  RelationshipFilter,
  RelationshipUpdate,
  Revision,
  SchemaFormat,
  StoreInfo,
  TupleStore,
} from "./store/interface.ts";
import { DEFAULT_STORE } from "./store/interface.ts";
import { decodeToken, encodeToken } from "./store/token.ts";
import { compileSchema } from "./language/schema.ts";
import { hasErrors } from "./typesystem/diagnostic.ts";
import type { SchemaIR } from "./typesystem/ir.ts";
import type {
  BulkCheckItemOutcome,
  ChangesPage,
  CheckCallOptions,
  CheckOutcome,
  CheckRequest,
  Consistency,
  DeleteOutcome,
  ExpandedSubject,
  ExpandOutcome,
  Explanation,
  LookupPageInfo,
  LookupPageRequest,
  LookupResourcesPage,
  LookupResourcesRequest,
  LookupSubjectsPage,
  LookupSubjectsRequest,
  RelationshipsPage,
  RelgraphService,
  SchemaView,
  SchemaWriteOutcome,
  WriteOutcome,
} from "./service.ts";

export type RelgraphOptions =
  | { readonly backend: "memory"; readonly config?: RelgraphConfig }
  | { readonly neo4j: Neo4jConfig; readonly config?: RelgraphConfig }
  | { readonly store: TupleStore; readonly config?: RelgraphConfig };

export const MAX_BULK_CHECKS = 1000;

/** Opens the store (Neo4j or memory) and returns the service. */
export async function createRelgraph(options: RelgraphOptions): Promise<Relgraph> {
  const config = options.config ?? configFromEnv({});
  const storeOptions = {
    changeRetentionMs: config.store.changeRetentionMs,
    defaultDeleteLimit: config.store.defaultDeleteLimit,
    maxDeleteLimit: config.store.maxDeleteLimit,
  };
  let store: TupleStore;
  if ("store" in options) store = options.store;
  else if ("neo4j" in options)
    store = await Neo4jTupleStore.open({
      driver: createDriver(options.neo4j),
      database: options.neo4j.database,
      ownsDriver: true,
      ...storeOptions,
    });
  else store = new MemoryTupleStore(storeOptions);
  return new Relgraph(store, config);
}

/** Features a schema may declare that evaluation does not support yet: writeSchema refuses them. */
function unimplementedConstruct(ir: SchemaIR): string | undefined {
  const u = ir.unsupported?.[0];
  if (u) return u.construct;
  if (ir.caveats.length > 0) return "caveat";
  if (ir.features.expiration) return "use expiration";
  for (const d of ir.definitions)
    for (const m of d.members)
      for (const t of m.types) {
        if (t.caveat !== undefined) return "with caveat";
        if (t.expiration) return "with expiration";
      }
  return undefined;
}

export class Relgraph implements RelgraphService {
  private readonly projections = new Map<string, Promise<Projection>>();
  private readonly evaluators = new WeakMap<TypeSystem, Evaluator>();
  readonly cache: SubResultCache | undefined;
  /** Computed lookups, so that the pages of one walk compute it once (see engine/lookup/paging.ts). */
  private readonly lookups = new LookupResultCache();
  private closed = false;
  /** The direct Cypher evaluator, for stores evaluated in Neo4j (Neo4j backend only). */
  readonly direct: DirectEvaluator | undefined;

  constructor(
    readonly store: TupleStore,
    readonly config: RelgraphConfig,
  ) {
    this.cache = config.engine.cacheSize > 0 ? new SubResultCache(config.engine.cacheSize) : undefined;
    this.direct =
      store instanceof Neo4jTupleStore
        ? new DirectEvaluator(store, {
            evaluator: config.engine.evaluator,
            memoryBudgetMb: config.engine.memoryBudgetMb,
            maxDepth: config.engine.maxDepth,
          })
        : undefined;
  }

  /** Whether checks on `store` are pushed down into Neo4j (RELGRAPH_EVALUATOR, RELGRAPH_MEMORY_BUDGET_MB). */
  private async usesCypher(store: string): Promise<boolean> {
    return this.direct !== undefined && (await this.direct.usesCypher(store));
  }

  // ---- stores -----------------------------------------------------------------------------------

  async createStore(name: string): Promise<StoreInfo> {
    return this.store.createStore(name);
  }

  async deleteStore(name: string): Promise<void> {
    // Stop following the store first, so no poll runs against a store that is going away.
    this.dropProjection(name);
    await this.store.deleteStore(name);
    this.dropProjection(name);
    this.direct?.forget(name);
  }

  async stores(): Promise<StoreInfo[]> {
    return this.store.listStores();
  }

  // ---- schema -----------------------------------------------------------------------------------

  async writeSchema(store: string, text: string, format: SchemaFormat): Promise<SchemaWriteOutcome> {
    const { ir, diagnostics } = compileSchema(text, { format: format === "ZED" ? "zed" : "openfga" });
    if (ir === undefined || hasErrors(diagnostics)) {
      const errors = diagnostics.filter((d) => d.severity === "error");
      const first = errors[0];
      throw new RelgraphError(
        ErrorCode.INVALID_SCHEMA,
        `invalid schema: ${errors.length} error${errors.length === 1 ? "" : "s"}` +
          (first
            ? `; first at ${first.loc ? `${first.loc.start.line}:${first.loc.start.column}` : "?"}: ${first.message}`
            : ""),
        { diagnostics },
      );
    }
    const construct = unimplementedConstruct(ir);
    if (construct !== undefined)
      throw new RelgraphError(
        ErrorCode.UNIMPLEMENTED,
        `the schema uses "${construct}", which Relgraph parses but does not evaluate yet`,
        { construct },
      );
    const revision = await this.store.writeSchema(store, { text, format, ir });
    await this.advance(store, revision);
    return { token: encodeToken(revision), warnings: diagnostics.filter((d) => d.severity === "warning") };
  }

  async readSchema(store: string): Promise<SchemaView | undefined> {
    const s = await this.store.readSchema(store);
    return s && { text: s.text, format: s.format, ir: s.ir, schemaRevision: s.schemaRevision };
  }

  // ---- relationships ----------------------------------------------------------------------------

  async writeRelationships(
    store: string,
    updates: readonly RelationshipUpdate[],
    preconditions?: readonly Precondition[],
  ): Promise<WriteOutcome> {
    const revision = await this.store.write(store, { updates, ...(preconditions ? { preconditions } : {}) });
    await this.advance(store, revision);
    return { token: encodeToken(revision) };
  }

  async deleteRelationships(
    store: string,
    filter: RelationshipFilter,
    options: { preconditions?: readonly Precondition[]; limit?: number; allowPartial?: boolean } = {},
  ): Promise<DeleteOutcome> {
    const r = await this.store.deleteByFilter(store, {
      filter,
      ...(options.preconditions ? { preconditions: options.preconditions } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.allowPartial !== undefined ? { allowPartial: options.allowPartial } : {}),
    });
    await this.advance(store, r.revision);
    return { token: encodeToken(r.revision), deletedCount: r.deletedCount, complete: r.complete };
  }

  async relationships(
    store: string,
    filter: RelationshipFilter,
    page: { first: number; after?: string; consistency?: Consistency },
  ): Promise<RelationshipsPage> {
    // Reads go to the store itself, which always serves its latest committed state: every mode but
    // atExactSnapshot is satisfied; tokens are still checked so a foreign one is refused.
    if (page.consistency) await this.checkTokenOnly(store, page.consistency);
    const r = await this.store.read(store, filter, {
      first: page.first,
      ...(page.after ? { after: page.after } : {}),
    });
    return {
      tuples: r.tuples,
      ...(r.nextCursor !== undefined ? { endCursor: r.nextCursor } : {}),
      hasNextPage: r.nextCursor !== undefined,
      readAt: encodeToken(r.readAt),
      staleCursor: r.staleCursor,
    };
  }

  async changes(store: string, page: { first: number; after?: string }): Promise<ChangesPage> {
    let afterRevision = 0;
    if (page.after !== undefined) {
      const head = await this.store.head(store);
      afterRevision = decodeToken(page.after, { store, incarnation: head.incarnation }).revision;
    }
    const r = await this.store.changes(store, afterRevision, page.first);
    const through: Revision = { ...r.head, revision: r.throughRevision };
    const token = encodeToken(through);
    return { changes: r.changes, endCursor: token, hasNextPage: !r.complete, token };
  }

  // ---- evaluation -------------------------------------------------------------------------------

  async check(
    store: string,
    request: CheckRequest,
    consistency?: Consistency,
    options: CheckCallOptions = {},
  ): Promise<CheckOutcome> {
    const explain = options.explain === true;
    if (await this.usesCypher(store)) {
      const r = await this.direct!.check(store, request, consistency, explain);
      return {
        permissionship: permissionship(r.value),
        checkedAt: encodeToken(r.revision),
        ...(r.explanation ? { explanation: explanationView(store, r.explanation) } : {}),
      };
    }
    const p = await this.fresh(store, consistency);
    if (explain) {
      const e = explainCheck(this.compiled(p, store), p.reader, request, {
        maxDepth: this.config.engine.maxDepth,
      });
      return {
        permissionship: permissionship(e.value),
        checkedAt: encodeToken(p.revision),
        explanation: explanationView(store, e),
      };
    }
    const value = this.evaluator(p, store).check(p.reader, request, p.cacheScope);
    return { permissionship: permissionship(value), checkedAt: encodeToken(p.revision) };
  }

  async expand(
    store: string,
    resource: ObjectRef,
    permission: string,
    consistency?: Consistency,
    options: { readonly maxNodes?: number } = {},
  ): Promise<ExpandOutcome> {
    const maxNodes = options.maxNodes ?? 10_000;
    if (!Number.isInteger(maxNodes) || maxNodes < 1 || maxNodes > 1_000_000)
      throw invalidArgument(`maxNodes must be a whole number from 1 to 1,000,000, got ${maxNodes}`, {
        field: "maxNodes",
      });
    let schema: TypeSystem;
    let reader: TupleReader;
    let at: Revision;
    if (await this.usesCypher(store)) {
      const r = await this.direct!.readAll(store, resource, consistency);
      schema = r.compiled;
      reader = r.reader;
      at = r.revision;
    } else {
      const p = await this.fresh(store, consistency);
      schema = this.compiled(p, store);
      reader = p.reader;
      at = p.revision;
    }
    const tree = expandTree(schema, reader, resource, permission, {
      maxNodes,
      maxDepth: this.config.engine.maxDepth,
    });
    return {
      root: tree.root,
      nodes: tree.nodes.map((n) => ({
        id: n.id,
        kind: n.kind,
        resource: n.resource,
        relation: n.relation,
        children: n.children,
        subjects: n.subjects,
        ...(n.cycleTo !== undefined ? { cycleTo: n.cycleTo } : {}),
      })),
      truncated: tree.truncated,
      expandedAt: encodeToken(at),
    };
  }

  async checkBulk(
    store: string,
    checks: readonly CheckRequest[],
    consistency?: Consistency,
  ): Promise<{ readonly results: readonly BulkCheckItemOutcome[]; readonly checkedAt: string }> {
    if (checks.length > MAX_BULK_CHECKS)
      throw new RelgraphError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `checks: at most ${MAX_BULK_CHECKS} items per bulk check, got ${checks.length}`,
      );
    if (await this.usesCypher(store)) {
      // Concurrent items share round trips (the CypherReader batches them into one query).
      await this.direct!.prepare(store);
      let checkedAt = "";
      const results = await Promise.all(
        checks.map(async (request): Promise<BulkCheckItemOutcome> => {
          try {
            const r = await this.direct!.check(store, request, consistency, false);
            checkedAt ||= encodeToken(r.revision);
            return { permissionship: permissionship(r.value) };
          } catch (e) {
            if (isRelgraphError(e) && e.code !== ErrorCode.UNAVAILABLE && e.code !== ErrorCode.NOT_FOUND)
              return { error: { code: e.code, message: e.message } };
            throw e;
          }
        }),
      );
      if (checkedAt === "") checkedAt = encodeToken(await this.store.head(store));
      return { results, checkedAt };
    }
    const p = await this.fresh(store, consistency);
    const evaluator = this.evaluator(p, store);
    // One projection revision for the whole batch: every item answers at the same point in time.
    const results = checks.map((request): BulkCheckItemOutcome => {
      try {
        return { permissionship: permissionship(evaluator.check(p.reader, request, p.cacheScope)) };
      } catch (e) {
        if (isRelgraphError(e)) return { error: { code: e.code, message: e.message } };
        throw e;
      }
    });
    return { results, checkedAt: encodeToken(p.revision) };
  }

  async subjects(
    store: string,
    resource: ObjectRef,
    permission: string,
    consistency?: Consistency,
  ): Promise<readonly ExpandedSubject[]> {
    let found;
    if (await this.usesCypher(store)) {
      const r = await this.direct!.readAll(store, resource, consistency);
      found = expandSubjects(r.compiled, r.reader, resource, permission, {
        maxDepth: this.config.engine.maxDepth,
      });
    } else {
      const p = await this.fresh(store, consistency);
      found = expandSubjects(this.compiled(p, store), p.reader, resource, permission, {
        maxDepth: this.config.engine.maxDepth,
      });
    }
    return found.map((f) => ({
      subject: f.subject,
      excluded: [...f.excluded.values()],
      conditional: f.caveated,
      relations: [...f.justifications].sort().map((j) => {
        // `type:id#relation`: ids cannot contain "#", so the last one splits.
        const hash = j.lastIndexOf("#");
        const colon = j.indexOf(":");
        return {
          resource: { type: j.slice(0, colon), id: j.slice(colon + 1, hash) },
          relation: j.slice(hash + 1),
        };
      }),
    }));
  }

  async lookupResources(
    store: string,
    request: LookupResourcesRequest,
    page: LookupPageRequest,
  ): Promise<LookupResourcesPage> {
    const first = checkLookupPageSize(page.first);
    const digest = requestDigest(
      store,
      ["resources", request.resourceType, request.permission, formatSubjectRef(request.subject)],
      request.contextualTuples,
    );
    const { revision, cursor, results } = await this.computeLookup(
      store,
      page,
      digest,
      // In Neo4j: the objects that reach the subject, with what their evaluation reads (reach-reverse).
      (direct) =>
        direct.readReverse(store, request.subject, request.contextualTuples ?? [], page.consistency),
      (evaluator, reader) => lookupResourcesSorted(evaluator, reader, request),
    );
    const slice = pageOf(results, first, cursor?.last);
    return {
      resources: slice.items.map((r) => ({
        resource: { type: request.resourceType, id: r.id },
        permissionship: permissionship(r.value),
      })),
      ...this.lookupPageInfo(revision, digest, cursor?.startRevision, slice),
    };
  }

  async lookupSubjects(
    store: string,
    request: LookupSubjectsRequest,
    page: LookupPageRequest,
  ): Promise<LookupSubjectsPage> {
    const first = checkLookupPageSize(page.first);
    const digest = requestDigest(
      store,
      [
        "subjects",
        formatObjectRef(request.resource),
        request.permission,
        request.subjectType,
        request.subjectRelation ?? "",
      ],
      request.contextualTuples,
    );
    const { revision, cursor, results } = await this.computeLookup(
      store,
      page,
      digest,
      // In Neo4j: every tuple reachable from the resource and the contextual tuples' objects.
      (direct) => direct.readAll(store, request.resource, page.consistency, request.contextualTuples ?? []),
      (evaluator, reader) =>
        sortResults(lookupSubjects(evaluator, reader, request), (s) => formatSubjectRef(s.subject)),
    );
    const slice = pageOf(results, first, cursor?.last);
    return {
      subjects: slice.items.map((s) => ({
        subject: s.subject,
        excluded: s.excluded,
        permissionship: permissionship(s.value),
      })),
      ...this.lookupPageInfo(revision, digest, cursor?.startRevision, slice),
    };
  }

  /** Forgets every computed lookup (benchmarks measure cold pages with it; writes never need it). */
  clearLookupCache(): void {
    this.lookups.clear();
  }

  async ready(): Promise<boolean> {
    try {
      await this.store.head(DEFAULT_STORE);
      const schema = await this.store.readSchema(DEFAULT_STORE);
      return schema !== undefined;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const name of [...this.projections.keys()]) this.dropProjection(name);
    await this.store.close();
  }

  // ---- projections ------------------------------------------------------------------------------

  /** The loaded projection of a store (loading it on first use, then following its change log). */
  projection(store: string): Promise<Projection> {
    let p = this.projections.get(store);
    if (!p) {
      const engine = this.config.engine;
      p = Projection.open(this.store, store, {
        pollIntervalMs: engine.pollIntervalMs,
        stalenessMs: engine.stalenessBoundMs,
        waitTimeoutMs: engine.consistencyWaitMs,
      }).then((projection) => {
        projection.start();
        return projection;
      });
      this.projections.set(store, p);
      // A failed load is not remembered: the next request tries again.
      p.catch(() => {
        if (this.projections.get(store) === p) this.projections.delete(store);
      });
    }
    return p;
  }

  private dropProjection(store: string): void {
    const p = this.projections.get(store);
    this.projections.delete(store);
    p?.then((x) => x.stop()).catch(() => {});
  }

  /** After our own write: bring a loaded projection to the write's revision (read-your-writes). */
  private async advance(store: string, revision: Revision): Promise<void> {
    const p = this.projections.get(store);
    if (!p) return;
    const projection = await p.catch(() => undefined);
    if (!projection) return;
    if (projection.revision.incarnation !== revision.incarnation) {
      this.dropProjection(store);
      return;
    }
    await projection.waitFor(revision.revision);
  }

  private async fresh(
    store: string,
    consistency: Consistency = { kind: "minimizeLatency" },
  ): Promise<Projection> {
    if (consistency.kind === "atExactSnapshot")
      throw new RelgraphError(
        ErrorCode.UNIMPLEMENTED,
        "consistency: atExactSnapshot is not supported (Neo4j serves its latest committed state, not snapshots); " +
          "use atLeastAsFresh",
      );
    let p = await this.projection(store);
    switch (consistency.kind) {
      case "minimizeLatency":
        p.ensureFresh();
        break;
      case "fullyConsistent":
        await p.catchUp();
        break;
      case "atLeastAsFresh": {
        // The store first (a token of another store is refused without touching the projection).
        let wanted = decodeToken(consistency.token);
        if (wanted.store !== store)
          decodeToken(consistency.token, { store, incarnation: wanted.incarnation });
        // The projection may predate a delete + re-create of the store (made by another process):
        // reload once and re-check; a token older than the store's incarnation is refused (asking
        // Neo4j first, so an old token never costs a reload).
        if (wanted.incarnation !== p.revision.incarnation) {
          const head = await this.store.head(store);
          decodeToken(consistency.token, { store, incarnation: head.incarnation });
          this.dropProjection(store);
          p = await this.projection(store);
          wanted = decodeToken(consistency.token, { store, incarnation: p.revision.incarnation });
        }
        try {
          await p.waitFor(wanted.revision);
        } catch (e) {
          // Waiting pulled the store and found it re-created: the token is from a deleted incarnation.
          this.refuseOtherIncarnation(store, consistency.token, p);
          throw e;
        }
        // The pull may have reached a new incarnation whose revision passes the old token's.
        this.refuseOtherIncarnation(store, consistency.token, p);
        break;
      }
      default: {
        const never: never = consistency;
        throw invalidArgument(`consistency: unknown mode ${JSON.stringify(never)}`);
      }
    }
    return p;
  }

  /** INVALID_ARGUMENT when `token` is not from the incarnation the projection now reflects. */
  private refuseOtherIncarnation(store: string, token: string, p: Projection): void {
    let incarnation: string;
    try {
      incarnation = p.revision.incarnation;
    } catch {
      return; // not loaded: nothing to compare with
    }
    decodeToken(token, { store, incarnation });
  }

  private async checkTokenOnly(store: string, consistency: Consistency): Promise<void> {
    if (consistency.kind === "atExactSnapshot")
      throw new RelgraphError(
        ErrorCode.UNIMPLEMENTED,
        "consistency: atExactSnapshot is not supported (Neo4j serves its latest committed state, not snapshots)",
      );
    if (consistency.kind === "atLeastAsFresh") {
      const head = await this.store.head(store);
      decodeToken(consistency.token, { store, incarnation: head.incarnation });
    }
  }

  /**
   * One lookup's sorted results, the revision they hold at and the page's cursor (decoded against
   * the store's incarnation and the request digest). Computed results are kept in `this.lookups`,
   * so that the pages of one walk compute the lookup once per revision.
   *
   * - On the projection (after the consistency wait): cached under its scope (revision, schema,
   *   load epoch).
   * - On a store evaluated in Neo4j the projection is never loaded: `read` fetches the subgraph
   *   the lookup reads (one round trip), and the results are cached under the revision that read
   *   saw (`#cypher`, apart from projection scopes), so any write changes the key. A later page
   *   (a cursor) reads the store's head first: if nothing was written since, the cached results
   *   answer it (one small round trip, no subgraph transfer); otherwise the subgraph is read again.
   */
  private async computeLookup<T>(
    store: string,
    page: LookupPageRequest,
    digest: string,
    read: (direct: DirectEvaluator) => Promise<DirectRead>,
    compute: (evaluator: Evaluator, reader: TupleReader) => SortedResults<T>,
  ): Promise<{ revision: Revision; cursor: LookupCursor | undefined; results: SortedResults<T> }> {
    if (await this.usesCypher(store)) {
      const direct = this.direct!;
      if (page.after !== undefined) {
        const head = await direct.head(store, page.consistency);
        const cursor = this.lookupCursor(head, digest, page.after);
        const cached = this.lookups.peek<T>(`${cypherScope(head)}|${digest}`);
        if (cached !== undefined) return { revision: head, cursor, results: cached };
      }
      const r = await read(direct);
      return {
        revision: r.revision,
        cursor: this.lookupCursor(r.revision, digest, page.after),
        results: this.lookups.get(`${cypherScope(r.revision)}|${digest}`, () =>
          compute(r.evaluator, r.reader),
        ),
      };
    }
    const p = await this.fresh(store, page.consistency);
    const evaluator = this.evaluator(p, store);
    return {
      revision: p.revision,
      cursor: this.lookupCursor(p.revision, digest, page.after),
      results: this.lookups.get(`${p.cacheScope}|${digest}`, () => compute(evaluator, p.reader)),
    };
  }

  private lookupCursor(revision: Revision, digest: string, after: string | undefined) {
    return after === undefined
      ? undefined
      : decodeLookupCursor(after, { incarnation: revision.incarnation, request: digest });
  }

  private lookupPageInfo(
    revision: Revision,
    digest: string,
    startRevision: number | undefined,
    slice: Page<unknown>,
  ): LookupPageInfo {
    const start = startRevision ?? revision.revision;
    return {
      ...(slice.lastKey !== undefined
        ? {
            endCursor: encodeLookupCursor({
              incarnation: revision.incarnation,
              startRevision: start,
              request: digest,
              last: slice.lastKey,
            }),
          }
        : {}),
      hasNextPage: slice.hasNextPage,
      readAt: encodeToken(revision),
      staleCursor: startRevision !== undefined && revision.revision > startRevision,
    };
  }

  private compiled(p: Projection, store: string): TypeSystem {
    const compiled = p.compiledSchema;
    if (!compiled)
      throw new RelgraphError(
        ErrorCode.FAILED_PRECONDITION,
        `store "${store}" has no schema: write one first`,
      );
    return compiled;
  }

  private evaluator(p: Projection, store: string): Evaluator {
    const compiled = this.compiled(p, store);
    let e = this.evaluators.get(compiled);
    if (!e) {
      e = new Evaluator(compiled, {
        maxDepth: this.config.engine.maxDepth,
        ...(this.cache ? { cache: this.cache } : {}),
      });
      this.evaluators.set(compiled, e);
    }
    return e;
  }
}

/** Cache scope of a lookup computed on a subgraph read from Neo4j at `v`. */
function cypherScope(v: Revision): string {
  return `${v.store}@${v.incarnation}@${v.revision}/${v.schemaRevision}#cypher`;
}

/** The service's view of a proof, with the Browser Cypher of its access path (explainCypher.ts). */
function explanationView(store: string, e: EngineExplanation): Explanation {
  const shown = e.path.length > 0 ? explainCypher(store, e.path) : undefined;
  return {
    root: e.root,
    nodes: e.nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      resource: n.resource,
      relation: n.relation,
      result: n.result,
      children: n.children,
      tuples: n.tuples,
      subjects: n.subjects,
      ...(n.cycleTo !== undefined ? { cycleTo: n.cycleTo } : {}),
      ...(n.note !== undefined ? { note: n.note } : {}),
    })),
    truncated: e.truncated,
    path: e.path,
    ...(shown !== undefined ? { cypher: `${shown.params}\n${shown.query}` } : {}),
    ...(shown?.browserUrl !== undefined ? { browserUrl: shown.browserUrl } : {}),
  };
}
