/**
 * Explain: why a check answered what it did, as a proof in expand's flat form (expand.ts).
 *
 *   HAS / CONDITIONAL — a positive proof: for a union the one branch that granted, for an
 *     intersection every branch, for an exclusion the base branch plus a node recording that the
 *     subtracted side did not hold; relation reads and arrows carry the concrete tuples they
 *     followed, so the proof's tuples in pre-order (`path`) are the access path, in order:
 *       document:doc#parent@folder:f1, folder:f1#viewer@group:g#member, group:g#member@user:ann
 *   NO — the branches that were tried, each a denial (every branch of a union, the failing branch
 *     of an intersection, the base of an exclusion or the subtracted side that held).
 *
 * A separate, slower evaluation that leaves the fast Evaluator (check.ts) untouched: the value of
 * every goal comes from the Evaluator itself (through a private SubResultCache, so each goal is
 * evaluated once and a proof costs O(goals)), and this module only decides which branch to show,
 * recomputing a branch's value from its goals' values. Cycles: a positive proof never passes a
 * goal it is proving (a branch that would is skipped: HAS is a least fixed point, so another branch
 * grants); a denial reaching a goal it is explaining gets a `cycleTo` stub, as in expand.
 * Iterative (trampoline.ts): 4,000-hop proofs do not use the JS stack.
 */
import { unreachable } from "../errors.ts";
import type { ObjectRef, SubjectRef, Tuple } from "../model/tuple.ts";
import { SubResultCache } from "./cache.ts";
import { Evaluator, type CheckRequest } from "./check.ts";
import { kindOfRewrite, type ExpandKind } from "./expand.ts";
import { OverlayReader } from "./overlayReader.ts";
import { EDGE_ABSENT, EDGE_CAVEATED, EDGE_PRESENT } from "../model/tupleIndex.ts";
import { allowedKeyOf, DIRECT, writtenSubjects, type TupleReader } from "./reader.ts";
import { CONDITIONAL, HAS, NO, permissionship, type CheckValue, type Permissionship } from "./result.ts";
import type { CompiledMember, CompiledRewrite, TypeSystem } from "../typesystem/typesystem.ts";
import { trampoline, type Step } from "./trampoline.ts";

export interface ProofNode {
  readonly id: string;
  readonly kind: ExpandKind;
  readonly resource: ObjectRef;
  readonly relation: string;
  /** What this branch evaluated to. */
  readonly result: Permissionship;
  readonly children: readonly string[];
  /** The tuples this step followed (a relation read: the granting tuple; an arrow: the tupleset tuples). */
  readonly tuples: readonly Tuple[];
  /** Subjects matched here (a direct grant, a wildcard grant, `self`). */
  readonly subjects: readonly SubjectRef[];
  /** A denial that reached a goal it was explaining: the goal node this one stands for. */
  readonly cycleTo?: string;
  /** A short reason where the structure does not say it (`subject is this userset`, `not held`). */
  readonly note?: string;
}

export interface Proof {
  readonly value: CheckValue;
  readonly permissionship: Permissionship;
  readonly root: string;
  readonly nodes: readonly ProofNode[];
  readonly truncated: boolean;
  /** The positive proof's tuples in order (empty for a denial): the access path. */
  readonly path: readonly Tuple[];
}

export interface ExplainOptions {
  /** Node cap (default 10,000); past it `truncated` is true. */
  readonly maxNodes?: number;
  readonly maxDepth?: number;
}

/** A positive proof that would pass through a goal being proved: try another branch. */
const FAIL = null;
/** The node cap was reached: the branch exists but is not shown. */
const CUT = undefined;
type Ref = string | typeof FAIL | typeof CUT;

interface Edge {
  readonly subject: SubjectRef;
  readonly caveated: boolean;
  readonly tuple: Tuple;
}

class Explainer {
  readonly nodes: ProofNode[] = [];
  private readonly byId = new Map<string, ProofNode>();
  private readonly proved = new Map<string, string>();
  private readonly onPath = new Set<string>();
  private readonly values = new Map<string, CheckValue>();
  private readonly ev: Evaluator;
  private readonly scope = "explain";
  private readonly cache = new SubResultCache(10_000_000);
  private readonly bucketKey: string;
  truncated = false;
  private serial = 0;

