/**
 * Input validation shared by every store: store names, tuples, filters, limits.
 *
 * Two stages, so hostile input never reaches Cypher:
 *  - `precheck*` needs no store state: shapes, lengths, and the "label-safe" rule for every name that
 *    becomes a Neo4j label or relationship type. It runs before any query.
 *  - `check*` needs the store's schema dialect (`zed` or `openfga`): the identifier grammar.
 * Everything else (ids, prefixes, subject relations) travels as query parameters, never as text.
 */
import { invalidArgument, ErrorCode, RelgraphError } from "../errors.ts";
import type { Dialect, ObjectRef, SubjectRef, Tuple } from "../model/tuple.ts";
import {
  MAX_OBJECT_ID_LENGTH,
  isValidObjectId,
  isValidRelationName,
  isValidTypeName,
  tupleKey,
} from "../model/tuple.ts";
import type { Precondition, RelationshipFilter, RelationshipUpdate, WriteRequest } from "./interface.ts";
import { STORE_NAME } from "./interface.ts";
import { FILTER_FIELDS } from "../model/filter.ts";
import { MAX_PAGE_SIZE, MAX_PRECONDITIONS_PER_WRITE, MAX_UPDATES_PER_WRITE } from "./options.ts";

/** Longest type or relation name either dialect accepts (OpenFGA types: 254). */
const MAX_NAME_LENGTH = 254;
/** Caveat contexts are stored as JSON text; keep them bounded. */
const MAX_CAVEAT_CONTEXT_LENGTH = 64 * 1024;

/** Shortens hostile or huge input inside error messages. */
export function quoteInput(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/**
 * A name that may become a Neo4j label or relationship type: no backticks or backslashes (the only
 * characters that could end or escape a quoted identifier), no control characters or whitespace,
 * and no leading `_` (reserved for Relgraph's internal records such as `_Store`).
 */
export function isLabelSafe(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= MAX_NAME_LENGTH &&
    /^[^_`\\\s\p{Cc}\p{Cs}:#@][^`\\\s\p{Cc}\p{Cs}:#@]*$/u.test(name)
  );
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== "string") throw invalidArgument(`${field}: expected a string`, { field });
  return value;
}

/** `[a-z][a-z0-9_-]{0,62}`; INVALID_ARGUMENT otherwise. */
export function checkStoreName(name: unknown): string {
  const text = requireString(name, "store");
  if (!STORE_NAME.test(text))
    throw invalidArgument(`store: invalid store name ${quoteInput(text)} (expected [a-z][a-z0-9_-]{0,62})`, {
      field: "store",
    });
  return text;
}

function precheckName(value: unknown, field: string, what: string): string {
  const text = requireString(value, field);
  if (!isLabelSafe(text)) throw invalidArgument(`${field}: invalid ${what} ${quoteInput(text)}`, { field });
  return text;
}

/** A lone surrogate cannot travel to Neo4j intact (Bolt sends UTF-8). */
function checkWellFormed(text: string, field: string): void {
  if (/\p{Cs}/u.test(text))
    throw invalidArgument(`${field}: not well-formed Unicode (lone surrogate)`, { field });
}

function precheckId(value: unknown, field: string): string {
  const text = requireString(value, field);
  if (text.length > MAX_OBJECT_ID_LENGTH)
    throw invalidArgument(
      `${field}: object id is ${text.length} characters long; the limit is ${MAX_OBJECT_ID_LENGTH}`,
      {
        field,
      },
    );
  if (text.length === 0) throw invalidArgument(`${field}: empty object id`, { field });
  checkWellFormed(text, field);
  return text;
}

