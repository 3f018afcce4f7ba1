/**
 * Parser for the `.zed` schema language, following SpiceDB's grammar (pkg/schemadsl/parser).
 *
 * Error tolerant: a syntax error becomes a positioned diagnostic, the parser skips to the end of
 * the statement and keeps going, so one run reports every problem. Never throws on bad input.
 *
 * Statements end at `;`, at `}` or at a line break that follows a name, `)`, `}`, `*` or `...`
 * (SpiceDB's "synthetic semicolon"): `a +\n b` continues, `a\n + b` does not.
 *
 * Operator precedence is SpiceDB's (checked against its parser and its associativity golden test):
 * `+` binds tightest, then `&`, then `-`; all three are left-associative, so `a - b + c` is
 * `a - (b + c)` and `a + b - c` is `(a + b) - c`. `->` / `.any()` / `.all()` bind tighter still.
 */
import type { SourceLocation } from "../typesystem/ir.ts";
import { RESERVED_WORDS } from "../typesystem/names.ts";
import { error, type Diagnostic } from "../typesystem/diagnostic.ts";
import type {
  ArrowNode,
  BinaryOperator,
  CaveatNode,
  CaveatParameterNode,
  DefinitionNode,
  DocumentNode,
  ExpressionNode,
  IdentifierNode,
  ImportNode,
  MemberNode,
  NameNode,
  PartialNode,
  PartialReferenceNode,
  PermissionNode,
  RelationNode,
  TopLevelNode,
  TypeReferenceNode,
  UseNode,
} from "./ast.ts";
import { describeToken, lex, makeLocation, type Comment, type Token, type TokenKind } from "./lexer.ts";

export interface ParseOptions {
  readonly file?: string;
}

export interface ParseResult {
  readonly document: DocumentNode;
  readonly diagnostics: readonly Diagnostic[];
}

/** The `use` flags SpiceDB knows. */
export const USE_FLAGS: readonly string[] = ["expiration", "import", "partial", "self", "typechecking"];

// After these, a line break ends the statement (SpiceDB's synthetic semicolon).
const STATEMENT_ENDERS: ReadonlySet<TokenKind> = new Set<TokenKind>([
  "identifier",
  ")",
  "}",
  "*",
  "...",
  "number",
  "string",
]);

/** Parses `.zed` text into a document; syntax errors come back as diagnostics (code `syntax-error` and others). */
export function parse(text: string, options: ParseOptions = {}): ParseResult {
  const parser = new Parser(text, options.file);
  const document = parser.parseDocument();
  return { document, diagnostics: parser.diagnostics };
}

/** Text of a doc comment without its markers: `/** a *\/` → `a`; leading ` * ` of each line removed. */
export function docCommentText(comment: string): string {
  const body = comment.slice(3, -2);
  const lines = body.split(/\r\n|\r|\n/).map((line) => line.replace(/^\s*\*?[ \t]?/, "").trimEnd());
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.join("\n");
}

function isDocComment(c: Comment): boolean {
  return c.text.startsWith("/**") && c.text !== "/**/" && c.text.length >= 5;
}

