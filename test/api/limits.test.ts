// Issue 14: bounded requests (root fields, depth, tokens, cost after variables, response items),
// names validated before they are echoed, and the smaller defects of the API surface. A real
// Relgraph on a memory store behind the real HTTP server.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { createRelgraph } from "../../src/coordinator/createRelgraph.ts";
import type { Relgraph } from "../../src/coordinator/relgraph.ts";
import { configFromEnv } from "../../src/config.ts";
import { nestingDepth } from "../../src/api/limits.ts";
import { dataOf, errorsOf, expectNoLeaks, gql } from "./harness.ts";

const SCHEMA = `definition user {}
definition group { relation member: user | group#member }
definition document { relation viewer: user | group#member
  permission view = viewer }`;

let rg: Relgraph;
let server: RunningServer;
const logs: string[] = [];

beforeAll(async () => {
  rg = await createRelgraph({ memory: true });
  await rg.writeSchema("default", SCHEMA, "ZED");
  await rg.writeRelationships("default", [
    {
      operation: "TOUCH",
      tuple: {
        resourceType: "document",
        resourceId: "readme",
        relation: "viewer",
        subjectType: "user",
        subjectId: "ann",
        subjectRelation: "",
      },
    },
  ]);
  server = await startServer({
    service: rg,
    port: 0,
    log: (l) => logs.push(l),
    limits: { maxRootFields: 50, maxQueryDepth: 6, maxCost: 5000, maxResponseItems: 300 },
  });
});
afterAll(async () => {
  await server?.close();
  await rg?.close();
});

const CHECK = `check(resource: "document:readme", permission: "view", subject: "user:ann") { allowed }`;

