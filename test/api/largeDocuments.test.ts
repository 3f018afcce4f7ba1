// Issue 14: large documents are parsed and validated on a worker thread (src/api/largeDocuments.ts)
// and handed to Apollo through its document store; the answers are those of the event-loop path,
// which documents under LARGE_DOCUMENT_CHARS take. A real server on a memory store, over HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { createRelgraph } from "../../src/coordinator/createRelgraph.ts";
import type { Relgraph } from "../../src/coordinator/relgraph.ts";
import {
  checkLargeDocument,
  LARGE_DOCUMENT_CHARS,
  largeDocumentStats,
  Preloaded,
  queryHash,
} from "../../src/api/largeDocuments.ts";
import { createDocumentStore, resolveLimits } from "../../src/api/limits.ts";
import { createFormatError } from "../../src/api/formatError.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { gql, http } from "./harness.ts";

const JSON_HEADERS = { "content-type": "application/json" };

const SCHEMA = `definition user {}
definition document { relation viewer: user
  permission view = viewer }`;

let rg: Relgraph;
let server: RunningServer;
const logs: string[] = [];

beforeAll(async () => {
  rg = await createRelgraph({ memory: true });
  await rg.writeSchema("default", SCHEMA, "ZED");
  await rg.writeRelationships("default", [
    { operation: "TOUCH", tuple: parseTuple("document:d1#viewer@user:u1") },
  ]);
  server = await startServer({
    service: rg,
    port: 0,
    log: (l) => logs.push(l),
    limits: { maxRootFields: 400 },
  });
});
afterAll(async () => {
  await server?.close();
  await rg?.close();
});

const check = (i: number) =>
  `a${i}: check(resource: "document:d${i % 3}", permission: "view", subject: "user:u${i % 2}") { allowed }`;
/** `n` aliased checks, padded with spaces to at least `chars` (padding changes nothing else). */
const checks = (n: number, chars = 0) => {
  const text = `{ ${Array.from({ length: n }, (_, i) => check(i)).join(" ")} }`;
  return text + " ".repeat(Math.max(0, chars - text.length));
};
const LARGE = LARGE_DOCUMENT_CHARS + 10;

/** The same request small (on the event loop) and large (on the thread): equal answers. */
async function both(small: string): Promise<{ small: unknown; large: unknown; status: [number, number] }> {
  expect(small.length).toBeLessThan(LARGE_DOCUMENT_CHARS);
  const a = await gql(server.url, small);
  const b = await gql(server.url, small + " ".repeat(LARGE - small.length));
  return { small: a.json, large: b.json, status: [a.status, b.status] };
}

