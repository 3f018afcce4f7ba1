/**
 * Issue 5's acceptance: 50 concurrent writers for 10 s through GraphQL (one server on 127.0.0.1, a
 * Relgraph on the test Neo4j): every acknowledged write is in Neo4j afterwards, revisions are distinct,
 * strictly increasing in commit order and gap-free; then 20 racing CREATEs of one tuple: exactly one
 * succeeds, the others get ALREADY_EXISTS.
 */
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { createDriver } from "../../src/store/neo4j/connection.ts";
import { neo4jConfigFromEnv } from "../../src/config.ts";
import { decodeToken } from "../../src/store/token.ts";
import { errorCode, gql, gqlData, uniqueStoreName } from "./support.ts";

const WRITERS = 50;
const DURATION_MS = 10_000;
const RACERS = 20;

const SCHEMA = `definition user {}
definition document {
  relation viewer: user
}
`;

const WRITE = `mutation($store: String!, $updates: [RelationshipUpdate!]!) {
  writeRelationships(store: $store, updates: $updates) { token } }`;
const CHANGES = `query($store: String!, $after: String) {
  changes(store: $store, first: 1000, after: $after) {
    edges { node { revision operation relationship } } pageInfo { hasNextPage endCursor } token } }`;
const RELATIONSHIPS = `query($store: String!, $after: String) {
  relationships(store: $store, first: 1000, after: $after, consistency: {fullyConsistent: true}) {
    edges { node { relationship } } pageInfo { hasNextPage endCursor } staleCursor } }`;
const STORES = `{ stores { name revision schemaRevision } }`;

interface Ack {
  readonly writer: number;
  readonly seq: number;
  readonly tuple: string;
  readonly revision: number;
  readonly incarnation: string;
  readonly token: string;
}

