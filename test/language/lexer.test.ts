import { describe, expect, it } from "vitest";
import { lex } from "../../src/language/lexer.ts";

const kinds = (text: string) => lex(text).map((t) => t.kind);

describe("lexer", () => {
  it("splits schema punctuation, keeping -> and ... whole", () => {
    expect(kinds("a->b group#... user:* (x + y & z - w) | ;")).toEqual([
      "identifier",
      "->",
      "identifier",
      "identifier",
      "#",
      "...",
      "identifier",
      ":",
      "*",
      "(",
      "identifier",
      "+",
      "identifier",
      "&",
      "identifier",
      "-",
      "identifier",
      ")",
      "|",
      ";",
      "eof",
    ]);
  });

  it("counts columns and offsets in code points, not UTF-16 units", () => {
    const [emoji, after] = lex("/* 🎉🎉 */ name");
    expect(emoji?.kind).toBe("identifier");
    expect(emoji?.loc.start).toEqual({ line: 1, column: 10, offset: 9 });
    expect(emoji?.loc.end).toEqual({ line: 1, column: 14, offset: 13 });
    // The UTF-16 range is kept apart for slicing: two emoji are four units.
    expect(emoji?.start).toBe(11);
    expect(after?.kind).toBe("eof");
  });

  it("counts lines across \\n, \\r\\n and \\r", () => {
    const tokens = lex("a\nb\r\nc\rd");
    expect(tokens.slice(0, 4).map((t) => [t.value, t.loc.start.line, t.loc.start.column])).toEqual([
      ["a", 1, 1],
      ["b", 2, 1],
      ["c", 3, 1],
      ["d", 4, 1],
    ]);
  });

  it("marks tokens that follow a line break", () => {
    expect(lex("a b\nc").map((t) => t.newlineBefore)).toEqual([false, false, true, false]);
  });

  it("attaches the comments before a token to that token", () => {
    const [token] = lex("// one\n/** two */\nname");
    expect(token?.comments.map((c) => c.text)).toEqual(["// one", "/** two */"]);
    expect(token?.comments[1]?.loc.start).toEqual({ line: 2, column: 1, offset: 7 });
  });

  it("keeps strings whole, so braces inside them are not structure", () => {
    expect(lex(`"}" '{' """a\n}"""`).map((t) => t.kind)).toEqual(["string", "string", "string", "eof"]);
  });

  it("reports unterminated comments and strings as error tokens", () => {
    const [comment] = lex("/* open");
    expect(comment).toMatchObject({ kind: "error", value: "unterminated comment: missing */" });
    const [str] = lex(`"open\n`);
    expect(str).toMatchObject({ kind: "error", value: "unterminated string" });
  });

  it("keeps CEL's two-character operators whole", () => {
    expect(
      lex("a && b || c == d != e <= f >= g")
        .filter((t) => t.kind === "other")
        .map((t) => t.value),
    ).toEqual(["&&", "||", "==", "!=", "<=", ">="]);
  });

  it("puts the file name in every location", () => {
    expect(lex("a", "x.zed")[0]?.loc.file).toBe("x.zed");
  });
});
