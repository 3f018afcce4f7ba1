/**
 * Apollo's `formatError` hook: every error leaves with `extensions.code` from the closed ErrorCode
 * enum, and nothing else from the server (no stack traces, no Cypher, no driver messages).
 *
 * - A RelgraphError anywhere in the `originalError` chain gives its code and its details (e.g.
 *   `diagnostics`, `construct`). This covers errors thrown by resolvers and by scalar parsers, which
 *   graphql-js wraps once (literals: validation) or twice (variables: coercion) and Apollo then marks
 *   GRAPHQL_VALIDATION_FAILED or BAD_USER_INPUT; the message keeps graphql-js's prefix, which says
 *   where (the variable and path, or the literal found at `locations`).
 * - Apollo's own request errors (syntax, validation, variables, bad HTTP requests) are the client's:
 *   INVALID_ARGUMENT with graphql-js's message.
 * - Anything else is INTERNAL with a generic message; the real error goes to the server log only.
 */
// The file Apollo loads (see scalars.ts): GraphQLError must be its class for instanceof to hold.
import { GraphQLError, type GraphQLFormattedError } from "graphql/index.js";
import { ApolloServerErrorCode, ApolloServerValidationErrorCode } from "@apollo/server/errors";
import { ErrorCode, isErrorCode, isRelgraphError, unreachable, type RelgraphError } from "../errors.ts";
import { isDiagnostic, toApiDiagnostic } from "./diagnostics.ts";
import { LIMIT_EXTENSION } from "./limits.ts";

/** The message of every INTERNAL error: deliberately generic so internals don't reach clients. */
export const INTERNAL_MESSAGE = "Internal error; the server log has the details.";

/** Walks `originalError` links (resolver, validation and coercion wrappers) to a RelgraphError. */
export function findRelgraphError(error: unknown): RelgraphError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (isRelgraphError(current)) return current;
    current = current instanceof GraphQLError ? current.originalError : undefined;
  }
  return undefined;
}

/** Client-visible code for one of Apollo's codes; undefined for a server-side failure. */
function codeForApolloCode(code: string): ErrorCode | undefined {
  if (isErrorCode(code)) return code;
  const apollo = Object.values(ApolloServerErrorCode).find((c) => c === code);
  if (apollo !== undefined) {
    switch (apollo) {
      case ApolloServerErrorCode.GRAPHQL_PARSE_FAILED:
      case ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED:
      case ApolloServerErrorCode.BAD_USER_INPUT:
      case ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE:
      case ApolloServerErrorCode.BAD_REQUEST:
        return ErrorCode.INVALID_ARGUMENT;
      // Automatic persisted queries are turned off (server.ts).
      case ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND:
      case ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED:
        return ErrorCode.UNIMPLEMENTED;
      case ApolloServerErrorCode.INTERNAL_SERVER_ERROR:
        return undefined;
      default:
        return unreachable(apollo, "Apollo error code");
    }
  }
  const validation = Object.values(ApolloServerValidationErrorCode).find((c) => c === code);
  if (validation !== undefined) {
    switch (validation) {
      case ApolloServerValidationErrorCode.INTROSPECTION_DISABLED:
        return ErrorCode.INVALID_ARGUMENT;
      case ApolloServerValidationErrorCode.MAX_RECURSIVE_SELECTIONS_EXCEEDED:
        return ErrorCode.RESOURCE_EXHAUSTED;
      default:
        return unreachable(validation, "Apollo validation error code");
    }
  }
  return undefined;
}

/**
 * Details become extensions; they must survive JSON (a response that fails to serialise would be a
 * 500 with no errors at all) and may not replace `code`.
 */
function detailsToExtensions(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (key === "code" || key === "stacktrace") continue;
    const converted =
      key === "diagnostics" && Array.isArray(value)
        ? value.map((d: unknown) => (isDiagnostic(d) ? toApiDiagnostic(d) : d))
        : value;
    try {
      const json = JSON.stringify(converted);
      if (json !== undefined) out[key] = JSON.parse(json) as unknown;
    } catch {
      // Unserialisable detail (a cycle, a BigInt): dropped rather than failing the response.
    }
  }
  return out;
}

export type ErrorLog = (line: string) => void;

/** Builds the hook; `log` receives INTERNAL errors in full (stack included), server side only. */
export function createFormatError(
  log: ErrorLog = () => {},
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const where = {
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
    };
    // A request limit Apollo raised as another kind of error (src/api/limits.ts).
    const limit = formatted.extensions?.[LIMIT_EXTENSION] as Record<string, unknown> | undefined;
    if (limit !== undefined && typeof limit === "object" && typeof limit["message"] === "string") {
      const { message, ...details } = limit;
      return {
        message: message as string,
        ...where,
        extensions: { ...detailsToExtensions(details), code: ErrorCode.RESOURCE_EXHAUSTED },
      };
    }
    const relgraph = findRelgraphError(error);
    if (relgraph && relgraph.code !== ErrorCode.INTERNAL) {
      return {
        message: shortenQuoted(formatted.message),
        ...where,
        extensions: { ...capDiagnostics(detailsToExtensions(relgraph.details)), code: relgraph.code },
      };
    }
    const code = relgraph
      ? undefined
      : VARIABLES_ABORTED.test(formatted.message)
        ? ErrorCode.INVALID_ARGUMENT
        : codeForApolloCode(String(formatted.extensions?.["code"] ?? ""));
    if (code !== undefined && code !== ErrorCode.INTERNAL) {
      return { message: shortenQuoted(formatted.message), ...where, extensions: { code } };
    }
    log(`internal error: ${describe(error)}`);
    return { message: INTERNAL_MESSAGE, ...where, extensions: { code: ErrorCode.INTERNAL } };
  };
}

/**
 * graphql-js's error when more than 50 variable values are invalid (each of them is reported too):
 * it carries no code, so Apollo would call it an internal error; the client's input caused it.
 */
const VARIABLES_ABORTED = /^Too many errors processing variables, error limit reached\. Execution aborted\.$/;

/** The longest message a client gets: past it, the text is cut and its length said. */
export const MAX_MESSAGE_LENGTH = 2000;

/**
 * graphql-js quotes the whole invalid value in its messages (`got invalid value "…"`): a 1 MB id
 * would come back as a 1 MB message. Long quoted strings are cut; the reason after them stays.
 * Whatever is left past MAX_MESSAGE_LENGTH (a parser echoing a huge token in single quotes) is cut.
 */
export function shortenQuoted(message: string, max = 80): string {
  const shortened = message.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) =>
    quoted.length > max + 2 ? `${quoted.slice(0, max - 2)}..."` : quoted,
  );
  return capMessage(shortened);
}

export function capMessage(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH
    ? message
    : `${message.slice(0, MAX_MESSAGE_LENGTH)}... (${message.length} characters in all)`;
}

/** Schema diagnostics echo the text they point at: their messages are capped as errors' are. */
function capDiagnostics(extensions: Record<string, unknown>): Record<string, unknown> {
  const diagnostics = extensions["diagnostics"];
  if (!Array.isArray(diagnostics)) return extensions;
  return {
    ...extensions,
    diagnostics: diagnostics.map((d: unknown) =>
      d !== null && typeof d === "object" && typeof (d as { message?: unknown }).message === "string"
        ? { ...d, message: capMessage((d as { message: string }).message) }
        : d,
    ),
  };
}

function describe(error: unknown): string {
  let current: unknown = error;
  // The innermost error has the useful stack (a resolver's, not graphql-js's wrapper's).
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  if (current instanceof Error) return current.stack ?? `${current.name}: ${current.message}`;
  return String(current);
}
