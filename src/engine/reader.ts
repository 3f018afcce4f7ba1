/**
 * TupleReader: everything the evaluator needs from stored tuples, and nothing more.
 *
 * Handles, not strings: objects and relations are small integers the reader hands out
 * (`lookupObject`, `lookupRelation`; -1 = "no tuple names it", which every method accepts and
 * answers with "nothing"). The evaluator never builds a string on its hot path.
 *
 * Worked example. With tuples
 *   document:readme#viewer@user:alice, document:readme#viewer@group:eng#member, document:readme#viewer@user:*
 * and o = lookupObject("document","readme"), v = lookupRelation("viewer"):
 *   tupleState(o, v, lookupObject("user","alice"), DIRECT)  → EDGE_PRESENT   (direct grant, O(1))
 *   tupleState(o, v, lookupObject("user","*"), DIRECT)      → EDGE_PRESENT   (wildcard grant, O(1))
 *   firstUserset(o, v) → cursor c; cursorSubject(c) = group:eng, cursorSubjectRelation(c) = member;
 *   nextForward(c) → 0 (end)
 *   firstDirect(o, v) walks user:alice and user:* (an arrow walks both lists)
 *   firstReverse(lookupObject("group","eng"), lookupRelation("member")) → the readme#viewer tuple
 *
 * Cursors are opaque positive ints; 0 ends a walk. Everything is synchronous: the in-memory
 * projection answers in nanoseconds. A remote implementation (the Cypher reader of a later issue)
 * prefetches what a check will touch in batches (`subjects of many (object, relation)` is one
 * query) and serves these calls from that prefetch; see README.md.
 */
import {
  EDGE_ABSENT,
  EDGE_CAVEATED,
  type EdgeState,
  type TupleIndex,
  type TupleTraits,
} from "../model/tupleIndex.ts";
import { DIRECT } from "../model/interner.ts";
import type { ObjectRef, SubjectRef } from "../model/tuple.ts";

export { DIRECT };
export type { EdgeState, TupleTraits };

export interface TupleReader {
  lookupObject(type: string, id: string): number;
  lookupRelation(name: string): number;
  objectType(object: number): string;
  objectName(object: number): string;
  relationName(relation: number): string;

  /** State of the tuple `object#relation@subject#subjectRelation` (wildcards: subject = `type:*`). */
  tupleState(object: number, relation: number, subject: number, subjectRelation: number): EdgeState;

  /** Direct subjects (objects and wildcards) of object#relation. */
  firstDirect(object: number, relation: number): number;
  /** Userset subjects (`group:eng#member`) of object#relation. */
  firstUserset(object: number, relation: number): number;
  nextForward(cursor: number): number;
  cursorSubject(cursor: number): number;
  cursorSubjectRelation(cursor: number): number;
  cursorState(cursor: number): EdgeState;
  /** Caveat and expiration of a tuple whose state is EDGE_CAVEATED (undefined otherwise). */
  tupleTraits(
    object: number,
    relation: number,
    subject: number,
    subjectRelation: number,
  ): TupleTraits | undefined;
  cursorTraits(cursor: number): TupleTraits | undefined;

  /** Tuples naming subject#subjectRelation as their subject (for lookups). */
  firstReverse(subject: number, subjectRelation: number): number;

  /**
   * Is there a chain of tuples from `start` to `target` whose relations are all in `relations`
   * (the path spec)? Breadth-first, each object once; `hops` is the length of a shortest chain.
   * In memory this is reachable.ts; the Cypher counterpart is CypherReader.reachable (`SHORTEST 1`).
   */
  reachable(start: ObjectRef, relations: readonly string[], target: ObjectRef): ReachResult;
  nextReverse(cursor: number): number;
  cursorResource(cursor: number): number;
  cursorResourceRelation(cursor: number): number;
}

/** The TupleReader over a TupleIndex (the projection and the memory store). */
export class IndexReader implements TupleReader {
  // The evaluator asks about the same (object, relation) and the same subject several times in a
  // row; nodes never disappear, so a found node can be remembered (a missing one cannot).
  private lastObj = -1;
  private lastRel = -1;
  private lastNode = -1;
  private lastSubj = -1;
  private lastSubjRel = -1;
  private lastSubjNode = -1;
  private generation = 0;

  constructor(readonly index: TupleIndex) {}

