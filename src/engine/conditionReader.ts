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
import { EDGE_ABSENT, EDGE_CAVEATED, EDGE_PRESENT } from "../model/tupleIndex.ts";
import type { CaveatOutcome, CaveatProgram } from "../typesystem/caveat/program.ts";
import type { TypeSystem } from "../typesystem/typesystem.ts";
import { ForwardingReader, type EdgeState, type TupleReader, type TupleTraits } from "./reader.ts";

/** What a request's caveats and expiries are evaluated against. */
export interface Conditions {
  /** The request's caveat context (JSON values, encoded as types.ts says). */
  readonly context?: Readonly<Record<string, unknown>>;
  /** The request's clock, ms since the epoch (Neo4j's clock where the store is Neo4j). */
  readonly now?: number;
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

/** Context values bound once per stored traits object (the same tuple, many requests). */
const storedBindings = new WeakMap<TupleTraits, Map<string, unknown>>();

export class ConditionReader extends ForwardingReader {
  /** Parameters whose absence made some edge CONDITIONAL. */
  readonly missing = new Set<string>();
  earliestExpiry = Number.POSITIVE_INFINITY;
  readonly now: number;
  private readonly caveats: boolean;
  readonly context: Readonly<Record<string, unknown>>;
  private readonly requestBindings = new Map<string, Map<string, unknown>>();
  /** Per caveat key: the state, and the parameters it misses when CONDITIONAL. */
  private readonly outcomes = new Map<
    string,
    { state: EdgeState; missing?: readonly string[]; error?: RelgraphError }
  >();
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
    this.now = conditions.now ?? Date.now();
    this.caveats = conditions.caveats ?? true;
    this.openfga = schema.origin === "openfga";
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
    if (traits.expiresAt !== undefined) {
      if (traits.expiresAt <= this.now) return EDGE_ABSENT;
      if (traits.expiresAt < this.earliestExpiry) this.earliestExpiry = traits.expiresAt;
    }
    const caveat = traits.caveat;
    if (caveat === undefined) return EDGE_PRESENT;
    if (!this.caveats) return EDGE_CAVEATED;
    const key = traits.caveatKey ?? `${caveat.name}\0${JSON.stringify(caveat.context)}`;
    const known = this.outcomes.get(key);
    if (known !== undefined) {
      if (known.missing !== undefined) for (const m of known.missing) this.missing.add(m);
      if (known.error !== undefined) {
        this.deferred ??= known.error;
        this.firstError ??= known.error;
      }
      return known.state;
    }
    const program = this.schema.caveats.get(caveat.name);
    if (program === undefined) {
      // OpenFGA reads past a stored tuple its current model no longer allows (a dropped condition).
      if (this.openfga) return EDGE_ABSENT;
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
    let state: EdgeState;
    let missing: readonly string[] | undefined;
    switch (outcome.kind) {
      case "true":
        state = EDGE_PRESENT;
        break;
      case "false":
        state = EDGE_ABSENT;
        break;
      case "missing":
        if (this.openfga) return this.defer(key, missingParameters(caveat.name, outcome.missing));
        for (const m of outcome.missing) this.missing.add(m);
        missing = outcome.missing;
        state = EDGE_CAVEATED;
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
    this.outcomes.set(key, missing !== undefined ? { state, missing } : { state });
    return state;
  }

  /**
   * The caveat's outcome on this request. OpenFGA evaluates a condition only when every parameter it
   * declares is in the stored or the request context (else a missing-parameter error, even where the
   * rest of the expression would decide); SpiceDB evaluates partially (program.ts).
   */
  private evaluate(program: CaveatProgram, traits: TupleTraits): CaveatOutcome {
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
  private defer(key: string, error: RelgraphError): EdgeState {
    this.deferred ??= error;
    this.firstError ??= error;
    this.outcomes.set(key, { state: EDGE_CAVEATED, error });
    return EDGE_CAVEATED;
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
    let b = this.requestBindings.get(program.name);
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
