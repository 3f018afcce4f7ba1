/**
 * The HTTP server: GraphQL at /graphql (POST and GET, executed by @apollo/server through a small
 * node:http adapter), liveness at /healthz, readiness at /readyz, Neo4j Browser guides at /guides/.
 *
 * Safe by default: loopback only unless API keys are configured; no cross-origin browser requests
 * unless origins are configured (Apollo's CSRF prevention on top); bodies capped; no stack traces,
 * no landing page loading scripts from a CDN, no usage reporting, no persisted-query cache.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type BaseContext } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import { ErrorCode, RelgraphError } from "../errors.ts";
import type { RelgraphService } from "../coordinator/service.ts";
import { createApiKeyCheck, isLoopbackHost } from "./auth.ts";
import { createCorsPolicy } from "./cors.ts";
import { createFormatError, INTERNAL_MESSAGE } from "./formatError.ts";
import { createGuideServer, isGuidePath } from "./guides.ts";
import { checkLargeDocument, isLargeDocument, Preloaded } from "./largeDocuments.ts";
import {
  HttpRefusal,
  readBody,
  sendError,
  sendJson,
  toHttpGraphQLRequest,
  writeResponse,
} from "./httpAdapter.ts";
import {
  armorValidation,
  createDocumentStore,
  limitsPlugin,
  precheckDocument,
  resolveLimits,
} from "./limits.ts";
import { loadApiSchema } from "./schema.ts";
import type { RequestLimitsConfig } from "../config.ts";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 4000;
/** 4 MiB: a 1,000-update batch of long tuples fits many times over. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** `/readyz` answers 503 when the service has not said "ready" within this (ms). */
export const READY_TIMEOUT_MS = 1500;

/** service.ready(), false when it fails or takes longer than `ms`. */
function readyWithin(service: RelgraphService, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([service.ready().catch(() => false), late]).finally(() => clearTimeout(timer));
}

export interface ServerOptions {
  readonly service: RelgraphService;
  /** Bind address; default 127.0.0.1. A non-loopback address requires `apiKeys`. */
  readonly host?: string;
  /** Default 4000; 0 picks a free port (see `url`). */
  readonly port?: number;
  /** When non-empty, /graphql requires `Authorization: Bearer <one of these>`. */
  readonly apiKeys?: readonly string[];
  /** Browser origins allowed to call the API (`https://app.example.com`, or `*` for any). */
  readonly corsOrigins?: readonly string[];
  /** Neo4j Browser origins allowed to fetch /guides/ (default DEFAULT_GUIDE_ORIGINS); not the API. */
  readonly guideOrigins?: readonly string[];
  /** One line per event (no trailing newline): internal errors with their stacks, warnings. */
  readonly log?: (line: string) => void;
  readonly maxBodyBytes?: number;
  /** Per-request bounds (root fields, depth, cost, response items); defaults in src/config.ts. */
  readonly limits?: Partial<RequestLimitsConfig>;
  /** How long close() lets in-flight requests finish before cutting connections. */
  readonly shutdownGraceMs?: number;
}

export interface RunningServer {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to the grace period), then
   * resolves. Idempotent. Does not close the service: its owner does.
   */
  close(): Promise<void>;
}