  constructor(
    private readonly schema: TypeSystem,
    private readonly reader: TupleReader,
    private readonly subject: SubjectRef,
    private readonly maxNodes: number,
    maxDepth: number,
  ) {
    // The plain walk (no group closure): every goal it visits lands in the cache, where the proof
    // reads it; goals answered through a closure would each need a check of their own.
    this.ev = new Evaluator(schema, { maxDepth, cache: this.cache, closure: false });
    this.bucketKey = `${this.scope}|${subject.type}:${subject.id}#${subject.relation}`;
  }

  /**
   * A goal's value. Read from the cache bucket the Evaluator filled (its key layout: scope|subject,
   * goal = (object handle + 1) × members + member id, see check.ts), so most goals cost a lookup and
   * not a check (each check resets the Evaluator's goal table); relation reads without usersets,
   * which the Evaluator answers inline and does not cache, are two probes here.
   */
  goalValue(type: string, id: string, member: CompiledMember): CheckValue {
    if (this.isSubjectUserset(type, id, member)) return HAS;
    const key = `${type}:${id}#${member.name}`;
    let v = this.values.get(key);
    if (v !== undefined) return v;
    const r = this.reader;
    const o = r.lookupObject(type, id);
    if (member.rewrite.kind === "this") {
      const rel = r.lookupRelation(member.name);
      if (o < 0 || rel < 0) v = NO;
      else if (r.firstUserset(o, rel) === 0) v = this.directGrant(type, id, member).value;
    }
    if (v === undefined)
      v = this.cache.bucket(this.bucketKey)?.get((o + 1) * this.schema.members.length + member.id);
    if (v === undefined)
      v = this.ev.check(
        r,
        { resource: { type, id }, permission: member.name, subject: this.subject },
        this.scope,
      );
    this.values.set(key, v);
    return v;
  }

  rootValue(req: CheckRequest): CheckValue {
    const { contextualTuples: _, ...plain } = req;
    return this.ev.check(this.reader, plain, this.scope);
  }

  private isSubjectUserset(type: string, id: string, member: CompiledMember): boolean {
    const s = this.subject;
    return (
      s.relation !== "" &&
      member.name === s.relation &&
      member.type === s.type &&
      id === s.id &&
      type === s.type
    );
  }

  private fits(member: CompiledMember, s: SubjectRef): boolean {
    if (this.schema.origin !== "openfga") return true;
    return member.allowedKeys.has(allowedKeyOf(s));
  }

  /** Tuples on type:id#relation: direct subjects first, then usersets (as the Evaluator walks them). */
  private edges(type: string, id: string, relation: string, usersetsOnly: boolean): Edge[] {
    const out: Edge[] = [];
    for (const { subject, caveated } of writtenSubjects(this.reader, type, id, relation, usersetsOnly))
      out.push({
        subject,
        caveated,
        tuple: {
          resourceType: type,
          resourceId: id,
          relation,
          subjectType: subject.type,
          subjectId: subject.id,
          subjectRelation: subject.relation,
        },
      });
    return out;
  }

  /** The direct or wildcard grant of the subject on type:id#member, with its tuple. */
  private directGrant(type: string, id: string, member: CompiledMember): { value: CheckValue; edge?: Edge } {
    const r = this.reader;
    const s = this.subject;
    const o = r.lookupObject(type, id);
    const rel = r.lookupRelation(member.name);
    if (o < 0 || rel < 0) return { value: NO };
    let best: { value: CheckValue; edge?: Edge } = { value: NO };
    const probe = (sid: string, srel: string, wildcard: boolean): void => {
      const so = r.lookupObject(s.type, sid);
      const sr = srel === "" ? DIRECT : r.lookupRelation(srel);
      if (so < 0 || sr < 0) return;
      const st = r.tupleState(o, rel, so, sr);
      if (st === EDGE_ABSENT) return;
      const subject: SubjectRef = { type: s.type, id: sid, relation: srel };
      if (!this.fits(member, wildcard ? { ...subject, id: "*" } : subject)) return;
      const value = st === EDGE_PRESENT ? HAS : CONDITIONAL;
      if (value <= best.value) return;
      best = {
        value,
        edge: {
          subject,
          caveated: st === EDGE_CAVEATED,
          tuple: {
            resourceType: type,
            resourceId: id,
            relation: member.name,
            subjectType: s.type,
            subjectId: sid,
            subjectRelation: srel,
          },
        },
      };
    };
    probe(s.id, s.relation, s.id === "*");
    if (s.id !== "*" && s.relation === "") probe("*", "", true);
    return best;
  }

