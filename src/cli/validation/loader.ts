/**
 * Reads a validation file. The format is told by its keys: `schema`/`schemaFile` is a zed file
 * (`zed validate`'s format, SpiceDB pkg/validationfile); `model`/`model_file`/`tests` is an OpenFGA
 * store test file (`fga model test`'s `.fga.yaml`, see fga.ts). Everything that can be checked without a store is checked
 * here, so a malformed file is a load error before any store is touched.
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { isRelgraphError } from "../../errors.ts";
import type { SchemaFile } from "../../coordinator/service.ts";
import { compileSchemaFile } from "../schemaFiles.ts";
import { parseTuple, tupleKey, type Tuple } from "../../model/tuple.ts";
import { parseExpectedSubject, parseObjectRelation, type ExpectedSubject } from "./expected.ts";
import { FgaLoadError, parseFgaTestFile, type FgaTestFile } from "./fga.ts";

export type AssertionKind = "assertTrue" | "assertFalse" | "assertCaveated";

export interface Assertion {
  readonly kind: AssertionKind;
  /** The tuple text as written (trimmed), including any ` with {...}` context. */
  readonly text: string;
  readonly tuple: Tuple;
  /** The ` with {...}` caveat context, sent with the check. */
  readonly context?: Readonly<Record<string, unknown>>;
}

export interface ValidationBlock {
  /** `resource:id#permission` as written. */
  readonly key: string;
  readonly resource: { readonly type: string; readonly id: string };
  readonly permission: string;
  readonly expected: readonly ExpectedSubject[];
}

export interface ZedValidationFile {
  readonly format: "zed";
  readonly schema: string;
  /** The files the schema imports (read next to the schema file, or the validation file). */
  readonly schemaFiles: readonly SchemaFile[];
  readonly relationships: readonly Tuple[];
  readonly assertions: readonly Assertion[];
  readonly validations: readonly ValidationBlock[];
}

/** A zed validation file or an OpenFGA store test file. */
export type ValidationFile = ZedValidationFile | FgaTestFile;

export type LoadResult<F = ZedValidationFile> =
  { readonly ok: true; readonly file: F } | { readonly ok: false; readonly error: string };

const ZED_KEYS = new Set(["schema", "schemaFile", "relationships", "assertions", "validation"]);
const OPENFGA_KEYS = ["model", "model_file", "tests"];
const ASSERTION_KINDS: readonly AssertionKind[] = ["assertTrue", "assertFalse", "assertCaveated"];

/** A load failure with a message for the user (never a bug). */
class LoadError extends Error {}

function fail(message: string): never {
  throw new LoadError(message);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function errorText(e: unknown): string {
  if (isRelgraphError(e) || e instanceof LoadError || e instanceof FgaLoadError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Loads a zed validation file `path` (resolved against `cwd`); never throws for bad input. An
 * OpenFGA test file is a load error here: `relgraph validate` uses `loadAnyValidationFile`.
 */
export async function loadValidationFile(path: string, cwd: string): Promise<LoadResult> {
  const r = await loadAnyValidationFile(path, cwd);
  if (r.ok && r.file.format !== "zed")
    return { ok: false, error: "an OpenFGA test file, not a zed validation file" };
  return r as LoadResult;
}

/** Loads a zed validation file or an OpenFGA test file; never throws for bad input. */
export async function loadAnyValidationFile(path: string, cwd: string): Promise<LoadResult<ValidationFile>> {
  const absolute = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (e) {
    return { ok: false, error: `cannot read ${path}: ${errorText(e)}` };
  }
  try {
    return { ok: true, file: await parseValidationFile(text, dirname(absolute)) };
  } catch (e) {
    if (e instanceof LoadError || e instanceof FgaLoadError || isRelgraphError(e))
      return { ok: false, error: errorText(e) };
    throw e;
  }
}

/** Parses validation-file text; `baseDir` resolves `schemaFile`. Throws LoadError/RelgraphError. */
async function parseValidationFile(text: string, baseDir: string): Promise<ValidationFile> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    fail(`invalid YAML: ${errorText(e)}`);
  }
  if (!isRecord(doc)) fail("a validation file must be a YAML mapping");
  const keys = Object.keys(doc);
  if (!keys.includes("schema") && !keys.includes("schemaFile")) {
    if (OPENFGA_KEYS.some((k) => keys.includes(k))) return parseFgaTestFile(doc, baseDir);
    fail(
      "not a validation file: expected `schema` or `schemaFile` (zed) or `model`, `model_file`, `tests` (OpenFGA)",
    );
  }
  // Unknown keys are refused: a misspelt `assertion:` would otherwise pass with nothing checked.
  for (const key of keys)
    if (!ZED_KEYS.has(key))
      fail(
        `unexpected key \`${key}\`; a zed validation file has ${[...ZED_KEYS].map((k) => `\`${k}\``).join(", ")}`,
      );

  return {
    format: "zed",
    ...(await loadSchema(doc, baseDir)),
    relationships: parseRelationships(doc["relationships"]),
    assertions: parseAssertions(doc["assertions"]),
    validations: parseValidations(doc["validation"]),
  };
}

async function loadSchema(
  doc: Record<string, unknown>,
  baseDir: string,
): Promise<{ schema: string; schemaFiles: SchemaFile[] }> {
  const { text, root } = await loadSchemaText(doc, baseDir);
  return { schema: text, schemaFiles: importsOf(text, root) };
}

/**
 * The files `text` imports, read from disk relative to `root` (the schema file, or a file in the
 * validation file's folder for an inline schema). A file that cannot be read is left out: the
 * schema write then reports it as `import-not-found` at its import.
 */
function importsOf(text: string, root: string): SchemaFile[] {
  return text.includes("import") ? compileSchemaFile(text, root, "/", "zed").files : [];
}

async function loadSchemaText(
  doc: Record<string, unknown>,
  baseDir: string,
): Promise<{ text: string; root: string }> {
  const inline = doc["schema"];
  const file = doc["schemaFile"];
  const hasInline = inline !== undefined && inline !== null && inline !== "";
  const hasFile = file !== undefined && file !== null && file !== "";
  if (hasInline && hasFile) fail("only one of schema or schemaFile can be specified");
  if (hasFile) {
    if (typeof file !== "string") fail("`schemaFile` must be a path");
    // Like zed: the schema file must lie under the validation file's directory.
    const target = resolve(baseDir, file);
    const rel = relative(baseDir, target);
    if (isAbsolute(file) || rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel))
      fail(`schema file "${file}" is not local to the validation file's directory`);
    try {
      return { text: await readFile(target, "utf8"), root: target };
    } catch (e) {
      fail(`cannot read schema file "${file}": ${errorText(e)}`);
    }
  }
  if (!hasInline) fail("`schema` is empty");
  if (typeof inline !== "string") fail("`schema` must be a string (use a `|` block)");
  return { text: inline, root: resolve(baseDir, "schema.zed") };
}

