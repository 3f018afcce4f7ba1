/**
 * The expected-subject strings of a zed validation file's `validation:` block, parsed as `zed
 * validate` parses them (SpiceDB pkg/validationfile/blocks/expectedrelations.go):
 *
 *   "[user:tom] is <document:firstdoc#writer>"
 *   "[group:eng#member] is <document:firstdoc#viewer>/<group:parent#member>"
 *   "[user:* - {user:x, user:y}] is <document:firstdoc#public>"
 *   "[user:tom[...]] is <document:firstdoc#viewer>"        (caveated)
 *
 * Only the bracketed subject and the angle-bracketed `<resource#relation>`s carry meaning; the
 * words around them (`is`, `/`) are decoration, as in zed.
 */
import { invalidArgument } from "../../errors.ts";
import {
  formatObjectRef,
  isValidRelationName,
  parseObjectRef,
  parseSubjectRef,
  type ObjectRef,
  type SubjectRef,
} from "../../model/tuple.ts";
import type { ObjectRelation } from "../../coordinator/service.ts";

export interface ExpectedSubjectRef {
  readonly subject: SubjectRef;
  /** Written with the `[...]` caveat marker. */
  readonly caveated: boolean;
}

export interface ExpectedSubject {
  /** The string as written in the file. */
  readonly text: string;
  /** Absent when the string has no `[subject]` (zed reports that as a failure, not a parse error). */
  readonly subject?: ExpectedSubjectRef & { readonly exceptions: readonly ExpectedSubjectRef[] };
  /** The `<resource#relation>`s, in written order. */
  readonly relations: readonly ObjectRelation[];
}

// Greedy inside the brackets, like zed, so `[user:tom[...]]` keeps its inner caveat marker.
const SUBJECT_PART = /\[(.*)\]/s;
const RELATION_PARTS = /<([^>]+)>/g;
// `subject[...] - {a, b}`: the subject has neither `]` nor whitespace (zed's regex, with JS escaping).
const SUBJECT_WITH_EXCEPTIONS = /^([^\]\s]+?)(\[\.\.\.\])?(?:\s+-\s+\{([^}]+)\})?$/;
const CAVEAT_MARKER = "[...]";

/** `resource:id#relation`: a validation key or a justification inside `<...>`. */
export function parseObjectRelation(text: string, where: string): ObjectRelation & { readonly text: string } {
  const hash = text.lastIndexOf("#");
  if (hash < 0) throw invalidArgument(`${where}: expected "type:id#relation", got ${JSON.stringify(text)}`);
  const resource: ObjectRef = parseObjectRef(text.slice(0, hash), "zed", where);
  const relation = text.slice(hash + 1);
  if (!isValidRelationName(relation))
    throw invalidArgument(
      `${where}: invalid relation ${JSON.stringify(relation)} in ${JSON.stringify(text)}`,
    );
  return { text, resource, relation };
}

export function formatObjectRelation(r: ObjectRelation): string {
  return `${formatObjectRef(r.resource)}#${r.relation}`;
}

function parseExpectedRef(text: string, where: string): ExpectedSubjectRef {
  let t = text.trim();
  let caveated = false;
  if (t.endsWith(CAVEAT_MARKER)) {
    t = t.slice(0, -CAVEAT_MARKER.length);
    caveated = true;
  }
  return { subject: parseSubjectRef(t, "zed", where), caveated };
}

/** Parses one expected-subject string; throws INVALID_ARGUMENT naming what is malformed. */
export function parseExpectedSubject(text: string, where: string): ExpectedSubject {
  const relations = [...text.matchAll(RELATION_PARTS)].map((m) =>
    parseObjectRelation((m[1] ?? "").trim(), `${where}: relation`),
  );
  const subjectMatch = SUBJECT_PART.exec(text);
  if (!subjectMatch) return { text, relations };
  const inner = (subjectMatch[1] ?? "").trim();
  const parts = SUBJECT_WITH_EXCEPTIONS.exec(inner);
  if (!parts) throw invalidArgument(`${where}: invalid subject \`${inner}\` in ${JSON.stringify(text)}`);
  const subject = parseSubjectRef(parts[1] ?? "", "zed", `${where}: subject`);
  const exceptionsText = (parts[3] ?? "").trim();
  const exceptions =
    exceptionsText === ""
      ? []
      : exceptionsText.split(",").map((e) => parseExpectedRef(e, `${where}: excluded subject`));
  return { text, subject: { subject, caveated: parts[2] !== undefined, exceptions }, relations };
}
