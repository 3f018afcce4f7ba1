/**
 * `relgraph validate FILE... [--backend memory|neo4j] [--json]`: runs validation files (zed's
 * `zed validate` format) like `zed validate` does, and OpenFGA store test files (`.fga.yaml`, the
 * format of `fga model test`, see validation/fga.ts). Each file gets a fresh temporary store on the
 * chosen backend — memory (default, no server) or the configured Neo4j — deleted afterwards.
 *
 * Exit 2 when any file could not be loaded, else 1 when any assertion failed, else 0. One file
 * failing never stops the others.
 */
import { isRelgraphError } from "../../errors.ts";
import type { RelgraphService } from "../../coordinator/service.ts";
import type { CliCommand, CliIO } from "../io.ts";
import { openService, type Backend, type ServiceOpener } from "../validation/backend.ts";
import { loadAnyValidationFile, type LoadResult, type ValidationFile } from "../validation/loader.ts";
import { exitCodeOf, formatHuman, formatJson, EXIT_LOAD_ERROR, EXIT_PASSED } from "../validation/report.ts";
import { loadErrorReport, runValidationFile, type FileReport } from "../validation/runner.ts";

const USAGE = "usage: relgraph validate FILE... [--backend memory|neo4j] [--json]\n";

interface Options {
  readonly files: readonly string[];
  readonly backend: Backend;
  readonly json: boolean;
}

type Parsed =
  { readonly ok: true; readonly options: Options } | { readonly ok: false; readonly message?: string };

function parseArgs(argv: readonly string[]): Parsed {
  const files: string[] = [];
  let backend: Backend = "memory";
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--json") json = true;
    else if (arg === "--backend" || arg.startsWith("--backend=")) {
      const value = arg === "--backend" ? argv[++i] : arg.slice("--backend=".length);
      if (value !== "memory" && value !== "neo4j")
        return {
          ok: false,
          message: `--backend must be memory or neo4j, got ${JSON.stringify(value ?? "")}`,
        };
      backend = value;
    } else if (arg === "--help" || arg === "-h") return { ok: false };
    else if (arg === "--") {
      files.push(...argv.slice(i + 1));
      break;
    } else if (arg.startsWith("-") && arg !== "-") return { ok: false, message: `unknown option ${arg}` };
    else files.push(arg);
  }
  if (files.length === 0) return { ok: false, message: "no validation file given" };
  return { ok: true, options: { files, backend, json } };
}

function describe(e: unknown): string {
  if (isRelgraphError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** The command with its service factory injectable (tests pass a fake service). */
export async function runValidate(
  argv: readonly string[],
  io: CliIO,
  open: ServiceOpener = openService,
): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    if (parsed.message === undefined) {
      io.stdout(USAGE);
      return EXIT_PASSED;
    }
    io.stderr(`relgraph validate: ${parsed.message}\n${USAGE}`);
    return EXIT_LOAD_ERROR;
  }
  const { files, backend, json } = parsed.options;

  // Load every file first: a backend is opened only when some file needs one.
  const loaded: LoadResult<ValidationFile>[] = [];
  for (const file of files) loaded.push(await loadAnyValidationFile(file, io.cwd));

  let service: RelgraphService | undefined;
  let openError: string | undefined;
  if (loaded.some((l) => l.ok)) {
    try {
      // Validation needs the recursive subject sets the API does not serve: never remote.
      service = await open(backend, { ...io.env, RELGRAPH_ENDPOINT: undefined });
    } catch (e) {
      openError = `cannot open the ${backend} backend: ${describe(e)}`;
      io.stderr(`relgraph validate: ${openError}\n`);
    }
  }

  const reports: FileReport[] = [];
  try {
    for (const [index, result] of loaded.entries()) {
      const file = files[index] ?? "";
      if (!result.ok) reports.push(loadErrorReport(file, result.error));
      else if (service === undefined) reports.push(loadErrorReport(file, openError ?? "no backend"));
      else
        reports.push(
          await runValidationFile(service, file, result.file, {
            warn: (message) => io.stderr(`relgraph validate: warning: ${message}\n`),
          }),
        );
    }
  } finally {
    await service?.close().catch(() => undefined);
  }

  const report = { files: reports };
  io.stdout(json ? formatJson(report) : formatHuman(report));
  return exitCodeOf(report);
}

export const validateCommand: CliCommand = (argv, io) => runValidate(argv, io);
