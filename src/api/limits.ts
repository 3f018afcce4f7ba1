/**
 * Per-request bounds of the GraphQL API. Every refusal is RESOURCE_EXHAUSTED (HTTP 200) with the
 * limit and the request's figure in the message and in `extensions` (`limit`, `actual`).
 *
 * Where each bound is enforced, in request order:
 *  1. `precheckDocument` (before Apollo, on the query text): nesting of `{ [ (` by an iterative scan,
 *     so graphql-js's recursive parser and validators never see a document that could overflow the
 *     stack ("Maximum call stack size exceeded").
 *  2. Tokens: a document longer than `maxTokens` characters (a token is at least one) is lexed,
 *     without building an AST, up to the limit, and refused before parsing when it has more; shorter
 *     documents cannot exceed the limit and cost nothing. graphql-js's own `maxTokens` parse option
 *     (Apollo's `parseOptions`) stays as a backstop; its refusal (a syntax error, HTTP 400) becomes
 *     RESOURCE_EXHAUSTED with HTTP 200 in `didEncounterErrors`. graphql-armor's max-tokens plugin is
 *     not used: it throws from Apollo's `parsingDidStart` (answered with HTTP 500) and its lexer,
 *     wrapped in a Proxy, took ~1 s for a 50,000-token document here, on the event loop.
 *  3. graphql-armor's validation rules (`armorValidation`): selection depth, aliases, directives.
 *     Their refusals are reported as RESOURCE_EXHAUSTED through `onReject`.
 *  4. `limitsPlugin.didResolveOperation` (after variables are known, so it runs for cached
 *     documents too): root fields and cost; a subscription over HTTP is refused here.
 *  5. `limitsPlugin.willSendResponse`: list items in the response, before it is serialised.
 * Apollo's document cache is bounded here too (`createDocumentStore`).
 */
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  valueFromASTUntyped,
  visit,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql/index.js"; // the file Apollo loads (see scalars.ts)
import type { ApolloServerPlugin, BaseContext, DocumentStore } from "@apollo/server";
import { LRUCache } from "lru-cache";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { DEFAULT_REQUEST_LIMITS, type RequestLimitsConfig } from "../config.ts";
import { ErrorCode, RelgraphError, invalidArgument } from "../errors.ts";

export interface RequestLimits extends RequestLimitsConfig {
  /** Lexical tokens in one document (graphql-js's `maxTokens`). */
  readonly maxTokens: number;
  /** Directives in one document (armor's max-directives). */
  readonly maxDirectives: number;
}

/**
 * Tokens per allowed root field: 1,000 aliased checks with a few selected fields take ~17,000.
 * graphql-js validates every field before the root-field count can refuse them (Apollo runs custom
 * rules after its own), so tokens bound that work: 90,000 `__typename`s held the loop ~0.6 s.
 */
export const TOKENS_PER_ROOT_FIELD = 30;

/** Tokens and directives follow from the configured bounds: generous for any legitimate request. */
export function resolveLimits(config: Partial<RequestLimitsConfig> = {}): RequestLimits {
  const limits = { ...DEFAULT_REQUEST_LIMITS, ...config };
  return {
    ...limits,
    maxTokens: Math.max(10_000, TOKENS_PER_ROOT_FIELD * limits.maxRootFields),
    maxDirectives: 100,
  };
}

/** Braces, brackets and parentheses may nest this much deeper than selections (arguments' values). */
export const NESTING_ALLOWANCE = 64;

/** A refusal: RESOURCE_EXHAUSTED naming what, the request's figure and the limit. */
export function limitExceeded(
  what: string,
  actual: number | string,
  limit: number,
  setting?: string,
): RelgraphError {
  const figure = typeof actual === "number" ? actual.toLocaleString("en-US") : actual;
  return new RelgraphError(
    ErrorCode.RESOURCE_EXHAUSTED,
    `${what}: the request has ${figure}; the limit is ${limit.toLocaleString("en-US")}` +
      (setting ? ` (${setting})` : ""),
    { limit, actual },
  );
}

/**
 * The deepest nesting of `{`, `[` and `(` in `query` outside strings and comments, counted up to
 * `stopAt` (then returned at once). Iterative: any input, any length, constant stack.
 */
