/**
 * LookupSubjects: every subject of a type (or userset `type#relation`) holding a permission on one
 * resource — exactly the subjects for which `check` answers HAS (or CONDITIONAL).
 *
 * 1. A forward walk from resource#permission over the rewrite (this, usersets, computed, arrows,
 *    every side of intersections and exclusions) collects the candidates: subjects of the wanted
 *    type written in the tuples it reaches, usersets of the wanted relation it passes through, and
 *    objects a `self` leaf reaches. A subject outside that set appears in no tuple that matters:
 *    it holds exactly when an arbitrary fresh subject of the type does, i.e. through a wildcard.
 * 2. `check` decides every candidate (exact, whatever the rewrite).
 * 3. Wildcards (direct subject types only, and only when the walk met a `type:*` grant): a fresh
 *    subject that no tuple names is checked. If it holds, `type:*` is returned with the candidates
 *    that do not hold as its exclusions (SpiceDB's `user:* - {user:x}`), and the candidates that
 *    hold beside it when the walk met them outside a subtracted side. OpenFGA-origin models: the
 *    wildcard is checked as the subject `type:*` itself and listed without exclusions (ListUsers
 *    no longer returns excluded users).
 */
import { invalidArgument, unreachable } from "../../errors.ts";
import { formatSubjectRef } from "../../model/tuple.ts";
import type { ObjectRef, SubjectRef, Tuple } from "../../model/tuple.ts";
import type { Evaluator } from "../check.ts";
import { OverlayReader } from "../overlayReader.ts";
import { ConditionReader } from "../conditionReader.ts";
import { EDGE_ABSENT } from "../../model/tupleIndex.ts";
import { allowedKey, type TupleReader } from "../reader.ts";
import { CONDITIONAL as CONDITIONAL_VALUE, NO } from "../result.ts";
import type { CheckValue, CONDITIONAL, HAS } from "../result.ts";
import type { CompiledMember, CompiledRewrite, TypeSystem } from "../../typesystem/typesystem.ts";

export interface LookupSubjectsRequest {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subjectType: string;
  /** "" (or absent) for objects of `subjectType`; a relation for usersets (`group#member`). */
  readonly subjectRelation?: string;
  readonly contextualTuples?: readonly Tuple[];
  /** Caveat context (engine/conditionReader.ts). */
  readonly context?: Readonly<Record<string, unknown>>;
}

export interface FoundSubjectEntry {
  readonly subject: SubjectRef;
  /** For `type:*`: the subjects of that type it does not cover (zed origin only). */
  readonly excluded: readonly SubjectRef[];
  readonly value: typeof HAS | typeof CONDITIONAL;
  /** CONDITIONAL: the caveat parameters it waits for (sorted). */
  readonly missingContext?: readonly string[];
}

interface Candidate {
  readonly ref: SubjectRef;
  /** Met outside every subtracted side. */
  positive: boolean;
}

