/**
 * `relgraph import FILE... [--store S] [--format ndjson|lines|zed|fga] [--batch-size N]
 *   [--max-errors N] [--resume] [--json] [--quiet]`
 *
 * Loads relationships from files into a store (formats: ../transfer/formats.ts), a batch per
 * revision, with a progress bar on a terminal and plain progress lines otherwise (stderr).
 * Rejected lines go to stderr as `FILE:LINE: reason` and the rest go in.
 * Exit 0 all went in, 1 some lines were rejected, 2 more than --max-errors were (the import
 * stopped) or the command could not run.
 */
import { SingleBar } from "cli-progress";
import {
  EXIT_ERROR,
  parseCommonArgs,
  reportCommandError,
  usageError,
  serviceEnv,
  type RemoteArgs,
} from "../args.ts";
import type { RelgraphService } from "../../coordinator/service.ts";
import { info, type CliCommand, type CliIO } from "../io.ts";
import { openService, type ServiceOpener } from "../validation/backend.ts";
import {
  layoutFor,
  parseTransferFormat,
  readHead,
  type Layout,
  type TransferFormat,
} from "../transfer/formats.ts";
import { Importer, type ImportProgress } from "../transfer/importer.ts";
import { existsSync } from "node:fs";

const USAGE =
  "usage: relgraph import FILE... [--store NAME] [--format ndjson|lines|zed|fga]\n" +
  "         [--batch-size N] [--max-errors N] [--resume] [--json] [--quiet]\n" +
  "  Loads relationships into a store, one revision per batch (TOUCH: importing twice changes nothing).\n" +
  "  The format comes from the extension when --format is not given: .ndjson, .txt (lines),\n" +
  "  .yaml (SpiceDB relationships: or OpenFGA tuples:), .fga.yaml, .json, .csv (OpenFGA).\n" +
  "  --batch-size N   relationships per write (default 1000, at most 1000)\n" +
  "  --max-errors N   stop once more than N lines were rejected (default 100)\n" +
  "  --resume         continue an interrupted import from FILE.relgraph-import\n" +
  "  e.g. relgraph import tuples.ndjson --store default\n" +
  "  exit 0 all imported, 1 some lines rejected (reported on stderr), 2 stopped or error\n";

export const EXIT_IMPORTED = 0;
export const EXIT_SOME_REJECTED = 1;
export { EXIT_ERROR };

/** What the store's write accepts at most in one batch (README: RELGRAPH write limits). */
const MAX_BATCH = 1000;
const PLAIN_PROGRESS_EVERY_MS = 2000;

interface Options {
  readonly files: readonly string[];
  readonly store: string;
  readonly remote: RemoteArgs;
  readonly format: TransferFormat | undefined;
  readonly batchSize: number;
  readonly maxErrors: number;
  readonly resume: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
}

