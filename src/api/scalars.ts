/**
 * The custom scalars of schema/api.graphql: relationship text parsed by src/model/tuple.ts.
 *
 * Parsers throw RelgraphError (INVALID_ARGUMENT). graphql-js keeps it as `originalError` of the
 * coercion error it reports (variables) or of the validation error (literals), and formatError turns
 * both back into INVALID_ARGUMENT, whatever code Apollo gave them.
 *
 * The scalars accept a reference valid in either dialect (SpiceDB's or OpenFGA's looser identifier
 * rules): which one applies depends on the store's schema, which a scalar cannot know. The service
 * enforces the store's own dialect.
 */
// "graphql/index.js", not "graphql": the file Node (and so Apollo) loads; vite would pick index.mjs,
// a second copy whose classes fail graphql-js's instanceof checks (the dual-package hazard).
import { Kind, valueFromASTUntyped, type ValueNode } from "graphql/index.js";
import { invalidArgument, isRelgraphError } from "../errors.ts";
import {
  formatObjectRef,
  formatSubjectRef,
  formatTuple,
  parseObjectRef,
  parseSubjectRef,
  parseTuple,
  type Dialect,
  type ObjectRef,
  type SubjectRef,
  type Tuple,
} from "../model/tuple.ts";

/** What a scalar needs: the three functions graphql-js calls. */
export interface ScalarImplementation<TInternal> {
  readonly serialize: (value: unknown) => string | number | Record<string, unknown>;
  readonly parseValue: (value: unknown) => TInternal;
  readonly parseLiteral: (node: ValueNode, variables?: Readonly<Record<string, unknown>> | null) => TInternal;
}

/**
 * Tries SpiceDB's rules, then OpenFGA's; when both refuse, reports SpiceDB's reason (the stricter
 * one names the part that is wrong for the common case).
 */
function parseInEitherDialect<T>(parse: (dialect: Dialect) => T): T {
  try {
    return parse("zed");
  } catch (zedError) {
    if (!isRelgraphError(zedError)) throw zedError;
    try {
      return parse("openfga");
    } catch {
      throw zedError;
    }
  }
}

function textScalar<T>(
  name: string,
  example: string,
  parse: (text: string) => T,
  format: (value: T) => string,
  isValue: (value: unknown) => value is T,
): ScalarImplementation<T> {
  const requireString = (value: unknown, got: string): string => {
    if (typeof value !== "string")
      throw invalidArgument(`${name} must be a string such as "${example}", got ${got}`);
    return value;
  };
  return {
    // Resolvers return either parsed values or canonical text; anything else is a bug (INTERNAL).
    serialize(value) {
      if (typeof value === "string") return value;
      if (isValue(value)) return format(value);
      throw new TypeError(`${name} cannot serialize ${typeof value}`);
    },
    parseValue: (value) => parse(requireString(value, value === null ? "null" : typeof value)),
    parseLiteral(node) {
      if (node.kind !== Kind.STRING)
        throw invalidArgument(`${name} must be a string such as "${example}", got ${node.kind}`);
      return parse(requireString(node.value, "string"));
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

const isObjectRef = (v: unknown): v is ObjectRef =>
  isRecord(v) && typeof v["type"] === "string" && typeof v["id"] === "string";
const isSubjectRef = (v: unknown): v is SubjectRef =>
  isObjectRef(v) && typeof (v as SubjectRef).relation === "string";
const isTuple = (v: unknown): v is Tuple =>
  isRecord(v) &&
  ["resourceType", "resourceId", "relation", "subjectType", "subjectId", "subjectRelation"].every(
    (k) => typeof v[k] === "string",
  );

export const objectRefScalar = textScalar<ObjectRef>(
  "ObjectRef",
  "document:readme",
  (text) => parseInEitherDialect((d) => parseObjectRef(text, d, "object reference")),
  formatObjectRef,
  isObjectRef,
);

export const subjectRefScalar = textScalar<SubjectRef>(
  "SubjectRef",
  "user:alice",
  (text) => parseInEitherDialect((d) => parseSubjectRef(text, d, "subject reference")),
  formatSubjectRef,
  isSubjectRef,
);

export const relationshipTupleScalar = textScalar<Tuple>(
  "RelationshipTuple",
  "document:readme#viewer@user:alice",
  (text) => parseInEitherDialect((d) => parseTuple(text, d)),
  formatTuple,
  isTuple,
);

/** Output only: revisions exceed 32 bits long before they exceed 2^53. */
export const revisionScalar: ScalarImplementation<number> = {
  serialize(value) {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
    throw new TypeError(`Revision cannot serialize ${String(value)}`);
  },
  parseValue(value) {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
    throw invalidArgument(
      `Revision must be a non-negative integer, got ${JSON.stringify(value) ?? typeof value}`,
    );
  },
  parseLiteral(node) {
    if (node.kind === Kind.INT) {
      const value = Number(node.value);
      if (Number.isSafeInteger(value) && value >= 0) return value;
    }
    throw invalidArgument(`Revision must be a non-negative integer`);
  },
};

/**
 * `JSON`: a caveat context, a JSON object (types.ts in src/typesystem/caveat says how each
 * parameter type is encoded). Literals may nest variables; anything but an object is refused.
 */
export const jsonScalar: ScalarImplementation<Record<string, unknown>> = {
  serialize(value) {
    if (isRecord(value)) return value;
    throw new TypeError(`JSON cannot serialize ${typeof value}`);
  },
  parseValue(value) {
    if (isRecord(value) && !Array.isArray(value)) return value;
    throw invalidArgument(
      `JSON context must be an object such as {"ip": "10.0.0.1"}, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`,
    );
  },
  parseLiteral(node, variables) {
    if (node.kind !== Kind.OBJECT)
      throw invalidArgument(`JSON context must be an object such as {ip: "10.0.0.1"}, got ${node.kind}`);
    return valueFromASTUntyped(node, variables) as Record<string, unknown>;
  },
};

/** The scalar implementations by SDL name; loadApiSchema checks the SDL declares exactly these. */
export const SCALARS: Readonly<Record<string, ScalarImplementation<unknown>>> = {
  ObjectRef: objectRefScalar,
  SubjectRef: subjectRefScalar,
  RelationshipTuple: relationshipTupleScalar,
  Revision: revisionScalar,
  JSON: jsonScalar,
};
