/**
 * ConditionReader: the evaluator's view of caveated and expiring tuples. It wraps any TupleReader
 * and resolves each edge the reader marks EDGE_CAVEATED (it has traits) for one request:
 * - expired (expiry ≤ the request's clock) → EDGE_ABSENT, as SpiceDB ignores it at read time;
 * - a caveat on stored context + request context (stored wins, as in SpiceDB) → true: EDGE_PRESENT,
 *   false: EDGE_ABSENT, a parameter missing: EDGE_CAVEATED (CONDITIONAL) and the parameters are
 *   recorded in `missing`; an OpenFGA-origin model answers a missing parameter with
 *   INVALID_ARGUMENT instead, as OpenFGA does.
 * The rest of the engine stays three-valued over EdgeState and never sees a caveat.
 *
 * Example: tuple `doc:1#viewer@user:anne[ip_ok:{"allowed":false}]`, caveat
 * `ip_ok(allowed bool, ip ipaddress) { allowed || ip.in_cidr("10.0.0.0/8") }`:
 *   context {ip: "10.1.1.1"} → PRESENT; {ip: "1.1.1.1"} → ABSENT; {} → CAVEATED, missing ["ip"].
 *
 * Edges with the same caveat and stored context evaluate alike for one request, so outcomes are
 * memoised by `TupleTraits.caveatKey`. `earliestExpiry` is the soonest expiry an answer depended
 * on (what a cached answer must not outlive).
 */
import { ErrorCode, isRelgraphError, RelgraphError } from "../errors.ts";
import { caveatKeyOf, EDGE_ABSENT, EDGE_CAVEATED, EDGE_PRESENT } from "../model/tupleIndex.ts";
import type { CaveatOutcome, CaveatProgram } from "../typesystem/caveat/program.ts";
import { checkContextSize, type TypeSystem } from "../typesystem/typesystem.ts";
import { ForwardingReader, type EdgeState, type TupleReader, type TupleTraits } from "./reader.ts";

/** What a request's caveats and expiries are evaluated against. */
export interface Conditions {
  /** The request's caveat context (JSON values, encoded as types.ts says). */
  readonly context?: Readonly<Record<string, unknown>> | undefined;
  /** The request's clock, ms since the epoch (Neo4j's clock where the store is Neo4j). */
  readonly now?: number | undefined;
  /** Where `now` comes from when not given, read once and only if an expiry is met (default Date.now). */
  readonly clock?: (() => number) | undefined;
  /**
   * false: judge expiries only, and leave every caveated relationship CONDITIONAL (what SpiceDB's
   * expand and `validation:` blocks show: `[user:tom[...]]`). Default true.
   */
  readonly caveats?: boolean;
}

function missingParameters(caveat: string, missing: readonly string[]): RelgraphError {
  return new RelgraphError(
    ErrorCode.INVALID_ARGUMENT,
    `condition "${caveat}": missing context parameter${missing.length === 1 ? "" : "s"} ${missing.map((m) => `"${m}"`).join(", ")}`,
    { field: "context", caveat, missingContext: missing },
  );
}

/** An edge's state for one request; a CONDITIONAL one names its missing parameters or deferred error. */
interface Outcome {
  readonly state: EdgeState;
  readonly missing?: readonly string[];
  readonly error?: RelgraphError;
}
const PRESENT: Outcome = { state: EDGE_PRESENT };
const ABSENT: Outcome = { state: EDGE_ABSENT };
const CAVEATED: Outcome = { state: EDGE_CAVEATED };

/** Context values bound once per stored traits object (the same tuple, many requests). */
const storedBindings = new WeakMap<TupleTraits, Map<string, unknown>>();

export class ConditionReader extends ForwardingReader {
  /** Parameters whose absence made some edge CONDITIONAL. */
  readonly missing = new Set<string>();
  earliestExpiry = Number.POSITIVE_INFINITY;
  /** The request's time, once read (a clock read is a system call on some VMs: only when needed). */
  private fixedNow: number | undefined;
  private readonly clock: () => number;
  private readonly caveats: boolean;
  context: Readonly<Record<string, unknown>>;
  private requestBindings: Map<string, Map<string, unknown>> | undefined;
  /** Per caveat key: the state, and the parameters it misses when CONDITIONAL. */
  private outcomes: Map<string, Outcome> | undefined;
  private lastTraits: TupleTraits | undefined;
  private lastTraitsOutcome: Outcome = CAVEATED;
  /** The request context was checked for size (checkContextSize). */
  private contextChecked = false;
  /** OpenFGA-origin: the first condition error met (thrown if the answer stays CONDITIONAL). */
  deferred: RelgraphError | undefined;
  /** OpenFGA-origin: the first condition error met by anything this reader served (list_users fails on it). */
  firstError: RelgraphError | undefined;
  private readonly openfga: boolean;