function count(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw usageError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

function parseArgs(argv: readonly string[]): Options | undefined {
  let format: TransferFormat | undefined;
  let batchSize = MAX_BATCH;
  let maxErrors = 100;
  let resume = false;
  let json = false;
  let quiet = false;
  const common = parseCommonArgs(argv, (flag, value, inline) => {
    if (flag === "--format") format = parseTransferFormat(value());
    else if (flag === "--batch-size") batchSize = count(flag, value(), 1, MAX_BATCH);
    else if (flag === "--max-errors") maxErrors = count(flag, value(), 0, Number.MAX_SAFE_INTEGER);
    else if (inline !== undefined) return false;
    else if (flag === "--resume") resume = true;
    else if (flag === "--json") json = true;
    else if (flag === "--quiet" || flag === "-q") quiet = true;
    else return false;
    return true;
  });
  if (common === undefined) return undefined;
  if (common.positional.length === 0) throw usageError("expected at least one FILE");
  for (const f of common.positional) if (!existsSync(f)) throw usageError(`${f}: no such file`);
  return {
    files: common.positional,
    store: common.store,
    remote: common.remote,
    format,
    batchSize,
    maxErrors,
    resume,
    json,
    quiet,
  };
}

/** Progress on stderr: a bar with rate and ETA on a terminal, a plain line every 2 s otherwise. */
function progressReporter(
  io: CliIO,
  quiet: boolean,
): {
  update: (p: ImportProgress) => void;
  stop: () => void;
} {
  const started = Date.now();
  const rate = (n: number) => Math.round(n / Math.max((Date.now() - started) / 1000, 0.001));
  if (quiet) return { update: () => undefined, stop: () => undefined };
  if (io.stderrIsTTY === true) {
    let bar: SingleBar | undefined;
    let file = "";
    return {
      update: (p) => {
        if (file !== p.file) {
          bar?.stop();
          file = p.file;
          bar = new SingleBar({
            format: `${p.file} [{bar}] {percentage}% | {imported} imported, {rejected} rejected | {speed}/s | ETA {eta_formatted}`,
            hideCursor: true,
          });
          bar.start(p.totalBytes, 0, { imported: 0, rejected: 0, speed: 0 });
        }
        bar?.update(p.bytes, { imported: p.imported, rejected: p.rejected, speed: rate(p.imported) });
      },
      stop: () => bar?.stop(),
    };
  }
  let last = 0;
  let lastLine = "";
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < PLAIN_PROGRESS_EVERY_MS && !p.final) return;
      const pct = p.totalBytes > 0 ? Math.floor((100 * p.bytes) / p.totalBytes) : 100;
      const line = `import: ${p.file}: ${pct}%, ${p.imported} imported, ${p.rejected} rejected`;
      if (line === lastLine) return;
      last = now;
      lastLine = line;
      io.stderr(`${line}, ${rate(p.imported)}/s\n`);
    },
    stop: () => undefined,
  };
}

/**
 * Not on serviceCommand.ts's skeleton: a failure must stop the progress bar first and be followed
 * by the resume hint, around the error line the skeleton prints.
 */
export async function runImport(
  argv: readonly string[],
  io: CliIO,
  open: ServiceOpener = openService,
): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseArgs(argv);
  } catch (e) {
    const code = reportCommandError(io, "import", e);
    io.stderr(USAGE);
    return code;
  }
  if (options === undefined) {
    io.stdout(USAGE);
    return EXIT_IMPORTED;
  }
  const progress = progressReporter(io, options.quiet || io.quiet === true);
  let service: RelgraphService | undefined;
  let importer: Importer | undefined;
  const started = Date.now();
  try {
    const layouts: Layout[] = [];
    for (const file of options.files) layouts.push(layoutFor(file, options.format, await readHead(file)));
    service = await open("neo4j", serviceEnv(io.env, options.remote));
    importer = new Importer(
      service,
      options,
      (r) => io.stderr(`${r.file}:${r.line}: ${r.reason}\n`),
      progress.update,
    );
    let skipped = 0;
    for (const [i, file] of options.files.entries()) {
      skipped += await importer.importFile(file, layouts[i]!);
      if (importer.result(0).stoppedAtMaxErrors) break;
    }
    progress.stop();
    const result = importer.result(skipped);
    const seconds = (Date.now() - started) / 1000;
    const perSecond = Math.round(result.imported / Math.max(seconds, 0.001));
    if (options.json)
      io.stdout(`${JSON.stringify({ store: options.store, ...result, seconds, perSecond })}\n`);
    else {
      info(
        io,
        `imported ${result.imported} relationships into store "${options.store}"` +
          ` (${result.rejected} rejected${result.skipped ? `, ${result.skipped} skipped by --resume` : ""})` +
          ` in ${seconds.toFixed(1)} s, ${perSecond}/s\n`,
      );
      if (result.token !== undefined) info(io, `token: ${result.token}\n`);
    }
    if (result.stoppedAtMaxErrors) {
      io.stderr(
        `relgraph import: stopped: more than ${options.maxErrors} lines were rejected (--max-errors)\n`,
      );
      return EXIT_ERROR;
    }
    return result.rejected > 0 ? EXIT_SOME_REJECTED : EXIT_IMPORTED;
  } catch (e) {
    progress.stop();
    const code = reportCommandError(io, "import", e);
    if (importer !== undefined && importer.imported > 0)
      io.stderr(
        `relgraph import: ${importer.imported} relationships were committed; rerun with --resume to continue\n`,
      );
    return code;
  } finally {
    await service?.close().catch(() => undefined);
  }
}

export const importCommand: CliCommand = (argv, io) => runImport(argv, io);
