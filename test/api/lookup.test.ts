/**
 * GraphQL `lookupResources` / `lookupSubjects` over the engine (createRelgraph, memory store):
 * Relay connections with readAt and staleCursor, cursors bound to the request, coded errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { dataOf, errorsOf, gql } from "./harness.ts";

let rg: Relgraph;
let server: RunningServer;

beforeAll(async () => {
  rg = await createRelgraph({ memory: true });
  await rg.writeSchema(
    "default",
    `definition user {}
definition group {
  relation member: user | group#member
}
definition document {
  relation viewer: user | user:* | group#member
  relation banned: user
  permission view = viewer - banned
}`,
    "ZED",
  );
  await rg.writeRelationships(
    "default",
    [
      "document:a#viewer@user:alice",
      "document:b#viewer@group:eng#member",
      "document:c#viewer@user:alice",
      "group:eng#member@user:alice",
      "document:pub#viewer@user:*",
      "document:pub#banned@user:eve",
    ].map((t) => ({ operation: "TOUCH" as const, tuple: parseTuple(t) })),
  );
  server = await startServer({ host: "127.0.0.1", port: 0, service: rg, log: () => undefined });
});
afterAll(async () => {
  await server.close();
  await rg.close();
});

const LR = `query($first: Int, $after: String, $ctx: [RelationshipTuple!], $subject: SubjectRef!) {
  lookupResources(resourceType: "document", permission: "view", subject: $subject, first: $first, after: $after, contextualTuples: $ctx) {
    edges { cursor node { resource permissionship } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    readAt
    staleCursor
  }
}`;

interface LrPage {
  edges: { cursor: string | null; node: { resource: string; permissionship: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  readAt: string;
  staleCursor: boolean;
}

describe("GraphQL lookupResources", () => {
  it("pages through the objects in id order", async () => {
    const p1 = dataOf(await gql(server.url, LR, { first: 2, subject: "user:alice" }))[
      "lookupResources"
    ] as LrPage;
    expect(p1.edges.map((e) => e.node.resource)).toEqual(["document:a", "document:b"]);
    expect(p1.edges.map((e) => e.cursor)).toEqual([null, p1.pageInfo.endCursor]);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    expect(p1.staleCursor).toBe(false);
    expect(p1.readAt).not.toBe("");
    const p2 = dataOf(
      await gql(server.url, LR, { first: 2, after: p1.pageInfo.endCursor, subject: "user:alice" }),
    )["lookupResources"] as LrPage;
    expect(p2.edges.map((e) => e.node)).toEqual([
      { resource: "document:c", permissionship: "HAS_PERMISSION" },
      { resource: "document:pub", permissionship: "HAS_PERMISSION" },
    ]);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: false, endCursor: null });
  });

  it("binds the cursor to the request", async () => {
    const p1 = dataOf(await gql(server.url, LR, { first: 1, subject: "user:alice" }))[
      "lookupResources"
    ] as LrPage;
    const other = errorsOf(
      await gql(server.url, LR, { first: 1, after: p1.pageInfo.endCursor, subject: "user:bob" }),
    );
    expect(other[0]?.extensions.code).toBe("INVALID_ARGUMENT");
    const ctx = errorsOf(
      await gql(server.url, LR, {
        first: 1,
        after: p1.pageInfo.endCursor,
        subject: "user:alice",
        ctx: ["document:z#viewer@user:alice"],
      }),
    );
    expect(ctx[0]?.extensions.code).toBe("INVALID_ARGUMENT");
  });

  it("uses contextual tuples and refuses pages above 1,000", async () => {
    const p = dataOf(
      await gql(server.url, LR, { first: 10, subject: "user:bob", ctx: ["document:z#viewer@user:bob"] }),
    )["lookupResources"] as LrPage;
    expect(p.edges.map((e) => e.node.resource)).toEqual(["document:pub", "document:z"]);
    const big = errorsOf(await gql(server.url, LR, { first: 1001, subject: "user:bob" }));
    expect(big[0]?.extensions.code).toBe("RESOURCE_EXHAUSTED");
  });
});

describe("GraphQL lookupSubjects", () => {
  const LS = `query($resource: ObjectRef!, $type: String!, $rel: String, $first: Int, $after: String) {
    lookupSubjects(resource: $resource, permission: "view", subjectType: $type, subjectRelation: $rel, first: $first, after: $after) {
      edges { cursor node { subject excludedSubjects permissionship } }
      pageInfo { hasNextPage endCursor }
      readAt
      staleCursor
    }
  }`;

  it("returns the wildcard with its exclusions", async () => {
    const d = dataOf(await gql(server.url, LS, { resource: "document:pub", type: "user" }))[
      "lookupSubjects"
    ] as {
      edges: { node: { subject: string; excludedSubjects: string[] } }[];
    };
    expect(d.edges.map((e) => e.node)).toEqual([
      { subject: "user:*", excludedSubjects: ["user:eve"], permissionship: "HAS_PERMISSION" },
    ]);
  });

  it("finds usersets and pages", async () => {
    const d = dataOf(
      await gql(server.url, LS, { resource: "document:b", type: "group", rel: "member", first: 1 }),
    )["lookupSubjects"] as { edges: { node: { subject: string } }[]; pageInfo: { hasNextPage: boolean } };
    expect(d.edges.map((e) => e.node.subject)).toEqual(["group:eng#member"]);
    expect(d.pageInfo.hasNextPage).toBe(false);
  });

  it("reports an unknown permission as FAILED_PRECONDITION", async () => {
    const errors = errorsOf(
      await gql(
        server.url,
        `{ lookupSubjects(resource: "document:a", permission: "nope", subjectType: "user") { readAt } }`,
      ),
    );
    expect(errors[0]?.extensions.code).toBe("FAILED_PRECONDITION");
  });
});