class SyntaxFailure extends Error {}

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  private readonly tokens: Token[];
  private pos = 0;
  private readonly flags = new Set<string>();
  private seenDefinition = false;
  // Inside parentheses a line break never ends the statement (more lenient than SpiceDB).
  private parenDepth = 0;

  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
  ) {
    this.tokens = lex(text, file);
  }

  // ---- token helpers -------------------------------------------------------------------------

  private get token(): Token {
    const t = this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1];
    if (t === undefined) throw new Error("BUG: lexer returned no tokens");
    return t;
  }
  private get previous(): Token | undefined {
    return this.pos > 0 ? this.tokens[this.pos - 1] : undefined;
  }
  private advance(): Token {
    const t = this.token;
    if (t.kind !== "eof") this.pos++;
    return t;
  }
  private is(kind: TokenKind): boolean {
    return this.token.kind === kind;
  }
  private isWord(word: string): boolean {
    return this.token.kind === "identifier" && this.token.value === word;
  }
  private loc(start: Token, end: Token | undefined = this.previous): SourceLocation {
    return makeLocation(start.loc.start, (end ?? start).loc.end, this.file);
  }

  /**
   * Reports `nesting-too-deep` at `open` and skips the rest of the parenthesised group (so the
   * closing parentheses are not reported again), then abandons the statement.
   */
  private tooDeep(open: Token, depth: number): never {
    const message = `expressions nest at most ${MAX_EXPRESSION_NESTING} parentheses deep`;
    this.report(message, open.loc, "nesting-too-deep");
    while (depth > 0 && this.token.kind !== "eof") {
      if (this.is("(")) depth++;
      else if (this.is(")")) depth--;
      this.advance();
    }
    throw new SyntaxFailure(message);
  }

  /** From the start of `start` to the end of `end`. */
  private span(start: Token, end: Token): SourceLocation {
    return makeLocation(start.loc.start, end.loc.end, this.file);
  }

  /** Reports `message` at the current token and abandons the current statement. */
  private fail(message: string, code = "syntax-error"): never {
    // An unterminated string or comment explains itself better than "expected ..., found ...".
    this.report(this.token.kind === "error" ? this.token.value : message, this.token.loc, code);
    throw new SyntaxFailure(message);
  }
  private report(message: string, loc: SourceLocation, code = "syntax-error"): void {
    this.diagnostics.push(error(code, message, loc));
  }
  private expect(kind: TokenKind, what: string = JSON.stringify(kind)): Token {
    if (this.token.kind === "error") this.fail(this.token.value);
    if (!this.is(kind)) this.fail(`expected ${what}, found ${describeToken(this.token)}`);
    return this.advance();
  }
  private expectWord(word: string): Token {
    if (!this.isWord(word)) this.fail(`expected "${word}", found ${describeToken(this.token)}`);
    return this.advance();
  }

  /** True where a statement may end: `;`, `}`, end of file, or a line break after a statement ender. */
  private atStatementEnd(): boolean {
    const t = this.token;
    if (t.kind === ";" || t.kind === "}" || t.kind === "eof") return true;
    const prev = this.previous;
    return this.parenDepth === 0 && t.newlineBefore && prev !== undefined && STATEMENT_ENDERS.has(prev.kind);
  }

  /** Warning codes silenced by `// spicedb-ignore-warning: code` comments before `token` (SpiceDB's syntax). */
  private ignoredWarningsOf(token: Token): string[] {
    return token.comments.flatMap((c) => {
      const match = IGNORE_WARNING.exec(c.text);
      return match?.[1] !== undefined ? [match[1]] : [];
    });
  }

  /** The doc text of `/** *\/` comments directly before `token` (joined by line breaks). */
  private docOf(token: Token): string | undefined {
    const docs = token.comments.filter(isDocComment).map((c) => docCommentText(c.text));
    return docs.length > 0 ? docs.join("\n") : undefined;
  }

  // ---- top level -----------------------------------------------------------------------------

  /** Document : TopLevel* EOF */
  parseDocument(): DocumentNode {
    const first = this.token;
    const statements: TopLevelNode[] = [];
    while (!this.is("eof")) {
      if (this.is(";")) {
        this.advance();
        continue;
      }
      const start = this.pos;
      try {
        statements.push(this.parseTopLevel());
      } catch (e) {
        if (!(e instanceof SyntaxFailure)) throw e;
        this.recoverTopLevel(start);
      }
    }
    return {
      kind: "Document",
      statements,
      loc: makeLocation(first.loc.start, this.token.loc.end, this.file),
    };
  }

  /** TopLevel : Use | Definition | Caveat | Partial | Import */
  private parseTopLevel(): TopLevelNode {
    if (this.isWord("use")) return this.parseUse();
    if (this.isWord("definition")) {
      this.seenDefinition = true;
      return this.parseDefinition();
    }
    if (this.isWord("caveat")) {
      this.seenDefinition = true;
      return this.parseCaveat();
    }
    if (this.isWord("partial")) return this.parsePartial();
    if (this.isWord("import")) return this.parseImport();
    return this.fail(
      `expected "definition", "caveat" or "use" at the top level, found ${describeToken(this.token)}`,
    );
  }

  /** Skips to the next token that can start a top-level statement (always moves forward). */
  private recoverTopLevel(start: number): void {
    if (this.pos === start) this.advance();
    let depth = 0;
    while (!this.is("eof")) {
      const t = this.token;
      if (t.kind === "{") depth++;
      if (t.kind === "}") {
        depth--;
        this.advance();
        if (depth <= 0) return;
        continue;
      }
      if (
        depth <= 0 &&
        t.kind === "identifier" &&
        (t.newlineBefore || this.previous?.kind === "}") &&
        ["definition", "caveat", "use", "partial", "import"].includes(t.value)
      )
        return;
      this.advance();
    }
  }

  /** Use : "use" Identifier */
  private parseUse(): UseNode {
    const start = this.expectWord("use");
    const flagToken = this.expect("identifier", "a use flag");
    const flag = flagToken.value;
    if (!USE_FLAGS.includes(flag)) {
      this.report(
        `unknown use flag "${flag}"; known flags: ${USE_FLAGS.join(", ")}`,
        flagToken.loc,
        "unknown-use-flag",
      );
    } else if (this.seenDefinition) {
      this.report(
        `"use ${flag}" must come before any definition or caveat`,
        this.loc(start),
        "use-after-definition",
      );
    }
    this.flags.add(flag);
    this.endStatement();
    return { kind: "Use", flag, loc: this.loc(start) };
  }

  /** Definition : "definition" TypePath "{" Member* "}" */
  private parseDefinition(): DefinitionNode {
    const start = this.expectWord("definition");
    const doc = this.docOf(start);
    const name = this.parseTypePath("a definition name");
    const members = this.parseMemberBlock();
    return { kind: "Definition", name, members, ...(doc !== undefined ? { doc } : {}), loc: this.loc(start) };
  }

  /** Partial : "partial" TypePath "{" Member* "}" */
  private parsePartial(): PartialNode {
    const start = this.expectWord("partial");
    const doc = this.docOf(start);
    const name = this.parseTypePath("a partial name");
    const members = this.parseMemberBlock();
    return { kind: "Partial", name, members, ...(doc !== undefined ? { doc } : {}), loc: this.loc(start) };
  }

  /** Import : "import" String */
  private parseImport(): ImportNode {
    const start = this.expectWord("import");
    const path = this.expect("string", "a quoted path");
    this.endStatement();
    return { kind: "Import", path: path.value.slice(1, -1), loc: this.loc(start) };
  }

  /** TypePath : Identifier ( "/" Identifier )* */
  private parseTypePath(what: string): NameNode {
    const first = this.token;
    const parts = [this.parseName(what)];
    while (this.is("/")) {
      this.advance();
      parts.push(this.parseName(what));
    }
    return { value: parts.join("/"), loc: this.loc(first) };
  }

  private parseName(what: string): string {
    if (this.token.kind === "error") this.fail(this.token.value);
    if (!this.is("identifier")) this.fail(`expected ${what}, found ${describeToken(this.token)}`);
    const t = this.advance();
    if (RESERVED_WORDS.has(t.value))
      this.report(`"${t.value}" is a keyword and cannot be used as a name`, t.loc, "reserved-word");
    return t.value;
  }

  /** MemberBlock : "{" ( Member StatementEnd )* "}" */
  private parseMemberBlock(): MemberNode[] {
    this.expect("{");
    const members: MemberNode[] = [];
    for (;;) {
      while (this.is(";")) this.advance();
      if (this.is("}")) {
        this.advance();
        break;
      }
      if (this.is("eof")) this.fail(`expected "}" to close the block, found end of file`);
      // A definition or caveat at the start of a line means this block's "}" is missing: report it
      // and let the next statement parse normally instead of swallowing it.
      if (this.token.newlineBefore && (this.isWord("definition") || this.isWord("caveat"))) {
        this.report(`expected "}" to close the block before "${this.token.value}"`, this.token.loc);
        break;
      }
      const start = this.pos;
      try {
        members.push(this.parseMember());
        this.endStatement();
      } catch (e) {
        if (!(e instanceof SyntaxFailure)) throw e;
        this.recoverMember(start);
      }
    }
    return members;
  }

  /** Requires the end of a statement here (consumes a `;`). */
  private endStatement(): void {
    if (!this.atStatementEnd())
      this.fail(
        `expected the end of the statement (a line break or ";"), found ${describeToken(this.token)}`,
      );
    if (this.is(";")) this.advance();
  }

  /** Skips to the end of the broken member; stops before `}` so the block can close. */
  private recoverMember(start: number): void {
    if (this.pos === start && !this.is("}") && !this.is("eof")) this.advance();
    let depth = 0;
    while (!this.is("eof")) {
      const t = this.token;
      if (depth === 0 && t.kind === "}") return;
      if (depth === 0 && t.kind === ";") {
        this.advance();
        return;
      }
      if (
        depth === 0 &&
        t.newlineBefore &&
        t.kind === "identifier" &&
        ["relation", "permission"].includes(t.value)
      )
        return;
      if (
        depth === 0 &&
        t.kind === "identifier" &&
        t.newlineBefore &&
        ["definition", "caveat"].includes(t.value)
      )
        return;
      if (t.kind === "(" || t.kind === "{") depth++;
      if (t.kind === ")" || t.kind === "}") depth--;
      this.advance();
    }
  }

  /** Member : Relation | Permission | "..." Identifier */
  private parseMember(): MemberNode {
    if (this.isWord("relation")) return this.parseRelation();
    if (this.isWord("permission")) return this.parsePermission();
    if (this.is("...")) return this.parsePartialReference();
    return this.fail(`expected "relation" or "permission", found ${describeToken(this.token)}`);
  }

  /** PartialReference : "..." Identifier */
  private parsePartialReference(): PartialReferenceNode {
    const start = this.expect("...");
    const nameToken = this.token;
    const name = this.parseTypePath("a partial name");
    return {
      kind: "PartialReference",
      name: { value: name.value, loc: nameToken.loc },
      loc: this.loc(start),
    };
  }

  /** Relation : "relation" Identifier ":" TypeReference ( "|" TypeReference )* */
  private parseRelation(): RelationNode {
    const start = this.expectWord("relation");
    const doc = this.docOf(start);
    const nameToken = this.token;
    const name: NameNode = { value: this.parseName("a relation name"), loc: nameToken.loc };
    this.expect(":");
    if (this.atStatementEnd() || this.token.newlineBefore)
      this.fail(`expected a subject type after ":", found ${describeToken(this.token)}`);
    const types = [this.parseTypeReference()];
    while (this.is("|") && !this.atStatementEnd()) {
      this.advance();
      types.push(this.parseTypeReference());
    }
    return {
      kind: "Relation",
      name,
      types,
      ...(doc !== undefined ? { doc } : {}),
      ignoredWarnings: this.ignoredWarningsOf(start),
      loc: this.loc(start),
    };
  }

  /**
   * TypeReference : TypePath ( ":" "*" | "#" ( Identifier | "..." ) )? WithTraits?
   * WithTraits : "with" ( Caveat ( "and" "expiration" )? | "expiration" )
   */
  private parseTypeReference(): TypeReferenceNode {
    const start = this.token;
    if (start.kind === "identifier" && RESERVED_WORDS.has(start.value))
      this.fail(`expected a subject type, found the keyword "${start.value}"`);
    const type = this.parseTypePath("a subject type");
    let relation: NameNode | undefined;
    let wildcard = false;
    if (this.is(":")) {
      this.advance();
      this.expect("*", `"*" (a wildcard)`);
      wildcard = true;
    } else if (this.is("#")) {
      this.advance();
      if (this.is("...")) {
        const t = this.advance();
        relation = { value: "...", loc: t.loc };
      } else {
        const t = this.token;
        relation = { value: this.parseName('a relation name or "..."'), loc: t.loc };
      }
    }
    let caveat: NameNode | undefined;
    let expiration = false;
    if (this.isWord("with")) {
      this.advance();
      if (this.isWord("expiration")) {
        expiration = this.parseExpirationTrait();
      } else {
        caveat = this.parseTypePath('a caveat name or "expiration"');
        if (this.isWord("and")) {
          this.advance();
          if (!this.isWord("expiration"))
            this.fail(`expected "expiration" after "and", found ${describeToken(this.token)}`);
          expiration = this.parseExpirationTrait();
        }
      }
    }
    return {
      kind: "TypeReference",
      type,
      ...(relation ? { relation } : {}),
      wildcard,
      ...(caveat ? { caveat } : {}),
      expiration,
      loc: this.loc(start),
    };
  }

  // Without `use expiration` this still reads as the trait; validation reports the missing flag.
  private parseExpirationTrait(): boolean {
    this.expectWord("expiration");
    return true;
  }

  /** Permission : "permission" Identifier "=" Expression */
  private parsePermission(): PermissionNode {
    const start = this.expectWord("permission");
    const doc = this.docOf(start);
    const nameToken = this.token;
    const name: NameNode = { value: this.parseName("a permission name"), loc: nameToken.loc };
    this.expect("=");
    const expression = this.parseExpression();
    return {
      kind: "Permission",
      name,
      expression,
      ...(doc !== undefined ? { doc } : {}),
      ignoredWarnings: this.ignoredWarningsOf(start),
      loc: this.loc(start),
    };
  }

  // ---- expressions ---------------------------------------------------------------------------

  /**
   * Expression : Exclusion
   * Exclusion : Intersection ( "-" Intersection )*
   * Intersection : Union ( "&" Union )*
   * Union : Arrow ( "+" Arrow )*
   *
   * Operator precedence by explicit stacks (no recursion on the JS stack), so a schema with
   * thousands of operators or parentheses cannot overflow it; parentheses deeper than
   * MAX_EXPRESSION_NESTING are a positioned `nesting-too-deep` error. Operators are
   * left-associative; `+` binds tightest, then `&`, then `-` (SpiceDB's order).
   */
  private parseExpression(): ExpressionNode {
    const outerParenDepth = this.parenDepth;
    try {
      return this.parseOperators();
    } finally {
      // A syntax error inside parentheses must not leave the statement-end rule switched off.
      this.parenDepth = outerParenDepth;
    }
  }

  private parseOperators(): ExpressionNode {
    /** Operands with their full extent (an operand in parentheses spans them). */
    const operands: Operand[] = [];
    /** Operators not yet applied, and open parentheses (`(`, with their token). */
    const pending: (BinaryOperator | Token)[] = [];
    let depth = 0;
    const reduce = (): void => {
      const operator = pending.pop() as BinaryOperator;
      const right = operands.pop()!;
      const left = operands.pop()!;
      operands.push({
        node: {
          kind: "Binary",
          operator,
          left: left.node,
          right: right.node,
          loc: this.span(left.start, right.end),
        },
        start: left.start,
        end: right.end,
      });
    };
    const isOperator = (top: BinaryOperator | Token | undefined): top is BinaryOperator =>
      typeof top === "string";
    for (;;) {
      // An operand: any opening parentheses, then an arrow, identifier, nil or self.
      while (this.is("(")) {
        const open = this.advance();
        if (++depth > MAX_EXPRESSION_NESTING) this.tooDeep(open, depth);
        pending.push(open);
        this.parenDepth++;
      }
      const start = this.token;
      const node = this.parseArrow();
      operands.push({ node, start, end: this.previous ?? start });
      // Closing parentheses end the groups they close.
      while (this.is(")") && depth > 0) {
        while (isOperator(pending[pending.length - 1])) reduce();
        const open = pending.pop() as Token;
        const close = this.advance();
        depth--;
        this.parenDepth--;
        const inner = operands.pop()!;
        operands.push({ node: inner.node, start: open, end: close });
      }
      // A line break before the operator ends the statement (the operand ended with a name or ")").
      const t = this.token;
      if (!(t.kind === "+" || t.kind === "&" || t.kind === "-") || this.atStatementEnd()) break;
      const operator: BinaryOperator = t.kind;
      while (
        isOperator(pending[pending.length - 1]) &&
        PRECEDENCE[pending[pending.length - 1] as BinaryOperator] >= PRECEDENCE[operator]
      )
        reduce();
      this.advance();
      pending.push(operator);
    }
    if (depth > 0) this.expect(")", `")"`);
    while (pending.length > 0) reduce();
    return operands[0]!.node;
  }

  /** Arrow : Identifier ( "->" Identifier | "." ( "any" | "all" ) "(" Identifier ")" )+ | Base */
  private parseArrow(): ExpressionNode {
    const start = this.token;
    const base = this.parseBase();
    if (base.kind !== "Identifier") return base;
    if (!(this.is("->") || this.is(".")) || this.atStatementEnd()) return base;
    let fn: ArrowNode["fn"];
    let right: IdentifierNode;
    if (this.is("->")) {
      this.advance();
      fn = "->";
      right = this.parseIdentifier('a permission or relation name after "->"');
    } else {
      this.advance();
      const fnToken = this.token;
      if (!(this.isWord("any") || this.isWord("all")))
        this.fail(`expected "any" or "all" after ".", found ${describeToken(fnToken)}`);
      fn = this.advance().value === "any" ? "any" : "all";
      this.expect("(");
      right = this.parseIdentifier(`a permission or relation name in ".${fn}()"`);
      this.expect(")");
    }
    const chain: IdentifierNode[] = [];
    while (this.is("->") && !this.atStatementEnd()) {
      this.advance();
      chain.push(this.parseIdentifier('a permission or relation name after "->"'));
    }
    return { kind: "Arrow", left: base, right, fn, chain, loc: this.loc(start) };
  }

  private parseIdentifier(what: string): IdentifierNode {
    const t = this.token;
    if (t.kind === "error") this.fail(t.value);
    if (t.kind !== "identifier") this.fail(`expected ${what}, found ${describeToken(t)}`);
    this.advance();
    return { kind: "Identifier", name: t.value, loc: t.loc };
  }

  /** Base : "nil" | "self" | Identifier  (parentheses are parseExpression's) */
  private parseBase(): ExpressionNode {
    const t = this.token;
    if (t.kind === "identifier" && t.value === "nil") {
      this.advance();
      return { kind: "Nil", loc: t.loc };
    }
    // `self` is a keyword only after `use self`, as in SpiceDB; before that it names a member.
    if (t.kind === "identifier" && t.value === "self" && this.flags.has("self")) {
      this.advance();
      return { kind: "Self", loc: t.loc };
    }
    if (t.kind === "identifier" && RESERVED_WORDS.has(t.value))
      this.fail(`expected an expression, found the keyword "${t.value}"`);
    if (t.kind === "identifier") return this.parseIdentifier("an expression");
    if (t.kind === "error") this.fail(t.value);
    return this.fail(`expected an expression, found ${describeToken(t)}`);
  }

  // ---- caveats -------------------------------------------------------------------------------

  /** Caveat : "caveat" TypePath "(" CaveatParameter ( "," CaveatParameter )* ")" "{" CEL "}" */
  private parseCaveat(): CaveatNode {
    const start = this.expectWord("caveat");
    const doc = this.docOf(start);
    const name = this.parseTypePath("a caveat name");
    this.expect("(");
    const parameters: CaveatParameterNode[] = [];
    if (!this.is(")")) {
      parameters.push(this.parseCaveatParameter());
      while (this.is(",")) {
        this.advance();
        parameters.push(this.parseCaveatParameter());
      }
    }
    this.expect(")", `"," or ")"`);
    const open = this.expect("{");
    const expressionStart = this.token.loc.start;
    const expression = this.parseOpaqueBody(open);
    return {
      kind: "Caveat",
      name,
      parameters,
      expression,
      expressionStart,
      ...(doc !== undefined ? { doc } : {}),
      loc: this.loc(start),
    };
  }

  /** CaveatParameter : Identifier CaveatType */
  private parseCaveatParameter(): CaveatParameterNode {
    const start = this.token;
    const nameText = this.parseName("a parameter name");
    const name: NameNode = { value: nameText, loc: start.loc };
    const type = this.parseCaveatType();
    return { kind: "CaveatParameter", name, type, loc: this.loc(start) };
  }

  /** CaveatType : Identifier ( "<" CaveatType ( "," CaveatType )* ">" )? */
  private parseCaveatType(): string {
    const base = this.expect("identifier", "a parameter type").value;
    if (!this.is("<")) return base;
    this.advance();
    const children = [this.parseCaveatType()];
    while (this.is(",")) {
      this.advance();
      children.push(this.parseCaveatType());
    }
    this.expect(">", `">"`);
    return `${base}<${children.join(", ")}>`;
  }

  /** CEL : any tokens with balanced braces; kept verbatim (trimmed) for the CEL evaluator. */
  private parseOpaqueBody(open: Token): string {
    let depth = 1;
    const bodyStart = open.end;
    for (;;) {
      const t = this.token;
      if (t.kind === "eof") this.fail(`expected "}" to close the caveat expression, found end of file`);
      if (t.kind === "error") this.fail(t.value);
      if (t.kind === "{") depth++;
      if (t.kind === "}") {
        depth--;
        if (depth === 0) {
          const text = this.text.slice(bodyStart, t.start).trim();
          this.advance();
          if (text === "") this.report("missing caveat expression", t.loc);
          return text;
        }
      }
      this.advance();
    }
  }
}

const IGNORE_WARNING = /^\/\/\s*spicedb-ignore-warning:\s*([a-z0-9-]+)\s*$/;

// Loosest first: `-` then `&` then `+` (SpiceDB's ComputeExpressionOperators order).
/** Binding strength of the operators: `+` tightest, then `&`, then `-` (SpiceDB's precedence). */
const PRECEDENCE: Readonly<Record<BinaryOperator, number>> = { "-": 0, "&": 1, "+": 2 };

/** Parentheses an expression may nest (deeper is `nesting-too-deep`). */
export const MAX_EXPRESSION_NESTING = 500;

/** An operand of parseExpression, with the tokens it spans (its parentheses included). */
interface Operand {
  readonly node: ExpressionNode;
  readonly start: Token;
  readonly end: Token;
}
