/**
 * `relgraph schema validate|format|convert`: schema files checked, formatted and converted
 * without a server. `import "x.zed"` reads x.zed relative to the importing file, inside the root
 * file's folder (SpiceDB's composable schemas).
 *
 *   validate FILE... [--strict]  .zed or .fga (by extension); diagnostics on stderr, one per line,
 *                                sorted, as `file:line:col: error|warning: code: message`.
 *                                Exit 0 when valid (warnings alone included), 1 with --strict when
 *                                there are warnings, 2 on errors, an unreadable file or an unknown
 *                                extension.
 *   format FILE                  canonical .zed on stdout (exit 2 if the schema has errors); a
 *                                schema that imports files is printed whole, as one compiled text
 *                                (`zed schema compile`).
 *   convert FILE.fga             the equivalent .zed on stdout; refuses names .zed cannot spell,
 *                                listing each (exit 2).
 */
import { isHelpFlag } from "../args.ts";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { checkZedCompatible, toZedIR, zedWritableRelations } from "../../language/convert.ts";
import { printSchema } from "../../language/printer.ts";
import {
  compareDiagnostics,
  formatDiagnostic,
  hasErrors,
  type Diagnostic,
} from "../../typesystem/diagnostic.ts";
import { compileSchema } from "../../language/schema.ts";
import type { Dialect } from "../../model/tuple.ts";
import { info, type CliCommand, type CliIO } from "../io.ts";
import { diskImports, formatOfFile } from "../schemaFiles.ts";

const USAGE = `usage: relgraph schema validate FILE... [--strict]   exit 0 valid, 1 warnings with --strict, 2 errors
       relgraph schema format FILE.zed
       relgraph schema compile FILE.zed   the schema and the files it imports, as one .zed text
       relgraph schema convert FILE.fga
       relgraph schema read [--store S] [--json]
       relgraph schema write FILE [--store S]
       relgraph schema diff FILE [--store S] [--json]   exit 0 writable, 1 blocked by stored relationships
`;

const EXIT_OK = 0;
const EXIT_WARNINGS = 1;
const EXIT_ERRORS = 2;

export const schemaCommand: CliCommand = async (argv, io) => {
  const [sub, ...rest] = argv;
  // `schema validate --help` and the like: the usage, on stdout, exit 0 (read/write/diff have their own).
  if (
    (sub === "validate" || sub === "format" || sub === "compile" || sub === "convert") &&
    rest.some(isHelpFlag)
  ) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  switch (sub) {
    case "validate":
      return validate(rest, io);
    case "format":
    case "compile":
      // The printer prints the compiled IR, so formatting a schema that imports is compiling it.
      return format(rest, io);
    case "convert":
      return convert(rest, io);
    case "read":
    case "write":
    case "diff": {
      // Imported on use: read/write/diff open a store; validate/format/convert never do.
      const { runSchemaStore } = await import("./schemaStore.ts");
      return runSchemaStore(sub, rest, io);
    }
    case "help":
    case "--help":
    case "-h":
      io.stdout(USAGE);
      return EXIT_OK;
    case undefined:
      io.stderr(USAGE);
      return EXIT_ERRORS;
    default:
      io.stderr(`relgraph schema: unknown subcommand "${sub}"\n${USAGE}`);
      return EXIT_ERRORS;
  }
};

type Loaded = { readonly ok: true; readonly text: string; readonly format: Dialect } | { readonly ok: false };

async function load(file: string, io: CliIO): Promise<Loaded> {
  const format = formatOfFile(file);
  if (format === undefined) {
    io.stderr(`${file}:1:1: error: unknown-extension: expected a .zed or .fga file\n`);
    return { ok: false };
  }
  try {
    return { ok: true, text: await readFile(resolve(io.cwd, file), "utf8"), format };
  } catch (e) {
    const reason = e instanceof Error && "code" in e ? String((e as NodeJS.ErrnoException).code) : String(e);
    io.stderr(`${file}:1:1: error: unreadable-file: cannot read the file (${reason})\n`);
    return { ok: false };
  }
}

function report(entries: readonly { file: string; diagnostic: Diagnostic }[], io: CliIO): void {
  const sorted = [...entries].sort((a, b) =>
    a.file !== b.file ? (a.file < b.file ? -1 : 1) : compareDiagnostics(a.diagnostic, b.diagnostic),
  );
  for (const { file, diagnostic } of sorted)
    io.stderr(`${formatDiagnostic(withoutFile(diagnostic, file), file)}\n`);
}

