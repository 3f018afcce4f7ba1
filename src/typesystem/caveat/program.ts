/**
 * A compiled caveat: its CEL expression type-checked against its declared parameters (at
 * `writeSchema`, with positioned problems), and evaluated three-valued against a context.
 *
 * Why @marcbachmann/cel-js (not @bufbuild/cel): it has a type checker (`Environment.check`, with
 * declared variables, custom types and member functions), limits on expression size and nesting,
 * and source ranges on every AST node, which the positioned diagnostics and the partial evaluation
 * below need; @bufbuild/cel checks only constants and identifiers and has no limits.
 *
 * Missing parameters (SpiceDB's partial evaluation): when every parameter the expression names is
 * bound, the expression is evaluated once. Otherwise `&&`, `||`, `!` and `?:` are evaluated here,
 * three-valued (false && unknown = false, true || unknown = true), and every other sub-expression is
 * evaluated by CEL when it names no missing parameter, or is unknown on the ones it names. The
 * answer is then true, false, or "missing" with exactly the parameters an unknown result depends on.
 *
 * Example: `caveat ip_ok(ip ipaddress, allowed bool) { allowed || ip.in_cidr("10.0.0.0/8") }`
 *   {allowed: true}               → true
 *   {ip: "192.168.0.1"}           → missing ["allowed"]
 *   {}                            → missing ["allowed", "ip"]
 */
import { Environment, serialize, type ASTNode, type ParseResult } from "@marcbachmann/cel-js";
import type { Caveat, SchemaOrigin } from "../ir.ts";
import { IpAddress } from "./ipaddress.ts";
import { celTypeName, ContextValueError, parseCaveatType, toCelValue, type CaveatType } from "./types.ts";

/** Characters in one caveat expression (SpiceDB stores compiled caveats of similar size). */
export const MAX_CAVEAT_EXPRESSION_CHARS = 4096;
/** AST nodes and nesting of one expression (cel-js enforces both while parsing). */
const MAX_AST_NODES = 1000;
const MAX_AST_DEPTH = 32;
/**
 * Comprehensions (`exists`, `all`, `exists_one`, `map`, `filter`) may not nest: with at most
 * MAX_CONTEXT_ELEMENTS list elements an evaluation then takes at most that many steps per
 * comprehension (cel-js has no cost limit of its own).
 */
const MAX_COMPREHENSION_NESTING = 1;
const COMPREHENSIONS = new Set(["exists", "all", "exists_one", "map", "filter"]);
/** List elements and map entries in one context, and its size as JSON (RESOURCE_EXHAUSTED above). */
export const MAX_CONTEXT_ELEMENTS = 1000;
export const MAX_CONTEXT_CHARS = 64 * 1024;

/** A problem with a caveat's expression; `offset` is a UTF-16 index into the expression text. */
export interface CaveatProblem {
  readonly code: "invalid-caveat-expression" | "caveat-too-large" | "caveat-too-complex";
  readonly message: string;
  readonly offset?: number;
}

export type CaveatOutcome =
  | { readonly kind: "true" }
  | { readonly kind: "false" }
  | { readonly kind: "missing"; readonly missing: readonly string[] }
  /** The expression failed on these values (a bad CIDR, an overflow, a division by zero). */
  | { readonly kind: "error"; readonly message: string };

type Partial = boolean | { readonly unknown: ReadonlySet<string> } | { readonly error: string };

/** The CEL environment every caveat is compiled in (also what the CEL conformance test runs). */
export function baseEnvironment(): Environment {
  return (
    new Environment({ limits: { maxAstNodes: MAX_AST_NODES, maxDepth: MAX_AST_DEPTH } })
      .registerType("ipaddress", IpAddress)
      .registerFunction("ipaddress.in_cidr(string): bool", (ip: IpAddress, cidr: string) => ip.inCidr(cidr))
      // Standard CEL conversions cel-js lacks (cel-go, which SpiceDB and OpenFGA run, has them).
      .registerFunction("int(uint): int", (u: { value: bigint }) => {
        if (u.value > INT64_MAX) throw new Error("int overflow");
        return u.value;
      })
      .registerFunction("int(google.protobuf.Timestamp): int", (t: Date) =>
        BigInt(Math.floor(t.getTime() / 1000)),
      )
      .registerFunction("string(google.protobuf.Timestamp): string", (t: Date) =>
        t.toISOString().replace(/\.000Z$/, "Z"),
      )
  );
}
const INT64_MAX = 2n ** 63n - 1n;
/** Outcomes one caveat remembers across requests, and the longest key it keeps (≈ 4 MiB at most). */
const MAX_OUTCOMES = 4096;
const MAX_OUTCOME_KEY = 512;

export class CaveatProgram {
  readonly parameters: ReadonlyMap<string, CaveatType>;
  /** Parameters the expression names (an unused one never makes an answer conditional). */
  readonly mentioned: ReadonlySet<string>;
  private readonly env: Environment;
  private readonly run: ParseResult;
  private readonly subPrograms = new WeakMap<ASTNode, ParseResult>();
  /** Outcomes by `outcomeKey` (CEL here has no clock or randomness: equal inputs, equal outcome). */
  private readonly outcomes = new Map<string, CaveatOutcome>();
  private readonly idsOf = new WeakMap<ASTNode, ReadonlySet<string>>();

