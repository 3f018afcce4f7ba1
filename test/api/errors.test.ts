/**
 * Error codes through HTTP: every error has extensions.code from the closed enum, a message that
 * says what and where, and nothing from inside the server.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/errors.ts";
import { INTERNAL_MESSAGE } from "../../src/api/formatError.ts";
import { errorsOf, expectNoLeaks, gql, serve, type HttpAnswer } from "./harness.ts";

const CODES = new Set<string>(Object.values(ErrorCode));

/** The one error of a response, checked for a closed-enum code and no leaks. */
function theError(answer: HttpAnswer) {
  expectNoLeaks(answer);
  const errors = errorsOf(answer);
  expect(errors).toHaveLength(1);
  const error = errors[0]!;
  expect(CODES.has(error.extensions.code)).toBe(true);
  expect(error.extensions).not.toHaveProperty("stacktrace");
  return error;
}

const CHECK = (resource: string, subject: string) =>
  `{ check(resource: ${JSON.stringify(resource)}, permission: "view", subject: ${JSON.stringify(subject)}) { allowed } }`;
const CHECK_VARS = `query($r: ObjectRef!, $s: SubjectRef!) { check(resource: $r, permission: "view", subject: $s) { allowed } }`;
const WRITE_VARS = `mutation($u: [RelationshipUpdate!]!) { writeRelationships(updates: $u) { token } }`;

