/**
 * `relgraph serve` (= `npm start`): the GraphQL server on a real Neo4j.
 * Starts the local Neo4j when no NEO4J_URI is set (and stops it on exit, since it owns it), loads the
 * example schema into `default` when that store has none, serves until SIGINT/SIGTERM, then finishes
 * in-flight requests and shuts down cleanly.
 */
import { isHelpFlag } from "../args.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CliCommand } from "../io.ts";
import { configFromEnv } from "../../config.ts";
import { ErrorCode, isRelgraphError } from "../../errors.ts";
import { createRelgraph } from "../../index.ts";
import { startServer } from "../../api/server.ts";
import { neo4jConfigFromEnv } from "../../config.ts";
import {
  PROJECT_ROOT,
  start as startLocalNeo4j,
  stop as stopLocalNeo4j,
} from "../../neo4jServer/localServer.ts";
import { DEFAULT_STORE } from "../../store/interface.ts";
import { loadDemoStores } from "../demo.ts";

/** How long start-up retries an operation a cold or busy Neo4j did not answer within its deadline. */
const STARTUP_RETRY_MS = 120_000;

/**
 * `work` retried while it answers DEADLINE_EXCEEDED, UNAVAILABLE or RESOURCE_EXHAUSTED, for up to
 * STARTUP_RETRY_MS: a just-started Neo4j on a busy machine may take longer than one request's
 * deadline to plan its first queries, which must not stop the server from starting.
 */
async function whileStarting<T>(work: () => Promise<T>): Promise<T> {
  const until = Date.now() + STARTUP_RETRY_MS;
  for (;;) {
    try {
      return await work();
    } catch (e) {
      const retriable =
        isRelgraphError(e) &&
        (e.code === ErrorCode.DEADLINE_EXCEEDED ||
          e.code === ErrorCode.UNAVAILABLE ||
          e.code === ErrorCode.RESOURCE_EXHAUSTED);
      if (!retriable || Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const USAGE = "usage: relgraph serve   (configuration from environment variables: see README)\n";

export const serveCommand: CliCommand = async (argv, io) => {
  if (argv.length === 1 && isHelpFlag(argv[0])) {
    io.stdout(USAGE);
    return 0;
  }
  if (argv.length > 0) {
    io.stderr(USAGE);
    return 2;
  }
  const log = (line: string): void => io.stderr(`${line}\n`);
  let config;
  try {
    config = configFromEnv(io.env);
  } catch (e) {
    io.stderr(`relgraph serve: ${(e as Error).message}\n`);
    return 2;
  }

  let ownsNeo4j = false;
  if (!io.env["NEO4J_URI"]) {
    try {
      const r = await startLocalNeo4j({ env: io.env, log });
      ownsNeo4j = r.started;
      log(`Neo4j: ${r.bolt} (Browser ${r.browser})`);
    } catch (e) {
      io.stderr(`relgraph serve: ${(e as Error).message}\n`);
      return 1;
    }
  }

  let relgraph;
  let server;
  try {
    relgraph = await createRelgraph({ neo4j: neo4jConfigFromEnv(io.env), config, log });
    const starting = relgraph;
    const current = await whileStarting(() => starting.readSchema(DEFAULT_STORE));
    if (!current) {
      const text = readFileSync(join(PROJECT_ROOT, "schema", "example.zed"), "utf8");
      await whileStarting(() => starting.writeSchema(DEFAULT_STORE, text, "ZED"));
      log(`Loaded schema/example.zed into the "${DEFAULT_STORE}" store`);
    }
    // RELGRAPH_DEMO_STORES=0 skips the seed platforms' demo stores (tests that only need `default`).
    if (!["0", "false", "no"].includes((io.env["RELGRAPH_DEMO_STORES"] ?? "").toLowerCase()))
      await loadDemoStores(relgraph, log);
    server = await startServer({
      service: relgraph,
      host: config.server.host,
      port: config.server.port,
      apiKeys: config.server.apiKeys,
      corsOrigins: config.server.corsOrigins,
      limits: config.server.limits,
      log,
    });
  } catch (e) {
    io.stderr(`relgraph serve: ${isRelgraphError(e) ? `${e.code}: ` : ""}${(e as Error).message}\n`);
    await relgraph?.close();
    if (ownsNeo4j) await stopLocalNeo4j({ env: io.env, log });
    return 1;
  }
  io.stdout(`Relgraph GraphQL API: ${server.url}\n`);

  const running = server;
  const service = relgraph;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: finishing in-flight requests and shutting down`);
      void (async () => {
        await running.close();
        await service.close();
        if (ownsNeo4j) await stopLocalNeo4j({ env: io.env, log });
        resolve();
      })();
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
  return 0;
};
