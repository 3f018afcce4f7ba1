/**
 * `relgraph store create NAME | list [--json] | delete NAME`: the stores of the configured Neo4j or,
 * with --endpoint, of a server. Exit 0, or 2 on error (ALREADY_EXISTS, NOT_FOUND, …).
 */
import { parseArgsWithJson, usageError, type RemoteArgs } from "../args.ts";
import { info, type CliCommand } from "../io.ts";
import { runServiceCommand, type ServiceCommandSpec } from "../serviceCommand.ts";
import type { ServiceOpener } from "../validation/backend.ts";

const USAGE =
  "usage: relgraph store create NAME\n" +
  "       relgraph store list [--json]\n" +
  "       relgraph store delete NAME     (its schema, relationships and change log)\n" +
  "  e.g. relgraph store create billing\n";

interface Options {
  readonly remote: RemoteArgs;
  readonly action: "create" | "list" | "delete";
  readonly name?: string;
  readonly json: boolean;
}

const spec: ServiceCommandSpec<Options> = {
  name: "store",
  usage: USAGE,
  parse(argv) {
    const common = parseArgsWithJson(argv);
    if (common === undefined) return undefined;
    const { json } = common;
    const [action, name, ...extra] = common.positional;
    if (action === undefined) throw usageError("expected create, list or delete");
    if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    switch (action) {
      case "list":
        if (name !== undefined) throw usageError(`unexpected argument ${JSON.stringify(name)}`);
        return { remote: common.remote, action, json };
      case "create":
      case "delete":
        if (name === undefined) throw usageError(`store ${action} needs a NAME`);
        return { remote: common.remote, action, name, json };
      default:
        throw usageError(`unknown store command ${JSON.stringify(action)}`);
    }
  },
  async run(service, options, io) {
    switch (options.action) {
      case "create": {
        const s = await service.createStore(options.name!);
        if (options.json) io.stdout(`${JSON.stringify({ name: s.name, revision: s.revision })}\n`);
        else info(io, `created store ${s.name}\n`);
        return 0;
      }
      case "delete":
        await service.deleteStore(options.name!);
        if (options.json) io.stdout(`${JSON.stringify({ deleted: options.name })}\n`);
        else info(io, `deleted store ${options.name}\n`);
        return 0;
      case "list": {
        const stores = (await service.stores()).map((s) => ({
          name: s.name,
          revision: s.revision,
          schemaRevision: s.schemaRevision,
        }));
        if (options.json) io.stdout(`${JSON.stringify(stores)}\n`);
        else {
          const width = Math.max(4, ...stores.map((s) => s.name.length));
          io.stdout(`${"NAME".padEnd(width)}  REVISION  SCHEMA REVISION\n`);
          for (const s of stores)
            io.stdout(
              `${s.name.padEnd(width)}  ${String(s.revision).padStart(8)}  ${String(s.schemaRevision).padStart(15)}\n`,
            );
        }
        return 0;
      }
      default:
        return options.action satisfies never;
    }
  },
};

export const runStore = (argv: readonly string[], io: Parameters<CliCommand>[1], open?: ServiceOpener) =>
  runServiceCommand(spec, argv, io, open);
export const storeCommand: CliCommand = (argv, io) => runStore(argv, io);
