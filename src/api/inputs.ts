/**
 * GraphQL input values → service arguments. graphql-js has already checked shapes and types (and
 * `@oneOf`); what is left is what the SDL cannot say: a `Consistency` field set to `false`, page
 * sizes, list lengths. `null` (GraphQL's "not given") becomes an absent property.
 */
import { ErrorCode, invalidArgument, RelgraphError } from "../errors.ts";
import { FILTER_FIELDS } from "../model/filter.ts";
import type { Tuple } from "../model/tuple.ts";
import type { Consistency } from "../coordinator/service.ts";
import type {
  Precondition,
  RelationshipFilter,
  RelationshipUpdate,
  UpdateOperation,
} from "../store/interface.ts";

/** The most items a page (`first`) or a bulk request may ask for. */
export const MAX_PAGE_SIZE = 1000;
export const MAX_BULK_CHECKS = 1000;

export interface ConsistencyInput {
  readonly minimizeLatency?: boolean | null;
  readonly atLeastAsFresh?: string | null;
  readonly atExactSnapshot?: string | null;
  readonly fullyConsistent?: boolean | null;
}

/** The GraphQL input: every filter field, each nullable. */
export type RelationshipFilterInput = {
  readonly [K in keyof RelationshipFilter]?: RelationshipFilter[K] | null;
};

export interface PreconditionInput {
  readonly operation: Precondition["operation"];
  readonly filter: RelationshipFilterInput;
}

export interface RelationshipUpdateInput {
  readonly operation: UpdateOperation;
  readonly relationship: Tuple;
}

/**
 * `@oneOf` already guarantees exactly one non-null field; a boolean mode set to `false` asks for
 * nothing, so it is refused rather than silently read as the default.
 */
export function toConsistency(input: ConsistencyInput | null | undefined): Consistency | undefined {
  if (input === null || input === undefined) return undefined;
  const given = Object.entries(input).filter(([, v]) => v !== null && v !== undefined);
  if (given.length !== 1)
    throw invalidArgument(
      `consistency: set exactly one field, got ${given.length === 0 ? "none" : given.map(([k]) => k).join(", ")}`,
      {
        field: "consistency",
      },
    );
  const token = (name: string, value: string): string => {
    if (value === "")
      throw invalidArgument(`consistency.${name}: the token is empty`, { field: `consistency.${name}` });
    return value;
  };
  const mustBeTrue = (name: string, value: boolean): void => {
    if (!value)
      throw invalidArgument(
        `consistency.${name} must be true (omit consistency for the default, minimizeLatency)`,
        {
          field: `consistency.${name}`,
        },
      );
  };
  if (input.minimizeLatency !== null && input.minimizeLatency !== undefined) {
    mustBeTrue("minimizeLatency", input.minimizeLatency);
    return { kind: "minimizeLatency" };
  }
  if (input.fullyConsistent !== null && input.fullyConsistent !== undefined) {
    mustBeTrue("fullyConsistent", input.fullyConsistent);
    return { kind: "fullyConsistent" };
  }
  if (input.atLeastAsFresh !== null && input.atLeastAsFresh !== undefined)
    return { kind: "atLeastAsFresh", token: token("atLeastAsFresh", input.atLeastAsFresh) };
  if (input.atExactSnapshot !== null && input.atExactSnapshot !== undefined)
    return { kind: "atExactSnapshot", token: token("atExactSnapshot", input.atExactSnapshot) };
  // Only reachable with a field the SDL has and this function does not know: a bug.
  throw new Error(`BUG: unhandled consistency field ${given[0]?.[0] ?? ""}`);
}

export function toFilter(input: RelationshipFilterInput | null | undefined): RelationshipFilter {
  const filter: { -readonly [K in keyof RelationshipFilter]: RelationshipFilter[K] } = {};
  if (!input) return filter;
  for (const key of FILTER_FIELDS) {
    const value = input[key];
    if (value !== null && value !== undefined) filter[key] = value;
  }
  return filter;
}

export function toPreconditions(
  input: readonly PreconditionInput[] | null | undefined,
): Precondition[] | undefined {
  return input?.map((p) => ({ operation: p.operation, filter: toFilter(p.filter) }));
}

export function toUpdates(input: readonly RelationshipUpdateInput[]): RelationshipUpdate[] {
  return input.map((u) => ({ operation: u.operation, tuple: u.relationship }));
}

/** `first`: 1 to MAX_PAGE_SIZE; larger asks for more than a page may hold (RESOURCE_EXHAUSTED). */
export function pageSize(first: number | null | undefined, argument = "first"): number {
  const value = first ?? 100;
  if (value > MAX_PAGE_SIZE)
    throw new RelgraphError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `${argument}: ${value} is above the maximum page size of ${MAX_PAGE_SIZE}`,
      { field: argument, limit: MAX_PAGE_SIZE },
    );
  if (value < 1) throw invalidArgument(`${argument}: must be at least 1, got ${value}`, { field: argument });
  return value;
}

/** A list argument with a maximum length (RESOURCE_EXHAUSTED above it). */
export function boundedList<T>(items: readonly T[], max: number, argument: string): readonly T[] {
  if (items.length > max)
    throw new RelgraphError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `${argument}: ${items.length} items, the maximum is ${max}`,
      {
        field: argument,
        limit: max,
      },
    );
  return items;
}

/** The longest name or id an argument may carry (as object ids: src/model/tuple.ts). */
export const MAX_NAME_LENGTH = 1024;
/** Arguments that are text, not names: schema text and page cursors. */
const LONG_TEXT_ARGUMENTS = new Set(["schema", "after"]);

/**
 * Every string in `args` (nested inputs too) is at most MAX_NAME_LENGTH characters, except schema
 * text and cursors. Runs before a resolver uses its arguments, so a huge name is refused with its
 * length and never echoed in a message.
 */
export function checkArgumentLengths(args: Readonly<Record<string, unknown>>): void {
  const stack: [string, unknown][] = Object.entries(args).filter(([k]) => !LONG_TEXT_ARGUMENTS.has(k));
  while (stack.length > 0) {
    const [path, value] = stack.pop()!;
    if (typeof value === "string") {
      if (value.length > MAX_NAME_LENGTH)
        throw invalidArgument(
          `${path}: ${value.length} characters long; names and ids are at most ${MAX_NAME_LENGTH}`,
          { field: path, length: value.length, limit: MAX_NAME_LENGTH },
        );
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push([`${path}[${i}]`, v]));
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) stack.push([`${path}.${k}`, v]);
    }
  }
}