export function nestingDepth(query: string, stopAt = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  const n = query.length;
  for (let i = 0; i < n; i++) {
    const c = query.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < n && query.charCodeAt(i) !== 0x0a && query.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22 /* " */) {
      if (query.startsWith('"""', i)) {
        i += 3;
        while (i < n && !query.startsWith('"""', i)) i += query.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        i++;
        while (i < n && query.charCodeAt(i) !== 0x22 && query.charCodeAt(i) !== 0x0a) {
          if (query.charCodeAt(i) === 0x5c /* \ */) i++;
          i++;
        }
      }
    } else if (c === 0x7b || c === 0x5b || c === 0x28) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max >= stopAt) return max;
      }
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      if (depth > 0) depth--;
    }
  }
  return max;
}

/** Lexical tokens of `query`, up to `stopAt` (graphql-js's lexer; a syntax error ends the count). */
export function countTokens(query: string, stopAt = Number.POSITIVE_INFINITY): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (count < stopAt && lexer.advance().kind !== TokenKind.EOF) count++;
  } catch {
    // The parser will report the syntax error; the count so far is the figure.
  }
  return count;
}

/**
 * The checks on the text, before it is parsed: nesting, then tokens. Undefined when the document
 * may be parsed; otherwise the refusal.
 */
export function precheckDocument(query: unknown, limits: RequestLimits): RelgraphError | undefined {
  if (typeof query !== "string") return undefined;
  const maxNesting = limits.maxQueryDepth + NESTING_ALLOWANCE;
  const depth = nestingDepth(query, maxNesting + 1);
  if (depth > maxNesting)
    return limitExceeded(
      "query depth",
      `braces, brackets or parentheses nested more than ${maxNesting} deep`,
      limits.maxQueryDepth,
      "RELGRAPH_MAX_QUERY_DEPTH; arguments may nest 64 levels more",
    );
  if (query.length <= limits.maxTokens) return undefined;
  const cap = 2 * limits.maxTokens;
  const tokens = countTokens(query, cap + 1);
  if (tokens <= limits.maxTokens) return undefined;
  return limitExceeded(
    "tokens",
    tokens > cap ? `more than ${cap.toLocaleString("en-US")}` : tokens,
    limits.maxTokens,
    "30 per allowed root field",
  );
}

/** graphql-js's refusal when a document has more than `maxTokens` tokens. */
const TOKEN_LIMIT = /Document contains more that (\d+) tokens/;

/**
 * The token-limit refusal for `source`, when `message` is graphql-js's: the figure is counted up
 * to twice the limit (beyond that, "more than" it).
 */
export function tokenRefusal(message: string, source: string | undefined, limits: RequestLimits) {
  if (!TOKEN_LIMIT.test(message)) return undefined;
  const cap = 2 * limits.maxTokens;
  const count = source === undefined ? limits.maxTokens + 1 : countTokens(source, cap + 1);
  return limitExceeded(
    "tokens",
    count > cap ? `more than ${cap.toLocaleString("en-US")}` : count,
    limits.maxTokens,
    "30 per allowed root field",
  );
}

/** Where formatError finds a refusal that Apollo raised as another kind of error. */
export const LIMIT_EXTENSION = "relgraphLimit";

/** The `figure` an armor message reports (`... exceeded, found 14.`). */
function armorFigure(message: string): number | string {
  const found = /found (\d+)/.exec(message);
  return found ? Number(found[1]) : "more";
}

/** An error for a validation context: RESOURCE_EXHAUSTED, answered with HTTP 200. */
function validationRefusal(error: RelgraphError): GraphQLError {
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { http: { status: 200 } },
  });
}

/** graphql-armor's depth, alias and directive rules, reporting RESOURCE_EXHAUSTED. */
export function armorValidation(limits: RequestLimits): ValidationRule[] {
  const refusal =
    (what: string, limit: number, setting?: string) =>
    (ctx: ValidationContext | null, error: GraphQLError): void => {
      ctx?.reportError(validationRefusal(limitExceeded(what, armorFigure(error.message), limit, setting)));
    };
  const armor = new ApolloArmor({
    // Field suggestions stay (the schema is public); cost and tokens are counted here.
    blockFieldSuggestion: { enabled: false },
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
    maxDepth: {
      n: limits.maxQueryDepth,
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: [refusal("query depth", limits.maxQueryDepth, "RELGRAPH_MAX_QUERY_DEPTH")],
    },
    maxAliases: {
      n: limits.maxRootFields,
      propagateOnRejection: false,
      onReject: [refusal("aliases", limits.maxRootFields, "RELGRAPH_MAX_ROOT_FIELDS")],
    },
    maxDirectives: {
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: [refusal("directives", limits.maxDirectives)],
    },
  });
  return armor.protect().validationRules as ValidationRule[];
}

// ---- the document cache -------------------------------------------------------------------------

