/**
 * What a check asks (its own module so that proof and missing-context computations, which the
 * Evaluator calls, can name it without importing the Evaluator).
 */
import type { ObjectRef, SubjectRef, Tuple } from "../model/tuple.ts";

export interface CheckRequest {
  readonly resource: ObjectRef;
  readonly permission: string;
  readonly subject: SubjectRef;
  /** Count as written for this request only (≤ 100); such requests bypass the shared cache. */
  readonly contextualTuples?: readonly Tuple[];
  /** Caveat context (conditionReader.ts); stored context wins where both name a parameter. */
  readonly context?: Readonly<Record<string, unknown>>;
}