  private constructor(
    readonly name: string,
    parameters: Map<string, CaveatType>,
    env: Environment,
    run: ParseResult,
  ) {
    this.parameters = parameters;
    this.env = env;
    this.run = run;
    this.mentioned = this.ids(run.ast);
  }

  /** Compiles and type-checks a caveat; the problems are empty when it compiled. */
  static compile(
    caveat: Caveat,
    origin: SchemaOrigin = "zed",
  ): { program?: CaveatProgram; problems: CaveatProblem[] } {
    if (caveat.expression.length > MAX_CAVEAT_EXPRESSION_CHARS)
      return {
        problems: [
          {
            code: "caveat-too-large",
            message: `the expression of caveat "${caveat.name}" has ${caveat.expression.length} characters (at most ${MAX_CAVEAT_EXPRESSION_CHARS})`,
          },
        ],
      };
    const env = baseEnvironment();
    const parameters = new Map<string, CaveatType>();
    for (const p of caveat.parameters) {
      const t = parseCaveatType(p.type, origin);
      parameters.set(p.name, t);
      if (!env.hasVariable(p.name)) env.registerVariable(p.name, celTypeName(t));
    }
    let run: ParseResult;
    try {
      run = env.parse(caveat.expression);
    } catch (e) {
      return { problems: [problemOf(e, caveat.name)] };
    }
    const nesting = comprehensionNesting(run.ast);
    if (nesting.depth > MAX_COMPREHENSION_NESTING)
      return {
        problems: [
          {
            code: "caveat-too-complex",
            message: `caveat "${caveat.name}": comprehensions (exists, all, exists_one, map, filter) may not nest`,
            ...(nesting.at !== undefined ? { offset: nesting.at } : {}),
          },
        ],
      };
    const checked = run.check();
    if (!checked.valid) return { problems: [problemOf(checked.error, caveat.name)] };
    if (checked.type !== "bool" && checked.type !== "dyn")
      return {
        problems: [
          {
            code: "invalid-caveat-expression",
            message: `the expression of caveat "${caveat.name}" is of type ${checked.type}; a caveat must be a bool`,
            offset: 0,
          },
        ],
      };
    return { program: new CaveatProgram(caveat.name, parameters, env, run), problems: [] };
  }