/** Dialect-independent checks of one tuple; returns it with `#...` normalised to "". */
export function precheckTuple(tuple: Tuple, field: string): Tuple {
  if (tuple === null || typeof tuple !== "object")
    throw invalidArgument(`${field}: expected a relationship`, { field });
  precheckName(tuple.resourceType, `${field}.resourceType`, "object type");
  precheckId(tuple.resourceId, `${field}.resourceId`);
  precheckName(tuple.relation, `${field}.relation`, "relation");
  precheckName(tuple.subjectType, `${field}.subjectType`, "object type");
  precheckId(tuple.subjectId, `${field}.subjectId`);
  const subjectRelation = requireString(tuple.subjectRelation, `${field}.subjectRelation`);
  const normalisedRelation = subjectRelation === "..." ? "" : subjectRelation;
  if (normalisedRelation !== "") precheckName(normalisedRelation, `${field}.subjectRelation`, "relation");
  if (tuple.caveat !== undefined) {
    precheckName(tuple.caveat.name, `${field}.caveat.name`, "caveat name");
    const context: unknown = tuple.caveat.context;
    if (context === null || typeof context !== "object" || Array.isArray(context))
      throw invalidArgument(`${field}.caveat.context: expected an object`, {
        field: `${field}.caveat.context`,
      });
    let json: string;
    try {
      json = JSON.stringify(context);
    } catch {
      throw invalidArgument(`${field}.caveat.context: not serialisable as JSON`, {
        field: `${field}.caveat.context`,
      });
    }
    if (json.length > MAX_CAVEAT_CONTEXT_LENGTH)
      throw invalidArgument(`${field}.caveat.context: larger than ${MAX_CAVEAT_CONTEXT_LENGTH} characters`, {
        field: `${field}.caveat.context`,
      });
  }
  if (tuple.expiration !== undefined) {
    const expiration = requireString(tuple.expiration, `${field}.expiration`);
    if (expiration.length > 64 || Number.isNaN(Date.parse(expiration)))
      throw invalidArgument(`${field}.expiration: invalid timestamp ${quoteInput(expiration)}`, {
        field: `${field}.expiration`,
      });
  }
  const normalised: Tuple = {
    resourceType: tuple.resourceType,
    resourceId: tuple.resourceId,
    relation: tuple.relation,
    subjectType: tuple.subjectType,
    subjectId: tuple.subjectId,
    subjectRelation: normalisedRelation,
    ...(tuple.caveat !== undefined
      ? { caveat: { name: tuple.caveat.name, context: tuple.caveat.context } }
      : {}),
    ...(tuple.expiration !== undefined ? { expiration: tuple.expiration } : {}),
  };
  return normalised;
}

/**
 * The identifier grammar of the store's dialect (SpiceDB's for `zed`, OpenFGA's for `openfga`):
 * the one definition that writes (checkTupleSyntax) and reads (checkObjectRefSyntax,
 * checkSubjectRefSyntax: check, lookups, expand) share. Ids are also pre-checked as writes are
 * (length, empty, lone surrogates), so a read refuses exactly what a write refuses.
 */
function grammar(dialect: Dialect, field: string) {
  const fail = (part: string, what: string, value: string): never => {
    throw invalidArgument(`${field}.${part}: invalid ${what} ${quoteInput(value)}`, {
      field: `${field}.${part}`,
    });
  };
  return {
    type(part: string, value: string): void {
      if (!isValidTypeName(value, dialect)) fail(part, "object type", value);
    },
    id(part: string, value: string, wildcard: boolean): void {
      precheckId(value, `${field}.${part}`);
      if (value === "*" && !wildcard) fail(part, "object id (a wildcard is not an object)", value);
      if (!isValidObjectId(value, dialect)) fail(part, "object id", value);
    },
    relation(part: string, value: string): void {
      if (!isValidRelationName(value, dialect)) fail(part, "relation", value);
    },
    wildcardRelation(part: string, id: string, relation: string): void {
      if (id === "*" && relation !== "")
        fail(part, "relation (a wildcard subject cannot have one)", relation);
    },
  };
}

export function checkTupleSyntax(tuple: Tuple, dialect: Dialect, field: string): void {
  const g = grammar(dialect, field);
  g.type("resourceType", tuple.resourceType);
  g.id("resourceId", tuple.resourceId, false);
  g.relation("relation", tuple.relation);
  g.type("subjectType", tuple.subjectType);
  g.id("subjectId", tuple.subjectId, true);
  if (tuple.subjectRelation !== "") g.relation("subjectRelation", tuple.subjectRelation);
  g.wildcardRelation("subjectRelation", tuple.subjectId, tuple.subjectRelation);
  if (tuple.caveat !== undefined) g.relation("caveat.name", tuple.caveat.name);
}

/** A resource a read names (`check`'s resource, `expand`, `lookupSubjects`): the write grammar. */
export function checkObjectRefSyntax(ref: ObjectRef, dialect: Dialect, field: string): void {
  const g = grammar(dialect, field);
  g.type("type", ref.type);
  g.id("id", ref.id, false);
}

/** A subject a read names (`check`'s subject, `lookupResources`): the write grammar. */
export function checkSubjectRefSyntax(ref: SubjectRef, dialect: Dialect, field: string): void {
  const g = grammar(dialect, field);
  g.type("type", ref.type);
  g.id("id", ref.id, true);
  if (ref.relation !== "" && ref.relation !== "...") g.relation("relation", ref.relation);
  g.wildcardRelation("relation", ref.id, ref.relation);
}

/** Request-scoped tuples of a read: the checks a write makes of its tuples. */
export function checkContextualTuples(tuples: readonly Tuple[] | undefined, dialect: Dialect): void {
  (tuples ?? []).forEach((tuple, i) => {
    const field = `contextualTuples[${i}]`;
    checkTupleSyntax(precheckTuple(tuple, field), dialect, field);
  });
}

/**
 * Batch-level checks before any query: sizes, tuple shapes, and the same tuple twice
 * (INVALID_ARGUMENT, as SpiceDB). Returns the normalised updates and preconditions.
 */
