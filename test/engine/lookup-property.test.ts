/**
 * Consistency property: lookupResources and lookupSubjects equal the brute-force set of
 * check-true objects / subjects, on random schemas and tuples (test/engine/support/randomWorld.ts:
 * unions, intersections, exclusions, arrows any/all, wildcards, nested and cyclic groups, `self`),
 * walked page by page with page sizes 1, 7 and 1,000 through the service (memory store).
 * RELGRAPH_LOOKUP_RUNS overrides the number of cases (default 300).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { checkWorld, PAGE_SIZES } from "./support/lookupWorld.ts";
import { worldArb } from "./support/randomWorld.ts";

const RUNS = Number(process.env["RELGRAPH_LOOKUP_RUNS"] ?? 300);
describe("lookups = brute-force check (memory store, random worlds)", () => {
  let service: Relgraph;
  const tally = { cases: 0, lookups: 0, results: 0 };
  beforeAll(async () => {
    service = await createRelgraph({ memory: true });
  });
  afterAll(async () => {
    await service.close();
    console.log(
      `lookup property: ${tally.cases} cases, ${tally.lookups} lookups (× page sizes ${PAGE_SIZES.join(", ")}), ${tally.results} resources found`,
    );
  });

  it(`holds on ${RUNS} random cases`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, async (world) => {
        const store = `lk${n++}`;
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
  }, 600_000);
});
