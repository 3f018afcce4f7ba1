/**
 * The schema shape the recursive-arrow shortcut (shortcuts.ts) applies to: `permission p = t1 + … +
 * tk + tupleset->p`. A property of one member alone, so it is recognised once per member and kept
 * by the Evaluator (`arrowShapes`); a file of its own so that the run's base (state.ts) can name the
 * type without importing the shortcuts.
 */
import type { CompiledMember, CompiledRewrite } from "../../typesystem/typesystem.ts";

/** `permission p = t1 + … + tk + tupleset->p` (ShortcutRun.viaArrowClosure). */
export interface RecursiveArrow {
  readonly tupleset: CompiledMember;
  readonly terms: readonly CompiledMember[];
}

/**
 * The shape `permission p = t1 + … + tk + parent->p` (one arrow `.any` back to this same member;
 * every other term `this` or a relation whose rewrite is `this`): the arrow's tupleset and the
 * relations of the other terms, or null.
 */
export function recursiveArrowOf(member: CompiledMember): RecursiveArrow | null {
  const rw = member.rewrite;
  if (rw.kind !== "union") return null;
  let arrow: (CompiledRewrite & { kind: "arrow" }) | undefined;
  const terms: CompiledMember[] = [];
  let ok = true;
  for (const ch of rw.children) {
    if (ch.kind === "arrow" && arrow === undefined && ch.mode === "any" && ch.computed === member.name) {
      if (ch.tupleset === undefined || ch.tupleset.rewrite.kind !== "this") ok = false;
      arrow = ch;
    } else if (ch.kind === "this") terms.push(member);
    else if (ch.kind === "computed" && ch.member !== undefined && ch.member.rewrite.kind === "this")
      terms.push(ch.member);
    else ok = false;
  }
  return ok && arrow !== undefined && arrow.tupleset !== undefined
    ? { tupleset: arrow.tupleset, terms }
    : null;
}