function only(answer: Awaited<ReturnType<typeof gql>>) {
  const errors = errorsOf(answer);
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

describe("bounded requests", () => {
  it("root fields and aliases: RESOURCE_EXHAUSTED with the limit and the figure, HTTP 200", async () => {
    const ok = await gql(
      server.url,
      `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: ${CHECK}`).join(" ")} }`,
    );
    expect(Object.keys(dataOf(ok))).toHaveLength(50);
    const big = await gql(
      server.url,
      `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: ${CHECK}`).join(" ")} }`,
    );
    expect(big.status).toBe(200);
    const e = only(big);
    expect(e.extensions.code).toBe("RESOURCE_EXHAUSTED");
    expect(e.message).toMatch(/51/);
    expect(e.message).toMatch(/50/);
    // Root fields without aliases, repeated through fragments, count too.
    const spread = await gql(
      server.url,
      `{ ...F ...F ...F } fragment F on Query { ${Array.from({ length: 20 }, () => "stores { name }").join(" ")} }`,
    );
    const s = only(spread);
    expect(s.extensions.code).toBe("RESOURCE_EXHAUSTED");
    expect(s.message).toMatch(/root fields: the request has 60; the limit is 50/);
  });

  it("selection depth: RESOURCE_EXHAUSTED, and 20,000 levels never overflow the stack", async () => {
    // The API's own types nest 4 levels at most; `__type` reaches any depth.
    const typeRef = (n: number) =>
      `{ __type(name: "Query") { fields { type { ${"ofType { ".repeat(n)}name${" }".repeat(n)} } } } }`;
    dataOf(await gql(server.url, typeRef(2))); // depth 6
    const seven = await gql(server.url, typeRef(3));
    expect(seven.status).toBe(200);
    expect(only(seven).message).toBe(
      "query depth: the request has 7; the limit is 6 (RELGRAPH_MAX_QUERY_DEPTH)",
    );
    expect(only(seven).extensions.code).toBe("RESOURCE_EXHAUSTED");
    for (const n of [200, 20_000]) {
      const q = `{ ${"stores { ".repeat(n)}name${" }".repeat(n)} }`;
      const answer = await gql(server.url, q);
      expect(answer.status).toBe(200);
      const e = only(answer);
      expect(e.extensions.code).toBe("RESOURCE_EXHAUSTED");
      expect(e.message).not.toMatch(/call stack/i);
      expect(e.message).toMatch(/query depth/);
      expect(e.message).toMatch(/limit is 6/);
    }
    // Deep input values (lists in arguments) too.
    const lists = await gql(server.url, `{ stores(x: ${"[".repeat(5000)}${"]".repeat(5000)}) { name } }`);
    expect(only(lists).extensions.code).toBe("RESOURCE_EXHAUSTED");
    expect(logs.join("\n")).not.toMatch(/call stack/i);
  });

  it("cost is computed with the variables, so a cached document with new variables is refused", async () => {
    const q = `query R($n: Int) { a: relationships(first: $n) { readAt } b: relationships(first: $n) { readAt } }`;
    // 2 × 1000 = 2000 ≤ 5000: allowed, twice (the second time from Apollo's document cache).
    dataOf(await gql(server.url, q, { n: 1000 }));
    dataOf(await gql(server.url, q, { n: 1000 }));
    const six = `query R($n: Int) { ${Array.from({ length: 6 }, (_, i) => `a${i}: relationships(first: $n) { readAt }`).join(" ")} }`;
    dataOf(await gql(server.url, six, { n: 100 }));
    const refused = await gql(server.url, six, { n: 1000 });
    expect(refused.status).toBe(200);
    const e = only(refused);
    expect(e.extensions.code).toBe("RESOURCE_EXHAUSTED");
    expect(e.message).toMatch(/cost: the request has 6,000; the limit is 5,000/);
    expect(e.extensions["limit"]).toBe(5000);
    expect(e.extensions["actual"]).toBe(6000);
    // Defaults count: expand costs its default maxNodes (10,000).
    const expand = only(
      await gql(server.url, `{ expand(resource: "document:readme", permission: "view") { root } }`),
    );
    expect(expand.message).toMatch(/cost: the request has 10,000/);
    // checkBulk costs its items, given as a variable.
    const bulk = `query B($c: [CheckBulkItem!]!) { checkBulk(checks: $c) { checkedAt } }`;
    const item = { resource: "document:readme", permission: "view", subject: "user:ann" };
    dataOf(await gql(server.url, bulk, { c: Array.from({ length: 10 }, () => item) }));
    const many = only(await gql(server.url, bulk, { c: Array.from({ length: 5001 }, () => item) }));
    expect(many.extensions.code).toBe("RESOURCE_EXHAUSTED");
    expect(many.message).toMatch(/5,001/);
  });

  it("response items: RESOURCE_EXHAUSTED with the figure instead of a large response", async () => {
    // 300 items allowed here: a checkBulk of 400 items answers 400 results.
    const bulk = `query B($c: [CheckBulkItem!]!) { checkBulk(checks: $c) { results { allowed } } }`;
    const item = { resource: "document:readme", permission: "view", subject: "user:ann" };
    const small = dataOf(await gql(server.url, bulk, { c: Array.from({ length: 300 }, () => item) }));
    expect((small["checkBulk"] as { results: unknown[] }).results).toHaveLength(300);
    const big = await gql(server.url, bulk, { c: Array.from({ length: 400 }, () => item) });
    expect(big.status).toBe(200);
    const e = only(big);
    expect(e.extensions.code).toBe("RESOURCE_EXHAUSTED");
    expect(e.message).toMatch(/response items: the request has 400; the limit is 300/);
    expect(big.json?.data).toBeUndefined();
  });

  it("tokens: RESOURCE_EXHAUSTED (not HTTP 500) with the limit and the count", async () => {
    // maxRootFields 50 → 10,000 tokens at most; 15,000 `__typename`s are 15,002 tokens.
    const answer = await gql(server.url, `{ ${"__typename ".repeat(15_000)}}`);
    expect(answer.status).toBe(200);
    const e = only(answer);
    expect(e.extensions.code).toBe("RESOURCE_EXHAUSTED");
    expect(e.message).toMatch(/tokens: the request has 15,002; the limit is 10,000/);
    expect(e.extensions["actual"]).toBe(15_002);
    // Far above: counting stops at twice the limit.
    const huge = only(await gql(server.url, `{ ${"__typename ".repeat(50_000)}}`));
    expect(huge.message).toMatch(/tokens: the request has more than 20,000; the limit is 10,000/);
    // Just under the limit with a long text (spaces are not tokens): parsed and answered.
    const long = await gql(server.url, `{ ${" ".repeat(20_000)}${"__typename ".repeat(40)}}`);
    expect(dataOf(long)["__typename"]).toBe("Query");
  });

  it("graphql-js's own token limit (the backstop) is mapped the same way", async () => {
    const { resolveLimits, tokenRefusal } = await import("../../src/api/limits.ts");
    const limits = resolveLimits({ maxRootFields: 50 });
    const refusal = tokenRefusal(
      "Syntax Error: Document contains more that 10000 tokens. Parsing aborted.",
      `{ ${"a ".repeat(12_000)}}`,
      limits,
    );
    expect(refusal?.code).toBe("RESOURCE_EXHAUSTED");
    expect(refusal?.message).toBe(
      "tokens: the request has 12,002; the limit is 10,000 (30 per allowed root field)",
    );
    expect(tokenRefusal("Syntax Error: Unexpected Name", "x", limits)).toBeUndefined();
  });

  it("counts nesting outside strings and comments only", () => {
    expect(nestingDepth(`{ a(x: "{{{{[[[(((") # {{{{\n { b { c } } }`)).toBe(3);
    expect(nestingDepth(`{ a(x: """ {{{ \\""" {{ """) }`)).toBe(2);
    expect(nestingDepth("[".repeat(100_000), 50)).toBe(50);
  });

  it("reads the limits from the environment and reports bad values like the other variables", () => {
    const c = configFromEnv({ RELGRAPH_MAX_ROOT_FIELDS: "7", RELGRAPH_MAX_COST: "9" });
    expect(c.server.limits).toEqual({
      maxRootFields: 7,
      maxQueryDepth: 12,
      maxCost: 9,
      maxResponseItems: 100_000,
    });
    expect(configFromEnv({}).server.limits).toEqual({
      maxRootFields: 1000,
      maxQueryDepth: 12,
      maxCost: 100_000,
      maxResponseItems: 100_000,
    });
    expect(() =>
      configFromEnv({ RELGRAPH_MAX_QUERY_DEPTH: "deep", RELGRAPH_MAX_RESPONSE_ITEMS: "-1" }),
    ).toThrow(/RELGRAPH_MAX_QUERY_DEPTH must be a whole number[\s\S]*RELGRAPH_MAX_RESPONSE_ITEMS must be/);
  });
});

