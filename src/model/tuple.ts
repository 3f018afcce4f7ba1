/**
 * Relationship text: object references (`document:readme`), subject references (`user:alice`,
 * `group:eng#member`, `user:*`) and tuples (`document:readme#viewer@group:eng#member`).
 * Syntax only: whether the names exist in a schema is the typesystem's business.
 *
 * Two dialects: `zed` follows SpiceDB's identifier rules; `openfga` follows OpenFGA's looser ones
 * (a model imported from OpenFGA accepts every name OpenFGA accepts).
 */
import { invalidArgument } from "../errors.ts";

export type Dialect = "zed" | "openfga";

export interface ObjectRef {
  readonly type: string;
  readonly id: string;
}

/** A subject: an object (`relation` = ""), a userset (`relation` = "member") or a wildcard (`id` = "*"). */
export interface SubjectRef {
  readonly type: string;
  readonly id: string;
  /** "" for a direct subject; `#...` (SpiceDB's ellipsis) is normalised to "". */
  readonly relation: string;
}

export interface Tuple {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly relation: string;
  readonly subjectType: string;
  readonly subjectId: string;
  /** "" for a direct subject. */
  readonly subjectRelation: string;
  /** `[caveat_name:{"k":1}]` suffix: kept, evaluated by a later issue. */
  readonly caveat?: { readonly name: string; readonly context: Readonly<Record<string, unknown>> };
  /** `[expiration:2025-01-01T00:00:00Z]` suffix: ISO text. */
  readonly expiration?: string;
}

export const MAX_OBJECT_ID_LENGTH = 1024;

