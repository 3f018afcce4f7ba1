/**
 * `relgraph expand RESOURCE PERMISSION [--store NAME] [--max-nodes N] [--json]
 *   [--consistency minimize_latency|fully_consistent|at_least_as_fresh:<token>]`
 *
 * The userset tree of RESOURCE#PERMISSION down to its subjects, by the engine in this process
 * against the configured Neo4j. Prints it as an indented tree (a node reached twice is printed once,
 * cycles are marked), or with `--json` as the flat DAG the GraphQL `expand` returns. Exit 0, or 2 on
 * error (code and message on stderr).
 */
import { splitFlag } from "../args.ts";
import { ErrorCode, isRelgraphError, RelgraphError } from "../../errors.ts";
import { formatObjectRef, formatSubjectRef, parseObjectRef } from "../../language/tuple.ts";
import type { Consistency, RelgraphService } from "../../service.ts";
import { DEFAULT_STORE } from "../../store/interface.ts";
import type { CliCommand, CliIO } from "../io.ts";
import { openService, type ServiceOpener } from "../validation/backend.ts";
import { parseConsistency } from "./check.ts";
import { formatExpand } from "./tree.ts";

const USAGE =
  "usage: relgraph expand RESOURCE PERMISSION [--store NAME] [--max-nodes N] [--json]\n" +
  "         [--consistency minimize_latency|fully_consistent|at_least_as_fresh:<token>]\n" +
  "  e.g. relgraph expand document:readme view\n";

interface Options {
  readonly store: string;
  readonly resource: string;
  readonly permission: string;
  readonly consistency: Consistency;
  readonly maxNodes: number;
  readonly json: boolean;
}

const usageError = (message: string): RelgraphError => new RelgraphError(ErrorCode.INVALID_ARGUMENT, message);

function parseArgs(argv: readonly string[]): Options | undefined {
  const positional: string[] = [];
  let store = DEFAULT_STORE;
  let consistency: Consistency = { kind: "minimizeLatency" };
  let maxNodes = 10_000;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [flag, inline] = splitFlag(arg);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw usageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--help" || flag === "-h") return undefined;
    else if (flag === "--store") store = value();
    else if (flag === "--consistency") consistency = parseConsistency(value());
    else if (flag === "--max-nodes") {
      const raw = value();
      maxNodes = Number(raw);
      if (!Number.isInteger(maxNodes) || maxNodes < 1)
        throw usageError(`--max-nodes must be a positive whole number, got ${raw}`);
    } else if (flag === "--json" && inline === undefined) json = true;
    else if (flag.startsWith("-")) throw usageError(`unknown option ${flag}`);
    else positional.push(arg);
  }
  const [resource, permission, ...extra] = positional;
  if (resource === undefined || permission === undefined || extra.length > 0)
    throw usageError("expected RESOURCE PERMISSION");
  return { store, resource, permission, consistency, maxNodes, json };
}

function reportError(io: CliIO, e: unknown): number {
  if (isRelgraphError(e)) io.stderr(`relgraph expand: ${e.code}: ${e.message}\n`);
  else io.stderr(`relgraph expand: ${ErrorCode.INTERNAL}: ${e instanceof Error ? e.message : String(e)}\n`);
  return 2;
}

/** The command with its service factory injectable (tests pass a fake or in-memory service). */
export async function runExpand(
  argv: readonly string[],
  io: CliIO,
  open: ServiceOpener = openService,
): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseArgs(argv);
  } catch (e) {
    const code = reportError(io, e);
    io.stderr(USAGE);
    return code;
  }
  if (options === undefined) {
    io.stdout(USAGE);
    return 0;
  }
  let service: RelgraphService | undefined;
  try {
    const resource = parseObjectRef(options.resource, "zed", "resource");
    service = await open("neo4j", io.env);
    const tree = await service.expand(options.store, resource, options.permission, options.consistency, {
      maxNodes: options.maxNodes,
    });
    if (options.json)
      io.stdout(
        `${JSON.stringify(
          {
            root: tree.root,
            truncated: tree.truncated,
            expandedAt: tree.expandedAt,
            nodes: tree.nodes.map((n) => ({
              id: n.id,
              kind: n.kind,
              resource: formatObjectRef(n.resource),
              relation: n.relation,
              children: n.children,
              subjects: n.subjects.map(formatSubjectRef),
              cycleTo: n.cycleTo ?? null,
            })),
          },
          null,
          2,
        )}\n`,
      );
    else io.stdout(formatExpand(tree));
    return 0;
  } catch (e) {
    return reportError(io, e);
  } finally {
    await service?.close().catch(() => undefined);
  }
}

export const expandCommand: CliCommand = (argv, io) => runExpand(argv, io);
