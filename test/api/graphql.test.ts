/** Every field of the contract, through real HTTP requests, against the fake service. */
import { describe, expect, it } from "vitest";
import { dataOf, gql, serve } from "./harness.ts";

const WRITE = `mutation($updates: [RelationshipUpdate!]!, $pre: [Precondition!], $store: String) {
  writeRelationships(store: $store, updates: $updates, preconditions: $pre) { token warnings { code } }
}`;

describe("schema and relationship writes", () => {
  it("writes a schema and reflects it", async () => {
    const { server } = await serve();
    const written = dataOf(
      await gql(
        server.url,
        `mutation { writeSchema(schema: "definition user {} // warn") { token warnings { severity code message location { start { line } } } } }`,
      ),
    );
    expect(written).toEqual({
      writeSchema: {
        token: "default.inc1.1",
        warnings: [
          {
            severity: "WARNING",
            code: "permission-references-itself",
            message: "view refers to itself",
            location: null,
          },
        ],
      },
    });
    const read = dataOf(
      await gql(
        server.url,
        `{ schema { text format schemaRevision definitions { name doc
            relations { name doc allowedSubjectTypes { type relation wildcard caveat } }
            permissions { name doc expression } } } }`,
      ),
    );
    expect(read).toMatchObject({
      schema: { text: "definition user {} // warn", format: "ZED", schemaRevision: 1 },
    });
    const schema = read["schema"] as {
      definitions: { name: string; permissions: unknown[]; relations: unknown[]; doc: string | null }[];
    };
    expect(schema.definitions.map((d) => d.name)).toEqual(["user", "group", "document"]);
    expect(schema.definitions[0]?.doc).toBe("A person.");
    const document = schema.definitions[2];
    expect(document?.relations[0]).toEqual({
      name: "viewer",
      doc: "Who may read.",
      allowedSubjectTypes: [
        { type: "user", relation: null, wildcard: false, caveat: null },
        { type: "user", relation: null, wildcard: true, caveat: null },
        { type: "group", relation: "member", wildcard: false, caveat: "on_weekdays" },
      ],
    });
    expect(document?.permissions).toEqual([
      { name: "view", doc: "Readers.", expression: "(viewer + parent->view) - banned" },
      { name: "audit", doc: null, expression: "parent.all(view)" },
    ]);
  });

  it("answers null for a store without a schema, and passes the format", async () => {
    const { server, service } = await serve();
    expect(dataOf(await gql(server.url, `{ schema { text } }`))).toEqual({ schema: null });
    await gql(server.url, `mutation { writeSchema(schema: "model", format: OPENFGA) { token } }`);
    expect(service.calls.find((c) => c[0] === "writeSchema")).toEqual([
      "writeSchema",
      "default",
      "model",
      "OPENFGA",
    ]);
  });

  it("writes relationships with preconditions and returns a token", async () => {
    const { server, service } = await serve();
    const answer = await gql(server.url, WRITE, {
      updates: [
        { operation: "TOUCH", relationship: "group:admins#member@user:alice" },
        { operation: "CREATE", relationship: "document:readme#viewer@group:admins#member" },
      ],
      pre: [{ operation: "MUST_NOT_MATCH", filter: { resourceType: "group", subjectId: "alice" } }],
    });
    expect(dataOf(answer)).toEqual({ writeRelationships: { token: "default.inc1.1", warnings: [] } });
    const call = service.calls.find((c) => c[0] === "writeRelationships");
    expect(call?.[2]).toEqual([
      {
        operation: "TOUCH",
        tuple: {
          resourceType: "group",
          resourceId: "admins",
          relation: "member",
          subjectType: "user",
          subjectId: "alice",
          subjectRelation: "",
        },
      },
      {
        operation: "CREATE",
        tuple: {
          resourceType: "document",
          resourceId: "readme",
          relation: "viewer",
          subjectType: "group",
          subjectId: "admins",
          subjectRelation: "member",
        },
      },
    ]);
    // Filter fields not given are absent, not undefined or null.
    expect(call?.[3]).toEqual([
      { operation: "MUST_NOT_MATCH", filter: { resourceType: "group", subjectId: "alice" } },
    ]);
  });

  it("deletes by filter with limit and allowPartial", async () => {
    const { server, service } = await serve();
    await gql(server.url, WRITE, {
      updates: ["a", "b", "c"].map((id) => ({
        operation: "TOUCH",
        relationship: `document:${id}#viewer@user:bob`,
      })),
    });
    const answer = await gql(
      server.url,
      `mutation { deleteRelationships(filter: {subjectId: "bob"}, limit: 2, allowPartial: true) { token deletedCount complete } }`,
    );
    expect(dataOf(answer)).toEqual({
      deleteRelationships: { token: "default.inc1.2", deletedCount: 2, complete: false },
    });
    expect(service.calls.find((c) => c[0] === "deleteRelationships")).toEqual([
      "deleteRelationships",
      "default",
      { subjectId: "bob" },
      { limit: 2, allowPartial: true, all: false },
    ]);
  });
});

