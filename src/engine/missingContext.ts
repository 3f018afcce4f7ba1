/**
 * The missing context of a CONDITIONAL answer, as SpiceDB computes it: the parameters of the
 * caveats on the answer's caveat expression only. SpiceDB builds that expression per resource
 * from the paths that reach the subject (a determined member replaces a caveated one in a union,
 * a missing member empties an intersection) and names the parameters its partial nodes miss. So
 * a caveat on a dead end (a parent that grants nothing), on a union branch beaten by one that
 * grants, or on one side of an intersection the other side empties, is not named. The walk
 * (ConditionReader) records every caveat it met undecided, which is a superset.
 *
 * This recomputes the set from the goals' values (proofValues.ts, the plain walk with a private
 * cache, so each goal is evaluated once): a CONDITIONAL goal names the parameters of its
 * CONDITIONAL contributions — union and intersection children, both sides of an exclusion, each
 * relationship followed (its own caveat's parameters, and its target's when that is CONDITIONAL).
 * Cycles: a goal met again on the path contributes nothing (the least fixed point; a CONDITIONAL
 * value needs a caveat outside the cycle, found on its own path), and values computed under such
 * a cut are not memoised. Bounded: past MAX_VISITS goal visits it gives up (undefined: the caller
 * keeps the walk's superset).
 *
 * Called only for CONDITIONAL answers of `.zed` models (an OpenFGA-origin model answers a missing
 * parameter with an error instead).
 */
import { unreachable } from "../errors.ts";
import type { Tuple } from "../model/tuple.ts";
import type { CompiledMember, CompiledRewrite, TypeSystem } from "../typesystem/typesystem.ts";
import type { ConditionReader } from "./conditionReader.ts";
import { ProofValues, type GoalEvaluatorFactory } from "./proofValues.ts";
import type { CheckRequest } from "./request.ts";
import { CONDITIONAL, NO } from "./result.ts";

/** Goal visits one computation may make before giving up. */
export const MAX_VISITS = 100_000;

class GiveUp extends Error {}

class Missing {
  private readonly memo = new Map<string, ReadonlySet<string>>();
  private readonly onPath = new Set<string>();
  private visits = 0;
  /** A revisit on the path was cut somewhere below the goal being computed. */
  private cut = false;

  constructor(
    private readonly values: ProofValues,
    private readonly conditions: ConditionReader,
  ) {}

  /** Parameters a relationship's own caveat misses (expiry never makes one CONDITIONAL). */
  private edge(tuple: Tuple, into: Set<string>): void {
    if (tuple.caveat === undefined) return;
    for (const m of this.conditions.missingOf({ caveat: tuple.caveat })) into.add(m);
  }

  goal(type: string, id: string, member: CompiledMember): ReadonlySet<string> {
    const key = `${type}:${id}#${member.name}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    if (this.onPath.has(key)) {
      this.cut = true;
      return new Set();
    }
    if (++this.visits > MAX_VISITS) throw new GiveUp();
    if (this.values.goalValue(type, id, member) !== CONDITIONAL) return new Set();
    const outerCut = this.cut;
    this.cut = false;
    this.onPath.add(key);
    const out = new Set<string>();
    try {
      this.rewrite(member.rewrite, type, id, member, out);
    } finally {
      this.onPath.delete(key);
    }
    if (!this.cut) this.memo.set(key, out);
    this.cut ||= outerCut;
    return out;
  }

  private add(into: Set<string>, from: ReadonlySet<string>): void {
    for (const m of from) into.add(m);
  }

  /** Adds the parameters of the CONDITIONAL parts of rewrite `r` on type:id. */
  private rewrite(
    r: CompiledRewrite,
    type: string,
    id: string,
    member: CompiledMember,
    into: Set<string>,
  ): void {
    const v = this.values;
    switch (r.kind) {
      case "nil":
      case "self":
        return;
      case "computed":
        if (r.member !== undefined) this.add(into, this.goal(type, id, r.member));
        return;
      case "this":
        for (const g of v.directGrants(type, id, member))
          if (g.value === CONDITIONAL) this.edge(g.edge.tuple, into);
        for (const s of v.usersetSteps(type, id, member)) {
          if (s.value !== CONDITIONAL) continue;
          if (s.edge.caveated) this.edge(s.edge.tuple, into);
          this.add(into, this.goal(s.edge.subject.type, s.edge.subject.id, s.target));
        }
        return;
      case "arrow":
        for (const s of v.arrowSteps(type, id, r)) {
          if (s.value !== CONDITIONAL || s.target === undefined) continue;
          if (s.edge.caveated) this.edge(s.edge.tuple, into);
          this.add(into, this.goal(s.edge.subject.type, s.edge.subject.id, s.target));
        }
        return;
      case "union":
      case "intersection":
        // The goal is CONDITIONAL: no union child is HAS, no intersection child NO.
        for (const c of r.children)
          if (v.valueOf(c, type, id, member) === CONDITIONAL) this.rewrite(c, type, id, member, into);
        return;
      case "exclusion": {
        const base = v.valueOf(r.base, type, id, member);
        if (base === NO) return;
        if (base === CONDITIONAL) this.rewrite(r.base, type, id, member, into);
        const sub = v.valueOf(r.subtract, type, id, member);
        if (sub === CONDITIONAL) this.rewrite(r.subtract, type, id, member, into);
        return;
      }
      default:
        return unreachable(r, "rewrite");
    }
  }
}

/**
 * The parameters SpiceDB would name for `req`'s CONDITIONAL answer, sorted; undefined when the
 * computation gave up (MAX_VISITS) or the root is not CONDITIONAL on the plain walk.
 */
export function exactMissingContext(
  schema: TypeSystem,
  conditions: ConditionReader,
  req: CheckRequest,
  maxDepth: number,
  evaluator: GoalEvaluatorFactory,
): string[] | undefined {
  const values = new ProofValues(schema, conditions, req.subject, maxDepth, evaluator);
  if (values.rootValue(req) !== CONDITIONAL) return undefined;
  const member = schema.require(req.resource.type, req.permission);
  try {
    const names = new Missing(values, conditions).goal(req.resource.type, req.resource.id, member);
    return [...names].sort();
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}
