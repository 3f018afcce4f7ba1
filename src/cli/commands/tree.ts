/**
 * Indented text for the flat DAGs of expand and explain (`relgraph expand`, `relgraph check
 * --explain`). A node reached again prints once more as `… (shown above)`; a cycle stub as
 * `↻ cycle to <id>`. Iterative, with the indentation capped at MAX_INDENT levels (deeper lines show
 * their depth), so a 4,000-hop chain prints in linear size.
 *
 *   EXCLUSION document:d#view  HAS_PERMISSION
 *     UNION document:d#view  HAS_PERMISSION
 *       DIRECT document:d#viewer  HAS_PERMISSION  via document:d#viewer@group:eng#member
 *         DIRECT group:eng#member  HAS_PERMISSION  via group:eng#member@user:ann
 *     COMPUTED document:d#banned  NO_PERMISSION  (the subtracted side did not hold)
 */
import { formatObjectRef, formatSubjectRef, formatTuple } from "../../model/tuple.ts";
import type { ExpandOutcome, ExpandNode, Explanation, ProofNode } from "../../coordinator/service.ts";

const MAX_INDENT = 40;

interface TreeNode {
  readonly id: string;
  readonly children: readonly string[];
  readonly cycleTo?: string;
}

function formatTree<N extends TreeNode>(root: string, nodes: readonly N[], line: (n: N) => string): string {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const shown = new Set<string>();
  const out: string[] = [];
  const stack: { id: string; depth: number }[] = [{ id: root, depth: 0 }];
  while (stack.length > 0) {
    const { id, depth } = stack.pop()!;
    const indent = "  ".repeat(Math.min(depth, MAX_INDENT)) + (depth > MAX_INDENT ? `[${depth}] ` : "");
    const n = byId.get(id);
    if (n === undefined) {
      out.push(`${indent}… ${id} (not shown: node limit)`);
      continue;
    }
    if (n.cycleTo !== undefined) {
      out.push(`${indent}↻ cycle to ${n.cycleTo}`);
      continue;
    }
    if (shown.has(id)) {
      out.push(`${indent}… ${id} (shown above)`);
      continue;
    }
    shown.add(id);
    out.push(`${indent}${line(n)}`);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push({ id: n.children[i]!, depth: depth + 1 });
  }
  return `${out.join("\n")}\n`;
}

function proofLine(n: ProofNode): string {
  let s = `${n.kind} ${formatObjectRef(n.resource)}#${n.relation}  ${n.result}`;
  if (n.tuples.length > 0) s += `  via ${n.tuples.map(formatTuple).join(", ")}`;
  else if (n.subjects.length > 0) s += `  ${n.subjects.map(formatSubjectRef).join(", ")}`;
  if (n.note !== undefined) s += `  (${n.note})`;
  return s;
}

function expandLine(n: ExpandNode): string {
  let s = `${n.kind} ${formatObjectRef(n.resource)}#${n.relation}`;
  if (n.subjects.length > 0) s += `  subjects: ${n.subjects.map(formatSubjectRef).join(", ")}`;
  return s;
}

/** The proof tree, then (for a grant) the access path, its Browser Cypher and URL. */
export function formatExplanation(e: Explanation): string {
  let s = `\nproof:\n${formatTree(e.root, e.nodes, proofLine)}`;
  if (e.truncated) s += "(truncated: the proof has more nodes than shown)\n";
  if (e.path.length > 0) {
    s += `\npath (${e.path.length} relationship${e.path.length === 1 ? "" : "s"}):\n`;
    s += e.path.map((t, i) => `  ${i + 1}. ${formatTuple(t)}\n`).join("");
  }
  if (e.cypher !== undefined) s += `\nNeo4j Browser (paste into the editor):\n${e.cypher}\n`;
  if (e.browserUrl !== undefined) s += `\nor open:\n${e.browserUrl}\n`;
  else if (e.cypher !== undefined)
    s += "\n(no Browser URL: the path is too long for one; paste the Cypher above)\n";
  return s;
}

/** The expand tree as indented text. */
export function formatExpand(e: ExpandOutcome): string {
  let s = formatTree(e.root, e.nodes, expandLine);
  if (e.truncated) s += "(truncated: the tree has more nodes than --max-nodes)\n";
  return s;
}
