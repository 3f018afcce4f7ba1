/**
 * The API fuzzer (issue 14): grammar-generated requests (test/fuzz/generators.ts) over real HTTP on
 * loopback to two real servers in a child process (test/fuzz/server.ts), one on the test Neo4j and
 * one on a memory store, four requests in flight.
 *
 * Asserted: no INTERNAL and no HTTP 500; every answer is a valid result or errors that each carry a
 * code of the closed enum, within the deadline; the server process never crashes and logs no
 * internal error; the control store is unchanged; heapUsed after forced GCs stays within 20 % of
 * its value before (measured after a warm-up that fills the bounded caches); a probe client's
 * minimizeLatency checks, on their own thread, keep p99 ≤ 50 ms (asserted when the machine is not
 * oversubscribed: load average at most its CPU count); at least half the requests reach a resolver. The tally (by class and by code) is printed and written as JSON.
 *
 * `npm test` runs RELGRAPH_FUZZ_RUNS=500 by default; `npm run test:fuzz` runs 10,000.
 * RELGRAPH_FUZZ_PROFILE_DIR=DIR writes the server's CPU profiles to DIR.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/errors.ts";
import { fuzzRequest, type FuzzRequest } from "./generators.ts";

const RUNS = Number(process.env["RELGRAPH_FUZZ_RUNS"] ?? "500");
const SEED = Number(process.env["RELGRAPH_FUZZ_SEED"] ?? "14");
const IN_FLIGHT = 4;
/** Every answer within this (the write deadline of issue 14). */
const DEADLINE_MS = 10_000;
/**
 * The server answers DEADLINE_EXCEEDED when the deadline passes; the answer then still crosses the
 * event loop and HTTP (the chaos suite allows the same on a busy 2-core machine).
 */
const SLACK_MS = 1_000;
const CODES = new Set<string>(Object.values(ErrorCode));

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly ms: number;
  readonly error?: string;
}

let child: ChildProcess;
let urls: { neo: string; mem: string };
const serverLogs: string[] = [];
let exited: string | undefined;
/** The fuzz server's last heap report (heapUsed, and the sub-result cache's entries). */
let lastHeap: Record<string, unknown> = {};
const pending = new Map<string, (m: Record<string, unknown>) => void>();

