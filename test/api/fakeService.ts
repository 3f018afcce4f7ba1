/**
 * An in-memory RelgraphService for the API tests: plain maps, direct relationships only. It is not
 * the engine: it answers just enough, and records what it was asked, for the tests to see the
 * GraphQL layer translate faithfully in both directions.
 */
import { ErrorCode, RelgraphError } from "../../src/errors.ts";
import { tupleKey, type Tuple } from "../../src/model/tuple.ts";
import type {
  BulkCheckItemOutcome,
  ChangesPage,
  CheckOutcome,
  CheckRequest,
  Consistency,
  DeleteOutcome,
  ExpandedSubject,
  PermissionResult,
  PermissionsOutcome,
  PermissionsRequest,
  RelationshipsPage,
  RelgraphService,
  SchemaView,
  SchemaWriteOutcome,
  WriteOutcome,
} from "../../src/coordinator/service.ts";
import {
  STORE_NAME,
  type Change,
  type Precondition,
  type RelationshipFilter,
  type RelationshipUpdate,
  type SchemaFormat,
  type StoreInfo,
} from "../../src/store/interface.ts";
import type { Diagnostic } from "../../src/typesystem/diagnostic.ts";
import type { SchemaIR } from "../../src/typesystem/ir.ts";

/** The IR every accepted schema gets (the fake does not compile text). */
export const FAKE_IR: SchemaIR = {
  origin: "zed",
  caveats: [],
  features: { self: false, typechecking: false, expiration: false },
  definitions: [
    { name: "user", members: [], doc: "A person." },
    {
      name: "group",
      members: [
        {
          kind: "relation",
          name: "member",
          types: [
            { type: "user", wildcard: false, expiration: false },
            { type: "group", relation: "member", wildcard: false, expiration: false },
          ],
          rewrite: { kind: "this" },
        },
      ],
    },
    {
      name: "document",
      members: [
        {
          kind: "relation",
          name: "viewer",
          doc: "Who may read.",
          types: [
            { type: "user", wildcard: false, expiration: false },
            { type: "user", wildcard: true, expiration: false },
            { type: "group", relation: "member", wildcard: false, expiration: false, caveat: "on_weekdays" },
          ],
          rewrite: { kind: "this" },
        },
        {
          kind: "relation",
          name: "banned",
          types: [{ type: "user", wildcard: false, expiration: false }],
          rewrite: { kind: "this" },
        },
        {
          kind: "relation",
          name: "parent",
          types: [{ type: "document", wildcard: false, expiration: false }],
          rewrite: { kind: "this" },
        },
        {
          kind: "permission",
          name: "view",
          doc: "Readers.",
          types: [],
          rewrite: {
            kind: "exclusion",
            base: {
              kind: "union",
              children: [
                { kind: "computed", relation: "viewer" },
                { kind: "arrow", tupleset: "parent", computed: "view", mode: "any" },
              ],
            },
            subtract: { kind: "computed", relation: "banned" },
          },
        },
        {
          kind: "permission",
          name: "audit",
          types: [],
          rewrite: { kind: "arrow", tupleset: "parent", computed: "view", mode: "all" },
        },
      ],
    },
  ],
};

interface StoreState {
  info: StoreInfo;
  schema?: SchemaView;
  tuples: Map<string, Tuple>;
  changes: Change[];
}

