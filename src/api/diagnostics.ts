/**
 * Schema diagnostics in the API's one JSON shape: `SchemaDiagnostic` in the SDL (writeSchema
 * warnings) and the entries of `extensions.diagnostics` (INVALID_SCHEMA) are the same objects.
 */
import type { Diagnostic } from "../typesystem/diagnostic.ts";

export interface ApiSourcePosition {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export interface ApiDiagnostic {
  readonly severity: "ERROR" | "WARNING";
  readonly code: string;
  readonly message: string;
  readonly location: { readonly start: ApiSourcePosition; readonly end: ApiSourcePosition } | null;
}

export function toApiDiagnostic(d: Diagnostic): ApiDiagnostic {
  const position = (p: ApiSourcePosition): ApiSourcePosition => ({
    line: p.line,
    column: p.column,
    offset: p.offset,
  });
  return {
    severity: d.severity === "error" ? "ERROR" : "WARNING",
    code: d.code,
    message: d.message,
    // The file name is left out: API schemas are strings, and a server path is nobody's business.
    location: d.loc ? { start: position(d.loc.start), end: position(d.loc.end) } : null,
  };
}

/** True for a value shaped like a Diagnostic (details arrive as `unknown`). */
export function isDiagnostic(value: unknown): value is Diagnostic {
  if (typeof value !== "object" || value === null) return false;
  const d = value as Record<string, unknown>;
  return (
    (d["severity"] === "error" || d["severity"] === "warning") &&
    typeof d["code"] === "string" &&
    typeof d["message"] === "string"
  );
}
