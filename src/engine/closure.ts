/**
 * Leopard-style group closure over a TupleIndex, for the evaluator's pure-`this` subgraphs.
 *
 * A node (object, relation) is *closable* when its relation's rewrite is plain `this`. Its
 * closure is every node reachable through userset edges (`group:g1#member@group:g2#member`),
 * itself included: Leopard's GROUP2GROUP. MEMBER2GROUP needs no copy: it is the index's reverse
 * list of the subject (the groups naming `user:u` directly), read live. A check of a direct
 * subject against a closable node is then one pass over that reverse list with a set probe per
 * entry, instead of one goal per nested group.
 *
 * A closure exists only when the plain walk over it is a pure union, so its answer is the walk's:
 * every userset it names is itself closable (a permission, an arrow, an exclusion below makes it
 * *dirty*: the evaluator walks it). Caveated and expiring group-to-group edges are built in, and
 * their conditions kept with the closure (each distinct caveat and stored context once, and the
 * earliest expiry): a request may use the closure only when every one of them holds for it
 * (`holds`), i.e. when its subgraph is the uncaveated one; otherwise that request walks, so
 * CONDITIONAL never becomes HAS and a false caveat never lets a path through. A closure with more
 * than MAX_CLOSURE_CONDITIONS distinct caveats is dirty. Edges the walk ignores are ignored here too: a
 * userset whose relation the schema does not define, and (OpenFGA-origin models) a userset that no
 * longer fits the relation's types. The direct subjects of the nodes in it are read at query time
 * (their caveats and expirations included), so the answer is three-valued like the walk's.
 *
 * Upkeep. The closure is derived lazily, per userset subject node, and cached; any add/remove of a
 * userset-subject tuple (TupleIndex.usersetVersion) or a clear() drops the cache wholesale. Writes
 * of direct subjects (users into groups, the common write) cost nothing. The first check after a
 * group-to-group write rebuilds what it needs: O(size of the closure), about what one plain walk of
 * it costs. The cache holds at most MAX_CACHED_NODES node ids in all (then it starts over).
 */
import type { TupleIndex } from "../model/tupleIndex.ts";
import { caveatKeyOf, EDGE_CAVEATED, EDGE_PRESENT } from "../model/tupleIndex.ts";
import type { TupleTraits } from "../model/tupleIndex.ts";
import type { ConditionReader } from "./conditionReader.ts";
import { CONDITIONAL, HAS, NO } from "./result.ts";
import type { CheckValue } from "./result.ts";
import type { CompiledMember, TypeSystem } from "../typesystem/typesystem.ts";

/** Bound on the node ids held by all cached closures of one index (≈ 40 B each in a Map). */
export const MAX_CACHED_NODES = 2_000_000;

/** Distinct caveat/stored-context pairs on the userset edges of one closure, at most. */
export const MAX_CLOSURE_CONDITIONS = 16;

/** The closure of one node: the nodes reachable through userset edges, with their members. */
export interface ClosureEntry {
  /** One traits object (caveat only) per distinct caveat and stored context on its userset edges. */
  readonly conditions: readonly TupleTraits[];
  /** The earliest expiry of its userset edges (+∞: none expires). */
  readonly expiresAt: number;
  /** node → its member (for OpenFGA's type fit of direct subjects). */
  readonly nodes: ReadonlyMap<number, CompiledMember>;
  /**
   * Nodes in it with at least one userset edge: the deepest plain walk of the closure pushes at
   * most this many goal frames (leaves are answered inline), which is what depth is checked against.
   */
  readonly interior: number;
}

export interface ClosureStats {
  builds: number;
  builtNodes: number;
  buildMs: number;
  queries: number;
  invalidations: number;
}

export class GroupClosure {
  private readonly cache = new Map<number, ClosureEntry | null>();
  private cachedNodes = 0;
  private version = -1;
  private generation = -1;
  readonly stats: ClosureStats = { builds: 0, builtNodes: 0, buildMs: 0, queries: 0, invalidations: 0 };
  private readonly openfga: boolean;

  constructor(
    readonly index: TupleIndex,
    readonly schema: TypeSystem,
  ) {
    this.openfga = schema.origin === "openfga";
  }

  /** Node ids held by the cached closures (memory: ≈ 40 B each). */
  get size(): number {
    return this.cachedNodes;
  }

  /**
   * Resource nodes whose usersets cannot be closed (a caveated or expiring userset edge, or a target
   * that is not a pure union): remembered until the userset edges change, so a caveated hierarchy
   * pays for finding that out once, not at every goal of every check.
   */
  readonly dirty = new Set<number>();

  /** Drops the cache when the index's userset edges changed since it was built. */
  sync(): void {
    const ix = this.index;
    if (ix.usersetVersion !== this.version || ix.generation !== this.generation) {
      if (this.cache.size > 0) this.stats.invalidations++;
      this.dirty.clear();
      this.cache.clear();
      this.cachedNodes = 0;
      this.version = ix.usersetVersion;
      this.generation = ix.generation;
    }
  }

  /**
   * The closure of `node` (whose member is `member`, rewrite `this`), or null when it is dirty.
   * Call `sync()` first (once per check is enough: tuples do not change during a check).
   */
  entry(node: number, member: CompiledMember): ClosureEntry | null {
    const cached = this.cache.get(node);
    if (cached !== undefined) return cached;
    const built = this.build(node, member);
    if (built !== null) {
      if (this.cachedNodes + built.nodes.size > MAX_CACHED_NODES) {
        this.cache.clear();
        this.cachedNodes = 0;
      }
      this.cachedNodes += built.nodes.size;
    }
    this.cache.set(node, built);
    return built;
  }