function ask<T>(message: string, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${key} from the fuzz server`)), 60_000);
    pending.set(key, (m) => {
      clearTimeout(timer);
      resolve(m[key] as T);
    });
    child.send(message);
  });
}

beforeAll(async () => {
  // RELGRAPH_FUZZ_PROFILE_DIR=DIR: the server writes V8 CPU profiles there (what holds its loop).
  const profileDir = process.env["RELGRAPH_FUZZ_PROFILE_DIR"];
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  child = spawn(process.execPath, ["--expose-gc", ...profile, "bin/run-ts.js", "test/fuzz/server.ts"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  child.on("exit", (code, signal) => {
    exited = `exit ${code ?? ""} ${signal ?? ""}`;
  });
  child.on("message", (m: Record<string, unknown>) => {
    if (typeof m["log"] === "string") serverLogs.push(m["log"]);
    if ("heap" in m) lastHeap = m;
    for (const [key, resolve] of pending)
      if (key in m) {
        pending.delete(key);
        resolve(m);
      }
  });
  urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the fuzz server did not start")), 120_000);
    pending.set("ready", (m) => {
      clearTimeout(timer);
      resolve(m["ready"] as { neo: string; mem: string });
    });
  });
}, 180_000);

afterAll(async () => {
  if (child && exited === undefined) await ask("close", "closed").catch(() => child.kill());
});

const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT * 2 });

/**
 * One request. A keep-alive socket the server closed (its 5 s idle timeout) just as the agent
 * reused it fails with ECONNRESET before any byte of the answer: Node's documented race
 * (`request.reusedSocket`), retried once on a fresh socket. Any other network error is reported.
 */
async function send(r: FuzzRequest): Promise<Answer> {
  const first = await sendOnce(r);
  return first.error !== undefined && first.reused === true ? sendOnce(r) : first;
}

function sendOnce(r: FuzzRequest): Promise<Answer & { reused?: boolean }> {
  const base = new URL(r.server === "neo" ? urls.neo : urls.mem);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: base.hostname, port: base.port, path: r.path, method: r.method, headers: r.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8"),
            ms: performance.now() - started,
          }),
        );
        res.on("error", (e) =>
          resolve({ status: 0, text: "", ms: performance.now() - started, error: e.message }),
        );
      },
    );
    req.setTimeout(DEADLINE_MS * 2, () => req.destroy(new Error("client timeout")));
    req.on("error", (e) =>
      resolve({
        status: 0,
        text: "",
        ms: performance.now() - started,
        error: e.message,
        reused: req.reusedSocket && (e as NodeJS.ErrnoException).code === "ECONNRESET",
      }),
    );
    req.end(r.body);
  });
}

interface Outcome {
  readonly code: string;
  readonly reachedResolver: boolean;
  readonly violation?: string;
}

/** Classifies an answer; `violation` says what is wrong with it, if anything. */
function judge(r: FuzzRequest, a: Answer): Outcome {
  if (a.error !== undefined)
    return { code: "NETWORK", reachedResolver: false, violation: `network error ${a.error}` };
  if (a.ms > DEADLINE_MS + SLACK_MS)
    return { code: "SLOW", reachedResolver: false, violation: `answered in ${a.ms} ms` };
  if (a.status >= 500)
    return { code: `HTTP_${a.status}`, reachedResolver: false, violation: `HTTP ${a.status}` };
  let body: {
    data?: Record<string, unknown> | null;
    errors?: { message?: unknown; path?: unknown; extensions?: { code?: unknown } }[];
  };
  try {
    body = JSON.parse(a.text) as typeof body;
  } catch {
    return { code: "NOT_JSON", reachedResolver: false, violation: `not JSON (HTTP ${a.status})` };
  }
  const errors = body.errors ?? [];
  for (const e of errors) {
    const code = e.extensions?.code;
    if (typeof code !== "string" || !CODES.has(code))
      return {
        code: String(code),
        reachedResolver: false,
        violation: `error without a known code: ${JSON.stringify(e).slice(0, 300)}`,
      };
    if (code === ErrorCode.INTERNAL)
      return { code, reachedResolver: false, violation: `INTERNAL: ${String(e.message)}` };
    if (typeof e.message !== "string" || e.message.length > 10_000)
      return { code, reachedResolver: false, violation: `message of ${String(e.message).length} characters` };
  }
  const data = body.data;
  const hasData = data !== null && data !== undefined && Object.values(data).some((v) => v !== null);
  if (errors.length === 0 && (data === null || data === undefined))
    return { code: "EMPTY", reachedResolver: false, violation: "neither data nor errors" };
  // A resolver ran when it answered (data) or failed with a path (a field error).
  const reached = hasData || errors.some((e) => Array.isArray(e.path));
  const code = errors.length > 0 ? String(errors[0]!.extensions!.code) : "OK";
  void r;
  return { code, reachedResolver: reached };
}

const PROBE = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(workerData.url);
const body = JSON.stringify({ query: '{ check(store: "fuzzctl", resource: "document:d0", permission: "view", subject: "user:u0", consistency: {minimizeLatency: true}) { allowed } }' });
let stop = false;
const samples = [];
let failures = 0;
const failed = [];
parentPort.on("message", () => { stop = true; });
function once() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent,
      headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => { if (!text.includes('"allowed":true')) { failures++; if (failed.length < 5) failed.push(text.slice(0, 300)); } resolve(performance.now() - t0); });
    });
    req.on("error", (e) => { failures++; failed.push(String(e)); resolve(performance.now() - t0); });
    req.end(body);
  });
}
(async () => {
  while (!stop) {
    samples.push(await once());
    await new Promise((r) => setTimeout(r, 5));
  }
  parentPort.postMessage({ samples, failures, failed });
})();
`;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function controlSnapshot(): Promise<string> {
  const answer = await send({
    cls: "control",
    method: "POST",
    path: "/graphql",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `{ schema(store: "fuzzctl") { text } relationships(store: "fuzzctl", first: 1000) { edges { node { relationship } } } stores { name revision } }`,
    }),
    server: "neo",
  });
  const memAnswer = await send({
    cls: "control",
    method: "POST",
    path: "/graphql",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `{ schema(store: "fuzzctl") { text } relationships(store: "fuzzctl", first: 1000) { edges { node { relationship } } } }`,
    }),
    server: "mem",
  });
  const parse = (t: string) => {
    const d = (JSON.parse(t) as { data: Record<string, unknown> }).data;
    const revision = (d["stores"] as { name: string; revision: number }[] | undefined)?.find(
      (s) => s.name === "fuzzctl",
    )?.revision;
    return { schema: d["schema"], relationships: d["relationships"], revision };
  };
  return JSON.stringify({ neo: parse(answer.text), mem: parse(memAnswer.text) });
}

