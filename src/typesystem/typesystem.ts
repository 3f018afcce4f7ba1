/**
 * TypeSystem: the one schema index. Built once per schema version from a valid IR (as OpenFGA's
 * `typesystem.New`; `TypeSystem.fromValidated` validates first, as `NewAndValidate`). The engine
 * plans from it (every member numbered, so goal keys are ints; every `computed` reference resolved
 * once; arrows resolving their target per subject type on demand) and stores validate tuples with it
 * (`validateTuple`: one definition of "a tuple fits the schema").
 */
import { ErrorCode, RelgraphError, unreachable } from "../errors.ts";
import { formatTuple, type Tuple } from "../model/tuple.ts";
import { hasErrors, type Diagnostic } from "./diagnostic.ts";
import type { AllowedSubject, Member, Rewrite, SchemaIR, SchemaOrigin } from "./ir.ts";
import { allowedSubjectText, validateSchema } from "./validate.ts";
import { CaveatProgram, MAX_CONTEXT_CHARS, MAX_CONTEXT_ELEMENTS } from "./caveat/program.ts";
import { ContextValueError } from "./caveat/types.ts";

export type CompiledRewrite =
  | { readonly kind: "this" }
  | { readonly kind: "computed"; readonly member: CompiledMember | undefined; readonly relation: string }
  | {
      readonly kind: "arrow";
      readonly tupleset: CompiledMember | undefined;
      readonly computed: string;
      readonly mode: "any" | "all";
    }
  | { readonly kind: "union"; readonly children: readonly CompiledRewrite[] }
  | { readonly kind: "intersection"; readonly children: readonly CompiledRewrite[] }
  | { readonly kind: "exclusion"; readonly base: CompiledRewrite; readonly subtract: CompiledRewrite }
  | { readonly kind: "nil" }
  | { readonly kind: "self" };

export interface CompiledMember {
  /** Dense id across the schema: goal key = object × memberCount + id. */
  readonly id: number;
  readonly type: string;
  readonly name: string;
  readonly kind: Member["kind"];
  readonly types: readonly AllowedSubject[];
  /** `type`, `type:*`, `type#relation` keys of `types`, for OpenFGA's ignore-misfit-tuples rule. */
  readonly allowedKeys: ReadonlySet<string>;
  rewrite: CompiledRewrite;
}

export class TypeSystem {
  readonly origin: SchemaOrigin;
  readonly members: CompiledMember[] = [];
  private readonly byType = new Map<string, Map<string, CompiledMember>>();
  /** Compiled caveats by name (a caveat that failed to compile is absent: validation reports it). */
  readonly caveats = new Map<string, CaveatProgram>();
  /**
   * Some relation allows a caveat or an expiration: edges may carry traits, so evaluation resolves
   * them (engine/conditionReader.ts) and shares no cached result.
   */
  readonly conditional: boolean;

  /** Builds the indexes; the IR must be valid (`fromValidated` checks it first, for untrusted input). */
  constructor(readonly ir: SchemaIR) {
    this.origin = ir.origin;
    for (const def of ir.definitions) {
      const map = new Map<string, CompiledMember>();
      this.byType.set(def.name, map);
      for (const m of def.members) {
        const cm: CompiledMember = {
          id: this.members.length,
          type: def.name,
          name: m.name,
          kind: m.kind,
          types: m.types,
          allowedKeys: new Set(m.types.map(allowedKey)),
          rewrite: { kind: "nil" },
        };
        this.members.push(cm);
        map.set(m.name, cm);
      }
    }
    for (const def of ir.definitions)
      for (const m of def.members) this.member(def.name, m.name)!.rewrite = this.compile(def.name, m.rewrite);
    for (const c of ir.caveats) {
      const { program } = CaveatProgram.compile(c, ir.origin);
      if (program !== undefined) this.caveats.set(c.name, program);
    }
    this.conditional =
      ir.caveats.length > 0 ||
      ir.features.expiration ||
      this.members.some((m) => m.types.some((t) => t.caveat !== undefined || t.expiration));
  }

