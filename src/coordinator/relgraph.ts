/**
 * Relgraph: the coordinator, implementing RelgraphService (service.ts). Each method owns one
 * request's life, and each is short because every policy lives in one place:
 *   1. the store (TupleStore) and, for evaluation, the evaluator that serves it (policy.ts picks
 *      memory or Cypher; evaluation.ts is their one interface);
 *   2. the consistency (consistency.ts: one implementation of the four modes, which each evaluator
 *      meets in its own way);
 *   3. the unchanged engine on the evaluation's reader;
 *   4. the result mapped to the service's types (results.ts).
 * Writes go to the store (Neo4j: the source of truth); the evaluator is then told, so this
 * process reads its own writes.
 */
import type { RelgraphConfig } from "../config.ts";
import type { CheckAnswer, CheckRequest } from "../engine/check.ts";
import { ExpiryPruner } from "./expiryPruner.ts";
import { ConditionReader } from "../engine/conditionReader.ts";
import { SubResultCache } from "../engine/cache.ts";
import { expandTree } from "../engine/expand.ts";
import { explainCheck } from "../engine/explain.ts";
import {
  checkLookupPageSize,
  decodeLookupCursor,
  encodeLookupCursor,
  pageOf,
  requestDigest,
  sortResults,
  type Page,
} from "../engine/lookup/paging.ts";
import { lookupResourcesSorted } from "../engine/lookup/resources.ts";
import { lookupSubjects } from "../engine/lookup/subjects.ts";
import { permissionship } from "../engine/result.ts";
import { expandSubjects } from "../engine/subjects.ts";
import { ErrorCode, RelgraphError, invalidArgument, isRelgraphError } from "../errors.ts";
import { compileSchemaOffThread } from "../language/offThread.ts";
import { printSchema } from "../language/printer.ts";
import { rootRelativePath } from "../language/imports.ts";
import { MAX_CONTEXTUAL_TUPLES } from "../engine/overlayReader.ts";
import {
  formatObjectRef,
  formatSubjectRef,
  type Dialect,
  type ObjectRef,
  type Tuple,
} from "../model/tuple.ts";
import { checkContextualTuples, checkObjectRefSyntax, checkSubjectRefSyntax } from "../store/validate.ts";
import type {
  Precondition,
  RelationshipFilter,
  RelationshipUpdate,
  Revision,
  SchemaFormat,
  StoreInfo,
  TupleStore,
} from "../store/interface.ts";
import { DEFAULT_STORE } from "../store/interface.ts";
import { TokenSigner, decodeToken } from "../store/token.ts";
import { hasErrors } from "../typesystem/diagnostic.ts";
import type { SchemaIR } from "../typesystem/ir.ts";
import { invalidSchema } from "../typesystem/typesystem.ts";
import { checkTokenAgainst, satisfy } from "./consistency.ts";
import { CypherEvaluator } from "./cypherEvaluator.ts";
import { withinDeadline, type OperationKind } from "./deadline.ts";
import type { EvaluatorSource, ReadTarget } from "./evaluation.ts";
import { CachedLookups, ComputedLookups, type LookupJob } from "./lookups.ts";
import { MemoryEvaluator, noSchema } from "./memoryEvaluator.ts";
import { EvaluatorPolicy } from "./policy.ts";
import { expandedSubjectOf, explanationOf } from "./results.ts";
import type {
  BulkCheckItemOutcome,
  ChangesPage,
  CheckCallOptions,
  CheckOutcome,
  Consistency,
  DeleteOptions,
  DeleteOutcome,
  ExpandedSubject,
  ExpandOutcome,
  SchemaFile,
  LookupPageInfo,
  LookupPageRequest,
  LookupResourcesPage,
  LookupResourcesRequest,
  LookupSubjectsPage,
  LookupSubjectsRequest,
  PermissionResult,
  PermissionsOutcome,
  PermissionsRequest,
  RelationshipsPage,
  RelgraphService,
  SchemaView,
  SchemaWriteOutcome,
  WriteOutcome,
} from "./service.ts";

/** How long readiness waits for the default store's schema (ms). */
const READY_SCHEMA_MS = 1000;

