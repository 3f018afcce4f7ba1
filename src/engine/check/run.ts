/**
 * The run of one check (the Evaluator's, check.ts): the loop over the explicit frame stack and the
 * step of each frame kind — how union, intersection, exclusion, arrow, computed and `this` are
 * evaluated, one child or one tuple at a time.
 *
 * Iterative: sub-problems ("goals" = (object, member), the subject is fixed for a whole check)
 * live on an explicit stack of frames (frame.ts), never on the JS stack, so depth is bounded by
 * `maxDepth` (dispatch hops, default 10,000) and not by V8. A frame starts (`evalNode`), calls a
 * child by pushing a frame or a goal (`callGoal`, dispatch.ts), and is resumed by the loop when the
 * child answers through the return register (`rv`, `rl`: value and low link; state.ts); a GOAL
 * frame is settled by goals.ts, which holds the cycle rules.
 */
import { unreachable } from "../../errors.ts";
import type { ObjectRef, SubjectRef } from "../../model/tuple.ts";
import { EDGE_ABSENT, EDGE_CAVEATED } from "../../model/tupleIndex.ts";
import { ConditionReader } from "../conditionReader.ts";
import type { CompiledMember, CompiledRewrite } from "../../typesystem/typesystem.ts";
import type { SubResultCache } from "../cache.ts";
import type { GroupClosure } from "../closure.ts";
import type { TupleReader } from "../reader.ts";
import { CONDITIONAL, HAS, NO } from "../result.ts";
import type { CheckValue } from "../result.ts";
import { GoalDispatch } from "./dispatch.ts";
import { FRAME } from "./frame.ts";

const { INF, GOAL, UNION, INTERSECTION, EXCLUSION, THIS, ARROW } = FRAME;

export class Run extends GoalDispatch {
  /** One check of `subject` on `resource`#`member` (already validated by the Evaluator). */
  check(
    reader: TupleReader,
    resource: ObjectRef,
    subject: SubjectRef,
    member: CompiledMember,
    cache: SubResultCache | undefined,
    scope: string,
    relIds: Int32Array | undefined,
    closure: GroupClosure | undefined,
  ): CheckValue {
    this.begin(reader, resource, subject, cache, scope, relIds);
    this.resetGoals();
    this.beginShortcuts(closure);
    try {
      this.callGoal(reader.lookupObject(resource.type, resource.id), member);
      this.loop();
      return this.rv;
    } finally {
      this.end();
    }
  }

  /** Starts evaluating a rewrite node of goal member `member` on `obj`. */
  private evalNode(node: CompiledRewrite, obj: number, member: CompiledMember): void {
    switch (node.kind) {
      case "nil":
        this.ret(NO, INF);
        return;
      case "self":
        this.ret(this.isSelf(obj) ? HAS : NO, INF);
        return;
      case "computed":
        if (node.member === undefined) this.ret(NO, INF);
        else this.callGoal(obj, node.member);
        return;
      case "this":
        this.beginThis(obj, member);
        return;
      case "arrow": {
        const rel = node.tupleset === undefined || obj < 0 ? -1 : this.relId(node.tupleset);
        if (rel < 0) {
          this.ret(NO, INF);
          return;
        }
        const f = this.frame(ARROW, obj, member, node);
        f.rel = rel;
        f.acc = node.mode === "all" ? HAS : NO;
        f.cursor = this.reader.firstDirect(obj, rel);
        this.push(f);
        return;
      }
      case "union":
        this.push(this.frame(UNION, obj, member, node));
        return;
      case "intersection": {
        const f = this.frame(INTERSECTION, obj, member, node);
        f.acc = HAS;
        this.push(f);
        return;
      }
      case "exclusion":
        this.push(this.frame(EXCLUSION, obj, member, node));
        return;
      default:
        unreachable(node, "rewrite");
    }
  }

  /** `this`: direct and wildcard grants in O(1); usersets need a frame to walk. */
  private beginThis(obj: number, member: CompiledMember): void {
    const rel = obj < 0 ? -1 : this.relId(member);
    if (rel < 0) {
      this.ret(NO, INF);
      return;
    }
    const acc = this.directValue(obj, rel, member);
    if (acc === HAS) {
      this.ret(HAS, INF);
      return;
    }
    const cursor = this.reader.firstUserset(obj, rel);
    if (cursor === 0) {
      this.ret(acc, INF);
      return;
    }
    const f = this.frame(THIS, obj, member, null);
    f.rel = rel;
    f.acc = acc;
    f.cursor = cursor;
    this.push(f);
  }

