/**
 * The values behind a proof (explain.ts): each goal's value, taken from the Evaluator itself
 * (through a private SubResultCache, so each goal is evaluated once and a proof costs O(goals)),
 * and the value of a rewrite, a relation read or an arrow on an object recomputed from its goals'
 * values, with the tuples each one follows. explain.ts decides which branch to show from these.
 */
import { unreachable } from "../errors.ts";
import type { SubjectRef, Tuple } from "../model/tuple.ts";
import { EDGE_ABSENT, EDGE_CAVEATED, EDGE_PRESENT } from "../model/tupleIndex.ts";
import type { CompiledMember, CompiledRewrite, TypeSystem } from "../typesystem/typesystem.ts";
import { SubResultCache } from "./cache.ts";
import type { CheckRequest } from "./request.ts";
import { allowedKeyOf, DIRECT, writtenSubjects, type TupleReader, type TupleTraits } from "./reader.ts";
import { CONDITIONAL, HAS, NO, type CheckValue } from "./result.ts";

/** The tuple with its stored caveat and expiration, as written. */
function withTraits(t: Tuple, traits: TupleTraits | undefined): Tuple {
  if (traits === undefined) return t;
  return {
    ...t,
    ...(traits.caveat !== undefined ? { caveat: traits.caveat } : {}),
    ...(traits.expiration !== undefined ? { expiration: traits.expiration } : {}),
  };
}

/** A tuple a proof step follows, with its subject and whether it is caveated. */
export interface Edge {
  readonly subject: SubjectRef;
  readonly caveated: boolean;
  readonly tuple: Tuple;
}

/**
 * The Evaluator a proof reads its goals' values from (structurally: no import of check.ts, which
 * itself uses proofs for missing context): the plain walk, filling `cache`.
 */
export interface GoalEvaluator {
  check(reader: TupleReader, req: CheckRequest, scope: string): CheckValue;
}
export type GoalEvaluatorFactory = (options: {
  readonly maxDepth: number;
  readonly cache: SubResultCache;
  readonly closure: false;
}) => GoalEvaluator;

export class ProofValues {
  private readonly values = new Map<string, CheckValue>();
  private readonly ev: GoalEvaluator;
  private readonly scope = "explain";
  private readonly cache = new SubResultCache(10_000_000);
  private readonly bucketKey: string;

  constructor(
    private readonly schema: TypeSystem,
    private readonly reader: TupleReader,
    readonly subject: SubjectRef,
    maxDepth: number,
    evaluator: GoalEvaluatorFactory,
  ) {
    // The plain walk (no group closure): every goal it visits lands in the cache, where the proof
    // reads it; goals answered through a closure would each need a check of their own.
    this.ev = evaluator({ maxDepth, cache: this.cache, closure: false });
    this.bucketKey = `${this.scope}|${subject.type}:${subject.id}#${subject.relation}`;
  }

  /**
   * A goal's value. Read from the cache bucket the Evaluator filled (its key layout: scope|subject,
   * goal = (object handle + 1) × members + member id, see check/goals.ts `finish`), so most goals cost a lookup and
   * not a check (each check resets the Evaluator's goal table); relation reads without usersets,
   * which the Evaluator answers inline and does not cache, are two probes here.
   */
  goalValue(type: string, id: string, member: CompiledMember): CheckValue {
    if (this.isSubjectUserset(type, id, member)) return HAS;
    const key = `${type}:${id}#${member.name}`;
    let v = this.values.get(key);
    if (v !== undefined) return v;
    const r = this.reader;
    const o = r.lookupObject(type, id);
    if (member.rewrite.kind === "this") {
      const rel = r.lookupRelation(member.name);
      if (o < 0 || rel < 0) v = NO;
      else if (r.firstUserset(o, rel) === 0) v = this.directGrant(type, id, member).value;
    }
    if (v === undefined)
      v = this.cache.bucket(this.bucketKey)?.get((o + 1) * this.schema.members.length + member.id);
    if (v === undefined)
      v = this.ev.check(
        r,
        { resource: { type, id }, permission: member.name, subject: this.subject },
        this.scope,
      );
    this.values.set(key, v);
    return v;
  }

  rootValue(req: CheckRequest): CheckValue {
    const { contextualTuples: _, ...plain } = req;
    return this.ev.check(this.reader, plain, this.scope);
  }

  isSubjectUserset(type: string, id: string, member: CompiledMember): boolean {
    const s = this.subject;
    return (
      s.relation !== "" &&
      member.name === s.relation &&
      member.type === s.type &&
      id === s.id &&
      type === s.type
    );
  }

  private fits(member: CompiledMember, s: SubjectRef): boolean {
    if (this.schema.origin !== "openfga") return true;
    return member.allowedKeys.has(allowedKeyOf(s));
  }

  /** Tuples on type:id#relation: direct subjects first, then usersets (as the Evaluator walks them). */
  private edges(type: string, id: string, relation: string, usersetsOnly: boolean): Edge[] {
    const out: Edge[] = [];
    for (const { subject, caveated, traits } of writtenSubjects(
      this.reader,
      type,
      id,
      relation,
      usersetsOnly,
    ))
      out.push({
        subject,
        caveated,
        tuple: withTraits(
          {
            resourceType: type,
            resourceId: id,
            relation,
            subjectType: subject.type,
            subjectId: subject.id,
            subjectRelation: subject.relation,
          },
          traits,
        ),
      });
    return out;
  }