  constructor(
    base: TupleReader,
    private readonly schema: TypeSystem,
    conditions: Conditions = {},
  ) {
    super(base);
    this.context = conditions.context ?? {};
    this.fixedNow = conditions.now;
    this.clock = conditions.clock ?? Date.now;
    this.caveats = conditions.caveats ?? true;
    this.openfga = schema.origin === "openfga";
  }

  /**
   * This reader, made new for another request over the same base (what a fresh one would be): the
   * evaluator keeps one per base reader, as a reader and its maps per check showed in profiles.
   */
  restart(context: Readonly<Record<string, unknown>> | undefined, now: number | undefined): this {
    this.context = context ?? {};
    this.fixedNow = now;
    this.missing.clear();
    this.earliestExpiry = Number.POSITIVE_INFINITY;
    this.requestBindings?.clear();
    this.outcomes?.clear();
    this.lastTraits = undefined;
    this.lastTraitsOutcome = CAVEATED;
    this.contextChecked = false;
    this.deferred = undefined;
    this.firstError = undefined;
    return this;
  }

  /** The request's time (ms since the epoch): the given one, else the clock's, read once. */
  get now(): number {
    return (this.fixedNow ??= this.clock());
  }

  /** `reader` resolving `schema`'s conditions, or `reader` itself when no relation can have any. */
  static over(reader: TupleReader, schema: TypeSystem, conditions: Conditions = {}): TupleReader {
    if (!schema.conditional || reader instanceof ConditionReader) return reader;
    return new ConditionReader(reader, schema, conditions);
  }

  /** The missing parameters, sorted (for `missingContext`). */
  missingContext(): string[] {
    return [...this.missing].sort();
  }

  /** The relationship at `cursor` has a caveat that is false for this request (not merely expired). */
  caveatFalse(cursor: number): boolean {
    const traits = this.base.cursorTraits(cursor);
    if (traits?.caveat === undefined || !this.caveats) return false;
    if (traits.expiresAt !== undefined && traits.expiresAt <= this.now) return false;
    return this.resolveTraits(traits) === EDGE_ABSENT;
  }

  /** The state of an edge with these traits for this request (the group closure asks too). */
  resolveTraits(traits: TupleTraits | undefined): EdgeState {
    if (traits === undefined) return EDGE_CAVEATED;
    const o = this.outcomeOf(traits);
    if (o.missing !== undefined) for (const m of o.missing) this.missing.add(m);
    if (o.error !== undefined) {
      this.deferred ??= o.error;
      this.firstError ??= o.error;
    }
    return o.state;
  }

  /**
   * The state of an edge with these traits, for the shortcuts (closure.ts, check/shortcuts.ts): they
   * may stand in for a walk only where every edge they pass is present, so nothing is recorded
   * here (no missing parameter, no deferred error) and an evaluation error reads as CAVEATED: the
   * walk that then runs meets the edge, or not, as it would have.
   */
  gate(traits: TupleTraits | undefined): EdgeState {
    if (traits === undefined) return EDGE_CAVEATED;
    try {
      return this.outcomeOf(traits).state;
    } catch {
      return EDGE_CAVEATED;
    }
  }

  /** The parameters an edge with these traits misses for this request; records nothing. */
  missingOf(traits: TupleTraits): readonly string[] {
    try {
      return this.outcomeOf(traits).missing ?? [];
    } catch {
      return [];
    }
  }

  /** An answer depends on relationships that expire at `at` (for earliestExpiry). */
  dependsOnExpiry(at: number): void {
    if (at < this.earliestExpiry) this.earliestExpiry = at;
  }

  /**
   * The outcome of an edge with these traits; records only expiries. The index shares one traits
   * object among equal edges (TupleIndex.internTraits), so the last one is recognised by identity.
   */
  private outcomeOf(traits: TupleTraits): Outcome {
    if (traits === this.lastTraits) return this.lastTraitsOutcome;
    const o = this.resolveAfresh(traits);
    this.lastTraits = traits;
    this.lastTraitsOutcome = o;
    return o;
  }

