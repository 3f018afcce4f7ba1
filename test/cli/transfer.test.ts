/**
 * `relgraph import` / `relgraph export`: every format round-trips, bad lines are reported with their
 * line numbers while the rest goes in, an interrupted import resumes, the peers' own files load.
 * On the memory backend (one service shared by the commands) and on Neo4j.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runExport } from "../../src/cli/commands/export.ts";
import { runImport } from "../../src/cli/commands/import.ts";
import { checkpointPath } from "../../src/cli/transfer/importer.ts";
import { openService, type ServiceOpener } from "../../src/cli/validation/backend.ts";
import { ErrorCode, RelgraphError } from "../../src/errors.ts";
import { formatTuple, parseTuple as parseLine } from "../../src/model/tuple.ts";
import type { RelgraphService } from "../../src/coordinator/service.ts";
import { captureIO } from "./fixtures.ts";
import { overriding, sharing } from "./services.ts";

const SCHEMA = readFileSync("test/fixtures/validation/schemas/documents.zed", "utf8");
const dir = mkdtempSync(join(tmpdir(), "relgraph-transfer-"));

async function storeText(service: RelgraphService, store: string): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await service.relationships(store, {}, { first: 1000, ...(after ? { after } : {}) });
    out.push(...page.tuples.map(formatTuple));
    if (!page.hasNextPage || page.endCursor === undefined) return out;
    after = page.endCursor;
  }
}

/** `n` documents, each with a reader, a writer and a parent folder; the folders with viewers. */
function sampleLines(n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(`document:d${i}#reader@user:u${i % 97}`);
    lines.push(`document:d${i}#writer@user:w${i % 13}`);
    lines.push(`document:d${i}#parent@folder:f${i % 7}`);
  }
  for (let f = 0; f < 7; f++) lines.push(`folder:f${f}#viewer@group:g${f}#member`);
  return lines;
}

const ndjsonOf = (line: string): string => {
  const [left, subject] = line.split("@") as [string, string];
  const hash = left.lastIndexOf("#");
  return JSON.stringify({ resource: left.slice(0, hash), relation: left.slice(hash + 1), subject });
};

function run(
  command: typeof runImport,
  open: ServiceOpener,
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO(process.env);
  return command(argv, io, open).then((code) => ({ code, out: io.out(), err: io.err() }));
}

