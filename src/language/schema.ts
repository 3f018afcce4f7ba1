/**
 * The one entry point from schema text to a validated IR: `.zed` is parsed, compiled and validated
 * here; OpenFGA DSL is imported by src/language/openfga.ts and then validated by the same rules.
 */
import { parse } from "./parser.ts";
import { importOpenFga } from "./openfga.ts";
import { compileDocument } from "./compile.ts";
import { resolveImports, type SchemaImports } from "./imports.ts";
import { compareDiagnostics, hasErrors, type Diagnostic } from "../typesystem/diagnostic.ts";
import type { Dialect } from "../model/tuple.ts";
import type { SchemaIR } from "../typesystem/ir.ts";
import { validateSchema } from "../typesystem/validate.ts";

export interface CompileSchemaOptions {
  readonly file?: string;
  /** Which language the text is in: `.zed` or OpenFGA DSL. */
  readonly format: Dialect;
  /** The files `.zed` imports may name (imports.ts); absent: an import is `import-not-found`. */
  readonly imports?: SchemaImports;
}

export interface SchemaCompileResult {
  /** Present only when there is no error (warnings allowed). */
  readonly ir?: SchemaIR;
  /** The files the schema imported (imports.ts: paths relative to the root's folder), if any. */
  readonly imported?: readonly string[];
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
  const resolved = resolveImports(parsed.document, file, options.imports);
  const syntax = [...parsed.diagnostics, ...resolved.diagnostics];
  // A file missing: what it declares would only come back as misleading "undefined" errors.
  if (hasErrors(resolved.diagnostics)) return { diagnostics: syntax.sort(compareDiagnostics) };
  const compiled = compileDocument(resolved.document);
  const early = [...syntax, ...compiled.diagnostics];
  if (syntax.length > 0) return { diagnostics: early.sort(compareDiagnostics) };
  const diagnostics = [...early, ...validateSchema(compiled.ir)].sort(compareDiagnostics);
  if (hasErrors(diagnostics)) return { diagnostics };
  return resolved.files.length > 0
    ? { ir: compiled.ir, diagnostics, imported: resolved.files }
    : { ir: compiled.ir, diagnostics };
}
