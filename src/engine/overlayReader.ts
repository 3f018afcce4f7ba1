/**
 * Contextual tuples: a reader that sees a base reader plus up to 100 request-scoped tuples, as if
 * they were written, without storing them and without interning their names into the base (a
 * stream of requests with fresh ids must not grow the shared interner).
 *
 * Handle spaces: an object or relation the base knows keeps its base handle; one only the overlay
 * knows gets OFFSET + its handle in the overlay's own small index. Cursors: base cursors as they
 * are, overlay cursors + OFFSET. A walk visits the overlay's list first, then continues into the
 * base list of the same (object, relation); a tuple present in both is visited twice, which
 * changes no answer.
 */
import type { ObjectRef } from "../model/tuple.ts";
import { reachable, type ReachResult } from "./reader.ts";
import { ErrorCode, RelgraphError } from "../errors.ts";
import type { Tuple } from "../model/tuple.ts";
import { DIRECT, Interner } from "../model/interner.ts";
import { EDGE_ABSENT, EDGE_PRESENT, TupleIndex } from "../model/tupleIndex.ts";
import type { EdgeState, TupleTraits } from "../model/tupleIndex.ts";
import type { TupleReader } from "./reader.ts";

const OFFSET = 1 << 30;
export const MAX_CONTEXTUAL_TUPLES = 100;

export class OverlayReader implements TupleReader {
  private readonly local = new TupleIndex(new Interner());
  /** Local object handle → composite handle. */
  private readonly objOut: number[] = [];
  /** Base object handle → local handle, for base objects the overlay also names. */
  private readonly objIn = new Map<number, number>();
  private readonly relOut: number[] = [];
  private readonly relIn = new Map<number, number>();