describe("large documents off the event loop", () => {
  it("a valid large document is validated on the thread and Apollo takes it without validating again", async () => {
    const before = { ...largeDocumentStats };
    const text = checks(300);
    expect(text.length).toBeGreaterThan(LARGE_DOCUMENT_CHARS);
    const answer = await gql(server.url, text);
    expect(answer.status).toBe(200);
    const data = (answer.json as { data: Record<string, { allowed: boolean }> }).data;
    expect(Object.keys(data)).toHaveLength(300);
    expect(data["a0"]).toEqual({ allowed: false });
    expect(data["a1"]).toEqual({ allowed: true }); // document:d1, user:u1
    expect(largeDocumentStats.validated).toBe(before.validated + 1);
    expect(largeDocumentStats.handedOver).toBe(before.handedOver + 1);
  });

  it("limit refusals, validation and syntax errors are those of the event-loop path", async () => {
    const before = { ...largeDocumentStats };
    const aliases = await gql(server.url, checks(401));
    expect(aliases.status).toBe(200);
    expect(aliases.json).toEqual({
      errors: [
        {
          message: "aliases: the request has 401; the limit is 400 (RELGRAPH_MAX_ROOT_FIELDS)",
          extensions: { limit: 400, actual: 401, code: "RESOURCE_EXHAUSTED" },
        },
      ],
    });
    expect(largeDocumentStats.refused).toBe(before.refused + 1);
    for (const small of [
      `{ __type(name: "Query") { fields { type { ${"ofType { ".repeat(14)}name${" }".repeat(14)} } } } }`,
      `{ ${check(1)} nosuch }`,
      `{ ${check(1)} check(resource: 5) { allowed } }`,
      `{ ${check(1)} b: check(resource: "document:no such id!", permission: "view", subject: "user:u1") { allowed } }`,
      `{ ${check(1)} x: nosuch y: nosuch2 check(resource: 5) { allowed } }`,
      `{ ${check(1)} } }`,
      `query Q($n: Int) { ${check(1)} }`,
      // The text prechecks and the operation's limits, also done on the thread for large ones.
      `{ ${"stores { ".repeat(100)}name${" }".repeat(100)} }`,
      `{ ${"__typename ".repeat(401)}}`,
      `{ ${Array.from({ length: 101 }, (_, i) => `p${i}: relationships(first: 1000) { readAt }`).join(" ")} }`,
      `query A { ${check(1)} } query B { ${"__typename ".repeat(401)}}`,
      `subscription { __typename }`,
    ]) {
      const r = await both(small);
      expect(r.large, small).toEqual(r.small);
      expect(r.status[1]).toBe(r.status[0]);
    }
    // The refused and the invalid ones reached the thread too.
    expect(largeDocumentStats.validated).toBe(before.validated + 13);
    // None of them was validated on the event loop: each was answered or handed over by the thread.
    expect(
      largeDocumentStats.refused +
        largeDocumentStats.invalid +
        largeDocumentStats.handedOver -
        (before.refused + before.invalid + before.handedOver),
    ).toBe(13);
    expect(logs.filter((l) => l.includes("validation failed"))).toEqual([]);
  });

  it("operationName and variables pick and price the operation as Apollo does", async () => {
    const doc = `query A { ${check(1)} } query B($n: Int = 1000) { ${Array.from({ length: 101 }, (_, i) => `p${i}: relationships(first: $n) { readAt }`).join(" ")} }`;
    const padded = doc + " ".repeat(LARGE - doc.length);
    const before = largeDocumentStats.refused;
    for (const [operationName, variables] of [
      ["A", undefined],
      ["B", undefined],
      ["B", { n: 1 }],
      ["C", undefined],
      [undefined, undefined],
      [5, undefined],
      ["B", "x"],
    ] as const) {
      const body = (q: string) => ({ query: q, operationName, variables });
      const small = await http(server.url, {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify(body(doc)),
      });
      const large = await http(server.url, {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify(body(padded)),
      });
      expect(large.json, `${String(operationName)} ${JSON.stringify(variables)}`).toEqual(small.json);
      expect(large.status).toBe(small.status);
    }
    // A tokens refusal (only large documents have enough tokens).
    const tokens = await gql(server.url, `{ ${"__typename ".repeat(13_000)}}`);
    expect(tokens.status).toBe(200);
    expect(tokens.json?.errors?.[0]?.extensions.code).toBe("RESOURCE_EXHAUSTED");
    expect(tokens.json?.errors?.[0]?.message).toMatch(/^tokens: /);
    // Refused on the thread: B's cost with its default, and the tokens (the rest are Apollo's answers).
    expect(largeDocumentStats.refused).toBe(before + 2);
  });

  it("the document store hands a preloaded document over once, by Apollo's key", async () => {
    const limits = resolveLimits({});
    const preloaded = new Preloaded();
    const text = checks(200);
    expect(await checkLargeDocument({ text }, limits, preloaded, createFormatError())).toEqual({
      kind: "continue",
    });
    const store = createDocumentStore(preloaded);
    const key = `schemahash:${queryHash(text)}`;
    const doc = await store.get(key);
    expect(doc?.kind).toBe("Document");
    expect(await store.get(key)).toBeUndefined();
    // Small documents never go to the thread.
    expect(await checkLargeDocument({ text: checks(2) }, limits, preloaded, createFormatError())).toEqual({
      kind: "continue",
    });
    expect(await store.get(`x:${queryHash(checks(2))}`)).toBeUndefined();
  });
});
