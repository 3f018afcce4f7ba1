/** The HTTP server: origins, API keys, bind safety, health, body limits, graceful shutdown. */
import { describe, expect, it } from "vitest";
import { RelgraphError } from "../../src/errors.ts";
import { startServer } from "../../src/api/server.ts";
import { FakeService } from "./fakeService.ts";
import { dataOf, errorsOf, expectNoLeaks, gql, http, serve } from "./harness.ts";

const QUERY = `{ stores { name } }`;

describe("cross-origin requests", () => {
  it("refuses any Origin when none is configured", async () => {
    const { server, service } = await serve();
    const answer = await gql(server.url, QUERY, undefined, { origin: "https://evil.example" });
    expect(answer.status).toBe(403);
    expect(errorsOf(answer)[0]?.extensions.code).toBe("PERMISSION_DENIED");
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
    const preflight = await http(server.url, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    expect(service.calls).toEqual([]);
  });

  it("accepts requests without Origin (curl, servers)", async () => {
    const { server } = await serve();
    expect(dataOf(await gql(server.url, QUERY))).toEqual({ stores: [{ name: "default" }] });
  });

  it("answers in compact JSON that no cache may keep", async () => {
    const { server } = await serve();
    const answer = await gql(server.url, QUERY);
    expect(answer.headers["cache-control"]).toBe("no-store");
    expect(answer.text).toBe(JSON.stringify({ data: { stores: [{ name: "default" }] } }));
  });

  it("serves a configured origin, answers its preflight, refuses another", async () => {
    const { server } = await serve({ corsOrigins: ["https://app.example.com", "http://localhost:5173/"] });
    const preflight = await http(server.url, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(preflight.headers["access-control-allow-methods"]).toContain("POST");
    expect(preflight.headers["access-control-allow-headers"]).toContain("authorization");
    const answer = await gql(server.url, QUERY, undefined, { origin: "https://app.example.com" });
    expect(answer.status).toBe(200);
    expect(answer.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(answer.headers["vary"]).toContain("Origin");
    // Configured with a trailing slash: the browser's Origin has none.
    expect((await gql(server.url, QUERY, undefined, { origin: "http://localhost:5173" })).status).toBe(200);
    expect(
      (await gql(server.url, QUERY, undefined, { origin: "https://app.example.com.evil.example" })).status,
    ).toBe(403);
    expect((await gql(server.url, QUERY, undefined, { origin: "null" })).status).toBe(403);
  });

  it("answers OPTIONS without Origin with the allowed methods, and no CORS headers", async () => {
    const { server } = await serve({ corsOrigins: ["https://app.example.com"] });
    const answer = await http(server.url, { method: "OPTIONS" });
    expect(answer.status).toBe(204);
    expect(answer.headers["allow"]).toBe("GET, POST, OPTIONS");
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("keeps Apollo's CSRF prevention for simple requests", async () => {
    const { server, service } = await serve();
    const get = await http(`${server.url}?query=${encodeURIComponent(QUERY)}`);
    expect(get.status).toBe(400);
    expect(errorsOf(get)[0]?.extensions.code).toBe("INVALID_ARGUMENT");
    expect(errorsOf(get)[0]?.message).toContain("Cross-Site Request Forgery");
    const textPlain = await http(server.url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(textPlain.status).toBe(400);
    expect(service.calls).toEqual([]);
  });

  it("refuses mutations over GET", async () => {
    const { server, service } = await serve();
    const answer = await http(
      `${server.url}?query=${encodeURIComponent('mutation { createStore(name: "x") { name } }')}`,
      {
        headers: { "apollo-require-preflight": "1" },
      },
    );
    expect(answer.status).toBe(405);
    expect(errorsOf(answer)[0]?.extensions.code).toBe("INVALID_ARGUMENT");
    expect(service.calls).toEqual([]);
  });
});

describe("API keys", () => {
  const KEYS = ["k1-0123456789abcdef", "k2-0123456789abcdef"];

  it("requires a key on /graphql: UNAUTHENTICATED without or with a wrong one", async () => {
    const { server, service } = await serve({ apiKeys: KEYS });
    for (const headers of [
      {},
      { authorization: "Bearer wrong" },
      { authorization: `Bearer ${KEYS[0]}x` },
      { authorization: `Basic ${KEYS[0]}` },
      { authorization: KEYS[0]! },
      { authorization: "Bearer " },
    ]) {
      const answer = await gql(server.url, QUERY, undefined, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(answer.headers["www-authenticate"]).toContain("Bearer");
      expect(answer.json).toEqual({
        errors: [
          {
            message: "missing or invalid API key: send Authorization: Bearer <key>",
            extensions: { code: "UNAUTHENTICATED" },
          },
        ],
      });
    }
    expect(service.calls).toEqual([]);
  });

  it("accepts each configured key", async () => {
    const { server } = await serve({ apiKeys: KEYS });
    for (const key of KEYS) {
      const answer = await gql(server.url, QUERY, undefined, { authorization: `Bearer ${key}` });
      expect(dataOf(answer)).toEqual({ stores: [{ name: "default" }] });
    }
    expect((await gql(server.url, QUERY, undefined, { authorization: `bearer  ${KEYS[1]}` })).status).toBe(
      200,
    );
  });

  it("leaves health probes and preflights open", async () => {
    const { server } = await serve({ apiKeys: KEYS, corsOrigins: ["https://app.example.com"] });
    const base = server.url.replace(/\/graphql$/, "");
    expect((await http(`${base}/healthz`)).status).toBe(200);
    expect((await http(`${base}/readyz`)).status).toBe(200);
    const preflight = await http(server.url, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    // The browser can read the 401 of an allowed origin.
    const refused = await gql(server.url, QUERY, undefined, { origin: "https://app.example.com" });
    expect(refused.status).toBe(401);
    expect(refused.headers["access-control-allow-origin"]).toBe("https://app.example.com");
  });

  it("warns about short keys", async () => {
    const { logs } = await serve({ apiKeys: ["short"] });
    expect(logs.join("\n")).toContain("shorter than 16 characters");
  });
});

describe("binding", () => {
  it("refuses a non-loopback address without API keys", async () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com"]) {
      const start = startServer({ service: new FakeService(), host, port: 0 });
      await expect(start).rejects.toBeInstanceOf(RelgraphError);
      await expect(start).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        message: expect.stringContaining("RELGRAPH_API_KEYS"),
      });
    }
  });

  it("binds to a non-loopback address with API keys", async () => {
    const { server } = await serve({ host: "0.0.0.0", apiKeys: ["a-long-enough-key-123"] });
    const local = server.url.replace("0.0.0.0", "127.0.0.1");
    expect(
      (await gql(local, QUERY, undefined, { authorization: "Bearer a-long-enough-key-123" })).status,
    ).toBe(200);
  });

  it("binds to localhost and ::1 without keys", async () => {
    const { server } = await serve({ host: "localhost" });
    expect(server.url).toMatch(/^http:\/\/(127\.0\.0\.1|\[::1\]):\d+\/graphql$/);
  });

  it("reports a taken port clearly", async () => {
    const { server } = await serve();
    const start = startServer({ service: new FakeService(), host: "127.0.0.1", port: server.port });
    await expect(start).rejects.toMatchObject({
      code: "UNAVAILABLE",
      message: expect.stringContaining("port is in use"),
    });
  });
});

describe("health", () => {
  it("/healthz is alive; /readyz follows service.ready()", async () => {
    const { server, service } = await serve();
    const base = server.url.replace(/\/graphql$/, "");
    const health = await http(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: "ok" });
    expect((await http(`${base}/readyz`)).json).toEqual({ status: "ready" });
    service.isReady = false;
    const notReady = await http(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.json).toEqual({ status: "unavailable" });
    service.ready = () => Promise.reject(new Error("bolt down"));
    expect((await http(`${base}/readyz`)).status).toBe(503);
    expect((await http(`${base}/healthz`, { method: "POST" })).status).toBe(405);
  });

  it("unknown paths are 404 NOT_FOUND", async () => {
    const { server } = await serve();
    const answer = await http(server.url.replace(/\/graphql$/, "/admin"));
    expect(answer.status).toBe(404);
    expect(errorsOf(answer)[0]?.extensions.code).toBe("NOT_FOUND");
  });
});

describe("request bodies", () => {
  it("refuses a body above the limit with 413, announced or streamed", async () => {
    const { server, service } = await serve({ maxBodyBytes: 1024 });
    const big = JSON.stringify({ query: QUERY, variables: { pad: "x".repeat(2000) } });
    const announced = await http(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(announced.status).toBe(413);
    expect(errorsOf(announced)[0]?.extensions.code).toBe("RESOURCE_EXHAUSTED");
    const chunked = await http(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      body: big,
    });
    expect(chunked.status).toBe(413);
    expect(service.calls).toEqual([]);
    // A body under the limit is fine.
    expect((await gql(server.url, QUERY)).status).toBe(200);
  });

  it("the default limit is 4 MiB", async () => {
    const { server } = await serve();
    const answer = await http(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: QUERY, variables: { pad: "x".repeat(4 * 1024 * 1024) } }),
    });
    expect(answer.status).toBe(413);
  });
});

