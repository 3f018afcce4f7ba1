/**
 * `relgraph export [--store S] [--format ndjson|lines|zed|fga] [--output FILE] [FILTER FLAGS]
 *   [--consistency C]`
 *
 * Streams a store's relationships, sorted by resource, relation, subject (the store's page order),
 * to stdout or `--output FILE`, page by page (constant memory). The format comes from `--output`'s
 * extension when `--format` is not given (stdout: NDJSON). Filter flags are the RelationshipFilter
 * fields: --resource-type, --resource-id, --resource-id-prefix, --relation, --subject-type,
 * --subject-id, --subject-relation. `--format zed` also writes the store's schema, so the file is a
 * SpiceDB validation file. Exit 0, or 2 on error.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { EXIT_ERROR, parseCommonArgs, usageError, type RemoteArgs, FILTER_FLAGS } from "../args.ts";
import type { RelationshipFilter } from "../../model/filter.ts";
import type { Consistency, RelgraphService } from "../../coordinator/service.ts";
import type { CliCommand, CliIO } from "../io.ts";
import type { ServiceOpener } from "../validation/backend.ts";
import { runServiceCommand, type ServiceCommandSpec } from "../serviceCommand.ts";
import { layoutFor, parseTransferFormat, printerFor, type TransferFormat } from "../transfer/formats.ts";

const USAGE =
  "usage: relgraph export [--store NAME] [--format ndjson|lines|zed|fga] [--output FILE]\n" +
  "         [--resource-type T] [--resource-id ID] [--resource-id-prefix P] [--relation R]\n" +
  "         [--subject-type T] [--subject-id ID] [--subject-relation R]\n" +
  "         [--consistency minimize_latency|fully_consistent|at_least_as_fresh:<token>]\n" +
  "  Writes the store's relationships sorted by resource, relation, subject (default: NDJSON on stdout;\n" +
  "  with --output the format comes from the extension: .ndjson, .txt, .yaml, .fga.yaml, .json, .csv).\n" +
  "  e.g. relgraph export --store default --output backup.ndjson\n" +
  "  exit 0 written, 2 error\n";

const PAGE = 1000;

interface Options {
  readonly store: string;
  readonly remote: RemoteArgs;
  readonly format: TransferFormat | undefined;
  readonly output: string | undefined;
  readonly filter: RelationshipFilter;
  readonly consistency: Consistency;
}

function parseArgs(argv: readonly string[]): Options | undefined {
  let format: TransferFormat | undefined;
  let output: string | undefined;
  const filter: Record<string, string> = {};
  const common = parseCommonArgs(argv, (flag, value) => {
    const field = FILTER_FLAGS.get(flag);
    if (field !== undefined) filter[field] = value();
    else if (flag === "--format") format = parseTransferFormat(value());
    else if (flag === "--output" || flag === "-o") output = value();
    else return false;
    return true;
  });
  if (common === undefined) return undefined;
  if (common.positional.length > 0)
    throw usageError(`unexpected argument ${JSON.stringify(common.positional[0])}; filters are flags`);
  // An export is a snapshot: unless told otherwise, read the store's latest state.
  const consistency: Consistency = argv.some((a) => a.startsWith("--consistency"))
    ? common.consistency
    : { kind: "fullyConsistent" };
  return { store: common.store, remote: common.remote, format, output, filter, consistency };
}

type Sink = (text: string) => Promise<void>;

function fileSink(stream: WriteStream): Sink {
  return async (text) => {
    if (!stream.write(text)) await once(stream, "drain");
  };
}

/** Writes every relationship matching the options to `sink`; returns how many. */
export async function exportRelationships(
  service: RelgraphService,
  options: Options,
  sink: Sink,
): Promise<{ count: number; stale: boolean }> {
  const layout = layoutFor(options.output, options.format);
  const schema = layout === "zed-yaml" ? await service.readSchema(options.store) : undefined;
  const printer = printerFor(layout, schema?.format === "ZED" ? schema.text : undefined);
  await sink(printer.header);
  let count = 0;
  let after: string | undefined;
  let stale = false;
  for (;;) {
    const page = await service.relationships(options.store, options.filter, {
      first: PAGE,
      ...(after !== undefined ? { after } : { consistency: options.consistency }),
    });
    let text = "";
    for (const t of page.tuples) text += printer.tuple(t, count++);
    await sink(text);
    stale ||= page.staleCursor;
    if (!page.hasNextPage || page.endCursor === undefined) break;
    after = page.endCursor;
  }
  await sink(printer.footer);
  return { count, stale };
}

const spec: ServiceCommandSpec<Options> = {
  name: "export",
  usage: USAGE,
  parse(argv) {
    const options = parseArgs(argv);
    if (options !== undefined) layoutFor(options.output, options.format); // a usage error, before Neo4j
    return options;
  },
  async run(service, o, io) {
    let stream: WriteStream | undefined;
    try {
      if (o.output !== undefined) {
        stream = createWriteStream(o.output);
        await once(stream, "open");
      }
      const sink: Sink =
        stream !== undefined
          ? fileSink(stream)
          : (io.stdoutWrite ?? (async (text: string) => io.stdout(text)));
      const { count, stale } = await exportRelationships(service, o, sink);
      if (stream !== undefined) {
        stream.end();
        await once(stream, "finish");
        io.stderr(`exported ${count} relationships to ${o.output}\n`);
      }
      if (stale)
        io.stderr(
          "relgraph export: the store changed while it was read: the export may mix revisions; rerun for a snapshot\n",
        );
      return 0;
    } catch (e) {
      stream?.destroy();
      throw e;
    }
  },
};

export function runExport(argv: readonly string[], io: CliIO, open?: ServiceOpener): Promise<number> {
  return runServiceCommand(spec, argv, io, open);
}

export { EXIT_ERROR };
export const exportCommand: CliCommand = (argv, io) => runExport(argv, io);
