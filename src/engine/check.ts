/**
 * Check: is `subject` in `resource#permission`? Three-valued (HAS / NO / CONDITIONAL), SpiceDB's
 * semantics, evaluated over a TupleReader.
 *
 * Iterative: sub-problems ("goals" = (object, member), the subject is fixed for a whole check)
 * live on an explicit stack of frames, never on the JS stack, so depth is bounded by `maxDepth`
 * (dispatch hops, default 10,000) and not by V8.
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
 *
 * Shortcuts (closure.ts): a pure-`this` goal with usersets is answered from the group closure,
 * and a `p = t1 + … + rel->p` goal from one BFS over `rel` plus closure queries, instead of a goal
 * per level; both refuse (the walk runs) wherever they could differ: caveated/expiring structural
 * edges, other shapes below, userset or wildcard subjects, contextual tuples, a possible depth
 * overrun (then no shortcut below that goal either). Why no goal in progress can lie inside a
 * closure that is used: such a goal was walked, so either its own shortcut was refused for depth
 * (and `suppressed` > 0 while it is on the stack), or for dirt — but its closure is contained in
 * any closure containing it, which is then refused for the same dirt.
 *
 * The per-check goal table is the evaluator's visited set (it is what keeps a 20×4 diamond at
 * 80 goals instead of 4^20 paths, as SpiceDB's per-dispatch batching does); the shared cache is
 * the optional cross-check cache (`SubResultCache`).
 */
import { ErrorCode, RelgraphError, invalidArgument, unreachable } from "../errors.ts";
import type { ObjectRef, SubjectRef, Tuple } from "../model/tuple.ts";
import type { CacheBucket, SubResultCache } from "./cache.ts";
import { GroupClosure } from "./closure.ts";
import type { ClosureEntry } from "./closure.ts";
import { GoalTable } from "./goalTable.ts";
import { OverlayReader } from "./overlayReader.ts";
import { EDGE_ABSENT, EDGE_CAVEATED, EDGE_PRESENT } from "../model/tupleIndex.ts";
import { allowedKey, DIRECT, IndexReader } from "./reader.ts";
import type { TupleReader } from "./reader.ts";
import { CONDITIONAL, HAS, NO } from "./result.ts";
import type { CheckValue } from "./result.ts";
import type { CompiledMember, CompiledRewrite, TypeSystem } from "../typesystem/typesystem.ts";

export const DEFAULT_MAX_DEPTH = 10_000;
/** "Depends on no goal in progress"; also the bound on maxDepth (memo entries pack `low` in 20 bits). */
const INF = 1 << 20;

export interface CheckRequest {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  /** Count as written for this request only (≤ 100); such requests bypass the shared cache. */
  readonly contextualTuples?: readonly Tuple[];
}

export interface CheckOptions {
  /** Dispatch hops allowed before RESOURCE_EXHAUSTED "max depth exceeded" (< 2^20). */
  readonly maxDepth?: number;
  /** Shared cross-check cache; absent = off. */
  readonly cache?: SubResultCache;
  /** Default cache scope (store + incarnation + revision); `check`'s `scope` argument wins. */
  readonly cacheScope?: string;
  /**
   * Answer pure-`this` group subgraphs through the group closure (closure.ts) when the reader is
   * an IndexReader and the request has no contextual tuples. Default true; false = plain walk.
   */
  readonly closure?: boolean;
}

/** Counters for one evaluator (cumulative); a benchmark asserts `cacheHits === 0` when uncached. */
export interface EvalStats {
  checks: number;
  goals: number;
  /** Goal already evaluated (or in progress) within the same check: the visited set at work. */
  visitedHits: number;
  cacheHits: number;
  /** Goals answered by the group closure instead of a walk. */
  closureHits: number;
}

// Frame kinds.
const GOAL = 0;
const UNION = 1;
const INTERSECTION = 2;
const EXCLUSION = 3;
const THIS = 4;
const ARROW = 5;

