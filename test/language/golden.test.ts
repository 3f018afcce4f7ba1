/**
 * Golden tests: every test/fixtures/schema/<case>.zed is compiled, and the diagnostics (with their
 * exact line:column), the IR (without locations) and the printed canonical text are compared with
 * <case>.expected. Regenerate with `REGEN=1 npx vitest run test/language/golden.test.ts` and review
 * the diff. Every schema that compiles must also round-trip: parse(print(ir)) equals ir.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { printSchema } from "../../src/language/printer.ts";
import { formatDiagnostic } from "../../src/typesystem/diagnostic.ts";
import type { SchemaIR } from "../../src/typesystem/ir.ts";
import { compileSchema } from "../../src/language/schema.ts";
import { FIXTURES, stripLocs, zedFiles } from "../typesystem/helpers.ts";

const REGEN = process.env["REGEN"] === "1" || process.env["REGEN"] === "true";

function render(file: string, text: string): { expected: string; ir?: SchemaIR; printed?: string } {
  // Imports read the fixtures folder (common/ holds the imported files, which are no cases).
  const result = compileSchema(text, {
    file,
    format: "zed",
    imports: (path) =>
      existsSync(join(FIXTURES, path)) ? readFileSync(join(FIXTURES, path), "utf8") : undefined,
  });
  const sections = ["# diagnostics"];
  for (const d of result.diagnostics) sections.push(formatDiagnostic(d).replace(`${file}:`, ""));
  if (result.diagnostics.length === 0) sections.push("(none)");
  sections.push("# ir");
  if (!result.ir) {
    sections.push("(none: the schema has errors)");
    return { expected: `${sections.join("\n")}\n` };
  }
  sections.push(JSON.stringify(stripLocs(result.ir), null, 2));
  const printed = printSchema(result.ir);
  sections.push("# printed", printed);
  return { expected: `${sections.join("\n")}\n`, ir: result.ir, printed };
}

const cases = zedFiles(FIXTURES);

function importsOnly(ir: SchemaIR | undefined): SchemaIR | undefined {
  if (!ir) return ir;
  const { unsupported, ...rest } = ir;
  const imports = (unsupported ?? []).filter((u) => u.construct === "import");
  return imports.length > 0 ? { ...rest, unsupported: imports } : rest;
}

describe("schema golden files", () => {
  it("has at least 60 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  for (const name of cases) {
    const base = name.slice(0, -".zed".length);
    it(base, () => {
      const text = readFileSync(join(FIXTURES, name), "utf8");
      const { expected, ir, printed } = render(name, text);
      const expectedFile = join(FIXTURES, `${base}.expected`);
      if (REGEN || !existsSync(expectedFile)) writeFileSync(expectedFile, expected);
      expect(expected).toBe(readFileSync(expectedFile, "utf8"));
      if (ir && printed !== undefined) {
        const again = compileSchema(printed, { format: "zed" });
        expect(again.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        // Partials are inlined and imports resolved when compiled, so the printed text has neither.
        expect(stripLocs(importsOnly(again.ir))).toEqual(stripLocs(importsOnly(ir)));
        expect(printSchema(again.ir!)).toBe(printed);
      }
    });
  }
});
