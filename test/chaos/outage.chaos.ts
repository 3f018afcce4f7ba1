/**
 * Issue 14's chaos acceptance (`npm run test:chaos`, not part of `npm test`): a Neo4j outage under
 * load, measured from outside as an operator would.
 *
 * It starts its OWN Neo4j (src/neo4jServer/localServer.ts, the cached jars, a temporary
 * RELGRAPH_STATE_DIR, free loopback ports — 27687/27474 when free) and a real `relgraph serve`
 * process on it, then runs 50 concurrent writers and 20 checkers (minimizeLatency, fullyConsistent,
 * atLeastAsFresh) over HTTP, and a /readyz poller, through two outages:
 *   1. SIGKILL Neo4j, hold it down 20 s, start it again;
 *   2. SIGSTOP Neo4j for 20 s (it accepts connections and never answers), then SIGCONT.
 * Asserted per scenario: zero INTERNAL and zero hangs; every answer within its deadline (+ slack);
 * requests that need Neo4j answer UNAVAILABLE or DEADLINE_EXCEEDED while it is down, and within 1 s
 * once the breaker has opened; minimizeLatency checks serve from the projection within the staleness
 * bound, then UNAVAILABLE, and do not flap after recovery; /readyz 503 within 2 s of the fault and
 * 200 within 2 s of Neo4j being ready; a write succeeds within 5 s of Neo4j being ready; the server
 * logged the outage and the recovery once each and was never restarted. At the end every
 * acknowledged write is in Neo4j. The timeline and the answer tally are printed and written to
 * bench/results/chaos-<time>.json. Everything it started is stopped, also on failure.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import neo4j, { type Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start, stop } from "../../src/neo4jServer/localServer.ts";
import { serveProcess, stopProcess, type Served } from "../acceptance/support.ts";

const WRITERS = 50;
const CHECKERS = 20;
const HOLD_MS = 20_000;
const WARMUP_MS = 5_000;
/** At most this long waiting for 100 acknowledged writes before the fault. */
const WARMUP_MAX_MS = 30_000;
/** After Neo4j is ready again: long enough to see writes succeed and checks settle. */
const AFTER_MS = 10_000;
const READ_DEADLINE_MS = 5_000;
const WRITE_DEADLINE_MS = 10_000;
const STALENESS_MS = 1_000;
/** Allowed lateness over a deadline (event loop, HTTP) on a busy 2-core machine. */
const SLACK_MS = 1_000;
/** A request with no answer by its deadline + this is a hang. */
const HANG_MS = 5_000;

const ROOT = new URL("../..", import.meta.url).pathname;

type Kind = "write" | "minimizeLatency" | "fullyConsistent" | "atLeastAsFresh";
interface Answer {
  readonly kind: Kind;
  readonly start: number;
  readonly end: number;
  /** "OK", an error code, "HANG" (no answer in time), or "HTTP_<status>" / "NETWORK" (no GraphQL answer). */
  readonly code: string;
  /** The error's message (for the report: what each code said). */
  readonly message?: string | undefined;
}
interface ReadyPoint {
  readonly at: number;
  readonly status: number;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

async function pickPort(preferred: number): Promise<number> {
  if (await portFree(preferred)) return preferred;
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const WRITE = `mutation($updates: [RelationshipUpdate!]!) {
  writeRelationships(store: "chaos", updates: $updates) { token } }`;
const CHECK = `query($subject: SubjectRef!, $consistency: Consistency) {
  check(store: "chaos", resource: "document:shared", permission: "view", subject: $subject, consistency: $consistency) { allowed } }`;
const SCHEMA = `definition user {}
definition document {
  relation viewer: user
  permission view = viewer
}
`;

describe("Neo4j outages under load (chaos)", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "relgraph-chaos-"));
  let env: Record<string, string> = {};
  let neo4jPid: number | undefined;
  let paused = false;
  let served: Served | undefined;
  let servedPid: number | undefined;
  let url = "";
  let password = "";
  let driver: Driver | undefined;
  const acked = new Set<string>();
  let latestToken = "";
  const report: Record<string, unknown> = {};
  const suiteStart = Date.now();