export function precheckWrite(request: WriteRequest): {
  updates: RelationshipUpdate[];
  preconditions: NormalisedFilter[];
  preconditionOps: Precondition["operation"][];
} {
  if (request === null || typeof request !== "object" || !Array.isArray(request.updates))
    throw invalidArgument("updates: expected a list", { field: "updates" });
  if (request.updates.length > MAX_UPDATES_PER_WRITE)
    throw new RelgraphError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `updates: ${request.updates.length} updates; at most ${MAX_UPDATES_PER_WRITE} per write`,
      { field: "updates", limit: MAX_UPDATES_PER_WRITE, actual: request.updates.length },
    );
  const preconditions = request.preconditions ?? [];
  const checked = precheckPreconditions(preconditions);
  const seen = new Map<string, number>();
  const updates = request.updates.map((update, i): RelationshipUpdate => {
    const field = `updates[${i}]`;
    const op: unknown = update?.operation;
    if (op !== "CREATE" && op !== "TOUCH" && op !== "DELETE")
      throw invalidArgument(`${field}.operation: expected CREATE, TOUCH or DELETE`, {
        field: `${field}.operation`,
      });
    const tuple = precheckTuple(update.tuple, `${field}.tuple`);
    const key = tupleKey(tuple);
    const earlier = seen.get(key);
    if (earlier !== undefined)
      throw invalidArgument(
        `${field}: relationship ${quoteInput(key)} appears twice in one write (also updates[${earlier}])`,
        {
          field,
          relationship: key,
        },
      );
    seen.set(key, i);
    return { operation: op, tuple };
  });
  return { updates, ...checked };
}

export function precheckPreconditions(preconditions: readonly Precondition[]): {
  preconditions: NormalisedFilter[];
  preconditionOps: Precondition["operation"][];
} {
  if (!Array.isArray(preconditions))
    throw invalidArgument("preconditions: expected a list", { field: "preconditions" });
  if (preconditions.length > MAX_PRECONDITIONS_PER_WRITE)
    throw new RelgraphError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `preconditions: ${preconditions.length} preconditions; at most ${MAX_PRECONDITIONS_PER_WRITE} per write`,
      { field: "preconditions", limit: MAX_PRECONDITIONS_PER_WRITE, actual: preconditions.length },
    );
  const ops = preconditions.map((p, i) => {
    const op: unknown = p?.operation;
    if (op !== "MUST_MATCH" && op !== "MUST_NOT_MATCH")
      throw invalidArgument(`preconditions[${i}].operation: expected MUST_MATCH or MUST_NOT_MATCH`, {
        field: `preconditions[${i}].operation`,
      });
    return op;
  });
  return {
    preconditions: preconditions.map((p, i) => precheckFilter(p.filter, `preconditions[${i}].filter`)),
    preconditionOps: ops,
  };
}

/** A filter whose fields passed the pre-checks; `subjectRelation` "..." normalised to "". */
export type NormalisedFilter = RelationshipFilter;

export function precheckFilter(filter: RelationshipFilter, field = "filter"): NormalisedFilter {
  if (filter === null || typeof filter !== "object")
    throw invalidArgument(`${field}: expected a filter`, { field });
  const out: Record<string, string> = {};
  for (const name of FILTER_FIELDS) {
    const value: unknown = filter[name];
    if (value === undefined || value === null) continue;
    const f = `${field}.${name}`;
    switch (name) {
      case "resourceType":
      case "subjectType":
        out[name] = precheckName(value, f, "object type");
        break;
      case "relation":
        out[name] = precheckName(value, f, "relation");
        break;
      case "subjectRelation": {
        const text = requireString(value, f);
        out[name] = text === "..." || text === "" ? "" : precheckName(text, f, "relation");
        break;
      }
      case "resourceId":
      case "subjectId":
        out[name] = precheckId(value, f);
        break;
      case "resourceIdPrefix": {
        const text = requireString(value, f);
        if (text === "")
          throw invalidArgument(`${f}: empty prefix (omit resourceIdPrefix to match every id)`, {
            field: f,
          });
        if (text.length > MAX_OBJECT_ID_LENGTH)
          throw invalidArgument(`${f}: longer than ${MAX_OBJECT_ID_LENGTH} characters`, { field: f });
        checkWellFormed(text, f);
        out[name] = text;
        break;
      }
      default:
        unreachableField(name);
    }
  }
  return out as NormalisedFilter;
}

function unreachableField(name: never): never {
  throw new Error(`BUG: unexpected filter field ${String(name)}`);
}