describe(`API fuzz (${RUNS} requests, seed ${SEED})`, () => {
  it(
    "answers every generated request with a result or a coded error, never INTERNAL, without leaking heap or stalling checks",
    async () => {
      const requests = fc.sample(fuzzRequest, { numRuns: RUNS, seed: SEED });
      const warmup = Math.min(Math.floor(RUNS / 2), 2000);
      const control = await controlSnapshot();
      expect(JSON.parse(control).neo.relationships.edges).toHaveLength(59);

      const tally = {
        runs: RUNS,
        seed: SEED,
        inFlight: IN_FLIGHT,
        byClass: {} as Record<string, Record<string, number>>,
        byCode: {} as Record<string, number>,
        byServer: { neo: 0, mem: 0 },
        /** Per class: requests, p50 and max latency (ms). */
        latencyByClass: {} as Record<string, { n: number; p50: number; max: number }>,
        reachedResolver: 0,
        reachedShare: 0,
        latencyMs: { p50: 0, p99: 0, max: 0 },
        probe: { count: 0, failures: 0, failed: [] as string[], p50: 0, p99: 0, max: 0 },
        heap: { before: 0, after: 0, ratio: 0, subResultCacheEntries: undefined as unknown },
        /** The server's event-loop delay while the probe ran (how long requests held the loop). */
        eventLoopDelayMs: { p50: 0, p99: 0, max: 0 },
        /** CPU load while the fuzzer ran (1-minute average; the probe's p99 depends on it). */
        loadAverage: 0,
        violations: [] as string[],
      };
      const latencies: number[] = [];
      const classLatencies = new Map<string, number[]>();

      async function run(batch: readonly FuzzRequest[]): Promise<void> {
        let next = 0;
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < batch.length) {
              const r = batch[next++]!;
              const answer = await send(r);
              const outcome = judge(r, answer);
              latencies.push(answer.ms);
              const own = classLatencies.get(r.cls) ?? [];
              own.push(answer.ms);
              classLatencies.set(r.cls, own);
              const cls = (tally.byClass[r.cls] ??= {});
              cls[outcome.code] = (cls[outcome.code] ?? 0) + 1;
              tally.byCode[outcome.code] = (tally.byCode[outcome.code] ?? 0) + 1;
              tally.byServer[r.server]++;
              if (outcome.reachedResolver) tally.reachedResolver++;
              if (outcome.violation && tally.violations.length < 30)
                tally.violations.push(
                  `${r.cls} → ${outcome.violation} | request ${String(r.body ?? r.path).slice(0, 200)} | answer ${answer.text.slice(0, 300)}`,
                );
            }
          }),
        );
      }

      // Warm-up: fills the bounded caches (documents, projections, lookups) before heap is measured.
      await run(requests.slice(0, warmup));
      const heapBefore = await ask<number>("heap", "heap");
      const probe = new Worker(PROBE, { eval: true, workerData: { url: urls.neo } });
      const probeDone = new Promise<{ samples: number[]; failures: number; failed: string[] }>((resolve) =>
        probe.once("message", resolve),
      );
      await run(requests.slice(warmup));
      probe.postMessage("stop");
      const probeResult = await probeDone;
      await probe.terminate();
      tally.eventLoopDelayMs = await ask<{ p50: number; p99: number; max: number }>("loop", "loop");
      const heapAfter = await ask<number>("heap", "heap");

      tally.loadAverage = Number(loadavg()[0]!.toFixed(2));
      tally.reachedShare = Number((tally.reachedResolver / RUNS).toFixed(3));
      tally.latencyMs = {
        p50: Number(percentile(latencies, 50).toFixed(1)),
        p99: Number(percentile(latencies, 99).toFixed(1)),
        max: Number(percentile(latencies, 100).toFixed(1)),
      };
      for (const [cls, values] of [...classLatencies].sort(([x], [y]) => x.localeCompare(y)))
        tally.latencyByClass[cls] = {
          n: values.length,
          p50: Number(percentile(values, 50).toFixed(1)),
          max: Number(percentile(values, 100).toFixed(1)),
        };
      tally.probe = {
        count: probeResult.samples.length,
        failures: probeResult.failures,
        failed: probeResult.failed,
        p50: Number(percentile(probeResult.samples, 50).toFixed(2)),
        p99: Number(percentile(probeResult.samples, 99).toFixed(2)),
        max: Number(percentile(probeResult.samples, 100).toFixed(2)),
      };
      tally.heap = {
        before: heapBefore,
        after: heapAfter,
        ratio: Number((heapAfter / heapBefore).toFixed(3)),
        subResultCacheEntries: lastHeap["cache"],
      };

      const file =
        RUNS >= 10_000
          ? join(process.cwd(), "bench", "results", "fuzz-tally.json")
          : join(tmpdir(), `relgraph-fuzz-tally-${process.pid}.json`);
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, `${JSON.stringify(tally, null, 2)}\n`);
      console.log(`fuzz tally (${file}):\n${JSON.stringify(tally, null, 2)}`);

      const internalLogs = serverLogs.filter((l) =>
        /internal error|unexpected error|Maximum call stack/i.test(l),
      );
      // What the server said about an INTERNAL answer (the violations only show the answer).
      if (internalLogs.length > 0) console.error(`server log:\n${internalLogs.join("\n")}`);
      expect(tally.violations).toEqual([]);
      expect(exited).toBeUndefined();
      expect(internalLogs).toEqual([]);
      expect(await controlSnapshot()).toBe(control);
      expect(tally.reachedResolver / RUNS).toBeGreaterThanOrEqual(0.5);
      expect(heapAfter).toBeLessThanOrEqual(heapBefore * 1.2);
      expect(probeResult.failed).toEqual([]);
      expect(probeResult.failures).toBe(0);
      expect(probeResult.samples.length).toBeGreaterThan(10);
      // The probe measures the server, not other tenants of the machine: with more runnable work
      // than CPUs (load average above the CPU count), a 1 ms check waits for a core and p99 says
      // nothing about Relgraph; the tally keeps the figures either way.
      if (tally.loadAverage <= availableParallelism()) expect(tally.probe.p99).toBeLessThanOrEqual(50);
      else console.warn(`probe p99 ${tally.probe.p99} ms not asserted: load average ${tally.loadAverage}`);
    },
    30 * 60_000,
  );
});
