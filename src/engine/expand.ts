/**
 * Expand: the whole userset tree of `resource#permission`, down to the subjects, as a flat DAG.
 *
 * GraphQL cannot select a tree of unknown depth, so the tree is a list of nodes that name their
 * children by id:
 *
 *   document:doc#view          UNION         children [document:doc#view.0, document:doc#view.1]
 *   document:doc#view.0        COMPUTED      viewer  children [document:doc#viewer]
 *   document:doc#viewer        DIRECT        subjects [user:ann, group:eng#member]  children [group:eng#member]
 *   document:doc#view.1        ARROW         parent->view  children [folder:f#view]
 *   group:eng#member           DIRECT        subjects [user:bob]
 *
 * - A goal (object, relation/permission) is one node, id `type:id#relation`, however many parents
 *   reach it: shared sub-results are shared nodes (the 20×4 diamond is ~80 nodes, not 4^20 paths).
 *   Rewrite nodes below a goal get `goal.i.j` ids (the position in the rewrite).
 * - A goal met again while it is being expanded (a data cycle) is a stub node `goal~cycle` with
 *   `cycleTo: goal` and no children: the graph stays acyclic and the cycle is visible.
 * - `maxNodes` caps the node count; past it, `truncated` is true and child lists only name nodes
 *   that exist (never a silently cut tree).
 * - Subjects are listed where they are written (DIRECT nodes, `self`); a userset subject
 *   (`group:eng#member`) is listed *and* expanded as a child. Wildcards appear as `user:*`.
 *
 * It reads tuples exactly as the subject enumerator (subjects.ts) does — the same walk of direct
 * and userset subjects, the same OpenFGA misfit rule — but is iterative (a trampoline of
 * generators, trampoline.ts), so a 4,000-hop chain does not touch the JS stack limit, and it keeps
 * the structure instead of folding it into subject sets.
 */
import { ErrorCode, RelgraphError, unreachable } from "../errors.ts";
import type { ObjectRef, SubjectRef } from "../model/tuple.ts";
import { allowedKeyOf, writtenSubjects, type TupleReader, type TupleTraits } from "./reader.ts";
import { ConditionReader } from "./conditionReader.ts";
import type { CompiledMember, CompiledRewrite, TypeSystem } from "../typesystem/typesystem.ts";
import { trampoline, type Step } from "./trampoline.ts";

export type ExpandKind = "UNION" | "INTERSECTION" | "EXCLUSION" | "ARROW" | "COMPUTED" | "DIRECT";

export interface ExpandNode {
  readonly id: string;
  readonly kind: ExpandKind;
  readonly resource: ObjectRef;
  /** The relation or permission (goal nodes), the computed relation, or `tupleset->computed`. */
  readonly relation: string;
  readonly children: string[];
  /** Subjects written here (DIRECT) or the object itself (`self`). */
  readonly subjects: SubjectRef[];
  /** Subjects of `subjects` held only through a caveated relationship (keys `type:id#rel`). */
  readonly caveated?: string[];
  /**
   * The caveat parameters the request's context lacks for the relationships of this node that
   * stayed CONDITIONAL (its subjects', or an arrow's tupleset relationships'), sorted.
   */
  readonly missingContext?: string[];
  /** Set on a cycle stub: the goal node this one stands for. */
  cycleTo?: string;
}

export interface ExpandTree {
  readonly root: string;
  readonly nodes: readonly ExpandNode[];
  readonly truncated: boolean;
}

export interface ExpandTreeOptions {
  /** Node cap (default 10,000). */
  readonly maxNodes?: number;
  /** Goal nesting bound (default 10,000): RESOURCE_EXHAUSTED beyond. */
  readonly maxDepth?: number;
}

export const DEFAULT_MAX_NODES = 10_000;

interface Written {
  readonly subject: SubjectRef;
  readonly caveated: boolean;
  readonly traits?: TupleTraits | undefined;
}

