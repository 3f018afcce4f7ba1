/**
 * LookupResources: every object of a type on which a subject has a permission — exactly the
 * objects for which `check` answers HAS (or CONDITIONAL, reported as such).
 *
 * Evaluated from the subject outwards (SpiceDB's reachability, Zanzibar's reverse index): a goal
 * (object, member) the subject is known to hold makes other goals hold through
 *   - usersets:  `doc:d#viewer@group:g#member` — group:g#member held → doc:d's `this` leaf of viewer;
 *   - computed:  `permission view = viewer + …` — viewer held on o → view's `viewer` leaf on o;
 *   - arrows:    `doc:d#parent@folder:f`, `parent->view` — folder:f#view held → doc:d's arrow leaf;
 *   - seeds:     tuples naming the subject (or its type's wildcard), the subject's own userset
 *                (`group:g#member` is a member of itself) and `self`.
 * A leaf reached only through unions decides its member at once (exact). A leaf under an
 * intersection, the base of an exclusion or an `.all` arrow (or reached over a caveated tuple)
 * only makes its member a candidate, which `check` then decides: its answer is final whatever
 * order the walk runs in, so the result is exact. Leaves on the subtracted side of an exclusion
 * never make anything hold. Every HAS answer of `check` has a well-founded derivation from the
 * seeds through positive leaves, so the walk finds every such object (completeness), and it
 * holds nothing `check` would not (soundness).
 *
 * Iterative (a worklist; no recursion), each goal decided once, cycles included.
 */
import { invalidArgument, unreachable } from "../../errors.ts";
import type { SubjectRef } from "../../model/tuple.ts";
import type { Evaluator } from "../check.ts";
import { OverlayReader } from "../overlayReader.ts";
import { EDGE_ABSENT, EDGE_PRESENT } from "../../model/tupleIndex.ts";
import { allowedKey, DIRECT } from "../reader.ts";
import type { TupleReader } from "../reader.ts";
import { CONDITIONAL as CONDITIONAL_VALUE, HAS, NO } from "../result.ts";
import type { CheckValue, CONDITIONAL } from "../result.ts";
import type { CompiledMember, CompiledRewrite, TypeSystem } from "../../typesystem/typesystem.ts";
import { SortedResults } from "./paging.ts";
import type { RequestInputs } from "../request.ts";

export interface LookupResourcesRequest extends RequestInputs {
  readonly resourceType: string;
  readonly permission: string;
  readonly subject: SubjectRef;
}

/** One object found: its id and whether it holds unconditionally (HAS) or under caveats. */
export interface FoundResourceEntry {
  readonly id: string;
  readonly value: typeof HAS | typeof CONDITIONAL;
  /** CONDITIONAL: the caveat parameters it waits for (sorted). */
  readonly missingContext?: readonly string[];
}

/** A leaf's effect on the member it belongs to. */
interface Dep {
  readonly target: CompiledMember;
  /** Reached through unions only: the leaf holding decides the member. Otherwise `check` decides. */
  readonly exact: boolean;
}

/** What the walk needs to know about a schema, computed once per TypeSystem. */
class Plan {
  /** Per member id: how its `this` leaf affects it (undefined = no positive `this`). */
  readonly thisLeaf: (Dep | undefined)[] = [];
  /** Per member id: members with a positive `computed` leaf naming it. */
  readonly computedDeps: Dep[][] = [];
  /** Resource type → tupleset relation → computed name → arrow leaves. */
  readonly arrowDeps = new Map<string, Map<string, Map<string, Dep[]>>>();
  /** Names that some arrow evaluates on its tupleset's subjects. */
  readonly arrowComputed = new Set<string>();
  /** Subject type → subject relations a tupleset may name it with ("" = the object itself). */
  readonly arrowSubjectRelations = new Map<string, Set<string>>();
  /** Type → members with a positive `self` leaf. */
  readonly selfDeps = new Map<string, Dep[]>();
  /**
   * Per member id: can a goal of it make another goal hold (a computed reference, a relation
   * accepting it as a userset, an arrow evaluating it)? If not, the walk does not expand it.
   */
  readonly feeds: boolean[] = [];

