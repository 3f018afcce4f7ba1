/**
 * The recursive subject enumerator: every subject of resource#permission found by expanding the
 * rewrite all the way to the leaves, as `zed validate`'s `validation:` blocks list them:
 *
 *   [user:tom] is <document:firstdoc#writer>
 *   [group:eng#member] is <document:firstdoc#viewer>
 *   [user:* - {user:banned}] is <document:public#viewer>
 *   [user:ann[...]] is <document:x#viewer>            (caveated)
 *
 * Each subject is justified by the `<resource#relation>` of the relationships that hold it (for a
 * member of a nested group that is the group's relation, not the document's), as SpiceDB's
 * developmentmembership package does. Userset subjects are listed and expanded. Wildcards carry
 * their exclusions; intersections and exclusions follow SpiceDB's subject-set algebra.
 * The expand and lookup operations reuse this.
 *
 * Sized for validation files and lookups of moderate sets (sets are Maps of strings). Deep
 * structures are fine: the recursion runs on `trampoline` (heap, not JS stack), bounded by
 * `maxDepth` (default 10,000, RESOURCE_EXHAUSTED beyond). Memory is the real bound: every
 * (object, relation) keeps its full subject set, so an n-deep chain holds O(n²) entries (fine at
 * 1,000, too much at 5,000).
 */
import { ErrorCode, RelgraphError, unreachable } from "../errors.ts";
import type { ObjectRef, SubjectRef } from "../model/tuple.ts";
import { formatSubjectRef } from "../model/tuple.ts";
import { allowedKeyOf, writtenSubjects, type TupleReader } from "./reader.ts";
import type { CompiledMember, CompiledRewrite, TypeSystem } from "../typesystem/typesystem.ts";
import { trampoline } from "./trampoline.ts";
import type { Step } from "./trampoline.ts";

export interface FoundSubject {
  readonly subject: SubjectRef;
  /** Subjects removed from a wildcard (`user:* - {user:x}`); empty otherwise. */
  readonly excluded: ReadonlyMap<string, SubjectRef>;
  /** Held only through a caveated relationship (printed with `[...]`). */
  readonly caveated: boolean;
  /** `resource#relation` of every relationship that holds the subject. */
  readonly justifications: ReadonlySet<string>;
}

interface Found {
  subject: SubjectRef;
  excluded: Map<string, SubjectRef>;
  caveated: boolean;
  why: Set<string>;
  /** Justifications of the excluded subjects (what removed them), by subject key. */
  exWhy?: Map<string, ReadonlySet<string>>;
}

type SubjectSet = Map<string, Found>;

export interface ExpandOptions {
  readonly maxDepth?: number;
}

const isWildcard = (s: SubjectRef): boolean => s.id === "*";

function clone(f: Found): Found {
  const c: Found = {
    subject: f.subject,
    excluded: new Map(f.excluded),
    caveated: f.caveated,
    why: new Set(f.why),
  };
  if (f.exWhy) c.exWhy = new Map(f.exWhy);
  return c;
}

/** Records that `key` (`subject`) is excluded from wildcard `f`, removed by relations `why`. */
function exclude1(f: Found, key: string, subject: SubjectRef, why: ReadonlySet<string>): void {
  f.excluded.set(key, subject);
  (f.exWhy ??= new Map()).set(key, why);
}

function add(set: SubjectSet, f: Found): void {
  const key = formatSubjectRef(f.subject);
  const have = set.get(key);
  if (have === undefined) {
    set.set(key, clone(f));
    return;
  }
  for (const w of f.why) have.why.add(w);
  have.caveated = have.caveated && f.caveated;
  if (isWildcard(have.subject))
    for (const k of [...have.excluded.keys()]) if (!f.excluded.has(k)) have.excluded.delete(k);
}

/** A ∪ B. A wildcard's exclusion disappears when the other side holds that subject. */
function union(a: SubjectSet, b: SubjectSet): SubjectSet {
  const out: SubjectSet = new Map();
  for (const f of a.values()) add(out, f);
  for (const f of b.values()) add(out, f);
  for (const f of out.values())
    if (isWildcard(f.subject))
      for (const k of [...f.excluded.keys()]) if (out.has(k) && !out.get(k)!.caveated) f.excluded.delete(k);
  return out;
}

/** The wildcard of `s`'s type in `set` that covers `s`, if any. */
function coveringWildcard(set: SubjectSet, s: SubjectRef): Found | undefined {
  if (s.relation !== "" || isWildcard(s)) return undefined;
  const w = set.get(`${s.type}:*`);
  return w !== undefined && !w.excluded.has(formatSubjectRef(s)) ? w : undefined;
}

