// Hostile or mangled input: importOpenFga never throws, and every position it reports is a real
// place in the text (line, column and offset agree, counted in code points).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { importOpenFga } from "../../src/language/openfga.ts";
import type { SourcePosition } from "../../src/typesystem/ir.ts";
import { fixtureNames, readFixture } from "./openfga-helpers.ts";

/** The line and column of a code-point offset, computed independently of the importer. */
function positionAt(text: string, offset: number): { line: number; column: number } {
  const chars = [...text];
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < chars.length; i++) {
    if (chars[i] === "\n") {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

function checkPositions(text: string): void {
  const { ir, diagnostics } = importOpenFga(text, "fuzz.fga");
  // Either a model or at least one error, never both.
  expect(ir === undefined).toBe(diagnostics.some((d) => d.severity === "error"));
  const length = [...text].length;
  const check = (p: SourcePosition): void => {
    expect(p.offset).toBeGreaterThanOrEqual(0);
    expect(p.offset).toBeLessThanOrEqual(length);
    expect({ line: p.line, column: p.column }).toEqual(positionAt(text, p.offset));
  };
  for (const d of diagnostics) {
    expect(d.code).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
    if (d.loc) {
      check(d.loc.start);
      check(d.loc.end);
      expect(d.loc.file).toBe("fuzz.fga");
    }
  }
  for (const def of ir?.definitions ?? []) {
    if (def.loc) check(def.loc.start);
    for (const m of def.members) {
      if (m.loc) check(m.loc.start);
      for (const t of m.types) if (t.loc) check(t.loc.start);
    }
  }
}

describe("importOpenFga on mangled input", () => {
  const fixtures = fixtureNames().map((n) => readFixture(`${n}.fga`));

  it("survives arbitrary text, non-BMP characters included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => checkPositions(text)),
      { numRuns: 200 },
    );
  });

  it("survives insertions into and deletions from valid models, with positions that add up", () => {
    const edit = fc.record({
      fixture: fc.nat({ max: fixtures.length - 1 }),
      at: fc.nat(),
      cut: fc.nat({ max: 12 }),
      insert: fc.oneof(
        fc.string({ unit: "binary", maxLength: 6 }),
        fc.constantFrom(
          " or ",
          " and ",
          " but not ",
          " from ",
          "(",
          ")",
          "[",
          "]",
          "#",
          ":",
          "\n",
          "😀",
          "é",
        ),
      ),
    });
    fc.assert(
      fc.property(edit, ({ fixture, at, cut, insert }) => {
        const text = fixtures[fixture] ?? "";
        const i = at % (text.length + 1);
        checkPositions(text.slice(0, i) + insert + text.slice(i + cut));
      }),
      { numRuns: 300 },
    );
  });
});