/** The dialect's grammar for every filter field that is set. */
export function checkFilterSyntax(filter: NormalisedFilter, dialect: Dialect, field = "filter"): void {
  const fail = (name: string, what: string, value: string): never => {
    throw invalidArgument(`${field}.${name}: invalid ${what} ${quoteInput(value)}`, {
      field: `${field}.${name}`,
    });
  };
  if (filter.resourceType !== undefined && !isValidTypeName(filter.resourceType, dialect))
    fail("resourceType", "object type", filter.resourceType);
  if (filter.subjectType !== undefined && !isValidTypeName(filter.subjectType, dialect))
    fail("subjectType", "object type", filter.subjectType);
  if (filter.relation !== undefined && !isValidRelationName(filter.relation, dialect))
    fail("relation", "relation", filter.relation);
  if (
    filter.subjectRelation !== undefined &&
    filter.subjectRelation !== "" &&
    !isValidRelationName(filter.subjectRelation, dialect)
  )
    fail("subjectRelation", "relation", filter.subjectRelation);
  if (filter.resourceId !== undefined && !isValidObjectId(filter.resourceId, dialect))
    fail("resourceId", "object id", filter.resourceId);
  if (filter.subjectId !== undefined && !isValidObjectId(filter.subjectId, dialect))
    fail("subjectId", "object id", filter.subjectId);
  // A prefix is any start of a valid id: check it with one id character appended.
  if (
    filter.resourceIdPrefix !== undefined &&
    filter.resourceIdPrefix !== "" &&
    !isValidObjectId(`${filter.resourceIdPrefix}a`, dialect)
  )
    fail("resourceIdPrefix", "object id prefix", filter.resourceIdPrefix);
}

/** Does `tuple` satisfy every field of `filter`? The one definition both stores agree with. */
export function filterMatches(filter: NormalisedFilter, tuple: Tuple): boolean {
  return (
    (filter.resourceType === undefined || tuple.resourceType === filter.resourceType) &&
    (filter.resourceId === undefined || tuple.resourceId === filter.resourceId) &&
    (filter.resourceIdPrefix === undefined || tuple.resourceId.startsWith(filter.resourceIdPrefix)) &&
    (filter.relation === undefined || tuple.relation === filter.relation) &&
    (filter.subjectType === undefined || tuple.subjectType === filter.subjectType) &&
    (filter.subjectId === undefined || tuple.subjectId === filter.subjectId) &&
    (filter.subjectRelation === undefined || tuple.subjectRelation === filter.subjectRelation)
  );
}

/** Text of a filter for messages: `{resourceType: "document", subjectId: "alice"}`. */
export function describeFilter(filter: NormalisedFilter): string {
  const parts = FILTER_FIELDS.filter((f) => filter[f] !== undefined).map(
    (f) => `${f}: ${quoteInput(filter[f] ?? "")}`,
  );
  return `{${parts.join(", ")}}`;
}

/** `first` of a read page: 1..1,000; RESOURCE_EXHAUSTED above (as the GraphQL contract). */
export function checkPageSize(first: unknown): number {
  if (typeof first !== "number" || !Number.isInteger(first) || first < 1)
    throw invalidArgument("first: expected a positive integer", { field: "first" });
  if (first > MAX_PAGE_SIZE)
    throw new RelgraphError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `first: ${first} is above the maximum page size ${MAX_PAGE_SIZE}`,
      {
        field: "first",
        maximum: MAX_PAGE_SIZE,
      },
    );
  return first;
}

export const MAX_SCAN_BATCH = 100_000;
export const DEFAULT_SCAN_BATCH = 10_000;

/** `ScanOptions.batchSize`: 1 to 100,000 (default 10,000). */
export function checkScanBatchSize(batchSize: unknown): number {
  if (batchSize === undefined) return DEFAULT_SCAN_BATCH;
  if (
    typeof batchSize !== "number" ||
    !Number.isInteger(batchSize) ||
    batchSize < 1 ||
    batchSize > MAX_SCAN_BATCH
  )
    throw invalidArgument(`batchSize: expected an integer from 1 to ${MAX_SCAN_BATCH}`, {
      field: "batchSize",
    });
  return batchSize;
}

export function checkNonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw invalidArgument(`${field}: expected a non-negative integer`, { field });
  return value;
}

/** The deleteByFilter limit: the configured default when absent, 1..max otherwise. */
export function checkDeleteLimit(
  limit: unknown,
  defaults: { defaultDeleteLimit: number; maxDeleteLimit: number },
): number {
  if (limit === undefined || limit === null) return defaults.defaultDeleteLimit;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1)
    throw invalidArgument("limit: expected a positive integer", { field: "limit" });
  if (limit > defaults.maxDeleteLimit)
    throw new RelgraphError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `limit: ${limit} is above the maximum ${defaults.maxDeleteLimit}`,
      { field: "limit", maximum: defaults.maxDeleteLimit, limit: defaults.maxDeleteLimit, actual: limit },
    );
  return limit;
}
