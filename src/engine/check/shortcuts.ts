/**
 * A check's shortcuts through the group closure (closure.ts), instead of a goal per level: a
 * pure-`this` goal with usersets is answered from the group closure, and a `p = t1 + … + rel->p`
 * goal from one BFS over `rel` plus closure queries; both refuse (the walk runs) wherever they
 * could differ: a caveated or expiring structural edge that is not surely present for this request
 * (ConditionReader.gate: a true caveat, not expired, is as good as none; a false one is no edge),
 * other shapes below, userset or wildcard subjects, contextual tuples, a possible depth overrun (then no shortcut below that goal
 * either). Why no goal in progress can lie inside a closure that is used: such a goal was walked, so
 * either its own shortcut was refused for depth (and `suppressed` > 0 while it is on the stack), or
 * for dirt — but its closure is contained in any closure containing it, which is then refused for
 * the same dirt.
 */
import type { ClosureEntry, GroupClosure } from "../closure.ts";
import { ConditionReader } from "../conditionReader.ts";
import { HAS, NO } from "../result.ts";
import type { CheckValue } from "../result.ts";
import type { CompiledMember } from "../../typesystem/typesystem.ts";
import { DIRECT, type EdgeState } from "../reader.ts";
import { EDGE_ABSENT, EDGE_CAVEATED, EDGE_PRESENT } from "../../model/tupleIndex.ts";
import { GoalStack } from "./goals.ts";
import { recursiveArrowOf } from "./recursiveArrow.ts";
import type { RecursiveArrow } from "./recursiveArrow.ts";

// The shortcuts' refusals (values are ≥ 0).
export const CLOSURE_DIRTY = -1;
export const CLOSURE_TOO_DEEP = -2;

export class ShortcutRun extends GoalStack {
  /** The group closure of this check (undefined: no shortcuts). */
  protected closure: GroupClosure | undefined;
  /** Index nodes of the subject (direct) and of its type's wildcard, for closure queries (-1: none). */
  private sNode = -1;
  private wildNode = -1;
  private readonly entries: ClosureEntry[] = [];
  private readonly targets: CompiledMember[] = [];
  private readonly objs: number[] = [];
  /** Closures collected by prepareClosure (entries/targets/objs[0, nEntries)). */
  private nEntries = 0;
  private readonly anc: number[] = [];
  private ancMark = new Int32Array(0);
  private ancStamp = 0;

  /** Takes in the check's closure; after `begin` (it needs the subject's handles). */
  protected beginShortcuts(closure: GroupClosure | undefined): void {
    // The closure answers direct (non-wildcard) subjects only; usersets and wildcards walk.
    this.closure = this.sRelName === "" && !this.subjectIsWildcard ? closure : undefined;
    if (this.closure !== undefined) {
      this.closure.sync();
      const ix = this.closure.index;
      this.sNode = ix.node(this.sObj, DIRECT);
      this.wildNode = ix.node(this.wildObj, DIRECT);
    }
  }

  /**
   * Goal (obj, member), a pure `this` with usersets, through the group closure: the direct and
   * wildcard grants on obj#rel, then each userset's closure. Returns the value, CLOSURE_DIRTY when
   * some userset below is not a pure trait-free union (walk it), or CLOSURE_TOO_DEEP when a plain
   * walk of it could exceed maxDepth from here (walk it, without the closure below: its depth
   * error, if any, is then the plain walk's own).
   *
   * Depth: the goal would sit at depth d = goals.length; below it a plain walk pushes at most
   * `interior` goal frames per userset's closure (nodes with usersets; leaves are answered
   * inline), so it cannot exceed the limit when d + 1 + max interior ≤ maxDepth. Only then is
   * the closure used; for a chain this is exactly the plain walk's condition.
   */
  protected viaClosure(obj: number, rel: number, member: CompiledMember, depth: number): number {
    const deepest = this.prepareClosure(obj, rel, member);
    if (deepest < 0) return deepest;
    if (depth + 1 + deepest > this.ev.maxDepth) return CLOSURE_TOO_DEEP;
    return this.evaluateClosure(obj, rel, member);
  }

  /** Collects the closures of obj#rel's usersets; returns their largest `interior`, or CLOSURE_DIRTY. */
  private prepareClosure(obj: number, rel: number, member: CompiledMember): number {
    const cl = this.closure!;
    const ix = cl.index;
    const entries = this.entries;
    const targets = this.targets;
    const objs = this.objs;
    let k = 0;
    this.nEntries = 0;
    if (rel < 0) return 0;
    let deepest = 0;
    const node = ix.node(obj, rel);
    if (cl.dirty.has(node)) return CLOSURE_DIRTY;
    for (let c = ix.firstUserset(node); c !== 0; c = ix.nextForward(c)) {
      const target = cl.target(member, c);
      if (target === undefined) continue;
      const e = target === null ? null : cl.entry(ix.cursorSubjectNode(c), target);
      if (e === null || target === null) {
        cl.dirty.add(node);
        return CLOSURE_DIRTY;
      }
      // Conditions decide for this request only: refused, not remembered as dirt.
      if (ix.cursorHasTraits(c)) {
        const st = this.gate(c);
        if (st === EDGE_ABSENT) continue;
        if (st !== EDGE_PRESENT) return CLOSURE_DIRTY;
      }
      if (!cl.holds(e, this.conditions())) return CLOSURE_DIRTY;
      if (e.interior > deepest) deepest = e.interior;
      // Indexed stores, not push/length = 0 (setting an array's length is a runtime call).
      entries[k] = e;
      targets[k] = target;
      objs[k] = ix.cursorSubjectObject(c);
      k++;
    }
    this.nEntries = k;
    return deepest;
  }