  constructor(readonly schema: TypeSystem) {
    for (let i = 0; i < schema.members.length; i++) {
      this.thisLeaf.push(undefined);
      this.computedDeps.push([]);
    }
    for (const m of schema.members) this.walk(m.rewrite, m, true);
    const usersetTargets = new Set<string>();
    for (const m of schema.members)
      for (const t of m.types)
        if (!t.wildcard && t.relation !== undefined && t.relation !== "...")
          usersetTargets.add(`${t.type}#${t.relation}`);
    for (const m of schema.members)
      this.feeds.push(
        // OpenFGA-origin stores may hold tuples the types no longer list: always expand there.
        schema.origin === "openfga" ||
          this.computedDeps[m.id]!.length > 0 ||
          usersetTargets.has(`${m.type}#${m.name}`) ||
          (this.arrowComputed.has(m.name) && this.arrowSubjectRelations.has(m.type)),
      );
  }

  private walk(r: CompiledRewrite, m: CompiledMember, exact: boolean): void {
    switch (r.kind) {
      case "this": {
        const have = this.thisLeaf[m.id];
        this.thisLeaf[m.id] = { target: m, exact: exact || (have?.exact ?? false) };
        return;
      }
      case "computed":
        if (r.member !== undefined) this.computedDeps[r.member.id]!.push({ target: m, exact });
        return;
      case "arrow": {
        if (r.tupleset === undefined) return;
        const exactHere = exact && r.mode === "any";
        let byTs = this.arrowDeps.get(m.type);
        if (byTs === undefined) this.arrowDeps.set(m.type, (byTs = new Map()));
        let byComputed = byTs.get(r.tupleset.name);
        if (byComputed === undefined) byTs.set(r.tupleset.name, (byComputed = new Map()));
        let deps = byComputed.get(r.computed);
        if (deps === undefined) byComputed.set(r.computed, (deps = []));
        deps.push({ target: m, exact: exactHere });
        this.arrowComputed.add(r.computed);
        for (const t of r.tupleset.types) {
          if (t.wildcard) continue;
          let rels = this.arrowSubjectRelations.get(t.type);
          if (rels === undefined) this.arrowSubjectRelations.set(t.type, (rels = new Set()));
          rels.add(t.relation === undefined || t.relation === "..." ? "" : t.relation);
        }
        // OpenFGA-origin stores may keep tuples that no longer fit the types: follow every
        // relation of the subject types then (check follows them too).
        if (this.schema.origin === "openfga")
          for (const def of this.schema.ir.definitions) {
            let rels = this.arrowSubjectRelations.get(def.name);
            if (rels === undefined) this.arrowSubjectRelations.set(def.name, (rels = new Set()));
            rels.add("");
            for (const mm of def.members) rels.add(mm.name);
          }
        return;
      }
      case "union":
        for (const c of r.children) this.walk(c, m, exact);
        return;
      case "intersection":
        for (const c of r.children) this.walk(c, m, false);
        return;
      case "exclusion":
        // The subtracted side never makes anything hold.
        this.walk(r.base, m, false);
        return;
      case "nil":
        return;
      case "self": {
        let deps = this.selfDeps.get(m.type);
        if (deps === undefined) this.selfDeps.set(m.type, (deps = []));
        deps.push({ target: m, exact });
        return;
      }
      default:
        unreachable(r, "rewrite");
    }
  }
}

const plans = new WeakMap<TypeSystem, Plan>();

export function planOf(schema: TypeSystem): Plan {
  let p = plans.get(schema);
  if (p === undefined) plans.set(schema, (p = new Plan(schema)));
  return p;
}

/**
 * The goals a walk has decided: a bit per goal key in a buffer shared by all walks (a walk runs
 * synchronously from start to end, so one buffer serves them one after another), of which only the
 * words a walk set are cleared afterwards. A Map of the same keys cost ~40 % of a 10,000-result
 * lookup in allocation and GC. Keys past the buffer's cap (huge stores) go to a Set.
 */
class GoalSet {
  private static shared: Uint32Array | undefined = new Uint32Array(1 << 12);
  private static readonly CAP_BITS = 1 << 28;
  private words: Uint32Array;
  private readonly touched: number[] = [];
  private overflow: Set<number> | undefined;