/** Items in one checkBulk (RESOURCE_EXHAUSTED above). */
export const MAX_BULK_CHECKS = 1000;
/** Nodes in one expand, by default and at most. */
const DEFAULT_EXPAND_NODES = 10_000;
const MAX_EXPAND_NODES = 1_000_000;

/** Files one writeSchema may be given for its imports (imports.ts bounds what it includes). */
const MAX_SCHEMA_FILES = 256;

/** The files given with a schema, by normalised path; INVALID_ARGUMENT naming the bad entry. */
function schemaFiles(files: readonly SchemaFile[] | undefined): Map<string, string> | undefined {
  if (files === undefined || files.length === 0) return undefined;
  if (files.length > MAX_SCHEMA_FILES)
    throw invalidArgument(`files: at most ${MAX_SCHEMA_FILES} files, got ${files.length}`, {
      field: "files",
    });
  const out = new Map<string, string>();
  files.forEach((f, i) => {
    const path = rootRelativePath(f.path);
    if (path === undefined)
      throw invalidArgument(
        `files[${i}].path: "${f.path}" must be a path relative to the schema's folder, inside it`,
        { field: `files[${i}].path` },
      );
    if (out.has(path))
      throw invalidArgument(`files[${i}].path: "${f.path}" is given twice`, { field: `files[${i}].path` });
    out.set(path, f.text);
  });
  return out;
}

function itemOutcome(a: CheckAnswer): BulkCheckItemOutcome {
  return { permissionship: permissionship(a.value), missingContext: a.missingContext };
}

export class Relgraph implements RelgraphService {
  /** The shared sub-result cache of the memory evaluator (absent when RELGRAPH_CACHE_SIZE=0). */
  readonly cache: SubResultCache | undefined;
  /** Which evaluator serves each store. */
  readonly policy: EvaluatorPolicy;
  readonly memory: MemoryEvaluator;
  /** The Cypher evaluator; present when the store can evaluate in place (Neo4j). */
  readonly cypher: CypherEvaluator | undefined;
  private readonly lookups: CachedLookups;
  /** Signs the tokens this service issues and verifies those it is given (store/token.ts). */
  private readonly tokens: TokenSigner;
  private closed = false;
  /** Deletes expired relationships in the background (expiryPruner.ts). */
  private readonly expiry: ExpiryPruner;
  /** The default store's schema was seen (readiness needs it once). */
  private defaultSchemaSeen = false;

  constructor(
    readonly store: TupleStore,
    readonly config: RelgraphConfig,
    log: (line: string) => void = () => {},
  ) {
    this.cache = config.engine.cacheSize > 0 ? new SubResultCache(config.engine.cacheSize) : undefined;
    this.memory = new MemoryEvaluator(store, config.engine, this.cache);
    this.cypher =
      store.subgraphs !== undefined
        ? new CypherEvaluator(store, store.subgraphs, { maxDepth: config.engine.maxDepth })
        : undefined;
    this.policy = new EvaluatorPolicy(config.engine, store.subgraphs);
    this.lookups = new CachedLookups(new ComputedLookups());
    this.tokens = new TokenSigner(store.tokenSecret);
    this.expiry = new ExpiryPruner(store, (work) => this.bounded("write", work), log);
    this.expiry.start(config.engine.expiryPruneIntervalMs);
  }

  /**
   * Deletes `store`'s expired relationships now (the background pruning does it every
   * RELGRAPH_EXPIRY_PRUNE_INTERVAL_MS); returns how many. Each batch of ≤ 1,000 is one revision.
   */
  async pruneExpired(store: string): Promise<number> {
    return this.expiry.prune(store);
  }

  /** The evaluator serving `store`. */
  async evaluatorFor(store: string): Promise<EvaluatorSource> {
    return (await this.policy.kindOf(store)) === "cypher" && this.cypher !== undefined
      ? this.cypher
      : this.memory;
  }

  // ---- stores -----------------------------------------------------------------------------------

  async createStore(name: string): Promise<StoreInfo> {
    return this.bounded("write", async () => {
      return this.store.createStore(name);
    });
  }

