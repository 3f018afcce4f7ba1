/**
 * The RelgraphService of a running Relgraph server, over its GraphQL API: what the CLI's remote mode
 * (`--endpoint URL` / RELGRAPH_ENDPOINT, `--api-key KEY` / RELGRAPH_API_KEY) runs every command on,
 * so a command prints the same and exits the same whether it talks to Neo4j directly or to a server.
 *
 * Errors come back as the server's codes (RelgraphError with `extensions.code`; INVALID_SCHEMA with
 * its diagnostics); a server that cannot be reached is UNAVAILABLE, a request that takes longer than
 * the timeout DEADLINE_EXCEEDED, a refused key UNAUTHENTICATED.
 *
 * Example: new GraphQLService("http://127.0.0.1:4000/graphql", key).check("default",
 *   {resource: {type: "document", id: "1"}, permission: "view", subject: user}) → {permissionship, checkedAt}
 */
import { ErrorCode, isErrorCode, RelgraphError } from "../../errors.ts";
import { compileSchema } from "../../language/schema.ts";
import {
  formatObjectRef,
  formatSubjectRef,
  formatTuple,
  parseObjectRef,
  parseSubjectRef,
  parseTuple,
  type Tuple,
} from "../../model/tuple.ts";
import type {
  BulkCheckItemOutcome,
  ChangesPage,
  CheckCallOptions,
  CheckOutcome,
  CheckRequest,
  Consistency,
  DeleteOptions,
  DeleteOutcome,
  ExpandedSubject,
  ExpandOutcome,
  LookupPageRequest,
  LookupResourcesPage,
  LookupResourcesRequest,
  LookupSubjectsPage,
  LookupSubjectsRequest,
  PermissionsOutcome,
  PermissionsRequest,
  RelationshipsPage,
  RelgraphService,
  SchemaFile,
  SchemaView,
  SchemaWriteOutcome,
  WriteOutcome,
} from "../../coordinator/service.ts";
import type { Diagnostic } from "../../typesystem/diagnostic.ts";
import type {
  Precondition,
  RelationshipFilter,
  RelationshipUpdate,
  SchemaFormat,
  StoreInfo,
} from "../../store/interface.ts";
import * as Q from "./queries.ts";

const DEFAULT_TIMEOUT_MS = 60_000;

type Json = Record<string, unknown>;

interface GraphQLErrorJson {
  readonly message?: string;
  readonly extensions?: { readonly code?: string; readonly diagnostics?: unknown };
}

function consistencyInput(c: Consistency | undefined): Json | undefined {
  if (c === undefined) return undefined;
  switch (c.kind) {
    case "minimizeLatency":
      return { minimizeLatency: true };
    case "fullyConsistent":
      return { fullyConsistent: true };
    case "atLeastAsFresh":
      return { atLeastAsFresh: c.token };
    case "atExactSnapshot":
      return { atExactSnapshot: c.token };
    default:
      return c satisfies never;
  }
}

const tuples = (ts: readonly Tuple[] | undefined): string[] | undefined => ts?.map(formatTuple);

/** The server's diagnostic shape (`location`, upper-case severity) → the library's. */
function diagnosticOf(d: Json): Diagnostic {
  const location = d["location"] as Diagnostic["loc"] | null | undefined;
  return {
    severity: String(d["severity"]).toLowerCase() === "warning" ? "warning" : "error",
    code: String(d["code"]),
    message: String(d["message"]),
    ...(location ? { loc: location } : {}),
  };
}

/** Drops undefined values: the server reads an absent argument as its default. */
function vars(v: Json): Json {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
}