  constructor() {
    // A walk inside a walk (never today) gets a buffer of its own.
    this.words = GoalSet.shared ?? new Uint32Array(1 << 12);
    GoalSet.shared = undefined;
  }

  has(k: number): boolean {
    if (k >= GoalSet.CAP_BITS) return this.overflow?.has(k) ?? false;
    const w = k >>> 5;
    return w < this.words.length && (this.words[w]! & (1 << (k & 31))) !== 0;
  }

  add(k: number): void {
    if (k >= GoalSet.CAP_BITS) {
      (this.overflow ??= new Set()).add(k);
      return;
    }
    const w = k >>> 5;
    if (w >= this.words.length) {
      let n = this.words.length;
      while (n <= w) n *= 2;
      const grown = new Uint32Array(n);
      grown.set(this.words);
      this.words = grown;
    }
    const old = this.words[w]!;
    if (old === 0) this.touched.push(w);
    this.words[w] = old | (1 << (k & 31));
  }

  /** Clears what this walk set and hands the buffer back. */
  release(): void {
    for (const w of this.touched) this.words[w] = 0;
    this.touched.length = 0;
    GoalSet.shared ??= this.words;
  }
}

/** The subject's object when no tuple names it (then only `self` and its own userset hold on it). */
const SUBJECT = -2;

/**
 * Validates the request as `check` does (FAILED_PRECONDITION for unknown names, INVALID_ARGUMENT
 * for a zed wildcard subject) and returns every object found, unsorted.
 */
export function lookupResources(
  evaluator: Evaluator,
  baseReader: TupleReader,
  req: LookupResourcesRequest,
): FoundResourceEntry[] {
  const { ids, values, missing } = walk(evaluator, baseReader, req);
  return ids.map((id, i) => entry(id, values[i]!, missing[i]));
}

/**
 * The same lookup as paging results keyed by id, without an object per result (a page makes
 * its own items): what the service pages through.
 */
export function lookupResourcesSorted(
  evaluator: Evaluator,
  baseReader: TupleReader,
  req: LookupResourcesRequest,
): SortedResults<FoundResourceEntry> {
  const { ids, values, missing } = walk(evaluator, baseReader, req);
  return new SortedResults(ids, (i) => entry(ids[i]!, values[i]!, missing[i]));
}

function entry(
  id: string,
  value: typeof HAS | typeof CONDITIONAL,
  missing: readonly string[] | undefined,
): FoundResourceEntry {
  return missing !== undefined && missing.length > 0 ? { id, value, missingContext: missing } : { id, value };
}

function walk(evaluator: Evaluator, baseReader: TupleReader, req: LookupResourcesRequest): Found {
  const schema = evaluator.schema;
  const target = schema.require(req.resourceType, req.permission);
  const s = req.subject;
  if (!schema.hasType(s.type)) schema.require(s.type, s.relation);
  if (s.relation !== "") schema.require(s.type, s.relation);
  const wildcardSubject = s.id === "*";
  if (wildcardSubject) {
    if (schema.origin === "zed")
      throw invalidArgument(`subject: a wildcard (${s.type}:*) cannot be the subject of a lookup`, {
        field: "subject",
      });
    if (s.relation !== "")
      throw invalidArgument("subject: a wildcard subject cannot have a relation", { field: "subject" });
  }
  const contextual = req.contextualTuples !== undefined && req.contextualTuples.length > 0;
  const overlaid = contextual ? new OverlayReader(baseReader, req.contextualTuples!) : baseReader;
  // The walk and its verifying checks judge caveats and expiries by one context and one clock.
  const r = evaluator.conditions(overlaid, req.context);
  return new Walk(evaluator, planOf(schema), r, s, target).runOnce();
}

/** What a walk found: ids (unique), their values and missing caveat parameters, index by index. */
interface Found {
  readonly ids: string[];
  readonly values: (typeof HAS | typeof CONDITIONAL)[];
  readonly missing: (readonly string[] | undefined)[];
}

