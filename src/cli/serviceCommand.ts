/**
 * The life of a command that talks to a store: parse argv (a usage error → exit 2 with the usage,
 * `--help` → the usage on stdout, exit 0), open the service (Neo4j directly, or a server in remote
 * mode), run, close the service whatever happens, and report a coded error as exit 2.
 */
import { reportCommandError, serviceEnv, type RemoteArgs } from "./args.ts";
import type { RelgraphService } from "../coordinator/service.ts";
import type { CliIO } from "./io.ts";
import { openService, type ServiceOpener } from "./validation/backend.ts";

export interface ServiceCommandSpec<O extends { readonly remote: RemoteArgs }> {
  /** As printed in errors: `relgraph NAME: CODE: message`. */
  readonly name: string;
  readonly usage: string;
  /** Throws INVALID_ARGUMENT on bad arguments; undefined when help was asked for. */
  readonly parse: (argv: readonly string[]) => O | undefined;
  /** Runs on the open service; returns the exit code. */
  readonly run: (service: RelgraphService, options: O, io: CliIO) => Promise<number>;
}

export async function runServiceCommand<O extends { readonly remote: RemoteArgs }>(
  spec: ServiceCommandSpec<O>,
  argv: readonly string[],
  io: CliIO,
  open: ServiceOpener = openService,
): Promise<number> {
  let options: O | undefined;
  try {
    options = spec.parse(argv);
  } catch (e) {
    const code = reportCommandError(io, spec.name, e);
    io.stderr(spec.usage);
    return code;
  }
  if (options === undefined) {
    io.stdout(spec.usage);
    return 0;
  }
  let service: RelgraphService | undefined;
  try {
    service = await open("neo4j", serviceEnv(io.env, options.remote));
    return await spec.run(service, options, io);
  } catch (e) {
    return reportCommandError(io, spec.name, e);
  } finally {
    await service?.close().catch(() => undefined);
  }
}