  async deleteStore(name: string): Promise<void> {
    return this.bounded("write", async () => {
      // Stop following the store first, so no poll runs against a store that is going away.
      this.memory.forget(name);
      await this.store.deleteStore(name);
      this.memory.forget(name);
      this.cypher?.forget(name);
      this.policy.forget(name);
    });
  }

  async stores(): Promise<StoreInfo[]> {
    return this.bounded("read", async () => {
      return this.store.listStores();
    });
  }

  // ---- schema -----------------------------------------------------------------------------------

  async writeSchema(
    store: string,
    text: string,
    format: SchemaFormat,
    files?: readonly SchemaFile[],
  ): Promise<SchemaWriteOutcome> {
    return this.bounded("write", async () => {
      const imports = schemaFiles(files);
      // Off the event loop when large: a big schema must not stall other requests.
      const { ir, diagnostics, imported } = await compileSchemaOffThread(text, {
        format: format === "ZED" ? "zed" : "openfga",
        ...(imports !== undefined ? { imports } : {}),
      });
      if (ir === undefined || hasErrors(diagnostics)) throw invalidSchema(diagnostics);
      // Imports resolved: the stored text is the compiled whole (the files are not kept).
      const stored = imported !== undefined ? printSchema(ir) : text;
      const revision = await this.store.writeSchema(store, { text: stored, format, ir });
      await this.written(store, revision);
      return {
        token: this.tokens.encode(revision),
        warnings: diagnostics.filter((d) => d.severity === "warning"),
      };
    });
  }

  async readSchema(store: string): Promise<SchemaView | undefined> {
    return this.bounded("read", async () => {
      const s = await this.store.readSchema(store);
      return s && { text: s.text, format: s.format, ir: s.ir, schemaRevision: s.schemaRevision };
    });
  }

  // ---- relationships ----------------------------------------------------------------------------

  async writeRelationships(
    store: string,
    updates: readonly RelationshipUpdate[],
    preconditions?: readonly Precondition[],
  ): Promise<WriteOutcome> {
    return this.bounded("write", async () => {
      // Nothing to write and nothing to check: no new revision, the current token.
      if (Array.isArray(updates) && updates.length === 0 && (preconditions ?? []).length === 0)
        return { token: this.tokens.encode(await this.store.head(store)) };
      const revision = await this.store.write(store, {
        updates,
        ...(preconditions ? { preconditions } : {}),
      });
      await this.written(store, revision);
      return { token: this.tokens.encode(revision) };
    });
  }

  async deleteRelationships(
    store: string,
    filter: RelationshipFilter,
    options: DeleteOptions = {},
  ): Promise<DeleteOutcome> {
    if (options.all !== true && Object.values(filter).every((v) => v === undefined || v === null))
      throw invalidArgument(
        "filter: an empty filter matches every relationship of the store; pass all: true to delete them all",
        { field: "filter" },
      );
    return this.bounded("write", async () => {
      const r = await this.store.deleteByFilter(store, {
        filter,
        ...(options.preconditions ? { preconditions: options.preconditions } : {}),
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(options.allowPartial !== undefined ? { allowPartial: options.allowPartial } : {}),
      });
      await this.written(store, r.revision);
      return { token: this.tokens.encode(r.revision), deletedCount: r.deletedCount, complete: r.complete };
    });
  }

  async relationships(
    store: string,
    filter: RelationshipFilter,
    page: { first: number; after?: string; consistency?: Consistency },
  ): Promise<RelationshipsPage> {
    return this.bounded("read", async () => {
      // Reads go to the store itself, which always serves its latest committed state: every mode but
      // atExactSnapshot is met at once; a token is still checked, so a foreign one is refused.
      if (page.consistency)
        await satisfy(this.verified(page.consistency), {
          asIs: async () => {},
          latest: async () => {},
          atLeast: async (token) => checkTokenAgainst(store, token, await this.store.head(store)),
        });
      const r = await this.store.read(store, filter, {
        first: page.first,
        ...(page.after ? { after: page.after } : {}),
      });
      return {
        tuples: r.tuples,
        ...(r.nextCursor !== undefined ? { endCursor: r.nextCursor } : {}),
        hasNextPage: r.nextCursor !== undefined,
        readAt: this.tokens.encode(r.readAt),
        staleCursor: r.staleCursor,
      };
    });
  }