class Walk {
  private readonly schema: TypeSystem;
  private readonly memberCount: number;
  /** Goals decided (NO included, so a goal is decided once). */
  private readonly decided = new GoalSet();
  private readonly queueObj: number[] = [];
  private readonly queueMember: CompiledMember[] = [];
  private readonly queueValue: CheckValue[] = [];
  private readonly sObj: number;
  private readonly sRel: number;
  private readonly openfga: boolean;
  private readonly found: Found = { ids: [], values: [], missing: [] };
  /** Reader relation id per member id (-2 = not looked up yet). */
  private readonly relIds: Int32Array;
  /** Reader relation ids a tupleset may name an object of each type with, per type. */
  private readonly arrowRelIds = new Map<string, number[]>();

  constructor(
    private readonly evaluator: Evaluator,
    private readonly plan: Plan,
    private readonly r: TupleReader,
    private readonly subject: SubjectRef,
    private readonly target: CompiledMember,
  ) {
    this.schema = evaluator.schema;
    this.memberCount = this.schema.members.length;
    this.sObj = r.lookupObject(subject.type, subject.id);
    this.sRel = subject.relation === "" ? DIRECT : r.lookupRelation(subject.relation);
    this.openfga = this.schema.origin === "openfga";
    this.relIds = new Int32Array(this.memberCount).fill(-2);
  }

  private relId(m: CompiledMember): number {
    let id = this.relIds[m.id]!;
    if (id === -2) this.relIds[m.id] = id = this.r.lookupRelation(m.name);
    return id;
  }

  private arrowRels(type: string): number[] {
    let ids = this.arrowRelIds.get(type);
    if (ids === undefined) {
      ids = [];
      for (const x of this.plan.arrowSubjectRelations.get(type) ?? []) {
        const id = x === "" ? DIRECT : this.r.lookupRelation(x);
        if (id >= 0) ids.push(id);
      }
      this.arrowRelIds.set(type, ids);
    }
    return ids;
  }

  run(): Found {
    const r = this.r;
    const s = this.subject;
    // Seeds 1 and 2: tuples naming the subject, and (direct subjects) its type's wildcard.
    if (this.sObj >= 0 && this.sRel >= 0) this.seedTuples(this.sObj, this.sRel, s.id === "*", s.relation);
    if (s.relation === "" && s.id !== "*") {
      const w = r.lookupObject(s.type, "*");
      if (w >= 0) this.seedTuples(w, DIRECT, true, "");
    }
    const subjectObj = this.sObj >= 0 ? this.sObj : SUBJECT;
    // Seed 3: a userset subject is a member of itself.
    if (s.relation !== "") {
      const own = this.schema.member(s.type, s.relation);
      if (own !== undefined) this.settle(subjectObj, own, HAS);
    }
    // Seed 4: `self` on the subject's own object.
    if (s.relation === "" && s.id !== "*")
      for (const d of this.plan.selfDeps.get(s.type) ?? []) this.reach(subjectObj, d.target, d.exact, HAS);
    this.drain();
    return this.found;
  }

  /** Runs the walk and always hands the goal buffer back (check may throw, e.g. max depth). */
  runOnce(): Found {
    try {
      return this.run();
    } finally {
      this.decided.release();
    }
  }

  private key(obj: number, m: CompiledMember): number {
    return (obj + 2) * this.memberCount + m.id;
  }

  private fits(m: CompiledMember, type: string, wildcard: boolean, relation: string): boolean {
    if (!this.openfga) return true;
    return m.allowedKeys.has(allowedKey(type, wildcard, relation));
  }

  /** The `this` leaves of the resources of tuples whose subject is node (obj, rel). */
  private seedTuples(obj: number, rel: number, wildcard: boolean, relName: string): void {
    const r = this.r;
    const type = this.subject.type;
    for (let c = r.firstReverse(obj, rel); c !== 0; c = r.nextReverse(c)) {
      const st = r.cursorState(c);
      if (st === EDGE_ABSENT) continue;
      const res = r.cursorResource(c);
      const m = this.schema.member(r.objectType(res), r.relationName(r.cursorResourceRelation(c)));
      if (m === undefined) continue;
      const leaf = this.plan.thisLeaf[m.id];
      if (leaf === undefined || !this.fits(m, type, wildcard, relName)) continue;
      this.reach(res, m, leaf.exact && st === EDGE_PRESENT, HAS);
    }
  }