// Memo entries are one small integer (a Smi: no allocation): low << 4 | state << 2 | value.
const IN_PROGRESS = 0;
const PROVISIONAL = 1;
const FINAL = 2;
const entry = (state: number, value: CheckValue, low: number): number => (low << 4) | (state << 2) | value;
const entryState = (e: number): number => (e >> 2) & 3;
const entryValue = (e: number): CheckValue => (e & 3) as CheckValue;
const entryLow = (e: number): number => e >> 4;

/** `permission p = t1 + … + tk + tupleset->p` (Run.recursiveArrow). */
interface RecursiveArrow {
  readonly tupleset: CompiledMember;
  readonly terms: readonly CompiledMember[];
}

// viaClosure's refusals (values are ≥ 0).
const CLOSURE_DIRTY = -1;
const CLOSURE_TOO_DEEP = -2;

/** One frame of the explicit stack; a single shape for every kind keeps property access monomorphic. */
class Frame {
  kind = GOAL;
  node: CompiledRewrite | null = null;
  obj = -1;
  member: CompiledMember | null = null;
  /** Reader relation id of `member` (THIS) or of the tupleset (ARROW). */
  rel = -1;
  /** Child index (UNION/INTERSECTION), phase (EXCLUSION, ARROW list). */
  idx = 0;
  cursor = 0;
  acc: CheckValue = NO;
  low = INF;
  /** The edge being followed is caveated: cap the child's answer at CONDITIONAL. */
  caveated = false;
  /** ARROW: subjects visited (`.all` over none is NO). */
  count = 0;
  // GOAL only.
  /** GOAL: the closure was refused here for depth; the plain walk runs below it (Run.suppressed). */
  noClosure = false;
  /** Highest `low` among provisional entries logged during this goal (-1: none); skips no-op rescans. */
  maxLow = -1;
  depth = 0;
  logMark = 0;
  assumed: CheckValue = NO;
}

export class Evaluator {
  readonly stats: EvalStats = { checks: 0, goals: 0, visitedHits: 0, cacheHits: 0, closureHits: 0 };
  readonly maxDepth: number;
  /** Reader relation ids per member, per reader (handles are reader-specific). */
  private readonly relIds = new WeakMap<TupleReader, Int32Array>();
  /** Per member: its recursive-arrow shape, or null (Run.recursiveArrow). */
  readonly arrowShapes = new Map<number, RecursiveArrow | null>();
  /** Group closures per index (they depend on this schema: which members are pure `this`). */
  private readonly closures = new WeakMap<object, GroupClosure>();
  /** One reusable run: checks are synchronous, so they never overlap. */
  private readonly run = new Run(this);

  constructor(
    readonly schema: TypeSystem,
    private readonly options: CheckOptions = {},
  ) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (this.maxDepth >= INF) throw invalidArgument(`maxDepth must be below ${INF}`);
  }

  /**
   * Validates the request against the schema (FAILED_PRECONDITION / INVALID_ARGUMENT) and
   * evaluates it. `scope` names what the reader reflects (Projection.cacheScope) for the shared
   * cache; without one (or with contextual tuples) the shared cache is not used.
   */
  check(
    reader: TupleReader,
    req: CheckRequest,
    scope: string | undefined = this.options.cacheScope,
  ): CheckValue {
    const member = this.schema.require(req.resource.type, req.permission);
    const s = req.subject;
    if (!this.schema.hasType(s.type)) this.schema.require(s.type, s.relation);
    if (s.relation !== "") this.schema.require(s.type, s.relation);
    if (s.id === "*") {
      if (this.schema.origin === "zed")
        throw invalidArgument(`subject: a wildcard (${s.type}:*) cannot be the subject of a check`, {
          field: "subject",
        });
      if (s.relation !== "")
        throw invalidArgument("subject: a wildcard subject cannot have a relation", { field: "subject" });
    }
    const contextual = req.contextualTuples !== undefined && req.contextualTuples.length > 0;
    const r = contextual ? new OverlayReader(reader, req.contextualTuples!) : reader;
    this.stats.checks++;
    const cache = contextual || scope === undefined ? undefined : this.options.cache;
    return this.run.check(
      r,
      req,
      member,
      cache,
      scope ?? "",
      contextual ? undefined : this.relIdsOf(reader),
      contextual ? undefined : this.closureOf(reader),
    );
  }

  /** The group closure used for checks on `reader` (undefined: not an IndexReader, or turned off). */
  closureOf(reader: TupleReader): GroupClosure | undefined {
    if (this.options.closure === false || !(reader instanceof IndexReader)) return undefined;
    let c = this.closures.get(reader.index);
    if (c === undefined) {
      c = new GroupClosure(reader.index, this.schema);
      this.closures.set(reader.index, c);
    }
    return c;
  }

  private relIdsOf(reader: TupleReader): Int32Array {
    let ids = this.relIds.get(reader);
    if (ids === undefined) {
      ids = new Int32Array(this.schema.members.length).fill(-2);
      this.relIds.set(reader, ids);
    }
    return ids;
  }
}

