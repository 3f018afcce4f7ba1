/**
 * Does a tuple fit the schema? SCHEMA_VIOLATION when:
 *  - the resource type is not defined, or the relation is not a member of it;
 *  - the member is a permission (computed; never written);
 *  - no allowed subject of the relation matches the tuple's subject: type, userset relation and
 *    wildcard must match one entry (`user`, `user:*`, `group#member`) whose caveat is the tuple's
 *    (`user with cav`), and a tuple with an expiration needs `with expiration`.
 *
 * Writes delegate to TypeSystem.validateTuple; `subjectAllowed` restates the same rule on the
 * "subject signature" stores count by, to judge schema changes (schemaDiff.ts).
 *
 * Example: with `definition document { relation viewer: user | group#member }`,
 * `document:a#viewer@user:x` fits; `document:a#viewer@user:*` does not (no `user:*`);
 * `document:a#view@user:x` does not when `view` is a permission.
 */
import { ErrorCode, RelgraphError, isRelgraphError } from "../errors.ts";
import type { Tuple } from "../model/tuple.ts";
import type { AllowedSubject, Definition, Member, SchemaIR } from "../typesystem/ir.ts";
import { TypeSystem } from "../typesystem/typesystem.ts";

/** What of a tuple's subject the schema constrains. */
export interface SubjectSignature {
  readonly subjectType: string;
  /** "" for a direct subject. */
  readonly subjectRelation: string;
  readonly wildcard: boolean;
  readonly caveat?: string;
  readonly expiration: boolean;
}

export function subjectSignature(t: Tuple): SubjectSignature {
  return {
    subjectType: t.subjectType,
    subjectRelation: t.subjectRelation,
    wildcard: t.subjectId === "*",
    ...(t.caveat !== undefined ? { caveat: t.caveat.name } : {}),
    expiration: t.expiration !== undefined,
  };
}

/** `user`, `user:*`, `group#member`, with ` with cav` / ` with expiration` when present. */
export function describeSignature(s: SubjectSignature): string {
  let text = s.wildcard
    ? `${s.subjectType}:*`
    : s.subjectRelation
      ? `${s.subjectType}#${s.subjectRelation}`
      : s.subjectType;
  if (s.caveat !== undefined) text += ` with ${s.caveat}`;
  if (s.expiration) text += " with expiration";
  return text;
}

export function allowedMatches(allowed: AllowedSubject, s: SubjectSignature): boolean {
  if (allowed.type !== s.subjectType) return false;
  if (s.wildcard) {
    if (!allowed.wildcard) return false;
  } else if (allowed.wildcard || (allowed.relation ?? "") !== s.subjectRelation) return false;
  return allowed.caveat === s.caveat && (!s.expiration || allowed.expiration);
}

export function subjectAllowed(member: Member, s: SubjectSignature): boolean {
  return member.types.some((a) => allowedMatches(a, s));
}

export function findDefinition(ir: SchemaIR, type: string): Definition | undefined {
  return ir.definitions.find((d) => d.name === type);
}

export function findMember(ir: SchemaIR, type: string, name: string): Member | undefined {
  return findDefinition(ir, type)?.members.find((m) => m.name === name);
}

const typeSystems = new WeakMap<SchemaIR, TypeSystem>();

/**
 * Throws SCHEMA_VIOLATION when `tuple` does not fit `ir`: delegates to the TypeSystem (one
 * definition of "fits" in the codebase), built once per schema, and prefixes the request field.
 */
export function checkTupleAgainstSchema(ir: SchemaIR, tuple: Tuple, field = "relationship"): void {
  let ts = typeSystems.get(ir);
  if (ts === undefined) {
    ts = new TypeSystem(ir);
    typeSystems.set(ir, ts);
  }
  try {
    ts.validateTuple(tuple);
  } catch (e) {
    if (isRelgraphError(e) && e.code === ErrorCode.SCHEMA_VIOLATION)
      throw new RelgraphError(e.code, `${field}: ${e.message}`, { ...e.details, field });
    throw e;
  }
}