describe("stores", () => {
  it("creates, lists and deletes stores", async () => {
    const { server } = await serve();
    expect(
      dataOf(
        await gql(server.url, `mutation { createStore(name: "tenant-a") { name revision schemaRevision } }`),
      ),
    ).toEqual({
      createStore: { name: "tenant-a", revision: 0, schemaRevision: 0 },
    });
    await gql(server.url, WRITE, {
      store: "tenant-a",
      updates: [{ operation: "TOUCH", relationship: "group:x#member@user:y" }],
    });
    expect(dataOf(await gql(server.url, `{ stores { name revision schemaRevision } }`))).toEqual({
      stores: [
        { name: "default", revision: 0, schemaRevision: 0 },
        { name: "tenant-a", revision: 1, schemaRevision: 0 },
      ],
    });
    expect(dataOf(await gql(server.url, `mutation { deleteStore(name: "tenant-a") }`))).toEqual({
      deleteStore: true,
    });
    expect(dataOf(await gql(server.url, `{ stores { name } }`))).toEqual({ stores: [{ name: "default" }] });
  });

  it("serialises revisions above 32 bits exactly", async () => {
    const { server, service } = await serve();
    const big = 2 ** 40 + 7;
    service.stores = async () => [{ name: "default", incarnation: "i", revision: big, schemaRevision: 3 }];
    expect(dataOf(await gql(server.url, `{ stores { revision } }`))).toEqual({ stores: [{ revision: big }] });
  });
});

describe("reads", () => {
  it("pages relationships as a Relay connection", async () => {
    const { server, service } = await serve();
    await gql(server.url, WRITE, {
      updates: ["a", "b", "c"].map((id) => ({
        operation: "TOUCH",
        relationship: `document:${id}#viewer@user:bob`,
      })),
    });
    const query = `query($after: String, $c: Consistency) {
      relationships(filter: {resourceType: "document"}, first: 2, after: $after, consistency: $c) {
        edges { cursor node { relationship } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        readAt staleCursor
      }
    }`;
    const first = dataOf(await gql(server.url, query, { c: { fullyConsistent: true } }));
    expect(first).toEqual({
      relationships: {
        edges: [
          { cursor: null, node: { relationship: "document:a#viewer@user:bob" } },
          { cursor: "document:b#viewer@user:bob", node: { relationship: "document:b#viewer@user:bob" } },
        ],
        pageInfo: {
          hasNextPage: true,
          hasPreviousPage: false,
          startCursor: null,
          endCursor: "document:b#viewer@user:bob",
        },
        readAt: "default.inc1.1",
        staleCursor: false,
      },
    });
    expect(service.calls.find((c) => c[0] === "relationships")).toEqual([
      "relationships",
      "default",
      { resourceType: "document" },
      { first: 2, consistency: { kind: "fullyConsistent" } },
    ]);
    const second = dataOf(await gql(server.url, query, { after: "document:b#viewer@user:bob" }));
    expect(second).toMatchObject({
      relationships: {
        edges: [{ node: { relationship: "document:c#viewer@user:bob" } }],
        pageInfo: { hasNextPage: false, endCursor: null },
      },
    });
  });

  it("reads every relationship without a filter, with the default page size", async () => {
    const { server, service } = await serve();
    dataOf(await gql(server.url, `{ relationships { edges { node { relationship } } } }`));
    expect(service.calls.find((c) => c[0] === "relationships")).toEqual([
      "relationships",
      "default",
      {},
      { first: 100 },
    ]);
  });

  it("reports staleCursor", async () => {
    const { server } = await serve();
    expect(dataOf(await gql(server.url, `{ relationships(after: "stale!") { staleCursor } }`))).toEqual({
      relationships: { staleCursor: true },
    });
  });

  it("pages the change log", async () => {
    const { server } = await serve();
    await gql(server.url, WRITE, {
      updates: [{ operation: "TOUCH", relationship: "group:x#member@user:y" }],
    });
    await gql(server.url, WRITE, {
      updates: [{ operation: "DELETE", relationship: "group:x#member@user:y" }],
    });
    const query = `query($after: String) { changes(first: 1, after: $after) {
      edges { cursor node { revision operation relationship } } pageInfo { hasNextPage endCursor } token } }`;
    expect(dataOf(await gql(server.url, query))).toEqual({
      changes: {
        edges: [
          { cursor: "1", node: { revision: 1, operation: "TOUCH", relationship: "group:x#member@user:y" } },
        ],
        pageInfo: { hasNextPage: true, endCursor: "1" },
        token: "default.inc1.2",
      },
    });
    expect(dataOf(await gql(server.url, query, { after: "1" }))).toMatchObject({
      changes: { edges: [{ node: { revision: 2, operation: "DELETE" } }], pageInfo: { hasNextPage: false } },
    });
  });
});