  private forgetIfCleared(): void {
    if (this.generation !== this.index.generation) {
      this.generation = this.index.generation;
      this.lastObj = this.lastRel = this.lastSubj = this.lastSubjRel = -1;
    }
  }

  private node(object: number, relation: number): number {
    this.forgetIfCleared();
    if (object === this.lastObj && relation === this.lastRel) return this.lastNode;
    const n = this.index.node(object, relation);
    if (n >= 0) {
      this.lastObj = object;
      this.lastRel = relation;
      this.lastNode = n;
    }
    return n;
  }

  private subjectNode(object: number, relation: number): number {
    this.forgetIfCleared();
    if (object === this.lastSubj && relation === this.lastSubjRel) return this.lastSubjNode;
    const n = this.index.node(object, relation);
    if (n >= 0) {
      this.lastSubj = object;
      this.lastSubjRel = relation;
      this.lastSubjNode = n;
    }
    return n;
  }

  lookupObject(type: string, id: string): number {
    return this.index.interner.lookupObject(type, id);
  }
  lookupRelation(name: string): number {
    return this.index.interner.relationId(name);
  }
  objectType(object: number): string {
    return this.index.interner.typeOf(object);
  }
  objectName(object: number): string {
    return this.index.interner.nameOf(object);
  }
  relationName(relation: number): string {
    return this.index.interner.relations[relation] ?? "";
  }
  tupleState(object: number, relation: number, subject: number, subjectRelation: number): EdgeState {
    return this.index.edgeState(this.node(object, relation), this.subjectNode(subject, subjectRelation));
  }
  firstDirect(object: number, relation: number): number {
    return this.index.firstDirect(this.node(object, relation));
  }
  firstUserset(object: number, relation: number): number {
    return this.index.firstUserset(this.node(object, relation));
  }
  nextForward(cursor: number): number {
    return this.index.nextForward(cursor);
  }
  cursorSubject(cursor: number): number {
    return this.index.cursorSubjectObject(cursor);
  }
  cursorSubjectRelation(cursor: number): number {
    return this.index.cursorSubjectRelation(cursor);
  }
  cursorState(cursor: number): EdgeState {
    return this.index.cursorState(cursor);
  }
  tupleTraits(
    object: number,
    relation: number,
    subject: number,
    subjectRelation: number,
  ): TupleTraits | undefined {
    return this.index.edgeTraits(this.node(object, relation), this.subjectNode(subject, subjectRelation));
  }
  cursorTraits(cursor: number): TupleTraits | undefined {
    return this.index.cursorTraits(cursor);
  }
  firstReverse(subject: number, subjectRelation: number): number {
    return this.index.firstReverse(this.subjectNode(subject, subjectRelation));
  }
  nextReverse(cursor: number): number {
    return this.index.nextReverse(cursor);
  }
  cursorResource(cursor: number): number {
    return this.index.cursorResourceObject(cursor);
  }
  cursorResourceRelation(cursor: number): number {
    return this.index.cursorResourceRelation(cursor);
  }

  reachable(start: ObjectRef, relations: readonly string[], target: ObjectRef): ReachResult {
    return reachable(this, start, relations, target);
  }
}

/** A TupleReader passing every call to `base`: a decorator overrides what it changes (ConditionReader). */
export class ForwardingReader implements TupleReader {
  constructor(readonly base: TupleReader) {}

  lookupObject(type: string, id: string): number {
    return this.base.lookupObject(type, id);
  }
  lookupRelation(name: string): number {
    return this.base.lookupRelation(name);
  }
  objectType(object: number): string {
    return this.base.objectType(object);
  }
  objectName(object: number): string {
    return this.base.objectName(object);
  }
  relationName(relation: number): string {
    return this.base.relationName(relation);
  }
  tupleState(object: number, relation: number, subject: number, subjectRelation: number): EdgeState {
    return this.base.tupleState(object, relation, subject, subjectRelation);
  }
  firstDirect(object: number, relation: number): number {
    return this.base.firstDirect(object, relation);
  }
  firstUserset(object: number, relation: number): number {
    return this.base.firstUserset(object, relation);
  }
  nextForward(cursor: number): number {
    return this.base.nextForward(cursor);
  }
  cursorSubject(cursor: number): number {
    return this.base.cursorSubject(cursor);
  }
  cursorSubjectRelation(cursor: number): number {
    return this.base.cursorSubjectRelation(cursor);
  }
  cursorState(cursor: number): EdgeState {
    return this.base.cursorState(cursor);
  }
  tupleTraits(
    object: number,
    relation: number,
    subject: number,
    subjectRelation: number,
  ): TupleTraits | undefined {
    return this.base.tupleTraits(object, relation, subject, subjectRelation);
  }
  cursorTraits(cursor: number): TupleTraits | undefined {
    return this.base.cursorTraits(cursor);
  }
  firstReverse(subject: number, subjectRelation: number): number {
    return this.base.firstReverse(subject, subjectRelation);
  }
  nextReverse(cursor: number): number {
    return this.base.nextReverse(cursor);
  }
  cursorResource(cursor: number): number {
    return this.base.cursorResource(cursor);
  }
  cursorResourceRelation(cursor: number): number {
    return this.base.cursorResourceRelation(cursor);
  }
  reachable(start: ObjectRef, relations: readonly string[], target: ObjectRef): ReachResult {
    return this.base.reachable(start, relations, target);
  }
}