  /** The value of goal obj#member (`this`) from what prepareClosure collected. */
  private evaluateClosure(obj: number, rel: number, member: CompiledMember): CheckValue {
    if (rel < 0) return NO;
    const cl = this.closure!;
    const entries = this.entries;
    const targets = this.targets;
    const objs = this.objs;
    let acc = this.directValue(obj, rel, member);
    const n = this.nEntries;
    for (let i = 0; i < n && acc !== HAS; i++) {
      // Each userset is a goal of its own (the walk's value of it, final): memo and shared cache
      // are read and written under its key as the walk would.
      const so = objs[i]!;
      const t = targets[i]!;
      const known = this.finalValue(so, t.id);
      let v: CheckValue;
      if (known >= 0) v = known as CheckValue;
      else {
        const cached = this.bucket?.get((so + 1) * this.memberCount + t.id);
        if (cached !== undefined) {
          this.ev.stats.cacheHits++;
          this.cache!.stats.hits++;
          v = cached;
        } else v = cl.query(entries[i]!, this.sNode, this.wildNode, this.sType, this.conditions());
        this.finish(so, t.id, v);
      }
      if (v > acc) acc = v;
    }
    this.nEntries = 0;
    return acc;
  }

  /** The check's ConditionReader, if its schema has conditions. */
  private conditions(): ConditionReader | undefined {
    return this.reader instanceof ConditionReader ? this.reader : undefined;
  }

  /** The state of traited index edge `c` for this request, as far as a shortcut may rely on it. */
  private gate(c: number): EdgeState {
    const r = this.reader;
    return r instanceof ConditionReader ? r.gate(this.closure!.index.cursorTraits(c)) : EDGE_CAVEATED;
  }

  /** The recursive-arrow shape of `member` (recursiveArrow.ts), memoised per member by the Evaluator. */
  private recursiveArrow(member: CompiledMember): RecursiveArrow | null {
    let shape = this.ev.arrowShapes.get(member.id);
    if (shape !== undefined) return shape;
    shape = recursiveArrowOf(member);
    this.ev.arrowShapes.set(member.id, shape);
    return shape;
  }

  /**
   * Goal (obj, member) of the shape `t1 + … + parent->member` (a folder's `view = viewer +
   * parent->view`) without a goal per ancestor: the walk's value is the largest value of the
   * terms over every object reachable through `parent` (itself included) — a pure union, so
   * cycles need no fixed-point rounds. A `parent` edge whose caveat is false or that has expired
   * is no edge. Refused (CLOSURE_DIRTY, walked) when a `parent` edge is CONDITIONAL, leads to a type whose `member` is another rewrite, or some term's
   * usersets are dirty; CLOSURE_TOO_DEEP when d + ancestors + 1 + the deepest term closure's
   * interior exceeds maxDepth (a bound on any plain walk of it: one goal per ancestor, then a
   * term goal, then its userset goals).
   */
  protected viaArrowClosure(obj: number, member: CompiledMember): number {
    const shape = this.recursiveArrow(member);
    if (shape === null) return CLOSURE_DIRTY;
    const cl = this.closure!;
    const ix = cl.index;
    const interner = ix.interner;
    const schema = this.ev.schema;
    const anc = this.anc;
    // Visited objects: a stamp per object id (a Set<number> was a third of the time).
    if (this.ancMark.length < interner.objectCount)
      this.ancMark = new Int32Array(Math.max(interner.objectCount * 2, 1024));
    const mark = this.ancMark;
    const stamp = ++this.ancStamp;
    if (stamp === 0x7fffffff) {
      mark.fill(0);
      this.ancStamp = 1;
    }
    const st = this.ancStamp;
    anc.length = 0;
    anc.push(obj);
    mark[obj] = st;
    const trel = this.relId(shape.tupleset);
    const computed = member.name;
    for (let q = 0; q < anc.length; q++) {
      if (trel < 0) break;
      const n = ix.node(anc[q]!, trel);
      if (n < 0) continue;
      for (let list = 0; list < 2; list++) {
        for (let c = list === 0 ? ix.firstDirect(n) : ix.firstUserset(n); c !== 0; c = ix.nextForward(c)) {
          if (ix.cursorHasTraits(c)) {
            const state = this.gate(c);
            if (state === EDGE_ABSENT) continue;
            if (state !== EDGE_PRESENT) return CLOSURE_DIRTY;
          }
          const so = ix.cursorSubjectObject(c);
          if (interner.nameOf(so) === "*") continue;
          const target = schema.member(interner.typeOf(so), computed);
          if (target === undefined) continue;
          if (target !== member) return CLOSURE_DIRTY;
          if (mark[so] !== st) {
            mark[so] = st;
            anc.push(so);
          }
        }
      }
    }
    const terms = shape.terms;
    let deepest = 0;
    for (let q = 0; q < anc.length; q++)
      for (let t = 0; t < terms.length; t++) {
        const d = this.prepareClosure(anc[q]!, this.relId(terms[t]!), terms[t]!);
        if (d < 0) return d;
        if (d > deepest) deepest = d;
      }
    if (this.goals.length + anc.length + 1 + deepest > this.ev.maxDepth) return CLOSURE_TOO_DEEP;
    let acc: CheckValue = NO;
    for (let q = 0; q < anc.length && acc !== HAS; q++)
      for (let t = 0; t < terms.length && acc !== HAS; t++) {
        const a = anc[q]!;
        const tm = terms[t]!;
        const rel = this.relId(tm);
        this.prepareClosure(a, rel, tm);
        const v = this.evaluateClosure(a, rel, tm);
        if (v > acc) acc = v;
      }
    return acc;
  }
}