class Run {
  private readonly stack: Frame[] = [];
  private readonly goals: Frame[] = [];
  private readonly pool: Frame[] = [];
  private readonly memo = new GoalTable();
  /** Provisional memo entries as (object, member) pairs, in creation order (ranges belong to goals via logMark). */
  private readonly log: number[] = [];
  private rv: CheckValue = NO;
  private rl = INF;
  private returning = false;

  private reader!: TupleReader;
  private memberCount = 0;
  private sObj = -1;
  private sRel = -1;
  private sType = "";
  private sRelName = "";
  private wildObj = -1;
  private subjectIsWildcard = false;
  private rootSelf = false;
  /** The resource is the subject's object (`group:eng` for subject `group:eng#member`). */
  private rootIsSubjectObject = false;
  private rootId = "";
  private openfga = false;
  private relIds: Int32Array = new Int32Array(0);
  private cache: SubResultCache | undefined;
  private bucket: CacheBucket | undefined;
  private bucketKey = "";
  private bucketDirty = false;
  private closure: GroupClosure | undefined;
  /** GOAL frames on the stack that refused the closure for depth: while > 0, no closure. */
  private suppressed = 0;
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

  constructor(private readonly ev: Evaluator) {}

  check(
    reader: TupleReader,
    req: CheckRequest,
    member: CompiledMember,
    cache: SubResultCache | undefined,
    scope: string,
    relIds: Int32Array | undefined,
    closure: GroupClosure | undefined,
  ): CheckValue {
    const s = req.subject;
    this.reader = reader;
    this.memberCount = this.ev.schema.members.length;
    this.sObj = reader.lookupObject(s.type, s.id);
    this.sRel = s.relation === "" ? DIRECT : reader.lookupRelation(s.relation);
    this.sType = s.type;
    this.sRelName = s.relation;
    this.subjectIsWildcard = s.id === "*";
    this.wildObj = this.subjectIsWildcard || s.relation !== "" ? -1 : reader.lookupObject(s.type, "*");
    this.rootIsSubjectObject = s.type === req.resource.type && s.id === req.resource.id;
    this.rootSelf = s.relation === "" && this.rootIsSubjectObject;
    this.rootId = req.resource.id;
    this.openfga = this.ev.schema.origin === "openfga";
    this.relIds = relIds ?? new Int32Array(this.memberCount).fill(-2);
    this.cache = cache;
    this.bucket = undefined;
    this.bucketDirty = false;
    if (cache !== undefined) {
      this.bucketKey = `${scope}|${s.type}:${s.id}#${s.relation}`;
      this.bucket = cache.bucket(this.bucketKey);
    }
    // A previous check may have thrown half-way: start clean.
    this.stack.length = 0;
    this.goals.length = 0;
    this.memo.reset();
    this.log.length = 0;
    this.returning = false;
    this.suppressed = 0;
    // The closure answers direct (non-wildcard) subjects only; usersets and wildcards walk.
    this.closure = s.relation === "" && !this.subjectIsWildcard ? closure : undefined;
    if (this.closure !== undefined) {
      this.closure.sync();
      const ix = this.closure.index;
      this.sNode = ix.node(this.sObj, DIRECT);
      this.wildNode = ix.node(this.wildObj, DIRECT);
    }
    try {
      this.callGoal(reader.lookupObject(req.resource.type, req.resource.id), member);
      this.loop();
      return this.rv;
    } finally {
      if (this.bucketDirty && this.cache !== undefined && this.bucket !== undefined)
        this.cache.commit(this.bucketKey, this.bucket);
      this.reader = undefined as unknown as TupleReader;
    }
  }