  constructor(
    private readonly base: TupleReader,
    tuples: readonly Tuple[],
  ) {
    if (tuples.length > MAX_CONTEXTUAL_TUPLES)
      throw new RelgraphError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `contextualTuples: at most ${MAX_CONTEXTUAL_TUPLES} contextual tuples, got ${tuples.length}`,
        { field: "contextualTuples", limit: MAX_CONTEXTUAL_TUPLES, actual: tuples.length },
      );
    for (const t of tuples) this.local.add(t);
    const li = this.local.interner;
    for (let l = 0; l < li.objectCount; l++) {
      const b = base.lookupObject(li.typeOf(l), li.nameOf(l));
      this.objOut.push(b >= 0 ? b : OFFSET + l);
      if (b >= 0) this.objIn.set(b, l);
    }
    for (let l = 0; l < li.relations.length; l++) {
      const b = base.lookupRelation(li.relations[l]!);
      this.relOut.push(b >= 0 ? b : OFFSET + l);
      if (b >= 0) this.relIn.set(b, l);
    }
  }

  private inObj(h: number): number {
    if (h < 0) return -1;
    return h >= OFFSET ? h - OFFSET : (this.objIn.get(h) ?? -1);
  }
  private inRel(h: number): number {
    if (h < 0) return -1;
    return h >= OFFSET ? h - OFFSET : (this.relIn.get(h) ?? -1);
  }
  private baseObj(h: number): number {
    return h >= OFFSET ? -1 : h;
  }

  lookupObject(type: string, id: string): number {
    const b = this.base.lookupObject(type, id);
    if (b >= 0) return b;
    const l = this.local.interner.lookupObject(type, id);
    return l >= 0 ? OFFSET + l : -1;
  }
  lookupRelation(name: string): number {
    const b = this.base.lookupRelation(name);
    if (b >= 0) return b;
    const l = this.local.interner.relationId(name);
    return l >= 0 ? OFFSET + l : -1;
  }
  objectType(object: number): string {
    return object >= OFFSET ? this.local.interner.typeOf(object - OFFSET) : this.base.objectType(object);
  }
  objectName(object: number): string {
    return object >= OFFSET ? this.local.interner.nameOf(object - OFFSET) : this.base.objectName(object);
  }
  relationName(relation: number): string {
    return relation >= OFFSET
      ? (this.local.interner.relations[relation - OFFSET] ?? "")
      : this.base.relationName(relation);
  }

  tupleState(object: number, relation: number, subject: number, subjectRelation: number): EdgeState {
    const l = this.local;
    const ls = l.edgeState(
      l.node(this.inObj(object), this.inRel(relation)),
      l.node(this.inObj(subject), this.inRel(subjectRelation)),
    );
    if (ls === EDGE_PRESENT) return ls;
    const bs = this.base.tupleState(
      this.baseObj(object),
      this.baseObj(relation),
      this.baseObj(subject),
      this.baseObj(subjectRelation),
    );
    // Unconditional beats caveated beats absent.
    return bs === EDGE_PRESENT ? bs : ls !== EDGE_ABSENT ? ls : bs;
  }

  firstDirect(object: number, relation: number): number {
    const c = this.local.firstDirect(this.local.node(this.inObj(object), this.inRel(relation)));
    return c !== 0 ? OFFSET + c : this.base.firstDirect(this.baseObj(object), this.baseObj(relation));
  }
  firstUserset(object: number, relation: number): number {
    const c = this.local.firstUserset(this.local.node(this.inObj(object), this.inRel(relation)));
    return c !== 0 ? OFFSET + c : this.base.firstUserset(this.baseObj(object), this.baseObj(relation));
  }
  nextForward(cursor: number): number {
    if (cursor < OFFSET) return this.base.nextForward(cursor);
    const c = cursor - OFFSET;
    const n = this.local.nextForward(c);
    if (n !== 0) return OFFSET + n;
    // End of the overlay's list: continue with the base list of the same (object, relation).
    const o = this.objOut[this.local.cursorResourceObject(c)]!;
    const r = this.relOut[this.local.cursorResourceRelation(c)]!;
    if (o >= OFFSET || r >= OFFSET) return 0;
    return this.local.cursorSubjectRelation(c) === DIRECT
      ? this.base.firstDirect(o, r)
      : this.base.firstUserset(o, r);
  }
  cursorSubject(cursor: number): number {
    return cursor < OFFSET
      ? this.base.cursorSubject(cursor)
      : this.objOut[this.local.cursorSubjectObject(cursor - OFFSET)]!;
  }
  cursorSubjectRelation(cursor: number): number {
    return cursor < OFFSET
      ? this.base.cursorSubjectRelation(cursor)
      : this.relOut[this.local.cursorSubjectRelation(cursor - OFFSET)]!;
  }
  cursorState(cursor: number): EdgeState {
    return cursor < OFFSET ? this.base.cursorState(cursor) : this.local.cursorState(cursor - OFFSET);
  }
  tupleTraits(
    object: number,
    relation: number,
    subject: number,
    subjectRelation: number,
  ): TupleTraits | undefined {
    // The side tupleState answered from: a contextual tuple first, then the stored one.
    const l = this.local;
    const local = l.edgeTraits(
      l.node(this.inObj(object), this.inRel(relation)),
      l.node(this.inObj(subject), this.inRel(subjectRelation)),
    );
    return (
      local ??
      this.base.tupleTraits(
        this.baseObj(object),
        this.baseObj(relation),
        this.baseObj(subject),
        this.baseObj(subjectRelation),
      )
    );
  }
  cursorTraits(cursor: number): TupleTraits | undefined {
    return cursor < OFFSET ? this.base.cursorTraits(cursor) : this.local.cursorTraits(cursor - OFFSET);
  }
  firstReverse(subject: number, subjectRelation: number): number {
    const c = this.local.firstReverse(this.local.node(this.inObj(subject), this.inRel(subjectRelation)));
    return c !== 0
      ? OFFSET + c
      : this.base.firstReverse(this.baseObj(subject), this.baseObj(subjectRelation));
  }
  nextReverse(cursor: number): number {
    if (cursor < OFFSET) return this.base.nextReverse(cursor);
    const c = cursor - OFFSET;
    const n = this.local.nextReverse(c);
    if (n !== 0) return OFFSET + n;
    const s = this.objOut[this.local.cursorSubjectObject(c)]!;
    const sr = this.relOut[this.local.cursorSubjectRelation(c)]!;
    if (s >= OFFSET || sr >= OFFSET) return 0;
    return this.base.firstReverse(s, sr);
  }
  cursorResource(cursor: number): number {
    return cursor < OFFSET
      ? this.base.cursorResource(cursor)
      : this.objOut[this.local.cursorResourceObject(cursor - OFFSET)]!;
  }
  cursorResourceRelation(cursor: number): number {
    return cursor < OFFSET
      ? this.base.cursorResourceRelation(cursor)
      : this.relOut[this.local.cursorResourceRelation(cursor - OFFSET)]!;
  }

  reachable(start: ObjectRef, relations: readonly string[], target: ObjectRef): ReachResult {
    return reachable(this, start, relations, target);
  }
}