  async changes(store: string, page: { first: number; after?: string }): Promise<ChangesPage> {
    return this.bounded("read", async () => {
      let afterRevision = 0;
      if (page.after !== undefined) {
        this.tokens.verify(page.after);
        const head = await this.store.head(store);
        afterRevision = decodeToken(page.after, { store, incarnation: head.incarnation }).revision;
      }
      const r = await this.store.changes(store, afterRevision, page.first);
      const through: Revision = { ...r.head, revision: r.throughRevision };
      const token = this.tokens.encode(through);
      return { changes: r.changes, endCursor: token, hasNextPage: !r.complete, token };
    });
  }

  // ---- evaluation -------------------------------------------------------------------------------

  async check(
    store: string,
    request: CheckRequest,
    consistency?: Consistency,
    options: CheckCallOptions = {},
  ): Promise<CheckOutcome> {
    return this.bounded("read", async () => {
      const e = await this.evaluate(store, { kind: "check", request }, consistency);
      checkRequestSyntax(request, e.schema.origin);
      if (options.explain === true) {
        const proof = explainCheck(e.schema, e.reader, request, {
          maxDepth: this.config.engine.maxDepth,
          now: e.evaluator.now(),
        });
        return {
          permissionship: permissionship(proof.value),
          checkedAt: this.tokens.encode(e.revision),
          explanation: explanationOf(store, proof),
        };
      }
      const a = e.evaluator.answer(e.reader, request, e.scope);
      return {
        permissionship: permissionship(a.value),
        missingContext: a.missingContext,
        checkedAt: this.tokens.encode(e.revision),
      };
    });
  }

  async permissions(
    store: string,
    request: PermissionsRequest,
    consistency?: Consistency,
  ): Promise<PermissionsOutcome> {
    return this.bounded("read", async () => {
      this.verified(consistency);
      const source = await this.evaluatorFor(store);
      if (source.wholeStore) {
        // One evaluation, and its schema: no store round trip beyond what the consistency needs.
        const first: CheckRequest = { ...request, permission: "" };
        const e = await source.evaluate(store, { kind: "check", request: first }, consistency);
        checkRequestSyntax(first, e.schema.origin);
        const results = membersToAnswer(e.schema.ir, request.resource.type).map((m) => {
          const a = e.evaluator.answer(e.reader, { ...request, permission: m.name }, e.scope);
          return permissionResult(m, {
            permissionship: permissionship(a.value),
            missingContext: a.missingContext,
          });
        });
        return { results, checkedAt: this.tokens.encode(e.revision) };
      }
      const schema = await this.store.readSchema(store);
      if (schema === undefined) throw noSchema(store);
      const members = membersToAnswer(schema.ir, request.resource.type);
      if (members.length === 0)
        return { results: [], checkedAt: this.tokens.encode(await this.store.head(store)) };
      // checkBulk answers every member at one revision (its items share round trips).
      const bulk = await this.checkBulk(
        store,
        members.map((m) => ({ ...request, permission: m.name })),
        consistency,
      );
      const results = members.map((m, i) => {
        const item = bulk.results[i]!;
        if (item.error !== undefined)
          throw new RelgraphError(item.error.code as ErrorCode, `${m.name}: ${item.error.message}`);
        return permissionResult(m, {
          permissionship: item.permissionship!,
          ...(item.missingContext !== undefined ? { missingContext: item.missingContext } : {}),
        });
      });
      return { results, checkedAt: bulk.checkedAt };
    });
  }

