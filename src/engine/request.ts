/**
 * What a check asks (its own module so that proof and missing-context computations, which the
 * Evaluator calls, can name it without importing the Evaluator).
 */
import type { ObjectRef, SubjectRef, Tuple } from "../model/tuple.ts";

/** What any evaluation may bring besides the stored relationships (checks and lookups alike). */
export interface RequestInputs {
  /** Count as written for this request only (≤ 100); such requests bypass the shared cache. */
  readonly contextualTuples?: readonly Tuple[];
  /** Caveat context (conditionReader.ts); stored context wins where both name a parameter. */
  readonly context?: Readonly<Record<string, unknown>>;
}

export interface CheckRequest extends RequestInputs {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
}