  /** Userset tuples of a relation read, each with the member it continues into and its capped value. */
  private usersetSteps(type: string, id: string, member: CompiledMember) {
    const out: { edge: Edge; target: CompiledMember; value: CheckValue }[] = [];
    for (const edge of this.edges(type, id, member.name, true)) {
      const target = this.schema.member(edge.subject.type, edge.subject.relation);
      if (target === undefined || !this.fits(member, edge.subject)) continue;
      let value = this.goalValue(edge.subject.type, edge.subject.id, target);
      if (edge.caveated && value === HAS) value = CONDITIONAL;
      out.push({ edge, target, value });
    }
    return out;
  }

  /** Tupleset tuples of an arrow (wildcards skipped), each with its target member (or none) and value. */
  private arrowSteps(type: string, id: string, r: Extract<CompiledRewrite, { kind: "arrow" }>) {
    const out: { edge: Edge; target: CompiledMember | undefined; value: CheckValue }[] = [];
    if (r.tupleset === undefined) return out;
    for (const edge of this.edges(type, id, r.tupleset.name, false)) {
      if (edge.subject.id === "*") continue;
      const target = this.schema.member(edge.subject.type, r.computed);
      let value = target === undefined ? NO : this.goalValue(edge.subject.type, edge.subject.id, target);
      if (edge.caveated && value === HAS) value = CONDITIONAL;
      out.push({ edge, target, value });
    }
    return out;
  }

  /** The value of rewrite `r` on type:id, from its goals' values. */
  valueOf(r: CompiledRewrite, type: string, id: string, member: CompiledMember): CheckValue {
    switch (r.kind) {
      case "nil":
        return NO;
      case "self":
        return this.subject.relation === "" && this.subject.type === type && this.subject.id === id
          ? HAS
          : NO;
      case "computed":
        return r.member === undefined ? NO : this.goalValue(type, id, r.member);
      case "this": {
        let v = this.directGrant(type, id, member).value;
        if (v === HAS) return HAS;
        for (const s of this.usersetSteps(type, id, member)) if (s.value > v) v = s.value;
        return v;
      }
      case "arrow": {
        const steps = this.arrowSteps(type, id, r);
        if (r.mode === "all") {
          if (steps.length === 0) return NO;
          let v: CheckValue = HAS;
          for (const s of steps) if (s.value < v) v = s.value;
          return v;
        }
        let v: CheckValue = NO;
        for (const s of steps) if (s.value > v) v = s.value;
        return v;
      }
      case "union": {
        let v: CheckValue = NO;
        for (const c of r.children) {
          const cv = this.valueOf(c, type, id, member);
          if (cv > v) v = cv;
          if (v === HAS) break;
        }
        return v;
      }
      case "intersection": {
        let v: CheckValue = HAS;
        for (const c of r.children) {
          const cv = this.valueOf(c, type, id, member);
          if (cv < v) v = cv;
          if (v === NO) break;
        }
        return v;
      }
      case "exclusion": {
        const b = this.valueOf(r.base, type, id, member);
        if (b === NO) return NO;
        const s = this.valueOf(r.subtract, type, id, member);
        return s === HAS ? NO : s === NO ? b : CONDITIONAL;
      }
      default:
        return unreachable(r, "rewrite");
    }
  }

  private add(node: ProofNode): Ref {
    if (this.nodes.length >= this.maxNodes) {
      this.truncated = true;
      return CUT;
    }
    const id = this.byId.has(node.id) ? `${node.id}~${++this.serial}` : node.id;
    const n = id === node.id ? node : { ...node, id };
    this.nodes.push(n);
    this.byId.set(id, n);
    return id;
  }

  private leaf(
    kind: ExpandKind,
    type: string,
    id: string,
    relation: string,
    nodeId: string,
    value: CheckValue,
    extra: Partial<Pick<ProofNode, "children" | "tuples" | "subjects" | "cycleTo" | "note">> = {},
  ): Ref {
    return this.add({
      id: nodeId,
      kind,
      resource: { type, id },
      relation,
      result: permissionship(value),
      children: [],
      tuples: [],
      subjects: [],
      ...extra,
    });
  }

  *goal(type: string, id: string, member: CompiledMember): Step<Ref> {
    const key = `${type}:${id}#${member.name}`;
    if (this.isSubjectUserset(type, id, member))
      return (
        this.proved.get(key) ??
        this.leaf("DIRECT", type, id, member.name, key, HAS, {
          subjects: [this.subject],
          note: "the subject is this userset",
        })
      );
    const done = this.proved.get(key);
    if (done !== undefined) return done;
    const v = this.goalValue(type, id, member);
    if (this.onPath.has(key)) {
      if (v !== NO) return FAIL;
      return this.leaf(kindOfRewrite(member.rewrite), type, id, member.name, `${key}~cycle`, NO, {
        cycleTo: key,
      });
    }
    this.onPath.add(key);
    let ref: Ref;
    try {
      ref = (yield this.rewrite(member.rewrite, type, id, member, key, member.name, v)) as Ref;
    } finally {
      this.onPath.delete(key);
    }
    if (typeof ref === "string") this.proved.set(key, ref);
    return ref;
  }

