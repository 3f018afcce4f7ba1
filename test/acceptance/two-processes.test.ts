/**
 * Issue 5's acceptance: two Relgraph processes on one Neo4j, each with its own in-memory projection
 * followed from the change log. A and B are separate OS processes (`relgraph serve`), driven over
 * GraphQL; C is an in-process Relgraph that polls rarely, so what it has not heard of yet is
 * deterministic.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/config.ts";
import { isRelgraphError } from "../../src/errors.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { neo4jConfigFromEnv } from "../../src/config.ts";
import { decodeToken } from "../../src/store/token.ts";
import {
  errorCode,
  gql,
  gqlData,
  serveProcess,
  stopProcess,
  uniqueStoreName,
  type Served,
} from "./support.ts";

const SCHEMA_V1 = `definition user {}
definition document {
  relation viewer: user
  relation editor: user
  permission view = viewer
}
`;
/** v2: editors may view, and a new permission `edit`. */
const SCHEMA_V2 = `definition user {}
definition document {
  relation viewer: user
  relation editor: user
  permission view = viewer + editor
  permission edit = editor
}
`;
/** v3: viewing is for viewers only again. */
const SCHEMA_V3 = `definition user {}
definition document {
  relation viewer: user
  relation editor: user
  permission view = viewer
  permission edit = editor
}
`;

/** The default freshness bound: staleness 1 s + one poll of 250 ms, with room for a busy machine. */
const FRESHNESS_MS = 2000;

const CREATE_STORE = `mutation($name: String!) { createStore(name: $name) { name revision schemaRevision } }`;
const DELETE_STORE = `mutation($name: String!) { deleteStore(name: $name) }`;
const WRITE_SCHEMA = `mutation($store: String!, $schema: String!) { writeSchema(store: $store, schema: $schema) { token } }`;
const WRITE = `mutation($store: String!, $updates: [RelationshipUpdate!]!) {
  writeRelationships(store: $store, updates: $updates) { token } }`;
const CHECK = `query($store: String!, $resource: ObjectRef!, $permission: String!, $subject: SubjectRef!, $consistency: Consistency) {
  check(store: $store, resource: $resource, permission: $permission, subject: $subject, consistency: $consistency) {
    allowed permissionship checkedAt } }`;
const RELATIONSHIPS = `query($store: String!, $filter: RelationshipFilter, $consistency: Consistency) {
  relationships(store: $store, filter: $filter, first: 100, consistency: $consistency) {
    edges { node { relationship } } readAt staleCursor } }`;

interface CheckData {
  check: { allowed: boolean; permissionship: string; checkedAt: string };
}
interface RelationshipsData {
  relationships: { edges: { node: { relationship: string } }[]; readAt: string; staleCursor: boolean };
}

type Consistency = { atLeastAsFresh: string } | { minimizeLatency: true } | { fullyConsistent: true };

function check(
  url: string,
  store: string,
  resource: string,
  permission: string,
  subject: string,
  consistency: Consistency,
) {
  return gql<CheckData>(url, CHECK, { store, resource, permission, subject, consistency });
}

async function allowed(
  url: string,
  store: string,
  resource: string,
  permission: string,
  subject: string,
  consistency: Consistency,
): Promise<boolean> {
  const r = await check(url, store, resource, permission, subject, consistency);
  if (r.errors?.length || !r.data) throw new Error(`check failed: ${JSON.stringify(r.errors)}`);
  return r.data.check.allowed;
}

async function write(url: string, store: string, operation: string, ...tuples: string[]): Promise<string> {
  const d = await gqlData<{ writeRelationships: { token: string } }>(url, WRITE, {
    store,
    updates: tuples.map((relationship) => ({ operation, relationship })),
  });
  return d.writeRelationships.token;
}

async function writeSchema(url: string, store: string, schema: string): Promise<string> {
  const d = await gqlData<{ writeSchema: { token: string } }>(url, WRITE_SCHEMA, { store, schema });
  return d.writeSchema.token;
}

