/**
 * Check: is `subject` in `resource#permission`? Three-valued (HAS / NO / CONDITIONAL), SpiceDB's
 * semantics, evaluated over a TupleReader.
 *
 * This file is the public surface: the `Evaluator` (request validation, contextual tuples, the
 * per-reader caches it keeps across checks) and its request and option types. One check is
 * evaluated by a reusable run whose parts live in check/, one concept per file:
 * - check/run.ts: the loop over the explicit frame stack and the step of each rewrite kind;
 * - check/dispatch.ts: how one goal is answered (memo, shared cache, shortcut, or a GOAL frame);
 * - check/shortcuts.ts: the group-closure and recursive-arrow shortcuts (with recursiveArrow.ts);
 * - check/goals.ts: the goal stack, the memo and the cycle (low-link, provisional-result) rules;
 * - check/state.ts: the per-check state, the frame stack's primitives, direct grants;
 * - check/frame.ts: the frame.
 */
import { invalidArgument } from "../errors.ts";
import type { CheckRequest } from "./request.ts";
import type { TypeSystem } from "../typesystem/typesystem.ts";
import type { SubResultCache } from "./cache.ts";
import { GroupClosure } from "./closure.ts";
import { OverlayReader } from "./overlayReader.ts";
import { IndexReader } from "./reader.ts";
import type { TupleReader } from "./reader.ts";
import { CONDITIONAL, type CheckValue } from "./result.ts";
import { ConditionReader } from "./conditionReader.ts";
import { exactMissingContext } from "./missingContext.ts";
import { FRAME } from "./check/frame.ts";
import type { RecursiveArrow } from "./check/recursiveArrow.ts";
import { Run } from "./check/run.ts";
import type { EvalStats } from "./check/state.ts";

export type { EvalStats } from "./check/state.ts";

export const DEFAULT_MAX_DEPTH = 10_000;

export type { CheckRequest } from "./request.ts";

/** A check's answer with the caveat parameters a CONDITIONAL answer is waiting for. */
export interface CheckAnswer {
  readonly value: CheckValue;
  /** Sorted; empty unless `value` is CONDITIONAL. */
  readonly missingContext: readonly string[];
}

export interface CheckOptions {
  /** Dispatch hops allowed before RESOURCE_EXHAUSTED "max depth exceeded" (< 2^20). */
  readonly maxDepth?: number;
  /**
   * Name in a CONDITIONAL answer's missingContext only the parameters SpiceDB names (those of the
   * answer's caveat expression, missingContext.ts), not every caveat the walk met. Default true.
   */
  readonly exactMissingContext?: boolean;
  /** Shared cross-check cache; absent = off. */
  readonly cache?: SubResultCache;
  /** Default cache scope (store + incarnation + revision); `check`'s `scope` argument wins. */
  readonly cacheScope?: string;
  /**
   * Answer pure-`this` group subgraphs through the group closure (closure.ts) when the reader is
   * an IndexReader and the request has no contextual tuples. Default true; false = plain walk.
   */
  readonly closure?: boolean;
  /** The clock expirations are judged by (ms since the epoch); default Date.now. */
  readonly clock?: () => number;
}

export class Evaluator {
  readonly stats: EvalStats = { checks: 0, goals: 0, visitedHits: 0, cacheHits: 0, closureHits: 0 };
  readonly maxDepth: number;
  /** Reader relation ids per member, per reader (handles are reader-specific). */
  private readonly relIds = new WeakMap<TupleReader, Int32Array>();
  /** Per member: its recursive-arrow shape, or null (check/recursiveArrow.ts). */
  readonly arrowShapes = new Map<number, RecursiveArrow | null>();
  /** Group closures per index (they depend on this schema: which members are pure `this`). */
  private readonly closures = new WeakMap<object, GroupClosure>();
  /** Where expirations are judged from: the store's clock where one was given. */
  private readonly clock: () => number;
  /** The ConditionReader of the last check (conditionReader()). */
  private lastConditions: ConditionReader | undefined;
  /** One reusable run: checks are synchronous, so they never overlap. */
  private readonly run = new Run(this);