/** The expand/explain node kind of a rewrite node (shared by both). */
export const kindOfRewrite = (r: CompiledRewrite): ExpandKind => {
  switch (r.kind) {
    case "this":
    case "self":
      return "DIRECT";
    case "computed":
      return "COMPUTED";
    case "arrow":
      return "ARROW";
    case "union":
    case "nil":
      return "UNION";
    case "intersection":
      return "INTERSECTION";
    case "exclusion":
      return "EXCLUSION";
    default:
      return unreachable(r, "rewrite");
  }
};

const goalId = (type: string, id: string, relation: string): string => `${type}:${id}#${relation}`;

class TreeBuilder {
  readonly nodes: ExpandNode[] = [];
  private readonly byId = new Map<string, ExpandNode>();
  private readonly inProgress = new Set<string>();
  truncated = false;
  private depth = 0;

  constructor(
    private readonly schema: TypeSystem,
    private readonly reader: TupleReader,
    private readonly maxNodes: number,
    private readonly maxDepth: number,
  ) {}

  /** A new node, or undefined when the cap is reached (and `truncated` set). */
  private add(node: ExpandNode): ExpandNode | undefined {
    if (this.nodes.length >= this.maxNodes) {
      this.truncated = true;
      return undefined;
    }
    this.nodes.push(node);
    this.byId.set(node.id, node);
    return node;
  }

  /** The goal node's id (expanding it first), a cycle stub's id, or undefined (cap reached). */
  *goal(type: string, id: string, member: CompiledMember): Step<string | undefined> {
    const key = goalId(type, id, member.name);
    if (this.inProgress.has(key)) {
      const stubId = `${key}~cycle`;
      if (this.byId.has(stubId)) return stubId;
      return this.add({
        id: stubId,
        kind: kindOfRewrite(member.rewrite),
        resource: { type, id },
        relation: member.name,
        children: [],
        subjects: [],
        cycleTo: key,
      })?.id;
    }
    if (this.byId.has(key)) return key;
    if (this.depth >= this.maxDepth)
      throw new RelgraphError(ErrorCode.RESOURCE_EXHAUSTED, "max depth exceeded", {
        reason: "max-depth-exceeded",
        maxDepth: this.maxDepth,
      });
    this.inProgress.add(key);
    this.depth++;
    try {
      return yield* this.rewrite(member.rewrite, type, id, member, key, member.name);
    } finally {
      this.depth--;
      this.inProgress.delete(key);
    }
  }

