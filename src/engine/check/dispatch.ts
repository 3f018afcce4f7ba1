/**
 * How a check's run answers one goal (obj, member), cheapest first: the per-check memo (the
 * visited set, in progress included), a userset subject being a member of itself, a relation read
 * with no userset below it (two hash probes, no frame), the shared cache, a shortcut through the
 * group closure (shortcuts.ts); only then a GOAL frame (goals.ts) that check/run.ts evaluates.
 *
 * The per-check goal table is the evaluator's visited set (it is what keeps a 20×4 diamond at
 * 80 goals instead of 4^20 paths, as SpiceDB's per-dispatch batching does); the shared cache is
 * the optional cross-check cache (`SubResultCache`).
 */
import type { CompiledMember } from "../../typesystem/typesystem.ts";
import { HAS, NO } from "../result.ts";
import type { CheckValue } from "../result.ts";
import { FRAME } from "./frame.ts";
import { CLOSURE_TOO_DEEP, ShortcutRun } from "./shortcuts.ts";

const { INF } = FRAME;

export class GoalDispatch extends ShortcutRun {
  /** Dispatches goal (obj, member): answers from the memo/cache or pushes a GOAL frame. */
  protected callGoal(obj: number, member: CompiledMember): void {
    if (this.answerFromMemo(obj, member.id)) return;
    // A userset subject is a member of itself: group:eng#member ∈ group:eng#member.
    if (
      this.sRelName !== "" &&
      member.name === this.sRelName &&
      member.type === this.sType &&
      (obj >= 0 ? obj === this.sObj : this.rootIsSubjectObject)
    ) {
      this.ret(HAS, INF);
      return;
    }
    // A relation read with no userset below it is two hash probes: answer at once, no goal frame.
    if (member.rewrite.kind === "this") {
      const rel = obj < 0 ? -1 : this.relId(member);
      if (rel < 0) {
        this.ret(NO, INF);
        return;
      }
      if (this.reader.firstUserset(obj, rel) === 0) {
        this.ret(this.directValue(obj, rel, member), INF);
        return;
      }
    }
    const key = (obj + 1) * this.memberCount + member.id;
    // Objects no tuple names share the handle -1, so their results are not theirs alone (`self`
    // makes one HAS for its own subject only): never read or write the shared cache for them.
    if (this.bucket !== undefined && obj >= 0) {
      const v = this.bucket.get(key);
      if (v !== undefined) {
        this.ev.stats.cacheHits++;
        this.cache!.stats.hits++;
        this.memoFinal(obj, member.id, v);
        this.ret(v, INF);
        return;
      }
      this.cache!.stats.misses++;
    }
    if (this.closure !== undefined && this.suppressed === 0 && obj >= 0) {
      const v =
        member.rewrite.kind === "this"
          ? this.viaClosure(obj, this.relId(member), member, this.goals.length)
          : this.viaArrowClosure(obj, member);
      if (v >= 0) {
        this.ev.stats.closureHits++;
        this.finish(obj, member.id, v as CheckValue);
        this.ret(v as CheckValue, INF);
        return;
      }
      if (v === CLOSURE_TOO_DEEP) {
        this.pushGoal(obj, member);
        this.stack[this.stack.length - 1]!.noClosure = true;
        this.suppressed++;
        return;
      }
    }
    this.pushGoal(obj, member);
  }
}
