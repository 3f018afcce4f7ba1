/**
 * Robustness: whatever the text, compiling never throws, and every diagnostic points inside it.
 * Inputs are random strings and fixture schemas with random cuts and insertions.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSchema } from "../../src/language/schema.ts";
import { FIXTURES, zedFiles } from "../typesystem/helpers.ts";

const corpus = zedFiles(FIXTURES).map((f) => readFileSync(join(FIXTURES, f), "utf8"));
const PIECES = [
  "definition",
  "relation",
  "permission",
  "caveat",
  "use self",
  "{",
  "}",
  "(",
  ")",
  "->",
  ".all(",
  "#",
  ":*",
  "|",
  "+",
  "-",
  "&",
  "/*",
  "*/",
  "//",
  '"',
  "\n",
  ";",
  "nil",
  "with",
  "🎉",
  "\r\n",
];

function check(text: string): void {
  const result = compileSchema(text, { format: "zed" });
  const length = [...text].length;
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const d of result.diagnostics) {
    if (!d.loc) continue;
    expect(d.loc.start.offset).toBeGreaterThanOrEqual(0);
    expect(d.loc.end.offset).toBeLessThanOrEqual(length);
    expect(d.loc.start.offset).toBeLessThanOrEqual(d.loc.end.offset);
    expect(d.loc.start.line).toBeGreaterThanOrEqual(1);
    expect(d.loc.start.line).toBeLessThanOrEqual(lines);
    expect(d.loc.start.column).toBeGreaterThanOrEqual(1);
  }
  if (result.ir === undefined) expect(result.diagnostics.some((d) => d.severity === "error")).toBe(true);
}

describe("parser robustness", () => {
  it("survives random text", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), check), { numRuns: 500 });
  });

  it("survives random token soup", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.stringMatching(/^[a-z_]{1,8}$/)), { maxLength: 60 }),
        (parts) => check(parts.join(" ")),
      ),
      { numRuns: 500 },
    );
  });

  it("survives fixtures with random cuts and insertions", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...corpus),
        fc.nat(),
        fc.nat(),
        fc.constantFrom(...PIECES, ""),
        (text, a, b, piece) => {
          const i = a % (text.length + 1);
          const j = i + (b % 20);
          check(text.slice(0, i) + piece + text.slice(Math.min(j, text.length)));
        },
      ),
      { numRuns: 800 },
    );
  });
});
