/**
 * The base of a check's run (check/run.ts): what it knows for the check in progress — the reader,
 * the subject as reader handles, the relation-id cache, the shared-cache bucket — the frame stack's
 * primitives (pooled frames, the return register), and the O(1) answers that need nothing more
 * (`self`, direct and wildcard grants).
 *
 * The run is one class split over files by concept, each a layer of a single inheritance chain
 * (RunState ← GoalStack ← ShortcutRun ← GoalDispatch ← Run): only `Run` is ever instantiated, so
 * every field access and method call stays monomorphic, with no indirection per goal.
 */
import type { ObjectRef, SubjectRef } from "../../model/tuple.ts";
import { EDGE_ABSENT, EDGE_PRESENT } from "../../model/tupleIndex.ts";
import type { CompiledMember, CompiledRewrite, TypeSystem } from "../../typesystem/typesystem.ts";
import type { CacheBucket, SubResultCache } from "../cache.ts";
import { allowedKey, DIRECT } from "../reader.ts";
import type { TupleReader } from "../reader.ts";
import { CONDITIONAL, HAS, NO } from "../result.ts";
import type { CheckValue } from "../result.ts";
import { Frame, FRAME } from "./frame.ts";
import type { RecursiveArrow } from "./recursiveArrow.ts";

const { INF } = FRAME;

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

/** The Evaluator (check.ts) as its run sees it: a type here, so the run's files never import check.ts. */
export interface RunOwner {
  readonly schema: TypeSystem;
  readonly maxDepth: number;
  readonly stats: EvalStats;
  /** Per member: its recursive-arrow shape, or null (ShortcutRun.recursiveArrow). */
  readonly arrowShapes: Map<number, RecursiveArrow | null>;
}

export class RunState {
  protected readonly stack: Frame[] = [];
  protected readonly pool: Frame[] = [];
  /** The return register: the value and `low` the last finished frame answered, and whether it did. */
  protected rv: CheckValue = NO;
  protected rl = INF;
  protected returning = false;

  protected reader!: TupleReader;
  protected memberCount = 0;
  protected sObj = -1;
  protected sRel = -1;
  protected sType = "";
  protected sRelName = "";
  protected wildObj = -1;
  protected subjectIsWildcard = false;
  private rootSelf = false;
  /** The resource is the subject's object (`group:eng` for subject `group:eng#member`). */
  protected rootIsSubjectObject = false;
  protected rootId = "";
  private openfga = false;
  private relIds: Int32Array = new Int32Array(0);
  protected cache: SubResultCache | undefined;
  protected bucket: CacheBucket | undefined;
  private bucketKey = "";
  protected bucketDirty = false;

  constructor(protected readonly ev: RunOwner) {}

  /** Takes in one check's reader, subject and shared cache; the frame stack starts empty. */
  protected begin(
    reader: TupleReader,
    resource: ObjectRef,
    s: SubjectRef,
    cache: SubResultCache | undefined,
    scope: string,
    relIds: Int32Array | undefined,
  ): void {
    this.reader = reader;
    this.memberCount = this.ev.schema.members.length;
    this.sObj = reader.lookupObject(s.type, s.id);
    this.sRel = s.relation === "" ? DIRECT : reader.lookupRelation(s.relation);
    this.sType = s.type;
    this.sRelName = s.relation;
    this.subjectIsWildcard = s.id === "*";
    this.wildObj = this.subjectIsWildcard || s.relation !== "" ? -1 : reader.lookupObject(s.type, "*");
    this.rootIsSubjectObject = s.type === resource.type && s.id === resource.id;
    this.rootSelf = s.relation === "" && this.rootIsSubjectObject;
    this.rootId = resource.id;
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
    this.returning = false;
  }

  /** After a check, answered or thrown: commits what it added to the shared cache, lets go of the reader. */
  protected end(): void {
    if (this.bucketDirty && this.cache !== undefined && this.bucket !== undefined)
      this.cache.commit(this.bucketKey, this.bucket);
    this.reader = undefined as unknown as TupleReader;
  }

  protected relId(m: CompiledMember): number {
    let r = this.relIds[m.id]!;
    if (r < 0) {
      // -1 is not cached: a relation with no tuples yet may get some later.
      r = this.reader.lookupRelation(m.name);
      if (r >= 0) this.relIds[m.id] = r;
    }
    return r;
  }

  protected ret(v: CheckValue, low: number): void {
    this.rv = v;
    this.rl = low;
    this.returning = true;
  }

  protected push(f: Frame): void {
    this.stack.push(f);
    this.returning = false;
  }

  protected frame(
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
  protected done(f: Frame, v: CheckValue, low: number): void {
    this.stack.pop();
    this.ret(v, low);
    f.node = null;
    f.member = null;
    this.pool.push(f);
  }

  protected isSelf(obj: number): boolean {
    return obj < 0 ? this.rootSelf : obj === this.sObj && this.sRel === DIRECT;
  }

  /** Direct and wildcard grants of the subject on obj#rel, in O(1). */
  protected directValue(obj: number, rel: number, member: CompiledMember): CheckValue {
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

  /** OpenFGA ignores tuples whose subject no longer fits the relation's types; SpiceDB refuses such schema changes. */
  protected fits(member: CompiledMember, type: string, wildcard: boolean, relation: string): boolean {
    if (!this.openfga) return true;
    return member.allowedKeys.has(allowedKey(type, wildcard, relation));
  }
}
