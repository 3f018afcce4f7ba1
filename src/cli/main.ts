/** The `relgraph` command: dispatches to one module per command (src/cli/commands/). */
import { processIO, type CliCommand, type CliIO } from "./io.ts";

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<CliCommand>;
}

const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  neo4j: {
    summary: "neo4j start|stop|status        the local Neo4j server",
    load: async () => (await import("./commands/neo4j.ts")).neo4jCommand,
  },
};

function usage(): string {
  return `usage: relgraph <command> [args]\n\ncommands:\n${Object.values(COMMANDS)
    .map((c) => `  ${c.summary}`)
    .join("\n")}\n`;
}

export async function runCli(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
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
