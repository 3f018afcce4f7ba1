/**
 * Signed consistency tokens through the service, on memory and on Neo4j: a token the service issued
 * is accepted; an altered, made-up or foreign-secret token is INVALID_ARGUMENT at once; unsigned
 * tokens of 0.1 are still accepted unless they name a revision the store never reached; replicas on
 * one Neo4j share the secret.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  configFromEnv,
  createRelgraph,
  ErrorCode,
  neo4jConfigFromEnv,
  parseObjectRef,
  parseSubjectRef,
  parseTuple,
  type Consistency,
  type Relgraph,
} from "../../src/index.ts";
import { decodeToken } from "../../src/store/token.ts";

const SCHEMA = "definition user {}\ndefinition doc { relation viewer: user }";
const CHECK = {
  resource: parseObjectRef("doc:1"),
  permission: "viewer",
  subject: parseSubjectRef("user:ann"),
};
const run = Math.random().toString(36).slice(2, 8);

/** An unsigned token in the 0.1 format, naming any revision. */
function legacyToken(store: string, incarnation: string, revision: number, schemaRevision: number): string {
  const body = JSON.stringify([store, incarnation, revision, schemaRevision]);
  return `rg1_${Buffer.from(body, "utf8").toString("base64url")}`;
}

/** The token with its payload's revision replaced, the signature kept. */
function withRevision(token: string, revision: number): string {
  const [payload, mac] = token.split(".");
  const body = JSON.parse(Buffer.from(payload!.slice(4), "base64url").toString()) as unknown[];
  body[2] = revision;
  return `rg2_${Buffer.from(JSON.stringify(body)).toString("base64url")}.${mac}`;
}

const at = (token: string): Consistency => ({ kind: "atLeastAsFresh", token });

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error("expected a rejection");
}

for (const backend of ["memory", "neo4j"] as const) {
  describe(`signed tokens (${backend})`, () => {
    let rg: Relgraph;
    const store = `tokens-${run}-${backend}`;
    let token: string;

    beforeAll(async () => {
      rg =
        backend === "memory"
          ? await createRelgraph({ memory: true })
          : await createRelgraph({ neo4j: neo4jConfigFromEnv(process.env), config: configFromEnv({}) });
      await rg.createStore(store);
      await rg.writeSchema(store, SCHEMA, "ZED");
      ({ token } = await rg.writeRelationships(store, [
        { operation: "TOUCH", tuple: parseTuple("doc:1#viewer@user:ann") },
      ]));
    });
    afterAll(async () => {
      await rg.deleteStore(store).catch(() => {});
      await rg.close();
    });

    it("accepts the tokens it issues, on every read that takes one", async () => {
      expect(token).toMatch(/^rg2_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      expect((await rg.check(store, CHECK, at(token))).permissionship).toBe("HAS_PERMISSION");
      expect((await rg.checkBulk(store, [CHECK], at(token))).results).toHaveLength(1);
      await rg.relationships(store, {}, { first: 10, consistency: at(token) });
      await rg.expand(store, CHECK.resource, "viewer", at(token));
      const changes = await rg.changes(store, { first: 10 });
      await rg.changes(store, { first: 10, after: changes.token });
    });

    it("refuses an altered token, a made-up one and one signed with another secret", async () => {
      const revision = decodeToken(token).revision;
      const altered = withRevision(token, revision + 1_000_000_000);
      for (const read of [
        () => rg.check(store, CHECK, at(altered)),
        () => rg.checkBulk(store, [CHECK], at(altered)),
        () => rg.relationships(store, {}, { first: 1, consistency: at(altered) }),
        () =>
          rg.lookupResources(
            store,
            { resourceType: "doc", permission: "viewer", subject: CHECK.subject },
            {
              first: 10,
              consistency: at(altered),
            },
          ),
        () => rg.changes(store, { first: 1, after: altered }),
      ]) {
        const e = await rejection(read());
        expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
        expect(e.message).toMatch(/signature does not match/);
      }
      const other = await createRelgraph({ memory: true });
      try {
        // Verified before anything else, so the store it names does not matter.
        const { token: foreign } = await other.writeSchema("default", SCHEMA, "ZED");
        const e = await rejection(rg.check(store, CHECK, at(foreign)));
        expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
        expect(e.message).toMatch(/signature does not match/);
      } finally {
        await other.close();
      }
    });

    it("still accepts unsigned 0.1 tokens, but not one past the store's head", async () => {
      const issued = decodeToken(token);
      const legacy = legacyToken(store, issued.incarnation, issued.revision, issued.schemaRevision);
      expect((await rg.check(store, CHECK, at(legacy))).permissionship).toBe("HAS_PERMISSION");
      await rg.relationships(store, {}, { first: 1, consistency: at(legacy) });
      // Used to hold the request for the whole consistency wait (5 s), then DEADLINE_EXCEEDED.
      const madeUp = legacyToken(store, issued.incarnation, 1_000_000_000, issued.schemaRevision);
      for (const read of [
        () => rg.check(store, CHECK, at(madeUp)),
        () => rg.relationships(store, {}, { first: 1, consistency: at(madeUp) }),
      ]) {
        const e = await rejection(read());
        expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
        expect(e.message).toMatch(/names revision 1000000000, but the store's head is \d+/);
      }
    });
  });
}

describe("signed tokens across replicas (neo4j)", () => {
  it("share the secret kept in Neo4j, unless RELGRAPH_TOKEN_SECRET sets another", async () => {
    const neo4j = neo4jConfigFromEnv(process.env);
    const a = await createRelgraph({ neo4j, config: configFromEnv({}) });
    const b = await createRelgraph({ neo4j, config: configFromEnv({}) });
    const c = await createRelgraph({
      neo4j,
      config: configFromEnv({ RELGRAPH_TOKEN_SECRET: "x".repeat(32) }),
    });
    const store = `tokens-${run}-replicas`;
    try {
      await a.createStore(store);
      await a.writeSchema(store, SCHEMA, "ZED");
      const { token } = await a.writeRelationships(store, [
        { operation: "TOUCH", tuple: parseTuple("doc:1#viewer@user:ann") },
      ]);
      expect((await b.check(store, CHECK, at(token))).permissionship).toBe("HAS_PERMISSION");
      const e = await rejection(c.check(store, CHECK, at(token)));
      expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(e.message).toMatch(/another RELGRAPH_TOKEN_SECRET/);
    } finally {
      await a.deleteStore(store).catch(() => {});
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it("refuses a RELGRAPH_TOKEN_SECRET shorter than 32 characters", () => {
    expect(() => configFromEnv({ RELGRAPH_TOKEN_SECRET: "short" })).toThrow(/at least 32 characters, got 5/);
  });
});
