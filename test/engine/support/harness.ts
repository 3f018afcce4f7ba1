/**
 * Test harness for the engine: schema text → IR (through the project's parser and compiler),
 * tuple text → TupleIndex, check text → answer. Shared by the case tables and the differential test.
 */
import { parse } from "../../../src/language/parser.ts";
import { importOpenFga } from "../../../src/language/openfga.ts";
import { compileDocument } from "../../../src/language/compile.ts";
import type { SchemaIR } from "../../../src/typesystem/ir.ts";
import { parseTuple, parseObjectRef, parseSubjectRef } from "../../../src/model/tuple.ts";
import type { Tuple } from "../../../src/model/tuple.ts";
import { TupleIndex } from "../../../src/model/tupleIndex.ts";
import { IndexReader } from "../../../src/engine/reader.ts";
import type { TupleReader } from "../../../src/engine/reader.ts";
import { TypeSystem } from "../../../src/typesystem/typesystem.ts";
import { Evaluator } from "../../../src/engine/check.ts";
import type { CheckOptions } from "../../../src/engine/check.ts";
import { permissionship } from "../../../src/engine/result.ts";
import { isRelgraphError } from "../../../src/errors.ts";

export function zedSchema(text: string): SchemaIR {
  const parsed = parse(text);
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`schema does not parse: ${errors.map((d) => d.message).join("; ")}`);
  const compiled = compileDocument(parsed.document);
  const cerrors = compiled.diagnostics.filter((d) => d.severity === "error");
  if (cerrors.length > 0)
    throw new Error(`schema does not compile: ${cerrors.map((d) => d.message).join("; ")}`);
  return compiled.ir;
}

export function openfgaSchema(text: string): SchemaIR {
  const imported = importOpenFga(text);
  const errors = imported.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || imported.ir === undefined)
    throw new Error(`model does not import: ${errors.map((d) => d.message).join("; ")}`);
  return imported.ir;
}

export function indexOf(tuples: readonly (string | Tuple)[], dialect: "zed" | "openfga" = "zed"): TupleIndex {
  const ix = new TupleIndex();
  for (const t of tuples) ix.add(typeof t === "string" ? parseTuple(t, dialect) : t);
  return ix;
}

/** `document:a#view@user:x` → request parts. */
export function parseCheck(text: string, dialect: "zed" | "openfga" = "zed") {
  const at = text.indexOf("@");
  const left = text.slice(0, at);
  const hash = left.lastIndexOf("#");
  return {
    resource: parseObjectRef(left.slice(0, hash), dialect),
    permission: left.slice(hash + 1),
    subject: parseSubjectRef(text.slice(at + 1), dialect),
  };
}

/** A CONDITIONAL answer with missing caveat parameters is `{conditional: [sorted names]}`. */
export type Expected =
  | "HAS"
  | "NO"
  | "CONDITIONAL"
  | { readonly conditional: readonly string[] }
  | { readonly error: string; readonly reason?: string };

/** The table's form of an answer. */
export function expectedOf(p: string, missingContext: readonly string[] = []): Expected {
  if (p === "HAS_PERMISSION") return "HAS";
  if (p === "NO_PERMISSION") return "NO";
  return missingContext.length > 0 ? { conditional: [...missingContext] } : "CONDITIONAL";
}

/** Answer as the case tables write it: HAS / NO / CONDITIONAL, or `{error: CODE, reason}`. */
export function answer(
  schema: SchemaIR | TypeSystem,
  reader: TupleReader,
  check: string,
  options: CheckOptions & {
    contextual?: readonly string[];
    context?: Readonly<Record<string, unknown>>;
  } = {},
): Expected {
  const cs = schema instanceof TypeSystem ? schema : new TypeSystem(schema);
  const ev = new Evaluator(cs, options);
  const dialect = cs.origin === "openfga" ? "openfga" : "zed";
  try {
    const a = ev.answer(reader, {
      ...parseCheck(check, dialect),
      ...(options.contextual
        ? { contextualTuples: options.contextual.map((t) => parseTuple(t, dialect)) }
        : {}),
      ...(options.context ? { context: options.context } : {}),
    });
    return expectedOf(permissionship(a.value), a.missingContext);
  } catch (e) {
    if (isRelgraphError(e)) {
      const reason = e.details["reason"];
      return typeof reason === "string" ? { error: e.code, reason } : { error: e.code };
    }
    throw e;
  }
}

export function readerOf(
  tuples: readonly (string | Tuple)[],
  dialect: "zed" | "openfga" = "zed",
): IndexReader {
  return new IndexReader(indexOf(tuples, dialect));
}
