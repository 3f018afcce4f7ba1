/**
 * Printer: IR → canonical `.zed` text.
 *
 * Stable output (formatting a printed schema changes nothing): `use` flags first, then caveats,
 * then definitions in their order; two-space indentation; one member per line; a blank line
 * between top-level blocks and before a member that has a doc comment. Doc comments are kept.
 *
 * Parentheses: SpiceDB's precedence is unusual (`+` binds tighter than `&`, which binds tighter
 * than `-`, so `a - b + c` means `a - (b + c)`), and SpiceDB now warns about mixing operators
 * without parentheses. The default style, `clear`, therefore parenthesises every operand whose
 * operator differs from its parent's, and nothing else: `a + b + c`, `a - b - c`, `a - (b + c)`.
 * The `minimal` style prints only the parentheses precedence needs (`a - b + c`). Either way
 * `parse(print(ir))` gives back `ir`.
 *
 * Only `.zed`-shaped IR can be printed: a relation's rewrite must be `this` and a permission's must
 * not contain `this` (an OpenFGA `define viewer: [user] or editor` must first be split by the
 * converter, src/language/convert.ts).
 */
import { unreachable } from "../errors.ts";
import {
  operandsOf,
  type AllowedSubject,
  type Caveat,
  type Definition,
  type Member,
  type Rewrite,
  type SchemaIR,
} from "../typesystem/ir.ts";

const INDENT = "  ";

export interface PrintOptions {
  /** `clear` (default): parentheses wherever operators mix; `minimal`: only where precedence needs them. */
  readonly parentheses?: "clear" | "minimal";
}

/** Prints the schema as canonical `.zed`; ends with a newline. Throws when the IR has no `.zed` form. */
export function printSchema(ir: SchemaIR, options: PrintOptions = {}): string {
  const style = options.parentheses ?? "clear";
  const blocks: string[] = [];
  const flags: string[] = [];
  if (ir.features.expiration) flags.push("use expiration");
  if (ir.unsupported?.some((u) => u.construct === "import")) flags.push("use import");
  if (ir.features.self) flags.push("use self");
  if (ir.features.typechecking) flags.push("use typechecking");
  if (flags.length > 0) blocks.push(flags.join("\n"));
  const imports = (ir.unsupported ?? []).filter((u) => u.construct === "import");
  if (imports.length > 0) blocks.push(imports.map((u) => `import ${JSON.stringify(u.name)}`).join("\n"));
  for (const caveat of ir.caveats) blocks.push(printCaveat(caveat));
  for (const def of ir.definitions) blocks.push(printDefinition(def, style));
  return blocks.length === 0 ? "" : `${blocks.join("\n\n")}\n`;
}

/** `/** text *\/` on one line, or a ` * `-prefixed block for multi-line text. */
export function printDocComment(doc: string, indent = ""): string {
  const lines = doc.split("\n");
  if (lines.length === 1) return `${indent}/** ${doc} */`;
  return [
    `${indent}/**`,
    ...lines.map((l) => (l === "" ? `${indent} *` : `${indent} * ${l}`)),
    `${indent} */`,
  ].join("\n");
}

function printCaveat(caveat: Caveat): string {
  const params = caveat.parameters.map((p) => `${p.name} ${p.type}`).join(", ");
  // The CEL text is printed verbatim: re-indenting it would change it on every round trip.
  const text = `caveat ${caveat.name}(${params}) {\n${INDENT}${caveat.expression}\n}`;
  return caveat.doc !== undefined ? `${printDocComment(caveat.doc)}\n${text}` : text;
}

function printDefinition(def: Definition, style: ParenthesesStyle): string {
  const head = def.doc !== undefined ? `${printDocComment(def.doc)}\n` : "";
  if (def.members.length === 0) return `${head}definition ${def.name} {}`;
  const lines: string[] = [];
  def.members.forEach((member, i) => {
    const ignored = member.ignoredWarnings ?? [];
    // A commented member gets a blank line above, so its comments read as its own.
    if (i > 0 && (member.doc !== undefined || ignored.length > 0)) lines.push("");
    if (member.doc !== undefined) lines.push(printDocComment(member.doc, INDENT));
    for (const code of member.ignoredWarnings ?? [])
      lines.push(`${INDENT}// spicedb-ignore-warning: ${code}`);
    lines.push(INDENT + printMember(def, member, { parentheses: style }));
  });
  return `${head}definition ${def.name} {\n${lines.join("\n")}\n}`;
}