// The command line names files as the user typed them, whatever the compiler stored; a diagnostic
// in an imported file keeps that file's name (the root's folder joined with the import's path).
function withoutFile(d: Diagnostic, file: string): Diagnostic {
  if (!d.loc || (d.loc.file !== undefined && d.loc.file !== file)) return d;
  const { file: _file, ...loc } = d.loc;
  return { ...d, loc };
}

async function validate(args: readonly string[], io: CliIO): Promise<number> {
  const strict = args.includes("--strict");
  const unknownFlag = args.find((a) => a.startsWith("--") && a !== "--strict");
  if (unknownFlag !== undefined) {
    io.stderr(`relgraph schema validate: unknown option "${unknownFlag}"\n${USAGE}`);
    return EXIT_ERRORS;
  }
  const files = args.filter((a) => !a.startsWith("--"));
  if (files.length === 0) {
    io.stderr(USAGE);
    return EXIT_ERRORS;
  }
  let failed = false;
  const entries: { file: string; diagnostic: Diagnostic }[] = [];
  const valid: string[] = [];
  for (const file of files) {
    const loaded = await load(file, io);
    if (!loaded.ok) {
      failed = true;
      continue;
    }
    const result = compileSchema(loaded.text, {
      file,
      format: loaded.format,
      imports: diskImports(file, io.cwd),
    });
    for (const diagnostic of result.diagnostics) entries.push({ file, diagnostic });
    // Say so when a file is valid: silence reads as "did nothing".
    if (!hasErrors(result.diagnostics)) {
      const warnings = result.diagnostics.length;
      valid.push(`${file}: valid${warnings ? ` (${warnings} warning${warnings === 1 ? "" : "s"})` : ""}\n`);
    }
  }
  report(entries, io);
  for (const line of valid) info(io, line);
  if (failed || entries.some((e) => e.diagnostic.severity === "error")) return EXIT_ERRORS;
  if (strict && entries.length > 0) return EXIT_WARNINGS;
  return EXIT_OK;
}

async function format(args: readonly string[], io: CliIO): Promise<number> {
  const [file, ...extra] = args;
  if (file === undefined || extra.length > 0) {
    io.stderr(USAGE);
    return EXIT_ERRORS;
  }
  if (formatOfFile(file) === "openfga") {
    io.stderr(`relgraph schema format: ${file} is an OpenFGA model; use "relgraph schema convert ${file}"\n`);
    return EXIT_ERRORS;
  }
  const loaded = await load(file, io);
  if (!loaded.ok) return EXIT_ERRORS;
  const result = compileSchema(loaded.text, { file, format: "zed", imports: diskImports(file, io.cwd) });
  report(
    result.diagnostics.filter((d) => d.severity === "error").map((diagnostic) => ({ file, diagnostic })),
    io,
  );
  if (!result.ir) return EXIT_ERRORS;
  io.stdout(printSchema(result.ir));
  return EXIT_OK;
}

async function convert(args: readonly string[], io: CliIO): Promise<number> {
  const [file, ...extra] = args;
  if (file === undefined || extra.length > 0) {
    io.stderr(USAGE);
    return EXIT_ERRORS;
  }
  if (formatOfFile(file) !== "openfga") {
    io.stderr(`${file}:1:1: error: unknown-extension: convert expects an OpenFGA model (.fga)\n`);
    return EXIT_ERRORS;
  }
  const loaded = await load(file, io);
  if (!loaded.ok) return EXIT_ERRORS;
  const result = compileSchema(loaded.text, { file, format: "openfga" });
  const problems = result.ir ? checkZedCompatible(result.ir) : [];
  report(
    [...result.diagnostics.filter((d) => d.severity === "error"), ...problems].map((diagnostic) => ({
      file,
      diagnostic,
    })),
    io,
  );
  if (!result.ir || hasErrors(problems)) return EXIT_ERRORS;
  for (const move of zedWritableRelations(result.ir))
    io.stderr(
      `note: tuples written to ${move.type}#${move.relation} in OpenFGA belong to ${move.type}#${move.zedRelation} in .zed\n`,
    );
  io.stdout(printSchema(toZedIR(result.ir)));
  return EXIT_OK;
}