export function lookupSubjects(
  evaluator: Evaluator,
  baseReader: TupleReader,
  req: LookupSubjectsRequest,
): FoundSubjectEntry[] {
  const schema = evaluator.schema;
  const member = schema.require(req.resource.type, req.permission);
  const wantRel = req.subjectRelation === "..." ? "" : (req.subjectRelation ?? "");
  if (!schema.hasType(req.subjectType)) schema.require(req.subjectType, wantRel);
  if (wantRel !== "") schema.require(req.subjectType, wantRel);
  if (req.subjectType === "" || req.subjectType.includes(":"))
    throw invalidArgument(`subjectType: invalid type ${JSON.stringify(req.subjectType)}`, {
      field: "subjectType",
    });
  const contextual = req.contextualTuples !== undefined && req.contextualTuples.length > 0;
  const overlaid = contextual ? new OverlayReader(baseReader, req.contextualTuples!) : baseReader;
  const r = evaluator.conditions(overlaid, req.context);
  const walk = new ForwardWalk(schema, r, req.subjectType, wantRel);
  walk.run(req.resource, member);
  // OpenFGA's ListUsers fails on any condition it cannot evaluate along the way, even where
  // another path reaches the user (its check does not).
  if (schema.origin === "openfga" && r instanceof ConditionReader && r.firstError !== undefined)
    throw r.firstError;

  const missing = new Map<string, readonly string[]>();
  const check = (subject: SubjectRef): CheckValue => {
    const a = evaluator.answer(r, { resource: req.resource, permission: req.permission, subject }, undefined);
    if (a.missingContext.length > 0) missing.set(formatSubjectRef(subject), a.missingContext);
    return a.value;
  };

  const held: FoundSubjectEntry[] = [];
  const denied: SubjectRef[] = [];
  const positiveHeld: FoundSubjectEntry[] = [];
  for (const c of walk.candidates.values()) {
    const v = check(c.ref);
    if (v === NO) denied.push(c.ref);
    else {
      const e: FoundSubjectEntry = { subject: c.ref, excluded: [], value: v };
      held.push(e);
      if (c.positive) positiveHeld.push(e);
    }
  }
  if (wantRel !== "" || !walk.wildcardSeen) return withMissing(sortEntries(held), missing);

  let wildcard: CheckValue;
  if (schema.origin === "openfga") {
    wildcard = check({ type: req.subjectType, id: "*", relation: "" });
    if (wildcard === NO) return withMissing(sortEntries(held), missing);
    return withMissing(
      sortEntries([
        { subject: { type: req.subjectType, id: "*", relation: "" }, excluded: [], value: wildcard },
        ...held,
      ]),
      missing,
    );
  }
  const fresh: SubjectRef = { type: req.subjectType, id: freshId(r, req.subjectType), relation: "" };
  wildcard = check(fresh);
  const freshMissing = missing.get(formatSubjectRef(fresh));
  if (freshMissing !== undefined) missing.set(`${req.subjectType}:*`, freshMissing);
  if (wildcard === NO) return withMissing(sortEntries(held), missing);
  const excluded = denied.sort((a, b) => cmp(formatSubjectRef(a), formatSubjectRef(b)));
  return withMissing(
    sortEntries([
      { subject: { type: req.subjectType, id: "*", relation: "" }, excluded, value: wildcard },
      ...positiveHeld,
    ]),
    missing,
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function withMissing(
  entries: FoundSubjectEntry[],
  missing: ReadonlyMap<string, readonly string[]>,
): FoundSubjectEntry[] {
  if (missing.size === 0) return entries;
  return entries.map((e) => {
    const m = e.value === CONDITIONAL_VALUE ? missing.get(formatSubjectRef(e.subject)) : undefined;
    return m === undefined ? e : { ...e, missingContext: m };
  });
}

function sortEntries(entries: FoundSubjectEntry[]): FoundSubjectEntry[] {
  return entries
    .map((e) => [formatSubjectRef(e.subject), e] as const)
    .sort((a, b) => cmp(a[0], b[0]))
    .map(([, e]) => e);
}

/** An id of `type` that no tuple names (and that is not the wildcard). */
function freshId(r: TupleReader, type: string): string {
  let id = "relgraph-fresh-subject";
  while (r.lookupObject(type, id) >= 0) id += "_";
  return id;
}

/** Step 1: the forward walk collecting candidates. Iterative, each goal visited once per polarity. */
class ForwardWalk {
  readonly candidates = new Map<string, Candidate>();
  wildcardSeen = false;
  private readonly visited = new Map<string, boolean>();
  private readonly stack: { obj: number; id: string; member: CompiledMember; positive: boolean }[] = [];
  private readonly openfga: boolean;

  constructor(
    private readonly schema: TypeSystem,
    private readonly r: TupleReader,
    private readonly type: string,
    private readonly rel: string,
  ) {
    this.openfga = schema.origin === "openfga";
  }

  run(resource: ObjectRef, member: CompiledMember): void {
    this.goal(this.r.lookupObject(resource.type, resource.id), resource.id, member, true);
    while (this.stack.length > 0) {
      const g = this.stack.pop()!;
      this.node(g.member.rewrite, g.obj, g.id, g.member, g.positive);
    }
  }

  private candidate(ref: SubjectRef, positive: boolean): void {
    const key = formatSubjectRef(ref);
    const have = this.candidates.get(key);
    if (have === undefined) this.candidates.set(key, { ref, positive });
    else if (positive) have.positive = true;
  }

  private goal(obj: number, id: string, member: CompiledMember, positive: boolean): void {
    if (this.rel !== "" && member.type === this.type && member.name === this.rel)
      this.candidate({ type: this.type, id, relation: this.rel }, positive);
    const key = `${member.type}:${id}#${member.name}`;
    const seen = this.visited.get(key);
    if (seen === true || (seen === false && !positive)) return;
    this.visited.set(key, positive);
    this.stack.push({ obj, id, member, positive });
  }

  private fits(m: CompiledMember, type: string, wildcard: boolean, relation: string): boolean {
    if (!this.openfga) return true;
    return m.allowedKeys.has(allowedKey(type, wildcard, relation));
  }

  private node(n: CompiledRewrite, obj: number, id: string, m: CompiledMember, positive: boolean): void {
    const r = this.r;
    switch (n.kind) {
      case "nil":
        return;
      case "self":
        if (m.type === this.type && this.rel === "")
          this.candidate({ type: this.type, id, relation: "" }, positive);
        return;
      case "computed":
        if (n.member !== undefined) this.goal(obj, id, n.member, positive);
        return;
      case "this": {
        const rel = obj < 0 ? -1 : r.lookupRelation(m.name);
        if (rel < 0) return;
        for (let c = r.firstDirect(obj, rel); c !== 0; c = r.nextForward(c)) {
          if (r.cursorState(c) === EDGE_ABSENT) continue;
          const so = r.cursorSubject(c);
          const type = r.objectType(so);
          const sid = r.objectName(so);
          const wild = sid === "*";
          if (!this.fits(m, type, wild, "")) continue;
          if (type !== this.type || this.rel !== "") continue;
          if (wild) {
            if (positive) this.wildcardSeen = true;
          } else this.candidate({ type, id: sid, relation: "" }, positive);
        }
        for (let c = r.firstUserset(obj, rel); c !== 0; c = r.nextForward(c)) {
          if (r.cursorState(c) === EDGE_ABSENT) continue;
          const so = r.cursorSubject(c);
          const type = r.objectType(so);
          const relName = r.relationName(r.cursorSubjectRelation(c));
          if (!this.fits(m, type, false, relName)) continue;
          const target = this.schema.member(type, relName);
          if (target !== undefined) this.goal(so, r.objectName(so), target, positive);
          else if (type === this.type && relName === this.rel)
            this.candidate({ type, id: r.objectName(so), relation: relName }, positive);
        }
        return;
      }
      case "arrow": {
        if (n.tupleset === undefined || obj < 0) return;
        const rel = r.lookupRelation(n.tupleset.name);
        if (rel < 0) return;
        for (const first of [r.firstDirect(obj, rel), r.firstUserset(obj, rel)])
          for (let c = first; c !== 0; c = r.nextForward(c)) {
            if (r.cursorState(c) === EDGE_ABSENT) continue;
            const so = r.cursorSubject(c);
            const sid = r.objectName(so);
            if (sid === "*") continue;
            const target = this.schema.member(r.objectType(so), n.computed);
            if (target !== undefined) this.goal(so, sid, target, positive);
          }
        return;
      }
      case "union":
      case "intersection":
        for (const c of n.children) this.node(c, obj, id, m, positive);
        return;
      case "exclusion":
        this.node(n.base, obj, id, m, positive);
        this.node(n.subtract, obj, id, m, false);
        return;
      default:
        unreachable(n, "rewrite");
    }
  }
}