function merged(x: Found, y: Found, subject: SubjectRef = x.subject): Found {
  return {
    subject,
    excluded: new Map(x.excluded),
    caveated: x.caveated || y.caveated,
    why: new Set([...x.why, ...y.why]),
  };
}

/** A ∩ B. */
function intersect(a: SubjectSet, b: SubjectSet): SubjectSet {
  const out: SubjectSet = new Map();
  for (const [key, f] of a) {
    if (isWildcard(f.subject)) {
      const w = b.get(key);
      if (w !== undefined) {
        const m = merged(f, w);
        if (f.exWhy) m.exWhy = new Map(f.exWhy);
        for (const [k, e] of w.excluded) exclude1(m, k, e, w.exWhy?.get(k) ?? w.why);
        add(out, m);
      }
      continue;
    }
    const same = b.get(key);
    if (same !== undefined) add(out, merged(f, same));
    else {
      // Admitted by a wildcard: as SpiceDB, only the concrete side's relations justify it.
      const w = coveringWildcard(b, f.subject);
      if (w !== undefined) add(out, { ...clone(f), caveated: f.caveated || w.caveated });
    }
  }
  // Concrete subjects of B admitted by a wildcard of A.
  for (const [key, f] of b) {
    if (isWildcard(f.subject) || a.has(key)) continue;
    const w = coveringWildcard(a, f.subject);
    if (w !== undefined) add(out, { ...clone(f), caveated: f.caveated || w.caveated });
  }
  return out;
}

/** A − B. A subtracted wildcard removes every subject of its type. */
function exclude(a: SubjectSet, b: SubjectSet): SubjectSet {
  const out: SubjectSet = new Map();
  for (const [key, f] of a) {
    if (isWildcard(f.subject)) {
      const w = b.get(key);
      if (w !== undefined) {
        // (T:* − E_a) − (T:* − E_b) = E_b − E_a, as concrete subjects, justified (as SpiceDB does)
        // by the relations that excluded them from the subtracted wildcard.
        for (const [k, e] of w.excluded)
          if (!f.excluded.has(k))
            add(out, {
              subject: e,
              excluded: new Map(),
              caveated: f.caveated,
              why: new Set(w.exWhy?.get(k) ?? f.why),
            });
        continue;
      }
      const g = clone(f);
      for (const [k, s] of b)
        if (s.subject.type === f.subject.type && s.subject.relation === "" && !s.caveated)
          exclude1(g, k, s.subject, s.why);
      add(out, g);
      continue;
    }
    const removed = b.get(key) ?? coveringWildcard(b, f.subject);
    if (removed === undefined) add(out, f);
    else if (removed.caveated) add(out, { ...clone(f), caveated: true });
  }
  return out;
}

class Expander {
  private readonly memo = new Map<string, SubjectSet>();
  private readonly inProgress = new Set<string>();
  /** A result read an in-progress goal: not memoised (it may be incomplete). */
  private touchedCycle = false;
  private depth = 0;

  constructor(
    private readonly schema: TypeSystem,
    private readonly reader: TupleReader,
    private readonly maxDepth: number,
  ) {}

  // Steps are generators run by `trampoline`: a sub-expansion is yielded, never called, so depth
  // costs heap, not JS stack frames.
  *expand(type: string, id: string, member: CompiledMember): Step<SubjectSet> {
    const key = `${type}:${id}#${member.name}`;
    const memo = this.memo.get(key);
    if (memo !== undefined) return memo;
    if (this.inProgress.has(key)) {
      this.touchedCycle = true;
      return new Map();
    }
    if (this.depth >= this.maxDepth)
      throw new RelgraphError(ErrorCode.RESOURCE_EXHAUSTED, "max depth exceeded", {
        reason: "max-depth-exceeded",
        maxDepth: this.maxDepth,
      });
    this.inProgress.add(key);
    this.depth++;
    const outer = this.touchedCycle;
    this.touchedCycle = false;
    try {
      const result = (yield this.node(member.rewrite, type, id, member)) as SubjectSet;
      if (!this.touchedCycle) this.memo.set(key, result);
      return result;
    } finally {
      this.touchedCycle = this.touchedCycle || outer;
      this.depth--;
      this.inProgress.delete(key);
    }
  }

