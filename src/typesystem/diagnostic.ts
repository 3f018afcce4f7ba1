/**
 * Diagnostics: positioned findings about a schema (syntax errors, validation errors, warnings).
 * User-input problems are values, collected all at once, never thrown (architecture.md).
 * Both front ends (`.zed` and the OpenFGA importer) report in this one shape.
 */
import type { SourceLocation } from "./ir.ts";

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly severity: Severity;
  /** Kebab-case code from the table in src/typesystem/README.md, e.g. `undefined-relation`. */
  readonly code: string;
  readonly message: string;
  readonly loc?: SourceLocation;
}

/** `file:line:col: error|warning: code: message`; `<schema>` when no file, `1:1` when no position. */
export function formatDiagnostic(d: Diagnostic, file?: string): string {
  const where = d.loc?.file ?? file ?? "<schema>";
  const line = d.loc?.start.line ?? 1;
  const column = d.loc?.start.column ?? 1;
  return `${where}:${line}:${column}: ${d.severity}: ${d.code}: ${d.message}`;
}

/** Order for display: by file, line, column, then errors before warnings, then code and message. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const fa = a.loc?.file ?? "";
  const fb = b.loc?.file ?? "";
  if (fa !== fb) return fa < fb ? -1 : 1;
  const oa = a.loc?.start.offset ?? -1;
  const ob = b.loc?.start.offset ?? -1;
  if (oa !== ob) return oa - ob;
  if (a.severity !== b.severity) return a.severity === "error" ? -1 : 1;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** True when any diagnostic is an error (warnings alone leave a schema valid). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

export function error(code: string, message: string, loc?: SourceLocation): Diagnostic {
  return loc ? { severity: "error", code, message, loc } : { severity: "error", code, message };
}

export function warning(code: string, message: string, loc?: SourceLocation): Diagnostic {
  return loc ? { severity: "warning", code, message, loc } : { severity: "warning", code, message };
}
