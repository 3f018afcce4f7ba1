/**
 * Lexer for the `.zed` schema language (SpiceDB's schema DSL).
 *
 * Turns text into tokens with positions: 1-based line and column counted in Unicode code points,
 * 0-based code-point offset (the same convention as every diagnostic). Never throws: characters it
 * cannot place become `error` tokens that the parser reports where they are met, so a caveat's CEL
 * body (which has its own operators and strings) can pass through untouched.
 *
 * Comments are not tokens: each token carries the comments directly before it, so the parser can
 * attach `/** doc *\/` comments to the definition, member or caveat that follows.
 */
import type { SourceLocation, SourcePosition } from "../typesystem/ir.ts";

export type TokenKind =
  | "identifier"
  | "number"
  | "string"
  | "{"
  | "}"
  | "("
  | ")"
  | "<"
  | ">"
  | "["
  | "]"
  | ","
  | "|"
  | "+"
  | "-"
  | "&"
  | "/"
  | "="
  | ":"
  | ";"
  | "->"
  | "#"
  | "..."
  | "."
  | "*"
  /** Any other character or character run (CEL operators such as `==`, `&&`, `!`, `?`, `%`). */
  | "other"
  /** Unterminated string or comment: the value is the message. */
  | "error"
  | "eof";

export interface Comment {
  /** Full text including the markers. */
  readonly text: string;
  readonly loc: SourceLocation;
}

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token (the message, for `error`). */
  readonly value: string;
  readonly loc: SourceLocation;
  /** UTF-16 index range in the source, for slicing raw text (CEL bodies). */
  readonly start: number;
  readonly end: number;
  /** True when a line break separates this token from the previous one. */
  readonly newlineBefore: boolean;
  /** Comments between the previous token and this one, in order. */
  readonly comments: readonly Comment[];
}

const PUNCTUATION: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  ["{", "{"],
  ["}", "}"],
  ["(", "("],
  [")", ")"],
  ["<", "<"],
  [">", ">"],
  ["[", "["],
  ["]", "]"],
  [",", ","],
  ["|", "|"],
  ["+", "+"],
  ["&", "&"],
  ["=", "="],
  [":", ":"],
  [";", ";"],
  ["#", "#"],
  ["*", "*"],
]);

// Two-character CEL operators: kept whole so `&&`, `||` and `==` are never read as `&`, `|`, `=`.
const CEL_OPERATORS = new Set(["&&", "||", "==", "!=", "<=", ">="]);

function isIdentifierStart(c: string): boolean {
  return c === "_" || /\p{L}/u.test(c);
}
function isIdentifierPart(c: string): boolean {
  return c === "_" || /[\p{L}\p{N}]/u.test(c);
}

/** Cursor over the source that keeps code-point line/column/offset in step with the UTF-16 index. */
class Cursor {
  index = 0;
  line = 1;
  column = 1;
  offset = 0;
  constructor(readonly text: string) {}

  peek(ahead = 0): string {
    let i = this.index;
    for (let k = 0; k < ahead && i < this.text.length; k++) i += charLength(this.text, i);
    if (i >= this.text.length) return "";
    return String.fromCodePoint(this.text.codePointAt(i) ?? 0);
  }
  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.index);
  }
  next(): string {
    const c = this.peek();
    this.index += c.length;
    this.offset++;
    // A "\r\n" pair is one line break; a lone "\r" counts as one too.
    if (c === "\n" || (c === "\r" && this.peek() !== "\n")) {
      this.line++;
      this.column = 1;
    } else if (c !== "\r") {
      this.column++;
    }
    return c;
  }
  get atEnd(): boolean {
    return this.index >= this.text.length;
  }
  position(): SourcePosition {
    return { line: this.line, column: this.column, offset: this.offset };
  }
}

function charLength(text: string, i: number): number {
  const cp = text.codePointAt(i) ?? 0;
  return cp > 0xffff ? 2 : 1;
}

/** Builds a location; `file` is omitted when unknown (exactOptionalPropertyTypes). */
export function makeLocation(start: SourcePosition, end: SourcePosition, file?: string): SourceLocation {
  return file === undefined ? { start, end } : { file, start, end };
}

/**
 * Splits `text` into tokens, ending with one `eof` token. `file` is copied into every location.
 */