  private loop(): void {
    const stack = this.stack;
    const r = this.reader;
    const schema = this.ev.schema;
    while (stack.length > 0) {
      const f = stack[stack.length - 1]!;
      switch (f.kind) {
        case GOAL: {
          if (!this.returning) {
            this.evalNode(f.member!.rewrite, f.obj, f.member!);
            continue;
          }
          this.completeGoal(f, this.rv, this.rl);
          continue;
        }
        case UNION: {
          const children = (f.node as { children: readonly CompiledRewrite[] }).children;
          if (this.returning) {
            const v = this.rv;
            if (v === HAS) {
              this.done(f, HAS, INF);
              continue;
            }
            if (v > f.acc) f.acc = v;
            if (this.rl < f.low) f.low = this.rl;
            f.idx++;
            this.returning = false;
          }
          if (f.idx < children.length) this.evalNode(children[f.idx]!, f.obj, f.member!);
          else {
            this.done(f, f.acc, f.low);
          }
          continue;
        }
        case INTERSECTION: {
          const children = (f.node as { children: readonly CompiledRewrite[] }).children;
          if (this.returning) {
            const v = this.rv;
            if (this.rl < f.low) f.low = this.rl;
            if (v === NO) {
              this.done(f, NO, f.low);
              continue;
            }
            if (v < f.acc) f.acc = v;
            f.idx++;
            this.returning = false;
          }
          if (f.idx < children.length) this.evalNode(children[f.idx]!, f.obj, f.member!);
          else {
            this.done(f, f.acc, f.low);
          }
          continue;
        }
        case EXCLUSION: {
          const node = f.node as { base: CompiledRewrite; subtract: CompiledRewrite };
          if (f.idx === 0) {
            f.idx = 1;
            this.evalNode(node.base, f.obj, f.member!);
            continue;
          }
          if (f.idx === 1) {
            const v = this.rv;
            if (v === NO) {
              this.done(f, NO, this.rl);
              continue;
            }
            f.acc = v;
            f.low = this.rl;
            f.idx = 2;
            this.returning = false;
            this.evalNode(node.subtract, f.obj, f.member!);
            continue;
          }
          const sv = this.rv;
          if (sv !== HAS && this.rl !== INF) this.cycleThroughExclusion(this.rl);
          if (sv === HAS) this.done(f, NO, INF);
          else if (sv === NO) this.done(f, f.acc, f.low);
          else this.done(f, CONDITIONAL, f.low);
          continue;
        }
        case THIS: {
          if (this.returning) {
            let v = this.rv;
            if (f.caveated && v === HAS) v = CONDITIONAL;
            if (v === HAS) {
              this.done(f, HAS, INF);
              continue;
            }
            if (v > f.acc) f.acc = v;
            if (this.rl < f.low) f.low = this.rl;
            f.cursor = r.nextForward(f.cursor);
            this.returning = false;
          }
          let dispatched = false;
          while (f.cursor !== 0) {
            const c = f.cursor;
            const st = r.cursorState(c);
            if (st !== EDGE_ABSENT) {
              const so = r.cursorSubject(c);
              const type = r.objectType(so);
              const relName = r.relationName(r.cursorSubjectRelation(c));
              const target = schema.member(type, relName);
              if (target !== undefined && this.fits(f.member!, type, false, relName)) {
                f.caveated = st === EDGE_CAVEATED;
                this.callGoal(so, target);
                dispatched = true;
                break;
              }
            }
            f.cursor = r.nextForward(c);
          }
          if (!dispatched) {
            this.done(f, f.acc, f.low);
          }
          continue;
        }
        case ARROW: {
          const node = f.node as { computed: string; mode: "any" | "all" };
          const all = node.mode === "all";
          if (this.returning) {
            let v = this.rv;
            if (f.caveated && v === HAS) v = CONDITIONAL;
            if (this.rl < f.low) f.low = this.rl;
            if (all) {
              if (v === NO) {
                this.done(f, NO, f.low);
                continue;
              }
              if (v < f.acc) f.acc = v;
            } else {
              if (v === HAS) {
                this.done(f, HAS, INF);
                continue;
              }
              if (v > f.acc) f.acc = v;
            }
            f.cursor = r.nextForward(f.cursor);
            this.returning = false;
          }
          let dispatched = false;
          for (;;) {
            if (f.cursor === 0) {
              // Direct subjects first, then userset subjects (an arrow follows their objects).
              if (f.idx === 0) {
                f.idx = 1;
                f.cursor = r.firstUserset(f.obj, f.rel);
                continue;
              }
              break;
            }
            const c = f.cursor;
            const st = r.cursorState(c);
            if (all && st === EDGE_ABSENT && r instanceof ConditionReader && r.caveatFalse(c)) {
              // SpiceDB ANDs a tupleset relationship's caveat into `.all`: one that is false fails it
              // (an expired relationship is simply absent).
              f.acc = NO;
              f.count++;
              break;
            }
            if (st !== EDGE_ABSENT) {
              const so = r.cursorSubject(c);
              if (r.objectName(so) !== "*") {
                const target = schema.member(r.objectType(so), node.computed);
                f.count++;
                if (target !== undefined) {
                  f.caveated = st === EDGE_CAVEATED;
                  this.callGoal(so, target);
                  dispatched = true;
                  break;
                }
                if (all) {
                  // A subject whose type lacks the permission cannot satisfy `.all`.
                  f.acc = NO;
                  break;
                }
              }
            }
            f.cursor = r.nextForward(c);
          }
          if (!dispatched) {
            if (all) this.done(f, f.count === 0 ? NO : f.acc, f.low);
            else this.done(f, f.acc, f.low);
          }
          continue;
        }
        default:
          throw new Error(`BUG: unexpected frame kind ${f.kind}`);
      }
    }
  }
}
