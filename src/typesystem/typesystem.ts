/**
 * TypeSystem: a valid schema IR with the indexes the engine and the lookups plan from.
 *
 * Built once per schema version. `new TypeSystem(ir)` assumes the IR is valid (as OpenFGA's
 * `typesystem.New`); `TypeSystem.fromValidated(ir)` validates first and throws INVALID_SCHEMA.
 *
 * Indexes (all precomputed in the constructor):
 * - members by `type#name`, O(1);
 * - the dependency graph between members: `computed` (same object), `arrow` (through a tupleset
 *   relation to a member of each target type) and `userset` (a relation that accepts `group#member`
 *   subjects depends on `group#member`);
 * - for every member, the relations whose tuples feed it (transitively) and, reversed, the members a
 *   relation feeds: a tuple written to `document#viewer` can change exactly `fedBy("document","viewer")`;
 * - for every member, the subject types that can reach it (`user`, `user:*`, `group#member`);
 * - recursion: the members that lie on a cycle of the dependency graph and the edges (arrows,
 *   usersets, computed references) that form those cycles.
 */
import { ErrorCode, RelgraphError, unreachable } from "../errors.ts";
import { formatTuple, type Tuple } from "../language/tuple.ts";
import { hasErrors, type Diagnostic } from "./diagnostic.ts";
import type { AllowedSubject, Definition, Member, Rewrite, SchemaIR, SourceLocation } from "./ir.ts";
import { allowedSubjectText, arrowText, validateSchema } from "./validate.ts";

/** `type#member`: the key of a member in every index. */
export type MemberKey = `${string}#${string}`;

export function memberKey(type: string, member: string): MemberKey {
  return `${type}#${member}`;
}

/** One edge of the dependency graph: `from` is computed from `to`. */
export interface DependencyEdge {
  readonly from: MemberKey;
  readonly to: MemberKey;
  readonly kind: "computed" | "arrow" | "userset";
  /** For arrows: the arrow as written (`parent->view`) and the tupleset relation it walks. */
  readonly arrow?: string;
  readonly tupleset?: MemberKey;
}

export interface RecursionInfo {
  /** The members on the same cycle (the strongly connected component), sorted. */
  readonly cycle: readonly MemberKey[];
  /** The edges inside the cycle: the arrows, usersets and references it recurses through. */
  readonly through: readonly DependencyEdge[];
}

/** A construct the engine cannot evaluate yet; `writeSchema` refuses the schema naming it. */
export interface UnimplementedUse {
  readonly construct: "caveat" | "with caveat" | "with expiration" | "partial" | "import";
  /** What is concerned: the caveat, `document#viewer`, the partial or the import path. */
  readonly name: string;
  readonly loc?: SourceLocation;
}

export class TypeSystem {
  readonly ir: SchemaIR;
  private readonly definitionsByName = new Map<string, Definition>();
  private readonly membersByKey = new Map<MemberKey, Member>();
  private readonly edgesFrom = new Map<MemberKey, DependencyEdge[]>();
  private readonly feedingRelations = new Map<MemberKey, ReadonlySet<MemberKey>>();
  private readonly fedMembers = new Map<MemberKey, Set<MemberKey>>();
  private readonly reachingSubjects = new Map<MemberKey, ReadonlySet<string>>();
  private readonly recursion = new Map<MemberKey, RecursionInfo>();

  /** Builds the indexes; the IR must be valid (use `fromValidated` for untrusted input). */
  constructor(ir: SchemaIR) {
    this.ir = ir;
    for (const def of ir.definitions) {
      this.definitionsByName.set(def.name, def);
      for (const m of def.members) this.membersByKey.set(memberKey(def.name, m.name), m);
    }
    for (const def of ir.definitions) {
      for (const m of def.members) this.edgesFrom.set(memberKey(def.name, m.name), this.collectEdges(def, m));
    }
    for (const key of this.membersByKey.keys()) {
      const feeding = this.computeFeeding(key);
      this.feedingRelations.set(key, feeding);
      for (const rel of feeding) {
        let set = this.fedMembers.get(rel);
        if (!set) this.fedMembers.set(rel, (set = new Set()));
        set.add(key);
      }
      this.reachingSubjects.set(key, this.computeSubjects(key));
    }
    this.computeRecursion();
  }