export function lex(text: string, file?: string): Token[] {
  const cur = new Cursor(text);
  const tokens: Token[] = [];
  let comments: Comment[] = [];
  let newlineBefore = false;

  const push = (kind: TokenKind, startIndex: number, startPos: SourcePosition, value?: string): void => {
    tokens.push({
      kind,
      value: value ?? text.slice(startIndex, cur.index),
      loc: makeLocation(startPos, cur.position(), file),
      start: startIndex,
      end: cur.index,
      newlineBefore,
      comments,
    });
    comments = [];
    newlineBefore = false;
  };

  while (!cur.atEnd) {
    const c = cur.peek();
    const startIndex = cur.index;
    const startPos = cur.position();
    if (c === "\n" || c === "\r") {
      cur.next();
      newlineBefore = true;
      continue;
    }
    if (/\s/u.test(c) || c === "\uFEFF") {
      cur.next();
      continue;
    }
    if (cur.startsWith("//")) {
      while (!cur.atEnd && cur.peek() !== "\n" && cur.peek() !== "\r") cur.next();
      comments.push({
        text: text.slice(startIndex, cur.index),
        loc: makeLocation(startPos, cur.position(), file),
      });
      continue;
    }
    if (cur.startsWith("/*")) {
      cur.next();
      cur.next();
      let closed = false;
      while (!cur.atEnd) {
        if (cur.startsWith("*/")) {
          cur.next();
          cur.next();
          closed = true;
          break;
        }
        cur.next();
      }
      if (!closed) {
        push("error", startIndex, startPos, "unterminated comment: missing */");
        continue;
      }
      comments.push({
        text: text.slice(startIndex, cur.index),
        loc: makeLocation(startPos, cur.position(), file),
      });
      continue;
    }
    if (isIdentifierStart(c)) {
      while (!cur.atEnd && isIdentifierPart(cur.peek())) cur.next();
      push("identifier", startIndex, startPos);
      continue;
    }
    if (/[0-9]/.test(c)) {
      // Identifiers may start with a digit in some positions of CEL (`1.0`); in the schema grammar a
      // digit-leading word is read whole so the error names it.
      while (!cur.atEnd && (isIdentifierPart(cur.peek()) || cur.peek() === ".")) {
        if (cur.peek() === "." && !/[0-9]/.test(cur.peek(1))) break;
        cur.next();
      }
      push("number", startIndex, startPos);
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = cur.startsWith(c.repeat(3));
      const terminator = triple ? c.repeat(3) : c;
      for (let k = 0; k < terminator.length; k++) cur.next();
      let closed = false;
      while (!cur.atEnd) {
        if (cur.startsWith(terminator)) {
          for (let k = 0; k < terminator.length; k++) cur.next();
          closed = true;
          break;
        }
        const ch = cur.peek();
        if (!triple && (ch === "\n" || ch === "\r")) break;
        if (ch === "\\") cur.next();
        cur.next();
      }
      if (closed) push("string", startIndex, startPos);
      else push("error", startIndex, startPos, "unterminated string");
      continue;
    }
    if (cur.startsWith("...")) {
      cur.next();
      cur.next();
      cur.next();
      push("...", startIndex, startPos);
      continue;
    }
    if (cur.startsWith("->")) {
      cur.next();
      cur.next();
      push("->", startIndex, startPos);
      continue;
    }
    const two = text.slice(cur.index, cur.index + 2);
    if (CEL_OPERATORS.has(two)) {
      cur.next();
      cur.next();
      push("other", startIndex, startPos);
      continue;
    }
    if (c === "-") {
      cur.next();
      push("-", startIndex, startPos);
      continue;
    }
    if (c === "/") {
      cur.next();
      push("/", startIndex, startPos);
      continue;
    }
    if (c === ".") {
      cur.next();
      push(".", startIndex, startPos);
      continue;
    }
    const kind = PUNCTUATION.get(c);
    cur.next();
    push(kind ?? "other", startIndex, startPos);
  }
  const end = cur.position();
  tokens.push({
    kind: "eof",
    value: "",
    loc: makeLocation(end, end, file),
    start: cur.index,
    end: cur.index,
    newlineBefore,
    comments,
  });
  return tokens;
}

/** How a token reads in an error message: `"foo"`, `"{"`, or `end of file`. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case "eof":
      return "end of file";
    case "error":
      return token.value;
    case "identifier":
    case "number":
    case "string":
    case "{":
    case "}":
    case "(":
    case ")":
    case "<":
    case ">":
    case "[":
    case "]":
    case ",":
    case "|":
    case "+":
    case "-":
    case "&":
    case "/":
    case "=":
    case ":":
    case ";":
    case "->":
    case "#":
    case "...":
    case ".":
    case "*":
    case "other":
      return JSON.stringify(token.value);
  }
}
