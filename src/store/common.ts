/**
 * Pieces both stores share so they fail with the same codes and messages: error constructors for
 * the store's failure cases, and the change-log paging rule.
 */
import { ErrorCode, RelgraphError, failedPrecondition, invalidArgument, notFound } from "../errors.ts";
import type { Tuple } from "../model/tuple.ts";
import { tupleKey } from "../model/tuple.ts";
import type { Change, Precondition, SchemaChange, SchemaFormat } from "./interface.ts";
import { DEFAULT_STORE } from "./interface.ts";
import { MAX_CHANGES_PAGE } from "./options.ts";
import type { NormalisedFilter } from "./validate.ts";
import {
  checkNonNegativeInteger,
  checkStoreName,
  describeFilter,
  isLabelSafe,
  quoteInput,
} from "./validate.ts";
import type { SchemaIR } from "../typesystem/ir.ts";

/** What clients are told while the backend is unreachable (the driver's own text goes to the log). */
export const UNAVAILABLE_MESSAGE = "Neo4j is unavailable; retry later";

/** UNAVAILABLE: the backend cannot be reached now (circuit breaker open, connection lost). */
export function storeUnavailable(): RelgraphError {
  return new RelgraphError(ErrorCode.UNAVAILABLE, UNAVAILABLE_MESSAGE, { reason: "neo4j-unreachable" });
}

export function storeNotFound(store: string): RelgraphError {
  return notFound(`store ${JSON.stringify(store)} does not exist`, { store });
}

export function storeAlreadyExists(store: string): RelgraphError {
  return new RelgraphError(ErrorCode.ALREADY_EXISTS, `store ${JSON.stringify(store)} already exists`, {
    store,
  });
}

export function defaultStoreUndeletable(): RelgraphError {
  return failedPrecondition(`store ${JSON.stringify(DEFAULT_STORE)} always exists and cannot be deleted`, {
    store: DEFAULT_STORE,
  });
}

export function relationshipAlreadyExists(tuple: Tuple, index: number): RelgraphError {
  const key = tupleKey(tuple);
  return new RelgraphError(
    ErrorCode.ALREADY_EXISTS,
    `updates[${index}]: CREATE of ${quoteInput(key)}: the relationship already exists (use TOUCH to upsert)`,
    { field: `updates[${index}]`, relationship: key },
  );
}

export function preconditionFailed(
  index: number,
  operation: Precondition["operation"],
  filter: NormalisedFilter,
): RelgraphError {
  const why = operation === "MUST_MATCH" ? "no relationship matches" : "a relationship matches";
  return failedPrecondition(
    `preconditions[${index}] failed: ${operation} ${describeFilter(filter)}: ${why}`,
    {
      field: `preconditions[${index}]`,
      precondition: index,
      operation,
      filter: { ...filter },
    },
  );
}

export function deleteLimitExceeded(limit: number, filter: NormalisedFilter): RelgraphError {
  return failedPrecondition(
    `more than ${limit} relationships match ${describeFilter(filter)}; raise limit or set allowPartial`,
    { limit, filter: { ...filter } },
  );
}

export function changesPruned(store: string, afterRevision: number, horizon: number): RelgraphError {
  return failedPrecondition(
    `changes after revision ${afterRevision} of store ${JSON.stringify(store)} were pruned from the change log ` +
      `(it starts after revision ${horizon}); reload the store's relationships instead`,
    { store, afterRevision, horizon },
  );
}

export function checkChangesArgs(
  afterRevision: unknown,
  limit: unknown,
): { afterRevision: number; limit: number } {
  const after = checkNonNegativeInteger(afterRevision, "afterRevision");
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_CHANGES_PAGE)
    throw invalidArgument(`limit: expected an integer from 1 to ${MAX_CHANGES_PAGE}`, { field: "limit" });
  return { afterRevision: after, limit };
}

export function revisionBeyondHead(afterRevision: number, head: number): RelgraphError {
  return invalidArgument(`afterRevision: ${afterRevision} is beyond the store's head revision ${head}`, {
    field: "afterRevision",
    head,
  });
}

/** Schema text is stored verbatim; bound it so one schema cannot exhaust a property. */
const MAX_SCHEMA_TEXT = 4 * 1024 * 1024;

/**
 * Arguments of writeSchema: every type and relation name must be label-safe, because each becomes
 * a Neo4j label or relationship type (OpenFGA allows names such as `` a`b `` that could not be one).
 */
export function checkSchemaArgs(
  store: unknown,
  schema: { text: string; format: SchemaFormat; ir: SchemaIR },
): { store: string; text: string; format: SchemaFormat; ir: SchemaIR } {
  const name = checkStoreName(store);
  if (schema === null || typeof schema !== "object")
    throw invalidArgument("schema: expected a schema", { field: "schema" });
  const { text, format, ir } = schema;
  if (typeof text !== "string" || text.length > MAX_SCHEMA_TEXT)
    throw invalidArgument(`schema.text: expected a string of at most ${MAX_SCHEMA_TEXT} characters`, {
      field: "schema.text",
    });
  if (format !== "ZED" && format !== "OPENFGA")
    throw invalidArgument("schema.format: expected ZED or OPENFGA", { field: "schema.format" });
  if (ir === null || typeof ir !== "object" || !Array.isArray(ir.definitions))
    throw invalidArgument("schema.ir: expected a schema IR", { field: "schema.ir" });
  for (const def of ir.definitions) {
    if (!isLabelSafe(def.name))
      throw invalidArgument(
        `schema: type name ${quoteInput(def.name)} cannot be stored (backticks, backslashes, control characters and a leading "_" are reserved)`,
        {
          field: "schema.ir",
          type: def.name,
        },
      );
    for (const member of def.members)
      if (member.kind === "relation" && !isLabelSafe(member.name))
        throw invalidArgument(
          `schema: relation name ${quoteInput(`${def.name}#${member.name}`)} cannot be stored`,
          {
            field: "schema.ir",
            type: def.name,
            relation: member.name,
          },
        );
  }
  return { store: name, text, format, ir };
}

/** One revision's entry in the change log. */
export interface LogEntry {
  readonly revision: number;
  readonly at: number;
  readonly changes: readonly Change[];
  /** Set when this revision stored a new schema. */
  readonly schemaRevision?: number;
}

/**
 * The change-log paging rule both stores follow: whole revisions, oldest first, until `limit`
 * changes are collected (a page always holds at least one revision, however large).
 */
export function pageOfLog(
  entries: readonly LogEntry[],
  afterRevision: number,
  limit: number,
): { changes: Change[]; schemaChanges: SchemaChange[]; throughRevision: number } {
  const changes: Change[] = [];
  const schemaChanges: SchemaChange[] = [];
  let through = afterRevision;
  for (const entry of entries) {
    if (entry.revision <= afterRevision) continue;
    // Never split a revision; a page only stops early once it holds some changes.
    if (changes.length > 0 && changes.length + entry.changes.length > limit) break;
    changes.push(...entry.changes);
    if (entry.schemaRevision !== undefined)
      schemaChanges.push({ schemaRevision: entry.schemaRevision, revision: entry.revision });
    through = entry.revision;
    if (changes.length >= limit) break;
  }
  return { changes, schemaChanges, throughRevision: through };
}

/** A DELETE change names the relationship only: its caveat no longer matters. */
export function stripTraits(t: Tuple): Tuple {
  return {
    resourceType: t.resourceType,
    resourceId: t.resourceId,
    relation: t.relation,
    subjectType: t.subjectType,
    subjectId: t.subjectId,
    subjectRelation: t.subjectRelation,
  };
}
