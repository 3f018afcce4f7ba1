/**
 * `relgraph check RESOURCE PERMISSION SUBJECT [--store NAME]
 *   [--consistency minimize_latency|fully_consistent|at_least_as_fresh:<token>] [--explain] [--json]`
 *
 * One permission check by the engine, run in this process against the configured Neo4j (no
 * server needed). Prints the permissionship. Exit 0 allowed, 1 denied, 3 conditional, 2 error
 * (the error code and message on stderr). `--explain` also prints the proof as an indented tree
 * and, for a grant, the Cypher that shows the access path in Neo4j Browser (and its URL).
 */
import { EXIT_ERROR, parseArgsWithContext, parseConsistency, usageError, type RemoteArgs } from "../args.ts";
import { unreachable } from "../../errors.ts";
import {
  formatObjectRef,
  formatSubjectRef,
  formatTuple,
  parseObjectRef,
  parseSubjectRef,
} from "../../model/tuple.ts";
import type { CheckRequest, Consistency, Permissionship } from "../../coordinator/service.ts";
import type { CliCommand, CliIO } from "../io.ts";
import { formatExplanation } from "./tree.ts";
import type { ServiceOpener } from "../validation/backend.ts";
import { runServiceCommand, type ServiceCommandSpec } from "../serviceCommand.ts";

const USAGE =
  "usage: relgraph check RESOURCE PERMISSION SUBJECT [--store NAME] [--endpoint URL [--api-key KEY]]\n" +
  "         [--consistency minimize_latency|fully_consistent|at_least_as_fresh:<token>] [--context JSON]\n" +
  "         [--explain] [--json]\n" +
  '  e.g. relgraph check document:readme view user:alice --context \'{"ip": "10.1.2.3"}\'\n' +
  "  --context: caveat context, a JSON object; a CONDITIONAL answer names the parameters it lacks\n" +
  "  exit 0 allowed, 1 denied, 3 conditional, 2 error\n";

export const EXIT_ALLOWED = 0;
export const EXIT_DENIED = 1;
export { EXIT_ERROR };
export const EXIT_CONDITIONAL = 3;

interface Options {
  readonly store: string;
  readonly remote: RemoteArgs;
  readonly request: CheckRequest;
  readonly consistency: Consistency;
  readonly explain: boolean;
  readonly json: boolean;
}

/** Parsing lives in ../args.ts; re-exported for the commands and tests that import it from here. */
export { parseConsistency };

/** Throws INVALID_ARGUMENT for bad arguments; `undefined` means help was asked for. */
function parseArgs(argv: readonly string[]): Options | undefined {
  let explain = false;
  const common = parseArgsWithContext(argv, (flag) => {
    if (flag !== "--explain") return false;
    explain = true;
    return true;
  });
  if (common === undefined) return undefined;
  const { json, context } = common;
  const [resource, permission, subject, ...extra] = common.positional;
  if (resource === undefined || permission === undefined || subject === undefined || extra.length > 0)
    throw usageError("expected RESOURCE PERMISSION SUBJECT");
  return {
    store: common.store,
    remote: common.remote,
    consistency: common.consistency,
    explain,
    json,
    request: {
      resource: parseObjectRef(resource, "zed", "resource"),
      permission,
      subject: parseSubjectRef(subject, "zed", "subject"),
      ...(context !== undefined ? { context } : {}),
    },
  };
}

function exitCodeOf(p: Permissionship): number {
  switch (p) {
    case "HAS_PERMISSION":
      return EXIT_ALLOWED;
    case "NO_PERMISSION":
      return EXIT_DENIED;
    case "CONDITIONAL_PERMISSION":
      return EXIT_CONDITIONAL;
    default:
      return unreachable(p, "permissionship");
  }
}

const spec: ServiceCommandSpec<Options> = {
  name: "check",
  usage: USAGE,
  parse: parseArgs,
  async run(service, o, io) {
    const outcome = o.explain
      ? await service.check(o.store, o.request, o.consistency, { explain: true })
      : await service.check(o.store, o.request, o.consistency);
    if (o.json)
      // The GraphQL CheckResult's fields; the proof in the library's shape (formatTuple'd below).
      io.stdout(
        `${JSON.stringify({
          allowed: outcome.permissionship === "HAS_PERMISSION",
          permissionship: outcome.permissionship,
          missingContext: outcome.missingContext ?? [],
          checkedAt: outcome.checkedAt,
          explanation: outcome.explanation
            ? {
                ...outcome.explanation,
                path: outcome.explanation.path.map(formatTuple),
                nodes: outcome.explanation.nodes.map((n) => ({
                  ...n,
                  resource: formatObjectRef(n.resource),
                  tuples: n.tuples.map(formatTuple),
                  subjects: n.subjects.map(formatSubjectRef),
                })),
              }
            : null,
        })}\n`,
      );
    else {
      io.stdout(`${outcome.permissionship}\n`);
      const missing = outcome.missingContext ?? [];
      if (missing.length > 0) io.stdout(`missing context: ${missing.join(", ")}\n`);
      if (outcome.explanation) io.stdout(formatExplanation(outcome.explanation));
    }
    return exitCodeOf(outcome.permissionship);
  },
};

/** The command with its service factory injectable (tests pass a fake service). */
export function runCheck(argv: readonly string[], io: CliIO, open?: ServiceOpener): Promise<number> {
  return runServiceCommand(spec, argv, io, open);
}

export const checkCommand: CliCommand = (argv, io) => runCheck(argv, io);