  private *rewrite(
    r: CompiledRewrite,
    type: string,
    id: string,
    member: CompiledMember,
    nodeId: string,
    relation: string,
    v: CheckValue,
  ): Step<Ref> {
    const positive = v !== NO;
    switch (r.kind) {
      case "nil":
        return this.leaf("UNION", type, id, relation, nodeId, NO);
      case "self":
        return this.leaf(
          "DIRECT",
          type,
          id,
          relation,
          nodeId,
          v,
          positive ? { subjects: [this.subject], note: "self" } : {},
        );
      case "computed": {
        const label = nodeId.endsWith(`#${member.name}`) ? member.name : r.relation;
        if (r.member === undefined) return this.leaf("COMPUTED", type, id, label, nodeId, NO);
        const child = (yield this.goal(type, id, r.member)) as Ref;
        if (child === FAIL) return FAIL;
        return this.leaf("COMPUTED", type, id, label, nodeId, v, { children: child === CUT ? [] : [child] });
      }
      case "this": {
        const direct = this.directGrant(type, id, member);
        if (positive && direct.value === v && direct.edge !== undefined)
          return this.leaf("DIRECT", type, id, member.name, nodeId, v, {
            tuples: [direct.edge.tuple],
            subjects: [direct.edge.subject],
          });
        const steps = this.usersetSteps(type, id, member);
        if (positive) {
          for (const s of steps) {
            if (s.value !== v) continue;
            const child = (yield this.goal(s.edge.subject.type, s.edge.subject.id, s.target)) as Ref;
            if (child === FAIL) continue;
            return this.leaf("DIRECT", type, id, member.name, nodeId, v, {
              tuples: [s.edge.tuple],
              children: child === CUT ? [] : [child],
            });
          }
          return FAIL;
        }
        const children: string[] = [];
        for (const s of steps) {
          const child = (yield this.goal(s.edge.subject.type, s.edge.subject.id, s.target)) as Ref;
          if (typeof child === "string") children.push(child);
        }
        return this.leaf("DIRECT", type, id, member.name, nodeId, NO, {
          children,
          tuples: steps.map((s) => s.edge.tuple),
        });
      }
      case "arrow": {
        const label = `${r.tupleset?.name ?? "?"}${r.mode === "all" ? ".all" : ""}->${r.computed}`;
        const steps = this.arrowSteps(type, id, r);
        const children: string[] = [];
        const tuples: Tuple[] = [];
        if (positive && r.mode === "any") {
          for (const s of steps) {
            if (s.value !== v || s.target === undefined) continue;
            const child = (yield this.goal(s.edge.subject.type, s.edge.subject.id, s.target)) as Ref;
            if (child === FAIL) continue;
            return this.leaf("ARROW", type, id, label, nodeId, v, {
              tuples: [s.edge.tuple],
              children: child === CUT ? [] : [child],
            });
          }
          return FAIL;
        }
        // `.all` (every subject must hold) and denials (every subject was tried).
        for (const s of steps) {
          tuples.push(s.edge.tuple);
          if (s.target === undefined) continue;
          if (!positive && r.mode === "all" && s.value !== NO) continue;
          const child = (yield this.goal(s.edge.subject.type, s.edge.subject.id, s.target)) as Ref;
          if (child === FAIL) return FAIL;
          if (typeof child === "string") children.push(child);
          if (!positive && r.mode === "all") break;
        }
        return this.leaf("ARROW", type, id, label, nodeId, v, {
          tuples,
          children,
          ...(steps.length === 0 ? { note: "no tupleset relationships" } : {}),
        });
      }
      case "union": {
        const children: string[] = [];
        for (let i = 0; i < r.children.length; i++) {
          const c = r.children[i]!;
          const cv = this.valueOf(c, type, id, member);
          if (positive && cv !== v) continue;
          const child = (yield this.rewrite(c, type, id, member, `${nodeId}.${i}`, relation, cv)) as Ref;
          if (child === FAIL) continue;
          if (typeof child === "string") children.push(child);
          if (positive) return this.leaf("UNION", type, id, relation, nodeId, v, { children });
        }
        if (positive) return FAIL;
        return this.leaf("UNION", type, id, relation, nodeId, NO, { children });
      }
      case "intersection": {
        const children: string[] = [];
        for (let i = 0; i < r.children.length; i++) {
          const c = r.children[i]!;
          const cv = this.valueOf(c, type, id, member);
          if (!positive && cv !== NO) continue;
          const child = (yield this.rewrite(c, type, id, member, `${nodeId}.${i}`, relation, cv)) as Ref;
          if (child === FAIL) return FAIL;
          if (typeof child === "string") children.push(child);
          if (!positive) break;
        }
        return this.leaf("INTERSECTION", type, id, relation, nodeId, v, { children });
      }
      case "exclusion": {
        const bv = this.valueOf(r.base, type, id, member);
        const children: string[] = [];
        const base = (yield this.rewrite(r.base, type, id, member, `${nodeId}.0`, relation, bv)) as Ref;
        if (base === FAIL) return FAIL;
        if (typeof base === "string") children.push(base);
        if (bv !== NO) {
          const sv = this.valueOf(r.subtract, type, id, member);
          if (sv === HAS) {
            // Denied by the subtracted side: show why it held.
            const sub = (yield this.rewrite(
              r.subtract,
              type,
              id,
              member,
              `${nodeId}.1`,
              relation,
              sv,
            )) as Ref;
            if (typeof sub === "string") children.push(sub);
          } else {
            const sub = this.leaf(
              kindOfRewrite(r.subtract),
              type,
              id,
              describe(r.subtract, relation),
              `${nodeId}.1`,
              sv,
              {
                note:
                  sv === NO
                    ? "the subtracted side did not hold"
                    : "the subtracted side holds only conditionally",
              },
            );
            if (typeof sub === "string") children.push(sub);
          }
        }
        return this.leaf("EXCLUSION", type, id, relation, nodeId, v, { children });
      }
      default:
        return unreachable(r, "rewrite");
    }
  }
}