/**
 * The subjects written on type:id#relation that hold (present or caveated): direct subjects first,
 * then usersets, as the Evaluator walks them; `usersetsOnly` skips the direct ones. For the
 * walkers that report subjects (expand, explain, the subject enumerator).
 */
export function* writtenSubjects(
  r: TupleReader,
  type: string,
  id: string,
  relation: string,
  usersetsOnly = false,
): IterableIterator<{ subject: SubjectRef; caveated: boolean; traits: TupleTraits | undefined }> {
  const o = r.lookupObject(type, id);
  const rel = r.lookupRelation(relation);
  if (o < 0 || rel < 0) return;
  const firsts = usersetsOnly ? [r.firstUserset(o, rel)] : [r.firstDirect(o, rel), r.firstUserset(o, rel)];
  for (const first of firsts)
    for (let c = first; c !== 0; c = r.nextForward(c)) {
      const st = r.cursorState(c);
      if (st === EDGE_ABSENT) continue;
      const so = r.cursorSubject(c);
      const subject: SubjectRef = {
        type: r.objectType(so),
        id: r.objectName(so),
        relation: r.relationName(r.cursorSubjectRelation(c)),
      };
      yield { subject, caveated: st === EDGE_CAVEATED, traits: r.cursorTraits(c) };
    }
}

/** A subject's key among a member's allowed subject types: `user`, `user:*` or `group#member`. */
export function allowedKey(type: string, wildcard: boolean, relation: string): string {
  return wildcard ? `${type}:*` : relation === "" ? type : `${type}#${relation}`;
}

export function allowedKeyOf(s: SubjectRef): string {
  return allowedKey(s.type, s.id === "*", s.relation);
}

/**
 * `reachable(start, pathSpec, target)` over any TupleReader (the in-memory projection): is there a
 * chain of tuples from `start` to `target` whose relations are all in the path spec? Breadth-first,
 * each object once (a 20×4 diamond is ~80 visits, never its 4^20 paths), following direct and
 * userset subjects alike. The Cypher counterpart is CypherReader.reachable (cypher/reach-path.cypher,
 * `SHORTEST 1`); both answer `hops`, the length of a shortest such chain.
 */
export interface ReachResult {
  readonly reachable: boolean;
  readonly hops: number;
}

export function reachable(
  reader: TupleReader,
  start: ObjectRef,
  relations: readonly string[],
  target: ObjectRef,
): ReachResult {
  const from = reader.lookupObject(start.type, start.id);
  const to = reader.lookupObject(target.type, target.id);
  const rels = relations.map((r) => reader.lookupRelation(r)).filter((r) => r >= 0);
  if (from < 0 || to < 0 || rels.length === 0) return { reachable: false, hops: 0 };
  const seen = new Set<number>([from]);
  let frontier = [from];
  for (let hops = 1; frontier.length > 0; hops++) {
    const next: number[] = [];
    for (const o of frontier)
      for (const rel of rels)
        for (const first of [reader.firstDirect(o, rel), reader.firstUserset(o, rel)])
          for (let c = first; c !== 0; c = reader.nextForward(c)) {
            const s = reader.cursorSubject(c);
            if (s === to) return { reachable: true, hops };
            if (!seen.has(s)) {
              seen.add(s);
              next.push(s);
            }
          }
    frontier = next;
  }
  return { reachable: false, hops: 0 };
}