  /**
   * A context's values as CEL values, for this caveat's parameters; keys that are not parameters
   * are ignored (as SpiceDB does). Throws ContextValueError naming the parameter.
   */
  bind(context: Readonly<Record<string, unknown>>): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [k, v] of Object.entries(context)) {
      const t = this.parameters.get(k);
      if (t === undefined) continue;
      if (v === null) continue;
      try {
        out.set(k, toCelValue(t, v, k));
      } catch (e) {
        if (e instanceof ContextValueError) throw e;
        throw new ContextValueError(k, `a valid ${celTypeName(t)}`);
      }
    }
    return out;
  }

  /**
   * The key of an outcome: the stored context's key (TupleTraits.caveatKey) and the request's JSON
   * values of the declared parameters; undefined when too long to keep (then evaluate afresh).
   */
  outcomeKey(storedKey: string, request: Readonly<Record<string, unknown>>): string | undefined {
    let key = storedKey;
    for (const p of this.parameters.keys()) {
      const v = request[p];
      key += v === undefined ? "\u0001" : `\u0001${JSON.stringify(v)}`;
      if (key.length > MAX_OUTCOME_KEY) return undefined;
    }
    return key;
  }

  /** A remembered outcome (outcomeKey), or undefined. */
  knownOutcome(key: string): CaveatOutcome | undefined {
    return this.outcomes.get(key);
  }

  /** Remembers an outcome; the memo starts over at MAX_OUTCOMES entries. */
  rememberOutcome(key: string, outcome: CaveatOutcome): void {
    if (this.outcomes.size >= MAX_OUTCOMES) this.outcomes.clear();
    this.outcomes.set(key, outcome);
  }

  /** Evaluates on bound values (`stored` wins over `request` where both name a parameter). */
  evaluate(stored: ReadonlyMap<string, unknown>, request: ReadonlyMap<string, unknown>): CaveatOutcome {
    const vars: Record<string, unknown> = {};
    let missing = false;
    for (const p of this.mentioned) {
      const v = stored.has(p) ? stored.get(p) : request.get(p);
      if (v === undefined) missing = true;
      else vars[p] = v;
    }
    if (!missing) {
      try {
        return this.run(vars) === true ? { kind: "true" } : { kind: "false" };
      } catch (e) {
        return { kind: "error", message: firstLine(e) };
      }
    }
    const r = this.partial(this.run.ast, vars);
    if (r === true) return { kind: "true" };
    if (r === false) return { kind: "false" };
    if ("error" in r) return { kind: "error", message: r.error };
    return { kind: "missing", missing: [...r.unknown].sort() };
  }

  private partial(node: ASTNode, vars: Record<string, unknown>): Partial {
    // The logical operators are three-valued here; every other operator is CEL's (a leaf).
    if (node.op === "&&" || node.op === "||") {
      const [l, r] = node.args.map((a) => this.partial(a, vars)) as [Partial, Partial];
      const absorbing = node.op === "||";
      if (l === absorbing || r === absorbing) return absorbing;
      if (typeof l === "boolean" && typeof r === "boolean") return !absorbing;
      return unknownOf(l, r);
    }
    if (node.op === "!_") {
      const v = this.partial(node.args, vars);
      return typeof v === "boolean" ? !v : v;
    }
    if (node.op === "?:") {
      const [c, a, b] = node.args;
      const cv = this.partial(c, vars);
      if (cv === true) return this.partial(a, vars);
      if (cv === false) return this.partial(b, vars);
      // An unknown condition is the answer's only unknown (cel-go, hence SpiceDB).
      return cv;
    }
    const unknown = [...this.ids(node)].filter((p) => this.parameters.has(p) && !(p in vars));
    if (unknown.length > 0) return { unknown: this.leftmostUnknown(node, vars) ?? new Set(unknown) };
    try {
      const v = this.subProgram(node)(vars);
      return typeof v === "boolean" ? v : { error: `expected a bool, got ${typeof v}` };
    } catch (e) {
      return { error: firstLine(e) };
    }
  }

  /**
   * cel-go's rule for every operation but `&&`/`||` (comparison, arithmetic, `in`, indexing,
   * calls, literals): its unknown result carries only its leftmost unknown operand's unknowns.
   * So `used < limit` with neither bound waits for ["used"], as SpiceDB reports it.
   */
  private leftmostUnknown(v: unknown, vars: Record<string, unknown>): ReadonlySet<string> | undefined {
    if (Array.isArray(v)) {
      for (const e of v) {
        const u = this.leftmostUnknown(e, vars);
        if (u !== undefined) return u;
      }
      return undefined;
    }
    if (v === null || typeof v !== "object" || !("op" in v)) return undefined;
    const n = v as ASTNode;
    if (n.op === "id")
      return this.parameters.has(n.args) && !(n.args in vars) ? new Set([n.args]) : undefined;
    if (n.op === "&&" || n.op === "||" || n.op === "!_" || n.op === "?:") {
      const r = this.partial(n, vars);
      return typeof r === "object" && "unknown" in r ? r.unknown : undefined;
    }
    return this.leftmostUnknown(n.args, vars);
  }

  private subProgram(node: ASTNode): ParseResult {
    let p = this.subPrograms.get(node);
    if (p === undefined) {
      p = this.env.parse(serialize(node));
      this.subPrograms.set(node, p);
    }
    return p;
  }

  /** Identifiers a sub-expression names (parameters and comprehension variables alike). */
  private ids(node: ASTNode): ReadonlySet<string> {
    let s = this.idsOf.get(node);
    if (s === undefined) {
      const found = new Set<string>();
      collectIds(node, found);
      s = found;
      this.idsOf.set(node, s);
    }
    return s;
  }
}

/** The deepest nesting of comprehension macros, and where the deepest one starts. */
function comprehensionNesting(root: ASTNode): { depth: number; at?: number } {
  let best: { depth: number; at?: number } = { depth: 0 };
  const visit = (v: unknown, depth: number): void => {
    if (Array.isArray(v)) {
      for (const e of v) visit(e, depth);
      return;
    }
    if (v === null || typeof v !== "object" || !("op" in v)) return;
    const n = v as ASTNode;
    let d = depth;
    if (n.op === "rcall" && COMPREHENSIONS.has(n.args[0])) {
      d = depth + 1;
      if (d > best.depth) best = { depth: d, at: n.start };
    }
    visit(n.args, d);
  };
  visit(root, 0);
  return best;
}

function collectIds(v: unknown, out: Set<string>): void {
  if (Array.isArray(v)) {
    for (const e of v) collectIds(e, out);
    return;
  }
  if (v === null || typeof v !== "object" || !("op" in v)) return;
  const n = v as ASTNode;
  if (n.op === "id") out.add(n.args);
  else collectIds(n.args, out);
}

/** An unknown result: the union of the operands' unknowns (an error operand counts as neither). */
function unknownOf(...parts: Partial[]): Partial {
  const u = new Set<string>();
  let error: string | undefined;
  for (const p of parts) {
    if (typeof p === "boolean") continue;
    if ("unknown" in p) for (const x of p.unknown) u.add(x);
    else error ??= p.error;
  }
  if (u.size > 0) return { unknown: u };
  return { error: error ?? "no value" };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!.trim();
}

function problemOf(e: unknown, caveat: string): CaveatProblem {
  const err = e as { message?: string; range?: { start: number }; node?: { start?: number } } | undefined;
  const offset = err?.range?.start ?? err?.node?.start;
  const message = `caveat "${caveat}": ${firstLine(e)}`;
  return offset !== undefined
    ? { code: "invalid-caveat-expression", message, offset }
    : { code: "invalid-caveat-expression", message };
}
