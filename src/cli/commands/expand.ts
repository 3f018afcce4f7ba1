/**
 * `relgraph expand RESOURCE PERMISSION [--store NAME] [--max-nodes N] [--json]
 *   [--consistency minimize_latency|fully_consistent|at_least_as_fresh:<token>]`
 *
 * The userset tree of RESOURCE#PERMISSION down to its subjects, by the engine in this process
 * against the configured Neo4j. Prints it as an indented tree (a node reached twice is printed once,
 * cycles are marked), or with `--json` as the flat DAG the GraphQL `expand` returns. Exit 0, or 2 on
 * error (code and message on stderr).
 */
import { parseCommonArgs, usageError, type RemoteArgs } from "../args.ts";
import { formatObjectRef, formatSubjectRef, parseObjectRef } from "../../model/tuple.ts";
import type { Consistency } from "../../coordinator/service.ts";
import type { CliCommand, CliIO } from "../io.ts";
import type { ServiceOpener } from "../validation/backend.ts";
import { runServiceCommand, type ServiceCommandSpec } from "../serviceCommand.ts";
import { formatExpand } from "./tree.ts";

const USAGE =
  "usage: relgraph expand RESOURCE PERMISSION [--store NAME] [--max-nodes N] [--json]\n" +
  "         [--consistency minimize_latency|fully_consistent|at_least_as_fresh:<token>]\n" +
  "  e.g. relgraph expand document:readme view\n";

interface Options {
  readonly store: string;
  readonly remote: RemoteArgs;
  readonly resource: string;
  readonly permission: string;
  readonly consistency: Consistency;
  readonly maxNodes: number;
  readonly json: boolean;
}

function parseArgs(argv: readonly string[]): Options | undefined {
  let maxNodes = 10_000;
  let json = false;
  const common = parseCommonArgs(argv, (flag, value, inline) => {
    if (flag === "--max-nodes") {
      const raw = value();
      maxNodes = Number(raw);
      if (!Number.isInteger(maxNodes) || maxNodes < 1)
        throw usageError(`--max-nodes must be a positive whole number, got ${raw}`);
      return true;
    }
    if (flag !== "--json" || inline !== undefined) return false;
    json = true;
    return true;
  });
  if (common === undefined) return undefined;
  const [resource, permission, ...extra] = common.positional;
  if (resource === undefined || permission === undefined || extra.length > 0)
    throw usageError("expected RESOURCE PERMISSION");
  return {
    store: common.store,
    remote: common.remote,
    resource,
    permission,
    consistency: common.consistency,
    maxNodes,
    json,
  };
}

const spec: ServiceCommandSpec<Options> = {
  name: "expand",
  usage: USAGE,
  parse: parseArgs,
  async run(service, o, io) {
    const resource = parseObjectRef(o.resource, "zed", "resource");
    const tree = await service.expand(o.store, resource, o.permission, o.consistency, {
      maxNodes: o.maxNodes,
    });
    if (o.json)
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
  },
};

/** The command with its service factory injectable (tests pass a fake or in-memory service). */
export function runExpand(argv: readonly string[], io: CliIO, open?: ServiceOpener): Promise<number> {
  return runServiceCommand(spec, argv, io, open);
}

export const expandCommand: CliCommand = (argv, io) => runExpand(argv, io);
