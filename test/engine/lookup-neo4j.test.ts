/**
 * The lookup consistency property on Neo4j (createRelgraph over the Neo4j the global setup
 * provides): a fixed-seed subset of the random worlds in `npm test` (RELGRAPH_LOOKUP_NEO4J_RUNS,
 * default 24), all 300 in `npm run test:full`; page sizes 1, 7 and 1,000.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { neo4jConfigFromEnv } from "../../src/config.ts";
import { checkWorld, PAGE_SIZES } from "./support/lookupWorld.ts";
import { worldArb } from "./support/randomWorld.ts";

const RUNS = Number(
  process.env["RELGRAPH_LOOKUP_NEO4J_RUNS"] ?? (process.env["RELGRAPH_TEST_FULL"] ? 300 : 24),
);

describe("lookups = brute-force check (Neo4j store, random worlds, fixed seed)", () => {
  let service: Relgraph;
  const tally = { cases: 0, lookups: 0, results: 0 };
  const prefix = `lkneo${Date.now().toString(36)}`;
  beforeAll(async () => {
    service = await createRelgraph({ neo4j: neo4jConfigFromEnv() });
  });
  afterAll(async () => {
    const left = (await service.stores()).map((s) => s.name).filter((n) => n.startsWith(prefix));
    await service.close();
    expect(left).toEqual([]);
  });

  it(`holds on ${RUNS} random cases`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, async (world) => {
        const store = `${prefix}-${n++}`;
        await service.createStore(store);
        try {
          await checkWorld(service, store, world, PAGE_SIZES, tally);
        } finally {
          await service.deleteStore(store);
        }
        tally.cases++;
      }),
      { numRuns: RUNS, seed: 20261126, endOnFailure: true },
    );
    expect(tally.cases).toBe(RUNS);
  }, 900_000);
});