/** One member line without indentation: `relation viewer: user | group#member`. */
export function printMember(def: Definition, member: Member, options: PrintOptions = {}): string {
  switch (member.kind) {
    case "relation":
      if (member.rewrite.kind !== "this")
        throw new Error(
          `relation "${def.name}#${member.name}" combines direct subjects with other rules and has no .zed form; convert it first`,
        );
      return `relation ${member.name}: ${member.types.map(printAllowedSubject).join(" | ")}`;
    case "permission":
      return `permission ${member.name} = ${printRewrite(member.rewrite, options)}`;
    default:
      return unreachable(member.kind, "member kind");
  }
}

/** `user`, `group#member`, `user:*`, with ` with caveat`, ` with expiration` or both. */
export function printAllowedSubject(s: AllowedSubject): string {
  let text = s.wildcard ? `${s.type}:*` : s.relation !== undefined ? `${s.type}#${s.relation}` : s.type;
  if (s.caveat !== undefined && s.expiration) text += ` with ${s.caveat} and expiration`;
  else if (s.caveat !== undefined) text += ` with ${s.caveat}`;
  else if (s.expiration) text += " with expiration";
  return text;
}

// Binding strength: higher binds tighter. Atoms bind tightest.
const EXCLUSION = 1;
const INTERSECTION = 2;
const UNION = 3;
const ATOM = 4;

function precedence(rewrite: Rewrite): number {
  switch (rewrite.kind) {
    case "exclusion":
      return EXCLUSION;
    case "intersection":
      return INTERSECTION;
    case "union":
      return UNION;
    case "this":
    case "computed":
    case "arrow":
    case "nil":
    case "self":
      return ATOM;
    default:
      return unreachable(rewrite, "rewrite");
  }
}

type ParenthesesStyle = NonNullable<PrintOptions["parentheses"]>;

/** A permission expression, parenthesised as `options.parentheses` asks (default `clear`). */
export function printRewrite(rewrite: Rewrite, options: PrintOptions = {}): string {
  return printBare(rewrite, options.parentheses ?? "clear");
}

/**
 * An operand of `parent` (`text` is the operand printed bare): in parentheses when precedence needs
 * them (it binds more loosely than `minimum`), or, in the `clear` style, when it is an operation
 * other than the parent's (or the right side of an exclusion, since `-` is not associative).
 */
function operand(
  text: string,
  child: Rewrite,
  parent: Rewrite["kind"],
  minimum: number,
  style: ParenthesesStyle,
  rightOfExclusion = false,
): string {
  const needed = precedence(child) < minimum;
  const clearer =
    style === "clear" && precedence(child) !== ATOM && (child.kind !== parent || rightOfExclusion);
  return needed || clearer ? `(${text})` : text;
}

/**
 * The expression without outer parentheses. Post-order on an explicit stack, not recursion: a
 * deeply nested expression must not exhaust the JS stack (the compiler bounds nesting, but the
 * printer also prints IR built by code).
 */
function printBare(root: Rewrite, style: ParenthesesStyle): string {
  const printed = new Map<Rewrite, string>();
  const stack: { readonly node: Rewrite; expanded: boolean }[] = [{ node: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const operands = operandsOf(top.node);
    if (!top.expanded && operands.length > 0) {
      top.expanded = true;
      for (const o of operands) if (!printed.has(o)) stack.push({ node: o, expanded: false });
      continue;
    }
    stack.pop();
    printed.set(
      top.node,
      printNode(top.node, style, (child) => printed.get(child)!),
    );
  }
  return printed.get(root)!;
}

/** One node, its operands already printed (`bare(child)`). */
function printNode(rewrite: Rewrite, style: ParenthesesStyle, bare: (child: Rewrite) => string): string {
  switch (rewrite.kind) {
    case "this":
      throw new Error(
        "a permission cannot read directly written subjects (`this`) in .zed; convert it first",
      );
    case "computed":
      return rewrite.relation;
    case "arrow":
      return rewrite.mode === "all"
        ? `${rewrite.tupleset}.all(${rewrite.computed})`
        : `${rewrite.tupleset}->${rewrite.computed}`;
    case "nil":
      return "nil";
    case "self":
      return "self";
    case "union":
      // A nested union (non-flattened IR) needs no parentheses: `+` is associative.
      return rewrite.children.map((c) => operand(bare(c), c, "union", UNION, style)).join(" + ");
    case "intersection":
      return rewrite.children
        .map((c) => operand(bare(c), c, "intersection", INTERSECTION, style))
        .join(" & ");
    case "exclusion":
      // Left-associative: `a - b - c` is `(a - b) - c`, so only the right side needs parentheses.
      return `${operand(bare(rewrite.base), rewrite.base, "exclusion", EXCLUSION, style)} - ${operand(bare(rewrite.subtract), rewrite.subtract, "exclusion", INTERSECTION, style, true)}`;
    default:
      return unreachable(rewrite, "rewrite");
  }
}
