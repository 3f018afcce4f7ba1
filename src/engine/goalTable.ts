/**
 * The per-check goal table: (object, member) → packed memo entry, in typed arrays with open
 * addressing. Replaces a Map<number, number> on the hottest path of the evaluator (every goal is
 * looked up once and written two or three times): no boxed keys, no allocation, and "clear" is a
 * generation bump instead of a walk.
 */
function hash(a: number, b: number): number {
  let h = Math.imul(a ^ 0x27d4eb2d, 0x9e3779b1) ^ Math.imul(b + 0x165667b1, 0x85ebca77);
  h ^= h >>> 15;
  return h;
}

const ABSENT = -1;

export class GoalTable {
  private stamp = new Int32Array(1024);
  private objs = new Int32Array(1024);
  private members = new Int32Array(1024);
  private values = new Int32Array(1024);
  private generation = 1;
  private count = 0;

  /** Forgets everything (O(1)). */
  reset(): void {
    this.generation++;
    this.count = 0;
    if (this.generation === 0x7fffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
  }

  /** The entry, or -1 (entries are non-negative). */
  get(obj: number, member: number): number {
    const mask = this.stamp.length - 1;
    const g = this.generation;
    for (let s = hash(obj, member) & mask; ; s = (s + 1) & mask) {
      if (this.stamp[s] !== g) return ABSENT;
      if (this.objs[s] === obj && this.members[s] === member) return this.values[s]!;
    }
  }

  set(obj: number, member: number, value: number): void {
    const mask = this.stamp.length - 1;
    const g = this.generation;
    let s = hash(obj, member) & mask;
    for (; ; s = (s + 1) & mask) {
      if (this.stamp[s] !== g) break;
      if (this.objs[s] === obj && this.members[s] === member) {
        this.values[s] = value;
        return;
      }
    }
    this.stamp[s] = g;
    this.objs[s] = obj;
    this.members[s] = member;
    this.values[s] = value;
    if (++this.count * 2 > this.stamp.length) this.grow();
  }

  /** Marks an entry absent (the slot stays occupied so probe chains hold). */
  delete(obj: number, member: number): void {
    const mask = this.stamp.length - 1;
    const g = this.generation;
    for (let s = hash(obj, member) & mask; this.stamp[s] === g; s = (s + 1) & mask)
      if (this.objs[s] === obj && this.members[s] === member) {
        this.values[s] = ABSENT;
        return;
      }
  }

  private grow(): void {
    const { stamp, objs, members, values, generation } = this;
    const cap = stamp.length * 2;
    this.stamp = new Int32Array(cap);
    this.objs = new Int32Array(cap);
    this.members = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.generation = 1;
    this.count = 0;
    for (let s = 0; s < stamp.length; s++)
      if (stamp[s] === generation) this.set(objs[s]!, members[s]!, values[s]!);
  }
}