// SpiceDB: types may carry `prefix/` namespaces; relations are plain identifiers.
const ZED_TYPE = /^([a-z][a-z0-9_]{1,61}[a-z0-9]\/)*[a-z][a-z0-9_]{1,62}[a-z0-9]$/;
const ZED_RELATION = /^[a-z][a-z0-9_]{1,62}[a-z0-9]$/;
const ZED_ID = /^(?:[a-zA-Z0-9/_|\-=+]{1,1024}|\*)$/;
// OpenFGA: type `^[^:#@\s]{1,254}$`, relation up to 50 characters, ids without whitespace/#/@.
const FGA_TYPE = /^[^:#@\s]{1,254}$/u;
const FGA_RELATION = /^[^:#@\s]{1,50}$/u;
const FGA_ID = /^[^#@\s]{1,1024}$/u;

export function isValidTypeName(name: string, dialect: Dialect = "zed"): boolean {
  return (dialect === "zed" ? ZED_TYPE : FGA_TYPE).test(name);
}
export function isValidRelationName(name: string, dialect: Dialect = "zed"): boolean {
  return (dialect === "zed" ? ZED_RELATION : FGA_RELATION).test(name);
}
export function isValidObjectId(id: string, dialect: Dialect = "zed"): boolean {
  return id.length <= MAX_OBJECT_ID_LENGTH && (dialect === "zed" ? ZED_ID : FGA_ID).test(id);
}

/** Shortens hostile or huge input inside error messages. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function checkType(type: string, where: string, dialect: Dialect): void {
  if (!isValidTypeName(type, dialect))
    throw invalidArgument(`${where}: invalid object type ${quote(type)}`, { field: where });
}
function checkRelation(relation: string, where: string, dialect: Dialect): void {
  if (!isValidRelationName(relation, dialect))
    throw invalidArgument(`${where}: invalid relation ${quote(relation)}`, { field: where });
}
function checkId(id: string, where: string, dialect: Dialect): void {
  if (id.length > MAX_OBJECT_ID_LENGTH)
    throw invalidArgument(
      `${where}: object id is ${id.length} characters long; the limit is ${MAX_OBJECT_ID_LENGTH}`,
      { field: where },
    );
  if (!isValidObjectId(id, dialect))
    throw invalidArgument(`${where}: invalid object id ${quote(id)}`, { field: where });
}

/** `type:id`. Throws INVALID_ARGUMENT naming the part that is wrong. */
export function parseObjectRef(text: string, dialect: Dialect = "zed", where = "object"): ObjectRef {
  const colon = text.indexOf(":");
  if (colon <= 0 || colon === text.length - 1)
    throw invalidArgument(`${where}: expected "type:id", got ${quote(text)}`, { field: where });
  const type = text.slice(0, colon);
  const id = text.slice(colon + 1);
  checkType(type, where, dialect);
  if (id === "*") throw invalidArgument(`${where}: a wildcard is not an object`, { field: where });
  checkId(id, where, dialect);
  return { type, id };
}

/** `type:id`, `type:id#relation`, `type:id#...` or `type:*`. */
export function parseSubjectRef(text: string, dialect: Dialect = "zed", where = "subject"): SubjectRef {
  const hash = text.indexOf("#");
  const objectText = hash < 0 ? text : text.slice(0, hash);
  const relationText = hash < 0 ? "" : text.slice(hash + 1);
  const colon = objectText.indexOf(":");
  if (colon <= 0 || colon === objectText.length - 1)
    throw invalidArgument(`${where}: expected "type:id" or "type:id#relation", got ${quote(text)}`, {
      field: where,
    });
  const type = objectText.slice(0, colon);
  const id = objectText.slice(colon + 1);
  checkType(type, where, dialect);
  checkId(id, where, dialect);
  let relation = "";
  if (hash >= 0 && relationText !== "...") {
    checkRelation(relationText, where, dialect);
    relation = relationText;
  }
  if (id === "*" && relation !== "")
    throw invalidArgument(`${where}: a wildcard subject cannot have a relation`, { field: where });
  return { type, id, relation };
}

/**
 * `resource:id#relation@subject:id[#relation][[caveat:{json}]][[expiration:ISO]]`.
 * Throws INVALID_ARGUMENT saying which part is malformed.
 */
export function parseTuple(text: string, dialect: Dialect = "zed"): Tuple {
  let rest = text.trim();
  let caveat: Tuple["caveat"];
  let expiration: string | undefined;
  // Trailing bracketed traits, innermost last: `...@user:x[cav:{"a":1}][expiration:...]`.
  while (rest.endsWith("]")) {
    const open = findTraitStart(rest);
    if (open < 0) throw invalidArgument(`relationship: unbalanced "[" in ${quote(text)}`);
    const trait = rest.slice(open + 1, -1);
    rest = rest.slice(0, open);
    const colon = trait.indexOf(":");
    const name = colon < 0 ? trait : trait.slice(0, colon);
    const value = colon < 0 ? "" : trait.slice(colon + 1);
    if (name === "expiration") {
      if (Number.isNaN(Date.parse(value)))
        throw invalidArgument(`relationship: invalid expiration ${quote(value)}`);
      expiration = value;
    } else {
      if (!isValidRelationName(name, dialect))
        throw invalidArgument(`relationship: invalid caveat name ${quote(name)}`);
      let context: Record<string, unknown> = {};
      if (value !== "") {
        try {
          const parsed: unknown = JSON.parse(value);
          if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
            throw new Error("not an object");
          context = parsed as Record<string, unknown>;
        } catch {
          throw invalidArgument(`relationship: caveat context of ${quote(name)} is not a JSON object`);
        }
      }
      caveat = { name, context };
    }
  }
  const at = rest.indexOf("@");
  if (at < 0)
    throw invalidArgument(
      `relationship: expected "resource:id#relation@subject:id", got ${quote(text)} (no "@")`,
    );
  const left = rest.slice(0, at);
  const hash = left.lastIndexOf("#");
  if (hash < 0) throw invalidArgument(`relationship: missing "#relation" before "@" in ${quote(text)}`);
  const resource = parseObjectRef(left.slice(0, hash), dialect, "relationship resource");
  const relation = left.slice(hash + 1);
  checkRelation(relation, "relationship relation", dialect);
  const subject = parseSubjectRef(rest.slice(at + 1), dialect, "relationship subject");
  return {
    resourceType: resource.type,
    resourceId: resource.id,
    relation,
    subjectType: subject.type,
    subjectId: subject.id,
    subjectRelation: subject.relation,
    ...(caveat ? { caveat } : {}),
    ...(expiration !== undefined ? { expiration } : {}),
  };
}

function findTraitStart(text: string): number {
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i];
    if (c === "]") depth++;
    else if (c === "[") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export function formatObjectRef(ref: ObjectRef): string {
  return `${ref.type}:${ref.id}`;
}

export function formatSubjectRef(ref: SubjectRef): string {
  return ref.relation === "" ? `${ref.type}:${ref.id}` : `${ref.type}:${ref.id}#${ref.relation}`;
}

export function tupleSubject(t: Tuple): SubjectRef {
  return { type: t.subjectType, id: t.subjectId, relation: t.subjectRelation };
}

export function tupleResource(t: Tuple): ObjectRef {
  return { type: t.resourceType, id: t.resourceId };
}

/** Canonical text; equal tuples print equal (the key for uniqueness in a write batch). */
export function formatTuple(t: Tuple): string {
  let text = `${t.resourceType}:${t.resourceId}#${t.relation}@${formatSubjectRef(tupleSubject(t))}`;
  if (t.caveat)
    text += `[${t.caveat.name}${Object.keys(t.caveat.context).length ? `:${JSON.stringify(t.caveat.context)}` : ""}]`;
  if (t.expiration !== undefined) text += `[expiration:${t.expiration}]`;
  return text;
}

/** Identity of a tuple without its traits: two tuples with the same key are the same relationship. */
export function tupleKey(t: Tuple): string {
  return `${t.resourceType}:${t.resourceId}#${t.relation}@${formatSubjectRef(tupleSubject(t))}`;
}