  /**
   * A caveat context as CEL values for `caveat` (INVALID_ARGUMENT naming the parameter when a value
   * does not fit its type; `field` says where the context came from, e.g. `context`).
   */
  bindContext(
    caveat: CaveatProgram,
    context: Readonly<Record<string, unknown>>,
    field: string,
  ): Map<string, unknown> {
    checkContextSize(context, field);
    try {
      return caveat.bind(context);
    } catch (e) {
      if (!(e instanceof ContextValueError)) throw e;
      throw new RelgraphError(
        ErrorCode.INVALID_ARGUMENT,
        `${field}.${e.message} (parameter "${e.path.split(/[.[]/)[0]}" of caveat "${caveat.name}")`,
        { field: `${field}.${e.path}`, caveat: caveat.name, parameter: e.path.split(/[.[]/)[0] },
      );
    }
  }

  /** Validates, then builds; throws INVALID_SCHEMA with the diagnostics when the IR has errors. */
  static fromValidated(ir: SchemaIR): TypeSystem {
    const diagnostics = validateSchema(ir);
    if (hasErrors(diagnostics)) throw invalidSchema(diagnostics);
    return new TypeSystem(ir);
  }

  hasType(type: string): boolean {
    return this.byType.has(type);
  }

  member(type: string, name: string): CompiledMember | undefined {
    return this.byType.get(type)?.get(name);
  }

  membersOf(type: string): Iterable<CompiledMember> {
    return this.byType.get(type)?.values() ?? [];
  }

  /** Relations walked by arrows anywhere in the schema (structural edges besides usersets), sorted. */
  tuplesetRelations(): string[] {
    const out = new Set<string>();
    const visit = (r: CompiledRewrite): void => {
      switch (r.kind) {
        case "arrow":
          if (r.tupleset !== undefined) out.add(r.tupleset.name);
          return;
        case "union":
        case "intersection":
          r.children.forEach(visit);
          return;
        case "exclusion":
          visit(r.base);
          visit(r.subtract);
          return;
        case "this":
        case "computed":
        case "nil":
        case "self":
          return;
        default:
          unreachable(r, "rewrite");
      }
    };
    for (const m of this.members) visit(m.rewrite);
    return [...out].sort();
  }

  /** The member or FAILED_PRECONDITION naming what is missing (SpiceDB's wording). */
  require(type: string, name: string): CompiledMember {
    if (!this.byType.has(type))
      throw new RelgraphError(ErrorCode.FAILED_PRECONDITION, `object definition \`${type}\` not found`, {
        reason: "unknown-definition",
        definition: type,
      });
    const m = this.member(type, name);
    if (m === undefined)
      throw new RelgraphError(
        ErrorCode.FAILED_PRECONDITION,
        `relation/permission \`${name}\` not found under definition \`${type}\``,
        { reason: "unknown-relation", definition: type, relation: name },
      );
    return m;
  }

  /**
   * Checks a tuple against the schema before it is written. Throws SCHEMA_VIOLATION naming the
   * problem: unknown type or relation, a permission as target, a subject type, subject relation,
   * wildcard, caveat or expiration the relation does not allow.
   */
  validateTuple(tuple: Tuple): void {
    const text = formatTuple(tuple);
    const fail = (reason: string, message: string): never => {
      throw new RelgraphError(ErrorCode.SCHEMA_VIOLATION, `relationship ${text}: ${message}`, {
        relationship: text,
        reason,
      });
    };
    if (!this.hasType(tuple.resourceType))
      return fail("unknown-type", `object type "${tuple.resourceType}" is not defined in the schema`);
    const member = this.member(tuple.resourceType, tuple.relation);
    if (!member)
      return fail("unknown-relation", `"${tuple.resourceType}" has no relation "${tuple.relation}"`);
    if (member.kind === "permission")
      return fail(
        "permission-not-writable",
        `"${tuple.resourceType}#${tuple.relation}" is a permission; relationships can only be written to relations`,
      );
    const wildcard = tuple.subjectId === "*";
    const candidates = member.types.filter(
      (s) =>
        s.type === tuple.subjectType &&
        s.wildcard === wildcard &&
        (wildcard || (s.relation ?? "") === tuple.subjectRelation),
    );
    const allowed = member.types.map(allowedSubjectText).join(", ");
    if (candidates.length === 0) {
      const subject = wildcard
        ? `wildcard "${tuple.subjectType}:*"`
        : tuple.subjectRelation !== ""
          ? `subject "${tuple.subjectType}#${tuple.subjectRelation}"`
          : `subject type "${tuple.subjectType}"`;
      const reason = wildcard
        ? "wildcard-not-allowed"
        : tuple.subjectRelation !== ""
          ? "subject-relation-not-allowed"
          : "subject-type-not-allowed";
      return fail(
        reason,
        `${subject} is not allowed on "${tuple.resourceType}#${tuple.relation}" (allowed: ${allowed})`,
      );
    }
    const caveatName = tuple.caveat?.name;
    const matching = candidates.filter((s) => s.caveat === caveatName);
    if (matching.length === 0) {
      return fail(
        "caveat-mismatch",
        caveatName === undefined
          ? `"${tuple.resourceType}#${tuple.relation}" requires a caveat for ${allowedSubjectText(candidates[0]!)} (allowed: ${allowed})`
          : `caveat "${caveatName}" is not allowed for this subject on "${tuple.resourceType}#${tuple.relation}" (allowed: ${allowed})`,
      );
    }
    if (tuple.caveat !== undefined) {
      const program = this.caveats.get(tuple.caveat.name);
      if (program !== undefined)
        this.bindContext(program, tuple.caveat.context, `relationship ${text}: caveat context`);
    }
    if (tuple.expiration !== undefined && !matching.some((s) => s.expiration))
      return fail(
        "expiration-not-allowed",
        `"${tuple.resourceType}#${tuple.relation}" does not allow an expiration for this subject (add "with expiration")`,
      );
  }

  private compile(type: string, r: Rewrite): CompiledRewrite {
    switch (r.kind) {
      case "this":
        return { kind: "this" };
      case "computed":
        return { kind: "computed", member: this.member(type, r.relation), relation: r.relation };
      case "arrow":
        return { kind: "arrow", tupleset: this.member(type, r.tupleset), computed: r.computed, mode: r.mode };
      case "union":
        return { kind: "union", children: r.children.map((c) => this.compile(type, c)) };
      case "intersection":
        return { kind: "intersection", children: r.children.map((c) => this.compile(type, c)) };
      case "exclusion":
        return {
          kind: "exclusion",
          base: this.compile(type, r.base),
          subtract: this.compile(type, r.subtract),
        };
      case "nil":
        return { kind: "nil" };
      case "self":
        return { kind: "self" };
      default:
        return unreachable(r, "rewrite");
    }
  }
}

export function allowedKey(a: AllowedSubject): string {
  return a.wildcard
    ? `${a.type}:*`
    : a.relation === undefined || a.relation === "..."
      ? a.type
      : `${a.type}#${a.relation}`;
}

/**
 * RESOURCE_EXHAUSTED when a context has more than MAX_CONTEXT_ELEMENTS list elements and map
 * entries below its top level, or more than MAX_CONTEXT_CHARS characters of strings and keys.
 */
export function checkContextSize(context: Readonly<Record<string, unknown>>, field: string): void {
  const size = { elements: 0, chars: 0 };
  for (const [k, v] of Object.entries(context)) {
    size.chars += k.length;
    measure(v, size);
  }
  if (size.elements > MAX_CONTEXT_ELEMENTS || size.chars > MAX_CONTEXT_CHARS)
    throw new RelgraphError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `${field}: a caveat context holds at most ${MAX_CONTEXT_ELEMENTS} list elements and map entries and ${MAX_CONTEXT_CHARS} characters (got ${size.elements} and ${size.chars})`,
      { field, limit: MAX_CONTEXT_ELEMENTS, ...size },
    );
}

// Module-level, not a closure per call: this runs for every caveated check.
function measure(v: unknown, size: { elements: number; chars: number }): void {
  if (typeof v === "string") size.chars += v.length;
  else if (Array.isArray(v)) {
    size.elements += v.length;
    for (const e of v) measure(e, size);
  } else if (v !== null && typeof v === "object")
    for (const [k, e] of Object.entries(v)) {
      size.elements++;
      size.chars += k.length;
      measure(e, size);
    }
  else size.chars += 8;
}

/** INVALID_SCHEMA carrying the diagnostics (for `extensions.diagnostics`). */
export function invalidSchema(diagnostics: readonly Diagnostic[]): RelgraphError {
  const errors = diagnostics.filter((d) => d.severity === "error");
  const first = errors[0];
  return new RelgraphError(
    ErrorCode.INVALID_SCHEMA,
    `invalid schema: ${errors.length} error${errors.length === 1 ? "" : "s"}` +
      (first
        ? `; first at ${first.loc ? `${first.loc.start.line}:${first.loc.start.column}` : "?"}: ${first.message}`
        : ""),
    { diagnostics },
  );
}
