/**
 * The goal stack of a check's run: goals ("(object, member)", the subject is fixed for a whole
 * check) in progress, the per-check memo of their results, and the Tarjan-style bookkeeping that
 * makes cyclic evaluation exact. GOAL frames are pushed and completed here; check/run.ts steps the
 * frames in between.
 *
 * Cycles. A goal met again while still on the stack answers its current assumption (NO at
 * first) and marks the caller as depending on that stack position ("low", as in Tarjan's SCC
 * algorithm). Union, intersection and arrows are monotone, so assuming NO under-approximates: a
 * HAS found that way is final, and a NO/CONDITIONAL is provisional until the lowest goal it
 * depended on completes.
 * - When that goal (an SCC root) completes NO, every provisional result of its evaluation is the
 *   least fixed point and becomes final.
 * - When a goal completes HAS, provisional results computed under "it is NO" are discarded.
 * - When a root completes CONDITIONAL having assumed NO, it is evaluated once more assuming
 *   CONDITIONAL (the three-valued least fixed point needs at most that one extra round).
 * - Exclusion is not monotone in its subtracted side: if the subtracted side's result is not HAS
 *   and depends on a goal in progress, the check fails with FAILED_PRECONDITION
 *   (reason `cycle-through-exclusion`, naming the cycle).
 * Only final results enter the per-check memo as final and the shared cache; provisional ones are
 * reused only while their assumptions hold.
 */
import { ErrorCode, RelgraphError } from "../../errors.ts";
import type { CompiledMember } from "../../typesystem/typesystem.ts";
import { GoalTable } from "../goalTable.ts";
import { CONDITIONAL, HAS, NO } from "../result.ts";
import type { CheckValue } from "../result.ts";
import { FRAME } from "./frame.ts";
import type { Frame } from "./frame.ts";
import { RunState } from "./state.ts";

const { INF, GOAL } = FRAME;

// Memo entries are one small integer (a Smi: no allocation): low << 4 | state << 2 | value.
const IN_PROGRESS = 0;
const PROVISIONAL = 1;
const FINAL = 2;
const entry = (state: number, value: CheckValue, low: number): number => (low << 4) | (state << 2) | value;
const entryState = (e: number): number => (e >> 2) & 3;
const entryValue = (e: number): CheckValue => (e & 3) as CheckValue;
const entryLow = (e: number): number => e >> 4;

export class GoalStack extends RunState {
  /** GOAL frames on the stack, bottom first (a goal's `depth` is its index here). */
  protected readonly goals: Frame[] = [];
  private readonly memo = new GoalTable();
  /** Provisional memo entries as (object, member) pairs, in creation order (ranges belong to goals via logMark). */
  private readonly log: number[] = [];
  /** GOAL frames on the stack that refused the closure for depth (shortcuts.ts): while > 0, no closure. */
  protected suppressed = 0;

  /** A check starts with no goal and an empty memo. */
  protected resetGoals(): void {
    this.goals.length = 0;
    this.memo.reset();
    this.log.length = 0;
    this.suppressed = 0;
  }

  /**
   * Answers goal (obj, mid) from the memo if it is there: its value, final (no dependency) or, in
   * progress or provisional, depending on its `low`. False: not met yet in this check.
   */
  protected answerFromMemo(obj: number, mid: number): boolean {
    const e = this.memo.get(obj, mid);
    if (e < 0) return false;
    this.ev.stats.visitedHits++;
    this.ret(entryValue(e), entryState(e) === FINAL ? INF : entryLow(e));
    return true;
  }

  /** The final value of goal (obj, mid) in this check, or -1 (not met, or not final yet). */
  protected finalValue(obj: number, mid: number): number {
    const e = this.memo.get(obj, mid);
    return e >= 0 && entryState(e) === FINAL ? entryValue(e) : -1;
  }

  /** A final value read from the shared cache: into the memo only (the cache has it). */
  protected memoFinal(obj: number, mid: number, v: CheckValue): void {
    this.memo.set(obj, mid, entry(FINAL, v, 0));
  }

  /** Pushes a GOAL frame for (obj, member), or RESOURCE_EXHAUSTED beyond maxDepth. */
  protected pushGoal(obj: number, member: CompiledMember): void {
    if (this.goals.length >= this.ev.maxDepth)
      throw new RelgraphError(ErrorCode.RESOURCE_EXHAUSTED, "max depth exceeded", {
        reason: "max-depth-exceeded",
        maxDepth: this.ev.maxDepth,
      });
    this.ev.stats.goals++;
    const f = this.frame(GOAL, obj, member, null);
    f.noClosure = false;
    f.depth = this.goals.length;
    f.logMark = this.log.length;
    f.maxLow = -1;
    this.memo.set(obj, member.id, entry(IN_PROGRESS, NO, f.depth));
    this.goals.push(f);
    this.push(f);
  }