  /**
   * The member a userset edge leads to, as the walk resolves it: undefined = the walk ignores the
   * edge; null = not closable (dirty). The edge's own traits are the caller's to judge.
   */
  target(from: CompiledMember, cursor: number): CompiledMember | undefined | null {
    const ix = this.index;
    const so = ix.cursorSubjectObject(cursor);
    const type = ix.interner.typeOf(so);
    const relName = ix.interner.relations[ix.cursorSubjectRelation(cursor)] ?? "";
    const target = this.schema.member(type, relName);
    if (target === undefined) return undefined;
    if (this.openfga && !from.allowedKeys.has(`${type}#${relName}`)) return undefined;
    return target.rewrite.kind === "this" ? target : null;
  }

  private build(start: number, member: CompiledMember): ClosureEntry | null {
    const t0 = performance.now();
    const ix = this.index;
    const nodes = new Map<number, CompiledMember>([[start, member]]);
    const queue: number[] = [start];
    let interior = 0;
    const conditions = new Map<string, TupleTraits>();
    let expiresAt = Number.POSITIVE_INFINITY;
    for (let q = 0; q < queue.length; q++) {
      const n = queue[q]!;
      const from = nodes.get(n)!;
      let c = ix.firstUserset(n);
      if (c !== 0) interior++;
      for (; c !== 0; c = ix.nextForward(c)) {
        const target = this.target(from, c);
        if (target === undefined) continue;
        if (target === null) {
          this.stats.buildMs += performance.now() - t0;
          return null;
        }
        const traits = ix.cursorTraits(c);
        if (traits !== undefined) {
          if (traits.expiresAt !== undefined && traits.expiresAt < expiresAt) expiresAt = traits.expiresAt;
          const caveat = traits.caveat;
          if (caveat !== undefined) {
            const key = traits.caveatKey ?? caveatKeyOf(caveat);
            if (!conditions.has(key)) {
              if (conditions.size === MAX_CLOSURE_CONDITIONS) {
                this.stats.buildMs += performance.now() - t0;
                return null;
              }
              conditions.set(key, { caveat, caveatKey: key });
            }
          }
        }
        const sn = ix.cursorSubjectNode(c);
        if (!nodes.has(sn)) {
          nodes.set(sn, target);
          queue.push(sn);
        }
      }
    }
    this.stats.builds++;
    this.stats.builtNodes += nodes.size;
    this.stats.buildMs += performance.now() - t0;
    return { nodes, interior, conditions: [...conditions.values()], expiresAt };
  }

  /**
   * Does every condition on `e`'s userset edges hold for this request (then the closure is the
   * walk's)? Without a ConditionReader only a trait-free closure does.
   */
  holds(e: ClosureEntry, conditions: ConditionReader | undefined): boolean {
    if (e.conditions.length === 0 && e.expiresAt === Number.POSITIVE_INFINITY) return true;
    if (conditions === undefined || e.expiresAt <= conditions.now) return false;
    for (let i = 0; i < e.conditions.length; i++)
      if (conditions.gate(e.conditions[i]) !== EDGE_PRESENT) return false;
    conditions.dependsOnExpiry(e.expiresAt);
    return true;
  }

  /**
   * The walk's answer for direct subject `subjectNode` (-1: no tuple names it) and the wildcard
   * node of its type (`wildNode`, -1: none) over the closure: HAS if some node in it grants the
   * subject or the wildcard without a caveat, CONDITIONAL if only with one, else NO.
   */
  query(
    e: ClosureEntry,
    subjectNode: number,
    wildNode: number,
    subjectType: string,
    conditions?: ConditionReader,
  ): CheckValue {
    this.stats.queries++;
    let acc: CheckValue = NO;
    for (let pass = 0; pass < 2; pass++) {
      const sn = pass === 0 ? subjectNode : wildNode;
      if (sn < 0) continue;
      const v = this.grants(e, sn, subjectType, pass === 1, conditions);
      if (v === HAS) return HAS;
      if (v > acc) acc = v;
    }
    return acc;
  }

  /** `conditions` resolves caveated and expiring member edges for the check's request. */
  private grants(
    e: ClosureEntry,
    sn: number,
    subjectType: string,
    wildcard: boolean,
    conditions: ConditionReader | undefined,
  ): CheckValue {
    const ix = this.index;
    const nodes = e.nodes;
    const key = wildcard ? `${subjectType}:*` : subjectType;
    let acc: CheckValue = NO;
    // MEMBER2GROUP: the subject's reverse list, probed against the closure; when that list is
    // longer than the closure, probe the closure's nodes against the subject instead.
    let budget = nodes.size + 8;
    let c = ix.firstReverse(sn);
    for (; c !== 0 && budget > 0; c = ix.nextReverse(c), budget--) {
      const m = nodes.get(ix.cursorResourceNode(c));
      if (m === undefined) continue;
      let st = ix.cursorState(c);
      if (st === EDGE_CAVEATED && conditions !== undefined) st = conditions.resolveTraits(ix.cursorTraits(c));
      if (st === EDGE_PRESENT || st === EDGE_CAVEATED) {
        if (this.openfga && !m.allowedKeys.has(key)) continue;
        if (st === EDGE_PRESENT) return HAS;
        acc = CONDITIONAL;
      }
    }
    if (c === 0) return acc;
    acc = NO;
    for (const [n, m] of nodes) {
      let st = ix.edgeState(n, sn);
      if (st === EDGE_CAVEATED && conditions !== undefined)
        st = conditions.resolveTraits(ix.edgeTraits(n, sn));
      if (st === EDGE_PRESENT || st === EDGE_CAVEATED) {
        if (this.openfga && !m.allowedKeys.has(key)) continue;
        if (st === EDGE_PRESENT) return HAS;
        acc = CONDITIONAL;
      }
    }
    return acc;
  }
}