interface Connection<N> {
  readonly edges: readonly { readonly node: N }[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

function pageOf<N>(c: Connection<N>): { endCursor?: string; hasNextPage: boolean } {
  return {
    hasNextPage: c.pageInfo.hasNextPage,
    ...(c.pageInfo.endCursor !== null ? { endCursor: c.pageInfo.endCursor } : {}),
  };
}

export class GraphQLService implements RelgraphService {
  constructor(
    private readonly endpoint: string,
    private readonly apiKey: string | undefined,
    private readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new RelgraphError(
        ErrorCode.INVALID_ARGUMENT,
        `--endpoint: not a URL: ${JSON.stringify(endpoint)}`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new RelgraphError(
        ErrorCode.INVALID_ARGUMENT,
        `--endpoint: expected an http(s) URL, got ${endpoint}`,
      );
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(new URL(path, this.endpoint), {
        ...init,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
      if (e instanceof Error && e.name === "TimeoutError")
        throw new RelgraphError(
          ErrorCode.DEADLINE_EXCEEDED,
          `Relgraph at ${this.endpoint} did not answer within ${this.timeoutMs} ms`,
        );
      throw new RelgraphError(ErrorCode.UNAVAILABLE, `cannot reach Relgraph at ${this.endpoint}: ${cause}`);
    }
  }

  /** One GraphQL operation; the first error becomes a RelgraphError with the server's code. */
  private async call<T>(query: string, variables: Json, field: string): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.apiKey !== undefined) headers["authorization"] = `Bearer ${this.apiKey}`;
    const response = await this.send(this.endpoint, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables: vars(variables) }),
    });
    let body: { data?: Record<string, unknown> | null; errors?: GraphQLErrorJson[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new RelgraphError(
        response.status === 401 ? ErrorCode.UNAUTHENTICATED : ErrorCode.UNAVAILABLE,
        `Relgraph at ${this.endpoint} answered HTTP ${response.status} without a GraphQL body`,
      );
    }
    const error = body.errors?.[0];
    if (error !== undefined) {
      const code = error.extensions?.code;
      const diagnostics = error.extensions?.diagnostics;
      throw new RelgraphError(
        code !== undefined && isErrorCode(code) ? code : ErrorCode.INTERNAL,
        error.message ?? "the server answered an error without a message",
        Array.isArray(diagnostics) ? { diagnostics: (diagnostics as Json[]).map(diagnosticOf) } : undefined,
      );
    }
    const data = body.data?.[field];
    if (data === undefined)
      throw new RelgraphError(ErrorCode.INTERNAL, `Relgraph at ${this.endpoint} answered without "${field}"`);
    return data as T;
  }

  // ---- stores -----------------------------------------------------------------------------------

  async createStore(name: string): Promise<StoreInfo> {
    const s = await this.call<Omit<StoreInfo, "incarnation">>(Q.CREATE_STORE, { name }, "createStore");
    // The incarnation is not API (it lives inside tokens).
    return { ...s, incarnation: "" };
  }

  async deleteStore(name: string): Promise<void> {
    await this.call<boolean>(Q.DELETE_STORE, { name }, "deleteStore");
  }

  async stores(): Promise<StoreInfo[]> {
    const list = await this.call<Omit<StoreInfo, "incarnation">[]>(Q.STORES, {}, "stores");
    return list.map((s) => ({ ...s, incarnation: "" }));
  }

  // ---- schema -----------------------------------------------------------------------------------

  async writeSchema(
    store: string,
    text: string,
    format: SchemaFormat,
    files?: readonly SchemaFile[],
  ): Promise<SchemaWriteOutcome> {
    const r = await this.call<{ token: string; warnings: Json[] }>(
      Q.WRITE_SCHEMA,
      { store, schema: text, format, ...(files !== undefined && files.length > 0 ? { files } : {}) },
      "writeSchema",
    );
    return { token: r.token, warnings: r.warnings.map(diagnosticOf) };
  }

  async readSchema(store: string): Promise<SchemaView | undefined> {
    const s = await this.call<{ text: string; format: SchemaFormat; schemaRevision: number } | null>(
      Q.READ_SCHEMA,
      { store },
      "schema",
    );
    if (s === null) return undefined;
    // The server stored it compiled; compiling the text here gives the same IR.
    const { ir } = compileSchema(s.text, { format: s.format === "ZED" ? "zed" : "openfga" });
    if (ir === undefined)
      throw new RelgraphError(ErrorCode.INTERNAL, `the schema of store "${store}" does not compile here`);
    return { text: s.text, format: s.format, ir, schemaRevision: s.schemaRevision };
  }

  // ---- relationships ----------------------------------------------------------------------------

  async writeRelationships(
    store: string,
    updates: readonly RelationshipUpdate[],
    preconditions?: readonly Precondition[],
  ): Promise<WriteOutcome> {
    const r = await this.call<{ token: string }>(
      Q.WRITE_RELATIONSHIPS,
      {
        store,
        updates: updates.map((u) => ({ operation: u.operation, relationship: formatTuple(u.tuple) })),
        preconditions,
      },
      "writeRelationships",
    );
    return { token: r.token };
  }

  async deleteRelationships(
    store: string,
    filter: RelationshipFilter,
    options: DeleteOptions = {},
  ): Promise<DeleteOutcome> {
    return this.call<DeleteOutcome>(
      Q.DELETE_RELATIONSHIPS,
      { store, filter, ...options },
      "deleteRelationships",
    );
  }