describe("check", () => {
  it("answers allowed, permissionship and checkedAt", async () => {
    const { server } = await serve();
    await gql(server.url, WRITE, {
      updates: [{ operation: "TOUCH", relationship: "group:admins#member@user:alice" }],
    });
    const q = (subject: string) =>
      gql(
        server.url,
        `{ check(resource: "group:admins", permission: "member", subject: "${subject}") { allowed permissionship checkedAt } }`,
      );
    expect(dataOf(await q("user:alice"))).toEqual({
      check: { allowed: true, permissionship: "HAS_PERMISSION", checkedAt: "default.inc1.1" },
    });
    expect(dataOf(await q("user:bob"))).toEqual({
      check: { allowed: false, permissionship: "NO_PERMISSION", checkedAt: "default.inc1.1" },
    });
  });

  it("passes consistency and contextual tuples, and reports a conditional answer as not allowed", async () => {
    const { server, service } = await serve();
    const answer = await gql(
      server.url,
      `query($c: Consistency, $ctx: [RelationshipTuple!]) {
        check(store: "default", resource: "document:x", permission: "viewer", subject: "user:ann", consistency: $c, contextualTuples: $ctx) {
          allowed permissionship } }`,
      { c: { atLeastAsFresh: "default.inc1.0" }, ctx: ['document:x#viewer@user:ann[on_weekdays:{"day":1}]'] },
    );
    expect(dataOf(answer)).toEqual({ check: { allowed: false, permissionship: "CONDITIONAL_PERMISSION" } });
    const call = service.calls.find((c) => c[0] === "check");
    expect(call?.[3]).toEqual({ kind: "atLeastAsFresh", token: "default.inc1.0" });
    expect(call?.[2]).toMatchObject({
      resource: { type: "document", id: "x" },
      subject: { type: "user", id: "ann", relation: "" },
      contextualTuples: [{ relation: "viewer", caveat: { name: "on_weekdays", context: { day: 1 } } }],
    });
  });

  it("accepts each consistency mode", async () => {
    const { server, service } = await serve();
    for (const c of ["{minimizeLatency: true}", "{fullyConsistent: true}", '{atLeastAsFresh: "t"}']) {
      dataOf(
        await gql(
          server.url,
          `{ check(resource: "a:b", permission: "r", subject: "user:c", consistency: ${c}) { allowed } }`,
        ),
      );
    }
    expect(service.calls.filter((c) => c[0] === "check").map((c) => c[3])).toEqual([
      { kind: "minimizeLatency" },
      { kind: "fullyConsistent" },
      { kind: "atLeastAsFresh", token: "t" },
    ]);
  });

  it("accepts OpenFGA-style ids that SpiceDB's rules refuse", async () => {
    const { server, service } = await serve();
    dataOf(
      await gql(
        server.url,
        `{ check(resource: "doc:roadmap.pdf", permission: "viewer", subject: "user:anne.smith") { allowed } }`,
      ),
    );
    expect(service.calls.find((c) => c[0] === "check")?.[2]).toMatchObject({
      resource: { type: "doc", id: "roadmap.pdf" },
      subject: { type: "user", id: "anne.smith" },
    });
  });

  it("answers checkBulk per item, in input order, with per-item errors", async () => {
    const { server } = await serve();
    await gql(server.url, WRITE, {
      updates: [{ operation: "TOUCH", relationship: "document:x#viewer@user:*" }],
    });
    const answer = await gql(
      server.url,
      `query($checks: [CheckBulkItem!]!) { checkBulk(checks: $checks, consistency: {fullyConsistent: true}) {
        results { allowed permissionship error { code message } } checkedAt } }`,
      {
        checks: [
          { resource: "document:x", permission: "viewer", subject: "user:anyone" },
          { resource: "document:x", permission: "missing", subject: "user:anyone" },
          { resource: "document:y", permission: "viewer", subject: "user:anyone" },
          {
            resource: "document:y",
            permission: "viewer",
            subject: "user:z",
            contextualTuples: ["document:y#viewer@user:z"],
          },
          { resource: "document:y", permission: "leaky", subject: "user:z" },
        ],
      },
    );
    expect(dataOf(answer)).toEqual({
      checkBulk: {
        results: [
          { allowed: true, permissionship: "HAS_PERMISSION", error: null },
          {
            allowed: null,
            permissionship: null,
            error: { code: "SCHEMA_VIOLATION", message: 'document has no permission "missing"' },
          },
          { allowed: false, permissionship: "NO_PERMISSION", error: null },
          { allowed: true, permissionship: "HAS_PERMISSION", error: null },
          // A code outside the closed enum is a bug somewhere inside: INTERNAL, said generically.
          {
            allowed: null,
            permissionship: null,
            error: { code: "INTERNAL", message: "Internal error; the server log has the details." },
          },
        ],
        checkedAt: "default.inc1.1",
      },
    });
  });

  it("answers GET queries when preflight-proof", async () => {
    const { server } = await serve();
    const url = `${server.url}?query=${encodeURIComponent('{ check(resource: "a:b", permission: "r", subject: "user:c") { allowed } }')}`;
    const res = await fetch(url, { headers: { "apollo-require-preflight": "true" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { check: { allowed: false } } });
  });
});
