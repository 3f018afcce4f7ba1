/**
 * OpenFGA DSL import: `model / schema 1.1 / type ... / define ...` text → the rewrite IR, origin "openfga".
 *
 * Parsing and validation are OpenFGA's own (`@openfga/syntax-transformer`, the package behind the
 * `fga` CLI and the VS Code extension), so a model is accepted or refused exactly as OpenFGA would,
 * with OpenFGA's message. This module only maps the package's JSON model onto the IR and puts
 * 1-based, code-point positions on everything it can find in the source text.
 *
 * JSON model → IR:
 * - `this` → this; `computedUserset` → computed; `tupleToUserset` → arrow (mode any);
 *   `union.child[]` / `intersection.child[]` → union / intersection; `difference` → exclusion.
 * - a define whose rewrite contains `this` (it lists direct types) → Member kind "relation" with those
 *   types; any other define → kind "permission" (no types).
 * - `directly_related_user_types[]` {type, relation?, wildcard?, condition?} → AllowedSubject.
 * - `condition name(p: T) { CEL }` → Caveat with the expression text as written.
 */
import { errors as fgaErrors, transformer, validator } from "@openfga/syntax-transformer";
import type { Diagnostic } from "../typesystem/diagnostic.ts";
import { error } from "../typesystem/diagnostic.ts";
import type {
  AllowedSubject,
  Caveat,
  CaveatParameter,
  Definition,
  Member,
  Rewrite,
  SchemaIR,
  SourceLocation,
  SourcePosition,
} from "../typesystem/ir.ts";
import { unreachable } from "../errors.ts";

export interface OpenFgaImport {
  /** Present only when there are no errors. */
  readonly ir?: SchemaIR;
  readonly diagnostics: Diagnostic[];
}

/**
 * Diagnostic codes: `openfga-syntax` for the package's syntax errors, `openfga-<type>` for its
 * validation errors (`openfga-missing-definition`, `openfga-invalid-name`, … as OpenFGA names them),
 * plus the ones below.
 */
export const OPENFGA_SYNTAX = "openfga-syntax";
/** `module` files (modular models, `fga.mod`) are not a model on their own. */
export const OPENFGA_MODULE_UNSUPPORTED = "openfga-module-unsupported";
/** The package threw something that is not one of its error collections, or returned an unknown node. */
export const OPENFGA_UNSUPPORTED = "openfga-unsupported";

/**
 * Parses an OpenFGA model and maps it to the IR. Never throws for bad input: every syntax and
 * validation error OpenFGA reports becomes a positioned diagnostic (all of them, not the first).
 */
