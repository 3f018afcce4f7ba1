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
 * evaluated once and a proof costs O(goals)), a branch's value is recomputed from its goals'
 * values (both in proofValues.ts), and this module only decides which branch to show. Cycles: a positive proof never passes a
 * goal it is proving (a branch that would is skipped: HAS is a least fixed point, so another branch
 * grants); a denial reaching a goal it is explaining gets a `cycleTo` stub, as in expand.
 * Iterative (trampoline.ts): 4,000-hop proofs do not use the JS stack.
 */
import { unreachable } from "../errors.ts";
import type { ObjectRef, SubjectRef, Tuple } from "../model/tuple.ts";
import { Evaluator, type CheckRequest } from "./check.ts";
import { kindOfRewrite, type ExpandKind } from "./expand.ts";
import { OverlayReader } from "./overlayReader.ts";
import { ConditionReader } from "./conditionReader.ts";
import { ProofValues } from "./proofValues.ts";
import type { TupleReader } from "./reader.ts";
import { HAS, NO, permissionship, type CheckValue, type Permissionship } from "./result.ts";
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
  /** The clock expirations are judged by (ms since the epoch); default now. */
  readonly now?: number;
}

/** A positive proof that would pass through a goal being proved: try another branch. */
const FAIL = null;
/** The node cap was reached: the branch exists but is not shown. */
const CUT = undefined;
type Ref = string | typeof FAIL | typeof CUT;

class Explainer {
  readonly nodes: ProofNode[] = [];
  private readonly byId = new Map<string, ProofNode>();
  private readonly proved = new Map<string, string>();
  private readonly onPath = new Set<string>();
  private readonly subject: SubjectRef;
  truncated = false;
  private serial = 0;

  constructor(
    private readonly values: ProofValues,
    private readonly maxNodes: number,
  ) {
    this.subject = values.subject;
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
    if (this.values.isSubjectUserset(type, id, member))
      return (
        this.proved.get(key) ??
        this.leaf("DIRECT", type, id, member.name, key, HAS, {
          subjects: [this.subject],
          note: "the subject is this userset",
        })
      );
    const done = this.proved.get(key);
    if (done !== undefined) return done;
    const v = this.values.goalValue(type, id, member);
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
        const direct = this.values.directGrant(type, id, member);
        if (positive && direct.value === v && direct.edge !== undefined)
          return this.leaf("DIRECT", type, id, member.name, nodeId, v, {
            tuples: [direct.edge.tuple],
            subjects: [direct.edge.subject],
          });
        const steps = this.values.usersetSteps(type, id, member);
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
        const steps = this.values.arrowSteps(type, id, r);
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
          const cv = this.values.valueOf(c, type, id, member);
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
          const cv = this.values.valueOf(c, type, id, member);
          if (!positive && cv !== NO) continue;
          const child = (yield this.rewrite(c, type, id, member, `${nodeId}.${i}`, relation, cv)) as Ref;
          if (child === FAIL) return FAIL;
          if (typeof child === "string") children.push(child);
          if (!positive) break;
        }
        return this.leaf("INTERSECTION", type, id, relation, nodeId, v, { children });
      }
      case "exclusion": {
        const bv = this.values.valueOf(r.base, type, id, member);
        const children: string[] = [];
        const base = (yield this.rewrite(r.base, type, id, member, `${nodeId}.0`, relation, bv)) as Ref;
        if (base === FAIL) return FAIL;
        if (typeof base === "string") children.push(base);
        if (bv !== NO) {
          const sv = this.values.valueOf(r.subtract, type, id, member);
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
  const overlaid =
    req.contextualTuples !== undefined && req.contextualTuples.length > 0
      ? new OverlayReader(reader, req.contextualTuples)
      : reader;
  // Caveats and expiries judged against the request's context, as check judges them.
  const r = ConditionReader.over(overlaid, schema, {
    ...(req.context !== undefined ? { context: req.context } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  const values = new ProofValues(
    schema,
    r,
    req.subject,
    maxDepth,
    (o) => new Evaluator(schema, { ...o, exactMissingContext: false }),
  );
  const x = new Explainer(values, Math.max(1, options.maxNodes ?? 10_000));
  // The Evaluator's answer first: it validates the request exactly as check does, and fills the
  // cache the proof reads its goals' values from.
  const value = values.rootValue(req);
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