describe("names are validated before they are echoed", () => {
  it("a 1 MB permission name is refused with its length, not its text", async () => {
    const huge = "p".repeat(1024 * 1024);
    const answer = await gql(
      server.url,
      `query C($p: String!) { check(resource: "document:readme", permission: $p, subject: "user:ann") { allowed } }`,
      { p: huge },
    );
    const e = only(answer);
    expect(e.extensions.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toMatch(/1048576 characters long/);
    expect(answer.text.length).toBeLessThan(2000);
    // 1,024 characters is still a name (unknown here: FAILED_PRECONDITION or INVALID_ARGUMENT, short).
    const edge = await gql(
      server.url,
      `query C($p: String!) { check(resource: "document:readme", permission: $p, subject: "user:ann") { allowed } }`,
      { p: "p".repeat(1024) },
    );
    expect(edge.text.length).toBeLessThan(4000);
    const filter = await gql(
      server.url,
      `query R($r: String!) { relationships(filter: {relation: $r}) { readAt } }`,
      { r: "r".repeat(100_000) },
    );
    expect(only(filter).message).toMatch(/100000 characters long/);
    expect(filter.text.length).toBeLessThan(2000);
  });
});

describe("found by the fuzzer", () => {
  it("more than 50 invalid variable values: every error INVALID_ARGUMENT, none INTERNAL", async () => {
    const before = logs.length;
    const answer = await gql(
      server.url,
      `mutation W($u: [RelationshipUpdate!]!) { writeRelationships(updates: $u) { token } }`,
      {
        u: Array.from({ length: 60 }, () => ({
          operation: "UPSERT",
          relationship: "document:a#viewer@user:b",
        })),
      },
    );
    const errors = errorsOf(answer);
    expect(errors.length).toBeGreaterThan(50);
    expect(new Set(errors.map((e) => e.extensions.code))).toEqual(new Set(["INVALID_ARGUMENT"]));
    expect(errors.at(-1)!.message).toMatch(/Too many errors processing variables/);
    expect(logs.slice(before)).toEqual([]);
  });

  it("a schema error echoing a huge token is cut, in the message and in the diagnostics", async () => {
    await rg.createStore("echo");
    for (const format of ["ZED", "OPENFGA"]) {
      const answer = await gql(
        server.url,
        `mutation S($t: String!, $f: SchemaFormat) { writeSchema(store: "echo", schema: $t, format: $f) { token } }`,
        { t: "n".repeat(100_000), f: format },
      );
      const e = only(answer);
      expect(e.extensions.code).toBe("INVALID_SCHEMA");
      expect(e.message.length).toBeLessThanOrEqual(2100);
      for (const d of e.extensions["diagnostics"] as { message: string }[])
        expect(d.message.length).toBeLessThanOrEqual(2100);
      expect(answer.text.length).toBeLessThan(20_000);
    }
  });
});

describe("smaller defects", () => {
  it("reads refuse the ids writes refuse (one grammar), with INVALID_ARGUMENT", async () => {
    for (const id of ["héllo", "😀", "\ud800", "../x"]) {
      const write = await gql(
        server.url,
        `mutation W($t: RelationshipTuple!) { writeRelationships(updates: [{operation: TOUCH, relationship: $t}]) { token } }`,
        { t: `document:${id}#viewer@user:ann` },
      );
      expect(only(write).extensions.code).toBe("INVALID_ARGUMENT");
      const asResource = await gql(
        server.url,
        `query C($r: ObjectRef!) { check(resource: $r, permission: "view", subject: "user:ann") { allowed } }`,
        { r: `document:${id}` },
      );
      expect(only(asResource).extensions.code).toBe("INVALID_ARGUMENT");
      const asSubject = await gql(
        server.url,
        `query C($s: SubjectRef!) { check(resource: "document:readme", permission: "view", subject: $s) { allowed } }`,
        { s: `user:${id}` },
      );
      expect(only(asSubject).extensions.code).toBe("INVALID_ARGUMENT");
      const lookup = await gql(
        server.url,
        `query L($s: SubjectRef!) { lookupResources(resourceType: "document", permission: "view", subject: $s) { readAt } }`,
        { s: `user:${id}` },
      );
      expect(only(lookup).extensions.code).toBe("INVALID_ARGUMENT");
      const bulk = dataOf(
        await gql(
          server.url,
          `query B($r: ObjectRef!) { checkBulk(checks: [{resource: $r, permission: "view", subject: "user:ann"}]) { results { error { code } } } }`,
          { r: `document:${id}` },
        ),
      );
      expect(bulk["checkBulk"]).toEqual({ results: [{ error: { code: "INVALID_ARGUMENT" } }] });
    }
    // A valid id still answers.
    const ok = dataOf(
      await gql(
        server.url,
        `{ check(resource: "document:readme", permission: "view", subject: "user:ann") { allowed } }`,
      ),
    );
    expect(ok["check"]).toEqual({ allowed: true });
  });

  it("over-limit batches are RESOURCE_EXHAUSTED: updates, preconditions, limit, contextual tuples", async () => {
    const tuple = (i: number) => `document:d${i}#viewer@user:u${i}`;
    const updates = Array.from({ length: 1001 }, (_, i) => ({ operation: "TOUCH", relationship: tuple(i) }));
    const w = `mutation W($u: [RelationshipUpdate!]!, $p: [Precondition!]) { writeRelationships(updates: $u, preconditions: $p) { token } }`;
    expect(only(await gql(server.url, w, { u: updates })).extensions.code).toBe("RESOURCE_EXHAUSTED");
    const pre = Array.from({ length: 1001 }, (_, i) => ({
      operation: "MUST_NOT_MATCH",
      filter: { resourceId: `d${i}` },
    }));
    expect(only(await gql(server.url, w, { u: updates.slice(0, 1), p: pre })).extensions.code).toBe(
      "RESOURCE_EXHAUSTED",
    );
    const del = only(
      await gql(
        server.url,
        `mutation { deleteRelationships(filter: {resourceType: "document"}, limit: 1001) { token } }`,
      ),
    );
    expect(del.extensions.code).toBe("RESOURCE_EXHAUSTED");
    const ctx = Array.from({ length: 101 }, (_, i) => tuple(i));
    const check = only(
      await gql(
        server.url,
        `query C($t: [RelationshipTuple!]) { check(resource: "document:readme", permission: "view", subject: "user:ann", contextualTuples: $t) { allowed } }`,
        { t: ctx },
      ),
    );
    expect(check.extensions.code).toBe("RESOURCE_EXHAUSTED");
    expect(check.message).toMatch(/101/);
  });

  it("a subscription over HTTP is INVALID_ARGUMENT, with nothing in the log", async () => {
    const before = logs.length;
    const answer = await gql(server.url, `subscription { __typename }`);
    const e = only(answer);
    expect(e.extensions.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toMatch(/subscriptions are served over WebSocket/);
    expectNoLeaks(answer);
    expect(logs.slice(before)).toEqual([]);
  });

  it("deleteRelationships(filter: {}) is INVALID_ARGUMENT unless all: true", async () => {
    const s = "wipe";
    await rg.createStore(s);
    await rg.writeSchema(s, SCHEMA, "ZED");
    await gql(
      server.url,
      `mutation { writeRelationships(store: "wipe", updates: [{operation: TOUCH, relationship: "document:a#viewer@user:x"}]) { token } }`,
    );
    const refused = only(
      await gql(server.url, `mutation { deleteRelationships(store: "wipe", filter: {}) { deletedCount } }`),
    );
    expect(refused.extensions.code).toBe("INVALID_ARGUMENT");
    expect(refused.message).toMatch(/all: true/);
    expect((await rg.relationships(s, {}, { first: 10 })).tuples).toHaveLength(1);
    const done = dataOf(
      await gql(
        server.url,
        `mutation { deleteRelationships(store: "wipe", filter: {}, all: true) { deletedCount } }`,
      ),
    );
    expect(done["deleteRelationships"]).toEqual({ deletedCount: 1 });
  });

  it("an empty resourceIdPrefix is INVALID_ARGUMENT", async () => {
    const e = only(await gql(server.url, `{ relationships(filter: {resourceIdPrefix: ""}) { readAt } }`));
    expect(e.extensions.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toMatch(/resourceIdPrefix/);
  });

  it("an empty writeRelationships commits nothing and returns the current token", async () => {
    const before = (await rg.stores()).find((s) => s.name === "default")!.revision;
    const answer = dataOf(await gql(server.url, `mutation { writeRelationships(updates: []) { token } }`));
    const after = (await rg.stores()).find((s) => s.name === "default")!.revision;
    expect(after).toBe(before);
    const token = (answer["writeRelationships"] as { token: string }).token;
    const head = (await rg.changes("default", { first: 1 })).token;
    expect(token).toBe(head);
  });

  it("a body over the limit is answered 413 after it is read, so the client sees the answer", async () => {
    const small = await startServer({ service: rg, port: 0, maxBodyBytes: 64 * 1024 });
    try {
      const body = Buffer.alloc(1024 * 1024, 0x20);
      for (const chunked of [false, true]) {
        const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = httpRequest(
            small.url,
            {
              method: "POST",
              headers: {
                "content-type": "application/json",
                ...(chunked ? {} : { "content-length": String(body.length) }),
              },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (c: Buffer) => chunks.push(c));
              res.on("end", () =>
                resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
              );
            },
          );
          req.on("error", reject); // EPIPE / ECONNRESET fail the test
          // Written in pieces, as a client streaming a large body does.
          let offset = 0;
          const pump = (): void => {
            while (offset < body.length) {
              const piece = body.subarray(offset, offset + 16 * 1024);
              offset += piece.length;
              if (!req.write(piece)) {
                req.once("drain", pump);
                return;
              }
            }
            req.end();
          };
          pump();
        });
        expect(answer.status).toBe(413);
        expect(JSON.parse(answer.text).errors[0].extensions.code).toBe("RESOURCE_EXHAUSTED");
      }
    } finally {
      await small.close();
    }
  });
});

