/**
 * The file formats `relgraph import` reads and `relgraph export` writes. Four formats
 * (`--format ndjson|lines|zed|fga`), six layouts on disk:
 *
 *   ndjson     {"resource":"document:1","relation":"viewer","subject":"user:anne"}  a line (.ndjson)
 *   lines      document:1#viewer@user:anne, or zed's `document:1 viewer user:anne`  a line (.txt)
 *   zed-yaml   SpiceDB validation YAML, its `relationships: |-` block              (.yaml)
 *   fga-yaml   OpenFGA tuples: a list of {user, relation, object}, or under `tuples:` (.fga.yaml, .yaml)
 *   fga-json   the JSON array `fga tuple write --file` reads                       (.json)
 *   fga-csv    `fga tuple write --file` CSV, header user_type,user_id,user_relation,relation,object_type,object_id
 *
 * NDJSON, lines and CSV are read as streams (constant memory whatever the size); the YAML and JSON
 * layouts are documents and are read whole. Every record carries the line it came from, so a
 * rejected one can be reported as `FILE:LINE: reason`.
 */
import { createReadStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { parse as parseCsv } from "csv-parse";
import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { isRelgraphError, unreachable } from "../../errors.ts";
import {
  formatObjectRef,
  formatSubjectRef,
  formatTuple,
  isValidRelationName,
  parseObjectRef,
  parseSubjectRef,
  parseTuple,
  tupleSubject,
  type Dialect,
  type Tuple,
} from "../../model/tuple.ts";
import { usageError } from "../args.ts";

export const TRANSFER_FORMATS = ["ndjson", "lines", "zed", "fga"] as const;
export type TransferFormat = (typeof TRANSFER_FORMATS)[number];

export type Layout = "ndjson" | "lines" | "zed-yaml" | "fga-yaml" | "fga-json" | "fga-csv";

/** One relationship read from a file, or why its line was rejected. */
export type ImportRecord =
  { readonly line: number; readonly tuple: Tuple } | { readonly line: number; readonly error: string };

export const CSV_HEADER = [
  "user_type",
  "user_id",
  "user_relation",
  "relation",
  "object_type",
  "object_id",
] as const;

/** `--format` text → format; INVALID_ARGUMENT naming the choices. */
export function parseTransferFormat(text: string): TransferFormat {
  if ((TRANSFER_FORMATS as readonly string[]).includes(text)) return text as TransferFormat;
  throw usageError(`--format must be one of ${TRANSFER_FORMATS.join(", ")}, got ${JSON.stringify(text)}`);
}

/**
 * The layout of `path` given `--format` (or none): the format picks the family, the extension the
 * layout within it (`fga` + `.csv` → CSV). A `.yaml` file without `--format` is SpiceDB's when it
 * has `relationships:` and OpenFGA's when it has `tuples:` (`head` is the file's text, or undefined
 * when writing). `undefined` path = stdin/stdout.
 */
export function layoutFor(
  path: string | undefined,
  format: TransferFormat | undefined,
  head?: string,
): Layout {
  const name = (path ?? "").toLowerCase();
  const ext = (e: string) => name.endsWith(e);
  const yaml = ext(".yaml") || ext(".yml");
  switch (format) {
    case "ndjson":
      return "ndjson";
    case "lines":
      return "lines";
    case "zed":
      return "zed-yaml";
    case "fga":
      return ext(".json") ? "fga-json" : ext(".csv") ? "fga-csv" : "fga-yaml";
    case undefined:
      break;
    default:
      return unreachable(format, "format");
  }
  if (ext(".ndjson") || ext(".jsonl")) return "ndjson";
  if (ext(".txt")) return "lines";
  if (ext(".fga.yaml") || ext(".fga.yml")) return "fga-yaml";
  if (ext(".json")) return "fga-json";
  if (ext(".csv")) return "fga-csv";
  if (yaml) {
    if (head === undefined || /^relationships\s*:/m.test(head)) return "zed-yaml";
    // OpenFGA: `tuples:` in a store file, or the bare list `fga tuple write --file` reads.
    if (/^tuples\s*:/m.test(head) || /^-\s/m.test(head)) return "fga-yaml";
    throw usageError(`${path}: a .yaml file needs a "relationships:" (SpiceDB) or "tuples:" (OpenFGA) key`);
  }
  if (path === undefined) return "ndjson";
  throw usageError(
    `cannot tell the format of ${path} from its extension (.ndjson, .txt, .yaml, .fga.yaml, .json, .csv); give --format`,
  );
}

/** The first 64 KiB of a file: enough to tell SpiceDB's YAML from OpenFGA's. */
export async function readHead(path: string): Promise<string> {
  const file = await open(path, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await file.close();
  }
}

/** Whether a layout is read as a stream (line by line) rather than as one document. */
export function isStreamed(layout: Layout): boolean {
  return layout === "ndjson" || layout === "lines" || layout === "fga-csv";
}

const dialectOf = (layout: Layout): Dialect => (layout.startsWith("fga") ? "openfga" : "zed");

function reason(e: unknown): string {
  if (isRelgraphError(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** A tuple from its three parts (each as the peers print them), INVALID_ARGUMENT when malformed. */
function tupleFromParts(
  resource: unknown,
  relation: unknown,
  subject: unknown,
  dialect: Dialect,
  names: readonly [string, string, string],
): Tuple {
  const [rName, relName, sName] = names;
  const text = (v: unknown, what: string): string => {
    if (typeof v !== "string" || v === "") throw usageError(`"${what}" must be a non-empty string`);
    return v;
  };
  const r = parseObjectRef(text(resource, rName), dialect, rName);
  const rel = text(relation, relName);
  if (!isValidRelationName(rel, dialect)) throw usageError(`"${relName}" is not a valid relation name`);
  const s = parseSubjectRef(text(subject, sName), dialect, sName);
  return {
    resourceType: r.type,
    resourceId: r.id,
    relation: rel,
    subjectType: s.type,
    subjectId: s.id,
    subjectRelation: s.relation,
  };
}

/** One NDJSON line → a relationship, or why not. */
export function ndjsonRecord(text: string, line: number): ImportRecord {
  try {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw usageError("not a JSON object");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw usageError("not a JSON object");
    const o = value as Record<string, unknown>;
    const base = tupleFromParts(o["resource"], o["relation"], o["subject"], "zed", [
      "resource",
      "relation",
      "subject",
    ]);
    if (o["caveat"] === undefined && o["context"] === undefined && o["expiresAt"] === undefined)
      return { line, tuple: base };
    // Traits go through the one tuple grammar, so NDJSON accepts exactly what the text form does.
    let traits = "";
    if (o["caveat"] !== undefined) {
      if (typeof o["caveat"] !== "string") throw usageError(`"caveat" must be a string`);
      traits += `[${o["caveat"]}${o["context"] === undefined ? "" : `:${JSON.stringify(o["context"])}`}]`;
    } else if (o["context"] !== undefined) throw usageError(`"context" needs "caveat"`);
    if (o["expiresAt"] !== undefined) {
      if (typeof o["expiresAt"] !== "string") throw usageError(`"expiresAt" must be a string`);
      traits += `[expiration:${o["expiresAt"]}]`;
    }
    return { line, tuple: parseTuple(formatTuple(base) + traits) };
  } catch (e) {
    return { line, error: reason(e) };
  }
}

/**
 * `zed relationship read` and `zed backup parse-relationships` print `document:1 viewer user:anne`
 * (the first `#` and `@` of the tuple replaced by spaces): read as `document:1#viewer@user:anne`.
 */
function fromZedSpaced(text: string): string {
  if (text.includes("@")) return text;
  const [resource, relation, ...rest] = text.split(/\s+/);
  return rest.length === 0 ? text : `${resource}#${relation}@${rest.join(" ")}`;
}

function lineRecord(text: string, line: number, dialect: Dialect): ImportRecord {
  try {
    return { line, tuple: parseTuple(fromZedSpaced(text), dialect) };
  } catch (e) {
    return { line, error: reason(e) };
  }
}

/** Blank lines and `//` comments carry no relationship (as in SpiceDB's relationships block). */
const skipLine = (text: string): boolean => text === "" || text.startsWith("//");

/** How far a reader got in its file (bytes), for progress and ETA. */
export interface ReadMeter {
  bytes: number;
}

function meteredStream(path: string, meter: ReadMeter) {
  const stream = createReadStream(path);
  stream.on("data", (chunk) => (meter.bytes += chunk.length));
  return stream;
}

async function* readLines(path: string, meter: ReadMeter): AsyncGenerator<{ text: string; line: number }> {
  const lines = createInterface({ input: meteredStream(path, meter), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line++;
    yield { text: raw.trim(), line };
  }
}

async function* readCsv(path: string, meter: ReadMeter): AsyncGenerator<ImportRecord> {
  const parser = meteredStream(path, meter).pipe(
    parseCsv({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }),
  );
  let header: string[] | undefined;
  for await (const row of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const line = row.info.lines;
    if (header === undefined) {
      header = row.record;
      const missing = CSV_HEADER.filter((h) => h !== "user_relation" && !header!.includes(h));
      if (missing.length > 0)
        throw usageError(
          `${path}:${line}: the CSV header must name ${CSV_HEADER.join(",")}; missing ${missing.join(", ")}`,
        );
      continue;
    }
    const field = (name: string) => row.record[header!.indexOf(name)] ?? "";
    try {
      const relation = field("user_relation");
      const subject = `${field("user_type")}:${field("user_id")}${relation ? `#${relation}` : ""}`;
      const resource = `${field("object_type")}:${field("object_id")}`;
      yield {
        line,
        tuple: tupleFromParts(resource, field("relation"), subject, "openfga", [
          "object",
          "relation",
          "user",
        ]),
      };
    } catch (e) {
      yield { line, error: reason(e) };
    }
  }
}

/** `{user, relation, object}` of OpenFGA's tuple files. */
function fgaRecord(value: unknown, line: number): ImportRecord {
  try {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw usageError("a tuple must be a map with user, relation and object");
    // `fga tuple read` wraps each tuple as {key: {user, relation, object}, timestamp}.
    const outer = value as Record<string, unknown>;
    const key = outer["key"];
    const o = typeof key === "object" && key !== null ? (key as Record<string, unknown>) : outer;
    return {
      line,
      tuple: tupleFromParts(o["object"], o["relation"], o["user"], "openfga", ["object", "relation", "user"]),
    };
  } catch (e) {
    return { line, error: reason(e) };
  }
}

async function* readYaml(
  path: string,
  layout: "zed-yaml" | "fga-yaml",
  meter: ReadMeter,
): AsyncGenerator<ImportRecord> {
  const text = await readFile(path, "utf8");
  meter.bytes = Buffer.byteLength(text);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw usageError(`${path}:${e.linePos?.[0].line ?? 1}: not valid YAML: ${e.message.split("\n")[0]}`);
  }
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;
  const key = layout === "zed-yaml" ? "relationships" : "tuples";
  const root = doc.contents;
  const value =
    layout === "fga-yaml" && isSeq(root)
      ? root
      : isMap(root)
        ? (root.get(key, true) as Node | undefined)
        : undefined;
  if (value === undefined) throw usageError(`${path}: no "${key}:" key at the top level`);
  if (layout === "zed-yaml") {
    const block = value.toJSON() as unknown;
    if (typeof block !== "string") throw usageError(`${path}:${lineOf(value)}: "relationships" must be text`);
    // A block scalar (`|-`) starts on the line after its indicator; a plain string on its own line.
    const blockLine = lineOf(value);
    const first =
      text.slice(value.range![0]).startsWith("|") || text.slice(value.range![0]).startsWith(">") ? 1 : 0;
    const lines = block.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const t = lines[i]!.trim();
      if (!skipLine(t)) yield lineRecord(t, blockLine + first + i, "zed");
    }
    return;
  }
  if (!isSeq(value)) throw usageError(`${path}:${lineOf(value)}: "tuples" must be a list`);
  for (const item of value.items) yield fgaRecord((item as Node).toJSON?.() ?? item, lineOf(item as Node));
}

async function* readJson(path: string, meter: ReadMeter): AsyncGenerator<ImportRecord> {
  let value: unknown;
  try {
    const text = await readFile(path, "utf8");
    meter.bytes = Buffer.byteLength(text);
    value = JSON.parse(text);
  } catch (e) {
    throw usageError(`${path}: not valid JSON: ${reason(e)}`);
  }
  // `fga tuple read` answers {"tuples": [...], "continuation_token": ""}; `fga tuple write --file` reads a bare array.
  if (typeof value === "object" && value !== null && Array.isArray((value as { tuples?: unknown }).tuples))
    value = (value as { tuples: unknown[] }).tuples;
  if (!Array.isArray(value))
    throw usageError(`${path}: expected a JSON array of tuples (or {"tuples": [...]})`);
  // A JSON array has no useful line numbers: records are numbered by position (1-based).
  for (let i = 0; i < value.length; i++) yield fgaRecord(value[i], i + 1);
}

/** The records of one file, in file order. Throws INVALID_ARGUMENT when the file as a whole is unreadable. */
export async function* readRecords(
  path: string,
  layout: Layout,
  meter: ReadMeter = { bytes: 0 },
): AsyncGenerator<ImportRecord> {
  switch (layout) {
    case "ndjson":
      for await (const { text, line } of readLines(path, meter))
        if (text !== "") yield ndjsonRecord(text, line);
      return;
    case "lines":
      for await (const { text, line } of readLines(path, meter))
        if (!skipLine(text) && !text.startsWith("#")) yield lineRecord(text, line, dialectOf(layout));
      return;
    case "fga-csv":
      yield* readCsv(path, meter);
      return;
    case "zed-yaml":
    case "fga-yaml":
      yield* readYaml(path, layout, meter);
      return;
    case "fga-json":
      yield* readJson(path, meter);
      return;
    default:
      unreachable(layout, "layout");
  }
}

// ---- writing ------------------------------------------------------------------------------------

/** How export prints: text before the first tuple, one tuple, text after the last. */
export interface Printer {
  readonly header: string;
  readonly tuple: (t: Tuple, index: number) => string;
  readonly footer: string;
}

function ndjsonLine(t: Tuple): string {
  // Key order is the contract: resource, relation, subject, then the optional traits.
  const o: Record<string, unknown> = {
    resource: formatObjectRef({ type: t.resourceType, id: t.resourceId }),
    relation: t.relation,
    subject: formatSubjectRef(tupleSubject(t)),
  };
  if (t.caveat) {
    o["caveat"] = t.caveat.name;
    if (Object.keys(t.caveat.context).length > 0) o["context"] = t.caveat.context;
  }
  if (t.expiration !== undefined) o["expiresAt"] = t.expiration;
  return `${JSON.stringify(o)}\n`;
}

const yamlString = (s: string): string => JSON.stringify(s);

function fgaParts(t: Tuple): { user: string; relation: string; object: string } {
  return {
    user: formatSubjectRef(tupleSubject(t)),
    relation: t.relation,
    object: formatObjectRef({ type: t.resourceType, id: t.resourceId }),
  };
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The printer of a layout; `schema` (zed text) goes into the zed YAML so the file validates as is. */
export function printerFor(layout: Layout, schema?: string): Printer {
  switch (layout) {
    case "ndjson":
      return { header: "", tuple: ndjsonLine, footer: "" };
    case "lines":
      return { header: "", tuple: (t) => `${formatTuple(t)}\n`, footer: "" };
    case "zed-yaml": {
      const schemaBlock =
        schema === undefined
          ? ""
          : `schema: |-\n${schema
              .trimEnd()
              .split("\n")
              .map((l) => (l === "" ? "" : `  ${l}`))
              .join("\n")}\n`;
      return {
        header: `${schemaBlock}relationships: |-\n`,
        tuple: (t) => `  ${formatTuple(t)}\n`,
        footer: "",
      };
    }
    case "fga-yaml":
      return {
        header: "tuples:\n",
        tuple: (t) => {
          const p = fgaParts(t);
          return `  - user: ${yamlString(p.user)}\n    relation: ${yamlString(p.relation)}\n    object: ${yamlString(p.object)}\n`;
        },
        footer: "",
      };
    case "fga-json":
      return {
        header: "[",
        tuple: (t, i) => `${i === 0 ? "\n" : ",\n"}  ${JSON.stringify(fgaParts(t))}`,
        footer: "\n]\n",
      };
    case "fga-csv":
      return {
        header: `${CSV_HEADER.join(",")}\n`,
        tuple: (t) =>
          [t.subjectType, t.subjectId, t.subjectRelation, t.relation, t.resourceType, t.resourceId]
            .map(csvField)
            .join(",") + "\n",
        footer: "",
      };
    default:
      return unreachable(layout, "layout");
  }
}
