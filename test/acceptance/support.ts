/**
 * Helpers for the acceptance tests: `relgraph serve` as a separate OS process on the test Neo4j
 * (the global setup exports NEO4J_URI / NEO4J_PASSWORD), GraphQL over HTTP, unique store names.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

const ROOT = new URL("../..", import.meta.url).pathname;

const run = Math.random().toString(36).slice(2, 8);
let counter = 0;
/** A store name no other test or parallel test file uses. */
export function uniqueStoreName(prefix: string): string {
  counter++;
  return `${prefix}-${run}-${counter}`.slice(0, 63);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Served {
  readonly child: ChildProcess;
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:40123/graphql`. */
  readonly url: string;
  readonly output: () => string;
}

/** Spawns `node bin/relgraph.js serve` on a free loopback port; resolves once it prints its URL. */
export async function serveProcess(extraEnv: Record<string, string> = {}): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, ["bin/relgraph.js", "serve"], {
    cwd: ROOT,
    env: {
      ...process.env,
      RELGRAPH_HOST: "127.0.0.1",
      RELGRAPH_PORT: String(port),
      RELGRAPH_DEMO_STORES: "0",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL:\n${out}`)), 180_000);
    const poll = setInterval(() => {
      const m = /Relgraph GraphQL API: (\S+)/.exec(out);
      if (m?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(m[1]);
      }
    }, 25);
    child.once("exit", (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
  return { child, url, output: () => out };
}

/** SIGTERM and wait for the exit code. */
export async function stopProcess(s: Served | undefined): Promise<number | null> {
  if (!s || s.child.exitCode !== null) return s?.child.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => s.child.once("exit", (code) => resolve(code)));
  s.child.kill("SIGTERM");
  return exited;
}

export interface GraphQLError {
  readonly message: string;
  readonly extensions?: { readonly code?: string } & Record<string, unknown>;
}

export interface GraphQLResponse<T> {
  readonly data?: T | null;
  readonly errors?: readonly GraphQLError[];
}

/** One GraphQL POST; the parsed body (HTTP errors with a GraphQL body are returned, not thrown). */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  try {
    return JSON.parse(text) as GraphQLResponse<T>;
  } catch {
    throw new Error(`HTTP ${res.status}: not JSON: ${text.slice(0, 200)}`);
  }
}

/** The data of a response that must have no errors. */
export async function gqlData<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const r = await gql<T>(url, query, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors ?? r)}`);
  return r.data;
}

/** `extensions.code` of the first error (undefined when the response has none). */
export function errorCode(r: GraphQLResponse<unknown>): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}