  constructor(
    readonly schema: TypeSystem,
    private readonly options: CheckOptions = {},
  ) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.clock = options.clock ?? Date.now;
    if (this.maxDepth >= FRAME.INF) throw invalidArgument(`maxDepth must be below ${FRAME.INF}`);
  }

  /**
   * Validates the request against the schema (FAILED_PRECONDITION / INVALID_ARGUMENT) and
   * evaluates it. `scope` names what the reader reflects (Projection.cacheScope) for the shared
   * cache; without one (or with contextual tuples) the shared cache is not used.
   */
  check(
    reader: TupleReader,
    req: CheckRequest,
    scope: string | undefined = this.options.cacheScope,
  ): CheckValue {
    return this.answer(reader, req, scope).value;
  }

  /** The time expirations are judged by: the store's clock where the evaluator was given one. */
  now(): number {
    return this.clock();
  }

  /** The request's caveats and expiries as judged now, over `reader` (conditionReader.ts). */
  conditions(reader: TupleReader, context: CheckRequest["context"]): TupleReader {
    return ConditionReader.over(reader, this.schema, { context, clock: this.clock });
  }

  /**
   * `check` with the missing caveat parameters. A schema with caveats or expirations evaluates on
   * a ConditionReader, without the shared cache (its entries would not know the context or the
   * clock); the group closure is used only where its conditions hold for the request (closure.ts).
   */
  answer(
    reader: TupleReader,
    req: CheckRequest,
    scope: string | undefined = this.options.cacheScope,
  ): CheckAnswer {
    const member = this.schema.require(req.resource.type, req.permission);
    const s = req.subject;
    if (!this.schema.hasType(s.type)) this.schema.require(s.type, s.relation);
    if (s.relation !== "") this.schema.require(s.type, s.relation);
    if (s.id === "*") {
      if (this.schema.origin === "zed")
        throw invalidArgument(`subject: a wildcard (${s.type}:*) cannot be the subject of a check`, {
          field: "subject",
        });
      if (s.relation !== "")
        throw invalidArgument("subject: a wildcard subject cannot have a relation", { field: "subject" });
    }
    const contextual = req.contextualTuples !== undefined && req.contextualTuples.length > 0;
    // A ConditionReader given by the caller (a lookup's) keeps its context and clock.
    const given = reader instanceof ConditionReader ? reader : undefined;
    const base = given?.base ?? reader;
    const overlaid = contextual ? new OverlayReader(base, req.contextualTuples!) : base;
    const r =
      given !== undefined && !contextual
        ? given
        : this.schema.conditional
          ? this.conditionReader(overlaid, req.context ?? given?.context, given?.now)
          : overlaid;
    // One reader may serve many checks (a lookup's): each answer names its own missing parameters.
    if (r instanceof ConditionReader) {
      r.missing.clear();
      r.deferred = undefined;
    }
    // The shared cache knows neither context nor clock; the closure gates on them per request.
    const plain = !contextual && r === base;
    this.stats.checks++;
    const value = this.run.check(
      r,
      req.resource,
      s,
      member,
      plain && scope !== undefined ? this.options.cache : undefined,
      scope ?? "",
      contextual ? undefined : this.relIdsOf(base),
      contextual ? undefined : this.closureOf(base),
    );
    if (value === CONDITIONAL && r instanceof ConditionReader && r.deferred !== undefined) throw r.deferred;
    if (value !== CONDITIONAL || !(r instanceof ConditionReader)) return { value, missingContext: [] };
    // The walk names every caveat it met undecided; SpiceDB only those on the answer's caveat
    // expression (missingContext.ts), recomputed here for the (rarer) CONDITIONAL answers.
    const walked = r.missingContext();
    const exact =
      this.schema.origin === "zed" && this.options.exactMissingContext !== false
        ? exactMissingContext(
            this.schema,
            r,
            req,
            this.maxDepth,
            (o) => new Evaluator(this.schema, { ...o, exactMissingContext: false }),
          )
        : undefined;
    return { value, missingContext: exact ?? walked };
  }

  /**
   * A ConditionReader for one check over `base`: the last one, restarted, when it was over the same
   * base (checks are synchronous and the reader does not outlive the check), else a new one.
   */
  private conditionReader(
    base: TupleReader,
    context: CheckRequest["context"],
    now: number | undefined,
  ): ConditionReader {
    const last = this.lastConditions;
    if (last !== undefined && last.base === base) return last.restart(context, now);
    const r = new ConditionReader(base, this.schema, { context, now, clock: this.clock });
    // Overlays (contextual tuples) are per request: keeping one would only pin its tuples.
    if (!(base instanceof OverlayReader)) this.lastConditions = r;
    return r;
  }

  /** The group closure used for checks on `reader` (undefined: not an IndexReader, or turned off). */
  closureOf(reader: TupleReader): GroupClosure | undefined {
    if (this.options.closure === false || !(reader instanceof IndexReader)) return undefined;
    let c = this.closures.get(reader.index);
    if (c === undefined) {
      c = new GroupClosure(reader.index, this.schema);
      this.closures.set(reader.index, c);
    }
    return c;
  }

  private relIdsOf(reader: TupleReader): Int32Array {
    let ids = this.relIds.get(reader);
    if (ids === undefined) {
      ids = new Int32Array(this.schema.members.length).fill(-2);
      this.relIds.set(reader, ids);
    }
    return ids;
  }
}