  async checkBulk(
    store: string,
    checks: readonly CheckRequest[],
    consistency?: Consistency,
  ): Promise<{ readonly results: readonly BulkCheckItemOutcome[]; readonly checkedAt: string }> {
    return this.bounded("read", async () => {
      if (checks.length > MAX_BULK_CHECKS)
        throw new RelgraphError(
          ErrorCode.RESOURCE_EXHAUSTED,
          `checks: at most ${MAX_BULK_CHECKS} items per bulk check, got ${checks.length}`,
        );
      this.verified(consistency);
      const source = await this.evaluatorFor(store);
      if (source.wholeStore) {
        // One evaluation for the whole batch: every item answers at the same point in time.
        const e = await source.evaluate(store, { kind: "check", request: checks[0]! }, consistency);
        const results = checks.map((request): BulkCheckItemOutcome => {
          try {
            checkRequestSyntax(request, e.schema.origin);
            return itemOutcome(e.evaluator.answer(e.reader, request, e.scope));
          } catch (err) {
            if (isRelgraphError(err)) return { error: { code: err.code, message: err.message } };
            throw err;
          }
        });
        return { results, checkedAt: this.tokens.encode(e.revision) };
      }
      // Each item reads its own part of the store; concurrent items share round trips (the store's
      // SubgraphReader batches them into one query). Store-level failures fail the whole request.
      await this.cypher?.prepare(store);
      let checkedAt = "";
      const results = await Promise.all(
        checks.map(async (request): Promise<BulkCheckItemOutcome> => {
          try {
            const e = await source.evaluate(store, { kind: "check", request }, consistency);
            checkedAt ||= this.tokens.encode(e.revision);
            checkRequestSyntax(request, e.schema.origin);
            return itemOutcome(e.evaluator.answer(e.reader, request, e.scope));
          } catch (err) {
            if (
              isRelgraphError(err) &&
              err.code !== ErrorCode.UNAVAILABLE &&
              err.code !== ErrorCode.NOT_FOUND
            )
              return { error: { code: err.code, message: err.message } };
            throw err;
          }
        }),
      );
      if (checkedAt === "") checkedAt = this.tokens.encode(await this.store.head(store));
      return { results, checkedAt };
    });
  }

  async expand(
    store: string,
    resource: ObjectRef,
    permission: string,
    consistency?: Consistency,
    options: { readonly maxNodes?: number; readonly context?: Readonly<Record<string, unknown>> } = {},
  ): Promise<ExpandOutcome> {
    return this.bounded("read", async () => {
      const maxNodes = options.maxNodes ?? DEFAULT_EXPAND_NODES;
      if (!Number.isInteger(maxNodes) || maxNodes < 1 || maxNodes > MAX_EXPAND_NODES)
        throw invalidArgument(`maxNodes must be a whole number from 1 to 1,000,000, got ${maxNodes}`, {
          field: "maxNodes",
        });
      const e = await this.evaluate(store, { kind: "forward", resource, contextualTuples: [] }, consistency);
      checkObjectRefSyntax(resource, e.schema.origin, "resource");
      const reader = e.evaluator.conditions(e.reader, options.context);
      const tree = expandTree(e.schema, reader, resource, permission, {
        maxNodes,
        maxDepth: this.config.engine.maxDepth,
      });
      return {
        root: tree.root,
        nodes: tree.nodes,
        truncated: tree.truncated,
        expandedAt: this.tokens.encode(e.revision),
      };
    });
  }

  async subjects(
    store: string,
    resource: ObjectRef,
    permission: string,
    consistency?: Consistency,
  ): Promise<readonly ExpandedSubject[]> {
    return this.bounded("read", async () => {
      const e = await this.evaluate(store, { kind: "forward", resource, contextualTuples: [] }, consistency);
      checkObjectRefSyntax(resource, e.schema.origin, "resource");
      // Expiries judged now; caveats left CONDITIONAL, as SpiceDB's validation blocks show them.
      const reader = ConditionReader.over(e.reader, e.schema, {
        now: e.evaluator.now(),
        caveats: false,
      });
      return expandSubjects(e.schema, reader, resource, permission, {
        maxDepth: this.config.engine.maxDepth,
      }).map(expandedSubjectOf);
    });
  }

