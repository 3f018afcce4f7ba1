/** `relgraph schema validate|format|convert` through a fake CliIO over temporary files. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { schemaCommand } from "../../src/cli/commands/schema.ts";
import type { CliIO } from "../../src/cli/io.ts";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir = "";

async function run(...argv: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    cwd: dir,
  };
  const code = await schemaCommand(argv, io);
  return { code, stdout, stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "relgraph-schema-cli-"));
  const files: Record<string, string> = {
    "good.zed":
      "definition user {}\ndefinition doc {\n  relation viewer: user\n  permission view = viewer\n}\n",
    "warn.zed": "definition doc {\n  permission view = view + nil\n}\n",
    "bad.zed":
      "definition user {}\ndefinition doc {\n  relation viewer: ghost\n  permission view = viewer + nope\n}\n",
    "also-bad.zed": "definition doc {\n  relation viewer user\n}\n",
    "messy.zed": "definition user {}\ndefinition doc { relation viewer : user ; permission view=(viewer) }\n",
    "model.fga":
      "model\n  schema 1.1\n\ntype user\n\ntype document\n  relations\n    define owner: [user]\n    define viewer: [user] or owner\n",
    "upper.fga":
      "model\n  schema 1.1\n\ntype User\n\ntype document\n  relations\n    define Viewer: [User]\n",
    "notes.txt": "hello",
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
});

describe("schema validate", () => {
  it("exits 0 with nothing on stderr for a valid schema, and says it is valid", async () => {
    expect(await run("validate", "good.zed")).toEqual({ code: 0, stdout: "good.zed: valid\n", stderr: "" });
  });

  it("exits 0 on warnings alone, 1 with --strict", async () => {
    const plain = await run("validate", "warn.zed");
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/^warn\.zed:2:21: warning: permission-references-itself: /);
    expect(plain.stdout).toBe("warn.zed: valid (1 warning)\n");
    expect((await run("validate", "--strict", "warn.zed")).code).toBe(1);
  });

  it("exits 2 on errors, one sorted line per diagnostic across files", async () => {
    const result = await run("validate", "good.zed", "bad.zed", "also-bad.zed");
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.map((l) => l.split(": ").slice(0, 3).join(": "))).toEqual([
      "also-bad.zed:2:19: error: syntax-error",
      "bad.zed:3:20: error: undefined-type",
      "bad.zed:4:30: error: undefined-relation",
    ]);
  });

  it("validates OpenFGA models by extension", async () => {
    expect((await run("validate", "model.fga")).code).toBe(0);
  });

  it("exits 2 on an unknown extension or an unreadable file, naming it", async () => {
    const unknown = await run("validate", "notes.txt");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("notes.txt:1:1: error: unknown-extension: expected a .zed or .fga file\n");
    const missing = await run("validate", "missing.zed");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("missing.zed:1:1: error: unreadable-file: cannot read the file (ENOENT)\n");
  });

  it("exits 2 with usage when given no file", async () => {
    const result = await run("validate");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("usage: relgraph schema validate");
  });
});

describe("schema format", () => {
  it("prints canonical .zed", async () => {
    expect(await run("format", "messy.zed")).toEqual({
      code: 0,
      stdout:
        "definition user {}\n\ndefinition doc {\n  relation viewer: user\n  permission view = viewer\n}\n",
      stderr: "",
    });
  });

  it("refuses a schema with errors", async () => {
    const result = await run("format", "bad.zed");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("bad.zed:3:20: error: undefined-type");
  });
});

describe("schema convert", () => {
  it("prints the equivalent .zed of an OpenFGA model", async () => {
    const result = await run("convert", "model.fga");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("definition document {");
    expect(result.stdout).toContain("relation owner: user");
    expect(result.stdout).toMatch(/permission viewer = viewer_direct \+ owner/);
    expect(result.stderr).toContain("note: tuples written to document#viewer");
  });

  it("refuses names .zed cannot spell, listing each", async () => {
    const result = await run("convert", "upper.fga");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => l.includes("zed-incompatible-name"))).toBe(true);
    expect(result.stderr).toContain('"User"');
    expect(result.stderr).toContain('"Viewer"');
  });

  it("refuses a .zed file", async () => {
    expect((await run("convert", "good.zed")).code).toBe(2);
  });
});

it("rejects an unknown subcommand", async () => {
  const result = await run("frobnicate");
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('unknown subcommand "frobnicate"');
});