describe("pacing", () => {
  it("a request's root fields run 64 per event-loop turn, so other I/O is served between batches", async () => {
    const { execute, parse } = await import("graphql/index.js");
    const { loadApiSchema } = await import("../../src/api/schema.ts");
    const { ROOT_FIELDS_PER_TURN } = await import("../../src/api/schema.ts");
    let tick = 0;
    let ticking = true;
    const ticker = (): void => {
      tick++;
      if (ticking) setImmediate(ticker);
    };
    setImmediate(ticker);
    const ticks: number[] = [];
    const service = {
      async check() {
        ticks.push(tick);
        return { permissionship: "NO_PERMISSION", checkedAt: "t" };
      },
    } as unknown as Relgraph;
    const schema = loadApiSchema(service);
    const n = 4 * ROOT_FIELDS_PER_TURN;
    const document = parse(
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: check(resource: "document:d", permission: "view", subject: "user:u") { allowed }`).join(" ")} }`,
    );
    const start = tick;
    const result = await execute({ schema, document, contextValue: {} });
    ticking = false;
    expect(result.errors).toBeUndefined();
    expect(ticks).toHaveLength(n);
    // Batch b (64 fields each) ran at least b turns after the first.
    for (let b = 0; b < 4; b++) {
      const batch = ticks.slice(b * ROOT_FIELDS_PER_TURN, (b + 1) * ROOT_FIELDS_PER_TURN);
      expect(Math.min(...batch) - start).toBeGreaterThanOrEqual(b);
    }
    expect(ticks[n - 1]! - ticks[0]!).toBeGreaterThanOrEqual(3);
  });
});