  async lookupResources(
    store: string,
    request: LookupResourcesRequest,
    page: LookupPageRequest,
  ): Promise<LookupResourcesPage> {
    return this.bounded("read", async () => {
      const first = checkLookupPageSize(page.first);
      const digest = requestDigest(
        store,
        [
          "resources",
          request.resourceType,
          request.permission,
          formatSubjectRef(request.subject),
          JSON.stringify(request.context ?? {}),
        ],
        request.contextualTuples,
      );
      const { items, info } = await this.lookupPage(store, page, first, {
        digest,
        target: {
          kind: "reverse",
          subject: request.subject,
          contextualTuples: request.contextualTuples ?? [],
        },
        compute: (e) => {
          checkSubjectRefSyntax(request.subject, e.schema.origin, "subject");
          checkContextual(request.contextualTuples, e.schema.origin);
          return lookupResourcesSorted(e.evaluator, e.reader, request);
        },
      });
      return {
        resources: items.map((r) => ({
          resource: { type: request.resourceType, id: r.id },
          permissionship: permissionship(r.value),
          missingContext: r.missingContext ?? [],
        })),
        ...info,
      };
    });
  }

  async lookupSubjects(
    store: string,
    request: LookupSubjectsRequest,
    page: LookupPageRequest,
  ): Promise<LookupSubjectsPage> {
    return this.bounded("read", async () => {
      const first = checkLookupPageSize(page.first);
      const digest = requestDigest(
        store,
        [
          "subjects",
          formatObjectRef(request.resource),
          request.permission,
          request.subjectType,
          request.subjectRelation ?? "",
          JSON.stringify(request.context ?? {}),
        ],
        request.contextualTuples,
      );
      const { items, info } = await this.lookupPage(store, page, first, {
        digest,
        target: {
          kind: "forward",
          resource: request.resource,
          contextualTuples: request.contextualTuples ?? [],
        },
        compute: (e) => {
          checkObjectRefSyntax(request.resource, e.schema.origin, "resource");
          checkContextual(request.contextualTuples, e.schema.origin);
          return sortResults(lookupSubjects(e.evaluator, e.reader, request), (s) =>
            formatSubjectRef(s.subject),
          );
        },
      });
      return {
        subjects: items.map((s) => ({
          subject: s.subject,
          excluded: s.excluded,
          permissionship: permissionship(s.value),
          missingContext: s.missingContext ?? [],
        })),
        ...info,
      };
    });
  }

  /** One page of a lookup: its results (computed or cached), the cursor checked, the page cut. */
  private async lookupPage<T>(
    store: string,
    page: LookupPageRequest,
    first: number,
    job: LookupJob<T>,
  ): Promise<{ items: readonly T[]; info: LookupPageInfo }> {
    this.verified(page.consistency);
    const run = await this.lookups.run(await this.evaluatorFor(store), store, page, job);
    const cursor = lookupCursor(run.revision, job.digest, page.after);
    const slice = pageOf(run.results, first, cursor?.last);
    return {
      items: slice.items,
      info: lookupPageInfo(run.revision, job.digest, cursor?.startRevision, slice, this.tokens),
    };
  }

  /** Forgets every computed lookup (benchmarks measure cold pages with it; writes never need it). */
  clearLookupCache(): void {
    this.lookups.clear();
  }