describe("malformed references and tuples are INVALID_ARGUMENT, as literal and as variable", () => {
  const cases: {
    what: string;
    literal: string;
    variables: Record<string, unknown>;
    query: string;
    says: RegExp;
  }[] = [
    {
      what: "an object without id",
      literal: CHECK("document", "user:a"),
      query: CHECK_VARS,
      variables: { r: "document", s: "user:a" },
      says: /object reference: expected "type:id", got "document"/,
    },
    {
      what: "a bad object type",
      literal: CHECK("Doc ument:x", "user:a"),
      query: CHECK_VARS,
      variables: { r: "Doc ument:x", s: "user:a" },
      says: /object reference: invalid object type "Doc ument"/,
    },
    {
      what: "a wildcard resource",
      literal: CHECK("document:*", "user:a"),
      query: CHECK_VARS,
      variables: { r: "document:*", s: "user:a" },
      says: /wildcard is not an object/,
    },
    {
      what: "a bad subject relation",
      literal: CHECK("document:x", "group:eng#Bad Rel"),
      query: CHECK_VARS,
      variables: { r: "document:x", s: "group:eng#Bad Rel" },
      says: /subject reference: invalid relation "Bad Rel"/,
    },
    {
      what: "a too long id",
      literal: CHECK(`document:${"x".repeat(1025)}`, "user:a"),
      query: CHECK_VARS,
      variables: { r: `document:${"x".repeat(1025)}`, s: "user:a" },
      says: /1025 characters long; the limit is 1024/,
    },
  ];
  for (const c of cases) {
    it(`${c.what} (literal)`, async () => {
      const { server } = await serve();
      const answer = await gql(server.url, c.literal);
      const error = theError(answer);
      expect(error.extensions.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toMatch(c.says);
      // Where: the literal's position in the document.
      expect(error.locations?.[0]?.line).toBe(1);
      expect(answer.status).toBe(400);
    });
    it(`${c.what} (variable)`, async () => {
      const { server } = await serve();
      const answer = await gql(server.url, c.query, c.variables);
      const error = theError(answer);
      expect(error.extensions.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toMatch(c.says);
      expect(error.message).toMatch(/^Variable "\$[rs]" got invalid value/);
      expect(answer.status).toBe(400);
    });
  }

  it("a malformed tuple inside an input object, as literal: names the tuple's part", async () => {
    const { server, service } = await serve();
    const answer = await gql(
      server.url,
      `mutation { writeRelationships(updates: [{operation: TOUCH, relationship: "group:eng#member"}]) { token } }`,
    );
    const error = theError(answer);
    expect(error.extensions.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toMatch(
      /relationship: expected "resource:id#relation@subject:id", got "group:eng#member" \(no "@"\)/,
    );
    expect(service.calls.some((c) => c[0] === "writeRelationships")).toBe(false);
  });

  it("a malformed tuple inside a variable list: names the variable path", async () => {
    const { server } = await serve();
    const answer = await gql(server.url, WRITE_VARS, {
      u: [
        { operation: "TOUCH", relationship: "group:eng#member@user:a" },
        { operation: "TOUCH", relationship: "group:eng#member@user:" },
      ],
    });
    const error = theError(answer);
    expect(error.extensions.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain(
      'Variable "$u" got invalid value "group:eng#member@user:" at "u[1].relationship"',
    );
    expect(error.message).toContain("relationship subject");
  });

  it("a malformed contextual tuple and a malformed bulk item", async () => {
    const { server } = await serve();
    const ctx = await gql(
      server.url,
      `query($t: [RelationshipTuple!]) { check(resource: "a:b", permission: "r", subject: "user:c", contextualTuples: $t) { allowed } }`,
      { t: ["a:b#r@user:c d"] },
    );
    expect(theError(ctx).extensions.code).toBe("INVALID_ARGUMENT");
    const bulk = await gql(
      server.url,
      `{ checkBulk(checks: [{resource: "a:b", permission: "r", subject: "nope"}]) { checkedAt } }`,
    );
    expect(theError(bulk)).toMatchObject({ extensions: { code: "INVALID_ARGUMENT" } });
  });

  it("a 1 MB id: the message stays short and keeps the reason", async () => {
    const { server } = await serve();
    const huge = `document:${"x".repeat(1024 * 1024)}`;
    for (const answer of [
      await gql(server.url, CHECK(huge, "user:a")),
      await gql(server.url, CHECK_VARS, { r: huge, s: "user:a" }),
    ]) {
      const error = theError(answer);
      expect(error.extensions.code).toBe("INVALID_ARGUMENT");
      expect(error.message.length).toBeLessThan(600);
      expect(error.message).toContain("object id is 1048576 characters long; the limit is 1024");
    }
  });

  it("a reference of the wrong JSON type", async () => {
    const { server } = await serve();
    const error = theError(await gql(server.url, CHECK_VARS, { r: 42, s: "user:a" }));
    expect(error.extensions.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toMatch(/ObjectRef must be a string such as "document:readme", got number/);
    const literal = theError(
      await gql(server.url, `{ check(resource: 42, permission: "v", subject: "user:a") { allowed } }`),
    );
    expect(literal.extensions.code).toBe("INVALID_ARGUMENT");
  });

  it("keeps the parser's details (the field) in extensions", async () => {
    const { server } = await serve();
    const error = theError(await gql(server.url, CHECK_VARS, { r: "x", s: "user:a" }));
    expect(error.extensions).toEqual({ code: "INVALID_ARGUMENT", field: "object reference" });
  });
});

describe("GraphQL request errors are INVALID_ARGUMENT", () => {
  it("syntax errors, unknown fields, missing arguments, missing variables", async () => {
    const { server } = await serve();
    for (const [query, variables] of [
      ["{ check(", undefined],
      ["{ nope }", undefined],
      ['{ check(resource: "a:b", permission: "r") { allowed } }', undefined],
      [CHECK_VARS, { r: "a:b" }],
      ["query($f: Int) { relationships(first: $f) { readAt } }", { f: "many" }],
    ] as const) {
      const error = theError(await gql(server.url, query, variables));
      expect(error.extensions.code, query).toBe("INVALID_ARGUMENT");
    }
  });

  it("a body that is not JSON", async () => {
    const { server } = await serve();
    const { http } = await import("./harness.ts");
    const answer = await http(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(answer.status).toBe(400);
    expect(theError(answer).extensions.code).toBe("INVALID_ARGUMENT");
  });

  it("automatic persisted queries are not offered", async () => {
    const { server } = await serve();
    const { http } = await import("./harness.ts");
    const answer = await http(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: "ab".repeat(32) } } }),
    });
    expect(theError(answer).extensions.code).toBe("UNIMPLEMENTED");
  });
});

describe("Consistency", () => {
  const Q = `query($c: Consistency) { check(resource: "a:b", permission: "r", subject: "user:c", consistency: $c) { allowed } }`;
  const literal = (c: string) =>
    `{ check(resource: "a:b", permission: "r", subject: "user:c", consistency: ${c}) { allowed } }`;

  it("more than one field, or none, is INVALID_ARGUMENT (literal and variable)", async () => {
    const { server, service } = await serve();
    for (const answer of [
      await gql(server.url, literal('{minimizeLatency: true, atLeastAsFresh: "t"}')),
      await gql(server.url, literal("{}")),
      await gql(server.url, Q, { c: { minimizeLatency: true, fullyConsistent: true } }),
      await gql(server.url, Q, { c: {} }),
      await gql(server.url, Q, { c: { atLeastAsFresh: null } }),
    ]) {
      const error = theError(answer);
      expect(error.extensions.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toMatch(/Consistency|exactly one|non-null/);
    }
    expect(service.calls.some((c) => c[0] === "check")).toBe(false);
  });

  it("a field set to false is INVALID_ARGUMENT (literal and variable)", async () => {
    const { server, service } = await serve();
    for (const answer of [
      await gql(server.url, literal("{minimizeLatency: false}")),
      await gql(server.url, literal("{fullyConsistent: false}")),
      await gql(server.url, Q, { c: { fullyConsistent: false } }),
    ]) {
      const error = theError(answer);
      expect(error.extensions.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toMatch(/consistency\.(minimizeLatency|fullyConsistent) must be true/);
      expect(error.path).toEqual(["check"]);
    }
    expect(service.calls.some((c) => c[0] === "check")).toBe(false);
  });

  it("an empty token is INVALID_ARGUMENT; atExactSnapshot is UNIMPLEMENTED with the construct", async () => {
    const { server } = await serve();
    expect(theError(await gql(server.url, literal('{atLeastAsFresh: ""}'))).extensions.code).toBe(
      "INVALID_ARGUMENT",
    );
    const error = theError(await gql(server.url, literal('{atExactSnapshot: "t"}')));
    expect(error.extensions).toEqual({ code: "UNIMPLEMENTED", construct: "atExactSnapshot" });
  });

  it("applies to relationships and checkBulk too", async () => {
    const { server } = await serve();
    const rel = await gql(server.url, `{ relationships(consistency: {minimizeLatency: false}) { readAt } }`);
    expect(theError(rel).extensions.code).toBe("INVALID_ARGUMENT");
    const bulk = await gql(
      server.url,
      `{ checkBulk(checks: [], consistency: {fullyConsistent: false}) { checkedAt } }`,
    );
    expect(theError(bulk).extensions.code).toBe("INVALID_ARGUMENT");
  });
});

describe("limits", () => {
  it("first above 1,000 is RESOURCE_EXHAUSTED; below 1 is INVALID_ARGUMENT", async () => {
    const { server, service } = await serve();
    const rel = theError(await gql(server.url, `{ relationships(first: 1001) { readAt } }`));
    expect(rel).toMatchObject({
      extensions: { code: "RESOURCE_EXHAUSTED", limit: 1000 },
      path: ["relationships"],
    });
    expect(rel.message).toBe("first: 1001 is above the maximum page size of 1000");
    expect(theError(await gql(server.url, `{ changes(first: 5000) { token } }`)).extensions.code).toBe(
      "RESOURCE_EXHAUSTED",
    );
    expect(theError(await gql(server.url, `{ relationships(first: 0) { readAt } }`)).extensions.code).toBe(
      "INVALID_ARGUMENT",
    );
    expect(service.calls.some((c) => c[0] === "relationships" || c[0] === "changes")).toBe(false);
    // 1,000 itself is fine.
    expect(errorsOrNone(await gql(server.url, `{ relationships(first: 1000) { readAt } }`))).toBeUndefined();
  });

  it("more than 1,000 bulk checks is RESOURCE_EXHAUSTED", async () => {
    const { server } = await serve();
    const checks = Array.from({ length: 1001 }, (_, i) => ({
      resource: `doc:d${i}`,
      permission: "r",
      subject: "user:a",
    }));
    const q = `query($c: [CheckBulkItem!]!) { checkBulk(checks: $c) { results { allowed } } }`;
    const error = theError(await gql(server.url, q, { c: checks }));
    expect(error.extensions).toMatchObject({ code: "RESOURCE_EXHAUSTED", limit: 1000 });
    expect(errorsOrNone(await gql(server.url, q, { c: checks.slice(0, 1000) }))).toBeUndefined();
  });
});

function errorsOrNone(answer: HttpAnswer) {
  return answer.json?.errors;
}

describe("service errors", () => {
  it("a RelgraphError keeps its code, message and details", async () => {
    const { server } = await serve();
    const exists = theError(await gql(server.url, `mutation { createStore(name: "default") { name } }`));
    expect(exists).toMatchObject({
      message: 'store "default" already exists',
      extensions: { code: "ALREADY_EXISTS" },
      path: ["createStore"],
    });
    const missing = theError(await gql(server.url, `{ schema(store: "nope") { text } }`));
    expect(missing.extensions).toEqual({ code: "NOT_FOUND", store: "nope" });
    const pre = theError(
      await gql(
        server.url,
        `mutation { writeRelationships(updates: [], preconditions: [{operation: MUST_MATCH, filter: {relation: "x"}}]) { token } }`,
      ),
    );
    expect(pre).toMatchObject({
      message: "precondition 0 (MUST_MATCH) failed",
      extensions: { code: "FAILED_PRECONDITION", index: 0 },
    });
  });

  it("INVALID_SCHEMA carries the diagnostics, without server paths", async () => {
    const { server } = await serve();
    const error = theError(
      await gql(server.url, `mutation { writeSchema(schema: "definition { syntax error") { token } }`),
    );
    expect(error.extensions).toEqual({
      code: "INVALID_SCHEMA",
      diagnostics: [
        {
          severity: "ERROR",
          code: "syntax-error",
          message: "expected `{`",
          location: { start: { line: 2, column: 5, offset: 20 }, end: { line: 2, column: 6, offset: 21 } },
        },
      ],
    });
  });

  it("UNIMPLEMENTED carries the construct", async () => {
    const { server } = await serve();
    const error = theError(await gql(server.url, `mutation { writeSchema(schema: "use future") { token } }`));
    expect(error.extensions).toEqual({ code: "UNIMPLEMENTED", construct: "future" });
  });

  it("an unexpected exception is INTERNAL with a generic message; the log has the details", async () => {
    const { server, logs } = await serve();
    const answer = await gql(server.url, CHECK("document:x", "user:a").replace('"view"', '"boom"'));
    const error = theError(answer);
    expect(error).toEqual({
      message: INTERNAL_MESSAGE,
      locations: [{ line: 1, column: 3 }],
      path: ["check"],
      extensions: { code: "INTERNAL" },
    });
    expect(logs.join("\n")).toContain("Neo4jError: MATCH (n:`secret`)");
    expect(logs.join("\n")).toMatch(/\n\s+at /); // the stack, server side only
  });

  it("a RelgraphError coded INTERNAL is said generically too", async () => {
    const { server } = await serve();
    const error = theError(await gql(server.url, CHECK("document:x", "user:a").replace('"view"', '"weird"')));
    expect(error).toMatchObject({ message: INTERNAL_MESSAGE, extensions: { code: "INTERNAL" } });
  });
});