  /** Validates, then builds; throws INVALID_SCHEMA with the diagnostics when the IR has errors. */
  static fromValidated(ir: SchemaIR): TypeSystem {
    const diagnostics = validateSchema(ir);
    if (hasErrors(diagnostics)) throw invalidSchema(diagnostics);
    return new TypeSystem(ir);
  }

  get origin(): SchemaIR["origin"] {
    return this.ir.origin;
  }

  definition(type: string): Definition | undefined {
    return this.definitionsByName.get(type);
  }

  /** The relation or permission `type#name`, or undefined. O(1). */
  member(type: string, name: string): Member | undefined {
    return this.membersByKey.get(memberKey(type, name));
  }

  isPermission(type: string, name: string): boolean {
    return this.member(type, name)?.kind === "permission";
  }

  /** What `type#name` is directly computed from. */
  dependencies(type: string, name: string): readonly DependencyEdge[] {
    return this.edgesFrom.get(memberKey(type, name)) ?? [];
  }

  /** The relations (writable members) whose tuples can change `type#name`, transitively, sorted. */
  relationsFeeding(type: string, name: string): readonly MemberKey[] {
    return [...(this.feedingRelations.get(memberKey(type, name)) ?? [])].sort();
  }

  /** The members (permissions and relations) a tuple on relation `type#relation` can change, sorted. */
  membersFedBy(type: string, relation: string): readonly MemberKey[] {
    return [...(this.fedMembers.get(memberKey(type, relation)) ?? [])].sort();
  }

  /**
   * The subject types that can hold `type#name`: `user`, `user:*` and `group#member` (a userset
   * subject such as `group:eng#member` itself counts, as in SpiceDB's LookupSubjects), sorted.
   */
  subjectTypesReaching(type: string, name: string): readonly string[] {
    return [...(this.reachingSubjects.get(memberKey(type, name)) ?? [])].sort();
  }

  /** True when `subjectType` (a type name) can reach `type#name` directly or through usersets. */
  canReach(type: string, name: string, subjectType: string): boolean {
    for (const s of this.reachingSubjects.get(memberKey(type, name)) ?? []) {
      if (s === subjectType || s === `${subjectType}:*` || s.startsWith(`${subjectType}#`)) return true;
    }
    return false;
  }

  /** The cycle `type#name` lies on, or undefined when it is not recursive. */
  recursionOf(type: string, name: string): RecursionInfo | undefined {
    return this.recursion.get(memberKey(type, name));
  }

  /** Every recursive member, sorted. */
  recursiveMembers(): readonly MemberKey[] {
    return [...this.recursion.keys()].sort();
  }

  /**
   * Checks a tuple against the schema before it is written. Throws SCHEMA_VIOLATION naming the
   * problem: unknown type or relation, a permission as target, a subject type, subject relation,
   * wildcard, caveat or expiration the relation does not allow.
   */
  validateTuple(tuple: Tuple): void {
    const text = formatTuple(tuple);
    const fail = (reason: string, message: string): never => {
      throw new RelgraphError(ErrorCode.SCHEMA_VIOLATION, `relationship ${text}: ${message}`, {
        relationship: text,
        reason,
      });
    };
    const def = this.definition(tuple.resourceType);
    if (!def) return fail("unknown-type", `object type "${tuple.resourceType}" is not defined in the schema`);
    const member = this.member(tuple.resourceType, tuple.relation);
    if (!member)
      return fail("unknown-relation", `"${tuple.resourceType}" has no relation "${tuple.relation}"`);
    if (member.kind === "permission")
      return fail(
        "permission-not-writable",
        `"${tuple.resourceType}#${tuple.relation}" is a permission; relationships can only be written to relations`,
      );
    const wildcard = tuple.subjectId === "*";
    const candidates = member.types.filter(
      (s) =>
        s.type === tuple.subjectType &&
        s.wildcard === wildcard &&
        (wildcard || (s.relation ?? "") === tuple.subjectRelation),
    );
    const allowed = member.types.map(allowedSubjectText).join(", ");
    if (candidates.length === 0) {
      const subject = wildcard
        ? `wildcard "${tuple.subjectType}:*"`
        : tuple.subjectRelation !== ""
          ? `subject "${tuple.subjectType}#${tuple.subjectRelation}"`
          : `subject type "${tuple.subjectType}"`;
      const reason = wildcard
        ? "wildcard-not-allowed"
        : tuple.subjectRelation !== ""
          ? "subject-relation-not-allowed"
          : "subject-type-not-allowed";
      return fail(
        reason,
        `${subject} is not allowed on "${tuple.resourceType}#${tuple.relation}" (allowed: ${allowed})`,
      );
    }
    const caveatName = tuple.caveat?.name;
    const matching = candidates.filter((s) => s.caveat === caveatName);
    if (matching.length === 0) {
      return fail(
        "caveat-mismatch",
        caveatName === undefined
          ? `"${tuple.resourceType}#${tuple.relation}" requires a caveat for ${allowedSubjectText(candidates[0]!)} (allowed: ${allowed})`
          : `caveat "${caveatName}" is not allowed for this subject on "${tuple.resourceType}#${tuple.relation}" (allowed: ${allowed})`,
      );
    }
    if (tuple.expiration !== undefined && !matching.some((s) => s.expiration))
      return fail(
        "expiration-not-allowed",
        `"${tuple.resourceType}#${tuple.relation}" does not allow an expiration for this subject (add "with expiration")`,
      );
  }