function parseRelationships(value: unknown): Tuple[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "string") fail("`relationships` must be a string, one relationship per line");
  const seen = new Set<string>();
  const tuples: Tuple[] = [];
  value.split("\n").forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("//")) return;
    let tuple: Tuple;
    try {
      tuple = parseTuple(trimmed);
    } catch (e) {
      fail(`relationships line ${index + 1}: ${errorText(e)}`);
    }
    const key = tupleKey(tuple);
    if (seen.has(key)) fail(`relationships line ${index + 1}: found repeated relationship \`${trimmed}\``);
    seen.add(key);
    tuples.push(tuple);
  });
  return tuples;
}

/** Older zed files (playground exports) hold `assertions`/`validation` as YAML inside a string. */
function unwrapBlock(value: unknown, name: string): unknown {
  if (typeof value !== "string") return value;
  try {
    return parseYaml(value);
  } catch (e) {
    fail(`invalid YAML in \`${name}\`: ${errorText(e)}`);
  }
}

function parseAssertions(raw: unknown): Assertion[] {
  const value = unwrapBlock(raw, "assertions");
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) fail("`assertions` must be a mapping with assertTrue, assertFalse or assertCaveated");
  for (const key of Object.keys(value))
    if (!(ASSERTION_KINDS as readonly string[]).includes(key))
      fail(`assertions: unexpected key \`${key}\` (expected assertTrue, assertFalse or assertCaveated)`);
  const result: Assertion[] = [];
  for (const kind of ASSERTION_KINDS) {
    const list = value[kind];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) fail(`assertions.${kind} must be a list`);
    for (const item of list) {
      if (typeof item !== "string")
        fail(`assertions.${kind}: each entry must be a string, got ${JSON.stringify(item)}`);
      result.push(parseAssertion(kind, item));
    }
  }
  return result;
}

function parseAssertion(kind: AssertionKind, written: string): Assertion {
  const text = written.trim();
  const withAt = text.indexOf(" with ");
  const tupleText = (withAt < 0 ? text : text.slice(0, withAt)).trim();
  let tuple: Tuple;
  try {
    tuple = parseTuple(tupleText);
  } catch (e) {
    fail(`assertions.${kind}: error parsing relationship in assertion \`${text}\`: ${errorText(e)}`);
  }
  if (withAt < 0) return { kind, text, tuple };
  let context: unknown;
  try {
    context = JSON.parse(text.slice(withAt + " with ".length));
  } catch (e) {
    fail(`assertions.${kind}: error parsing caveat context in assertion \`${text}\`: ${errorText(e)}`);
  }
  if (!isRecord(context))
    fail(`assertions.${kind}: caveat context in assertion \`${text}\` must be a JSON object`);
  return { kind, text, tuple, context };
}

function parseValidations(raw: unknown): ValidationBlock[] {
  const value = unwrapBlock(raw, "validation");
  if (value === undefined || value === null) return [];
  if (!isRecord(value))
    fail("`validation` must be a mapping from `resource:id#permission` to expected subjects");
  return Object.entries(value).map(([key, list]) => {
    const onr = parseObjectRelation(key, `validation key \`${key}\``);
    const items: readonly unknown[] =
      list === null
        ? []
        : Array.isArray(list)
          ? list
          : fail(`validation \`${key}\`: expected a list of subjects`);
    const expected = items.map((item) => {
      if (typeof item !== "string")
        fail(`validation \`${key}\`: each entry must be a string, got ${JSON.stringify(item)}`);
      return parseExpectedSubject(item, `validation \`${key}\``);
    });
    return { key, resource: onr.resource, permission: onr.relation, expected };
  });
}