/** AST nodes the document cache holds in all (~250 bytes of heap each: ~5 MiB). */
export const DOCUMENT_CACHE_NODES = 20_000;
/** Documents longer than this are parsed each time (an app's queries are far shorter). */
export const MAX_CACHED_DOCUMENT = 16 * 1024;

/**
 * Strips `doc`'s token list and counts its nodes. Every node's `loc` keeps `start`, `end` and
 * `source` (all that error locations need) but no longer links to the lexer's tokens, which nothing
 * reads after parsing and which made a cached document cost far more than its text. Mutates `doc`,
 * which Apollo has finished parsing.
 */
function strippedSize(doc: DocumentNode): number {
  let nodes = 0;
  visit(doc, {
    enter(node) {
      nodes++;
      const loc = node.loc as { startToken: unknown; endToken: unknown } | undefined;
      if (loc !== undefined) {
        loc.startToken = null;
        loc.endToken = null;
      }
    },
  });
  return nodes;
}

/**
 * Apollo's document cache (parsed and validated documents by query hash), bounded by what the
 * documents hold — their AST nodes — instead of Apollo's default of about 30 MiB of JSON, which
 * counts text while the heap holds ~60 bytes of AST per character of it (measured with the fuzzer:
 * 256 KiB of cached text held 21 MB). A stream of distinct documents (a fuzzer, an attacker) then
 * holds ~5 MiB at most, while the few documents an application sends with variables stay cached.
 */
export function createDocumentStore(preloaded?: {
  /** A document validated elsewhere for Apollo's `key` (largeDocuments.ts `Preloaded`). */
  take(key: string): DocumentNode | undefined;
}): DocumentStore {
  const cache = new LRUCache<string, DocumentNode>({ maxSize: DOCUMENT_CACHE_NODES });
  return {
    async get(key) {
      // Large documents validated off the loop (largeDocuments.ts) are never cached, only handed over.
      return cache.get(key) ?? preloaded?.take(key);
    },
    async set(key, doc) {
      if ((doc.loc?.end ?? Number.POSITIVE_INFINITY) > MAX_CACHED_DOCUMENT) return;
      const size = strippedSize(doc);
      if (size <= DOCUMENT_CACHE_NODES) cache.set(key, doc, { size });
    },
    async delete(key) {
      return cache.delete(key);
    },
  };
}

// ---- cost ---------------------------------------------------------------------------------------

/** The root fields of `operation`, fragments inlined (each occurrence counts). */
export function rootFields(document: DocumentNode, operation: OperationDefinitionNode): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const fields: FieldNode[] = [];
  const stack: SelectionNode[] = [...operation.selectionSet.selections].reverse();
  const expanded = new Map<string, number>();
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (s.kind === Kind.FIELD) fields.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) stack.push(...[...s.selectionSet.selections].reverse());
    else {
      const name = s.name.value;
      // Validation refuses cycles; still, bound the expansion of any one fragment.
      const times = (expanded.get(name) ?? 0) + 1;
      expanded.set(name, times);
      const fragment = fragments.get(name);
      if (fragment && times <= 100_000) stack.push(...[...fragment.selectionSet.selections].reverse());
    }
  }
  return fields;
}

export type Variables = Readonly<Record<string, unknown>>;

function argument(field: FieldNode, name: string, variables: Variables): unknown {
  const node: ArgumentNode | undefined = field.arguments?.find((a) => a.name.value === name);
  return node === undefined ? undefined : valueFromASTUntyped(node.value, variables);
}

/** A count argument (`first`, `limit`, `maxNodes`): its value, or the default when absent or odd. */
function countArg(field: FieldNode, name: string, variables: Variables, fallback: number): number {
  const v = argument(field, name, variables);
  return typeof v === "number" && Number.isFinite(v) ? Math.max(0, Math.floor(v)) : fallback;
}

/** A list argument's length (a single value coerces to a list of one). */
function listArg(field: FieldNode, name: string, variables: Variables): number {
  const v = argument(field, name, variables);
  return Array.isArray(v) ? v.length : v === undefined || v === null ? 0 : 1;
}

/** Defaults the resolvers apply (src/api/inputs.ts, the coordinator). */
const DEFAULT_PAGE = 100;
const DEFAULT_EXPAND_NODES = 10_000;
const DEFAULT_DELETE_LIMIT = 1000;

/**
 * The cost of one root field: roughly the items it may read or write. A `check` costs 1 (plus its
 * contextual tuples), a page its `first`, a `checkBulk` its items, an `expand` its `maxNodes`, a
 * write its updates and preconditions, a delete its `limit`; anything else 1.
 */