  private *node(r: CompiledRewrite, type: string, id: string, member: CompiledMember): Step<SubjectSet> {
    switch (r.kind) {
      case "nil":
        return new Map();
      case "self": {
        const out: SubjectSet = new Map();
        add(out, {
          subject: { type, id, relation: "" },
          excluded: new Map(),
          caveated: false,
          why: new Set([`${type}:${id}#${member.name}`]),
        });
        return out;
      }
      case "computed":
        return r.member === undefined ? new Map() : ((yield this.expand(type, id, r.member)) as SubjectSet);
      case "this":
        return (yield this.direct(type, id, member)) as SubjectSet;
      case "arrow": {
        if (r.tupleset === undefined) return new Map();
        let acc: SubjectSet | undefined;
        for (const s of [...this.subjectsOf(type, id, r.tupleset)]) {
          if (s.subject.id === "*") continue;
          const target = this.schema.member(s.subject.type, r.computed);
          const sub =
            target === undefined
              ? new Map<string, Found>()
              : ((yield this.expand(s.subject.type, s.subject.id, target)) as SubjectSet);
          acc = acc === undefined ? sub : r.mode === "any" ? union(acc, sub) : intersect(acc, sub);
        }
        return acc ?? new Map();
      }
      case "union": {
        let acc: SubjectSet = new Map();
        for (const c of r.children) acc = union(acc, (yield this.node(c, type, id, member)) as SubjectSet);
        return acc;
      }
      case "intersection": {
        let acc: SubjectSet | undefined;
        for (const c of r.children) {
          const sub = (yield this.node(c, type, id, member)) as SubjectSet;
          acc = acc === undefined ? sub : intersect(acc, sub);
        }
        return acc ?? new Map();
      }
      case "exclusion": {
        const base = (yield this.node(r.base, type, id, member)) as SubjectSet;
        const subtract = (yield this.node(r.subtract, type, id, member)) as SubjectSet;
        return exclude(base, subtract);
      }
      default:
        return unreachable(r, "rewrite");
    }
  }

  /** Subjects written on type:id#member, each justified by it; usersets also expanded. */
  private *direct(type: string, id: string, member: CompiledMember): Step<SubjectSet> {
    let out: SubjectSet = new Map();
    const where = `${type}:${id}#${member.name}`;
    for (const s of [...this.subjectsOf(type, id, member)]) {
      const f: Found = {
        subject: s.subject,
        excluded: new Map(),
        caveated: s.caveated,
        why: new Set([where]),
      };
      add(out, f);
      if (s.subject.relation !== "") {
        const target = this.schema.member(s.subject.type, s.subject.relation);
        if (target !== undefined) {
          let sub = (yield this.expand(s.subject.type, s.subject.id, target)) as SubjectSet;
          if (s.caveated) sub = new Map([...sub].map(([k, v]) => [k, { ...clone(v), caveated: true }]));
          out = union(out, sub);
        }
      }
    }
    return out;
  }

  private *subjectsOf(
    type: string,
    id: string,
    member: CompiledMember,
  ): IterableIterator<{ subject: SubjectRef; caveated: boolean }> {
    for (const w of writtenSubjects(this.reader, type, id, member.name))
      if (this.schema.origin !== "openfga" || member.allowedKeys.has(allowedKeyOf(w.subject))) yield w;
  }
}

/** Every subject of resource#permission, sorted by its validation string. */
export function expandSubjects(
  schema: TypeSystem,
  reader: TupleReader,
  resource: ObjectRef,
  permission: string,
  options: ExpandOptions = {},
): FoundSubject[] {
  const member = schema.require(resource.type, permission);
  const set = trampoline(
    new Expander(schema, reader, options.maxDepth ?? 10_000).expand(resource.type, resource.id, member),
  );
  return [...set.values()]
    .map((f): FoundSubject => ({
      subject: f.subject,
      // OpenFGA-origin models answer like OpenFGA's ListUsers, which stopped returning the subjects
      // excluded from a wildcard in 2024 (the schema issue's difference 4).
      excluded: schema.origin === "openfga" ? new Map() : f.excluded,
      caveated: f.caveated,
      justifications: f.why,
    }))
    .sort((a, b) => (validationString(a) < validationString(b) ? -1 : 1));
}

/** `user:tom`, `group:eng#member`, `user:* - {user:a, user:b}`, `user:ann[...]`. */
export function subjectString(f: FoundSubject): string {
  let s = formatSubjectRef(f.subject);
  if (f.caveated) s += "[...]";
  if (f.excluded.size > 0) s += ` - {${[...f.excluded.values()].map(formatSubjectRef).sort().join(", ")}}`;
  return s;
}

/** `[user:tom] is <document:firstdoc#writer>/<document:firstdoc#reader>` (justifications sorted). */
export function validationString(f: FoundSubject): string {
  return `[${subjectString(f)}] is ${[...f.justifications]
    .sort()
    .map((j) => `<${j}>`)
    .join("/")}`;
}
