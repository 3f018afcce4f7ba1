/**
 * The one entry point from schema text to a validated IR: `.zed` is parsed, compiled and validated
 * here; OpenFGA DSL is imported by src/language/openfga.ts and then validated by the same rules.
 */
import { parse } from "./parser.ts";
import { importOpenFga } from "./openfga.ts";
import { compileDocument } from "./compile.ts";
import { compareDiagnostics, hasErrors, type Diagnostic } from "../typesystem/diagnostic.ts";
import type { Dialect } from "../model/tuple.ts";
import type { SchemaIR } from "../typesystem/ir.ts";
import { validateSchema } from "../typesystem/validate.ts";

export interface CompileSchemaOptions {
  readonly file?: string;
  /** Which language the text is in: `.zed` or OpenFGA DSL. */
  readonly format: Dialect;
}

export interface SchemaCompileResult {
  /** Present only when there is no error (warnings allowed). */
  readonly ir?: SchemaIR;
  /** Every error and warning, sorted by position. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Compiles schema text. Syntax errors stop before the semantic checks (a half-parsed schema would
 * only add misleading "undefined" errors); otherwise every semantic error and warning is returned.
 */
export function compileSchema(text: string, options: CompileSchemaOptions): SchemaCompileResult {
  const file = options.file;
  if (options.format === "openfga") {
    const imported = importOpenFga(text, file);
    if (!imported.ir) return { diagnostics: [...imported.diagnostics].sort(compareDiagnostics) };
    const diagnostics = [...imported.diagnostics, ...validateSchema(imported.ir)].sort(compareDiagnostics);
    return hasErrors(diagnostics) ? { diagnostics } : { ir: imported.ir, diagnostics };
  }
  const parsed = parse(text, file === undefined ? {} : { file });
  const compiled = compileDocument(parsed.document);
  const early = [...parsed.diagnostics, ...compiled.diagnostics];
  if (parsed.diagnostics.length > 0) return { diagnostics: early.sort(compareDiagnostics) };
  const diagnostics = [...early, ...validateSchema(compiled.ir)].sort(compareDiagnostics);
  return hasErrors(diagnostics) ? { diagnostics } : { ir: compiled.ir, diagnostics };
}