  /**
   * Readiness (`/readyz`): the store's backend answers a probe over connections of its own (Neo4j's
   * circuit breaker: at once when it is known down, else within its probe timeout), and the default
   * store has a schema (read once, within READY_SCHEMA_MS; a schema is never removed).
   */
  async ready(): Promise<boolean> {
    try {
      // Known down: at once (the breaker's own probes notice the recovery); else probe now.
      const health = this.store.health;
      if (health !== undefined && (health.down || !(await health.probe()))) return false;
      if (!this.defaultSchemaSeen)
        this.defaultSchemaSeen = await withinDeadline(
          { kind: "read", budgetMs: READY_SCHEMA_MS },
          this.store.health,
          async () => (await this.store.readSchema(DEFAULT_STORE)) !== undefined,
        );
      return this.defaultSchemaSeen;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.expiry.stop();
    this.memory.close();
    this.cypher?.close();
    await this.store.close();
  }

  /**
   * The one deadline wrapper (deadline.ts): every operation answers within its read or write
   * deadline — DEADLINE_EXCEEDED, or UNAVAILABLE while Neo4j is known down.
   */
  private bounded<T>(kind: OperationKind, work: () => Promise<T>): Promise<T> {
    const budgetMs =
      kind === "write" ? this.config.engine.writeDeadlineMs : this.config.engine.readDeadlineMs;
    return withinDeadline({ kind, budgetMs }, this.store.health, work);
  }

  /** The evaluation of `target` by whichever evaluator serves `store`. */
  private async evaluate(store: string, target: ReadTarget, consistency: Consistency | undefined) {
    return (await this.evaluatorFor(store)).evaluate(store, target, this.verified(consistency));
  }

  /** `consistency` once its token (if any) is one this store's secret signed (INVALID_ARGUMENT otherwise). */
  private verified<C extends Consistency | undefined>(consistency: C): C {
    if (consistency?.kind === "atLeastAsFresh" || consistency?.kind === "atExactSnapshot")
      this.tokens.verify(consistency.token);
    return consistency;
  }

  /** After this process's write: whichever evaluator serves the store sees it (read-your-writes). */
  private async written(store: string, revision: Revision): Promise<void> {
    await this.memory.written(store, revision);
  }
}

type Member = SchemaIR["definitions"][number]["members"][number];

/** One line of a `permissions` answer. */
function permissionResult(
  member: Member,
  answer: Pick<PermissionResult, "permissionship" | "missingContext">,
): PermissionResult {
  return {
    name: member.name,
    kind: member.kind === "relation" ? "RELATION" : "PERMISSION",
    permissionship: answer.permissionship,
    ...(answer.missingContext !== undefined && answer.missingContext.length > 0
      ? { missingContext: answer.missingContext }
      : {}),
  };
}

/** The relations and permissions of `type`, in schema order (SCHEMA_VIOLATION for an unknown type). */
function membersToAnswer(ir: SchemaIR, type: string): Member[] {
  const definition = ir.definitions.find((d) => d.name === type);
  if (definition === undefined)
    throw new RelgraphError(
      ErrorCode.SCHEMA_VIOLATION,
      `resource: type "${type}" is not defined in the schema`,
      {
        field: "resource",
      },
    );
  return definition.members.filter((m) => m.kind === "relation" || m.kind === "permission");
}

/**
 * The ids and names a read request gives obey the write grammar of the store's dialect (one
 * definition: src/store/validate.ts), so a read refuses what a write refuses (INVALID_ARGUMENT).
 */
function checkRequestSyntax(request: CheckRequest, dialect: Dialect): void {
  checkObjectRefSyntax(request.resource, dialect, "resource");
  checkSubjectRefSyntax(request.subject, dialect, "subject");
  checkContextual(request.contextualTuples, dialect);
}

/** Contextual tuples: at most MAX_CONTEXTUAL_TUPLES (RESOURCE_EXHAUSTED), each as a write's tuple. */
function checkContextual(tuples: readonly Tuple[] | undefined, dialect: Dialect): void {
  if (tuples !== undefined && tuples.length > MAX_CONTEXTUAL_TUPLES)
    throw new RelgraphError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `contextualTuples: at most ${MAX_CONTEXTUAL_TUPLES} contextual tuples, got ${tuples.length}`,
      { field: "contextualTuples", limit: MAX_CONTEXTUAL_TUPLES, actual: tuples.length },
    );
  checkContextualTuples(tuples, dialect);
}

/** The decoded cursor of a later page: of this incarnation and this request (INVALID_ARGUMENT otherwise). */
function lookupCursor(revision: Revision, digest: string, after: string | undefined) {
  return after === undefined
    ? undefined
    : decodeLookupCursor(after, { incarnation: revision.incarnation, request: digest });
}

function lookupPageInfo(
  revision: Revision,
  digest: string,
  startRevision: number | undefined,
  slice: Page<unknown>,
  tokens: TokenSigner,
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
    readAt: tokens.encode(revision),
    staleCursor: startRevision !== undefined && revision.revision > startRevision,
  };
}