  private relId(m: CompiledMember): number {
    let r = this.relIds[m.id]!;
    if (r < 0) {
      // -1 is not cached: a relation with no tuples yet may get some later.
      r = this.reader.lookupRelation(m.name);
      if (r >= 0) this.relIds[m.id] = r;
    }
    return r;
  }

  private ret(v: CheckValue, low: number): void {
    this.rv = v;
    this.rl = low;
    this.returning = true;
  }

  private push(f: Frame): void {
    this.stack.push(f);
    this.returning = false;
  }

  private frame(
    kind: number,
    obj: number,
    member: CompiledMember | null,
    node: CompiledRewrite | null,
  ): Frame {
    const f = this.pool.pop() ?? new Frame();
    f.kind = kind;
    f.obj = obj;
    f.member = member;
    f.node = node;
    f.rel = -1;
    f.idx = 0;
    f.cursor = 0;
    f.acc = NO;
    f.low = INF;
    f.caveated = false;
    f.count = 0;
    f.assumed = NO;
    return f;
  }

  /** Pops the top frame and answers `v` to its parent. */
  private done(f: Frame, v: CheckValue, low: number): void {
    this.stack.pop();
    this.ret(v, low);
    f.node = null;
    f.member = null;
    this.pool.push(f);
  }

  private isSelf(obj: number): boolean {
    return obj < 0 ? this.rootSelf : obj === this.sObj && this.sRel === DIRECT;
  }