export function importOpenFga(text: string, file?: string): OpenFgaImport {
  const source = new SourceText(text, file);
  if (/^\s*module\b/.test(source.cleaned.find((l) => l.trim() !== "") ?? "")) {
    const line = source.cleaned.findIndex((l) => l.trim() !== "");
    return {
      diagnostics: [
        error(
          OPENFGA_MODULE_UNSUPPORTED,
          "modular models (`module` files of an fga.mod) are not supported; import the combined model " +
            "(`model` / `schema 1.1`) instead",
          source.span(line, 0, line, source.lineText(line).length),
        ),
      ],
    };
  }

  const tooDeep = nestingTooDeep(source);
  if (tooDeep !== undefined) return { diagnostics: [tooDeep] };

  let json: unknown;
  try {
    json = transformer.transformDSLToJSONObject(text);
  } catch (e) {
    return { diagnostics: packageErrors(e, source) };
  }
  // transformDSLToJSONObject only parses; validateDSL adds OpenFGA's semantic checks (undefined
  // names, tupleset rules, naming rules, schema version, unused conditions, …).
  try {
    validateDsl(text);
  } catch (e) {
    return { diagnostics: packageErrors(e, source) };
  }

  const diagnostics: Diagnostic[] = [];
  const ir = toIR(json as FgaModel, source, diagnostics);
  return diagnostics.length > 0 ? { diagnostics } : { ir, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// The package's JSON model (the OpenFGA API's AuthorizationModel). The package types it with
// @openfga/sdk, which is not installed, so the shapes we read are spelled out here.

interface FgaModel {
  readonly schema_version?: string;
  readonly type_definitions?: readonly FgaTypeDefinition[];
  readonly conditions?: Readonly<Record<string, FgaCondition>>;
}
interface FgaTypeDefinition {
  readonly type: string;
  readonly relations?: Readonly<Record<string, FgaUserset>>;
  readonly metadata?: {
    readonly relations?: Readonly<
      Record<string, { readonly directly_related_user_types?: readonly FgaTypeRef[] }>
    >;
  } | null;
}
interface FgaTypeRef {
  readonly type: string;
  readonly relation?: string;
  readonly wildcard?: object;
  readonly condition?: string;
}
interface FgaObjectRelation {
  readonly relation?: string;
}
interface FgaUserset {
  readonly this?: object;
  readonly computedUserset?: FgaObjectRelation;
  readonly tupleToUserset?: {
    readonly tupleset?: FgaObjectRelation;
    readonly computedUserset?: FgaObjectRelation;
  };
  readonly union?: { readonly child?: readonly FgaUserset[] };
  readonly intersection?: { readonly child?: readonly FgaUserset[] };
  readonly difference?: { readonly base?: FgaUserset; readonly subtract?: FgaUserset };
}
interface FgaCondition {
  readonly name: string;
  readonly expression: string;
  readonly parameters?: Readonly<Record<string, FgaParamType>>;
}
interface FgaParamType {
  readonly type_name: string;
  readonly generic_types?: readonly FgaParamType[];
}

/** The one-of `Userset` message as a tagged union, so the mapping below is an exhaustive switch. */
type FgaNode =
  | { readonly kind: "this" }
  | { readonly kind: "computed"; readonly relation: string }
  | { readonly kind: "ttu"; readonly tupleset: string; readonly computed: string }
  | { readonly kind: "union" | "intersection"; readonly children: readonly FgaUserset[] }
  | { readonly kind: "difference"; readonly base: FgaUserset; readonly subtract: FgaUserset };

function classify(u: FgaUserset): FgaNode | undefined {
  if (u.this) return { kind: "this" };
  if (u.computedUserset?.relation !== undefined)
    return { kind: "computed", relation: u.computedUserset.relation };
  const ttu = u.tupleToUserset;
  if (ttu?.tupleset?.relation !== undefined && ttu.computedUserset?.relation !== undefined)
    return { kind: "ttu", tupleset: ttu.tupleset.relation, computed: ttu.computedUserset.relation };
  if (u.union?.child) return { kind: "union", children: u.union.child };
  if (u.intersection?.child) return { kind: "intersection", children: u.intersection.child };
  if (u.difference?.base && u.difference.subtract)
    return { kind: "difference", base: u.difference.base, subtract: u.difference.subtract };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// JSON model → IR

function toIR(model: FgaModel, source: SourceText, diagnostics: Diagnostic[]): SchemaIR {
  const definitions: Definition[] = [];
  for (const td of model.type_definitions ?? []) {
    const typeSite = source.types.get(td.type);
    const members: Member[] = [];
    for (const [name, userset] of Object.entries(td.relations ?? {})) {
      const site = typeSite?.relations.get(name);
      const memberLoc = site?.loc ?? typeSite?.loc;
      const leaves = site?.leaves ?? [];
      // OpenFGA lists children in source order, so the n-th leaf of the tree is the n-th leaf
      // token of the define line; if the counts ever disagree, fall back to the member's location.
      const cursor = { next: 0, exact: countLeaves(userset) === leaves.length };
      const rewrite = mapRewrite(userset, leaves, cursor, memberLoc, `${td.type}#${name}`, diagnostics);
      const refs = td.metadata?.relations?.[name]?.directly_related_user_types ?? [];
      const items = site?.items ?? [];
      const types = refs.map((ref, i) =>
        mapTypeRef(ref, items.length === refs.length ? items[i] : memberLoc),
      );
      const direct = containsThis(rewrite);
      members.push({
        kind: direct ? "relation" : "permission",
        name,
        types: direct ? types : [],
        rewrite,
        ...(memberLoc ? { loc: memberLoc } : {}),
      });
    }
    definitions.push({ name: td.type, members, ...(typeSite ? { loc: typeSite.loc } : {}) });
  }
  const caveats: Caveat[] = Object.values(model.conditions ?? {}).map((c) => {
    const parameters: CaveatParameter[] = Object.entries(c.parameters ?? {}).map(([name, t]) => ({
      name,
      type: paramTypeText(t),
    }));
    const loc = source.conditions.get(c.name);
    return { name: c.name, parameters, expression: c.expression, ...(loc ? { loc } : {}) };
  });
  return {
    origin: "openfga",
    definitions,
    caveats,
    features: { self: false, typechecking: false, expiration: false },
  };
}

function mapRewrite(
  u: FgaUserset,
  leaves: readonly SourceLocation[],
  cursor: { next: number; readonly exact: boolean },
  fallback: SourceLocation | undefined,
  where: string,
  diagnostics: Diagnostic[],
): Rewrite {
  const node = classify(u);
  const leafLoc = (): SourceLocation | undefined => {
    const loc = cursor.exact ? leaves[cursor.next] : fallback;
    cursor.next++;
    return loc;
  };
  const withLoc = <T extends Rewrite>(r: T, loc: SourceLocation | undefined): T => (loc ? { ...r, loc } : r);
  if (!node) {
    diagnostics.push(
      error(
        OPENFGA_UNSUPPORTED,
        `${where}: unsupported rewrite ${JSON.stringify(u)} in OpenFGA's JSON model`,
        fallback,
      ),
    );
    return { kind: "nil" };
  }
  switch (node.kind) {
    case "this":
      return withLoc({ kind: "this" }, leafLoc());
    case "computed":
      return withLoc({ kind: "computed", relation: node.relation }, leafLoc());
    case "ttu":
      return withLoc(
        { kind: "arrow", tupleset: node.tupleset, computed: node.computed, mode: "any" },
        leafLoc(),
      );
    case "union":
    case "intersection": {
      // `(a or b) or c` is `a or b or c`: flattened, as the `.zed` compiler does, so one meaning
      // has one IR.
      const children = node.children
        .map((c) => mapRewrite(c, leaves, cursor, fallback, where, diagnostics))
        .flatMap((c) => (c.kind === node.kind ? c.children : [c]));
      return withLoc({ kind: node.kind, children }, spanOf(children) ?? fallback);
    }
    case "difference": {
      const base = mapRewrite(node.base, leaves, cursor, fallback, where, diagnostics);
      const subtract = mapRewrite(node.subtract, leaves, cursor, fallback, where, diagnostics);
      return withLoc({ kind: "exclusion", base, subtract }, spanOf([base, subtract]) ?? fallback);
    }
    default:
      return unreachable(node, "OpenFGA userset");
  }
}

function countLeaves(u: FgaUserset): number {
  const node = classify(u);
  if (!node) return 1;
  switch (node.kind) {
    case "this":
    case "computed":
    case "ttu":
      return 1;
    case "union":
    case "intersection":
      return node.children.reduce((n, c) => n + countLeaves(c), 0);
    case "difference":
      return countLeaves(node.base) + countLeaves(node.subtract);
    default:
      return unreachable(node, "OpenFGA userset");
  }
}

function containsThis(r: Rewrite): boolean {
  switch (r.kind) {
    case "this":
      return true;
    case "union":
    case "intersection":
      return r.children.some(containsThis);
    case "exclusion":
      return containsThis(r.base) || containsThis(r.subtract);
    case "computed":
    case "arrow":
    case "nil":
    case "self":
      return false;
    default:
      return unreachable(r, "rewrite");
  }
}

/** From the first child's start to the last child's end, when both are known. */
function spanOf(children: readonly Rewrite[]): SourceLocation | undefined {
  const first = children[0]?.loc;
  const last = children[children.length - 1]?.loc;
  if (!first || !last) return undefined;
  return { ...first, end: last.end };
}

function mapTypeRef(ref: FgaTypeRef, loc: SourceLocation | undefined): AllowedSubject {
  return {
    type: ref.type,
    // `wildcard` and `relation` never come together (OpenFGA refuses `user:*#x`).
    ...(ref.relation !== undefined && ref.relation !== "" && !ref.wildcard ? { relation: ref.relation } : {}),
    wildcard: ref.wildcard !== undefined,
    ...(ref.condition !== undefined && ref.condition !== "" ? { caveat: ref.condition } : {}),
    expiration: false,
    ...(loc ? { loc } : {}),
  };
}

/** `TYPE_NAME_LIST` + generic `TYPE_NAME_STRING` → `list<string>` (the names CEL and SpiceDB use). */
function paramTypeText(t: FgaParamType): string {
  const base = t.type_name.replace(/^TYPE_NAME_/, "").toLowerCase();
  const generics = t.generic_types ?? [];
  return generics.length > 0 ? `${base}<${generics.map(paramTypeText).join(", ")}>` : base;
}

// ---------------------------------------------------------------------------------------------
// The package's errors → diagnostics

interface PackageError {
  readonly msg: string;
  readonly type: string;
  readonly line?: { readonly start: number; readonly end: number } | undefined;
  readonly column?: { readonly start: number; readonly end: number } | undefined;
}

/**
 * validateDSL, working around a crash of @openfga/syntax-transformer 0.2.2 (the newest): a
 * tupleset relation restricted with a condition (`define parent: [folder with cond]` used by
 * `viewer from parent`) makes its tuple-to-userset check look up the type "folder with cond" and
 * throw a TypeError. On such a crash the model is validated again with every `with cond` and every
 * condition block blanked out (lines kept, so positions stay right); the conditions themselves are
 * checked by Relgraph's own validation (undefined, parameter types, the CEL expression).
 */
function validateDsl(text: string): void {
  try {
    validator.validateDSL(text);
  } catch (e) {
    if (e instanceof fgaErrors.DSLSyntaxError || e instanceof fgaErrors.ModelValidationError) throw e;
    if (!/\bwith\s/.test(text)) throw e;
    validator.validateDSL(withoutConditions(text));
  }
}

/** The model text without condition restrictions and condition blocks, line for line. */
function withoutConditions(text: string): string {
  let depth = 0;
  let inCondition = false;
  return text
    .split("\n")
    .map((line) => {
      if (!inCondition && /^\s*condition\s/.test(line)) inCondition = true;
      if (inCondition) {
        for (const ch of line) {
          if (ch === "{") depth++;
          else if (ch === "}") depth--;
        }
        if (depth <= 0 && line.includes("}")) {
          inCondition = false;
          depth = 0;
        }
        return "";
      }
      return line.replace(/\[[^\]]*\]/g, (list) => list.replace(/\s+with\s+[^\s,\]]+/g, ""));
    })
    .join("\n");
}

function packageErrors(e: unknown, source: SourceText): Diagnostic[] {
  if (e instanceof fgaErrors.DSLSyntaxError || e instanceof fgaErrors.ModelValidationError) {
    const list: readonly PackageError[] = mergeSurrogateHalves(e.errors);
    return list.map((pe) => packageError(pe, source));
  }
  // Anything else is a package failure on odd input; report it rather than crash the caller.
  const message = e instanceof Error ? e.message : String(e);
  return [error(OPENFGA_UNSUPPORTED, `OpenFGA could not read the model: ${message}`)];
}

/**
 * The package's lexer reads UTF-16 units, so one emoji in a name yields two "token recognition
 * error at: '\ud83d'" errors with half a character each; report the character once.
 */
function mergeSurrogateHalves(list: readonly PackageError[]): PackageError[] {
  const out: PackageError[] = [];
  for (let i = 0; i < list.length; i++) {
    const high = list[i];
    const low = list[i + 1];
    const h = high ? /'([\uD800-\uDBFF])'$/.exec(high.msg) : null;
    const l = low ? /'([\uDC00-\uDFFF])'$/.exec(low.msg) : null;
    if (high && low && h && l && high.line?.start === low.line?.start) {
      const column = high.column && { start: high.column.start, end: high.column.start + 2 };
      out.push({ ...high, msg: high.msg.slice(0, -3) + `'${h[1] ?? ""}${l[1] ?? ""}'`, column });
      i++;
    } else if (high) {
      out.push(high);
    }
  }
  return out;
}

function packageError(pe: PackageError, source: SourceText): Diagnostic {
  const syntax = pe.type === "syntax";
  const code = syntax ? OPENFGA_SYNTAX : `openfga-${pe.type}`;
  if (!pe.line) return error(code, pe.msg);
  // Both the parser (ANTLR) and the validator report 0-based lines and 0-based UTF-16 columns;
  // without a column, the whole line.
  const line = pe.line.start;
  const column = pe.column ?? { start: 0, end: source.lineText(pe.line.end).length };
  let message = pe.msg;
  if (syntax) {
    const hint = operatorHint(source.cleaned[line] ?? "");
    if (hint) message += ` (${hint})`;
  }
  const endColumn = Math.max(column.end, column.start + 1);
  return error(code, message, source.span(line, column.start, pe.line.end, endColumn));
}

/**
 * OpenFGA's grammar refuses `a or b and c` and `a but not b but not c` with a bare ANTLR message
 * ("mismatched input ' ' expecting …"). The message stays OpenFGA's; this says what it means.
 */
function operatorHint(line: string): string | undefined {
  const m = /^\s*define\s+[^\s:]+\s*:/.exec(line);
  if (!m) return undefined;
  const groups: string[][] = [[]];
  for (const tok of tokenize(line, m[0].length)) {
    if (tok.kind === "(") groups.push([]);
    else if (tok.kind === ")") {
      if (groups.length > 1) groups.pop();
    } else if (tok.kind === "op") groups[groups.length - 1]?.push(tok.text);
    else continue;
    const ops = groups[groups.length - 1] ?? [];
    if (new Set(ops).size > 1)
      return 'OpenFGA does not mix "or", "and" and "but not" on one level: add parentheses';
    if (ops.length > 1 && ops[0] === "but not") return '"but not" takes a single subtrahend: add parentheses';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Positions: where each type, define, leaf and condition sits in the text.

interface Token {
  readonly kind: "word" | "op" | "(" | ")" | "[";
  readonly text: string;
  /** UTF-16 indices into the line; `end` exclusive. For "[", the span runs to the matching "]". */
  readonly start: number;
  readonly end: number;
}

/** Tokens of a define's right-hand side, from `from` (the index after the colon). */
function tokenize(line: string, from: number): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < line.length) {
    const c = line[i] ?? "";
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      tokens.push({ kind: c, text: c, start: i, end: i + 1 });
      i++;
    } else if (c === "[") {
      const close = line.indexOf("]", i);
      const end = close < 0 ? line.length : close + 1;
      tokens.push({ kind: "[", text: line.slice(i, end), start: i, end });
      i = end;
    } else {
      const m = /^[^\s[\]()]+/.exec(line.slice(i));
      const text = m?.[0] ?? c;
      // `but not` is one token in OpenFGA's lexer; `not` alone is an ordinary name.
      const butNot = text === "but" ? /^but[ \t]+not(?=[\s(]|$)/.exec(line.slice(i)) : null;
      if (butNot) {
        tokens.push({ kind: "op", text: "but not", start: i, end: i + butNot[0].length });
        i += butNot[0].length;
      } else {
        tokens.push({
          kind: text === "or" || text === "and" ? "op" : "word",
          text,
          start: i,
          end: i + text.length,
        });
        i += text.length;
      }
    }
  }
  return tokens;
}

interface RelationSite {
  readonly loc: SourceLocation;
  /** Locations of the rewrite leaves in source order: `[...]` (this), `x`, `x from y`. */
  readonly leaves: SourceLocation[];
  /** Locations of the entries inside `[...]`, in order. */
  readonly items: SourceLocation[];
}
interface TypeSite {
  loc: SourceLocation;
  readonly relations: Map<string, RelationSite>;
}

/**
 * The model text with 1-based, code-point positions. OpenFGA's DSL is line-based (one statement
 * per line), so a line scan finds every type, define and condition.
 */
class SourceText {
  /** Lines as the package sees them: `#` comment lines blanked, ` #` trailing comments cut. */
  readonly cleaned: string[];
  readonly types = new Map<string, TypeSite>();
  readonly conditions = new Map<string, SourceLocation>();
  private readonly raw: string[];
  /** Code-point offset of each line's first character. */
  private readonly lineStarts: number[] = [];

  constructor(
    text: string,
    private readonly file: string | undefined,
  ) {
    this.raw = text.split("\n");
    // The same cleaning the package applies before parsing, so our columns agree with its columns.
    this.cleaned = this.raw.map((l) =>
      l.trimStart().startsWith("#") ? "" : (l.split(" #")[0] ?? "").trimEnd(),
    );
    let offset = 0;
    for (const l of this.raw) {
      this.lineStarts.push(offset);
      offset += codePoints(l) + 1;
    }
    this.scan();
  }

  lineText(line: number): string {
    return this.cleaned[line] ?? "";
  }

  /** 0-based line, 0-based UTF-16 column → SourcePosition (1-based line/column in code points). */
  position(line: number, utf16Column: number): SourcePosition {
    const l = Math.min(Math.max(line, 0), Math.max(this.raw.length - 1, 0));
    const text = this.raw[l] ?? "";
    const column = codePoints(text.slice(0, Math.max(0, utf16Column))) + 1;
    return { line: l + 1, column, offset: (this.lineStarts[l] ?? 0) + column - 1 };
  }

  span(line: number, startColumn: number, endLine: number, endColumn: number): SourceLocation {
    const loc = { start: this.position(line, startColumn), end: this.position(endLine, endColumn) };
    return this.file !== undefined ? { file: this.file, ...loc } : loc;
  }

  private scan(): void {
    let current: TypeSite | undefined;
    this.cleaned.forEach((line, n) => {
      const type = /^(\s*type\s+)(\S+)\s*$/.exec(line);
      if (type) {
        const start = type[1]?.length ?? 0;
        const name = type[2] ?? "";
        current = { loc: this.span(n, start, n, start + name.length), relations: new Map() };
        if (!this.types.has(name)) this.types.set(name, current);
        return;
      }
      const define = /^(\s*define\s+)([^\s:]+)(\s*:)/.exec(line);
      if (define && current) {
        const start = define[1]?.length ?? 0;
        const name = define[2] ?? "";
        const tokens = tokenize(line, define[0].length);
        const leaves: SourceLocation[] = [];
        let items: SourceLocation[] = [];
        for (let i = 0; i < tokens.length; i++) {
          const tok = tokens[i];
          if (!tok) continue;
          if (tok.kind === "[") {
            leaves.push(this.span(n, tok.start, n, tok.end));
            items = this.bracketItems(n, line, tok);
          } else if (tok.kind === "word") {
            const from = tokens[i + 1];
            const tupleset = tokens[i + 2];
            if (from?.kind === "word" && from.text === "from" && tupleset?.kind === "word") {
              leaves.push(this.span(n, tok.start, n, tupleset.end));
              i += 2;
            } else {
              leaves.push(this.span(n, tok.start, n, tok.end));
            }
          }
        }
        current.loc = { ...current.loc, end: this.position(n, line.length) };
        if (!current.relations.has(name))
          current.relations.set(name, { loc: this.span(n, start, n, line.length), leaves, items });
        return;
      }
      const condition = /^(\s*condition\s+)([^\s(]+)/.exec(line);
      if (condition) {
        current = undefined;
        const start = condition[1]?.length ?? 0;
        const name = condition[2] ?? "";
        if (!this.conditions.has(name))
          this.conditions.set(name, this.span(n, start, n, start + name.length));
      }
    });
  }

  /** `[user, user:*, group#member, user with c]` → one location per comma-separated entry. */
  private bracketItems(n: number, line: string, tok: Token): SourceLocation[] {
    const items: SourceLocation[] = [];
    const innerStart = tok.start + 1;
    const innerEnd = line[tok.end - 1] === "]" ? tok.end - 1 : tok.end;
    let itemStart = innerStart;
    for (let i = innerStart; i <= innerEnd; i++) {
      if (i === innerEnd || line[i] === ",") {
        const raw = line.slice(itemStart, i);
        const lead = raw.length - raw.trimStart().length;
        const text = raw.trim();
        if (text !== "") items.push(this.span(n, itemStart + lead, n, itemStart + lead + text.length));
        itemStart = i + 1;
      }
    }
    return items;
  }
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Parentheses an OpenFGA expression may nest. OpenFGA's own parser (ANTLR, in
 * @openfga/syntax-transformer) takes time quadratic in the nesting (160 levels: 1.5 s here) and
 * recurses on the JS stack, so deeper input is refused before it gets there.
 */
export const MAX_OPENFGA_NESTING = 64;

/** `nesting-too-deep` at the first parenthesis past MAX_OPENFGA_NESTING, if any (comments ignored). */
function nestingTooDeep(source: SourceText): Diagnostic | undefined {
  let depth = 0;
  for (let line = 0; line < source.cleaned.length; line++) {
    const text = source.cleaned[line]!;
    for (let col = 0; col < text.length; col++) {
      const ch = text.charCodeAt(col);
      if (ch === 0x28 /* ( */ && ++depth > MAX_OPENFGA_NESTING)
        return error(
          "nesting-too-deep",
          `expressions nest at most ${MAX_OPENFGA_NESTING} parentheses deep`,
          source.span(line, col, line, col + 1),
        );
      if (ch === 0x29 /* ) */ && depth > 0) depth--;
    }
  }
  return undefined;
}
