/** The `relgraph` command: dispatches to one module per command (src/cli/commands/). */
import { processIO, type CliCommand, type CliIO } from "./io.ts";

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<CliCommand>;
}

const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  serve: {
    summary: "serve                          the GraphQL API (= npm start)",
    load: async () => (await import("./commands/serve.ts")).serveCommand,
  },
  schema: {
    summary:
      "schema validate FILE... [--strict] | format FILE.zed | convert FILE.fga | read | write FILE | diff FILE",
    load: async () => (await import("./commands/schema.ts")).schemaCommand,
  },
  check: {
    summary:
      "check RESOURCE PERMISSION SUBJECT [--explain] [--json]   exit 0 allowed, 1 denied, 3 conditional",
    load: async () => (await import("./commands/check.ts")).checkCommand,
  },
  permissions: {
    summary: "permissions RESOURCE SUBJECT [--json]   what SUBJECT can do on RESOURCE",
    load: async () => (await import("./commands/permissions.ts")).permissionsCommand,
  },
  expand: {
    summary: "expand RESOURCE PERMISSION [--max-nodes N] [--json]   the userset tree",
    load: async () => (await import("./commands/expand.ts")).expandCommand,
  },
  validate: {
    summary: "validate FILE... [--backend memory|neo4j] [--json]   validation files",
    load: async () => (await import("./commands/validate.ts")).validateCommand,
  },
  coverage: {
    summary:
      "coverage FILE... [--json]   relations, permissions and rewrite branches the assertions exercise",
    load: async () => (await import("./commands/coverage.ts")).coverageCommand,
  },
  "lookup-resources": {
    summary: "lookup-resources TYPE PERMISSION SUBJECT [--first N [--after C]] [--json]",
    load: async () => (await import("./commands/lookup.ts")).lookupResourcesCommand,
  },
  "lookup-subjects": {
    summary: "lookup-subjects RESOURCE PERMISSION TYPE[#RELATION] [--first N [--after C]] [--json]",
    load: async () => (await import("./commands/lookup.ts")).lookupSubjectsCommand,
  },
  store: {
    summary: "store create NAME | list [--json] | delete NAME",
    load: async () => (await import("./commands/store.ts")).storeCommand,
  },
  rel: {
    summary: "rel create|touch|delete TUPLE... | delete FILTER | read [FILTER] [--first N]",
    load: async () => (await import("./commands/rel.ts")).relCommand,
  },
  import: {
    summary:
      "import FILE... [--format ndjson|lines|zed|fga] [--batch-size N] [--max-errors N] [--resume] [--json] [--quiet]",
    load: async () => (await import("./commands/import.ts")).importCommand,
  },
  export: {
    summary:
      "export [--format F] [--output FILE] [--resource-type T] [--relation R] [--subject-type T] ...   dump relationships",
    load: async () => (await import("./commands/export.ts")).exportCommand,
  },
  backup: {
    summary: "backup create|restore FILE [--store S]   every store's schema and relationships",
    load: async () => (await import("./commands/backup.ts")).backupCommand,
  },
  neo4j: {
    summary: "neo4j start|stop|status        the local Neo4j server",
    load: async () => (await import("./commands/neo4j.ts")).neo4jCommand,
  },
};

const COMMON_FLAGS =
  "flags of every command that reads or writes a store:\n" +
  "  --store NAME            the store (default: default)\n" +
  "  --consistency C         minimize_latency | fully_consistent | at_least_as_fresh:<token>\n" +
  "                          (or minimizeLatency | fullyConsistent | atLeastAsFresh:<token>)\n" +
  "  --endpoint URL          run against a Relgraph server's GraphQL URL instead of Neo4j directly\n" +
  "                          (or RELGRAPH_ENDPOINT), e.g. http://127.0.0.1:4000/graphql\n" +
  "  --api-key KEY           the server's API key (or RELGRAPH_API_KEY)\n" +
  "every command: --quiet (-q) prints no confirmations, summaries, progress or hints (results,\n" +
  "--json output and errors still print); output has no colours, so NO_COLOR changes nothing\n" +
  "every command: --help for its own flags; exit 2 when it could not run (the error code and\n" +
  "message on stderr: relgraph COMMAND: CODE: message)\n";

function usage(): string {
  return `usage: relgraph <command> [args]\n\ncommands:\n${Object.values(COMMANDS)
    .map((c) => `  ${c.summary}`)
    .join("\n")}\n\n${COMMON_FLAGS}`;
}

export async function runCli(argv: readonly string[], given: CliIO = processIO()): Promise<number> {
  // --quiet is every command's: taken off argv here, so no command refuses it as unknown.
  const quiet = argv.some((a) => a === "--quiet" || a === "-q");
  const io: CliIO = quiet ? { ...given, quiet: true } : given;
  const [name, ...rest] = quiet ? argv.filter((a) => a !== "--quiet" && a !== "-q") : argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr(`relgraph: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  return command(rest, io);
}
