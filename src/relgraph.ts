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
import type { ObjectRef } from "./language/tuple.ts";
import { SubResultCache } from "./engine/cache.ts";
import { Evaluator } from "./engine/check.ts";
import { Projection } from "./engine/projection/projection.ts";
import { permissionship } from "./engine/result.ts";
import type { CompiledSchema } from "./engine/schema.ts";
import { expandSubjects } from "./engine/subjects.ts";
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
import { compileSchema } from "./typesystem/schema.ts";
import { hasErrors } from "./typesystem/diagnostic.ts";
import type { SchemaIR } from "./typesystem/ir.ts";
import type {
  BulkCheckItemOutcome,
  ChangesPage,
  CheckOutcome,
  CheckRequest,
  Consistency,
  DeleteOutcome,
  ExpandedSubject,
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
  private readonly evaluators = new WeakMap<CompiledSchema, Evaluator>();
  readonly cache: SubResultCache | undefined;
  private closed = false;

  constructor(
    readonly store: TupleStore,
    readonly config: RelgraphConfig,
  ) {
    this.cache = config.engine.cacheSize > 0 ? new SubResultCache(config.engine.cacheSize) : undefined;
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

  async check(store: string, request: CheckRequest, consistency?: Consistency): Promise<CheckOutcome> {
    const p = await this.fresh(store, consistency);
    const value = this.evaluator(p, store).check(p.reader, request);
    return { permissionship: permissionship(value), checkedAt: encodeToken(p.revision) };
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
    const p = await this.fresh(store, consistency);
    const evaluator = this.evaluator(p, store);
    // One projection revision for the whole batch: every item answers at the same point in time.
    const results = checks.map((request): BulkCheckItemOutcome => {
      try {
        return { permissionship: permissionship(evaluator.check(p.reader, request)) };
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
    const p = await this.fresh(store, consistency);
    const found = expandSubjects(this.compiled(p, store), p.reader, resource, permission, {
      maxDepth: this.config.engine.maxDepth,
    });
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
        let wanted = decodeToken(consistency.token, { store, incarnation: p.revision.incarnation });
        // The projection may predate a delete + re-create of the store: reload once and re-check.
        if (wanted.incarnation !== p.revision.incarnation) {
          this.dropProjection(store);
          p = await this.projection(store);
          wanted = decodeToken(consistency.token, { store, incarnation: p.revision.incarnation });
        }
        await p.waitFor(wanted.revision);
        break;
      }
      default: {
        const never: never = consistency;
        throw invalidArgument(`consistency: unknown mode ${JSON.stringify(never)}`);
      }
    }
    return p;
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

  private compiled(p: Projection, store: string): CompiledSchema {
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