async function createStore(url: string, name: string): Promise<void> {
  await gqlData(url, CREATE_STORE, { name });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Asks B with minimizeLatency until the check is allowed; the ms it took from `since`, or undefined
 * after `FRESHNESS_MS + 3 s`. UNAVAILABLE (B's projection past its staleness bound on a busy
 * machine) counts as "not yet".
 */
async function msUntilAllowed(
  url: string,
  store: string,
  resource: string,
  permission: string,
  subject: string,
  since: number,
): Promise<number | undefined> {
  while (Date.now() - since < FRESHNESS_MS + 3000) {
    const r = await check(url, store, resource, permission, subject, { minimizeLatency: true });
    if (r.data?.check.allowed) return Date.now() - since;
    if (!r.data && errorCode(r) !== "UNAVAILABLE")
      throw new Error(`check failed: ${JSON.stringify(r.errors)}`);
    await sleep(20);
  }
  return undefined;
}

describe("two Relgraph processes on one Neo4j", () => {
  let a: Served | undefined;
  let b: Served | undefined;
  const created = new Set<string>();

  const A = () => a!.url;
  const B = () => b!.url;

  async function newStore(prefix: string, schema: string): Promise<{ name: string; schemaToken: string }> {
    const name = uniqueStoreName(`acc-2p-${prefix}`);
    await createStore(A(), name);
    created.add(name);
    return { name, schemaToken: await writeSchema(A(), name, schema) };
  }

  beforeAll(async () => {
    // One after the other: two `serve` starting at once on a fresh Neo4j race to create the demo
    // stores, and the loser exits with ALREADY_EXISTS (src/cli/demo.ts; reported separately).
    a = await serveProcess();
    b = await serveProcess();
  }, 360_000);

  // A process that died fails the test it died in (with its output) and is replaced for the next.
  afterEach(async () => {
    await sleep(300); // one poll interval: a crash caused by the test shows up now
    const dead = (
      [
        ["A", a],
        ["B", b],
      ] as const
    ).filter(([, s]) => s !== undefined && s.child.exitCode !== null);
    if (dead.length > 0)
      throw new Error(
        dead
          .map(([n, s]) => `process ${n} exited with ${s?.child.exitCode}:\n${s?.output() ?? ""}`)
          .join("\n"),
      );
  });
  beforeEach(async () => {
    if (a && a.child.exitCode !== null) a = await serveProcess();
    if (b && b.child.exitCode !== null) b = await serveProcess();
  }, 120_000);

  afterAll(async () => {
    // B first: deleting stores B follows is covered by its own test above.
    const codeB = await stopProcess(b);
    if (a) for (const name of created) await gql(A(), DELETE_STORE, { name }).catch(() => undefined);
    const codes = [await stopProcess(a), codeB];
    expect(codes, `A:\n${a?.output() ?? ""}\nB:\n${b?.output() ?? ""}`).toEqual([0, 0]);
  }, 60_000);

  it("runs A and B as two processes on two ports", () => {
    expect(a!.child.pid).not.toBe(b!.child.pid);
    expect(new URL(A()).port).not.toBe(new URL(B()).port);
  });

  it("a write through A is seen at once by a check and a relationships read through B with its token", async () => {
    const { name } = await newStore("rw", SCHEMA_V1);
    // B loads its projection of the store first, so it is following the change log (and may lag).
    expect(await allowed(B(), name, "document:d0", "view", "user:u0", { fullyConsistent: true })).toBe(false);

    const ROUNDS = 20;
    for (let i = 0; i < ROUNDS; i++) {
      const token = await write(A(), name, "TOUCH", `document:d${i}#viewer@user:u${i}`);
      const written = decodeToken(token);
      const c = await check(B(), name, `document:d${i}`, "view", `user:u${i}`, { atLeastAsFresh: token });
      expect(c.errors).toBeUndefined();
      expect(c.data?.check.permissionship).toBe("HAS_PERMISSION");
      expect(decodeToken(c.data!.check.checkedAt).revision).toBeGreaterThanOrEqual(written.revision);

      const r = await gqlData<RelationshipsData>(B(), RELATIONSHIPS, {
        store: name,
        filter: { resourceType: "document", resourceId: `d${i}` },
        consistency: { atLeastAsFresh: token },
      });
      expect(r.relationships.edges.map((e) => e.node.relationship)).toEqual([
        `document:d${i}#viewer@user:u${i}`,
      ]);
      expect(decodeToken(r.relationships.readAt).revision).toBeGreaterThanOrEqual(written.revision);
    }

    // Deletes travel the same way.
    const token = await write(A(), name, "DELETE", "document:d7#viewer@user:u7");
    expect(await allowed(B(), name, "document:d7", "view", "user:u7", { atLeastAsFresh: token })).toBe(false);
    expect(await allowed(B(), name, "document:d8", "view", "user:u8", { atLeastAsFresh: token })).toBe(true);
    const all = await gqlData<RelationshipsData>(B(), RELATIONSHIPS, {
      store: name,
      consistency: { atLeastAsFresh: token },
    });
    expect(all.relationships.edges).toHaveLength(ROUNDS - 1);
  });

  it(`a schema written through A is used by B within the freshness bound (${FRESHNESS_MS} ms, minimizeLatency)`, async () => {
    const { name } = await newStore("schema", SCHEMA_V1);
    const tupleToken = await write(A(), name, "TOUCH", "document:d#editor@user:ed");
    // B has the store loaded with v1: an editor cannot view, and `edit` does not exist.
    expect(await allowed(B(), name, "document:d", "view", "user:ed", { atLeastAsFresh: tupleToken })).toBe(
      false,
    );
    const noEdit = await check(B(), name, "document:d", "edit", "user:ed", { atLeastAsFresh: tupleToken });
    expect(noEdit.data ?? null).toBeNull();
    expect(errorCode(noEdit)).toBe("FAILED_PRECONDITION");
    expect(noEdit.errors?.[0]?.message).toMatch(/`edit` not found/);

    await writeSchema(A(), name, SCHEMA_V2);
    const seenAfter = await msUntilAllowed(B(), name, "document:d", "view", "user:ed", Date.now());
    expect(seenAfter, "B never used the new schema").toBeDefined();
    expect(seenAfter!).toBeLessThanOrEqual(FRESHNESS_MS);
    expect(await allowed(B(), name, "document:d", "edit", "user:ed", { fullyConsistent: true })).toBe(true);

    // With the schema write's token, B uses the new schema at once.
    const v3 = await writeSchema(A(), name, SCHEMA_V3);
    expect(await allowed(B(), name, "document:d", "view", "user:ed", { atLeastAsFresh: v3 })).toBe(false);
    expect(await allowed(B(), name, "document:d", "edit", "user:ed", { atLeastAsFresh: v3 })).toBe(true);
  });

  it("a token from a deleted and re-created store is INVALID_ARGUMENT through B", async () => {
    const { name } = await newStore("incarnation", SCHEMA_V1);
    const old = await write(A(), name, "TOUCH", "document:d#viewer@user:old");
    expect(await allowed(B(), name, "document:d", "view", "user:old", { atLeastAsFresh: old })).toBe(true);

    await gqlData(A(), DELETE_STORE, { name });
    await createStore(A(), name);
    await writeSchema(A(), name, SCHEMA_V1);
    const fresh = await write(A(), name, "TOUCH", "document:d#viewer@user:new");
    expect(decodeToken(fresh).incarnation).not.toBe(decodeToken(old).incarnation);

    // A relationships read asks Neo4j for the store's incarnation: refused at once.
    const rel = await gql(B(), RELATIONSHIPS, { store: name, consistency: { atLeastAsFresh: old } });
    expect(errorCode(rel)).toBe("INVALID_ARGUMENT");
    expect(rel.errors?.[0]?.message).toMatch(/deleted and re-created/);

    // A check: refused once B has heard of the new incarnation (within the freshness bound).
    const heard = await msUntilAllowed(B(), name, "document:d", "view", "user:new", Date.now());
    expect(heard, "B never reached the new incarnation").toBeDefined();
    expect(heard!).toBeLessThanOrEqual(FRESHNESS_MS);
    const c = await check(B(), name, "document:d", "view", "user:old", { atLeastAsFresh: old });
    expect(errorCode(c)).toBe("INVALID_ARGUMENT");
    expect(c.errors?.[0]?.message).toMatch(/deleted and re-created/);

    // The new incarnation's token works, and the old tuple is gone.
    expect(await allowed(B(), name, "document:d", "view", "user:new", { atLeastAsFresh: fresh })).toBe(true);
    expect(await allowed(B(), name, "document:d", "view", "user:old", { atLeastAsFresh: fresh })).toBe(false);
  });

  it("B stays up when A deletes a store B follows, and answers NOT_FOUND for it", async () => {
    const { name } = await newStore("deleted", SCHEMA_V1);
    const other = await newStore("survivor", SCHEMA_V1);
    const token = await write(A(), name, "TOUCH", "document:d#viewer@user:u");
    const otherToken = await write(A(), other.name, "TOUCH", "document:d#viewer@user:u");
    // B follows both stores.
    expect(await allowed(B(), name, "document:d", "view", "user:u", { atLeastAsFresh: token })).toBe(true);
    expect(
      await allowed(B(), other.name, "document:d", "view", "user:u", { atLeastAsFresh: otherToken }),
    ).toBe(true);

    await gqlData(A(), DELETE_STORE, { name });
    created.delete(name);
    // Let B's poller (every 250 ms) run into the missing store a few times.
    await sleep(1000);

    expect(b!.child.exitCode, `B exited:\n${b!.output()}`).toBeNull();
    expect((await fetch(new URL("/healthz", B()))).status).toBe(200);
    const gone = await check(B(), name, "document:d", "view", "user:u", { fullyConsistent: true });
    expect(errorCode(gone)).toBe("NOT_FOUND");
    const rel = await gql(B(), RELATIONSHIPS, { store: name });
    expect(errorCode(rel)).toBe("NOT_FOUND");
    expect(await allowed(B(), other.name, "document:d", "view", "user:u", { fullyConsistent: true })).toBe(
      true,
    );
  });

  describe("with a third, in-process Relgraph that polls once a minute", () => {
    let c: Relgraph;
    beforeAll(async () => {
      c = await createRelgraph({
        neo4j: neo4jConfigFromEnv(),
        config: configFromEnv({ RELGRAPH_POLL_INTERVAL_MS: "60000", RELGRAPH_STALENESS_BOUND_MS: "60000" }),
      });
    });
    afterAll(async () => {
      await c.close();
    });

    async function codeOf(p: Promise<unknown>): Promise<string> {
      try {
        await p;
        return "OK";
      } catch (e) {
        if (isRelgraphError(e)) return e.code;
        throw e;
      }
    }

    it("takes a token of a store re-created since it loaded it: reloads at once instead of refusing", async () => {
      const { name, schemaToken } = await newStore("reload-c", SCHEMA_V1);
      const resource = { type: "document", id: "d" };
      const subject = { type: "user", id: "new", relation: "" };
      const before = await c.check(
        name,
        { resource, permission: "view", subject },
        { kind: "atLeastAsFresh", token: schemaToken },
      );
      expect(before.permissionship).toBe("NO_PERMISSION");

      await gqlData(A(), DELETE_STORE, { name });
      await createStore(A(), name);
      await writeSchema(A(), name, SCHEMA_V1);
      const fresh = await write(A(), name, "TOUCH", "document:d#viewer@user:new");

      const after = await c.check(
        name,
        { resource, permission: "view", subject },
        { kind: "atLeastAsFresh", token: fresh },
      );
      expect(after.permissionship).toBe("HAS_PERMISSION");
      expect(decodeToken(after.checkedAt).incarnation).toBe(decodeToken(fresh).incarnation);
      expect(
        await codeOf(
          c.check(
            name,
            { resource, permission: "view", subject },
            { kind: "atLeastAsFresh", token: schemaToken },
          ),
        ),
      ).toBe("INVALID_ARGUMENT");
    });

    it("refuses an old-incarnation token that makes it pull, even though the pull finds a newer revision", async () => {
      const { name, schemaToken } = await newStore("incarnation-c", SCHEMA_V1);
      const resource = { type: "document", id: "d" };
      const subject = (id: string) => ({ type: "user", id, relation: "" });
      // C loads the store at the schema's revision.
      const loaded = await c.check(
        name,
        { resource, permission: "view", subject: subject("old") },
        { kind: "atLeastAsFresh", token: schemaToken },
      );
      expect(loaded.permissionship).toBe("NO_PERMISSION");

      // A writes past C's revision, then deletes and re-creates the store with more revisions.
      const old = await write(A(), name, "TOUCH", "document:d#viewer@user:old");
      await gqlData(A(), DELETE_STORE, { name });
      await createStore(A(), name);
      await writeSchema(A(), name, SCHEMA_V1);
      await write(A(), name, "TOUCH", "document:d#viewer@user:new");
      const fresh = await write(A(), name, "TOUCH", "document:d#viewer@user:newer");
      expect(decodeToken(fresh).revision).toBeGreaterThan(decodeToken(old).revision);

      // C must pull for `old`; the pull lands in the new incarnation: the token is foreign now.
      expect(
        await codeOf(
          c.check(
            name,
            { resource, permission: "view", subject: subject("old") },
            { kind: "atLeastAsFresh", token: old },
          ),
        ),
      ).toBe("INVALID_ARGUMENT");
      const now = await c.check(
        name,
        { resource, permission: "view", subject: subject("new") },
        { kind: "atLeastAsFresh", token: fresh },
      );
      expect(now.permissionship).toBe("HAS_PERMISSION");
    });
  });
});
