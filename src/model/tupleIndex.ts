/**
 * TupleIndex: the one in-memory tuple index of the codebase. The memory store keeps its tuples in
 * it, and the projection of a Neo4j store is one too.
 *
 * Layout (why: ≤ 200 bytes of heap per tuple at 1M tuples, and no allocation on the check path):
 * - Strings are interned (interner.ts): an object (type + id) is an int, a relation is an int.
 * - A node is an interned (object, relation) pair: `document:readme#viewer` as a resource,
 *   `group:eng#member` as a userset subject, `user:alice` (relation 0) as a direct subject. One
 *   node space serves both sides, so a userset subject and the resource set it names are the same
 *   node.
 * - A tuple is an edge (resource node → subject node), a row in parallel Int32Arrays. Each node
 *   heads three doubly-linked lists threaded through the edges: its direct subjects, its userset
 *   subjects (kept apart so the evaluator walks only usersets when recursing), and the reverse
 *   list (resources that name it as subject, for lookups). Doubly linked → O(1) removal even in a
 *   10,000-member group.
 * - An open-addressing hash over (resource node, subject node) answers has/get/remove in O(1),
 *   which is also how the evaluator finds a direct grant or a wildcard grant (`user:*` is just the
 *   node of object `user:*`) without scanning.
 * - Traits (caveat, expiration) are rare: a flag bit per edge plus a side Map.
 *
 * Handles in linked lists and hash slots are stored +1 so that zero-filled arrays mean "none".
 */
import type { Tuple } from "./tuple.ts";
import type { RelationshipFilter } from "./filter.ts";
import { invariant } from "../errors.ts";
import { DIRECT, Interner } from "./interner.ts";

/** Caveat and expiration of a stored tuple. */
export interface TupleTraits {
  readonly caveat?: Tuple["caveat"];
  readonly expiration?: string;
  /** Parsed expiration (ms since epoch), cached for the evaluator. */
  readonly expiresAt?: number;
  /** Caveat name and stored context as one string: edges with equal keys evaluate alike. */
  readonly caveatKey?: string;
}

/** Caveat name and stored context as one string: equal keys evaluate alike for one request. */
export function caveatKeyOf(caveat: NonNullable<Tuple["caveat"]>): string {
  return `${caveat.name}\0${JSON.stringify(caveat.context)}`;
}

/** Distinct traits objects one index shares among its edges (internTraits); more get their own. */
const MAX_INTERNED_TRAITS = 65_536;

/** State of one stored edge as the evaluator sees it. */
export const EDGE_ABSENT = 0;
export const EDGE_PRESENT = 1;
/**
 * Present with a caveat or an expiration: its traits decide (the engine's ConditionReader resolves
 * it to absent, present, or CONDITIONAL on missing context; unresolved it reads as CONDITIONAL).
 */
export const EDGE_CAVEATED = 2;
export type EdgeState = typeof EDGE_ABSENT | typeof EDGE_PRESENT | typeof EDGE_CAVEATED;

const LIVE = 1;
const HAS_TRAITS = 2;
const TOMBSTONE = -1;

