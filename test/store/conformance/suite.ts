/**
 * The store conformance suite: one set of behaviours every TupleStore must show, run by
 * test/store/memory.test.ts and test/store/neo4j.test.ts. Each test works in stores of its own
 * (uniquely named), so test files run in parallel against one Neo4j.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/errors.ts";
import type { Tuple } from "../../../src/model/tuple.ts";
import type { ReadPage, RelationshipFilter, Revision, TupleStore } from "../../../src/store/interface.ts";
import { DEFAULT_STORE } from "../../../src/store/interface.ts";
import type { StoreOptions } from "../../../src/store/options.ts";
import { compareTuples } from "../../../src/store/order.ts";
import { TokenSigner, decodeToken } from "../../../src/store/token.ts";
import { FILTER_FIELDS } from "../../../src/model/filter.ts";
import { filterMatches } from "../../../src/store/validate.ts";
import {
  baseIR,
  create,
  def,
  del,
  keyOf,
  rejectsWith,
  schemaIR,
  schemaOf,
  t,
  touch,
  uniqueStoreName,
} from "./fixtures.ts";

export type MakeStore = (options?: StoreOptions) => Promise<TupleStore>;

const HOUR = 60 * 60 * 1000;

export function runStoreConformance(name: string, makeStore: MakeStore): void {
  describe(`TupleStore conformance: ${name}`, () => {
    /** A clock the suite moves forward to test change-log retention. */
    const clock = { offset: 0, now: () => Date.now() + clock.offset };
    let store: TupleStore;
    const instances: TupleStore[] = [];
    const created = new Set<string>();

    async function instance(options: StoreOptions = {}): Promise<TupleStore> {
      const s = await makeStore({ now: clock.now, ...options });
      instances.push(s);
      return s;
    }

    /** A fresh store with the base schema (or none). */
    async function fresh(prefix: string, withSchema = true, on: TupleStore = store): Promise<string> {
      const storeName = uniqueStoreName(prefix);
      await on.createStore(storeName);
      created.add(storeName);
      if (withSchema) await on.writeSchema(storeName, schemaOf(baseIR()));
      return storeName;
    }

    async function readAll(
      s: string,
      filter: RelationshipFilter = {},
      first = 1000,
      on: TupleStore = store,
    ): Promise<Tuple[]> {
      const out: Tuple[] = [];
      let after: string | undefined;
      for (;;) {
        const page: ReadPage = await on.read(s, filter, { first, ...(after !== undefined ? { after } : {}) });
        out.push(...page.tuples);
        if (page.nextCursor === undefined) return out;
        after = page.nextCursor;
      }
    }

    beforeAll(async () => {
      store = await instance();
    });

    afterAll(async () => {
      for (const s of created) await store.deleteStore(s).catch(() => undefined);
      for (const s of instances) await s.close();
    });

    // ───────────────────────────── stores ─────────────────────────────
    describe("stores", () => {
      it("always has the default store", async () => {
        const stores = await store.listStores();
        expect(stores.map((s) => s.name)).toContain(DEFAULT_STORE);
        const head = await store.head(DEFAULT_STORE);
        expect(head.store).toBe(DEFAULT_STORE);
        await rejectsWith(store.deleteStore(DEFAULT_STORE), ErrorCode.FAILED_PRECONDITION);
      });

      it("creates a store at revision 0 with a new incarnation; twice is ALREADY_EXISTS", async () => {
        const s = uniqueStoreName("create");
        const info = await store.createStore(s);
        created.add(s);
        expect(info).toMatchObject({ name: s, revision: 0, schemaRevision: 0 });
        expect(info.incarnation).not.toBe("");
        await rejectsWith(store.createStore(s), ErrorCode.ALREADY_EXISTS);
        const listed = (await store.listStores()).find((x) => x.name === s);
        expect(listed).toMatchObject({
          name: s,
          revision: 0,
          schemaRevision: 0,
          incarnation: info.incarnation,
        });
      });

      it("refuses invalid store names", async () => {
        for (const bad of ["", "A", "1abc", "a".repeat(64), "a b", "a'b", "a`b", "a/b", "ünï", "a\u0000"]) {
          await rejectsWith(store.createStore(bad), ErrorCode.INVALID_ARGUMENT);
          await rejectsWith(store.head(bad), ErrorCode.INVALID_ARGUMENT);
          await rejectsWith(store.read(bad, {}, { first: 1 }), ErrorCode.INVALID_ARGUMENT);
        }
        expect("a".repeat(63)).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
      });

      it("answers NOT_FOUND for an unknown store on every operation", async () => {
        const s = uniqueStoreName("missing");
        await rejectsWith(store.head(s), ErrorCode.NOT_FOUND);
        await rejectsWith(store.deleteStore(s), ErrorCode.NOT_FOUND);
        await rejectsWith(store.writeSchema(s, schemaOf(baseIR())), ErrorCode.NOT_FOUND);
        await rejectsWith(store.readSchema(s), ErrorCode.NOT_FOUND);
        await rejectsWith(
          store.write(s, { updates: [touch("document:a#viewer@user:x")] }),
          ErrorCode.NOT_FOUND,
        );
        await rejectsWith(store.deleteByFilter(s, { filter: {} }), ErrorCode.NOT_FOUND);
        await rejectsWith(store.read(s, {}, { first: 10 }), ErrorCode.NOT_FOUND);
        await rejectsWith(store.changes(s, 0, 10), ErrorCode.NOT_FOUND);
        await rejectsWith(store.pruneChanges(s), ErrorCode.NOT_FOUND);
      });

      it("deleteStore removes schema, tuples and change log; re-creating starts over", async () => {
        const s = await fresh("delete");
        await store.write(s, {
          updates: [touch("document:a#viewer@user:x"), touch("group:g#member@user:x")],
        });
        const before = await store.head(s);
        await store.deleteStore(s);
        await rejectsWith(store.head(s), ErrorCode.NOT_FOUND);
        expect((await store.listStores()).map((x) => x.name)).not.toContain(s);
        const again = await store.createStore(s);
        expect(again.revision).toBe(0);
        expect(again.incarnation).not.toBe(before.incarnation);
        expect(await store.readSchema(s)).toBeUndefined();
        expect(await readAll(s)).toEqual([]);
        expect((await store.changes(s, 0, 100)).changes).toEqual([]);
      });
    });

    // ───────────────────────────── schema ─────────────────────────────
    describe("schema", () => {
      it("stores a schema with a new schema revision and revision", async () => {
        const s = await fresh("schema", false);
        expect(await store.readSchema(s)).toBeUndefined();
        const rev = await store.writeSchema(s, schemaOf(baseIR()));
        expect(rev).toMatchObject({ store: s, revision: 1, schemaRevision: 1 });
        const stored = await store.readSchema(s);
        expect(stored).toMatchObject({ format: "ZED", schemaRevision: 1, text: schemaOf(baseIR()).text });
        expect(stored?.ir).toEqual(baseIR());
        const rev2 = await store.writeSchema(s, schemaOf(baseIR()));
        expect(rev2).toMatchObject({ revision: 2, schemaRevision: 2 });
        const log = await store.changes(s, 0, 100);
        expect(log.schemaChanges).toEqual([
          { schemaRevision: 1, revision: 1 },
          { schemaRevision: 2, revision: 2 },
        ]);
      });

      it("refuses tuples when the store has no schema", async () => {
        const s = await fresh("noschema", false);
        await rejectsWith(
          store.write(s, { updates: [touch("document:a#viewer@user:x")] }),
          ErrorCode.SCHEMA_VIOLATION,
        );
      });

      it("refuses removing a relation or type that holds tuples, with counts", async () => {
        const s = await fresh("schemarm");
        await store.write(s, {
          updates: [
            touch("document:a#editor@user:x"),
            touch("document:b#editor@user:y"),
            touch("folder:f#viewer@user:x"),
          ],
        });
        const noEditor = schemaIR([
          def("user"),
          def("group", { member: "user | group#member" }),
          def("folder", { viewer: "user | group#member", owner: "user" }),
          def("document", {
            parent: "folder",
            viewer: "user | user:* | group#member | user with only_odd | user with expiration",
            owner: "user",
          }),
        ]);
        const e1 = await rejectsWith(store.writeSchema(s, schemaOf(noEditor)), ErrorCode.FAILED_PRECONDITION);
        expect(e1.details["offendingRelationships"]).toBe(2);
        expect(e1.message).toContain("document#editor");

        const noFolder = schemaIR([
          def("user"),
          def("group", { member: "user | group#member" }),
          def("document", {
            viewer: "user | user:* | group#member | user with only_odd | user with expiration",
            editor: "user",
            owner: "user",
          }),
        ]);
        const e2 = await rejectsWith(store.writeSchema(s, schemaOf(noFolder)), ErrorCode.FAILED_PRECONDITION);
        expect(e2.details["offendingRelationships"]).toBe(1);
        expect(e2.message).toContain("folder#viewer");
        // Refused writes change nothing.
        expect((await store.readSchema(s))?.schemaRevision).toBe(1);

        // A relation without tuples may go (document#parent, folder#owner, group).
        const fine = schemaIR([
          def("user"),
          def("folder", { viewer: "user" }),
          def("document", {
            viewer: "user | user:* | user with only_odd | user with expiration",
            editor: "user",
            owner: "user",
          }),
        ]);
        const rev = await store.writeSchema(s, schemaOf(fine));
        expect(rev.schemaRevision).toBe(2);
      });

      it("refuses narrowing subject types that stored tuples use, with counts", async () => {
        const s = await fresh("schemanarrow");
        await store.write(s, {
          updates: [
            touch("document:a#viewer@user:*"),
            touch("document:b#viewer@user:*"),
            touch("document:c#viewer@group:g#member"),
            touch("document:d#viewer@user:x"),
            touch('document:e#viewer@user:y[only_odd:{"n":3}]'),
          ],
        });
        const narrowed = schemaIR([
          def("user"),
          def("group", { member: "user | group#member" }),
          def("folder", { viewer: "user | group#member", owner: "user" }),
          def(
            "document",
            { parent: "folder", viewer: "user | group#member", editor: "user", owner: "user" },
            ["view"],
          ),
        ]);
        const e = await rejectsWith(store.writeSchema(s, schemaOf(narrowed)), ErrorCode.FAILED_PRECONDITION);
        expect(e.details["offendingRelationships"]).toBe(3);
        expect(e.message).toContain("user:*");
        expect(e.message).toContain("only_odd");
        // Widening is always fine.
        const widened = schemaIR([
          def("user"),
          def("group", { member: "user | group#member" }),
          def("folder", { viewer: "user | group#member", owner: "user" }),
          def("document", {
            parent: "folder | group",
            viewer: "user | user:* | group#member | group | user with only_odd | user with expiration",
            editor: "user | group#member",
            owner: "user",
          }),
        ]);
        await store.writeSchema(s, schemaOf(widened));
      });

      it("lets an OpenFGA-origin model drop relations that hold tuples", async () => {
        const s = await fresh("schemafga");
        await store.write(s, { updates: [touch("document:a#editor@user:x")] });
        const fga = schemaIR([def("user"), def("document", { viewer: "user" })], "openfga");
        const rev = await store.writeSchema(s, schemaOf(fga));
        expect(rev.schemaRevision).toBe(2);
        // The misfit tuple is still there and can be deleted.
        expect((await readAll(s)).map(keyOf)).toEqual(["document:a#editor@user:x"]);
        await store.write(s, { updates: [del("document:a#editor@user:x", "openfga")] });
        expect(await readAll(s)).toEqual([]);
      });

      it("refuses type and relation names that cannot be stored", async () => {
        const s = await fresh("schemanames", false);
        for (const bad of ["a`b", "_Store", "x\\y", "a\u0000b"]) {
          await rejectsWith(
            store.writeSchema(s, schemaOf(schemaIR([def(bad)], "openfga"))),
            ErrorCode.INVALID_ARGUMENT,
          );
          await rejectsWith(
            store.writeSchema(s, schemaOf(schemaIR([def("user"), def("doc", { [bad]: "user" })], "openfga"))),
            ErrorCode.INVALID_ARGUMENT,
          );
        }
        expect(await store.readSchema(s)).toBeUndefined();
      });
    });

    // ───────────────────────────── writes ─────────────────────────────
    describe("writes", () => {
      it("TOUCH upserts, CREATE refuses an existing tuple, DELETE of an absent tuple is a no-op", async () => {
        const s = await fresh("writes");
        const r1 = await store.write(s, {
          updates: [touch("document:a#viewer@user:x"), create("document:a#editor@user:x")],
        });
        expect(r1.revision).toBe(2);
        const r2 = await store.write(s, { updates: [touch("document:a#viewer@user:x")] });
        expect(r2.revision).toBe(3);
        const e = await rejectsWith(
          store.write(s, {
            updates: [create("document:b#viewer@user:y"), create("document:a#editor@user:x")],
          }),
          ErrorCode.ALREADY_EXISTS,
        );
        expect(e.message).toContain("document:a#editor@user:x");
        // The failed batch applied nothing and took no revision.
        expect((await store.head(s)).revision).toBe(3);
        expect((await readAll(s)).map(keyOf).sort()).toEqual([
          "document:a#editor@user:x",
          "document:a#viewer@user:x",
        ]);
        const r3 = await store.write(s, { updates: [del("document:zzz#viewer@user:nobody")] });
        expect(r3.revision).toBe(4);
        await store.write(s, { updates: [del("document:a#viewer@user:x")] });
        expect((await readAll(s)).map(keyOf)).toEqual(["document:a#editor@user:x"]);
      });

      it("commits revision n+1 per write and returns it as head", async () => {
        const s = await fresh("revs");
        const base = (await store.head(s)).revision;
        for (let i = 1; i <= 5; i++) {
          const rev = await store.write(s, { updates: [touch(`document:d${i}#viewer@user:x`)] });
          expect(rev.revision).toBe(base + i);
          expect(await store.head(s)).toEqual(rev);
        }
      });

      it("keeps caveats and expirations, and TOUCH replaces them", async () => {
        const s = await fresh("traits");
        await store.write(s, {
          updates: [
            touch('document:a#viewer@user:x[only_odd:{"n":3,"s":"x\\"y"}]'),
            touch("document:b#viewer@user:x[expiration:2030-01-01T00:00:00Z]"),
          ],
        });
        const got = await readAll(s);
        expect(got).toEqual([
          t('document:a#viewer@user:x[only_odd:{"n":3,"s":"x\\"y"}]'),
          t("document:b#viewer@user:x[expiration:2030-01-01T00:00:00Z]"),
        ]);
        await store.write(s, { updates: [touch('document:a#viewer@user:x[only_odd:{"n":5}]')] });
        expect((await readAll(s, { resourceId: "a" }))[0]?.caveat).toEqual({
          name: "only_odd",
          context: { n: 5 },
        });
      });

      it("normalises the ellipsis subject relation to a direct subject", async () => {
        const s = await fresh("ellipsis");
        await store.write(s, { updates: [touch("document:a#viewer@user:x#...")] });
        expect(await readAll(s)).toEqual([t("document:a#viewer@user:x")]);
        expect(await readAll(s, { subjectRelation: "..." })).toEqual([t("document:a#viewer@user:x")]);
        expect(await readAll(s, { subjectRelation: "" })).toEqual([t("document:a#viewer@user:x")]);
      });

      it("refuses the same tuple twice in one batch", async () => {
        const s = await fresh("dups");
        await rejectsWith(
          store.write(s, { updates: [touch("document:a#viewer@user:x"), del("document:a#viewer@user:x")] }),
          ErrorCode.INVALID_ARGUMENT,
        );
        await rejectsWith(
          store.write(s, {
            updates: [touch("document:a#viewer@user:x"), touch('document:a#viewer@user:x[only_odd:{"n":1}]')],
          }),
          ErrorCode.INVALID_ARGUMENT,
        );
        expect((await store.head(s)).revision).toBe(1);
      });

      it("accepts 1,000 updates and preconditions, refuses more", async () => {
        const s = await fresh("limits");
        const updates = Array.from({ length: 1000 }, (_, i) =>
          touch(`document:d${i}#viewer@user:u${i % 10}`),
        );
        const preconditions = Array.from({ length: 1000 }, (_, i) => ({
          operation: "MUST_NOT_MATCH" as const,
          filter: { resourceType: "document", resourceId: `d${i}` },
        }));
        await store.write(s, { updates, preconditions });
        expect((await readAll(s)).length).toBe(1000);
        // Over-limit batches are RESOURCE_EXHAUSTED (as the README and checkBulk say), not INVALID_ARGUMENT.
        await rejectsWith(
          store.write(s, { updates: [...updates, touch("document:extra#viewer@user:x")] }),
          ErrorCode.RESOURCE_EXHAUSTED,
        );
        await rejectsWith(
          store.write(s, { updates: [], preconditions: [...preconditions, preconditions[0]!] }),
          ErrorCode.RESOURCE_EXHAUSTED,
        );
      });

      it("validates tuples against the schema (SCHEMA_VIOLATION)", async () => {
        const s = await fresh("violations");
        const bad = [
          "document:a#view@user:x", // a permission
          "document:a#nope@user:x", // no such relation
          "nope:a#viewer@user:x", // no such type
          "document:a#editor@user:*", // wildcard not allowed on editor
          "document:a#editor@group:g#member", // userset not allowed on editor
          "document:a#parent@user:x", // wrong subject type
          'document:a#editor@user:x[only_odd:{"n":1}]', // caveat not allowed there
          "document:a#editor@user:x[expiration:2030-01-01T00:00:00Z]", // expiration not allowed there
        ];
        for (const text of bad)
          await rejectsWith(store.write(s, { updates: [touch(text)] }), ErrorCode.SCHEMA_VIOLATION);
        await rejectsWith(
          store.write(s, { updates: [touch("document:ok#viewer@user:x"), touch(bad[0]!)] }),
          ErrorCode.SCHEMA_VIOLATION,
        );
        expect(await readAll(s)).toEqual([]);
      });

      it("20 racing CREATEs of one tuple: exactly one succeeds, the others get ALREADY_EXISTS", async () => {
        const s = await fresh("race20");
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, () =>
            store.write(s, { updates: [create("document:race#owner@user:x")] }),
          ),
        );
        const ok = results.filter((r) => r.status === "fulfilled");
        const codes = results.flatMap((r) =>
          r.status === "rejected" ? [(r.reason as { code?: string }).code] : [],
        );
        expect(ok.length).toBe(1);
        expect(codes).toEqual(Array(19).fill(ErrorCode.ALREADY_EXISTS));
        expect((await readAll(s)).map(keyOf)).toEqual(["document:race#owner@user:x"]);
      });
    });

    describe("concurrency", () => {
      it("concurrent writers: every acknowledged write is stored; revisions are gap-free and increasing", async () => {
        const s = await fresh("concurrent");
        const start = (await store.head(s)).revision;
        const acknowledged: { revision: Revision; key: string }[] = [];
        await Promise.all(
          Array.from({ length: 25 }, async (_, w) => {
            for (let i = 0; i < 2; i++) {
              const text = `document:w${w}-${i}#viewer@user:u${w}`;
              const revision = await store.write(s, { updates: [touch(text)] });
              acknowledged.push({ revision, key: text });
            }
          }),
        );
        expectGapFree(acknowledged.map((a) => a.revision));
        expect(Math.min(...acknowledged.map((a) => a.revision.revision))).toBe(start + 1);
        expect((await store.head(s)).revision).toBe(start + 50);
        const stored = new Set((await readAll(s)).map(keyOf));
        for (const a of acknowledged) expect(stored.has(a.key), a.key).toBe(true);
        // The change log has each write at the revision its writer was told.
        const log = await store.changes(s, start, 1000);
        const byKey = new Map(log.changes.map((c) => [keyOf(c.tuple), c.revision]));
        for (const a of acknowledged) expect(byKey.get(a.key)).toBe(a.revision.revision);
      });
    });

    // ───────────────────────────── preconditions ─────────────────────────────
    describe("preconditions", () => {
      it("MUST_MATCH and MUST_NOT_MATCH gate the whole batch and name the failing one", async () => {
        const s = await fresh("pre");
        await store.write(s, { updates: [touch("document:a#owner@user:x")] });
        await store.write(s, {
          updates: [touch("document:a#viewer@user:y")],
          preconditions: [
            {
              operation: "MUST_MATCH",
              filter: { resourceType: "document", resourceId: "a", relation: "owner" },
            },
            { operation: "MUST_NOT_MATCH", filter: { resourceType: "document", resourceId: "b" } },
          ],
        });
        const e = await rejectsWith(
          store.write(s, {
            updates: [touch("document:a#viewer@user:z")],
            preconditions: [
              { operation: "MUST_MATCH", filter: { subjectType: "user", subjectId: "x" } },
              {
                operation: "MUST_NOT_MATCH",
                filter: { resourceType: "document", relation: "owner", subjectId: "x" },
              },
            ],
          }),
          ErrorCode.FAILED_PRECONDITION,
        );
        expect(e.details["precondition"]).toBe(1);
        expect(e.message).toContain("preconditions[1]");
        expect(e.message).toContain("MUST_NOT_MATCH");
        const e2 = await rejectsWith(
          store.write(s, {
            updates: [touch("document:a#viewer@user:z")],
            preconditions: [{ operation: "MUST_MATCH", filter: { resourceType: "folder" } }],
          }),
          ErrorCode.FAILED_PRECONDITION,
        );
        expect(e2.details["precondition"]).toBe(0);
        expect((await readAll(s)).map(keyOf).sort()).toEqual([
          "document:a#owner@user:x",
          "document:a#viewer@user:y",
        ]);
      });

      it("two (and eight) racing writers with MUST_NOT_MATCH: exactly one wins", async () => {
        for (const writers of [2, 8]) {
          const s = await fresh(`racepre${writers}`);
          const results = await Promise.allSettled(
            Array.from({ length: writers }, (_, i) =>
              store.write(s, {
                updates: [touch(`document:doc#owner@user:u${i}`)],
                preconditions: [
                  {
                    operation: "MUST_NOT_MATCH",
                    filter: { resourceType: "document", resourceId: "doc", relation: "owner" },
                  },
                ],
              }),
            ),
          );
          expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
          for (const r of results)
            if (r.status === "rejected")
              expect((r.reason as { code?: string }).code).toBe(ErrorCode.FAILED_PRECONDITION);
          expect((await readAll(s, { relation: "owner" })).length).toBe(1);
        }
      });
    });

    // ───────────────────────────── delete by filter ─────────────────────────────
    describe("deleteExpired", () => {
      it("deletes expired relationships only, in one revision recorded as DELETE changes, up to the limit", async () => {
        const s = await fresh("expired");
        const past = "2001-01-01T00:00:00Z";
        await store.write(s, {
          updates: [
            touch(`document:a#viewer@user:x[expiration:${past}]`),
            touch(`document:b#viewer@user:x[expiration:2001-01-01T00:00:00.5+01:00]`),
            touch(`document:e#viewer@user:y[expiration:${past}]`),
            touch("document:c#viewer@user:x[expiration:2999-01-01T00:00:00Z]"),
            touch("document:d#viewer@user:x"),
          ],
        });
        const head = await store.head(s);
        const first = await store.deleteExpired(s, 2);
        expect(first.deletedCount).toBe(2);
        expect(first.revision?.revision).toBe(head.revision + 1);
        const rest = await store.deleteExpired(s, 1000);
        expect(rest.deletedCount).toBe(1);
        expect(await store.deleteExpired(s, 1000)).toEqual({ deletedCount: 0 });
        expect((await store.head(s)).revision).toBe(head.revision + 2);
        expect((await readAll(s)).map(keyOf).sort()).toEqual([
          "document:c#viewer@user:x",
          "document:d#viewer@user:x",
        ]);
        const log = await store.changes(s, head.revision, 100);
        expect(log.changes.map((c) => c.operation)).toEqual(["DELETE", "DELETE", "DELETE"]);
        expect(log.changes.map((c) => keyOf(c.tuple)).sort()).toEqual([
          "document:a#viewer@user:x",
          "document:b#viewer@user:x",
          "document:e#viewer@user:y",
        ]);
      });
    });

    describe("deleteByFilter", () => {
      it("deletes what matches, in one revision, recorded as DELETE changes", async () => {
        const s = await fresh("dbf");
        await store.write(s, {
          updates: [
            touch("document:a#viewer@user:x"),
            touch("document:b#viewer@user:x"),
            touch('document:c#viewer@user:x[only_odd:{"n":1}]'),
            touch("document:a#editor@user:x"),
            touch("folder:f#viewer@user:x"),
          ],
        });
        const head = await store.head(s);
        const result = await store.deleteByFilter(s, {
          filter: { resourceType: "document", relation: "viewer" },
        });
        expect(result).toMatchObject({ deletedCount: 3, complete: true });
        expect(result.revision.revision).toBe(head.revision + 1);
        expect((await readAll(s)).map(keyOf).sort()).toEqual([
          "document:a#editor@user:x",
          "folder:f#viewer@user:x",
        ]);
        const log = await store.changes(s, head.revision, 100);
        expect(log.changes.map((c) => [c.revision, c.operation, keyOf(c.tuple)])).toEqual([
          [head.revision + 1, "DELETE", "document:a#viewer@user:x"],
          [head.revision + 1, "DELETE", "document:b#viewer@user:x"],
          [head.revision + 1, "DELETE", "document:c#viewer@user:x"],
        ]);
        const none = await store.deleteByFilter(s, {
          filter: { resourceType: "document", relation: "viewer" },
        });
        expect(none).toMatchObject({ deletedCount: 0, complete: true });
      });

      it("refuses more matches than the limit unless allowPartial, which deletes up to it", async () => {
        const s = await fresh("dbflimit");
        await store.write(s, {
          updates: Array.from({ length: 10 }, (_, i) => touch(`document:d${i}#viewer@user:x`)),
        });
        const e = await rejectsWith(
          store.deleteByFilter(s, { filter: { subjectId: "x" }, limit: 4 }),
          ErrorCode.FAILED_PRECONDITION,
        );
        expect(e.message).toContain("4");
        expect((await readAll(s)).length).toBe(10);
        const first = await store.deleteByFilter(s, {
          filter: { subjectId: "x" },
          limit: 4,
          allowPartial: true,
        });
        expect(first).toMatchObject({ deletedCount: 4, complete: false });
        // In the total order: the first four go first.
        expect((await readAll(s)).map((x) => x.resourceId)).toEqual(["d4", "d5", "d6", "d7", "d8", "d9"]);
        const rest = await store.deleteByFilter(s, {
          filter: { subjectId: "x" },
          limit: 6,
          allowPartial: true,
        });
        expect(rest).toMatchObject({ deletedCount: 6, complete: true });
        await rejectsWith(store.deleteByFilter(s, { filter: {}, limit: 0 }), ErrorCode.INVALID_ARGUMENT);
        await rejectsWith(store.deleteByFilter(s, { filter: {}, limit: 1001 }), ErrorCode.RESOURCE_EXHAUSTED);
      });

      it("uses the configured default and maximum limit", async () => {
        const small = await instance({ defaultDeleteLimit: 3, maxDeleteLimit: 5 });
        const s = await fresh("dbfcfg", true, small);
        await small.write(s, {
          updates: Array.from({ length: 4 }, (_, i) => touch(`document:d${i}#viewer@user:x`)),
        });
        await rejectsWith(small.deleteByFilter(s, { filter: {} }), ErrorCode.FAILED_PRECONDITION);
        await rejectsWith(small.deleteByFilter(s, { filter: {}, limit: 6 }), ErrorCode.RESOURCE_EXHAUSTED);
        expect(await small.deleteByFilter(s, { filter: {}, allowPartial: true })).toMatchObject({
          deletedCount: 3,
          complete: false,
        });
      });

      it("checks preconditions first", async () => {
        const s = await fresh("dbfpre");
        await store.write(s, {
          updates: [touch("document:a#viewer@user:x"), touch("document:lock#owner@user:admin")],
        });
        await rejectsWith(
          store.deleteByFilter(s, {
            filter: { resourceType: "document", relation: "viewer" },
            preconditions: [{ operation: "MUST_NOT_MATCH", filter: { resourceId: "lock" } }],
          }),
          ErrorCode.FAILED_PRECONDITION,
        );
        expect((await readAll(s)).length).toBe(2);
      });
    });

    // ───────────────────────────── reads: filters × pagination ─────────────────────────────
    describe("reads", () => {
      let s: string;
      const dataset: Tuple[] = [];

      beforeAll(async () => {
        s = await fresh("reads");
        const texts: string[] = [];
        for (let d = 0; d < 4; d++) {
          texts.push(`document:doc-${d}#viewer@user:u${d % 3}`);
          texts.push(`document:doc-${d}#viewer@group:g${d % 2}#member`);
          texts.push(`document:doc-${d}#parent@folder:f-${d % 2}`);
          if (d % 2 === 0) texts.push(`document:doc-${d}#editor@user:u${(d + 1) % 3}`);
          if (d === 0 || d === 3) texts.push(`document:doc-${d}#viewer@user:*`);
        }
        texts.push("document:dx#viewer@user:u1", "document:other#viewer@group:g1#member");
        for (let f = 0; f < 2; f++)
          texts.push(
            `folder:f-${f}#viewer@user:u${f}`,
            `folder:f-${f}#viewer@group:g${f}#member`,
            `folder:f-${f}#owner@user:u2`,
          );
        texts.push(
          "group:g0#member@user:u0",
          "group:g0#member@user:u2",
          "group:g1#member@user:u1",
          "group:g1#member@user:u0",
        );
        texts.push("group:g1#member@group:g0#member");
        dataset.push(...texts.map((x) => t(x)));
        await store.write(s, { updates: dataset.map((tuple) => ({ operation: "TOUCH" as const, tuple })) });
        dataset.sort(compareTuples);
      });

      /** The filters of every combination of the seven fields, taking values from `probe`. */
      function filtersFrom(probe: Tuple, prefix: string): RelationshipFilter[] {
        const values: Record<(typeof FILTER_FIELDS)[number], string> = {
          resourceType: probe.resourceType,
          resourceId: probe.resourceId,
          resourceIdPrefix: prefix,
          relation: probe.relation,
          subjectType: probe.subjectType,
          subjectId: probe.subjectId,
          subjectRelation: probe.subjectRelation,
        };
        return Array.from({ length: 1 << FILTER_FIELDS.length }, (_, mask) => {
          const f: Record<string, string> = {};
          FILTER_FIELDS.forEach((field, bit) => {
            if (mask & (1 << bit)) f[field] = values[field];
          });
          return f as RelationshipFilter;
        });
      }

      async function walk(
        filter: RelationshipFilter,
        first: number,
      ): Promise<{ tuples: Tuple[]; pages: ReadPage[] }> {
        const pages: ReadPage[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.read(s, filter, { first, ...(after !== undefined ? { after } : {}) });
          pages.push(page);
          if (page.nextCursor === undefined) break;
          after = page.nextCursor;
          if (pages.length > dataset.length + 2) throw new Error("walk does not end");
        }
        return { tuples: pages.flatMap((p) => p.tuples), pages };
      }

      it("every combination of filter fields, at page sizes 1, 7 and 1000, returns exactly the matches in order", async () => {
        // Probe values for the seven fields; page size 1 (the most reads) on the first probe only.
        const probes: [Tuple, string, number[]][] = [
          [t("document:doc-1#viewer@group:g1#member"), "doc-", [1, 7, 1000]],
          [t("folder:f-0#viewer@user:u0"), "f", [7, 1000]],
          [t("document:doc-3#viewer@user:*"), "doc-3", [7, 1000]],
        ];
        // `npm test` walks every combination of the first probe and a spread of the others (page
        // size 1 on every 8th); `npm run test:full` walks the whole matrix.
        const full = process.env["RELGRAPH_TEST_FULL"] === "1";
        const cases = probes.flatMap(([probe, prefix, sizes], p) =>
          filtersFrom(probe, prefix)
            .filter((_, i) => full || p === 0 || i % 4 === p)
            .map((filter, i) => ({
              filter,
              sizes: full || i % 8 === 0 ? sizes : sizes.filter((n) => n !== 1),
            })),
        );
        let checked = 0;
        const check = async ({
          filter,
          sizes,
        }: {
          filter: RelationshipFilter;
          sizes: number[];
        }): Promise<void> => {
          const expected = dataset.filter((x) => filterMatches(filter, x)).map(keyOf);
          for (const first of sizes) {
            const { tuples, pages } = await walk(filter, first);
            expect(tuples.map(keyOf), `${JSON.stringify(filter)} first=${first}`).toEqual(expected);
            for (const p of pages) {
              expect(p.staleCursor).toBe(false);
              expect(p.tuples.length).toBeLessThanOrEqual(first);
            }
            // Every page but the last is full.
            pages.slice(0, -1).forEach((p) => expect(p.tuples.length).toBe(first));
          }
          checked++;
        };
        // A few walks at a time: a real store serves them concurrently.
        const queue = [...cases];
        await Promise.all(
          Array.from({ length: 6 }, async () => {
            for (let next = queue.shift(); next !== undefined; next = queue.shift()) await check(next);
          }),
        );
        expect(cases.length).toBe(full ? 3 * 128 : 128 + 2 * 32);
        expect(checked).toBe(cases.length);
      }, 240_000);

      it("returns nothing when resourceId does not start with resourceIdPrefix", async () => {
        expect(await readAll(s, { resourceId: "doc-1", resourceIdPrefix: "x" })).toEqual([]);
        expect((await readAll(s, { resourceId: "doc-1", resourceIdPrefix: "doc" })).length).toBeGreaterThan(
          0,
        );
      });

      it("matches nothing for names the store never used", async () => {
        expect(await readAll(s, { resourceType: "nothing" })).toEqual([]);
        expect(await readAll(s, { relation: "nothing" })).toEqual([]);
        expect(await readAll(s, { subjectType: "nothing" })).toEqual([]);
        expect(await readAll(s, { subjectRelation: "nothing" })).toEqual([]);
      });

      it("refuses bad page sizes and foreign or garbage cursors", async () => {
        await rejectsWith(store.read(s, {}, { first: 0 }), ErrorCode.INVALID_ARGUMENT);
        await rejectsWith(store.read(s, {}, { first: 1.5 }), ErrorCode.INVALID_ARGUMENT);
        await rejectsWith(store.read(s, {}, { first: 1001 }), ErrorCode.RESOURCE_EXHAUSTED);
        const page = await store.read(s, { resourceType: "document" }, { first: 2 });
        expect(page.nextCursor).toBeDefined();
        const cursor = page.nextCursor!;
        await rejectsWith(
          store.read(s, { resourceType: "folder" }, { first: 2, after: cursor }),
          ErrorCode.INVALID_ARGUMENT,
        );
        const other = await fresh("readsother");
        await rejectsWith(
          store.read(other, { resourceType: "document" }, { first: 2, after: cursor }),
          ErrorCode.INVALID_ARGUMENT,
        );
        for (const garbage of ["", "!!!", "e30", cursor.slice(0, -3), "x".repeat(100_000)])
          await rejectsWith(
            store.read(s, { resourceType: "document" }, { first: 2, after: garbage }),
            ErrorCode.INVALID_ARGUMENT,
          );
      });

      it("marks pages after a write as staleCursor; tuples present throughout appear exactly once", async () => {
        const w = await fresh("walkwrite");
        const initial = Array.from(
          { length: 20 },
          (_, i) => `document:d${String(i).padStart(2, "0")}#viewer@user:x`,
        );
        await w.length;
        await store.write(w, { updates: initial.map((x) => touch(x)) });
        const p1 = await store.read(w, {}, { first: 5 });
        expect(p1.staleCursor).toBe(false);
        expect(p1.tuples.map(keyOf)).toEqual(initial.slice(0, 5));
        // During the walk: add one before and one after the cursor, delete one ahead of it.
        await store.write(w, {
          updates: [
            touch("document:a-before#viewer@user:x"),
            touch("document:d10a#viewer@user:x"),
            del(initial[12]!),
          ],
        });
        const seen = [...p1.tuples.map(keyOf)];
        let after = p1.nextCursor;
        while (after !== undefined) {
          const page = await store.read(w, {}, { first: 5, after });
          expect(page.staleCursor).toBe(true);
          seen.push(...page.tuples.map(keyOf));
          after = page.nextCursor;
        }
        for (const x of initial) if (x !== initial[12]) expect(seen.filter((y) => y === x).length, x).toBe(1);
        expect(new Set(seen).size).toBe(seen.length);
        // A fresh walk is not stale.
        expect((await store.read(w, {}, { first: 5 })).staleCursor).toBe(false);
      });

      it("reports the revision each page was read at", async () => {
        const head = await store.head(s);
        const page = await store.read(s, {}, { first: 3 });
        expect(page.readAt).toEqual(head);
      });
    });

    // ───────────────────────────── tokens ─────────────────────────────
    describe("tokens", () => {
      it("encode the revision a write returns, and refuse other stores, old incarnations and garbage", async () => {
        const s = await fresh("tokens");
        const rev = await store.write(s, { updates: [touch("document:a#viewer@user:x")] });
        const signer = new TokenSigner(store.tokenSecret);
        const token = signer.encode(rev);
        const head = await store.head(s);
        signer.verify(token);
        expect(decodeToken(token, head)).toEqual(rev);
        expect(token).not.toContain(s); // opaque
        // Signed: another secret, or any change to the payload, is refused.
        expect(() => new TokenSigner("another secret").verify(token)).toThrow(/signature does not match/);
        const [payload, mac] = token.split(".");
        const altered = Buffer.from(payload!.slice(4), "base64url")
          .toString()
          .replace(/,\d+,/, ",999999999,");
        expect(() => signer.verify(`rg2_${Buffer.from(altered).toString("base64url")}.${mac}`)).toThrow(
          /signature does not match/,
        );
        const other = await fresh("tokens2");
        const otherHead = await store.head(other);
        expect(() => decodeToken(token, otherHead)).toThrow(
          expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
        );
        await store.deleteStore(s);
        await store.createStore(s);
        const reborn = await store.head(s);
        expect(reborn.incarnation).not.toBe(rev.incarnation);
        expect(() => decodeToken(token, reborn)).toThrow(
          expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
        );
        for (const garbage of [
          "",
          "rg1_",
          "rg1_!!",
          "abc",
          token.slice(0, -2),
          `${token}x`,
          "rg1_" + "A".repeat(600),
          token.split(".")[0]!, // a signed token without its signature
          `${token.split(".")[0]!}.AAAA`,
        ])
          expect(() => decodeToken(garbage), garbage).toThrow(
            expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
          );
      });
    });

    // ───────────────────────────── change log ─────────────────────────────
    describe("scan", () => {
      async function scanAll(s: string, batchSize?: number, on: TupleStore = store): Promise<Tuple[][]> {
        const batches: Tuple[][] = [];
        for await (const b of on.scan(s, batchSize === undefined ? {} : { batchSize })) batches.push([...b]);
        return batches;
      }

      it("yields every tuple exactly once, in batches, with caveats and expirations", async () => {
        const s = await fresh("scan");
        const texts: string[] = [];
        for (let d = 0; d < 120; d++) {
          texts.push(`document:d${d}#viewer@user:u${d % 7}`, `document:d${d}#parent@folder:f${d % 5}`);
          if (d % 3 === 0) texts.push(`document:d${d}#viewer@group:g${d % 4}#member`);
        }
        for (let g = 0; g < 4; g++)
          texts.push(`group:g${g}#member@user:u${g}`, `folder:f${g}#viewer@user:u${g}`);
        texts.push("document:w#viewer@user:*");
        texts.push(
          'document:c#viewer@user:x[only_odd:{"n":3,"s":"x\\"y"}]',
          "document:e#viewer@user:x[expiration:2030-01-01T00:00:00Z]",
        );
        const written = texts.map((x) => t(x));
        await store.write(s, { updates: written.map((tuple) => ({ operation: "TOUCH" as const, tuple })) });
        // A deleted tuple (and the object it leaves behind) is not scanned.
        await store.write(s, { updates: [touch("document:gone#viewer@user:z")] });
        await store.write(s, { updates: [del("document:gone#viewer@user:z")] });
        for (const size of [undefined, 1, 50, 100_000]) {
          const batches = await scanAll(s, size);
          const flat = batches.flat();
          expect(flat.map(keyOf).sort()).toEqual(written.map(keyOf).sort());
          expect(new Set(flat.map(keyOf)).size).toBe(flat.length);
          // Batches hold about batchSize tuples: one resource's tuples (≤ 3 here) stay together.
          if (size !== undefined)
            for (const b of batches.slice(0, -1)) expect(b.length).toBeLessThan(size + 3);
          expect(batches.every((b) => b.length > 0)).toBe(true);
        }
        const scanned = (await scanAll(s)).flat();
        expect(scanned.find((x) => x.resourceId === "c")).toEqual(
          t('document:c#viewer@user:x[only_odd:{"n":3,"s":"x\\"y"}]'),
        );
        expect(scanned.find((x) => x.resourceId === "e")).toEqual(
          t("document:e#viewer@user:x[expiration:2030-01-01T00:00:00Z]"),
        );
        // The same set as a full read.
        expect(scanned.map(keyOf).sort()).toEqual((await readAll(s)).map(keyOf).sort());
      });

      it("scans an empty store to nothing, keeps stores apart, and refuses bad arguments", async () => {
        const empty = await fresh("scanempty");
        expect(await scanAll(empty)).toEqual([]);
        const other = await fresh("scanother");
        await store.write(other, { updates: [touch("document:a#viewer@user:x")] });
        const a = await fresh("scanself");
        await store.write(a, { updates: [touch("document:a#viewer@user:y")] });
        expect((await scanAll(a)).flat().map(keyOf)).toEqual(["document:a#viewer@user:y"]);
        await rejectsWith(scanAll(uniqueStoreName("nostore")), ErrorCode.NOT_FOUND);
        await rejectsWith(scanAll(a, 0), ErrorCode.INVALID_ARGUMENT);
        await rejectsWith(scanAll(a, 100_001), ErrorCode.INVALID_ARGUMENT);
        await rejectsWith(scanAll(a, 1.5), ErrorCode.INVALID_ARGUMENT);
      });
    });

    describe("change log", () => {
      it("lists changes oldest first with their revisions, in pages of whole revisions", async () => {
        const s = await fresh("log");
        await store.write(s, {
          updates: [touch("document:a#viewer@user:x"), create("document:b#viewer@user:x")],
        }); // 2
        await store.write(s, {
          updates: [del("document:a#viewer@user:x"), del("document:none#viewer@user:x")],
        }); // 3
        await store.write(s, { updates: [touch("document:c#viewer@user:x")] }); // 4
        await store.writeSchema(s, schemaOf(baseIR())); // 5
        await store.write(s, { updates: [touch("document:d#viewer@user:x")] }); // 6
        const all = await store.changes(s, 0, 100);
        expect(all.changes.map((c) => [c.revision, c.operation, keyOf(c.tuple)])).toEqual([
          [2, "TOUCH", "document:a#viewer@user:x"],
          [2, "TOUCH", "document:b#viewer@user:x"],
          [3, "DELETE", "document:a#viewer@user:x"],
          [4, "TOUCH", "document:c#viewer@user:x"],
          [6, "TOUCH", "document:d#viewer@user:x"],
        ]);
        expect(all.schemaChanges).toEqual([
          { schemaRevision: 1, revision: 1 },
          { schemaRevision: 2, revision: 5 },
        ]);
        expect(all).toMatchObject({ throughRevision: 6, complete: true });
        expect(all.head.revision).toBe(6);
        const p1 = await store.changes(s, 0, 1);
        expect(p1.throughRevision).toBe(2); // revision 1 has no changes; revision 2 is never split
        expect(p1.changes.length).toBe(2);
        expect(p1.complete).toBe(false);
        const p2 = await store.changes(s, p1.throughRevision, 1);
        expect(p2.changes.map((c) => c.revision)).toEqual([3]);
        const end = await store.changes(s, 6, 10);
        expect(end).toMatchObject({ changes: [], throughRevision: 6, complete: true });
        await rejectsWith(store.changes(s, 7, 10), ErrorCode.INVALID_ARGUMENT);
        await rejectsWith(store.changes(s, -1, 10), ErrorCode.INVALID_ARGUMENT);
        await rejectsWith(store.changes(s, 0, 0), ErrorCode.INVALID_ARGUMENT);
      });

      it("prunes revisions older than the retention; reading before the horizon is FAILED_PRECONDITION", async () => {
        const manual = await instance({ pruneIntervalMs: 0 });
        const s = await fresh("prune", true, manual);
        await manual.write(s, { updates: [touch("document:a#viewer@user:x")] }); // 2
        await manual.write(s, { updates: [touch("document:b#viewer@user:x")] }); // 3
        clock.offset += 25 * HOUR;
        try {
          await manual.write(s, { updates: [touch("document:c#viewer@user:x")] }); // 4
          expect((await manual.changes(s, 0, 10)).changes.length).toBe(3);
          expect(await manual.pruneChanges(s)).toBe(3);
          const e = await rejectsWith(manual.changes(s, 0, 10), ErrorCode.FAILED_PRECONDITION);
          expect(e.details["horizon"]).toBe(3);
          await rejectsWith(manual.changes(s, 2, 10), ErrorCode.FAILED_PRECONDITION);
          const kept = await manual.changes(s, 3, 10);
          expect(kept.changes.map((c) => keyOf(c.tuple))).toEqual(["document:c#viewer@user:x"]);
          expect(await manual.pruneChanges(s)).toBe(0);
          // Tuples are untouched by pruning.
          expect((await readAll(s, {}, 1000, manual)).length).toBe(3);
        } finally {
          clock.offset -= 25 * HOUR;
        }
      });

      it("prunes on write at most once per interval, with a configurable retention", async () => {
        const pruning = await instance({ changeRetentionMs: HOUR, pruneIntervalMs: 1 });
        const s = await fresh("autoprune", true, pruning);
        await pruning.write(s, { updates: [touch("document:a#viewer@user:x")] });
        clock.offset += 2 * HOUR;
        try {
          await pruning.write(s, { updates: [touch("document:b#viewer@user:x")] });
          await rejectsWith(pruning.changes(s, 0, 10), ErrorCode.FAILED_PRECONDITION);
          expect((await pruning.changes(s, 2, 10)).changes.map((c) => keyOf(c.tuple))).toEqual([
            "document:b#viewer@user:x",
          ]);
        } finally {
          clock.offset -= 2 * HOUR;
        }
      });
    });

    // ───────────────────────────── isolation ─────────────────────────────
    describe("store isolation", () => {
      it("keeps two stores with the same ids apart", async () => {
        const a = await fresh("isoa");
        const b = await fresh("isob");
        await store.write(a, {
          updates: [touch("document:same#viewer@user:x"), touch("group:g#member@user:x")],
        });
        await store.write(b, { updates: [touch("document:same#viewer@user:y")] });
        expect((await readAll(a)).map(keyOf)).toEqual([
          "document:same#viewer@user:x",
          "group:g#member@user:x",
        ]);
        expect((await readAll(b)).map(keyOf)).toEqual(["document:same#viewer@user:y"]);
        // CREATE in b of a tuple that exists only in a succeeds.
        await store.write(b, { updates: [create("document:same#viewer@user:x")] });
        await store.deleteByFilter(a, { filter: { resourceType: "document" } });
        expect((await readAll(b)).length).toBe(2);
        expect((await store.head(a)).revision).toBe(3);
        expect((await store.head(b)).revision).toBe(3);
        await store.deleteStore(a);
        created.delete(a);
        expect((await readAll(b)).length).toBe(2);
        expect((await store.changes(b, 0, 100)).changes.length).toBe(2);
      });
    });

    // ───────────────────────────── hostile input ─────────────────────────────
    describe("hostile input", () => {
      const hostile = [
        "x'y",
        'x"y',
        "x`y",
        "x}y",
        "x{y",
        "x//y",
        "x*/y",
        "x/*y",
        "x'})-[:viewer]->(n)DETACH_DELETE(n)//",
        "ünïcödé",
        "日本語",
        "😀",
        "x\\y",
        "x\u0000y",
      ];
      const huge = "a".repeat(1024 * 1024);

      it("refuses ids the zed grammar refuses, before anything is stored; stores the rest verbatim", async () => {
        const s = await fresh("hostilezed");
        // `//` is legal in a SpiceDB id: it is stored as it is, never interpreted.
        const legal = "x//y*/z".replace("*", "");
        await store.write(s, { updates: [touch(`document:${legal}#viewer@user:${legal}`)] });
        expect((await readAll(s, { resourceId: legal })).map(keyOf)).toEqual([
          `document:${legal}#viewer@user:${legal}`,
        ]);
        await store.write(s, { updates: [del(`document:${legal}#viewer@user:${legal}`)] });
        for (const id of [...hostile.filter((x) => x !== "x//y"), huge, "a".repeat(1025)]) {
          await rejectsWith(
            store.write(s, {
              updates: [
                touch(`document:ok#viewer@user:ok`),
                { operation: "TOUCH", tuple: { ...t("document:ok#viewer@user:ok"), resourceId: id } },
              ],
            }),
            ErrorCode.INVALID_ARGUMENT,
          );
          await rejectsWith(
            store.write(s, {
              updates: [{ operation: "TOUCH", tuple: { ...t("document:ok#viewer@user:ok"), subjectId: id } }],
            }),
            ErrorCode.INVALID_ARGUMENT,
          );
          await rejectsWith(store.read(s, { resourceId: id }, { first: 10 }), ErrorCode.INVALID_ARGUMENT);
          await rejectsWith(store.read(s, { subjectId: id }, { first: 10 }), ErrorCode.INVALID_ARGUMENT);
          await rejectsWith(
            store.deleteByFilter(s, { filter: { resourceId: id } }),
            ErrorCode.INVALID_ARGUMENT,
          );
          await rejectsWith(
            store.write(s, {
              updates: [],
              preconditions: [{ operation: "MUST_MATCH", filter: { subjectId: id } }],
            }),
            ErrorCode.INVALID_ARGUMENT,
          );
        }
        expect(await readAll(s)).toEqual([]);
        expect((await store.head(s)).revision).toBe(3);
      });

      it("refuses hostile type, relation and store names everywhere", async () => {
        const s = await fresh("hostilenames");
        const names = ["a`b", "a`)-[r]-(b", "_Store", "a b", "a\\u0060b", "a\u0000", huge];
        for (const n of names) {
          await rejectsWith(store.read(s, { resourceType: n }, { first: 1 }), ErrorCode.INVALID_ARGUMENT);
          await rejectsWith(store.read(s, { relation: n }, { first: 1 }), ErrorCode.INVALID_ARGUMENT);
          await rejectsWith(store.read(s, { subjectType: n }, { first: 1 }), ErrorCode.INVALID_ARGUMENT);
          await rejectsWith(store.read(s, { subjectRelation: n }, { first: 1 }), ErrorCode.INVALID_ARGUMENT);
          await rejectsWith(
            store.write(s, {
              updates: [{ operation: "TOUCH", tuple: { ...t("document:a#viewer@user:x"), resourceType: n } }],
            }),
            ErrorCode.INVALID_ARGUMENT,
          );
          await rejectsWith(
            store.write(s, {
              updates: [{ operation: "TOUCH", tuple: { ...t("document:a#viewer@user:x"), relation: n } }],
            }),
            ErrorCode.INVALID_ARGUMENT,
          );
          await rejectsWith(store.createStore(n), ErrorCode.INVALID_ARGUMENT);
          await rejectsWith(store.head(n), ErrorCode.INVALID_ARGUMENT);
        }
        await rejectsWith(
          store.read(s, { resourceIdPrefix: "a".repeat(1025) }, { first: 1 }),
          ErrorCode.INVALID_ARGUMENT,
        );
        await rejectsWith(store.read(s, { resourceId: "\ud800" }, { first: 1 }), ErrorCode.INVALID_ARGUMENT);
        // An empty prefix is a mistake, not "no prefix" (omit the field for that).
        await rejectsWith(store.read(s, { resourceIdPrefix: "" }, { first: 1 }), ErrorCode.INVALID_ARGUMENT);
        await rejectsWith(
          store.deleteByFilter(s, { filter: { resourceIdPrefix: "" } }),
          ErrorCode.INVALID_ARGUMENT,
        );
      });

      it("stores ids the OpenFGA grammar allows verbatim and reads them back unchanged", async () => {
        const s = await fresh("hostilefga", false);
        await store.writeSchema(
          s,
          schemaOf(schemaIR([def("user"), def("doc", { viewer: "user" })], "openfga")),
        );
        const ids = hostile.filter((id) => !/\s/.test(id) && !id.includes("\u0000"));
        const tuples: Tuple[] = ids.map((id, i) => ({
          resourceType: "doc",
          resourceId: id,
          relation: "viewer",
          subjectType: "user",
          subjectId: `${id}-${i}`,
          subjectRelation: "",
        }));
        await store.write(s, { updates: tuples.map((tuple) => ({ operation: "CREATE" as const, tuple })) });
        const back = await readAll(s);
        expect(back).toEqual([...tuples].sort(compareTuples));
        for (const tuple of tuples) {
          expect(await readAll(s, { resourceId: tuple.resourceId })).toEqual([tuple]);
          expect(await readAll(s, { subjectType: "user", subjectId: tuple.subjectId })).toEqual([tuple]);
          expect(await readAll(s, { resourceIdPrefix: tuple.resourceId })).toContainEqual(tuple);
        }
        // Still refused: whitespace, `#`/`@`, over-long ids.
        for (const id of ["a b", "a#b", "a@b", huge])
          await rejectsWith(
            store.write(s, { updates: [{ operation: "TOUCH", tuple: { ...tuples[0]!, resourceId: id } }] }),
            ErrorCode.INVALID_ARGUMENT,
          );
        // Nothing else happened to the store (or any other).
        expect((await store.head(s)).revision).toBe(2);
        expect((await store.listStores()).map((x) => x.name)).toContain(DEFAULT_STORE);
      });

      it("pages unicode ids in one total order (UTF-16 code units)", async () => {
        const s = await fresh("unicode", false);
        await store.writeSchema(
          s,
          schemaOf(schemaIR([def("user"), def("doc", { viewer: "user" })], "openfga")),
        );
        const ids = ["a", "é", "\uE000", "\uFF01x", "\uFFFF", "😀", "\u{10000}", "𝔸b", "z", "\uFF01"];
        await store.write(s, {
          updates: ids.map((id) => ({
            operation: "TOUCH" as const,
            tuple: { ...t("doc:a#viewer@user:x", "openfga"), resourceId: id },
          })),
        });
        const expected = [...ids].sort();
        for (const first of [1, 3])
          expect((await readAll(s, {}, first)).map((x) => x.resourceId)).toEqual(expected);
        expect((await readAll(s, { resourceIdPrefix: "\uFF01" })).map((x) => x.resourceId)).toEqual([
          "\uFF01",
          "\uFF01x",
        ]);
      });
    });
  });
}

/** Revisions of one store are gap-free and strictly increasing. */
export function expectGapFree(revisions: readonly Revision[]): void {
  const sorted = revisions.map((r) => r.revision).sort((a, b) => a - b);
  sorted.forEach((r, i) => {
    if (i > 0) expect(r).toBe(sorted[i - 1]! + 1);
  });
}