interface ChangesData {
  changes: {
    edges: { node: { revision: number; operation: string; relationship: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}
interface RelationshipsData {
  relationships: {
    edges: { node: { relationship: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    staleCursor: boolean;
  };
}

describe("concurrent writers through GraphQL on Neo4j", () => {
  const config = neo4jConfigFromEnv();
  let relgraph: Relgraph;
  let server: RunningServer;
  let driver: Driver;
  const logs: string[] = [];
  const store = uniqueStoreName("acc-writers");
  let schemaRevision = 0;
  let incarnation = "";

  const url = () => server.url;

  async function headRevision(): Promise<number> {
    const d = await gqlData<{ stores: { name: string; revision: number }[] }>(url(), STORES);
    const s = d.stores.find((x) => x.name === store);
    if (!s) throw new Error(`store ${store} is not listed`);
    return s.revision;
  }

  /** `document:<id>#viewer@user:<id>` rows as Neo4j holds them, read with raw Cypher. */
  async function neo4jTuples(): Promise<string[]> {
    const result = await driver.executeQuery(
      "MATCH (r:`document` {store: $store})-[t:`viewer`]->(s:`user` {store: $store}) " +
        "RETURN r.id AS resource, t.srel AS srel, s.id AS subject",
      { store },
      { database: config.database },
    );
    return result.records.map(
      (r) =>
        `document:${String(r.get("resource"))}#viewer@user:${String(r.get("subject"))}` +
        (r.get("srel") ? `#${String(r.get("srel"))}` : ""),
    );
  }

  beforeAll(async () => {
    relgraph = await createRelgraph({ neo4j: config });
    server = await startServer({ service: relgraph, host: "127.0.0.1", port: 0, log: (l) => logs.push(l) });
    driver = createDriver(config);
    await gqlData(url(), `mutation($name: String!) { createStore(name: $name) { name } }`, { name: store });
    const d = await gqlData<{ writeSchema: { token: string } }>(
      url(),
      `mutation($store: String!, $schema: String!) { writeSchema(store: $store, schema: $schema) { token } }`,
      { store, schema: SCHEMA },
    );
    const t = decodeToken(d.writeSchema.token);
    schemaRevision = t.revision;
    incarnation = t.incarnation;
  });

  afterAll(async () => {
    await relgraph?.deleteStore(store).catch(() => undefined);
    await server?.close();
    await relgraph?.close();
    await driver?.close();
  });

  const acks: Ack[] = [];
  const failures: string[] = [];

  it(`${WRITERS} writers TOUCH their own tuples for ${DURATION_MS / 1000} s; every acknowledged write is in Neo4j, revisions gap-free`, async () => {
    expect(schemaRevision).toBe(1);
    const end = Date.now() + DURATION_MS;
    const writer = async (w: number): Promise<void> => {
      for (let seq = 0; Date.now() < end; seq++) {
        const tuple = `document:w${w}-${seq}#viewer@user:u${w}-${seq}`;
        try {
          const r = await gql<{ writeRelationships: { token: string } }>(url(), WRITE, {
            store,
            updates: [{ operation: "TOUCH", relationship: tuple }],
          });
          const token = r.data?.writeRelationships.token;
          if (r.errors?.length || !token) {
            failures.push(`${tuple}: ${JSON.stringify(r.errors)}`);
            continue;
          }
          const t = decodeToken(token);
          acks.push({ writer: w, seq, tuple, revision: t.revision, incarnation: t.incarnation, token });
        } catch (e) {
          failures.push(`${tuple}: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));

    // Every request was acknowledged; every writer got work done.
    expect(failures).toEqual([]);
    expect(new Set(acks.map((a) => a.writer)).size).toBe(WRITERS);
    console.log(`[concurrent-writers] ${acks.length} acknowledged writes by ${WRITERS} writers`);

    // Tokens: this store's incarnation; revisions distinct, increasing per writer.
    expect(new Set(acks.map((a) => a.incarnation))).toEqual(new Set([incarnation]));
    expect(new Set(acks.map((a) => a.revision)).size).toBe(acks.length);
    for (let w = 0; w < WRITERS; w++) {
      const mine = acks.filter((a) => a.writer === w).sort((x, y) => x.seq - y.seq);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.revision).toBeGreaterThan(mine[i - 1]!.revision);
    }

    // Gap-free: the schema write was revision 1; the writes are exactly revisions 2..head.
    const head = await headRevision();
    expect(head).toBe(schemaRevision + acks.length);
    expect(acks.map((a) => a.revision).sort((x, y) => x - y)).toEqual(
      Array.from({ length: acks.length }, (_, i) => schemaRevision + 1 + i),
    );

    // The change log, in commit order: one TOUCH per revision 2..head, each the acknowledged tuple.
    const log: { revision: number; operation: string; relationship: string }[] = [];
    let after: string | null = null;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(100);
      const d: ChangesData = await gqlData<ChangesData>(url(), CHANGES, { store, after });
      log.push(...d.changes.edges.map((e) => e.node));
      if (!d.changes.pageInfo.hasNextPage) break;
      after = d.changes.pageInfo.endCursor;
    }
    expect(log).toHaveLength(acks.length);
    expect(log.map((c) => c.revision)).toEqual(
      Array.from({ length: acks.length }, (_, i) => schemaRevision + 1 + i),
    );
    expect(log.every((c) => c.operation === "TOUCH")).toBe(true);
    const byRevision = new Map(acks.map((a) => [a.revision, a.tuple]));
    expect(log.filter((c) => byRevision.get(c.revision) !== c.relationship)).toEqual([]);

    // In Neo4j, read with raw Cypher: exactly the acknowledged tuples.
    const acked = acks.map((a) => a.tuple).sort();
    expect((await neo4jTuples()).sort()).toEqual(acked);

    // And through the relationships query.
    const listed: string[] = [];
    after = null;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(100);
      const d: RelationshipsData = await gqlData<RelationshipsData>(url(), RELATIONSHIPS, { store, after });
      expect(d.relationships.staleCursor).toBe(false);
      listed.push(...d.relationships.edges.map((e) => e.node.relationship));
      if (!d.relationships.pageInfo.hasNextPage) break;
      after = d.relationships.pageInfo.endCursor;
    }
    expect(listed).toHaveLength(acks.length);
    expect(listed.sort()).toEqual(acked);
  }, 40_000);

  it(`${RACERS} racing CREATEs of one tuple: exactly one succeeds, the others get ALREADY_EXISTS`, async () => {
    const tuple = "document:contested#viewer@user:racer";
    const before = await headRevision();
    const answers = await Promise.all(
      Array.from({ length: RACERS }, () =>
        gql<{ writeRelationships: { token: string } | null }>(url(), WRITE, {
          store,
          updates: [{ operation: "CREATE", relationship: tuple }],
        }),
      ),
    );
    const won = answers.filter((r) => r.errors === undefined && r.data?.writeRelationships?.token);
    const lost = answers.filter((r) => errorCode(r) === "ALREADY_EXISTS");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(RACERS - 1);
    for (const r of lost) expect(r.errors?.[0]?.message).toContain(tuple);

    // One revision committed, holding the one tuple once.
    const winner = decodeToken(won[0]!.data!.writeRelationships!.token);
    expect(winner.revision).toBe(before + 1);
    expect(await headRevision()).toBe(before + 1);
    expect((await neo4jTuples()).filter((t) => t === tuple)).toHaveLength(1);
    // The log after the writers' last revision: just the winner's TOUCH.
    const last = acks.reduce((x, y) => (y.revision > x.revision ? y : x));
    expect(last.revision).toBe(before);
    const d = await gqlData<ChangesData>(url(), CHANGES, { store, after: last.token });
    expect(d.changes.edges.map((e) => e.node)).toEqual([
      { revision: before + 1, operation: "TOUCH", relationship: tuple },
    ]);
    expect(logs.filter((l) => /internal|error/i.test(l))).toEqual([]);
  });
});
