/**
 * Import benchmark (issue 15's acceptance): N relationships (default 1,000,000) from an NDJSON file
 * through a running server — `relgraph serve` as a child process on Neo4j, and `relgraph import
 * FILE --endpoint URL` as another, exactly as a user runs them. Reports the wall time, the rate,
 * the CLI's peak RSS (its own `process.resourceUsage().maxRSS`, written at exit) and checks the
 * store holds N relationships afterwards; then deletes the store.
 *
 *   npm run bench:import                 (1,000,000)
 *   npm run bench:import -- --count 100000
 * Needs Neo4j (NEO4J_URI, or the local server: `relgraph neo4j start`).
 * Results: bench/results/import-<timestamp>.json
 */
import { spawn } from "node:child_process";
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { serveProcess, stopProcess, uniqueStoreName } from "../test/acceptance/support.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const arg = (name: string): string | undefined =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const COUNT = Number(arg("--count") ?? 1_000_000);

const SCHEMA = `definition user {}
definition group {
  relation member: user | group#member
}
definition document {
  relation viewer: user | group#member
  relation editor: user
  permission view = viewer + editor
}
`;

/** A deterministic world of distinct relationships: documents with viewers and editors, groups with members. */
async function writeFile(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i++) {
    const k = i % 10;
    const line =
      k < 6
        ? { resource: `document:d${i}`, relation: "viewer", subject: `user:u${i % 50_000}` }
        : k < 8
          ? { resource: `document:d${i - 1}`, relation: "editor", subject: `user:u${(i * 7) % 50_000}` }
          : k === 8
            ? { resource: `group:g${i % 20_000}`, relation: "member", subject: `user:u${Math.floor(i / 10)}` }
            : { resource: `document:d${i}`, relation: "viewer", subject: `group:g${i % 20_000}#member` };
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

/** Runs the CLI; resolves with its exit code, output and peak RSS (bytes). */
async function cli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; maxRssBytes: number }> {
  const rssFile = join(tmpdir(), `relgraph-rss-${process.pid}-${Date.now()}`);
  // A preloaded hook reports the CLI's own peak RSS at exit (no external `time` needed).
  const hookFile = `${rssFile}.cjs`;
  writeFileSync(
    hookFile,
    `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS * 1024)));\n`,
  );
  const child = spawn(process.execPath, ["--require", hookFile, "bin/relgraph.js", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  let maxRssBytes = 0;
  try {
    maxRssBytes = Number(readFileSync(rssFile, "utf8"));
    rmSync(rssFile);
    rmSync(hookFile);
  } catch {
    // no report: the process died before exit handlers ran
  }
  return { code, stdout, stderr, maxRssBytes };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "relgraph-import-bench-"));
  const file = join(dir, "relationships.ndjson");
  const t0 = Date.now();
  await writeFile(file, COUNT);
  console.log(
    `file: ${COUNT.toLocaleString("en")} relationships, ${(statSync(file).size / 1e6).toFixed(1)} MB (${Date.now() - t0} ms)`,
  );

  const served = await serveProcess();
  const store = uniqueStoreName("bench-import");
  const env = { RELGRAPH_ENDPOINT: served.url };
  try {
    const created = await cli(["store", "create", store], env);
    if (created.code !== 0) throw new Error(`store create: ${created.stderr}`);
    const schemaFile = join(dir, "schema.zed");
    writeFileSync(schemaFile, SCHEMA);
    const schema = await cli(["schema", "write", schemaFile, "--store", store], env);
    if (schema.code !== 0) throw new Error(`schema write: ${schema.stderr}`);

    const start = Date.now();
    const run = await cli(["import", file, "--store", store], env);
    const ms = Date.now() - start;
    if (run.code !== 0) throw new Error(`import exited ${run.code}: ${run.stderr.slice(-2000)}`);
    const rate = COUNT / (ms / 1000);
    const progressLines = run.stderr.split("\n").filter((l) => l.trim() !== "");
    console.log(
      `import: ${COUNT.toLocaleString("en")} relationships in ${(ms / 1000).toFixed(1)} s = ${Math.round(rate).toLocaleString("en")}/s; ` +
        `CLI peak RSS ${(run.maxRssBytes / 1048576).toFixed(0)} MB; ${progressLines.length} progress lines, last: ${progressLines.at(-1) ?? "(none)"}`,
    );

    const counted = await cli(
      ["export", "--store", store, "--format", "lines", "--output", join(dir, "out.txt")],
      env,
    );
    if (counted.code !== 0) throw new Error(`export: ${counted.stderr}`);
    const exported = readFileSync(join(dir, "out.txt"), "utf8")
      .split("\n")
      .filter((l) => l !== "").length;
    console.log(`export: ${exported.toLocaleString("en")} relationships in the store`);
    if (exported !== COUNT)
      throw new Error(`expected ${COUNT} relationships in the store, found ${exported}`);

    const results = join(ROOT, "bench", "results");
    mkdirSync(results, { recursive: true });
    const out = join(results, `import-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    writeFileSync(
      out,
      `${JSON.stringify({ count: COUNT, ms, perSecond: Math.round(rate), cliMaxRssBytes: run.maxRssBytes, progressLines: progressLines.slice(-5) }, null, 2)}\n`,
    );
    console.log(`results: ${out}`);
  } finally {
    await cli(["store", "delete", store], env).catch(() => null);
    await stopProcess(served);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