  async function gql(
    query: string,
    variables: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<{ code: string; message?: string; data?: Record<string, unknown> }> {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let body: {
        data?: Record<string, unknown>;
        errors?: { message?: string; extensions?: { code?: string } }[];
      };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        return { code: `HTTP_${res.status}` };
      }
      const error = body.errors?.[0];
      if (error) return { code: error.extensions?.code ?? "NO_CODE", message: error.message ?? "" };
      return { code: "OK", ...(body.data ? { data: body.data } : {}) };
    } catch (e) {
      const name = (e as Error).name;
      return { code: name === "TimeoutError" || name === "AbortError" ? "HANG" : "NETWORK" };
    }
  }

  async function neo4jReady(timeoutMs: number): Promise<boolean> {
    const d = neo4j.driver(
      `bolt://127.0.0.1:${env["RELGRAPH_NEO4J_BOLT_PORT"]}`,
      neo4j.auth.basic("neo4j", password),
      {
        telemetryDisabled: true,
        connectionTimeout: 1000,
      },
    );
    try {
      // Ready = the database answers a query (after a SIGKILL the server accepts Bolt before its
      // database has recovered).
      await Promise.race([
        d.executeQuery("RETURN 1", {}, { database: "neo4j" }),
        sleep(timeoutMs).then(() => Promise.reject(new Error("timeout"))),
      ]);
      return true;
    } catch {
      return false;
    } finally {
      void d.close().catch(() => {});
    }
  }

  beforeAll(async () => {
    const bolt = await pickPort(27687);
    const http = await pickPort(bolt === 27687 ? 27474 : 0);
    env = {
      RELGRAPH_STATE_DIR: stateDir,
      RELGRAPH_NEO4J_BOLT_PORT: String(bolt),
      RELGRAPH_NEO4J_HTTP_PORT: String(http),
      RELGRAPH_NEO4J_HEAP: "512m",
      RELGRAPH_NEO4J_PAGECACHE: "64m",
    };
    const r = await start({ env: { ...process.env, ...env }, log: (l) => console.log(`[chaos neo4j] ${l}`) });
    neo4jPid = r.pid;
    password = r.password;
    served = await serveProcess({
      NEO4J_URI: `bolt://127.0.0.1:${bolt}`,
      NEO4J_USER: "neo4j",
      NEO4J_PASSWORD: password,
      NEO4J_DATABASE: "neo4j",
      RELGRAPH_DEMO_STORES: "0",
      RELGRAPH_READ_DEADLINE_MS: String(READ_DEADLINE_MS),
      RELGRAPH_WRITE_DEADLINE_MS: String(WRITE_DEADLINE_MS),
      RELGRAPH_STALENESS_BOUND_MS: String(STALENESS_MS),
    });
    servedPid = served.child.pid;
    url = served.url;
    expect((await gql(`mutation { createStore(name: "chaos") { name } }`, {}, 30_000)).code).toBe("OK");
    expect(
      (
        await gql(
          `mutation($s: String!) { writeSchema(store: "chaos", schema: $s) { token } }`,
          { s: SCHEMA },
          30_000,
        )
      ).code,
    ).toBe("OK");
    driver = neo4j.driver(`bolt://127.0.0.1:${bolt}`, neo4j.auth.basic("neo4j", password), {
      telemetryDisabled: true,
    });
  });

  afterAll(async () => {
    if (neo4jPid !== undefined && paused) process.kill(neo4jPid, "SIGCONT");
    await driver?.close().catch(() => {});
    await stopProcess(served).catch(() => null);
    await stop({ env: { ...process.env, ...env } }).catch(() => false);
    if (process.env["RELGRAPH_CHAOS_KEEP"] === undefined) rmSync(stateDir, { recursive: true, force: true });
    console.log(`[chaos] suite took ${Math.round((Date.now() - suiteStart) / 1000)} s`);
  });

  /** Runs the load while `fault` injects an outage and brings Neo4j back; returns the timeline. */
  async function scenario(
    name: string,
    fault: () => void,
    recover: () => Promise<void>,
  ): Promise<{ tally: Record<string, number>; timeline: Record<string, number | null> }> {
    const answers: Answer[] = [];
    const ready: ReadyPoint[] = [];
    const logBefore = served!.output().length;
    let stopping = false;
    let seq = 0;

    const writer = async (w: number): Promise<void> => {
      while (!stopping) {
        const tuple = `document:${name}-w${w}-${seq++}#viewer@user:u${w}`;
        const t0 = Date.now();
        const r = await gql(
          WRITE,
          { updates: [{ operation: "TOUCH", relationship: tuple }] },
          WRITE_DEADLINE_MS + HANG_MS,
        );
        answers.push({ kind: "write", start: t0, end: Date.now(), code: r.code, message: r.message });
        if (r.code === "OK") {
          acked.add(tuple);
          const token = (r.data?.["writeRelationships"] as { token?: string } | undefined)?.token;
          if (token) latestToken = token;
        } else await sleep(250);
      }
    };
    const checker = async (c: number): Promise<void> => {
      const kind: Kind = (["minimizeLatency", "fullyConsistent", "atLeastAsFresh"] as const)[c % 3]!;
      while (!stopping) {
        const consistency =
          kind === "minimizeLatency"
            ? { minimizeLatency: true }
            : kind === "fullyConsistent"
              ? { fullyConsistent: true }
              : latestToken
                ? { atLeastAsFresh: latestToken }
                : { minimizeLatency: true };
        const t0 = Date.now();
        const r = await gql(CHECK, { subject: `user:u${c}`, consistency }, READ_DEADLINE_MS + HANG_MS);
        answers.push({ kind, start: t0, end: Date.now(), code: r.code, message: r.message });
        await sleep(r.code === "OK" ? 20 : 250);
      }
    };
    const readiness = async (): Promise<void> => {
      const base = new URL("/readyz", url);
      while (!stopping) {
        let status = 0;
        try {
          status = (await fetch(base, { signal: AbortSignal.timeout(3000) })).status;
        } catch {
          status = -1; // no answer within 3 s: a hanging probe
        }
        ready.push({ at: Date.now(), status });
        await sleep(100);
      }
    };

    const load = [
      ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
      ...Array.from({ length: CHECKERS }, (_, c) => checker(c)),
      readiness(),
    ];
    // Warm up until writes flow (a fresh or just-recovered Neo4j plans its queries first).
    const warmupUntil = Date.now() + WARMUP_MAX_MS;
    await sleep(WARMUP_MS);
    while (
      Date.now() < warmupUntil &&
      answers.filter((a) => a.code === "OK" && a.kind === "write").length < 100
    )
      await sleep(250);
    const tFault = Date.now();
    fault();
    await sleep(HOLD_MS);
    const tRestart = Date.now();
    await recover();
    const tReady = Date.now();
    await sleep(AFTER_MS);
    stopping = true;
    await Promise.all(load);

    const tally: Record<string, number> = {};
    for (const a of answers) tally[a.code] = (tally[a.code] ?? 0) + 1;
    const byKind: Record<string, Record<string, number>> = {};
    for (const a of answers) {
      const k = (byKind[a.kind] ??= {});
      k[a.code] = (k[a.code] ?? 0) + 1;
    }
    const after = (t: number) => (x: { end: number } | { at: number }) => ("end" in x ? x.end : x.at) >= t;
    const firstUnavailable = answers
      .filter((a) => a.code === "UNAVAILABLE" && a.end >= tFault)
      .reduce((m, a) => Math.min(m, a.end), Infinity);
    const first503 = ready.find((p) => after(tFault)(p) && p.status === 503)?.at;
    const first200 = ready.find((p) => after(tRestart)(p) && p.status === 200)?.at;
    const firstWrite = answers
      .filter((a) => a.kind === "write" && a.code === "OK" && a.start >= tRestart)
      .reduce((m, a) => Math.min(m, a.end), Infinity);
    const rel = (t: number | undefined) => (t === undefined || !Number.isFinite(t) ? null : t - tFault);
    const timeline = {
      fault: 0,
      firstUnavailable: rel(firstUnavailable),
      first503: rel(first503),
      restart: rel(tRestart),
      neo4jReady: rel(tReady),
      first200: rel(first200),
      firstSuccessfulWrite: rel(firstWrite),
    };
    const log = served!.output().slice(logBefore);
    const outageLines = log.split("\n").filter((l) => l.includes("Neo4j is unreachable"));
    const recoveryLines = log.split("\n").filter((l) => l.includes("Neo4j is reachable again"));
    console.log(
      `[chaos] ${name}: timeline (ms from the fault) ${JSON.stringify(timeline)}\n` +
        `[chaos] ${name}: answers by code ${JSON.stringify(tally)}; by kind ${JSON.stringify(byKind)}\n` +
        `[chaos] ${name}: server log: ${outageLines.length} outage line(s), ${recoveryLines.length} recovery line(s)`,
    );
    // Answers per second from the fault, by code (negative: warm-up).
    const perSecond: Record<string, Record<string, number>> = {};
    for (const a of answers) {
      const sec = String(Math.floor((a.end - tFault) / 1000));
      const b = (perSecond[sec] ??= {});
      b[a.code] = (b[a.code] ?? 0) + 1;
    }
    console.log(`[chaos] ${name}: answers per second from the fault ${JSON.stringify(perSecond)}`);
    const firstFailure = answers
      .filter((a) => a.code !== "OK")
      .reduce((m, a) => Math.min(m, a.end), Infinity);
    console.log(
      `[chaos] ${name}: first non-OK answer at ${rel(firstFailure)} ms; server log:\n${log.trim().split("\n").slice(0, 20).join("\n")}`,
    );
    // What each code said, first seen per phase (so a failing run says why without a rerun).
    const phase = (a: Answer) => (a.start < tFault ? "before" : a.start < tReady ? "outage" : "after");
    const messages: Record<string, string> = {};
    for (const a of answers)
      if (a.message !== undefined) messages[`${phase(a)} ${a.kind} ${a.code}`] ??= a.message.slice(0, 300);
    report[name] = {
      loadAverage: loadavg(),
      timeline,
      tally,
      byKind,
      messages,
      perSecond,
      outageLog: outageLines,
      recoveryLog: recoveryLines,
      serverLog: log.slice(0, 20_000),
    };

    // Zero INTERNAL, zero hangs, nothing but answers and the two outage codes.
    expect.soft(tally["INTERNAL"] ?? 0).toBe(0);
    expect.soft(tally["HANG"] ?? 0).toBe(0);
    // While Neo4j is down or coming back, nothing but answers and the two outage codes (outside,
    // a busy server may also say RESOURCE_EXHAUSTED: counted, not failed).
    const window = answers.filter((a) => a.start >= tFault && a.start <= tReady);
    expect
      .soft(
        [...new Set(window.map((a) => a.code))].filter(
          (c) => !["OK", "UNAVAILABLE", "DEADLINE_EXCEEDED"].includes(c),
        ),
      )
      .toEqual([]);
    // Every answer within its deadline (+ slack).
    const late = answers.filter(
      (a) => a.end - a.start > (a.kind === "write" ? WRITE_DEADLINE_MS : READ_DEADLINE_MS) + SLACK_MS,
    );
    expect.soft(late.map((a) => `${a.kind} ${a.code} ${a.end - a.start} ms`)).toEqual([]);
    // While Neo4j is down, what needs it answers UNAVAILABLE or DEADLINE_EXCEEDED…
    // (atLeastAsFresh with a token the projection already holds is answered from it, like
    // minimizeLatency: it does not need Neo4j.)
    const needsNeo4j = (a: Answer) => a.kind === "write" || a.kind === "fullyConsistent";
    const duringOutage = answers.filter((a) => needsNeo4j(a) && a.start >= tFault && a.end <= tRestart);
    expect.soft(duringOutage.filter((a) => a.code === "OK")).toEqual([]);
    // …within 1 s once the breaker has opened (the first 503 shows it has).
    const failFast = answers.filter(
      (a) => needsNeo4j(a) && first503 !== undefined && a.start >= first503 && a.end <= tRestart,
    );
    expect.soft(failFast.length).toBeGreaterThan(0);
    expect
      .soft(failFast.filter((a) => a.end - a.start > 1000).map((a) => `${a.kind} ${a.end - a.start} ms`))
      .toEqual([]);
    // minimizeLatency: answers from the projection only within the staleness bound, then UNAVAILABLE…
    const staleOk = answers.filter(
      (a) =>
        a.kind === "minimizeLatency" &&
        a.code === "OK" &&
        a.start >= tFault + STALENESS_MS + SLACK_MS &&
        a.end <= tRestart,
    );
    expect.soft(staleOk).toEqual([]);
    // …and no flapping after recovery: once a client has seen OK again, no check it sends after
    // that answers UNAVAILABLE. (Ordered by when the OK was received, not by start: a request sent
    // earlier may reach the server later, over a new connection, and still find it stale.)
    const ml = answers.filter((a) => a.kind === "minimizeLatency" && a.start >= tRestart);
    const firstOkAt = Math.min(...ml.filter((a) => a.code === "OK").map((a) => a.end));
    expect.soft(Number.isFinite(firstOkAt)).toBe(true);
    expect.soft(ml.filter((a) => a.start > firstOkAt && a.code !== "OK").length).toBe(0);
    // /readyz: 503 within 2 s of the fault, never a hang, 200 within 2 s of Neo4j being ready.
    expect.soft(ready.filter((p) => p.status === -1)).toEqual([]);
    expect.soft(timeline.first503 ?? Infinity).toBeLessThanOrEqual(2000);
    const opened = first503 ?? tFault + 2000;
    expect.soft(ready.filter((p) => p.at >= opened && p.at <= tRestart && p.status === 200)).toEqual([]);
    expect.soft((first200 ?? Infinity) - tReady).toBeLessThanOrEqual(2000);
    // Writes succeed within 5 s of Neo4j being ready.
    expect.soft(Number.isFinite(firstWrite)).toBe(true);
    expect.soft(firstWrite - tReady).toBeLessThanOrEqual(5000);
    // The server logged the outage and the recovery once each, and it is the same process.
    expect.soft(outageLines.length).toBe(1);
    expect.soft(recoveryLines.length).toBe(1);
    expect.soft(served!.child.exitCode).toBeNull();
    expect.soft(served!.child.pid).toBe(servedPid);
    return { tally, timeline };
  }

  it("survives SIGKILL of Neo4j held down 20 s, then SIGSTOP for 20 s; no acknowledged write is lost", async () => {
    await scenario(
      "kill",
      () => process.kill(neo4jPid!, "SIGKILL"),
      async () => {
        const r = await start({ env: { ...process.env, ...env }, timeoutMs: 300_000 });
        neo4jPid = r.pid;
        while (!(await neo4jReady(1000))) await sleep(50);
      },
    );
    await scenario(
      "pause",
      () => {
        process.kill(neo4jPid!, "SIGSTOP");
        paused = true;
      },
      async () => {
        process.kill(neo4jPid!, "SIGCONT");
        paused = false;
        while (!(await neo4jReady(1000))) await sleep(50);
      },
    );

    // Every acknowledged write is in Neo4j.
    const rows = await driver!.executeQuery(
      "MATCH (r:`document` {store: 'chaos'})-[:`viewer`]->(s:`user` {store: 'chaos'}) RETURN r.id AS r, s.id AS s",
      {},
      { database: "neo4j" },
    );
    const stored = new Set(
      rows.records.map((x) => `document:${String(x.get("r"))}#viewer@user:${String(x.get("s"))}`),
    );
    const missing = [...acked].filter((t) => !stored.has(t));
    report["acknowledgedWrites"] = acked.size;
    report["missingWrites"] = missing.length;
    report["suiteMs"] = Date.now() - suiteStart;
    const dir = join(ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `chaos-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`[chaos] ${acked.size} acknowledged writes, ${missing.length} missing; report: ${file}`);
    expect(acked.size).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