  /** The constructs this schema uses that the engine cannot evaluate yet (empty when none). */
  listUnimplemented(): UnimplementedUse[] {
    return listUnimplemented(this.ir);
  }

  // ---- index construction -------------------------------------------------------------------

  private collectEdges(def: Definition, member: Member): DependencyEdge[] {
    const from = memberKey(def.name, member.name);
    const edges: DependencyEdge[] = [];
    if (containsThisRewrite(member.rewrite)) {
      for (const s of member.types) {
        if (s.relation !== undefined && this.member(s.type, s.relation))
          edges.push({ from, to: memberKey(s.type, s.relation), kind: "userset" });
      }
    }
    const walk = (r: Rewrite): void => {
      switch (r.kind) {
        case "this":
        case "nil":
        case "self":
          return;
        case "computed":
          if (this.member(def.name, r.relation))
            edges.push({ from, to: memberKey(def.name, r.relation), kind: "computed" });
          return;
        case "arrow": {
          const tupleset = this.member(def.name, r.tupleset);
          for (const type of new Set((tupleset?.types ?? []).map((s) => s.type))) {
            if (this.member(type, r.computed))
              edges.push({
                from,
                to: memberKey(type, r.computed),
                kind: "arrow",
                arrow: arrowText(r),
                tupleset: memberKey(def.name, r.tupleset),
              });
          }
          return;
        }
        case "union":
        case "intersection":
          r.children.forEach(walk);
          return;
        case "exclusion":
          walk(r.base);
          walk(r.subtract);
          return;
        default:
          unreachable(r, "rewrite");
      }
    };
    walk(member.rewrite);
    return edges;
  }

  /** Relations reachable through the dependency graph (plus arrow tuplesets, whose tuples matter). */
  private computeFeeding(start: MemberKey): Set<MemberKey> {
    const result = new Set<MemberKey>();
    const seen = new Set<MemberKey>([start]);
    const queue: MemberKey[] = [start];
    while (queue.length > 0) {
      const key = queue.pop()!;
      const m = this.membersByKey.get(key);
      if (m && containsThisRewrite(m.rewrite)) result.add(key);
      for (const e of this.edgesFrom.get(key) ?? []) {
        if (e.tupleset !== undefined) result.add(e.tupleset);
        if (!seen.has(e.to)) {
          seen.add(e.to);
          queue.push(e.to);
        }
      }
    }
    return result;
  }

  /** Subject types reaching a member: the union over its rewrite's leaves (a safe over-approximation). */
  private computeSubjects(start: MemberKey): Set<string> {
    const result = new Set<string>();
    const seen = new Set<MemberKey>();
    const visit = (key: MemberKey): void => {
      if (seen.has(key)) return;
      seen.add(key);
      const m = this.membersByKey.get(key);
      if (!m) return;
      const type = key.slice(0, key.lastIndexOf("#"));
      if (containsThisRewrite(m.rewrite)) {
        for (const s of m.types) {
          result.add(allowedSubjectText(stripTraits(s)));
          if (s.relation !== undefined) visit(memberKey(s.type, s.relation));
        }
      }
      if (containsSelf(m.rewrite)) result.add(type);
      for (const e of this.edgesFrom.get(key) ?? []) if (e.kind !== "userset") visit(e.to);
    };
    visit(start);
    return result;
  }