  async relationships(
    store: string,
    filter: RelationshipFilter,
    page: { first: number; after?: string; consistency?: Consistency },
  ): Promise<RelationshipsPage> {
    const c = await this.call<
      Connection<{ relationship: string }> & { readAt: string; staleCursor: boolean }
    >(
      Q.RELATIONSHIPS,
      {
        store,
        filter,
        first: page.first,
        after: page.after,
        consistency: consistencyInput(page.consistency),
      },
      "relationships",
    );
    return {
      tuples: c.edges.map((e) => parseTuple(e.node.relationship, "openfga")),
      ...pageOf(c),
      readAt: c.readAt,
      staleCursor: c.staleCursor,
    };
  }

  async changes(store: string, page: { first: number; after?: string }): Promise<ChangesPage> {
    const c = await this.call<
      Connection<{ revision: number; operation: "TOUCH" | "DELETE"; relationship: string }> & {
        token: string;
      }
    >(Q.CHANGES, { store, first: page.first, after: page.after }, "changes");
    return {
      changes: c.edges.map((e) => ({
        revision: e.node.revision,
        operation: e.node.operation,
        tuple: parseTuple(e.node.relationship, "openfga"),
      })),
      ...pageOf(c),
      token: c.token,
    };
  }

  // ---- checks -----------------------------------------------------------------------------------

  async check(
    store: string,
    request: CheckRequest,
    consistency?: Consistency,
    options?: CheckCallOptions,
  ): Promise<CheckOutcome> {
    const r = await this.call<{
      permissionship: CheckOutcome["permissionship"];
      missingContext: string[];
      checkedAt: string;
      explanation: {
        root: string;
        truncated: boolean;
        path: string[];
        cypher: string | null;
        browserUrl: string | null;
        nodes: (Json & { relationships: string[]; subjects: string[]; resource: string })[];
      } | null;
    }>(
      Q.CHECK,
      {
        store,
        resource: formatObjectRef(request.resource),
        permission: request.permission,
        subject: formatSubjectRef(request.subject),
        contextualTuples: tuples(request.contextualTuples),
        context: request.context ?? null,
        consistency: consistencyInput(consistency),
        explain: options?.explain === true,
      },
      "check",
    );
    const e = r.explanation;
    if (e === null)
      return { permissionship: r.permissionship, missingContext: r.missingContext, checkedAt: r.checkedAt };
    return {
      permissionship: r.permissionship,
      missingContext: r.missingContext,
      checkedAt: r.checkedAt,
      explanation: {
        root: e.root,
        truncated: e.truncated,
        path: e.path.map((t) => parseTuple(t, "openfga")),
        ...(e.cypher !== null ? { cypher: e.cypher } : {}),
        ...(e.browserUrl !== null ? { browserUrl: e.browserUrl } : {}),
        nodes: e.nodes.map((n) => ({
          id: String(n["id"]),
          kind: n["kind"] as never,
          resource: parseObjectRef(n.resource, "openfga"),
          relation: String(n["relation"]),
          result: n["result"] as never,
          children: n["children"] as string[],
          tuples: n.relationships.map((t) => parseTuple(t, "openfga")),
          subjects: n.subjects.map((s) => parseSubjectRef(s, "openfga")),
          ...(typeof n["cycleTo"] === "string" ? { cycleTo: n["cycleTo"] } : {}),
          ...(typeof n["note"] === "string" ? { note: n["note"] } : {}),
        })),
      },
    };
  }

  async checkBulk(
    store: string,
    checks: readonly CheckRequest[],
    consistency?: Consistency,
  ): Promise<{ readonly results: readonly BulkCheckItemOutcome[]; readonly checkedAt: string }> {
    const r = await this.call<{
      checkedAt: string;
      results: {
        permissionship: CheckOutcome["permissionship"] | null;
        missingContext: string[] | null;
        error: { code: string; message: string } | null;
      }[];
    }>(
      Q.CHECK_BULK,
      {
        store,
        checks: checks.map((c) => ({
          resource: formatObjectRef(c.resource),
          permission: c.permission,
          subject: formatSubjectRef(c.subject),
          contextualTuples: tuples(c.contextualTuples),
          context: c.context ?? null,
        })),
        consistency: consistencyInput(consistency),
      },
      "checkBulk",
    );
    return {
      checkedAt: r.checkedAt,
      results: r.results.map((x) =>
        x.error !== null
          ? { error: x.error }
          : { permissionship: x.permissionship ?? "NO_PERMISSION", missingContext: x.missingContext ?? [] },
      ),
    };
  }

