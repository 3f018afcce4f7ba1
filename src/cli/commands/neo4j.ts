/** `relgraph neo4j start|stop|status`: the local Neo4j the project provisions (see localServer.ts). */
import { EXIT_ERROR, isHelpFlag } from "../args.ts";
import { info, note, type CliCommand } from "../io.ts";
import { LocalServerError, localServerPaths, start, status, stop } from "../../neo4jServer/localServer.ts";

const USAGE =
  "usage: relgraph neo4j start|stop|status\n" +
  "  start   starts the local Neo4j (RELGRAPH_NEO4J_BOLT_PORT, RELGRAPH_NEO4J_HTTP_PORT, RELGRAPH_STATE_DIR)\n" +
  "          unless it runs; exit 2 when it cannot (the log's last lines on stderr)\n" +
  "  stop    stops it (exit 0 also when it was not running)\n" +
  "  status  exit 0 running, 3 stopped\n";

export const neo4jCommand: CliCommand = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (argv.some(isHelpFlag) || sub === "help") {
    io.stdout(USAGE);
    return 0;
  }
  if (rest.length > 0 || sub === undefined) {
    io.stderr(USAGE);
    return 2;
  }
  const log = (line: string): void => note(io, `${line}\n`);
  try {
    switch (sub) {
      case "start": {
        const r = await start({ env: io.env, log });
        const paths = localServerPaths(io.env);
        info(
          io,
          `Neo4j ${paths.version} ${r.started ? "started" : "is already running"} (pid ${r.pid ?? "?"})\n` +
            `  Bolt:    ${r.bolt}\n  Browser: ${r.browser}  (user neo4j, password in ${paths.passwordFile})\n`,
        );
        return 0;
      }
      case "stop": {
        const stopped = await stop({ env: io.env, log });
        info(io, stopped ? "Neo4j stopped\n" : "Neo4j was not running\n");
        return 0;
      }
      case "status": {
        const s = await status(io.env);
        io.stdout(
          s.running ? `running (pid ${s.pid ?? "?"}) at ${s.bolt}, Browser ${s.browser}\n` : "stopped\n",
        );
        return s.running ? 0 : 3;
      }
      default:
        io.stderr(`unknown subcommand "${sub}"\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof LocalServerError) {
      io.stderr(`relgraph neo4j ${sub}: ${e.message}\n`);
      return EXIT_ERROR;
    }
    throw e;
  }
};