function hashPair(a: number, b: number): number {
  let h = Math.imul(a ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h;
}

function grown(a: Int32Array, min: number): Int32Array {
  let n = Math.max(64, a.length + (a.length >> 1));
  while (n < min) n += n >> 1;
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

export class TupleIndex {
  readonly interner: Interner;

  // Nodes: (object, relation) pairs.
  private nodeCount = 0;
  private nodeObj: Int32Array = new Int32Array(0);
  private nodeRel: Int32Array = new Int32Array(0);
  private headDirect: Int32Array = new Int32Array(0);
  private headUserset: Int32Array = new Int32Array(0);
  private headReverse: Int32Array = new Int32Array(0);
  /** Next node of the same object (+1), chained from objFirstNode. */
  private nodeNextInObj: Int32Array = new Int32Array(0);
  private objFirstNode: Int32Array = new Int32Array(0);
  private nodeSlots: Int32Array = new Int32Array(64);

  // Edges: tuples.
  private edgeHigh = 0;
  private liveCount = 0;
  private freeHead = 0;
  private eRes: Int32Array = new Int32Array(0);
  private eSub: Int32Array = new Int32Array(0);
  private eFwdNext: Int32Array = new Int32Array(0);
  private eFwdPrev: Int32Array = new Int32Array(0);
  private eRevNext: Int32Array = new Int32Array(0);
  private eRevPrev: Int32Array = new Int32Array(0);
  private eFlags: Uint8Array = new Uint8Array(0);
  private edgeSlots: Int32Array = new Int32Array(64);
  private edgeSlotsUsed = 0;
  private traits = new Map<number, TupleTraits>();
  /** Traits objects by caveat key and expiration (internTraits); immutable, so clones share it. */
  private internedTraits = new Map<string, TupleTraits>();

  constructor(interner: Interner = new Interner()) {
    this.interner = interner;
  }

  get size(): number {
    return this.liveCount;
  }

  // ───────────────────────────── set operations ─────────────────────────────

  /**
   * Adds a tuple. Returns false when the relationship was already present; its traits are then
   * replaced by `t`'s (TOUCH semantics: the last write of a relationship decides its caveat).
   */
  add(t: Tuple): boolean {
    const i = this.interner;
    const rn = this.internNode(i.internObject(t.resourceType, t.resourceId), i.internRelation(t.relation));
    const sn = this.internNode(
      i.internObject(t.subjectType, t.subjectId),
      i.internRelation(t.subjectRelation),
    );
    if (this.nodeRel[sn] !== DIRECT) this.usersetVersion++;
    const existing = this.findEdge(rn, sn);
    if (existing >= 0) {
      this.setTraits(existing, t);
      return false;
    }
    // Grow the hash before the new edge is marked live, so a rehash does not see it twice.
    if ((this.edgeSlotsUsed + 1) * 10 > this.edgeSlots.length * 6) this.rehashEdges(this.liveCount + 1);
    const e = this.allocEdge();
    this.eRes[e] = rn;
    this.eSub[e] = sn;
    this.eFlags[e] = LIVE;
    // Link at the head of the resource's direct or userset list.
    const heads = this.nodeRel[sn] === DIRECT ? this.headDirect : this.headUserset;
    const first = heads[rn]!;
    this.eFwdNext[e] = first;
    this.eFwdPrev[e] = 0;
    if (first !== 0) this.eFwdPrev[first - 1] = e + 1;
    heads[rn] = e + 1;
    // And at the head of the subject's reverse list.
    const rfirst = this.headReverse[sn]!;
    this.eRevNext[e] = rfirst;
    this.eRevPrev[e] = 0;
    if (rfirst !== 0) this.eRevPrev[rfirst - 1] = e + 1;
    this.headReverse[sn] = e + 1;
    this.insertEdgeSlot(e);
    this.setTraits(e, t);
    this.liveCount++;
    return true;
  }

  /** Removes a tuple (traits ignored). Returns false when it was absent. */
  remove(t: Tuple): boolean {
    const e = this.edgeOf(t);
    if (e < 0) return false;
    const rn = this.eRes[e]!;
    const sn = this.eSub[e]!;
    if (this.nodeRel[sn] !== DIRECT) this.usersetVersion++;
    const next = this.eFwdNext[e]!;
    const prev = this.eFwdPrev[e]!;
    if (prev !== 0) this.eFwdNext[prev - 1] = next;
    else if (this.nodeRel[sn] === DIRECT) this.headDirect[rn] = next;
    else this.headUserset[rn] = next;
    if (next !== 0) this.eFwdPrev[next - 1] = prev;
    const rnext = this.eRevNext[e]!;
    const rprev = this.eRevPrev[e]!;
    if (rprev !== 0) this.eRevNext[rprev - 1] = rnext;
    else this.headReverse[sn] = rnext;
    if (rnext !== 0) this.eRevPrev[rnext - 1] = rprev;
    this.removeEdgeSlot(e);
    if ((this.eFlags[e]! & HAS_TRAITS) !== 0) this.traits.delete(e);
    this.eFlags[e] = 0;
    this.eFwdNext[e] = this.freeHead;
    this.freeHead = e + 1;
    this.liveCount--;
    return true;
  }

  has(t: Tuple): boolean {
    return this.edgeOf(t) >= 0;
  }

  /** The stored tuple (with its traits), or undefined. */
  get(t: Tuple): Tuple | undefined {
    const e = this.edgeOf(t);
    return e < 0 ? undefined : this.edgeTuple(e);
  }

  /** Tuples that expire, with their expiry (ms since the epoch): the traits side map, not a scan. */
  *expiring(): IterableIterator<{ readonly tuple: Tuple; readonly expiresAt: number }> {
    for (const [e, tr] of this.traits)
      if (tr.expiresAt !== undefined) yield { tuple: this.edgeTuple(e), expiresAt: tr.expiresAt };
  }

  /** Every tuple, in edge order (stable between writes, not insertion order). */
  *all(): IterableIterator<Tuple> {
    for (let e = 0; e < this.edgeHigh; e++) if ((this.eFlags[e]! & LIVE) !== 0) yield this.edgeTuple(e);
  }

  /** Tuples matching every given field of the filter; picks the narrowest index it can. */
  *match(filter: RelationshipFilter): IterableIterator<Tuple> {
    const i = this.interner;
    const matches = (e: number): boolean => this.edgeMatches(e, filter);
    if (filter.resourceType !== undefined && filter.resourceId !== undefined) {
      const o = i.lookupObject(filter.resourceType, filter.resourceId);
      if (o >= 0) yield* this.forwardOfObject(o, filter, matches);
      return;
    }
    if (filter.subjectType !== undefined && filter.subjectId !== undefined) {
      const o = i.lookupObject(filter.subjectType, filter.subjectId);
      if (o < 0) return;
      for (let n = this.objFirstNode[o] ?? 0; n !== 0; n = this.nodeNextInObj[n - 1]!) {
        for (let e = this.headReverse[n - 1]!; e !== 0; e = this.eRevNext[e - 1]!)
          if (matches(e - 1)) yield this.edgeTuple(e - 1);
      }
      return;
    }
    if (filter.resourceType !== undefined) {
      for (const o of i.objectsOfType(filter.resourceType)) yield* this.forwardOfObject(o, filter, matches);
      return;
    }
    for (let e = 0; e < this.edgeHigh; e++)
      if ((this.eFlags[e]! & LIVE) !== 0 && matches(e)) yield this.edgeTuple(e);
  }

  /** An independent copy (typed arrays copied, interner shared: it is append-only). */
  clone(): TupleIndex {
    const c = new TupleIndex(this.interner);
    c.nodeCount = this.nodeCount;
    c.nodeObj = this.nodeObj.slice();
    c.nodeRel = this.nodeRel.slice();
    c.headDirect = this.headDirect.slice();
    c.headUserset = this.headUserset.slice();
    c.headReverse = this.headReverse.slice();
    c.nodeNextInObj = this.nodeNextInObj.slice();
    c.objFirstNode = this.objFirstNode.slice();
    c.nodeSlots = this.nodeSlots.slice();
    c.edgeHigh = this.edgeHigh;
    c.liveCount = this.liveCount;
    c.freeHead = this.freeHead;
    c.eRes = this.eRes.slice();
    c.eSub = this.eSub.slice();
    c.eFwdNext = this.eFwdNext.slice();
    c.eFwdPrev = this.eFwdPrev.slice();
    c.eRevNext = this.eRevNext.slice();
    c.eRevPrev = this.eRevPrev.slice();
    c.eFlags = this.eFlags.slice();
    c.edgeSlots = this.edgeSlots.slice();
    c.edgeSlotsUsed = this.edgeSlotsUsed;
    c.traits = new Map(this.traits);
    c.internedTraits = this.internedTraits;
    return c;
  }

  /**
   * Trims every array to its used length (growth leaves up to 50 % slack). Worth it after a bulk
   * load (the projection calls it); later adds grow the arrays again.
   */
  compact(): void {
    const n = this.nodeCount;
    const e = this.edgeHigh;
    const o = this.interner.objectCount;
    this.nodeObj = this.nodeObj.slice(0, n);
    this.nodeRel = this.nodeRel.slice(0, n);
    this.headDirect = this.headDirect.slice(0, n);
    this.headUserset = this.headUserset.slice(0, n);
    this.headReverse = this.headReverse.slice(0, n);
    this.nodeNextInObj = this.nodeNextInObj.slice(0, n);
    this.objFirstNode = this.objFirstNode.slice(0, Math.min(o, this.objFirstNode.length));
    this.eRes = this.eRes.slice(0, e);
    this.eSub = this.eSub.slice(0, e);
    this.eFwdNext = this.eFwdNext.slice(0, e);
    this.eFwdPrev = this.eFwdPrev.slice(0, e);
    this.eRevNext = this.eRevNext.slice(0, e);
    this.eRevPrev = this.eRevPrev.slice(0, e);
    this.eFlags = this.eFlags.slice(0, e);
    this.interner.compact();
  }

  /** Bumped by clear(): node handles of an earlier generation mean nothing any more. */
  generation = 0;
  /**
   * Bumped by every add/remove of a tuple with a userset subject (`…@group:g#member`), whatever
   * its traits: what a derived structure over userset edges (the group closure) must watch. Writes
   * of direct subjects (users, wildcards) leave it alone.
   */
  usersetVersion = 0;

  /** Removes every tuple (interned names stay). */
  clear(): void {
    const generation = this.generation + 1;
    const usersetVersion = this.usersetVersion + 1;
    const fresh = new TupleIndex(this.interner);
    Object.assign(this, fresh);
    this.generation = generation;
    this.usersetVersion = usersetVersion;
  }

  // ─────────────────────── evaluator access (TupleReader) ───────────────────────
  // Handles: objects and relations are interner ids; a node is an (object, relation) pair;
  // a cursor is an edge handle + 1 (0 = end).

  /** Node of (object, relation), or -1 when no tuple ever used it. */
  node(object: number, relation: number): number {
    if (object < 0 || relation < 0) return -1;
    const slots = this.nodeSlots;
    const mask = slots.length - 1;
    for (let s = hashPair(object, relation) & mask; ; s = (s + 1) & mask) {
      const n = slots[s]!;
      if (n === 0) return -1;
      if (this.nodeObj[n - 1] === object && this.nodeRel[n - 1] === relation) return n - 1;
    }
  }

  /** State of the edge resource node → subject node. */
  edgeState(resourceNode: number, subjectNode: number): EdgeState {
    if (resourceNode < 0 || subjectNode < 0) return EDGE_ABSENT;
    const e = this.findEdge(resourceNode, subjectNode);
    return e < 0 ? EDGE_ABSENT : this.stateOf(e);
  }

  /** Traits of the edge resource node → subject node (undefined: absent or without traits). */
  edgeTraits(resourceNode: number, subjectNode: number): TupleTraits | undefined {
    if (resourceNode < 0 || subjectNode < 0) return undefined;
    const e = this.findEdge(resourceNode, subjectNode);
    return e < 0 || (this.eFlags[e]! & HAS_TRAITS) === 0 ? undefined : this.traits.get(e);
  }
  cursorTraits(cursor: number): TupleTraits | undefined {
    return (this.eFlags[cursor - 1]! & HAS_TRAITS) === 0 ? undefined : this.traits.get(cursor - 1);
  }

  /** First cursor over the direct subjects (including wildcards) of a node. */
  firstDirect(resourceNode: number): number {
    return resourceNode < 0 ? 0 : this.headDirect[resourceNode]!;
  }
  /** First cursor over the userset subjects of a node. */
  firstUserset(resourceNode: number): number {
    return resourceNode < 0 ? 0 : this.headUserset[resourceNode]!;
  }
  /** First cursor over the resources naming this node as subject. */
  firstReverse(subjectNode: number): number {
    return subjectNode < 0 ? 0 : this.headReverse[subjectNode]!;
  }
  nextForward(cursor: number): number {
    return this.eFwdNext[cursor - 1]!;
  }
  nextReverse(cursor: number): number {
    return this.eRevNext[cursor - 1]!;
  }
  cursorSubjectObject(cursor: number): number {
    return this.nodeObj[this.eSub[cursor - 1]!]!;
  }
  cursorSubjectRelation(cursor: number): number {
    return this.nodeRel[this.eSub[cursor - 1]!]!;
  }
  cursorResourceObject(cursor: number): number {
    return this.nodeObj[this.eRes[cursor - 1]!]!;
  }
  cursorResourceRelation(cursor: number): number {
    return this.nodeRel[this.eRes[cursor - 1]!]!;
  }
  cursorState(cursor: number): EdgeState {
    return this.stateOf(cursor - 1);
  }
  /** The edge has a caveat or an expiration (its state may depend on the clock or a context). */
  cursorHasTraits(cursor: number): boolean {
    return (this.eFlags[cursor - 1]! & HAS_TRAITS) !== 0;
  }
  cursorSubjectNode(cursor: number): number {
    return this.eSub[cursor - 1]!;
  }
  cursorResourceNode(cursor: number): number {
    return this.eRes[cursor - 1]!;
  }
  cursorTuple(cursor: number): Tuple {
    return this.edgeTuple(cursor - 1);
  }
  /** Nodes of an object (one per relation it has tuples on, either side). */
  *nodesOf(object: number): IterableIterator<number> {
    for (let n = this.objFirstNode[object] ?? 0; n !== 0; n = this.nodeNextInObj[n - 1]!) yield n - 1;
  }
  nodeObject(node: number): number {
    return this.nodeObj[node]!;
  }
  nodeRelation(node: number): number {
    return this.nodeRel[node]!;
  }

  /** Approximate bytes held by the typed arrays (the Maps and strings are measured by the bench). */
  arrayBytes(): number {
    return (
      this.nodeObj.byteLength * 7 +
      this.objFirstNode.byteLength +
      this.nodeSlots.byteLength +
      this.eRes.byteLength * 6 +
      this.eFlags.byteLength +
      this.edgeSlots.byteLength
    );
  }

  // ───────────────────────────── internals ─────────────────────────────

  private stateOf(e: number): EdgeState {
    if ((this.eFlags[e]! & HAS_TRAITS) === 0) return EDGE_PRESENT;
    return this.traits.has(e) ? EDGE_CAVEATED : EDGE_PRESENT;
  }

  private *forwardOfObject(
    o: number,
    filter: RelationshipFilter,
    matches: (e: number) => boolean,
  ): IterableIterator<Tuple> {
    const rel = filter.relation === undefined ? -1 : this.interner.relationId(filter.relation);
    if (filter.relation !== undefined && rel < 0) return;
    for (let n = this.objFirstNode[o] ?? 0; n !== 0; n = this.nodeNextInObj[n - 1]!) {
      if (rel >= 0 && this.nodeRel[n - 1] !== rel) continue;
      for (const heads of [this.headDirect, this.headUserset])
        for (let e = heads[n - 1]!; e !== 0; e = this.eFwdNext[e - 1]!)
          if (matches(e - 1)) yield this.edgeTuple(e - 1);
    }
  }

  private edgeMatches(e: number, f: RelationshipFilter): boolean {
    const i = this.interner;
    const rn = this.eRes[e]!;
    const sn = this.eSub[e]!;
    const ro = this.nodeObj[rn]!;
    const so = this.nodeObj[sn]!;
    if (f.resourceType !== undefined && i.typeOf(ro) !== f.resourceType) return false;
    if (f.resourceId !== undefined && i.nameOf(ro) !== f.resourceId) return false;
    if (f.resourceIdPrefix !== undefined && !i.nameOf(ro).startsWith(f.resourceIdPrefix)) return false;
    if (f.relation !== undefined && i.relations[this.nodeRel[rn]!] !== f.relation) return false;
    if (f.subjectType !== undefined && i.typeOf(so) !== f.subjectType) return false;
    if (f.subjectId !== undefined && i.nameOf(so) !== f.subjectId) return false;
    if (
      f.subjectRelation !== undefined &&
      i.relations[this.nodeRel[sn]!] !== (f.subjectRelation === "..." ? "" : f.subjectRelation)
    )
      return false;
    return true;
  }

  private edgeTuple(e: number): Tuple {
    const i = this.interner;
    const rn = this.eRes[e]!;
    const sn = this.eSub[e]!;
    const ro = this.nodeObj[rn]!;
    const so = this.nodeObj[sn]!;
    const base: Tuple = {
      resourceType: i.typeOf(ro),
      resourceId: i.nameOf(ro),
      relation: i.relations[this.nodeRel[rn]!]!,
      subjectType: i.typeOf(so),
      subjectId: i.nameOf(so),
      subjectRelation: i.relations[this.nodeRel[sn]!]!,
    };
    if ((this.eFlags[e]! & HAS_TRAITS) === 0) return base;
    const tr = this.traits.get(e);
    if (tr === undefined) return base;
    return {
      ...base,
      ...(tr.caveat !== undefined ? { caveat: tr.caveat } : {}),
      ...(tr.expiration !== undefined ? { expiration: tr.expiration } : {}),
    };
  }

  private setTraits(e: number, t: Tuple): void {
    if (t.caveat === undefined && t.expiration === undefined) {
      if ((this.eFlags[e]! & HAS_TRAITS) !== 0) {
        this.traits.delete(e);
        this.eFlags[e] = this.eFlags[e]! & ~HAS_TRAITS;
      }
      return;
    }
    this.traits.set(e, this.internTraits(t));
    this.eFlags[e] = this.eFlags[e]! | HAS_TRAITS;
  }

  /**
   * The traits object of a tuple's caveat and expiration: one object for equal ones (up to
   * MAX_INTERNED_TRAITS), so a million tuples under one caveat and context hold one, and the
   * evaluator recognises an edge it has just resolved by identity.
   */
  private internTraits(t: Tuple): TupleTraits {
    const caveatKey = t.caveat !== undefined ? caveatKeyOf(t.caveat) : undefined;
    const key = `${caveatKey ?? ""}\u0002${t.expiration ?? ""}`;
    const known = this.internedTraits.get(key);
    if (known !== undefined) return known;
    const expiresAt = t.expiration === undefined ? undefined : Date.parse(t.expiration);
    const traits: TupleTraits = {
      ...(t.caveat !== undefined ? { caveat: t.caveat } : {}),
      ...(t.expiration !== undefined ? { expiration: t.expiration } : {}),
      ...(expiresAt !== undefined && !Number.isNaN(expiresAt) ? { expiresAt } : {}),
      ...(caveatKey !== undefined ? { caveatKey } : {}),
    };
    if (this.internedTraits.size < MAX_INTERNED_TRAITS) this.internedTraits.set(key, traits);
    return traits;
  }

  /** Edge of a tuple without interning anything; -1 when absent. */
  private edgeOf(t: Tuple): number {
    const i = this.interner;
    const rn = this.node(i.lookupObject(t.resourceType, t.resourceId), i.relationId(t.relation));
    if (rn < 0) return -1;
    const sn = this.node(i.lookupObject(t.subjectType, t.subjectId), i.relationId(t.subjectRelation));
    if (sn < 0) return -1;
    return this.findEdge(rn, sn);
  }

  private internNode(object: number, relation: number): number {
    const slots = this.nodeSlots;
    const mask = slots.length - 1;
    let s = hashPair(object, relation) & mask;
    for (; ; s = (s + 1) & mask) {
      const n = slots[s]!;
      if (n === 0) break;
      if (this.nodeObj[n - 1] === object && this.nodeRel[n - 1] === relation) return n - 1;
    }
    const node = this.nodeCount++;
    if (node >= this.nodeObj.length) {
      const min = node + 1;
      this.nodeObj = grown(this.nodeObj, min);
      this.nodeRel = grown(this.nodeRel, min);
      this.headDirect = grown(this.headDirect, min);
      this.headUserset = grown(this.headUserset, min);
      this.headReverse = grown(this.headReverse, min);
      this.nodeNextInObj = grown(this.nodeNextInObj, min);
    }
    this.nodeObj[node] = object;
    this.nodeRel[node] = relation;
    if (object >= this.objFirstNode.length) this.objFirstNode = grown(this.objFirstNode, object + 1);
    this.nodeNextInObj[node] = this.objFirstNode[object]!;
    this.objFirstNode[object] = node + 1;
    slots[s] = node + 1;
    if (this.nodeCount * 2 > slots.length) this.rehashNodes();
    return node;
  }

  private rehashNodes(): void {
    const slots = new Int32Array(this.nodeSlots.length * 2);
    const mask = slots.length - 1;
    for (let n = 0; n < this.nodeCount; n++) {
      let s = hashPair(this.nodeObj[n]!, this.nodeRel[n]!) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = n + 1;
    }
    this.nodeSlots = slots;
  }

  private findEdge(rn: number, sn: number): number {
    const slots = this.edgeSlots;
    const mask = slots.length - 1;
    for (let s = hashPair(rn, sn) & mask; ; s = (s + 1) & mask) {
      const v = slots[s]!;
      if (v === 0) return -1;
      if (v !== TOMBSTONE && this.eRes[v - 1] === rn && this.eSub[v - 1] === sn) return v - 1;
    }
  }

  private insertEdgeSlot(e: number): void {
    const slots = this.edgeSlots;
    const mask = slots.length - 1;
    let s = hashPair(this.eRes[e]!, this.eSub[e]!) & mask;
    // Reuse a tombstone on the probe path if there is one.
    while (slots[s] !== 0 && slots[s] !== TOMBSTONE) s = (s + 1) & mask;
    if (slots[s] === 0) this.edgeSlotsUsed++;
    slots[s] = e + 1;
  }

  private removeEdgeSlot(e: number): void {
    const slots = this.edgeSlots;
    const mask = slots.length - 1;
    for (let s = hashPair(this.eRes[e]!, this.eSub[e]!) & mask; ; s = (s + 1) & mask) {
      const v = slots[s]!;
      invariant(v !== 0, "edge missing from its hash table");
      if (v === e + 1) {
        slots[s] = TOMBSTONE;
        return;
      }
    }
  }

  /** Rebuilds the edge hash for `live` entries (drops tombstones; grows when needed). */
  private rehashEdges(live: number): void {
    let cap = 64;
    while (live * 10 > cap * 5) cap *= 2;
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    for (let e = 0; e < this.edgeHigh; e++) {
      if ((this.eFlags[e]! & LIVE) === 0) continue;
      let s = hashPair(this.eRes[e]!, this.eSub[e]!) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    this.edgeSlots = slots;
    this.edgeSlotsUsed = this.liveCount;
  }

  private allocEdge(): number {
    if (this.freeHead !== 0) {
      const e = this.freeHead - 1;
      this.freeHead = this.eFwdNext[e]!;
      return e;
    }
    const e = this.edgeHigh++;
    if (e >= this.eRes.length) {
      const min = e + 1;
      this.eRes = grown(this.eRes, min);
      this.eSub = grown(this.eSub, min);
      this.eFwdNext = grown(this.eFwdNext, min);
      this.eFwdPrev = grown(this.eFwdPrev, min);
      this.eRevNext = grown(this.eRevNext, min);
      this.eRevPrev = grown(this.eRevPrev, min);
      const flags = new Uint8Array(this.eRes.length);
      flags.set(this.eFlags);
      this.eFlags = flags;
    }
    return e;
  }
}