  /** A positive leaf of `m` on `obj` holds with value `v`: decide `m` on `obj` (once). */
  private reach(obj: number, m: CompiledMember, exact: boolean, v: CheckValue): void {
    const k = this.key(obj, m);
    if (this.decided.has(k)) return;
    this.settle(obj, m, exact && v === HAS ? HAS : this.verify(obj, m));
  }

  private settle(obj: number, m: CompiledMember, v: CheckValue): void {
    const k = this.key(obj, m);
    if (this.decided.has(k)) return;
    this.decided.add(k);
    if (v === NO) return;
    if (m === this.target) {
      this.found.ids.push(obj === SUBJECT ? this.subject.id : this.r.objectName(obj));
      this.found.values.push(v);
      this.found.missing.push(v === CONDITIONAL_VALUE ? this.missingOf(obj, m) : undefined);
    }
    if (!this.plan.feeds[m.id]) return;
    this.queueObj.push(obj);
    this.queueMember.push(m);
    this.queueValue.push(v);
  }

  /** The caveat parameters a CONDITIONAL result waits for (one more check; conditional results only). */
  private missingOf(obj: number, m: CompiledMember): readonly string[] {
    const id = obj === SUBJECT ? this.subject.id : this.r.objectName(obj);
    return this.evaluator.answer(
      this.r,
      { resource: { type: m.type, id }, permission: m.name, subject: this.subject },
      undefined,
    ).missingContext;
  }

  private verify(obj: number, m: CompiledMember): CheckValue {
    const id = obj === SUBJECT ? this.subject.id : this.r.objectName(obj);
    // The reader already includes the contextual tuples; no scope, so no shared cache.
    return this.evaluator.check(
      this.r,
      { resource: { type: m.type, id }, permission: m.name, subject: this.subject },
      undefined,
    );
  }

  private drain(): void {
    const r = this.r;
    const plan = this.plan;
    const schema = this.schema;
    for (let i = 0; i < this.queueObj.length; i++) {
      const obj = this.queueObj[i]!;
      const m = this.queueMember[i]!;
      const v = this.queueValue[i]!;
      for (const d of plan.computedDeps[m.id]!) this.reach(obj, d.target, d.exact, v);
      if (obj < 0) continue;
      const type = m.type;
      // Usersets: tuples whose subject is obj#m.
      const rel = this.relId(m);
      if (rel >= 0)
        for (let c = r.firstReverse(obj, rel); c !== 0; c = r.nextReverse(c)) {
          const st = r.cursorState(c);
          if (st === EDGE_ABSENT) continue;
          const res = r.cursorResource(c);
          const t = schema.member(r.objectType(res), r.relationName(r.cursorResourceRelation(c)));
          if (t === undefined) continue;
          const leaf = plan.thisLeaf[t.id];
          if (leaf === undefined || !this.fits(t, type, false, m.name)) continue;
          this.reach(res, t, leaf.exact && st === EDGE_PRESENT, v);
        }
      // Arrows: tuples whose subject is obj (or obj#x), on a tupleset some arrow walks to m.
      if (!plan.arrowComputed.has(m.name)) continue;
      for (const xr of this.arrowRels(type)) {
        // Consecutive tuples mostly share their resource type and relation (a folder's documents):
        // the schema lookup of the previous tuple is reused.
        let lastType: string | undefined;
        let lastRel = -1;
        let deps: Dep[] | undefined;
        for (let c = r.firstReverse(obj, xr); c !== 0; c = r.nextReverse(c)) {
          const st = r.cursorState(c);
          if (st === EDGE_ABSENT) continue;
          const res = r.cursorResource(c);
          const resType = r.objectType(res);
          const resRel = r.cursorResourceRelation(c);
          if (resType !== lastType || resRel !== lastRel) {
            lastType = resType;
            lastRel = resRel;
            deps = plan.arrowDeps.get(resType)?.get(r.relationName(resRel))?.get(m.name);
          }
          if (deps === undefined) continue;
          for (const d of deps) this.reach(res, d.target, d.exact && st === EDGE_PRESENT, v);
        }
      }
    }
  }
}
