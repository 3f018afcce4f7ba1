/** Helpers for the API tests: a server on 127.0.0.1:0 over a FakeService, and raw HTTP requests. */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { afterEach } from "vitest";
import { startServer, type RunningServer, type ServerOptions } from "../../src/api/server.ts";
import { FakeService } from "./fakeService.ts";

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: GraphQLResponse | undefined;
}

export interface GraphQLErrorJson {
  readonly message: string;
  readonly locations?: readonly { line: number; column: number }[];
  readonly path?: readonly (string | number)[];
  readonly extensions: Record<string, unknown> & { code: string };
}

export interface GraphQLResponse {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly GraphQLErrorJson[];
  readonly status?: string;
}

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** Starts a server for one test (closed after it). */
export async function serve(
  options: Partial<ServerOptions> = {},
): Promise<{ server: RunningServer; service: FakeService; logs: string[] }> {
  const service = options.service instanceof FakeService ? options.service : new FakeService();
  const logs: string[] = [];
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: (l) => logs.push(l),
    ...options,
    service,
  });
  running.push(server);
  return { server, service, logs };
}

/** One HTTP request with full control over headers (fetch would add or forbid some). */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? "GET", headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: GraphQLResponse | undefined;
          try {
            json = JSON.parse(text) as GraphQLResponse;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** POSTs a GraphQL operation as JSON. */
export function gql(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return http(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(variables ? { query, variables } : { query }),
  });
}

/** The errors of a response (fails the test when there are none). */
export function errorsOf(answer: HttpAnswer): readonly GraphQLErrorJson[] {
  const errors = answer.json?.errors;
  if (!errors || errors.length === 0) throw new Error(`expected errors, got ${answer.status} ${answer.text}`);
  return errors;
}

/** The data of a response (fails the test when there are errors). */
export function dataOf(answer: HttpAnswer): Record<string, unknown> {
  if (answer.json?.errors || !answer.json?.data)
    throw new Error(`expected data, got ${answer.status} ${answer.text}`);
  return answer.json.data;
}

/** No error anywhere in a response carries a stack trace or server internals. */
export function expectNoLeaks(answer: HttpAnswer): void {
  for (const needle of ["stacktrace", "    at ", ".ts:", "MATCH (", "Neo4jError", "/srv/", "/secret/"])
    if (answer.text.includes(needle))
      throw new Error(`response leaks ${JSON.stringify(needle)}: ${answer.text}`);
}
