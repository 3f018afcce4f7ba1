/**
 * Interning of the strings a tuple is made of: object types, relation names and objects
 * (type + id) become small integers, so the index stores ints in typed arrays instead of strings
 * in objects (see tupleIndex.ts for why that matters: ≤ 200 bytes of heap per tuple).
 *
 * Append-only: an id, once given, never changes meaning. That is what lets clones of a
 * TupleIndex share one interner (a clone that interns a new object makes it visible to the other,
 * which only costs a few bytes and never changes an answer).
 */

/** Relation id 0 is the empty relation: a direct subject (`user:alice`, `group:eng#...`). */
export const DIRECT = 0;

/** FNV-1a over UTF-16 code units, mixed with the type id. */
function hashName(type: number, id: string): number {
  let h = 0x811c9dc5 ^ Math.imul(type, 0x9e3779b1);
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return h;
}

function growInt32(a: Int32Array, min: number): Int32Array {
  let n = Math.max(1024, a.length);
  while (n < min) n += n >> 1;
  if (n === a.length) return a;
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

export class Interner {
  readonly types: string[] = [];
  private readonly typeIds = new Map<string, number>();
  readonly relations: string[] = [""];
  private readonly relationIds = new Map<string, number>([["", DIRECT]]);
  /**
   * (type, id text) → object handle: open addressing over handles (+1; 0 = empty). A Map per type
   * cost ~50 bytes per object; this costs ~10 (the id text itself is kept once, in objectName).
   */
  private slots = new Int32Array(1 << 12);
  /** Object handle → type id. */
  objectType: Int32Array = new Int32Array(1024);
  /** Object handle → id text. */
  readonly objectName: string[] = [];
  /** Per type: its object handles (for type-level reads), chained through `nextOfType`. */
  private firstOfType: number[] = [];
  private nextOfType: Int32Array = new Int32Array(1024);

  get objectCount(): number {
    return this.objectName.length;
  }

  internType(name: string): number {
    let id = this.typeIds.get(name);
    if (id === undefined) {
      id = this.types.length;
      this.types.push(name);
      this.typeIds.set(name, id);
      this.firstOfType.push(0);
    }
    return id;
  }

  /** -1 when the type was never interned. */
  typeId(name: string): number {
    return this.typeIds.get(name) ?? -1;
  }

  internRelation(name: string): number {
    let id = this.relationIds.get(name);
    if (id === undefined) {
      id = this.relations.length;
      this.relations.push(name);
      this.relationIds.set(name, id);
    }
    return id;
  }

  /** -1 when the relation name was never interned. `...` is the direct relation. */
  relationId(name: string): number {
    if (name === "...") return DIRECT;
    return this.relationIds.get(name) ?? -1;
  }

  internObject(type: string, id: string): number {
    const t = this.internType(type);
    const mask = this.slots.length - 1;
    let s = hashName(t, id) & mask;
    for (; ; s = (s + 1) & mask) {
      const h = this.slots[s]!;
      if (h === 0) break;
      if (this.objectType[h - 1] === t && this.objectName[h - 1] === id) return h - 1;
    }
    const handle = this.objectName.length;
    if (handle >= this.objectType.length) {
      this.objectType = growInt32(this.objectType, handle + 1);
      this.nextOfType = growInt32(this.nextOfType, handle + 1);
    }
    this.objectType[handle] = t;
    this.objectName.push(id);
    this.nextOfType[handle] = this.firstOfType[t]!;
    this.firstOfType[t] = handle + 1;
    this.slots[s] = handle + 1;
    if (this.objectName.length * 2 > this.slots.length) this.rehash();
    return handle;
  }

  /** -1 when no tuple ever named the object. */
  lookupObject(type: string, id: string): number {
    const t = this.typeIds.get(type);
    if (t === undefined) return -1;
    const mask = this.slots.length - 1;
    for (let s = hashName(t, id) & mask; ; s = (s + 1) & mask) {
      const h = this.slots[s]!;
      if (h === 0) return -1;
      if (this.objectType[h - 1] === t && this.objectName[h - 1] === id) return h - 1;
    }
  }

  /** Every object handle of a type (for type-level reads). */
  *objectsOfType(type: string): IterableIterator<number> {
    const t = this.typeIds.get(type);
    if (t === undefined) return;
    for (let h = this.firstOfType[t]!; h !== 0; h = this.nextOfType[h - 1]!) yield h - 1;
  }

  typeOf(object: number): string {
    return this.types[this.objectType[object]!]!;
  }

  nameOf(object: number): string {
    return this.objectName[object]!;
  }

  /** Trims the per-object arrays to the objects interned so far. */
  compact(): void {
    const n = this.objectName.length;
    this.objectType = this.objectType.slice(0, Math.max(n, 1));
    this.nextOfType = this.nextOfType.slice(0, Math.max(n, 1));
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let h = 0; h < this.objectName.length; h++) {
      let s = hashName(this.objectType[h]!, this.objectName[h]!) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = h + 1;
    }
    this.slots = slots;
  }
}