function backendSuite(name: string, opener: () => Promise<RelgraphService>) {
  describe(`import and export (${name})`, () => {
    let service: RelgraphService;
    let open: ServiceOpener;
    const stores: string[] = [];
    const newStore = async () => {
      const store = `transfer-${randomBytes(4).toString("hex")}`;
      await service.createStore(store);
      await service.writeSchema(store, SCHEMA, "ZED");
      stores.push(store);
      return store;
    };

    beforeAll(async () => {
      service = await opener();
      open = sharing(service);
    });
    afterAll(async () => {
      for (const s of stores) await service.deleteStore(s).catch(() => undefined);
      await service.close();
    });

    it("loads NDJSON with 1 % bad lines: each reported with its line and reason, the rest in", async () => {
      const store = await newStore();
      const good = sampleLines(330); // 997 relationships
      const lines = good.map(ndjsonOf);
      // Ten bad lines spread through the file: syntax, refs, and ones only the schema refuses.
      const bad: [number, string][] = [
        [5, "{not json"],
        [100, JSON.stringify({ resource: "document", relation: "reader", subject: "user:x" })],
        [200, JSON.stringify({ resource: "document:x", relation: "reader" })],
        [300, JSON.stringify({ resource: "document:x", relation: "owner", subject: "user:x" })],
        [400, JSON.stringify({ resource: "nosuchtype:x", relation: "reader", subject: "user:x" })],
        [500, JSON.stringify({ resource: "document:x", relation: "parent", subject: "user:x" })],
        [600, "[1,2,3]"],
        [700, JSON.stringify({ resource: "document:x y", relation: "reader", subject: "user:x" })],
        [800, JSON.stringify({ resource: "document:x", relation: "reader", subject: "user:x#" })],
        [900, JSON.stringify({ resource: "document:x", relation: "view", subject: "user:x" })],
      ];
      for (const [at, text] of bad) lines.splice(at, 0, text);
      const file = join(dir, `${store}.ndjson`);
      writeFileSync(file, `${lines.join("\n")}\n`);

      const r = await run(runImport, open, file, "--store", store, "--batch-size", "100");
      expect(r.code).toBe(1);
      const reported = r.err
        .split("\n")
        .filter((l) => l.startsWith(`${file}:`))
        .map((l) => Number(l.slice(file.length + 1).split(":")[0]));
      expect(reported).toEqual(bad.map(([at]) => at + 1));
      expect(r.err).toMatch(/:401: SCHEMA_VIOLATION: /);
      expect(r.err).toMatch(/import: .*: 100%, 997 imported, 10 rejected/); // the plain progress line
      expect(r.out).toMatch(/^imported 997 relationships into store "transfer-[0-9a-f]+" \(10 rejected\)/);
      expect((await storeText(service, store)).sort()).toEqual([...good].sort());
    });

    it("round-trips every format exactly: export, import into a fresh store, export again", async () => {
      const source = await newStore();
      await service.writeRelationships(
        source,
        sampleLines(50).map((l) => ({ operation: "TOUCH", tuple: parseLine(l) })),
      );
      const expected = await storeText(service, source);
      for (const ext of ["ndjson", "txt", "yaml", "fga.yaml", "json", "csv"]) {
        const file = join(dir, `${source}.${ext}`);
        const exported = await run(runExport, open, "--store", source, "--output", file);
        expect(exported, ext).toMatchObject({
          code: 0,
          err: `exported ${expected.length} relationships to ${file}\n`,
        });
        const target = await newStore();
        const imported = await run(runImport, open, file, "--store", target, "--quiet");
        expect(imported.code, `${ext}: ${imported.err}`).toBe(0);
        expect(await storeText(service, target), ext).toEqual(expected);
        const again = join(dir, `${target}.${ext}`);
        await run(runExport, open, "--store", target, "--output", again);
        // The zed YAML carries the store's schema: the same in both stores.
        expect(readFileSync(again, "utf8"), ext).toBe(readFileSync(file, "utf8"));
      }
      // NDJSON on stdout: sorted by resource, relation, subject; keys in the contract's order.
      const stdout = await run(runExport, open, "--store", source, "--relation", "reader");
      expect(stdout.code).toBe(0);
      const rows = stdout.out.trim().split("\n");
      expect(rows[0]).toBe('{"resource":"document:d0","relation":"reader","subject":"user:u0"}');
      expect(rows).toHaveLength(50);
      expect(rows.map((r) => JSON.parse(r) as { resource: string }).map((r) => r.resource)).toEqual(
        expected.filter((t) => t.includes("#reader@")).map((t) => t.split("#")[0]),
      );
    });

    it("loads the peers' own files: SpiceDB validation YAML, OpenFGA tuple YAML, JSON and CSV", async () => {
      const zed = await newStore();
      const r = await run(runImport, open, "test/fixtures/validation/arrow-parent.yaml", "--store", zed);
      expect(r.code, r.err).toBe(0);
      expect(await storeText(service, zed)).toEqual([
        "document:readme#parent@folder:root",
        "document:readme#reader@user:bob",
        "folder:root#viewer@user:alice",
      ]);

      const fga = await newStore();
      await service.writeSchema(
        fga,
        readFileSync("test/fixtures/validation/schemas/documents.fga", "utf8"),
        "OPENFGA",
      );
      const files = ["yaml", "json", "csv"].map(
        (e) => `test/fixtures/validation/schemas/documents-tuples.${e}`,
      );
      const f = await run(runImport, open, ...files, "--store", fga, "--json");
      expect(f.code, f.err).toBe(0);
      expect(JSON.parse(f.out)).toMatchObject({ store: fga, imported: 5, rejected: 0 });
      expect(await storeText(service, fga)).toEqual([
        "document:1#viewer@user:anne",
        "document:2#owner@user:anne",
        "document:csv#editor@user:fred",
        "document:csv#viewer@user:erin",
        "document:json#viewer@user:dana",
      ]);
    });

    it("reads what the peers' export commands print: zed's spaced lines and fga tuple read's JSON", async () => {
      const zed = await newStore();
      const spaced = join(dir, `${zed}.txt`);
      // `zed relationship read` / `zed backup parse-relationships`: the first # and @ become spaces.
      writeFileSync(spaced, "document:readme reader user:bob\ndocument:readme reader group:eng#member\n");
      expect((await run(runImport, open, spaced, "--store", zed)).code).toBe(0);
      expect(await storeText(service, zed)).toEqual([
        "document:readme#reader@group:eng#member",
        "document:readme#reader@user:bob",
      ]);
      const fga = await newStore();
      await service.writeSchema(
        fga,
        readFileSync("test/fixtures/validation/schemas/documents.fga", "utf8"),
        "OPENFGA",
      );
      const read = join(dir, `${fga}.json`);
      writeFileSync(
        read,
        JSON.stringify({
          tuples: [
            {
              key: { user: "user:anne", relation: "viewer", object: "document:1" },
              timestamp: "2026-01-01T00:00:00Z",
            },
            {
              key: { user: "group:eng#member", relation: "viewer", object: "document:2" },
              timestamp: "2026-01-01T00:00:00Z",
            },
          ],
          continuation_token: "",
        }),
      );
      expect((await run(runImport, open, read, "--store", fga)).code).toBe(0);
      expect(await storeText(service, fga)).toEqual([
        "document:1#viewer@user:anne",
        "document:2#viewer@group:eng#member",
      ]);
    });

    it("stops at --max-errors with exit 2, and refuses what it cannot read with exit 2", async () => {
      const store = await newStore();
      const file = join(dir, `${store}.txt`);
      writeFileSync(file, ["bad one", "bad two", "document:a#reader@user:a", "bad three"].join("\n"));
      const r = await run(runImport, open, file, "--store", store, "--max-errors", "1");
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${file}:1: `);
      expect(r.err).toContain(`${file}:2: `);
      expect(r.err).toContain("more than 1 lines were rejected (--max-errors)");
      expect(await storeText(service, store)).toEqual([]);

      for (const [argv, message] of [
        [["nope.ndjson"], "nope.ndjson: no such file"],
        [[file, "--format", "xml"], "--format must be one of ndjson, lines, zed, fga"],
        [[file, "--batch-size", "5000"], "--batch-size must be a whole number from 1 to 1000"],
        [[join(dir, `${store}.dat`)], "no such file"],
        [[], "expected at least one FILE"],
      ] as const) {
        const bad = await run(runImport, open, ...argv);
        expect(bad.code, argv.join(" ")).toBe(2);
        expect(bad.err).toContain(message);
      }
      writeFileSync(join(dir, `${store}.dat`), "document:a#reader@user:a\n");
      const unknown = await run(runImport, open, join(dir, `${store}.dat`), "--store", store);
      expect(unknown).toMatchObject({ code: 2 });
      expect(unknown.err).toContain("cannot tell the format");
    });

    it("resumes an interrupted import, recommitting at most one batch", async () => {
      const store = await newStore();
      const lines = sampleLines(100); // 307 relationships
      const file = join(dir, `${store}.txt`);
      writeFileSync(file, lines.join("\n"));
      // The store goes away after three batches of 50.
      let writes = 0;
      const failing = sharing(
        overriding(service, {
          writeRelationships: async (...args) => {
            if (++writes > 3) throw new RelgraphError(ErrorCode.UNAVAILABLE, "Neo4j is unavailable");
            return service.writeRelationships(...args);
          },
        }),
      );
      const first = await run(runImport, failing, file, "--store", store, "--batch-size", "50");
      expect(first.code).toBe(2);
      expect(first.err).toContain("UNAVAILABLE");
      expect(first.err).toContain("--resume");
      expect(existsSync(checkpointPath(file))).toBe(true);
      expect(await storeText(service, store)).toHaveLength(150);

      const second = await run(
        runImport,
        open,
        file,
        "--store",
        store,
        "--batch-size",
        "50",
        "--resume",
        "--json",
      );
      expect(second.code).toBe(0);
      expect(JSON.parse(second.out)).toMatchObject({ imported: 157, skipped: 150, rejected: 0 });
      expect((await storeText(service, store)).sort()).toEqual([...lines].sort());
      expect(existsSync(checkpointPath(file))).toBe(false);
    });
  });
}

backendSuite("memory", () => openService("memory", {}));
backendSuite("Neo4j", () => openService("neo4j", process.env));

describe("an import killed half-way (a real process, SIGKILL) and resumed", () => {
  it("ends with exactly the file's relationships", async () => {
    const { spawn } = await import("node:child_process");
    const service = await openService("neo4j", process.env);
    const store = `transfer-kill-${randomBytes(4).toString("hex")}`;
    try {
      await service.createStore(store);
      await service.writeSchema(store, SCHEMA, "ZED");
      const lines = sampleLines(6000); // 18,007 relationships
      const file = join(dir, `${store}.ndjson`);
      writeFileSync(file, `${lines.map(ndjsonOf).join("\n")}\n`);
      const child = spawn(
        process.execPath,
        ["bin/relgraph.js", "import", file, "--store", store, "--batch-size", "200", "--quiet"],
        { env: process.env, stdio: "ignore" },
      );
      // Kill it once a few batches are in but long before the end.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const done = existsSync(checkpointPath(file))
          ? (JSON.parse(readFileSync(checkpointPath(file), "utf8")) as { records: number }).records
          : 0; // the checkpoint is replaced atomically: it always parses
        if (done >= 1000) break;
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error("the import ended before it was killed");
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const partial = (await storeText(service, store)).length;
      expect(partial).toBeGreaterThanOrEqual(1000);
      expect(partial).toBeLessThan(lines.length);

      const io = captureIO(process.env);
      const code = await runImport([file, "--store", store, "--resume", "--json", "--batch-size", "200"], io);
      expect(code, io.err()).toBe(0);
      const result = JSON.parse(io.out()) as { skipped: number; imported: number };
      // Resuming recommits at most one batch: what the checkpoint says was done is skipped.
      expect(result.skipped + result.imported).toBe(lines.length);
      expect(partial - result.skipped).toBeLessThanOrEqual(200);
      expect((await storeText(service, store)).sort()).toEqual([...lines].sort());
    } finally {
      await service.deleteStore(store).catch(() => undefined);
      await service.close();
    }
  }, 120_000);
});