  /** Builds the node for rewrite `r` (id `nodeId`) and its descendants; returns its id. */
  private *rewrite(
    r: CompiledRewrite,
    type: string,
    id: string,
    member: CompiledMember,
    nodeId: string,
    relation: string,
  ): Step<string | undefined> {
    const resource: ObjectRef = { type, id };
    switch (r.kind) {
      case "nil":
        return this.add({ id: nodeId, kind: "UNION", resource, relation, children: [], subjects: [] })?.id;
      case "self":
        return this.add({
          id: nodeId,
          kind: "DIRECT",
          resource,
          relation,
          children: [],
          subjects: [{ type, id, relation: "" }],
        })?.id;
      case "computed": {
        const node = this.add({
          id: nodeId,
          kind: "COMPUTED",
          resource,
          relation: nodeId === goalId(type, id, member.name) ? member.name : r.relation,
          children: [],
          subjects: [],
        });
        if (node === undefined) return undefined;
        if (r.member !== undefined) {
          const child = (yield this.goal(type, id, r.member)) as string | undefined;
          if (child !== undefined) node.children.push(child);
        }
        return node.id;
      }
      case "this": {
        const written = this.written(type, id, member);
        const caveated = written.filter((w) => w.caveated).map((w) => subjectKey(w.subject));
        const missing = this.missingOf(written);
        const node = this.add({
          id: nodeId,
          kind: "DIRECT",
          resource,
          relation: member.name,
          children: [],
          subjects: written.map((w) => w.subject),
          ...(caveated.length > 0 ? { caveated } : {}),
          ...(missing.length > 0 ? { missingContext: missing } : {}),
        });
        if (node === undefined) return undefined;
        for (const w of written) {
          if (w.subject.relation === "") continue;
          const target = this.schema.member(w.subject.type, w.subject.relation);
          if (target === undefined) continue;
          const child = (yield this.goal(w.subject.type, w.subject.id, target)) as string | undefined;
          if (child !== undefined && !node.children.includes(child)) node.children.push(child);
        }
        return node.id;
      }
      case "arrow": {
        const tupleset = r.tupleset;
        const followed = tupleset === undefined ? [] : this.written(type, id, tupleset);
        const missing = this.missingOf(followed);
        const node = this.add({
          id: nodeId,
          kind: "ARROW",
          resource,
          relation: `${tupleset?.name ?? "?"}${r.mode === "all" ? ".all" : ""}->${r.computed}`,
          children: [],
          subjects: [],
          ...(missing.length > 0 ? { missingContext: missing } : {}),
        });
        if (node === undefined || tupleset === undefined) return node?.id;
        for (const w of followed) {
          if (w.subject.id === "*") continue;
          const target = this.schema.member(w.subject.type, r.computed);
          if (target === undefined) continue;
          const child = (yield this.goal(w.subject.type, w.subject.id, target)) as string | undefined;
          if (child !== undefined && !node.children.includes(child)) node.children.push(child);
        }
        return node.id;
      }
      case "union":
      case "intersection": {
        const node = this.add({
          id: nodeId,
          kind: kindOfRewrite(r),
          resource,
          relation,
          children: [],
          subjects: [],
        });
        if (node === undefined) return undefined;
        for (let i = 0; i < r.children.length; i++) {
          const child = (yield this.rewrite(r.children[i]!, type, id, member, `${nodeId}.${i}`, relation)) as
            string | undefined;
          if (child !== undefined) node.children.push(child);
        }
        return node.id;
      }
      case "exclusion": {
        const node = this.add({
          id: nodeId,
          kind: "EXCLUSION",
          resource,
          relation,
          children: [],
          subjects: [],
        });
        if (node === undefined) return undefined;
        const base = (yield this.rewrite(r.base, type, id, member, `${nodeId}.0`, relation)) as
          string | undefined;
        if (base !== undefined) node.children.push(base);
        const subtract = (yield this.rewrite(r.subtract, type, id, member, `${nodeId}.1`, relation)) as
          string | undefined;
        if (subtract !== undefined) node.children.push(subtract);
        return node.id;
      }
      default:
        return unreachable(r, "rewrite");
    }
  }

  /** The parameters the caveats of the CONDITIONAL relationships among `written` lack, sorted. */
  private missingOf(written: readonly Written[]): string[] {
    const r = this.reader;
    if (!(r instanceof ConditionReader)) return [];
    const out = new Set<string>();
    for (const w of written)
      if (w.caveated && w.traits !== undefined) for (const m of r.missingOf(w.traits)) out.add(m);
    return [...out].sort();
  }

  /** Subjects written on type:id#member (direct ones first, then usersets), as subjects.ts reads them. */
  private written(type: string, id: string, member: CompiledMember): Written[] {
    const out: Written[] = [];
    const seen = new Set<string>();
    for (const w of writtenSubjects(this.reader, type, id, member.name)) {
      if (this.schema.origin === "openfga" && !member.allowedKeys.has(allowedKeyOf(w.subject))) continue;
      const key = subjectKey(w.subject);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(w);
    }
    return out;
  }
}

function subjectKey(s: SubjectRef): string {
  return s.relation === "" ? `${s.type}:${s.id}` : `${s.type}:${s.id}#${s.relation}`;
}

/**
 * The expand tree of resource#permission. FAILED_PRECONDITION for an unknown type or permission
 * (as check); RESOURCE_EXHAUSTED past `maxDepth` nested goals.
 */
export function expandTree(
  schema: TypeSystem,
  reader: TupleReader,
  resource: ObjectRef,
  permission: string,
  options: ExpandTreeOptions = {},
): ExpandTree {
  const member = schema.require(resource.type, permission);
  const maxNodes = Math.max(1, options.maxNodes ?? DEFAULT_MAX_NODES);
  const b = new TreeBuilder(schema, reader, maxNodes, options.maxDepth ?? 10_000);
  const root = trampoline(b.goal(resource.type, resource.id, member));
  return {
    root: root ?? goalId(resource.type, resource.id, permission),
    nodes: b.nodes,
    truncated: b.truncated,
  };
}