  async permissions(
    store: string,
    request: PermissionsRequest,
    consistency?: Consistency,
  ): Promise<PermissionsOutcome> {
    return this.call<PermissionsOutcome>(
      Q.PERMISSIONS,
      {
        store,
        resource: formatObjectRef(request.resource),
        subject: formatSubjectRef(request.subject),
        contextualTuples: tuples(request.contextualTuples),
        consistency: consistencyInput(consistency),
        context: request.context ?? null,
      },
      "permissions",
    );
  }

  subjects(): Promise<readonly ExpandedSubject[]> {
    // Validation files need the recursive subject sets, which the API does not serve.
    return Promise.reject(
      new RelgraphError(
        ErrorCode.UNIMPLEMENTED,
        "validation runs in this process (--backend memory|neo4j), not against a server",
      ),
    );
  }

  async lookupResources(
    store: string,
    request: LookupResourcesRequest,
    page: LookupPageRequest,
  ): Promise<LookupResourcesPage> {
    const c = await this.call<
      Connection<{
        resource: string;
        permissionship: CheckOutcome["permissionship"];
        missingContext: string[];
      }> & {
        readAt: string;
        staleCursor: boolean;
      }
    >(
      Q.LOOKUP_RESOURCES,
      {
        store,
        resourceType: request.resourceType,
        permission: request.permission,
        subject: formatSubjectRef(request.subject),
        contextualTuples: tuples(request.contextualTuples),
        context: request.context ?? null,
        first: page.first,
        after: page.after,
        consistency: consistencyInput(page.consistency),
      },
      "lookupResources",
    );
    return {
      resources: c.edges.map((e) => ({
        resource: parseObjectRef(e.node.resource, "openfga"),
        permissionship: e.node.permissionship,
        missingContext: e.node.missingContext,
      })),
      ...pageOf(c),
      readAt: c.readAt,
      staleCursor: c.staleCursor,
    };
  }

  async lookupSubjects(
    store: string,
    request: LookupSubjectsRequest,
    page: LookupPageRequest,
  ): Promise<LookupSubjectsPage> {
    const c = await this.call<
      Connection<{
        subject: string;
        excludedSubjects: string[];
        permissionship: CheckOutcome["permissionship"];
        missingContext: string[];
      }> & { readAt: string; staleCursor: boolean }
    >(
      Q.LOOKUP_SUBJECTS,
      {
        store,
        resource: formatObjectRef(request.resource),
        permission: request.permission,
        subjectType: request.subjectType,
        subjectRelation: request.subjectRelation || undefined,
        contextualTuples: tuples(request.contextualTuples),
        context: request.context ?? null,
        first: page.first,
        after: page.after,
        consistency: consistencyInput(page.consistency),
      },
      "lookupSubjects",
    );
    return {
      subjects: c.edges.map((e) => ({
        subject: parseSubjectRef(e.node.subject, "openfga"),
        excluded: e.node.excludedSubjects.map((s) => parseSubjectRef(s, "openfga")),
        permissionship: e.node.permissionship,
        missingContext: e.node.missingContext,
      })),
      ...pageOf(c),
      readAt: c.readAt,
      staleCursor: c.staleCursor,
    };
  }

  async expand(
    store: string,
    resource: { type: string; id: string },
    permission: string,
    consistency?: Consistency,
    options?: { readonly maxNodes?: number },
  ): Promise<ExpandOutcome> {
    const r = await this.call<{
      root: string;
      truncated: boolean;
      expandedAt: string;
      nodes: {
        id: string;
        kind: string;
        resource: string;
        relation: string;
        children: string[];
        subjects: string[];
        cycleTo: string | null;
      }[];
    }>(
      Q.EXPAND,
      {
        store,
        resource: formatObjectRef(resource),
        permission,
        consistency: consistencyInput(consistency),
        maxNodes: options?.maxNodes,
      },
      "expand",
    );
    return {
      root: r.root,
      truncated: r.truncated,
      expandedAt: r.expandedAt,
      nodes: r.nodes.map((n) => ({
        id: n.id,
        kind: n.kind as never,
        resource: parseObjectRef(n.resource, "openfga"),
        relation: n.relation,
        children: n.children,
        subjects: n.subjects.map((s) => parseSubjectRef(s, "openfga")),
        ...(n.cycleTo !== null ? { cycleTo: n.cycleTo } : {}),
      })),
    };
  }

  async ready(): Promise<boolean> {
    const r = await this.send("/readyz", { method: "GET" });
    return r.ok;
  }

  async close(): Promise<void> {
    // fetch keeps no connection state the process must release.
  }
}
