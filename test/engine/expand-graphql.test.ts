/** `expand` and `check(explain: true)` through the GraphQL API, on the in-memory backend. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";

const SCHEMA = `definition user {}
definition group { relation member: user | group#member }
definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}
definition document {
  relation parent: folder
  relation viewer: user | group#member
  relation banned: user
  permission view = (viewer + parent->view) - banned
}`;

let service: Relgraph;
let server: RunningServer;

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as {
    data?: Record<string, unknown>;
    errors?: { extensions: { code: string } }[];
  };
}

beforeAll(async () => {
  service = await createRelgraph({ memory: true });
  await service.writeSchema("default", SCHEMA, "ZED");
  await service.writeRelationships(
    "default",
    [
      "document:d#parent@folder:a",
      "folder:a#parent@folder:b",
      "folder:b#viewer@group:eng#member",
      "group:eng#member@user:ann",
      "group:eng#member@group:eng#member",
      "document:d#banned@user:bob",
    ].map((t) => ({ operation: "TOUCH" as const, tuple: parseTuple(t) })),
  );
  server = await startServer({ service, host: "127.0.0.1", port: 0, log: () => undefined });
});

afterAll(async () => {
  await server?.close();
  await service?.close();
});

describe("GraphQL", () => {
  it("expand: a flat DAG with cycles marked", async () => {
    const r = await gql(`{ expand(resource: "document:d", permission: "view") {
      root truncated expandedAt nodes { id kind resource relation children subjects cycleTo } } }`);
    expect(r.errors).toBeUndefined();
    const e = r.data!["expand"] as {
      root: string;
      truncated: boolean;
      nodes: { id: string; kind: string; subjects: string[]; children: string[]; cycleTo: string | null }[];
    };
    expect(e.root).toBe("document:d#view");
    expect(e.truncated).toBe(false);
    const ids = new Set(e.nodes.map((n) => n.id));
    for (const n of e.nodes) for (const c of n.children) expect(ids.has(c)).toBe(true);
    const eng = e.nodes.find((n) => n.id === "group:eng#member")!;
    expect(eng.subjects).toEqual(["user:ann", "group:eng#member"]);
    expect(e.nodes.find((n) => n.cycleTo === "group:eng#member")).toBeDefined();
    expect(e.nodes[0]!.kind).toBe("EXCLUSION");
  });

  it("expand: maxNodes caps and says so; out of range is INVALID_ARGUMENT", async () => {
    const r = await gql(
      `{ expand(resource: "document:d", permission: "view", maxNodes: 3) { truncated nodes { id } } }`,
    );
    expect(r.data!["expand"]).toMatchObject({ truncated: true });
    expect((r.data!["expand"] as { nodes: unknown[] }).nodes).toHaveLength(3);
    const bad = await gql(
      `{ expand(resource: "document:d", permission: "view", maxNodes: 0) { truncated } }`,
    );
    expect(bad.errors?.[0]?.extensions.code).toBe("INVALID_ARGUMENT");
    const unknown = await gql(`{ expand(resource: "document:d", permission: "nope") { truncated } }`);
    expect(unknown.errors?.[0]?.extensions.code).toBe("FAILED_PRECONDITION");
  });

  it("check(explain: true): the proof, its path, the Browser Cypher and URL", async () => {
    const r =
      await gql(`{ check(resource: "document:d", permission: "view", subject: "user:ann", explain: true) {
      allowed explanation { root truncated path cypher browserUrl
        nodes { id kind resource relation result children relationships subjects cycleTo note } } } }`);
    expect(r.errors).toBeUndefined();
    const c = r.data!["check"] as {
      allowed: boolean;
      explanation: {
        root: string;
        path: string[];
        cypher: string;
        browserUrl: string;
        nodes: { note: string | null }[];
      };
    };
    expect(c.allowed).toBe(true);
    expect(c.explanation.path).toEqual([
      "document:d#parent@folder:a",
      "folder:a#parent@folder:b",
      "folder:b#viewer@group:eng#member",
      "group:eng#member@user:ann",
    ]);
    expect(c.explanation.cypher).toContain(":param hops => [");
    expect(c.explanation.cypher).toContain("UNWIND");
    expect(c.explanation.cypher).not.toContain('MATCH (a {store: $store, id: "d"');
    expect(c.explanation.browserUrl).toMatch(/^http:\/\/localhost:7474\/browser\/\?cmd=edit&arg=/);
    expect(c.explanation.nodes.some((n) => n.note === "the subtracted side did not hold")).toBe(true);
  });

  it("check(explain: true) denied: the branches tried, no path", async () => {
    const r =
      await gql(`{ check(resource: "document:d", permission: "view", subject: "user:bob", explain: true) {
      allowed explanation { path cypher browserUrl nodes { id result } } } }`);
    const c = r.data!["check"] as {
      allowed: boolean;
      explanation: { path: string[]; cypher: string | null; nodes: unknown[] };
    };
    expect(c.allowed).toBe(false);
    expect(c.explanation.path).toEqual([]);
    expect(c.explanation.cypher).toBeNull();
    expect(c.explanation.nodes.length).toBeGreaterThan(1);
  });

  it("check without explain: explanation is null", async () => {
    const r = await gql(
      `{ check(resource: "document:d", permission: "view", subject: "user:ann") { allowed explanation { root } } }`,
    );
    expect(r.data!["check"]).toEqual({ allowed: true, explanation: null });
  });
});
