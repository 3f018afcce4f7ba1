/**
 * `relgraph permissions RESOURCE SUBJECT [--context JSON] [--json]`: every relation and permission
 * of the resource's type and whether the subject has it, one `NAME<TAB>HAS|NO|CONDITIONAL` line
 * each (a CONDITIONAL one followed by `<TAB>missing context: a, b`), in schema order; `--json`
 * prints the GraphQL `permissions` result. Exit 0 (whatever the answers), 2 on error.
 */
import { parseArgsWithContext, usageError, type RemoteArgs } from "../args.ts";
import { unreachable } from "../../errors.ts";
import { parseObjectRef, parseSubjectRef, type ObjectRef, type SubjectRef } from "../../model/tuple.ts";
import type { Consistency, Permissionship } from "../../coordinator/service.ts";
import type { CliCommand, CliIO } from "../io.ts";
import { runServiceCommand, type ServiceCommandSpec } from "../serviceCommand.ts";
import type { ServiceOpener } from "../validation/backend.ts";

const USAGE =
  "usage: relgraph permissions RESOURCE SUBJECT [--store NAME] [--consistency C] [--context JSON] [--json]\n" +
  "  every relation and permission of RESOURCE's type, and whether SUBJECT has it\n" +
  "  e.g. relgraph permissions document:readme user:alice\n";

interface Options {
  readonly remote: RemoteArgs;
  readonly store: string;
  readonly consistency: Consistency;
  readonly resource: ObjectRef;
  readonly subject: SubjectRef;
  readonly context: Record<string, unknown> | undefined;
  readonly json: boolean;
}

function answer(p: Permissionship): string {
  switch (p) {
    case "HAS_PERMISSION":
      return "HAS";
    case "NO_PERMISSION":
      return "NO";
    case "CONDITIONAL_PERMISSION":
      return "CONDITIONAL";
    default:
      return unreachable(p, "permissionship");
  }
}

const spec: ServiceCommandSpec<Options> = {
  name: "permissions",
  usage: USAGE,
  parse(argv) {
    const common = parseArgsWithContext(argv);
    if (common === undefined) return undefined;
    const { json, context } = common;
    const [resource, subject, ...extra] = common.positional;
    if (resource === undefined || subject === undefined || extra.length > 0)
      throw usageError("expected RESOURCE SUBJECT");
    return {
      remote: common.remote,
      store: common.store,
      consistency: common.consistency,
      resource: parseObjectRef(resource, "zed", "resource"),
      subject: parseSubjectRef(subject, "zed", "subject"),
      context,
      json,
    };
  },
  async run(service, o, io: CliIO) {
    const out = await service.permissions(
      o.store,
      {
        resource: o.resource,
        subject: o.subject,
        ...(o.context !== undefined ? { context: o.context } : {}),
      },
      o.consistency,
    );
    // The GraphQL result's shape, from either service (missingContext always present).
    const results = out.results.map((r) => ({ ...r, missingContext: r.missingContext ?? [] }));
    if (o.json) io.stdout(`${JSON.stringify({ ...out, results })}\n`);
    else
      for (const r of results) {
        const missing = r.missingContext;
        io.stdout(
          `${r.name}\t${answer(r.permissionship)}${missing.length > 0 ? `\tmissing context: ${missing.join(", ")}` : ""}\n`,
        );
      }
    return 0;
  },
};

export const runPermissions = (argv: readonly string[], io: CliIO, open?: ServiceOpener) =>
  runServiceCommand(spec, argv, io, open);
export const permissionsCommand: CliCommand = (argv, io) => runPermissions(argv, io);
