// Shared by the OpenFGA import tests: fixture loading, `.zed` compilation, IR comparison.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { importOpenFga } from "../../src/language/openfga.ts";
import { formatDiagnostic, type Diagnostic } from "../../src/typesystem/diagnostic.ts";
import type { SchemaIR } from "../../src/typesystem/ir.ts";
import { compileSchema } from "../../src/language/schema.ts";

export const FIXTURES = fileURLToPath(new URL("../fixtures/openfga/", import.meta.url));

/** Names of the `<name>.fga` / `<name>.zed` pairs. */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".fga"))
    .map((f) => f.slice(0, -".fga".length))
    .sort();
}

export function readFixture(file: string): string {
  return readFileSync(`${FIXTURES}${file}`, "utf8");
}

/** Imports a model that must be valid; fails the test with OpenFGA's diagnostics otherwise. */
export function importValid(text: string, file?: string): SchemaIR {
  const { ir, diagnostics } = importOpenFga(text, file);
  if (!ir || diagnostics.length > 0)
    throw new Error(`import failed:\n${diagnostics.map((d) => d.message).join("\n")}`);
  return ir;
}

/**
 * The `.zed` front end (`compileSchema`, format zed): the IR, and errors and warnings. Fails the
 * test when the text has errors, since every `.zed` used here is meant to be valid.
 */
export function compileZed(
  text: string,
  file?: string,
): { ir: SchemaIR; diagnostics: readonly Diagnostic[] } {
  const { ir, diagnostics } = compileSchema(
    text,
    file !== undefined ? { format: "zed", file } : { format: "zed" },
  );
  if (!ir) throw new Error(`.zed compile failed:\n${diagnostics.map((d) => formatDiagnostic(d)).join("\n")}`);
  return { ir, diagnostics };
}

/** The IR without positions and doc comments: what a schema means, for comparing two spellings. */
export function meaning(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(meaning);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      if (k !== "loc" && k !== "doc" && k !== "expressionStart") out[k] = meaning(v);
    return out;
  }
  return value;
}

/** `line:column` of a location's start, for compact position assertions. */
export function at(d: { loc?: { start: { line: number; column: number } } } | undefined): string {
  return d?.loc ? `${d.loc.start.line}:${d.loc.start.column}` : "no location";
}