  /** The direct or wildcard grant of the subject on type:id#member, with its tuple. */
  directGrant(type: string, id: string, member: CompiledMember): { value: CheckValue; edge?: Edge } {
    let best: { value: CheckValue; edge?: Edge } = { value: NO };
    for (const g of this.directGrants(type, id, member)) if (g.value > best.value) best = g;
    return best;
  }

  /** Every grant of the subject on type:id#member: its own tuple and its type's wildcard. */
  directGrants(type: string, id: string, member: CompiledMember): { value: CheckValue; edge: Edge }[] {
    const r = this.reader;
    const s = this.subject;
    const o = r.lookupObject(type, id);
    const rel = r.lookupRelation(member.name);
    const out: { value: CheckValue; edge: Edge }[] = [];
    if (o < 0 || rel < 0) return out;
    const probe = (sid: string, srel: string, wildcard: boolean): void => {
      const so = r.lookupObject(s.type, sid);
      const sr = srel === "" ? DIRECT : r.lookupRelation(srel);
      if (so < 0 || sr < 0) return;
      const st = r.tupleState(o, rel, so, sr);
      if (st === EDGE_ABSENT) return;
      const subject: SubjectRef = { type: s.type, id: sid, relation: srel };
      if (!this.fits(member, wildcard ? { ...subject, id: "*" } : subject)) return;
      out.push({
        value: st === EDGE_PRESENT ? HAS : CONDITIONAL,
        edge: {
          subject,
          caveated: st === EDGE_CAVEATED,
          // The stored caveat (name and context) and expiry: the proof shows what decided it.
          tuple: withTraits(
            {
              resourceType: type,
              resourceId: id,
              relation: member.name,
              subjectType: s.type,
              subjectId: sid,
              subjectRelation: srel,
            },
            r.tupleTraits(o, rel, so, sr),
          ),
        },
      });
    };
    probe(s.id, s.relation, s.id === "*");
    if (s.id !== "*" && s.relation === "") probe("*", "", true);
    return out;
  }

  /** Userset tuples of a relation read, each with the member it continues into and its capped value. */
  usersetSteps(type: string, id: string, member: CompiledMember) {
    const out: { edge: Edge; target: CompiledMember; value: CheckValue }[] = [];
    for (const edge of this.edges(type, id, member.name, true)) {
      const target = this.schema.member(edge.subject.type, edge.subject.relation);
      if (target === undefined || !this.fits(member, edge.subject)) continue;
      let value = this.goalValue(edge.subject.type, edge.subject.id, target);
      if (edge.caveated && value === HAS) value = CONDITIONAL;
      out.push({ edge, target, value });
    }
    return out;
  }

  /** Tupleset tuples of an arrow (wildcards skipped), each with its target member (or none) and value. */
  arrowSteps(type: string, id: string, r: Extract<CompiledRewrite, { kind: "arrow" }>) {
    const out: { edge: Edge; target: CompiledMember | undefined; value: CheckValue }[] = [];
    if (r.tupleset === undefined) return out;
    for (const edge of this.edges(type, id, r.tupleset.name, false)) {
      if (edge.subject.id === "*") continue;
      const target = this.schema.member(edge.subject.type, r.computed);
      let value = target === undefined ? NO : this.goalValue(edge.subject.type, edge.subject.id, target);
      if (edge.caveated && value === HAS) value = CONDITIONAL;
      out.push({ edge, target, value });
    }
    return out;
  }

  /** The value of rewrite `r` on type:id, from its goals' values. */
  valueOf(r: CompiledRewrite, type: string, id: string, member: CompiledMember): CheckValue {
    switch (r.kind) {
      case "nil":
        return NO;
      case "self":
        return this.subject.relation === "" && this.subject.type === type && this.subject.id === id
          ? HAS
          : NO;
      case "computed":
        return r.member === undefined ? NO : this.goalValue(type, id, r.member);
      case "this": {
        let v = this.directGrant(type, id, member).value;
        if (v === HAS) return HAS;
        for (const s of this.usersetSteps(type, id, member)) if (s.value > v) v = s.value;
        return v;
      }
      case "arrow": {
        const steps = this.arrowSteps(type, id, r);
        if (r.mode === "all") {
          if (steps.length === 0) return NO;
          let v: CheckValue = HAS;
          for (const s of steps) if (s.value < v) v = s.value;
          return v;
        }
        let v: CheckValue = NO;
        for (const s of steps) if (s.value > v) v = s.value;
        return v;
      }
      case "union": {
        let v: CheckValue = NO;
        for (const c of r.children) {
          const cv = this.valueOf(c, type, id, member);
          if (cv > v) v = cv;
          if (v === HAS) break;
        }
        return v;
      }
      case "intersection": {
        let v: CheckValue = HAS;
        for (const c of r.children) {
          const cv = this.valueOf(c, type, id, member);
          if (cv < v) v = cv;
          if (v === NO) break;
        }
        return v;
      }
      case "exclusion": {
        const b = this.valueOf(r.base, type, id, member);
        if (b === NO) return NO;
        const s = this.valueOf(r.subtract, type, id, member);
        return s === HAS ? NO : s === NO ? b : CONDITIONAL;
      }
      default:
        return unreachable(r, "rewrite");
    }
  }
}
