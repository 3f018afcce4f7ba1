/**
 * `--quiet` / `-q` on every command (main.ts takes it off argv): confirmations, summaries, progress
 * and hints are silenced; results, `--json` output and errors are not. Run in process against the
 * test Neo4j (NEO4J_URI from the vitest global setup).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";
import type { CliIO } from "../../src/cli/io.ts";
import { uniqueStoreName } from "../engine/support/neo4jStores.ts";

function capture(): { io: CliIO; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    io: { stdout: (t) => (out += t), stderr: (t) => (err += t), env: process.env, cwd: process.cwd() },
    out: () => out,
    err: () => err,
  };
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await runCli(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe("--quiet", () => {
  const dir = mkdtempSync(join(tmpdir(), "relgraph-quiet-"));
  const schema = join(dir, "s.zed");
  writeFileSync(schema, "definition user {}\ndefinition doc { relation viewer: user }\n");

  it("silences confirmations and summaries, in any position, as --quiet or -q", async () => {
    expect(await run(["schema", "validate", schema])).toEqual({
      code: 0,
      out: `${schema}: valid\n`,
      err: "",
    });
    expect(await run(["schema", "validate", schema, "--quiet"])).toEqual({ code: 0, out: "", err: "" });
    expect(await run(["-q", "schema", "validate", schema])).toEqual({ code: 0, out: "", err: "" });

    const store = uniqueStoreName("quiet");
    expect(await run(["store", "create", store, "-q"])).toEqual({ code: 0, out: "", err: "" });
    try {
      expect(await run(["schema", "write", schema, "--store", store, "--quiet"])).toEqual({
        code: 0,
        out: "",
        err: "",
      });
      const write = await run(["rel", "touch", "doc:1#viewer@user:ann", "--store", store, "--quiet"]);
      expect(write).toEqual({ code: 0, out: "", err: "" });
      // Results still print: the answer of a check, a read, and --json output.
      const check = await run([
        "check",
        "doc:1",
        "viewer",
        "user:ann",
        "--store",
        store,
        "--consistency",
        "fully_consistent",
        "-q",
      ]);
      expect(check.code).toBe(0);
      expect(check.out.trim()).not.toBe("");
      expect((await run(["rel", "read", "--store", store, "-q"])).out).toBe("doc:1#viewer@user:ann\n");
      const json = await run(["rel", "touch", "doc:2#viewer@user:ann", "--store", store, "--json", "-q"]);
      expect(JSON.parse(json.out)).toHaveProperty("token");
      // Errors still print, with their exit code.
      const again = await run(["store", "create", store, "--quiet"]);
      expect(again.code).toBe(2);
      expect(again.err).toMatch(/ALREADY_EXISTS/);
    } finally {
      expect(await run(["store", "delete", store, "-q"])).toEqual({ code: 0, out: "", err: "" });
    }
  });

  it("is listed in the help", async () => {
    expect((await run(["--help"])).out).toMatch(/--quiet \(-q\)/);
  });
});
