// Issue 3's walking skeleton end to end: `relgraph serve` as a separate process on the test Neo4j,
// driven over HTTP exactly as the README's curl does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveProcess, stopProcess as stopServed, type Served } from "../acceptance/support.ts";

/** `relgraph serve` exactly as `npm start` runs it: demo stores included. */
const serve = (extraEnv: Record<string, string>): Promise<Served> =>
  serveProcess({ RELGRAPH_DEMO_STORES: "1", ...extraEnv });

interface GraphQLResponse {
  data?: Record<string, { allowed?: boolean; permissionship?: string; token?: string } | null> | null;
  errors?: { message: string; extensions?: { code?: string; stacktrace?: unknown } }[];
}

async function gql(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: GraphQLResponse }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as GraphQLResponse) : {} };
}

describe("relgraph serve (walking skeleton)", () => {
  let served: Served | undefined;
  beforeAll(async () => {
    served = await serve({});
  }, 120_000);
  afterAll(async () => {
    await stopServed(served);
  });

  it("writes group:admins#member@user:alice and checks alice (true) and bob (false)", async () => {
    const url = served!.url;
    const write = await gql(
      url,
      `mutation { writeRelationships(updates: [{operation: TOUCH, relationship: "group:admins#member@user:alice"}]) { token } }`,
    );
    expect(write.body.errors).toBeUndefined();
    expect(write.body.data?.["writeRelationships"]?.token).toMatch(/\S/);
    const check = await gql(
      url,
      `{ alice: check(resource: "group:admins", permission: "member", subject: "user:alice") { allowed permissionship }
         bob: check(resource: "group:admins", permission: "member", subject: "user:bob") { allowed permissionship } }`,
    );
    expect(check.body.errors).toBeUndefined();
    expect(check.body.data?.["alice"]).toEqual({ allowed: true, permissionship: "HAS_PERMISSION" });
    expect(check.body.data?.["bob"]).toEqual({ allowed: false, permissionship: "NO_PERMISSION" });
  });

  it("answers INVALID_ARGUMENT for a malformed tuple, as a literal and as a variable, without internals", async () => {
    const url = served!.url;
    const literal = await gql(
      url,
      `mutation { writeRelationships(updates: [{operation: TOUCH, relationship: "group:admins#member"}]) { token } }`,
    );
    const variable = await gql(
      url,
      `mutation W($t: RelationshipTuple!) { writeRelationships(updates: [{operation: TOUCH, relationship: $t}]) { token } }`,
      { t: "group:admins#member" },
    );
    for (const r of [literal, variable]) {
      expect(r.body.errors?.[0]?.extensions?.code).toBe("INVALID_ARGUMENT");
      expect(r.body.errors?.[0]?.message).toMatch(/@/);
      expect(r.body.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
      expect(JSON.stringify(r.body)).not.toMatch(/MATCH|MERGE|at .*\.ts:\d+/);
    }
  });

  it("refuses cross-origin requests by default", async () => {
    const res = await fetch(served!.url, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://evil.example" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves /healthz and /readyz", async () => {
    const base = new URL(served!.url);
    expect((await fetch(new URL("/healthz", base))).status).toBe(200);
    expect((await fetch(new URL("/readyz", base))).status).toBe(200);
  });

  it("shuts down cleanly on SIGTERM", async () => {
    const s = await serve({});
    expect(await stopServed(s)).toBe(0);
  }, 120_000);
});

describe("relgraph serve with RELGRAPH_API_KEYS", () => {
  let served: Served | undefined;
  beforeAll(async () => {
    served = await serve({ RELGRAPH_API_KEYS: "k-one,k-two" });
  }, 120_000);
  afterAll(async () => {
    await stopServed(served);
  });

  it("needs a key: UNAUTHENTICATED without or with a wrong one, answers with a right one", async () => {
    const q = `{ check(resource: "group:admins", permission: "member", subject: "user:alice") { allowed } }`;
    const none = await gql(served!.url, q);
    expect(none.status).toBe(401);
    expect(none.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const wrong = await gql(served!.url, q, undefined, { authorization: "Bearer k-three" });
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const right = await gql(served!.url, q, undefined, { authorization: "Bearer k-two" });
    expect(right.body.errors).toBeUndefined();
  });

  it("refuses to bind beyond loopback without keys", async () => {
    await expect(serve({ RELGRAPH_HOST: "0.0.0.0", RELGRAPH_API_KEYS: "" })).rejects.toThrow(
      /exited with [12]/,
    );
  }, 120_000);
});
