/**
 * The frame of the check's explicit stack (check/run.ts): sub-problems live here, never on the JS
 * stack, so a check's depth is bounded by `maxDepth` and not by V8. One class with one shape for
 * every kind keeps property access monomorphic on the hot path; frames are pooled (state.ts).
 */
import { NO } from "../result.ts";
import type { CheckValue } from "../result.ts";
import type { CompiledMember, CompiledRewrite } from "../../typesystem/typesystem.ts";

/**
 * The run's constants, as one object: a file that reads them on the hot path destructures it into
 * module-local consts (`const { INF, GOAL } = FRAME;`). V8 reads an imported binding through its
 * module cell at every use, a module's own const straight from its context: imported one by one,
 * these made plain walks 5–15 % slower (the frame loop's switch reads them at every step).
 */
export const FRAME = {
  /** "Depends on no goal in progress"; also the bound on maxDepth (memo entries pack `low` in 20 bits). */
  INF: 1 << 20,
  // Frame kinds.
  GOAL: 0,
  UNION: 1,
  INTERSECTION: 2,
  EXCLUSION: 3,
  THIS: 4,
  ARROW: 5,
} as const;

const { INF, GOAL } = FRAME;

/** One frame of the explicit stack; a single shape for every kind keeps property access monomorphic. */
export class Frame {
  kind: number = GOAL;
  node: CompiledRewrite | null = null;
  obj = -1;
  member: CompiledMember | null = null;
  /** Reader relation id of `member` (THIS) or of the tupleset (ARROW). */
  rel = -1;
  /** Child index (UNION/INTERSECTION), phase (EXCLUSION, ARROW list). */
  idx = 0;
  cursor = 0;
  acc: CheckValue = NO;
  low = INF;
  /** The edge being followed is caveated: cap the child's answer at CONDITIONAL. */
  caveated = false;
  /** ARROW: subjects visited (`.all` over none is NO). */
  count = 0;
  // GOAL only.
  /** GOAL: refused the closure for depth; the plain walk runs below it (`suppressed`, goals.ts). */
  noClosure = false;
  /** Highest `low` among provisional entries logged during this goal (-1: none); skips no-op rescans. */
  maxLow = -1;
  depth = 0;
  logMark = 0;
  assumed: CheckValue = NO;
}
