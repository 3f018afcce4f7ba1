/**
 * The evaluator interface: what a request is evaluated on, and the contract both evaluators keep.
 *
 * Relgraph has two evaluators, and they differ only in which TupleReader the unchanged engine runs
 * on: the in-memory projection (memoryEvaluator.ts: a copy of the store held in this process, kept
 * current from the change log) and the Cypher evaluator (cypherEvaluator.ts: for each request, the
 * part of the store it can reach, read from Neo4j in one round trip). Which one serves a store is
 * decided by one policy (policy.ts); the coordinator (relgraph.ts) never branches on it.
 *
 * Example: evaluate("default", {kind: "check", request}, {kind: "fullyConsistent"}) → on the memory
 * evaluator, the store's projection caught up with Neo4j's head; on the Cypher evaluator, the
 * closure of `request.resource` read at Neo4j's head. Either way the caller runs
 * `evaluation.evaluator.check(evaluation.reader, request, evaluation.scope)`.
 */
import type { CheckRequest, Evaluator } from "../engine/check.ts";
import type { TupleReader } from "../engine/reader.ts";
import type { ObjectRef, SubjectRef, Tuple } from "../model/tuple.ts";
import type { Revision } from "../store/interface.ts";
import type { TypeSystem } from "../typesystem/typesystem.ts";
import type { EvaluatorKind } from "../config.ts";
import type { Consistency } from "./service.ts";

/** What one request is evaluated on: the engine over a reader, at a revision of the store. */
export interface Evaluation extends Snapshot {
  readonly schema: TypeSystem;
  /** The store's check evaluator for `schema` (with the shared sub-result cache where it helps). */
  readonly evaluator: Evaluator;
  readonly reader: TupleReader;
}

/** A point a store's reads are served at, without the tuples. */
export interface Snapshot {
  readonly revision: Revision;
  /**
   * Results computed on an evaluation may be shared under this key (the sub-result cache, computed
   * lookups): it changes with the revision, the schema and anything else that changes answers.
   */
  readonly scope: string;
}

/**
 * What a request reads. The memory evaluator holds the whole store and ignores it; the Cypher
 * evaluator reads just that part of the store.
 */
export type ReadTarget =
  /** One check: the closure of its resource (and contextual tuples' objects) for its subject. */
  | { readonly kind: "check"; readonly request: CheckRequest }
  /** Every tuple reachable from `resource` (expand, subjects, lookupSubjects). */
  | { readonly kind: "forward"; readonly resource: ObjectRef; readonly contextualTuples: readonly Tuple[] }
  /** The objects that reach `subject` backwards, with what their evaluation reads (lookupResources). */
  | { readonly kind: "reverse"; readonly subject: SubjectRef; readonly contextualTuples: readonly Tuple[] };

export interface EvaluatorSource {
  readonly kind: EvaluatorKind;
  /**
   * Whether one evaluation serves every target of a store (memory: the whole projection), so a
   * batch evaluates once; false when each target reads its own part (Cypher).
   */
  readonly wholeStore: boolean;
  /**
   * An evaluation of `store` for `target` meeting `consistency` (consistency.ts). NOT_FOUND for an
   * unknown store, FAILED_PRECONDITION for a store without a schema.
   */
  evaluate(store: string, target: ReadTarget, consistency: Consistency | undefined): Promise<Evaluation>;
  /** Where a new evaluation would be served, without reading tuples (a later lookup page's first step). */
  snapshot(store: string, consistency: Consistency | undefined): Promise<Snapshot>;
  /** After this process's own write at `revision`: later reads here see it (read-your-writes). */
  written(store: string, revision: Revision): Promise<void>;
  /** The store was deleted: drop what is held for it. */
  forget(store: string): void;
  close(): void;
}