describe("graceful shutdown", () => {
  it("close() finishes the request in flight, refuses new connections, then resolves", async () => {
    const { server, service } = await serve();
    const inFlight = gql(
      server.url,
      `{ check(resource: "a:b", permission: "slow", subject: "user:c") { allowed } }`,
    );
    await service.slowStarted;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    await expect(gql(server.url, QUERY)).rejects.toThrow(/ECONNREFUSED/);
    service.release();
    const answer = await inFlight;
    expect(dataOf(answer)).toEqual({ check: { allowed: false } });
    await closing;
    expect(closed).toBe(true);
    // Idempotent.
    await server.close();
  });
});

describe("no stack traces", () => {
  it("in any error response, whatever NODE_ENV says", async () => {
    const previous = process.env["NODE_ENV"];
    process.env["NODE_ENV"] = "development";
    try {
      const { server } = await serve();
      for (const answer of [
        await gql(
          server.url,
          `{ check(resource: "a:b", permission: "boom", subject: "user:c") { allowed } }`,
        ),
        await gql(server.url, `{ check(resource: "a", permission: "r", subject: "user:c") { allowed } }`),
        await gql(server.url, `{ nope`),
        await http(server.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "[",
        }),
      ]) {
        expectNoLeaks(answer);
        for (const e of errorsOf(answer)) expect(Object.keys(e.extensions)).not.toContain("stacktrace");
      }
    } finally {
      if (previous === undefined) delete process.env["NODE_ENV"];
      else process.env["NODE_ENV"] = previous;
    }
  });
});
