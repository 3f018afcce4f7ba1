/**
 * `permissions` agrees with one check per relation and permission, on every zed validation fixture
 * (its schema and relationships; every resource and every subject they name), on the memory
 * backend, on Neo4j with the in-memory projection and on Neo4j with the Cypher evaluator.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadValidationFile } from "../../src/cli/validation/loader.ts";
import {
  configFromEnv,
  createRelgraph,
  ErrorCode,
  neo4jConfigFromEnv,
  parseObjectRef,
  parseSubjectRef,
  type Relgraph,
} from "../../src/index.ts";
import { formatObjectRef, formatSubjectRef, tupleResource, tupleSubject } from "../../src/model/tuple.ts";

const DIR = "test/fixtures/validation";
const run = Math.random().toString(36).slice(2, 8);

interface Fixture {
  readonly name: string;
  readonly schema: string;
  readonly relationships: Parameters<Relgraph["writeRelationships"]>[1];
}

/** Fixtures with at least one relationship (caveated and expiring ones included). */
async function fixtures(): Promise<Fixture[]> {
  const out: Fixture[] = [];
  for (const file of readdirSync(DIR)
    .filter((f) => f.endsWith(".yaml") && !f.endsWith(".fga.yaml"))
    .sort()) {
    const loaded = await loadValidationFile(join(DIR, file), process.cwd());
    if (!loaded.ok || loaded.file.relationships.length === 0) continue;
    out.push({
      name: file,
      schema: loaded.file.schema,
      relationships: loaded.file.relationships.map((tuple) => ({ operation: "TOUCH" as const, tuple })),
    });
  }
  return out;
}

/**
 * `every`: compare on every n-th fixture only (Neo4j answers cost round trips; the memory suite
 * covers them all).
 */
function suite(name: string, open: () => Promise<Relgraph>, every = 1, wholeStore = true) {
  describe(`permissions (${name})`, () => {
    let rg: Relgraph;
    const stores: string[] = [];
    beforeAll(async () => {
      rg = await open();
    });
    afterAll(async () => {
      for (const s of stores) await rg.deleteStore(s).catch(() => undefined);
      await rg.close();
    });

    it("agrees with one check per member on every fixture", async () => {
      const all = await fixtures();
      expect(all.length).toBeGreaterThan(20);
      let compared = 0;
      for (const [i, f] of all.entries()) {
        if (i % every !== 0) continue;
        const store = `perm-${run}-${i}`;
        stores.push(store);
        await rg.createStore(store);
        try {
          await rg.writeSchema(store, f.schema, "ZED");
        } catch (e) {
          // Schemas the engine refuses (parsed-but-unimplemented constructs) have no answers to compare.
          // Fixtures about refused schemas (unimplemented or invalid on purpose) have no answers.
          const code = (e as { code?: string }).code;
          if (code === ErrorCode.UNIMPLEMENTED || code === ErrorCode.INVALID_SCHEMA) continue;
          throw e;
        }
        let token: string;
        try {
          ({ token } = await rg.writeRelationships(store, f.relationships));
        } catch (e) {
          // A fixture about relationships its schema refuses: nothing to compare either.
          if ((e as { code?: string }).code === ErrorCode.SCHEMA_VIOLATION) continue;
          throw e;
        }
        const tuples = f.relationships.map((u) => u.tuple);
        // Per-request reads cost a round trip per (resource, subject, member): the 60-folder chain
        // (3,700 pairs) is the memory suites' to compare.
        if (!wholeStore && tuples.length > 40) continue;
        const resources = [
          ...new Map(tuples.map((t) => [formatObjectRef(tupleResource(t)), tupleResource(t)])).values(),
        ];
        const subjects = [
          ...new Map(
            tuples
              .filter((t) => t.subjectId !== "*")
              .map((t) => [formatSubjectRef(tupleSubject(t)), tupleSubject(t)]),
          ).values(),
        ];
        const consistency = { kind: "atLeastAsFresh", token } as const;
        for (const resource of resources)
          for (const subject of subjects) {
            const got = await rg.permissions(store, { resource, subject }, consistency);
            const expected = await Promise.all(
              got.results.map(async (r) => ({
                ...r,
                permissionship: (
                  await rg.check(store, { resource, permission: r.name, subject }, consistency)
                ).permissionship,
              })),
            );
            expect(
              got.results,
              `${f.name}: ${formatObjectRef(resource)} ${formatSubjectRef(subject)}`,
            ).toEqual(expected);
            compared += got.results.length;
          }
      }
      expect(compared).toBeGreaterThan(500 / every);
    });

    it("lists the members in schema order, with their kinds; refuses an unknown type", async () => {
      const store = `perm-${run}-kinds`;
      stores.push(store);
      await rg.createStore(store);
      await rg.writeSchema(
        store,
        "definition user {}\ndefinition doc {\n  relation owner: user\n  relation viewer: user\n  permission view = viewer + owner\n  permission edit = owner\n}",
        "ZED",
      );
      await rg.writeRelationships(store, [
        {
          operation: "TOUCH",
          tuple: {
            resourceType: "doc",
            resourceId: "1",
            relation: "viewer",
            subjectType: "user",
            subjectId: "ann",
            subjectRelation: "",
          },
        },
      ]);
      const out = await rg.permissions(
        store,
        { resource: parseObjectRef("doc:1"), subject: parseSubjectRef("user:ann") },
        { kind: "fullyConsistent" },
      );
      expect(out.results).toEqual([
        { name: "owner", kind: "RELATION", permissionship: "NO_PERMISSION" },
        { name: "viewer", kind: "RELATION", permissionship: "HAS_PERMISSION" },
        { name: "view", kind: "PERMISSION", permissionship: "HAS_PERMISSION" },
        { name: "edit", kind: "PERMISSION", permissionship: "NO_PERMISSION" },
      ]);
      expect(out.checkedAt).toMatch(/^rg2_/);
      if (wholeStore) {
        // Served by the projection: the members come from its schema, no store read per call.
        const reads = [vi.spyOn(rg.store, "readSchema"), vi.spyOn(rg.store, "head")];
        const again = await rg.permissions(
          store,
          { resource: parseObjectRef("doc:1"), subject: parseSubjectRef("user:ann") },
          { kind: "minimizeLatency" },
        );
        expect(again.results).toEqual(out.results);
        for (const spy of reads) {
          expect(spy).not.toHaveBeenCalled();
          spy.mockRestore();
        }
      }
      await expect(
        rg.permissions(store, { resource: parseObjectRef("folder:1"), subject: parseSubjectRef("user:ann") }),
      ).rejects.toMatchObject({
        code: ErrorCode.SCHEMA_VIOLATION,
        message: expect.stringContaining('"folder"'),
      });
    });
  });
}

suite("memory", () => createRelgraph({ memory: true }));
suite(
  "Neo4j, memory projection",
  () => createRelgraph({ neo4j: neo4jConfigFromEnv(process.env), config: configFromEnv(process.env) }),
  3,
);
suite(
  "Neo4j, Cypher evaluator",
  () =>
    createRelgraph({
      neo4j: neo4jConfigFromEnv(process.env),
      config: configFromEnv({ ...process.env, RELGRAPH_EVALUATOR: "cypher" }),
    }),
  5,
  false,
);
