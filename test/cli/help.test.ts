/**
 * `--help` on every command and subcommand prints its usage on stdout and exits 0, touching
 * nothing (no store opened, no server started); an unknown option is an error (exit 2).
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";

const COMMANDS = [
  ["serve"],
  ["neo4j"],
  ["neo4j", "start"],
  ["schema", "validate"],
  ["schema", "format"],
  ["schema", "convert"],
  ["schema", "read"],
  ["schema", "write"],
  ["schema", "diff"],
  ["check"],
  ["permissions"],
  ["expand"],
  ["validate"],
  ["coverage"],
  ["lookup-resources"],
  ["lookup-subjects"],
  ["store", "create"],
  ["rel", "touch"],
  ["import"],
  ["export"],
  ["backup", "create"],
];

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    // No Neo4j here: a command that tried to open one would fail, not print its usage.
    env: { ...process.env, NEO4J_URI: "bolt://127.0.0.1:1" },
    cwd: process.cwd(),
  });
  return { code, out, err };
}

describe("--help", () => {
  it.each(COMMANDS)("relgraph %s … --help prints the usage and exits 0", async (...words) => {
    for (const flag of ["--help", "-h"]) {
      const r = await run([...words, flag]);
      expect(r).toMatchObject({ code: 0, err: "" });
      expect(r.out).toMatch(/usage: relgraph/);
    }
  });

  it("relgraph --help lists every command", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    for (const [name] of COMMANDS) expect(r.out).toContain(`  ${name}`);
  });
});