function matches(t: Tuple, f: RelationshipFilter): boolean {
  return (
    (f.resourceType === undefined || t.resourceType === f.resourceType) &&
    (f.resourceId === undefined || t.resourceId === f.resourceId) &&
    (f.resourceIdPrefix === undefined || t.resourceId.startsWith(f.resourceIdPrefix)) &&
    (f.relation === undefined || t.relation === f.relation) &&
    (f.subjectType === undefined || t.subjectType === f.subjectType) &&
    (f.subjectId === undefined || t.subjectId === f.subjectId) &&
    (f.subjectRelation === undefined || t.subjectRelation === f.subjectRelation)
  );
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class FakeService implements RelgraphService {
  readonly #stores = new Map<string, StoreState>();
  #incarnation = 0;
  /** Whether /readyz should report ready. */
  isReady = true;
  /** Every call, for assertions: [method, ...arguments]. */
  readonly calls: [string, ...unknown[]][] = [];
  /** A check of permission `slow` waits for `release()`; `slowStarted` resolves when one is waiting. */
  #gate = deferred();
  #started = deferred();
  get slowStarted(): Promise<void> {
    return this.#started.promise;
  }
  release(): void {
    this.#gate.resolve();
  }

  constructor() {
    this.#create("default");
  }

  #create(name: string): StoreInfo {
    const info: StoreInfo = {
      name,
      incarnation: `inc${++this.#incarnation}`,
      revision: 0,
      schemaRevision: 0,
    };
    this.#stores.set(name, { info, tuples: new Map(), changes: [] });
    return info;
  }

  #store(name: string): StoreState {
    const state = this.#stores.get(name);
    if (!state)
      throw new RelgraphError(ErrorCode.NOT_FOUND, `store ${JSON.stringify(name)} does not exist`, {
        store: name,
      });
    return state;
  }

  #token(state: StoreState): string {
    return `${state.info.name}.${state.info.incarnation}.${state.info.revision}`;
  }

  #commit(state: StoreState, changes: readonly Change[], schema = false): void {
    state.info = {
      ...state.info,
      revision: state.info.revision + 1,
      schemaRevision: schema ? state.info.schemaRevision + 1 : state.info.schemaRevision,
    };
    for (const c of changes) state.changes.push({ ...c, revision: state.info.revision });
  }

  #checkPreconditions(state: StoreState, preconditions: readonly Precondition[] | undefined): void {
    for (const [i, p] of (preconditions ?? []).entries()) {
      const any = [...state.tuples.values()].some((t) => matches(t, p.filter));
      if ((p.operation === "MUST_MATCH") !== any)
        throw new RelgraphError(ErrorCode.FAILED_PRECONDITION, `precondition ${i} (${p.operation}) failed`, {
          index: i,
        });
    }
  }

  async createStore(name: string): Promise<StoreInfo> {
    this.calls.push(["createStore", name]);
    if (!STORE_NAME.test(name))
      throw new RelgraphError(ErrorCode.INVALID_ARGUMENT, `invalid store name ${JSON.stringify(name)}`);
    if (this.#stores.has(name))
      throw new RelgraphError(ErrorCode.ALREADY_EXISTS, `store ${JSON.stringify(name)} already exists`);
    return this.#create(name);
  }

  async deleteStore(name: string): Promise<void> {
    this.calls.push(["deleteStore", name]);
    this.#store(name);
    this.#stores.delete(name);
  }

  async stores(): Promise<StoreInfo[]> {
    return [...this.#stores.values()].map((s) => s.info);
  }

  async writeSchema(store: string, text: string, format: SchemaFormat): Promise<SchemaWriteOutcome> {
    this.calls.push(["writeSchema", store, text, format]);
    const state = this.#store(store);
    if (text.includes("syntax error")) {
      const diagnostic: Diagnostic = {
        severity: "error",
        code: "syntax-error",
        message: "expected `{`",
        loc: {
          file: "/secret/server/path.zed",
          start: { line: 2, column: 5, offset: 20 },
          end: { line: 2, column: 6, offset: 21 },
        },
      };
      throw new RelgraphError(ErrorCode.INVALID_SCHEMA, "the schema has 1 error", {
        diagnostics: [diagnostic],
      });
    }
    // The shape a construct Relgraph parses but does not evaluate would take (none today).
    if (text.includes("use future"))
      throw new RelgraphError(ErrorCode.UNIMPLEMENTED, "future is not supported yet", {
        construct: "future",
      });
    const warnings: Diagnostic[] = text.includes("warn")
      ? [{ severity: "warning", code: "permission-references-itself", message: "view refers to itself" }]
      : [];
    this.#commit(state, [], true);
    state.schema = { text, format, ir: FAKE_IR, schemaRevision: state.info.schemaRevision };
    return { token: this.#token(state), warnings };
  }

  async readSchema(store: string): Promise<SchemaView | undefined> {
    return this.#store(store).schema;
  }

  async writeRelationships(
    store: string,
    updates: readonly RelationshipUpdate[],
    preconditions?: readonly Precondition[],
  ): Promise<WriteOutcome> {
    this.calls.push(["writeRelationships", store, updates, preconditions]);
    const state = this.#store(store);
    this.#checkPreconditions(state, preconditions);
    const changes: Change[] = [];
    for (const u of updates) {
      const key = tupleKey(u.tuple);
      switch (u.operation) {
        case "CREATE":
        case "TOUCH":
          if (u.operation === "CREATE" && state.tuples.has(key))
            throw new RelgraphError(ErrorCode.ALREADY_EXISTS, `relationship ${key} already exists`);
          // A CREATE is recorded as a TOUCH.
          state.tuples.set(key, u.tuple);
          changes.push({ revision: 0, operation: "TOUCH", tuple: u.tuple });
          break;
        case "DELETE":
          if (state.tuples.delete(key)) changes.push({ revision: 0, operation: "DELETE", tuple: u.tuple });
          break;
      }
    }
    this.#commit(state, changes);
    return { token: this.#token(state) };
  }

  async deleteRelationships(
    store: string,
    filter: RelationshipFilter,
    options?: { preconditions?: readonly Precondition[]; limit?: number; allowPartial?: boolean },
  ): Promise<DeleteOutcome> {
    this.calls.push(["deleteRelationships", store, filter, options]);
    const state = this.#store(store);
    this.#checkPreconditions(state, options?.preconditions);
    const limit = options?.limit ?? 1000;
    const matching = [...state.tuples.entries()].filter(([, t]) => matches(t, filter));
    if (matching.length > limit && !options?.allowPartial)
      throw new RelgraphError(
        ErrorCode.FAILED_PRECONDITION,
        `${matching.length} relationships match, more than the limit ${limit}`,
      );
    const doomed = matching.slice(0, limit);
    for (const [key] of doomed) state.tuples.delete(key);
    this.#commit(
      state,
      doomed.map(([, tuple]) => ({ revision: 0, operation: "DELETE", tuple })),
    );
    return {
      token: this.#token(state),
      deletedCount: doomed.length,
      complete: doomed.length === matching.length,
    };
  }

  async relationships(
    store: string,
    filter: RelationshipFilter,
    page: { first: number; after?: string; consistency?: Consistency },
  ): Promise<RelationshipsPage> {
    this.calls.push(["relationships", store, filter, page]);
    const state = this.#store(store);
    const all = [...state.tuples.entries()]
      .filter(([, t]) => matches(t, filter))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const start = page.after === undefined ? 0 : all.findIndex(([k]) => k > (page.after ?? ""));
    const slice = start < 0 ? [] : all.slice(start, start + page.first);
    const hasNextPage = start >= 0 && start + page.first < all.length;
    const last = slice[slice.length - 1];
    return {
      tuples: slice.map(([, t]) => t),
      ...(hasNextPage && last ? { endCursor: last[0] } : {}),
      hasNextPage,
      readAt: this.#token(state),
      staleCursor: page.after !== undefined && page.after.startsWith("stale"),
    };
  }

  async changes(store: string, page: { first: number; after?: string }): Promise<ChangesPage> {
    this.calls.push(["changes", store, page]);
    const state = this.#store(store);
    const after = page.after === undefined ? 0 : Number(page.after);
    if (!Number.isInteger(after))
      throw new RelgraphError(ErrorCode.INVALID_ARGUMENT, `invalid cursor ${JSON.stringify(page.after)}`);
    const rest = state.changes.filter((c) => c.revision > after);
    const changes = rest.slice(0, page.first);
    const last = changes[changes.length - 1];
    return {
      changes,
      ...(last ? { endCursor: String(last.revision) } : {}),
      hasNextPage: rest.length > changes.length,
      token: this.#token(state),
    };
  }

  async check(store: string, request: CheckRequest, consistency?: Consistency): Promise<CheckOutcome> {
    this.calls.push(["check", store, request, consistency]);
    const state = this.#store(store);
    if (consistency?.kind === "atExactSnapshot")
      throw new RelgraphError(
        ErrorCode.UNIMPLEMENTED,
        "atExactSnapshot is not supported: Neo4j reads the latest committed state",
        {
          construct: "atExactSnapshot",
        },
      );
    switch (request.permission) {
      case "boom":
        // What an unexpected failure deep inside looks like: it must never reach a client.
        throw new Error(
          "Neo4jError: MATCH (n:`secret`) RETURN n failed at /srv/relgraph/src/store/neo4j.ts:42",
        );
      case "missing":
        throw new RelgraphError(ErrorCode.SCHEMA_VIOLATION, `document has no permission "missing"`);
      case "weird":
        throw new RelgraphError(ErrorCode.INTERNAL, "internal detail: Cypher MATCH (n) RETURN n");
      case "slow":
        this.#started.resolve();
        await this.#gate.promise;
        break;
      default:
        break;
    }
    const tuples = [...state.tuples.values(), ...(request.contextualTuples ?? [])];
    const granted = tuples.some(
      (t) =>
        t.resourceType === request.resource.type &&
        t.resourceId === request.resource.id &&
        t.relation === request.permission &&
        t.subjectType === request.subject.type &&
        (t.subjectId === request.subject.id || t.subjectId === "*") &&
        t.subjectRelation === request.subject.relation,
    );
    const conditional = tuples.some(
      (t) =>
        t.caveat !== undefined && t.resourceId === request.resource.id && t.subjectId === request.subject.id,
    );
    return {
      permissionship: conditional ? "CONDITIONAL_PERMISSION" : granted ? "HAS_PERMISSION" : "NO_PERMISSION",
      checkedAt: this.#token(state),
    };
  }

  async checkBulk(
    store: string,
    checks: readonly CheckRequest[],
    consistency?: Consistency,
  ): Promise<{ readonly results: readonly BulkCheckItemOutcome[]; readonly checkedAt: string }> {
    this.calls.push(["checkBulk", store, checks, consistency]);
    const state = this.#store(store);
    const results: BulkCheckItemOutcome[] = [];
    for (const c of checks) {
      if (c.permission === "leaky") {
        results.push({ error: { code: "NEO4J_TRANSIENT", message: "Cypher MATCH (n) failed" } });
        continue;
      }
      try {
        results.push({ permissionship: (await this.check(store, c, consistency)).permissionship });
      } catch (e) {
        if (!(e instanceof RelgraphError)) throw e;
        results.push({ error: { code: e.code, message: e.message } });
      }
    }
    return { results, checkedAt: this.#token(state) };
  }

  /** A type with a relation `viewer` and a permission `view`, answered by check. */
  async permissions(
    store: string,
    request: PermissionsRequest,
    consistency?: Consistency,
  ): Promise<PermissionsOutcome> {
    this.calls.push(["permissions", store, request, consistency]);
    const state = this.#store(store);
    const results: PermissionResult[] = [];
    for (const [name, kind] of [
      ["viewer", "RELATION"],
      ["view", "PERMISSION"],
    ] as const)
      results.push({
        name,
        kind,
        permissionship: (await this.check(store, { ...request, permission: name }, consistency))
          .permissionship,
      });
    return { results, checkedAt: this.#token(state) };
  }

  /** Not exposed by the API yet (expand comes with a later issue). */
  async subjects(): Promise<readonly ExpandedSubject[]> {
    return [];
  }

  /** Lookups are served by the engine; the API tests of lookups run on createRelgraph. */
  async lookupResources(): Promise<never> {
    throw new RelgraphError(ErrorCode.UNIMPLEMENTED, "fake service: lookupResources");
  }

  async lookupSubjects(): Promise<never> {
    throw new RelgraphError(ErrorCode.UNIMPLEMENTED, "fake service: lookupSubjects");
  }

  /** Expand is served by the engine; its API tests run on createRelgraph. */
  async expand(): Promise<never> {
    throw new RelgraphError(ErrorCode.UNIMPLEMENTED, "fake service: expand");
  }

  async ready(): Promise<boolean> {
    return this.isReady;
  }

  async close(): Promise<void> {}
}