  /** The GOAL frame `f` evaluated its rewrite to `v`, depending on goals down to `low`: settle it. */
  protected completeGoal(f: Frame, v: CheckValue, low: number): void {
    this.stack.pop();
    this.goals.pop();
    const i = f.depth;
    const obj = f.obj;
    const mid = f.member!.id;
    if (v === HAS) {
      // Final whatever it assumed (monotone); results computed assuming it was NO are not.
      this.discardFrom(f.logMark);
      this.finish(obj, mid, HAS);
      this.release(f);
      this.ret(HAS, INF);
      return;
    }
    if (low >= i) {
      if (v === CONDITIONAL && f.assumed === NO && low === i) {
        // Depended on itself while assumed NO: one more round assuming CONDITIONAL.
        this.discardFrom(f.logMark);
        f.assumed = CONDITIONAL;
        f.maxLow = -1;
        this.memo.set(obj, mid, entry(IN_PROGRESS, CONDITIONAL, i));
        this.goals.push(f);
        this.push(f);
        return;
      }
      // An SCC root: its provisional results are now the least fixed point.
      const log = this.log;
      if (log.length > f.logMark) {
        for (let k = f.logMark; k < log.length; k += 2) {
          const e = this.memo.get(log[k]!, log[k + 1]!);
          if (e >= 0 && entryState(e) === PROVISIONAL) this.finish(log[k]!, log[k + 1]!, entryValue(e));
        }
        log.length = f.logMark;
      }
      this.finish(obj, mid, v);
      this.release(f);
      this.ret(v, INF);
      return;
    }
    // Provisional: depends on a goal below it that is still in progress. Entries logged during
    // this goal now depend on what it depends on; lows only decrease, so afterwards every entry of
    // the range has low ≤ `low`, and the parent remembers that bound (no rescan when nothing
    // would change: a long cycle stays linear).
    const log = this.log;
    if (f.maxLow > low)
      for (let k = f.logMark; k < log.length; k += 2) {
        const e = this.memo.get(log[k]!, log[k + 1]!);
        if (e >= 0 && entryLow(e) > low)
          this.memo.set(log[k]!, log[k + 1]!, entry(entryState(e), entryValue(e), low));
      }
    this.memo.set(obj, mid, entry(PROVISIONAL, v, low));
    log.push(obj, mid);
    const parent = this.goals[this.goals.length - 1];
    if (parent !== undefined && low > parent.maxLow) parent.maxLow = low;
    this.release(f);
    this.ret(v, low);
  }

  private release(f: Frame): void {
    if (f.noClosure) {
      f.noClosure = false;
      this.suppressed--;
    }
    f.node = null;
    f.member = null;
    this.pool.push(f);
  }

  /** A final result: into the memo as final, and into the shared cache (when on). */
  protected finish(obj: number, mid: number, v: CheckValue): void {
    this.memo.set(obj, mid, entry(FINAL, v, 0));
    if (this.cache !== undefined && obj >= 0) {
      if (this.bucket === undefined) this.bucket = new Map();
      this.bucket.set((obj + 1) * this.memberCount + mid, v);
      this.bucketDirty = true;
      this.cache.stats.writes++;
    }
  }

  private discardFrom(mark: number): void {
    const log = this.log;
    if (log.length === mark) return;
    for (let k = mark; k < log.length; k += 2) {
      const e = this.memo.get(log[k]!, log[k + 1]!);
      if (e >= 0 && entryState(e) === PROVISIONAL) this.memo.delete(log[k]!, log[k + 1]!);
    }
    log.length = mark;
  }

  /** The subtracted side of an exclusion came back non-HAS depending on goal `low`, still in progress. */
  protected cycleThroughExclusion(low: number): never {
    const names = this.goals.slice(low).map((g) => this.goalName(g));
    names.push(names[0]!);
    const cycle = names.join(" -> ");
    throw new RelgraphError(
      ErrorCode.FAILED_PRECONDITION,
      `the subtracted side of an exclusion depends on itself: ${cycle}`,
      { reason: "cycle-through-exclusion", cycle: names },
    );
  }

  private goalName(g: Frame): string {
    const m = g.member!;
    if (g.obj < 0) return `${m.type}:${this.rootId}#${m.name}`;
    return `${m.type}:${this.reader.objectName(g.obj)}#${m.name}`;
  }
}