/** Starts listening; rejects (FAILED_PRECONDITION) on an unsafe configuration or a taken port. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const log = options.log ?? (() => {});
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const apiKeys = createApiKeyCheck(options.apiKeys ?? []);
  const cors = createCorsPolicy(options.corsOrigins ?? []);
  const limits = resolveLimits(options.limits);
  const guides = createGuideServer(options.guideOrigins ? { origins: options.guideOrigins } : {});

  if (!apiKeys.enabled && !isLoopbackHost(host))
    throw new RelgraphError(
      ErrorCode.FAILED_PRECONDITION,
      `refusing to listen on ${host} without API keys: anyone who can reach it could read and change ` +
        `authorization data. Set RELGRAPH_API_KEYS (comma-separated keys), or bind to 127.0.0.1.`,
      { host },
    );
  if ((options.apiKeys ?? []).some((k) => k !== "" && k.length < 16))
    log("warning: an API key is shorter than 16 characters; use long random keys");

  const httpServer = createServer();
  const preloaded = new Preloaded();
  const formatError = createFormatError(log);
  const apollo = new ApolloServer<BaseContext>({
    schema: loadApiSchema(options.service),
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    csrfPrevention: true,
    persistedQueries: false,
    // Parsed and validated documents, bounded by the text they came from (src/api/limits.ts).
    documentStore: createDocumentStore(preloaded),
    allowBatchedHttpRequests: false,
    maxRecursiveSelections: true,
    // Tokens are counted while the one parse runs (src/api/limits.ts).
    parseOptions: { maxTokens: limits.maxTokens },
    // graphql-armor's depth, alias and directive limits (src/api/limits.ts).
    validationRules: armorValidation(limits),
    // Compact JSON: Apollo's default indents every response, which for a page of 1,000 lookup edges
    // cost more than computing the page.
    stringifyResult: (value) => JSON.stringify(value),
    // The owner of the process (the CLI) handles SIGINT/SIGTERM and calls close().
    stopOnTerminationSignals: false,
    logger: {
      debug: () => {},
      info: () => {},
      warn: (message: unknown) => log(`apollo: ${String(message)}`),
      error: (message: unknown) => log(`apollo: ${String(message)}`),
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
      }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      // No @cacheControl hints exist; the plugin ran a hook on every resolved field. Answers are
      // never cacheable: writeResponse sets `cache-control: no-store` itself.
      ApolloServerPluginCacheControlDisabled(),
      // Root fields, cost (with the request's variables), subscriptions, response items.
      limitsPlugin(limits),
    ],
  });
  await apollo.start();

  let closing: Promise<void> | undefined;

  async function graphql(
    req: IncomingMessage,
    res: ServerResponse,
    corsHeaders: Readonly<Record<string, string>>,
  ) {
    if (!apiKeys.accepts(req.headers.authorization)) {
      sendError(
        res,
        401,
        ErrorCode.UNAUTHENTICATED,
        "missing or invalid API key: send Authorization: Bearer <key>",
        {
          ...corsHeaders,
          "www-authenticate": 'Bearer realm="relgraph"',
        },
      );
      return;
    }
    const body = req.method === "POST" ? await readBody(req, maxBodyBytes) : undefined;
    const httpGraphQLRequest = toHttpGraphQLRequest(req, body);
    const { query: text, operationName, variables } = requestParts(httpGraphQLRequest);
    let checked = false;
    if (isLargeDocument(text)) {
      // Checked off the event loop, text prechecks included (largeDocuments.ts).
      const outcome = await checkLargeDocument(
        { text, operationName, variables },
        limits,
        preloaded,
        formatError,
      ).catch((e: unknown) => {
        // The thread failed (a bug): the checks run on the loop, as for small documents.
        log(
          `large document validation failed, validating on the event loop: ${e instanceof Error ? e.message : String(e)}`,
        );
        return undefined;
      });
      if (outcome !== undefined && outcome.kind !== "continue") {
        sendJson(res, outcome.status, { errors: outcome.errors }, corsHeaders);
        return;
      }
      checked = outcome !== undefined;
    }
    // Nesting and tokens are bounded before graphql-js's recursive parser sees the text.
    const refusal = checked ? undefined : precheckDocument(text, limits);
    if (refusal) {
      sendError(res, 200, refusal.code, refusal.message, corsHeaders, refusal.details);
      return;
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => ({}),
    });
    await writeResponse(res, response, corsHeaders);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Neo4j Browser guides: static, public, with their own CORS policy (src/api/guides.ts).
    const target = (req.url ?? "/").split("?")[0] ?? "/";
    if (isGuidePath(target)) return guides.serve(req, res, target);
    const decision = cors.decide(req.headers);
    if (decision.kind === "refused") {
      sendError(
        res,
        403,
        ErrorCode.PERMISSION_DENIED,
        `cross-origin requests from ${JSON.stringify(decision.origin.slice(0, 200))} are not allowed ` +
          `(the server's allowed origins are set by RELGRAPH_CORS_ORIGINS)`,
      );
      return;
    }
    const corsHeaders = decision.kind === "allowed" ? decision.headers : {};
    // The request target as sent (origin-form); no URL parsing that could throw on odd input.
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";

    if (method === "OPTIONS") {
      // A preflight never carries credentials, so it is answered before the API key check.
      const headers =
        decision.kind === "allowed" && req.headers["access-control-request-method"] !== undefined
          ? cors.preflightHeaders(decision)
          : { allow: "GET, POST, OPTIONS" };
      res.writeHead(204, headers);
      res.end();
      return;
    }
    switch (path) {
      case "/graphql":
        return graphql(req, res, corsHeaders);
      case "/healthz":
      case "/readyz": {
        if (method !== "GET" && method !== "HEAD") {
          sendError(res, 405, ErrorCode.INVALID_ARGUMENT, `${path} answers GET only`, {
            ...corsHeaders,
            allow: "GET, HEAD",
          });
          return;
        }
        if (path === "/healthz") {
          sendJson(res, 200, { status: "ok" }, corsHeaders);
          return;
        }
        // A draining server reports not ready, so load balancers stop sending it new work. The probe
        // never hangs: the service bounds its own checks, and this bounds the service.
        const ready = closing === undefined && (await readyWithin(options.service, READY_TIMEOUT_MS));
        sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "unavailable" }, corsHeaders);
        return;
      }
      default:
        sendError(
          res,
          404,
          ErrorCode.NOT_FOUND,
          `no such endpoint: ${path.slice(0, 200)} (try /graphql)`,
          corsHeaders,
        );
    }
  }

  /**
   * The GraphQL document of a request (the body's `query`, or the URL's for GET) and what picks
   * and parameterises its operation, as given (Apollo judges their types).
   */
  function requestParts(request: { readonly body: unknown; readonly search: string }): {
    query?: unknown;
    operationName?: unknown;
    variables?: unknown;
  } {
    if (request.body !== null && typeof request.body === "object" && !Array.isArray(request.body)) {
      const body = request.body as Record<string, unknown>;
      return { query: body["query"], operationName: body["operationName"], variables: body["variables"] };
    }
    if (request.search.length <= 1) return {};
    const params = new URLSearchParams(request.search.slice(1));
    const variables = params.get("variables");
    let parsed: unknown;
    try {
      parsed = variables === null ? undefined : JSON.parse(variables);
    } catch {
      parsed = "unparsable"; // Apollo answers it; here it only skips the operation's limits
    }
    return {
      query: params.get("query"),
      operationName: params.get("operationName") ?? undefined,
      variables: parsed,
    };
  }

  httpServer.on("request", (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((e: unknown) => {
      if (e instanceof HttpRefusal) {
        if (!res.headersSent) sendError(res, e.status, e.code, e.message, e.headers);
        // Discard whatever of the body is still arriving, without keeping it.
        req.resume();
        return;
      }
      log(
        `internal error serving ${req.method ?? "?"} ${req.url ?? "?"}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      if (!res.headersSent) sendError(res, 500, ErrorCode.INTERNAL, INTERNAL_MESSAGE);
      else res.destroy();
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(port, host, () => {
        httpServer.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    await apollo.stop().catch(() => {});
    const err = e as NodeJS.ErrnoException;
    throw new RelgraphError(
      ErrorCode.UNAVAILABLE,
      err.code === "EADDRINUSE"
        ? `cannot listen on ${host}:${port}: the port is in use (set RELGRAPH_PORT to another one)`
        : `cannot listen on ${host}:${port}: ${err.message}`,
      { host, port },
    );
  }
  httpServer.on("error", (e) => log(`http server error: ${e.message}`));

  const address = httpServer.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}/graphql`;
  return {
    url,
    port: address.port,
    close() {
      // The drain plugin closes the listener, ends idle keep-alive connections and waits for requests
      // in flight; Apollo then stops.
      closing ??= apollo.stop();
      return closing;
    },
  };
}