  /** Tarjan's strongly connected components over the dependency graph. */
  private computeRecursion(): void {
    let counter = 0;
    const index = new Map<MemberKey, number>();
    const low = new Map<MemberKey, number>();
    const stack: MemberKey[] = [];
    const onStack = new Set<MemberKey>();
    const components: MemberKey[][] = [];
    const strongConnect = (v: MemberKey): void => {
      index.set(v, counter);
      low.set(v, counter);
      counter++;
      stack.push(v);
      onStack.add(v);
      for (const e of this.edgesFrom.get(v) ?? []) {
        if (!index.has(e.to)) {
          strongConnect(e.to);
          low.set(v, Math.min(low.get(v)!, low.get(e.to)!));
        } else if (onStack.has(e.to)) {
          low.set(v, Math.min(low.get(v)!, index.get(e.to)!));
        }
      }
      if (low.get(v) === index.get(v)) {
        const component: MemberKey[] = [];
        let w: MemberKey;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        components.push(component);
      }
    };
    for (const key of this.membersByKey.keys()) if (!index.has(key)) strongConnect(key);
    for (const component of components) {
      const members = new Set(component);
      const through = component.flatMap((k) =>
        (this.edgesFrom.get(k) ?? []).filter((e) => members.has(e.to)),
      );
      if (through.length === 0) continue; // a single member without a self-edge is not recursive
      const info: RecursionInfo = { cycle: [...component].sort(), through };
      for (const k of component) this.recursion.set(k, info);
    }
  }
}

/** Every construct in `ir` that is parsed and kept but not evaluated yet. */
export function listUnimplemented(ir: SchemaIR): UnimplementedUse[] {
  const uses: UnimplementedUse[] = [];
  const at = (loc: SourceLocation | undefined): { loc?: SourceLocation } => (loc ? { loc } : {});
  for (const c of ir.caveats) uses.push({ construct: "caveat", name: c.name, ...at(c.loc) });
  for (const def of ir.definitions) {
    for (const m of def.members) {
      for (const s of m.types) {
        if (s.caveat !== undefined)
          uses.push({ construct: "with caveat", name: `${def.name}#${m.name}`, ...at(s.loc ?? m.loc) });
        if (s.expiration)
          uses.push({ construct: "with expiration", name: `${def.name}#${m.name}`, ...at(s.loc ?? m.loc) });
      }
    }
  }
  for (const u of ir.unsupported ?? []) uses.push({ construct: u.construct, name: u.name, ...at(u.loc) });
  return uses;
}

/** UNIMPLEMENTED naming the first construct in `extensions.construct` and all of them in `constructs`. */
export function unimplementedError(uses: readonly UnimplementedUse[]): RelgraphError {
  const first = uses[0];
  const list = uses.map((u) => `${u.construct} (${u.name})`).join(", ");
  return new RelgraphError(
    ErrorCode.UNIMPLEMENTED,
    `the schema uses constructs that are not implemented yet: ${list}`,
    {
      construct: first?.construct,
      constructs: uses.map((u) => ({ construct: u.construct, name: u.name })),
    },
  );
}

/** INVALID_SCHEMA carrying the diagnostics (for `extensions.diagnostics`). */
export function invalidSchema(diagnostics: readonly Diagnostic[]): RelgraphError {
  const errors = diagnostics.filter((d) => d.severity === "error");
  const first = errors[0];
  return new RelgraphError(
    ErrorCode.INVALID_SCHEMA,
    `invalid schema: ${errors.length} error${errors.length === 1 ? "" : "s"}${first ? `; first: ${first.message}` : ""}`,
    { diagnostics },
  );
}

function stripTraits(s: AllowedSubject): AllowedSubject {
  return {
    type: s.type,
    ...(s.relation !== undefined ? { relation: s.relation } : {}),
    wildcard: s.wildcard,
    expiration: false,
  };
}

function containsThisRewrite(r: Rewrite): boolean {
  return someLeaf(r, (leaf) => leaf.kind === "this");
}
function containsSelf(r: Rewrite): boolean {
  return someLeaf(r, (leaf) => leaf.kind === "self");
}
function someLeaf(r: Rewrite, test: (leaf: Rewrite) => boolean): boolean {
  switch (r.kind) {
    case "union":
    case "intersection":
      return r.children.some((c) => someLeaf(c, test));
    case "exclusion":
      return someLeaf(r.base, test) || someLeaf(r.subtract, test);
    case "this":
    case "computed":
    case "arrow":
    case "nil":
    case "self":
      return test(r);
    default:
      return unreachable(r, "rewrite");
  }
}