function describe(r: CompiledRewrite, relation: string): string {
  if (r.kind === "computed") return r.relation;
  if (r.kind === "arrow") return `${r.tupleset?.name ?? "?"}${r.mode === "all" ? ".all" : ""}->${r.computed}`;
  return relation;
}

/** Nodes reachable from the root (a skipped branch may have left proved but unused goals). */
function reachable(nodes: readonly ProofNode[], root: string): ProofNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const keep = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (keep.has(id)) continue;
    const n = byId.get(id);
    if (n === undefined) continue;
    keep.add(id);
    stack.push(...n.children);
  }
  return nodes.filter((n) => keep.has(n.id));
}

/** The tuples of a positive proof in pre-order: root first, children left to right. */
function pathOf(nodes: readonly ProofNode[], root: string): Tuple[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out: Tuple[] = [];
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    const n = byId.get(stack.pop()!);
    if (n === undefined || n.result === "NO_PERMISSION" || seen.has(n.id)) continue;
    seen.add(n.id);
    out.push(...n.tuples);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

/**
 * Checks `req` and explains the answer. The answer is the Evaluator's (the same errors:
 * FAILED_PRECONDITION, INVALID_ARGUMENT, RESOURCE_EXHAUSTED); contextual tuples count as written.
 */
export function explainCheck(
  schema: TypeSystem,
  reader: TupleReader,
  req: CheckRequest,
  options: ExplainOptions = {},
): Proof {
  const maxDepth = options.maxDepth ?? 10_000;
  const r =
    req.contextualTuples !== undefined && req.contextualTuples.length > 0
      ? new OverlayReader(reader, req.contextualTuples)
      : reader;
  const x = new Explainer(schema, r, req.subject, Math.max(1, options.maxNodes ?? 10_000), maxDepth);
  // The Evaluator's answer first: it validates the request exactly as check does, and fills the
  // cache the proof reads its goals' values from.
  const value = x.rootValue(req);
  const member = schema.require(req.resource.type, req.permission);
  // FAIL cannot come back for a least fixed point; a root id that names no node would show it.
  const root = trampoline(x.goal(req.resource.type, req.resource.id, member));
  const rootId =
    typeof root === "string" ? root : `${req.resource.type}:${req.resource.id}#${req.permission}`;
  const nodes = reachable(x.nodes, rootId);
  return {
    value,
    permissionship: permissionship(value),
    root: rootId,
    nodes,
    truncated: x.truncated,
    path: value === NO ? [] : pathOf(nodes, rootId),
  };
}
