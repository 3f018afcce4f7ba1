/**
 * `relgraph backup create|restore`: every store (or one) with its schema and relationships in one
 * file, each read at one revision; restored into empty stores it gives the same answers.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBackup } from "../../src/cli/commands/backup.ts";
import { runExport } from "../../src/cli/commands/export.ts";
import { runPermissions } from "../../src/cli/commands/permissions.ts";
import { openService, type ServiceOpener } from "../../src/cli/validation/backend.ts";
import type { RelgraphService } from "../../src/coordinator/service.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { captureIO } from "./fixtures.ts";
import { overriding, sharing } from "./services.ts";

const SCHEMA = readFileSync("test/fixtures/validation/schemas/documents.zed", "utf8");
const FGA = readFileSync("test/fixtures/validation/schemas/documents.fga", "utf8");
const dir = mkdtempSync(join(tmpdir(), "relgraph-backup-"));

async function run(command: typeof runBackup, open: ServiceOpener, ...argv: string[]) {
  const io = captureIO(process.env);
  const code = await command(argv, io, open);
  return { code, out: io.out(), err: io.err() };
}

async function fill(service: RelgraphService, store: string, n: number): Promise<void> {
  await service.createStore(store);
  await service.writeSchema(store, SCHEMA, "ZED");
  const lines: string[] = ["folder:root#viewer@group:eng#member", "group:eng#member@user:alice"];
  for (let i = 0; i < n; i++)
    lines.push(`document:d${i}#parent@folder:root`, `document:d${i}#reader@user:u${i}`);
  for (let i = 0; i < lines.length; i += 1000)
    await service.writeRelationships(
      store,
      lines.slice(i, i + 1000).map((l) => ({ operation: "TOUCH", tuple: parseTuple(l) })),
    );
}

/** What a store answers: its export and the permissions of a few subjects on a few resources. */
async function answers(open: ServiceOpener, store: string): Promise<string> {
  let text = (await run(runExport, open, "--store", store)).out;
  for (const resource of ["document:d0", "document:d7", "folder:root"])
    for (const subject of ["user:alice", "user:u7", "user:nobody"])
      text += (await run(runPermissions, open, resource, subject, "--store", store)).out;
  return text;
}

describe("backup and restore (memory)", () => {
  it("saves every store and restores them into a new backend with the same answers", async () => {
    const source = await openService("memory", {});
    await fill(source, "alpha", 1500); // more than one page and one batch
    await source.createStore("beta");
    await source.writeSchema("beta", FGA, "OPENFGA");
    await source.writeRelationships("beta", [
      { operation: "TOUCH", tuple: parseTuple("document:1#viewer@user:*", "openfga") },
    ]);
    const file = join(dir, "all.ndjson");
    const created = await run(runBackup, sharing(source), "create", file);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toBe(`backed up 3 stores to ${file}\n`); // default, alpha, beta
    expect(created.err).toContain("backup: alpha: 3002 relationships at revision 5");
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ relgraphBackup: 1 });
    expect(JSON.parse(lines[1]!)).toMatchObject({ store: "alpha", revision: 5, schema: { format: "ZED" } });
    expect(existsSync(`${file}.partial`)).toBe(false);

    const target = await openService("memory", {});
    const restored = await run(runBackup, sharing(target), "restore", file);
    expect(restored.code, restored.err).toBe(0);
    expect(restored.out).toBe(`restored 3 stores from ${file}\n`);
    for (const store of ["alpha", "beta"])
      expect(await answers(sharing(target), store), store).toBe(await answers(sharing(source), store));
    expect((await target.readSchema("beta"))?.format).toBe("OPENFGA");

    // Restoring again refuses: the stores are not empty any more.
    const again = await run(runBackup, sharing(target), "restore", file);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/FAILED_PRECONDITION: store "alpha" exists and is not empty/);
  });

  it("reads a store again when a write lands during the read, and gives up when writes never stop", async () => {
    const source = await openService("memory", {});
    await fill(source, "busy", 10);
    let moving = 2;
    let revision = 100;
    const flaky = overriding(source, {
      close: async () => undefined,
      // The head moves between the reads around the first two snapshots.
      stores: async () =>
        (await source.stores()).map((s) =>
          s.name === "busy" ? { ...s, revision: moving-- > 0 ? revision++ : revision } : s,
        ),
    });
    const file = join(dir, "busy.ndjson");
    expect((await run(runBackup, async () => flaky, "create", file, "--store", "busy")).code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain('"store":"busy"');

    const never = overriding(source, {
      close: async () => undefined,
      stores: async () => (await source.stores()).map((s) => ({ ...s, revision: revision++ })),
    });
    const refused = await run(
      runBackup,
      async () => never,
      "create",
      join(dir, "never.ndjson"),
      "--store",
      "busy",
    );
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/FAILED_PRECONDITION: store "busy" changed during each of 5 attempts/);
    expect(existsSync(join(dir, "never.ndjson"))).toBe(false);
    expect(existsSync(join(dir, "never.ndjson.partial"))).toBe(false);
  });

  it("refuses what is not a backup, with the line", async () => {
    const target = await openService("memory", {});
    const bad = join(dir, "bad.ndjson");
    writeFileSync(bad, '{"resource":"document:1","relation":"viewer","subject":"user:anne"}\n');
    const r = await run(runBackup, sharing(target), "restore", bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:1: not a Relgraph backup`);
    expect((await run(runBackup, sharing(target), "frob", bad)).err).toContain(
      'unknown backup command "frob"',
    );
  });
});

describe("backup and restore (Neo4j)", () => {
  it("restores one store, deleted after its backup, with the same answers", async () => {
    const service = await openService("neo4j", process.env);
    const open = sharing(service);
    const store = `backup-${randomBytes(4).toString("hex")}`;
    try {
      await fill(service, store, 300);
      const before = await answers(open, store);
      const file = join(dir, `${store}.ndjson`);
      expect((await run(runBackup, open, "create", file, "--store", store)).code).toBe(0);
      await service.deleteStore(store);
      const restored = await run(runBackup, open, "restore", file, "--store", store);
      expect(restored.code, restored.err).toBe(0);
      expect(await answers(open, store)).toBe(before);
    } finally {
      await service.deleteStore(store).catch(() => undefined);
      await service.close();
    }
  });
});