export function fieldCost(field: FieldNode, variables: Variables): number {
  switch (field.name.value) {
    case "__typename":
      return 0;
    case "check":
      return 1 + listArg(field, "contextualTuples", variables);
    case "checkBulk":
      return listArg(field, "checks", variables);
    case "expand":
      return countArg(field, "maxNodes", variables, DEFAULT_EXPAND_NODES);
    case "relationships":
    case "changes":
      return countArg(field, "first", variables, DEFAULT_PAGE);
    case "lookupResources":
    case "lookupSubjects":
      return (
        countArg(field, "first", variables, DEFAULT_PAGE) + listArg(field, "contextualTuples", variables)
      );
    case "writeRelationships":
      return listArg(field, "updates", variables) + listArg(field, "preconditions", variables);
    case "deleteRelationships":
      return (
        countArg(field, "limit", variables, DEFAULT_DELETE_LIMIT) + listArg(field, "preconditions", variables)
      );
    default:
      return 1;
  }
}

/** Variables as the request gave them, with the operation's defaults for the others. */
function variablesOf(operation: OperationDefinitionNode, given: Variables | undefined): Variables {
  const out: Record<string, unknown> = {};
  for (const d of operation.variableDefinitions ?? [])
    if (d.defaultValue) out[d.variable.name.value] = valueFromASTUntyped(d.defaultValue);
  return { ...out, ...(given ?? {}) };
}

export function requestCost(fields: readonly FieldNode[], variables: Variables): number {
  let cost = 0;
  for (const f of fields) cost += fieldCost(f, variables);
  return cost;
}

/** List items anywhere in `data`, counted without recursion; stops counting past `stopAt`. */
export function countItems(data: unknown, stopAt = Number.POSITIVE_INFINITY): number {
  let items = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      items += v.length;
      if (items > stopAt) return items;
      for (const x of v) if (x !== null && typeof x === "object") stack.push(x);
    } else if (v !== null && typeof v === "object") {
      for (const x of Object.values(v)) if (x !== null && typeof x === "object") stack.push(x);
    }
  }
  return items;
}

/**
 * The root-field and cost limits of one operation, with the request's variables (the operation's
 * defaults for the others). Undefined when within both.
 */
export function operationRefusal(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables | undefined,
  limits: RequestLimits,
): RelgraphError | undefined {
  const fields = rootFields(document, operation);
  if (fields.length > limits.maxRootFields)
    return limitExceeded("root fields", fields.length, limits.maxRootFields, "RELGRAPH_MAX_ROOT_FIELDS");
  const cost = requestCost(fields, variablesOf(operation, variables));
  if (cost > limits.maxCost) return limitExceeded("cost", cost, limits.maxCost, "RELGRAPH_MAX_COST");
  return undefined;
}

/** A request-level error thrown from a plugin hook: its code, answered with `status`. */
function requestError(error: RelgraphError, status: number): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions: { http: { status } } });
}

/** Root fields, cost, subscriptions and response items (see the file comment). */
export function limitsPlugin(limits: RequestLimits): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          if (operation.operation === "subscription")
            throw requestError(
              invalidArgument("subscriptions are served over WebSocket, not over HTTP", {
                field: "subscription",
              }),
              400,
            );
          const refusal = operationRefusal(document, operation, request.variables, limits);
          if (refusal) throw requestError(refusal, 200);
        },
        // graphql-js's token limit is a syntax error (HTTP 400); it is RESOURCE_EXHAUSTED (HTTP 200).
        async didEncounterErrors({ errors, source }) {
          for (const e of errors) {
            const refusal = tokenRefusal(e.message, source, limits);
            if (refusal === undefined) continue;
            const http = e.extensions["http"] as { status?: number } | undefined;
            if (http) http.status = 200;
            (e.extensions as Record<string, unknown>)[LIMIT_EXTENSION] = {
              message: refusal.message,
              ...refusal.details,
            };
          }
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== "single") return;
          const data = response.body.singleResult.data;
          if (data === null || data === undefined) return;
          const items = countItems(data);
          if (items <= limits.maxResponseItems) return;
          const error = limitExceeded(
            "response items",
            items,
            limits.maxResponseItems,
            "RELGRAPH_MAX_RESPONSE_ITEMS",
          );
          response.body = {
            kind: "single",
            singleResult: {
              errors: [
                {
                  message: error.message,
                  extensions: {
                    code: ErrorCode.RESOURCE_EXHAUSTED,
                    limit: limits.maxResponseItems,
                    actual: items,
                  },
                },
              ],
            },
          };
        },
      };
    },
  };
}
