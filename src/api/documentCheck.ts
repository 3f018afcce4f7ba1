/**
 * Everything the server does to a document before executing it, in the same order and with the
 * same outcome, so that it can run on a worker thread (largeDocuments.ts): graphql-js's `validate`
 * of a 150 kB document of 1,000 aliased fields takes 75–150 ms in one synchronous call, and the
 * text prechecks of a 4 MB body ~40 ms, which on the event loop delay every other client's check by
 * as much.
 *
 * 1. `precheckDocument` (nesting, tokens on the text; server.ts runs it for small documents);
 * 2. Apollo's parse and validation: with `maxRecursiveSelections: true` and our `validationRules`,
 *    the specified rules plus its recursive-selections rule, then, when those pass, ours
 *    (graphql-armor's depth, alias and directive limits), on the same SDL and scalars;
 * 3. the limits plugin's root-field and cost limits for the operation Apollo would pick.
 */
import {
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  GraphQLError,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql/index.js"; // the file Apollo loads (see scalars.ts)
import { ErrorCode, type RelgraphError } from "../errors.ts";
import { findRelgraphError } from "./formatError.ts";
import {
  armorValidation,
  operationRefusal,
  precheckDocument,
  type RequestLimits,
  type Variables,
} from "./limits.ts";

/** A limit refusal found by validation, as plain data (it crosses the thread boundary). */
export interface Refusal {
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * A syntax or validation error as Apollo's formatError hook receives it (src/api/formatError.ts
 * reads the message, locations, the Apollo code and a RelgraphError cause), as plain data.
 */
export interface RequestErrorData {
  readonly message: string;
  readonly locations?: readonly { readonly line: number; readonly column: number }[];
  /** Apollo's code: GRAPHQL_PARSE_FAILED or GRAPHQL_VALIDATION_FAILED. */
  readonly apolloCode: string;
  /** The error's own extensions (without `http`). */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** The HTTP status the error asks for (Apollo: the error's own, else 400). */
  readonly status: number;
  /** A RelgraphError in the error's cause chain (a scalar's refusal of a literal). */
  readonly cause?: {
    readonly code: string;
    readonly message: string;
    readonly details: Readonly<Record<string, unknown>>;
  };
}

export type DocumentVerdict =
  /** Parses and validates: Apollo may execute it without validating again. */
  | { readonly kind: "valid" }
  /** Every validation error is a RESOURCE_EXHAUSTED limit refusal: answer these. */
  | { readonly kind: "refused"; readonly refusals: readonly Refusal[] }
  /** A syntax or validation error: answer these as Apollo would. */
  | { readonly kind: "invalid"; readonly errors: readonly RequestErrorData[] };

/** Apollo's internal max-recursive-selections rule (not exported by the package; same version). */
async function apolloRecursiveSelectionsRule(): Promise<ValidationRule> {
  const url = new URL("./validationRules/index.js", import.meta.resolve("@apollo/server"));
  const rules = (await import(url.href)) as {
    createMaxRecursiveSelectionsRule?: (max: number) => ValidationRule;
    DEFAULT_MAX_RECURSIVE_SELECTIONS?: number;
  };
  if (
    rules.createMaxRecursiveSelectionsRule === undefined ||
    rules.DEFAULT_MAX_RECURSIVE_SELECTIONS === undefined
  )
    throw new Error("BUG: @apollo/server no longer has validationRules/createMaxRecursiveSelectionsRule");
  return rules.createMaxRecursiveSelectionsRule(rules.DEFAULT_MAX_RECURSIVE_SELECTIONS);
}

/** A request's document, and what picks and parameterises its operation. */
export interface DocumentRequest {
  readonly text: string;
  /** As the request gave them (anything: Apollo refuses wrong types itself). */
  readonly operationName?: unknown;
  readonly variables?: unknown;
}

export type DocumentChecker = (request: DocumentRequest) => DocumentVerdict;

/** A checker for one schema and one set of limits. */
export async function createDocumentChecker(
  schema: GraphQLSchema,
  limits: RequestLimits,
): Promise<DocumentChecker> {
  const first = [...specifiedRules, await apolloRecursiveSelectionsRule()];
  const later = armorValidation(limits);
  return ({ text, operationName, variables }) => {
    const precheck = precheckDocument(text, limits);
    if (precheck) return { kind: "refused", refusals: [refusalData(precheck)] };
    let document;
    try {
      document = parse(text, { maxTokens: limits.maxTokens });
    } catch (e) {
      if (!(e instanceof GraphQLError)) throw e;
      return { kind: "invalid", errors: [errorData(e, "GRAPHQL_PARSE_FAILED")] };
    }
    let errors = validate(schema, document, first);
    if (errors.length === 0) errors = validate(schema, document, later);
    if (errors.length === 0) return operationVerdict(document, operationName, variables, limits);
    const refusals: Refusal[] = [];
    for (const error of errors) {
      const refusal = refusalOf(error);
      if (refusal === undefined)
        return { kind: "invalid", errors: errors.map((e) => errorData(e, "GRAPHQL_VALIDATION_FAILED")) };
      refusals.push(refusal);
    }
    return { kind: "refused", refusals };
  };
}

function operationVerdict(
  document: DocumentNode,
  operationName: unknown,
  variables: unknown,
  limits: RequestLimits,
): DocumentVerdict {
  const name = operationName === undefined || operationName === null ? undefined : operationName;
  const vars = variables === undefined || variables === null ? undefined : variables;
  // Shapes Apollo refuses, or no such operation: Apollo answers those.
  if (name !== undefined && typeof name !== "string") return { kind: "valid" };
  if (vars !== undefined && (typeof vars !== "object" || Array.isArray(vars))) return { kind: "valid" };
  const operation = getOperationAST(document, name);
  if (operation === null || operation === undefined || operation.operation === "subscription")
    return { kind: "valid" };
  const refusal = operationRefusal(document, operation, vars as Variables | undefined, limits);
  return refusal === undefined ? { kind: "valid" } : { kind: "refused", refusals: [refusalData(refusal)] };
}

/** A refusal as plain data; `message` is the one the client sees (graphql-js's for validation). */
function refusalData(error: RelgraphError, message: string = error.message): Refusal {
  return { message, details: { ...error.details } };
}

function errorData(error: GraphQLError, apolloCode: string): RequestErrorData {
  const { http, ...extensions } = error.extensions as Record<string, unknown> & {
    http?: { status?: number };
  };
  const cause = findRelgraphError(error);
  return {
    message: error.message,
    ...(error.locations !== undefined ? { locations: error.locations } : {}),
    apolloCode,
    extensions: JSON.parse(JSON.stringify(extensions)) as Record<string, unknown>,
    status: typeof http?.status === "number" ? http.status : 400,
    ...(cause !== undefined
      ? { cause: { code: cause.code, message: cause.message, details: { ...cause.details } } }
      : {}),
  };
}

function refusalOf(error: GraphQLError): Refusal | undefined {
  const cause = findRelgraphError(error);
  if (cause === undefined || cause.code !== ErrorCode.RESOURCE_EXHAUSTED) return undefined;
  return refusalData(cause, error.message);
}