  /** The outcome of an edge with these traits, memoised per caveat key. */
  private resolveAfresh(traits: TupleTraits): Outcome {
    if (traits.expiresAt !== undefined) {
      if (traits.expiresAt <= this.now) return ABSENT;
      if (traits.expiresAt < this.earliestExpiry) this.earliestExpiry = traits.expiresAt;
    }
    const caveat = traits.caveat;
    if (caveat === undefined) return PRESENT;
    if (!this.caveats) return CAVEATED;
    const key = traits.caveatKey ?? caveatKeyOf(caveat);
    const known = this.outcomes?.get(key);
    if (known !== undefined) return known;
    const program = this.schema.caveats.get(caveat.name);
    if (program === undefined) {
      // OpenFGA reads past a stored tuple its current model no longer allows (a dropped condition).
      if (this.openfga) return ABSENT;
      throw new RelgraphError(
        ErrorCode.FAILED_PRECONDITION,
        `caveat "${caveat.name}" of a stored relationship is not defined in the schema`,
        { reason: "unknown-caveat", caveat: caveat.name },
      );
    }
    let outcome: CaveatOutcome;
    try {
      outcome = this.evaluate(program, traits);
    } catch (e) {
      // OpenFGA: a condition that fails is an error only if no other branch grants (deferred).
      if (this.openfga && isRelgraphError(e)) return this.defer(key, e);
      throw e;
    }
    let result: Outcome;
    switch (outcome.kind) {
      case "true":
        result = PRESENT;
        break;
      case "false":
        result = ABSENT;
        break;
      case "missing":
        if (this.openfga) return this.defer(key, missingParameters(caveat.name, outcome.missing));
        result = { state: EDGE_CAVEATED, missing: outcome.missing };
        break;
      case "error": {
        const error = new RelgraphError(
          ErrorCode.INVALID_ARGUMENT,
          `caveat "${caveat.name}" failed to evaluate: ${outcome.message}`,
          { field: "context", caveat: caveat.name },
        );
        if (this.openfga) return this.defer(key, error);
        throw error;
      }
      default:
        return outcome satisfies never;
    }
    return this.remember(key, result);
  }

  /**
   * The caveat's outcome on this request. OpenFGA evaluates a condition only when every parameter it
   * declares is in the stored or the request context (else a missing-parameter error, even where the
   * rest of the expression would decide); SpiceDB evaluates partially (program.ts).
   */
  private evaluate(program: CaveatProgram, traits: TupleTraits): CaveatOutcome {
    // Across requests: an edge with the same stored context under the same request values (a
    // request context is checked for size before anything is taken from it).
    if (!this.contextChecked) {
      checkContextSize(this.context, "context");
      this.contextChecked = true;
    }
    const key = program.outcomeKey(traits.caveatKey ?? caveatKeyOf(traits.caveat!), this.context);
    const known = key === undefined ? undefined : program.knownOutcome(key);
    if (known !== undefined) return known;
    const outcome = this.evaluateAfresh(program, traits);
    if (key !== undefined) program.rememberOutcome(key, outcome);
    return outcome;
  }

  private evaluateAfresh(program: CaveatProgram, traits: TupleTraits): CaveatOutcome {
    const stored = this.stored(program, traits);
    const request = this.request(program);
    if (this.openfga) {
      const absent = [...program.parameters.keys()].filter((p) => !stored.has(p) && !request.has(p)).sort();
      if (absent.length > 0) return { kind: "missing", missing: absent };
    }
    return program.evaluate(stored, request);
  }

  /**
   * OpenFGA: this edge's condition could not be evaluated. It counts as CONDITIONAL, so a branch
   * that grants wins over it; an answer that stays CONDITIONAL reports the first such error
   * (`deferred`, thrown by Evaluator.answer).
   */
  private defer(key: string, error: RelgraphError): Outcome {
    return this.remember(key, { state: EDGE_CAVEATED, error });
  }

  private remember(key: string, o: Outcome): Outcome {
    (this.outcomes ??= new Map()).set(key, o);
    return o;
  }

  private stored(program: CaveatProgram, traits: TupleTraits): Map<string, unknown> {
    let b = storedBindings.get(traits);
    if (b === undefined) {
      b = this.schema.bindContext(program, traits.caveat!.context, "stored caveat context");
      storedBindings.set(traits, b);
    }
    return b;
  }

  private request(program: CaveatProgram): Map<string, unknown> {
    let b = (this.requestBindings ??= new Map()).get(program.name);
    if (b === undefined) {
      b = this.schema.bindContext(program, this.context, "context");
      this.requestBindings.set(program.name, b);
    }
    return b;
  }

  override tupleState(object: number, relation: number, subject: number, subjectRelation: number): EdgeState {
    const s = this.base.tupleState(object, relation, subject, subjectRelation);
    return s === EDGE_CAVEATED
      ? this.resolveTraits(this.base.tupleTraits(object, relation, subject, subjectRelation))
      : s;
  }
  override cursorState(cursor: number): EdgeState {
    const s = this.base.cursorState(cursor);
    return s === EDGE_CAVEATED ? this.resolveTraits(this.base.cursorTraits(cursor)) : s;
  }
}