  /** Dispatches goal (obj, member): answers from the memo/cache or pushes a GOAL frame. */
  private callGoal(obj: number, member: CompiledMember): void {
    const e = this.memo.get(obj, member.id);
    if (e >= 0) {
      this.ev.stats.visitedHits++;
      this.ret(entryValue(e), entryState(e) === FINAL ? INF : entryLow(e));
      return;
    }
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
        this.memo.set(obj, member.id, entry(FINAL, v, 0));
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

  /** Pushes a GOAL frame for (obj, member), or RESOURCE_EXHAUSTED beyond maxDepth. */
  private pushGoal(obj: number, member: CompiledMember): void {
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
  private viaClosure(obj: number, rel: number, member: CompiledMember, depth: number): number {
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
    for (let c = ix.firstUserset(ix.node(obj, rel)); c !== 0; c = ix.nextForward(c)) {
      const target = cl.target(member, c);
      if (target === undefined) continue;
      if (target === null) return CLOSURE_DIRTY;
      const e = cl.entry(ix.cursorSubjectNode(c), target);
      if (e === null) return CLOSURE_DIRTY;
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
      let v: CheckValue;
      const m = this.memo.get(so, t.id);
      if (m >= 0 && entryState(m) === FINAL) v = entryValue(m);
      else {
        const cached = this.bucket?.get((so + 1) * this.memberCount + t.id);
        if (cached !== undefined) {
          this.ev.stats.cacheHits++;
          this.cache!.stats.hits++;
          v = cached;
        } else v = cl.query(entries[i]!, this.sNode, this.wildNode, this.sType);
        this.finish(so, t.id, v);
      }
      if (v > acc) acc = v;
    }
    this.nEntries = 0;
    return acc;
  }

  /**
   * The shape `permission p = t1 + … + tk + parent->p` (one arrow `.any` back to this same member;
   * every other term `this` or a relation whose rewrite is `this`): memoised per member.
   * Returns the arrow and the relations of the other terms, or null.
   */
  private recursiveArrow(member: CompiledMember): RecursiveArrow | null {
    let shape = this.ev.arrowShapes.get(member.id);
    if (shape !== undefined) return shape;
    shape = null;
    const rw = member.rewrite;
    if (rw.kind === "union") {
      let arrow: (CompiledRewrite & { kind: "arrow" }) | undefined;
      const terms: CompiledMember[] = [];
      let ok = true;
      for (const ch of rw.children) {
        if (ch.kind === "arrow" && arrow === undefined && ch.mode === "any" && ch.computed === member.name) {
          if (ch.tupleset === undefined || ch.tupleset.rewrite.kind !== "this") ok = false;
          arrow = ch;
        } else if (ch.kind === "this") terms.push(member);
        else if (ch.kind === "computed" && ch.member !== undefined && ch.member.rewrite.kind === "this")
          terms.push(ch.member);
        else ok = false;
      }
      if (ok && arrow !== undefined && arrow.tupleset !== undefined)
        shape = { tupleset: arrow.tupleset, terms };
    }
    this.ev.arrowShapes.set(member.id, shape);
    return shape;
  }

  /**
   * Goal (obj, member) of the shape `t1 + … + parent->member` (a folder's `view = viewer +
   * parent->view`) without a goal per ancestor: the walk's value is the largest value of the
   * terms over every object reachable through `parent` (itself included) — a pure union, so
   * cycles need no fixed-point rounds. Refused (CLOSURE_DIRTY, walked) when a `parent` edge has a
   * caveat or expiration, leads to a type whose `member` is another rewrite, or some term's
   * usersets are dirty; CLOSURE_TOO_DEEP when d + ancestors + 1 + the deepest term closure's
   * interior exceeds maxDepth (a bound on any plain walk of it: one goal per ancestor, then a
   * term goal, then its userset goals).
   */
  private viaArrowClosure(obj: number, member: CompiledMember): number {
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
          if (ix.cursorHasTraits(c)) return CLOSURE_DIRTY;
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

  /** Direct and wildcard grants of the subject on obj#rel, in O(1). */
  private directValue(obj: number, rel: number, member: CompiledMember): CheckValue {
    const r = this.reader;
    let acc: CheckValue = NO;
    if (this.sObj >= 0 && this.sRel >= 0) {
      const st = r.tupleState(obj, rel, this.sObj, this.sRel);
      if (st !== EDGE_ABSENT && this.fits(member, this.sType, this.subjectIsWildcard, this.sRelName)) {
        if (st === EDGE_PRESENT) return HAS;
        acc = CONDITIONAL;
      }
    }
    if (this.wildObj >= 0) {
      const st = r.tupleState(obj, rel, this.wildObj, DIRECT);
      if (st !== EDGE_ABSENT && this.fits(member, this.sType, true, "")) {
        if (st === EDGE_PRESENT) return HAS;
        acc = CONDITIONAL;
      }
    }
    return acc;
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

  /** OpenFGA ignores tuples whose subject no longer fits the relation's types; SpiceDB refuses such schema changes. */
  private fits(member: CompiledMember, type: string, wildcard: boolean, relation: string): boolean {
    if (!this.openfga) return true;
    return member.allowedKeys.has(allowedKey(type, wildcard, relation));
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

  private completeGoal(f: Frame, v: CheckValue, low: number): void {
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

  private finish(obj: number, mid: number, v: CheckValue): void {
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

  private cycleThroughExclusion(low: number): never {
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
