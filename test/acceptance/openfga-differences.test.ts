/**
 * Issue 4's acceptance: the five places where a model imported from OpenFGA keeps OpenFGA's
 * behaviour (src/language/README.md, "OpenFGA differences"), each shown through the facade
 * (createRelgraph) next to the `.zed` equivalent that follows SpiceDB, on the memory backend and on
 * a real Neo4j.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRelgraphError } from "../../src/errors.ts";
import {
  formatSubjectRef,
  formatTuple,
  parseSubjectRef,
  parseTuple,
  type Dialect,
  type ObjectRef,
} from "../../src/model/tuple.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import type { ExpandedSubject, Permissionship } from "../../src/coordinator/service.ts";
import type { SchemaFormat } from "../../src/store/interface.ts";
import { neo4jConfigFromEnv } from "../../src/config.ts";
import { uniqueStoreName } from "./support.ts";

const storeName = (what: string): string => uniqueStoreName(`acc-fga-${what}`);

/** The code of the RelgraphError `p` rejects with (fails the test when it resolves). */
async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
  try {
    await p;
  } catch (e) {
    if (isRelgraphError(e)) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  throw new Error("expected a RelgraphError, but the call succeeded");
}

const FULLY = { kind: "fullyConsistent" } as const;

interface Backend {
  readonly name: string;
  open(): Promise<Relgraph>;
}

const backends: Backend[] = [
  { name: "memory", open: () => createRelgraph({ memory: true }) },
  { name: "neo4j", open: () => createRelgraph({ neo4j: neo4jConfigFromEnv() }) },
];

describe.each(backends)("OpenFGA differences on the $name backend", (backend) => {
  let rg: Relgraph;
  const created: string[] = [];

  beforeAll(async () => {
    rg = await backend.open();
  });

  afterAll(async () => {
    for (const name of created) await rg.deleteStore(name).catch(() => undefined);
    await rg.close();
  });

  /** A fresh store with `schema` written in `format`. */
  async function storeWith(what: string, schema: string, format: SchemaFormat): Promise<string> {
    const name = storeName(what);
    await rg.createStore(name);
    created.push(name);
    await rg.writeSchema(name, schema, format);
    return name;
  }

  async function write(store: string, dialect: Dialect, ...tuples: string[]): Promise<string> {
    const r = await rg.writeRelationships(
      store,
      tuples.map((t) => ({ operation: "TOUCH" as const, tuple: parseTuple(t, dialect) })),
    );
    return r.token;
  }

  async function check(
    store: string,
    dialect: Dialect,
    resource: ObjectRef,
    permission: string,
    subject: string,
  ): Promise<Permissionship> {
    const r = await rg.check(
      store,
      { resource, permission, subject: parseSubjectRef(subject, dialect) },
      FULLY,
    );
    return r.permissionship;
  }

  // ---- 1. identifiers ----------------------------------------------------------------------------

  describe("1. identifiers follow OpenFGA's rules", () => {
    const FGA = `model
  schema 1.1
type User
type Doc-Type
  relations
    define Can-Edit: [User]
    define v: [User]
    define can.view: [User] or Can-Edit or v
`;
    const ZED = `definition User {}
definition Doc-Type {
  relation Can-Edit: User
  relation v: User
  permission can.view = Can-Edit + v
}
`;

    it("accepts uppercase, '-', '.' and one-character names in an OpenFGA model; tuples using them are stored and checked", async () => {
      const store = await storeWith("ids", FGA, "OPENFGA");
      const schema = await rg.readSchema(store);
      expect(schema?.format).toBe("OPENFGA");
      expect(schema?.ir.origin).toBe("openfga");
      expect(schema?.ir.definitions.map((d) => d.name)).toEqual(["User", "Doc-Type"]);
      expect(schema?.ir.definitions[1]?.members.map((m) => m.name)).toEqual(["Can-Edit", "v", "can.view"]);

      // Object ids OpenFGA accepts and SpiceDB does not: '.', ':', non-ASCII.
      await write(store, "openfga", "Doc-Type:readme.md#Can-Edit@User:Ann", "Doc-Type:plan:q3#v@User:Zoë");
      const page = await rg.relationships(store, {}, { first: 10, consistency: FULLY });
      expect(page.tuples.map(formatTuple).sort()).toEqual([
        "Doc-Type:plan:q3#v@User:Zoë",
        "Doc-Type:readme.md#Can-Edit@User:Ann",
      ]);

      const readme = { type: "Doc-Type", id: "readme.md" };
      const plan = { type: "Doc-Type", id: "plan:q3" };
      expect(await check(store, "openfga", readme, "can.view", "User:Ann")).toBe("HAS_PERMISSION");
      expect(await check(store, "openfga", readme, "Can-Edit", "User:Ann")).toBe("HAS_PERMISSION");
      expect(await check(store, "openfga", readme, "can.view", "User:Zoë")).toBe("NO_PERMISSION");
      expect(await check(store, "openfga", plan, "can.view", "User:Zoë")).toBe("HAS_PERMISSION");
      expect(await check(store, "openfga", plan, "Can-Edit", "User:Zoë")).toBe("NO_PERMISSION");
    });

    it("refuses the same names in a .zed schema with INVALID_SCHEMA, each diagnosed at its position", async () => {
      const name = storeName("ids-zed");
      await rg.createStore(name);
      created.push(name);
      const cases: [schema: string, diagnostic: [code: string, line: number, column: number]][] = [
        // The whole model at once: the first thing .zed cannot read is the `-` of `Doc-Type`.
        [ZED, ["syntax-error", 2, 15]],
        ["definition User {}", ["invalid-identifier", 1, 1]],
        ["definition user {}\ndefinition doc-type {}", ["syntax-error", 2, 15]],
        ["definition user {}\ndefinition doc {\n  relation Can_edit: user\n}", ["invalid-identifier", 3, 3]],
        ["definition user {}\ndefinition doc {\n  relation v: user\n}", ["invalid-identifier", 3, 3]],
        ["definition user {}\ndefinition doc {\n  relation can.view: user\n}", ["syntax-error", 3, 15]],
      ];
      for (const [schema, expected] of cases) {
        const e = await codeOf(rg.writeSchema(name, schema, "ZED"));
        expect(e.code, schema).toBe("INVALID_SCHEMA");
        const diagnostics =
          (
            e.details as {
              diagnostics?: { code: string; loc?: { start: { line: number; column: number } } }[];
            }
          ).diagnostics ?? [];
        expect(
          diagnostics.map((d) => [d.code, d.loc?.start.line, d.loc?.start.column]),
          schema,
        ).toEqual([expected]);
      }
      expect(await rg.readSchema(name)).toBeUndefined();
    });

    it("refuses OpenFGA-only object ids in a .zed store with INVALID_ARGUMENT", async () => {
      const store = await storeWith(
        "ids-zed-ok",
        "definition user {}\ndefinition document {\n  relation viewer: user\n}\n",
        "ZED",
      );
      const e = await codeOf(
        rg.writeRelationships(store, [
          {
            operation: "TOUCH",
            tuple: parseTuple("document:readme.md#viewer@user:ann", "openfga"),
          },
        ]),
      );
      expect(e.code).toBe("INVALID_ARGUMENT");
      expect((await rg.relationships(store, {}, { first: 10 })).tuples).toHaveLength(0);
    });
  });

  // ---- 2. user:* as a check subject ----------------------------------------------------------------

  describe("2. `user:*` as a check subject", () => {
    const FGA = `model
  schema 1.1
type user
type document
  relations
    define viewer: [user, user:*]
    define can_view: viewer
`;
    const ZED = `definition user {}
definition document {
  relation viewer: user | user:*
  permission can_view = viewer
}
`;

    it("is true in an OpenFGA model only through a `user:*` grant", async () => {
      const store = await storeWith("wild", FGA, "OPENFGA");
      await write(store, "openfga", "document:public#viewer@user:*", "document:private#viewer@user:alice");
      const pub = { type: "document", id: "public" };
      const priv = { type: "document", id: "private" };
      expect(await check(store, "openfga", pub, "viewer", "user:*")).toBe("HAS_PERMISSION");
      expect(await check(store, "openfga", pub, "can_view", "user:*")).toBe("HAS_PERMISSION");
      // A concrete user's grant does not make it true for every user.
      expect(await check(store, "openfga", priv, "viewer", "user:*")).toBe("NO_PERMISSION");
      expect(await check(store, "openfga", priv, "can_view", "user:*")).toBe("NO_PERMISSION");
      // Concrete users: alice on both, bob through the wildcard only.
      expect(await check(store, "openfga", priv, "can_view", "user:alice")).toBe("HAS_PERMISSION");
      expect(await check(store, "openfga", pub, "can_view", "user:bob")).toBe("HAS_PERMISSION");
      expect(await check(store, "openfga", priv, "can_view", "user:bob")).toBe("NO_PERMISSION");
    });

    it("is INVALID_ARGUMENT as a check subject in a .zed schema", async () => {
      const store = await storeWith("wild-zed", ZED, "ZED");
      await write(store, "zed", "document:public#viewer@user:*");
      const pub = { type: "document", id: "public" };
      const e = await codeOf(
        rg.check(
          store,
          { resource: pub, permission: "can_view", subject: { type: "user", id: "*", relation: "" } },
          FULLY,
        ),
      );
      expect(e.code).toBe("INVALID_ARGUMENT");
      expect(await check(store, "zed", pub, "can_view", "user:bob")).toBe("HAS_PERMISSION");
    });
  });

  // ---- 3. tuples that no longer fit after a model change ---------------------------------------------

  describe("3. tuples that no longer fit a narrowed relation", () => {
    const fga = (viewerTypes: string) => `model
  schema 1.1
type user
type group
  relations
    define member: [user]
type document
  relations
    define viewer: [${viewerTypes}]
`;
    const zed = (viewerTypes: string) => `definition user {}
definition group {
  relation member: user
}
definition document {
  relation viewer: ${viewerTypes}
}
`;
    const TUPLES = [
      "document:d#viewer@group:eng#member",
      "group:eng#member@user:gina",
      "document:d#viewer@user:dan",
    ];
    const doc = { type: "document", id: "d" };

    it("OpenFGA: the narrowing write succeeds, the tuples stay stored, evaluation ignores the misfit one", async () => {
      const store = await storeWith("narrow", fga("user, group#member"), "OPENFGA");
      await write(store, "openfga", ...TUPLES);
      expect(await check(store, "openfga", doc, "viewer", "user:gina")).toBe("HAS_PERMISSION");
      expect(await check(store, "openfga", doc, "viewer", "group:eng#member")).toBe("HAS_PERMISSION");

      const before = await rg.readSchema(store);
      await rg.writeSchema(store, fga("user"), "OPENFGA");
      const after = await rg.readSchema(store);
      expect(after?.schemaRevision).toBe((before?.schemaRevision ?? 0) + 1);

      const stored = await rg.relationships(store, {}, { first: 10, consistency: FULLY });
      expect(stored.tuples).toHaveLength(3);
      expect(
        await rg.relationships(store, { subjectType: "group" }, { first: 10, consistency: FULLY }),
      ).toMatchObject({ tuples: [{ resourceId: "d", relation: "viewer", subjectId: "eng" }] });

      expect(await check(store, "openfga", doc, "viewer", "user:gina")).toBe("NO_PERMISSION");
      expect(await check(store, "openfga", doc, "viewer", "user:dan")).toBe("HAS_PERMISSION");
      const subjects = await rg.subjects(store, doc, "viewer", FULLY);
      expect(subjects.map((s) => formatSubjectRef(s.subject))).toEqual(["user:dan"]);

      // The misfit tuple stays deletable; a new one of the removed shape is refused.
      const e = await codeOf(write(store, "openfga", "document:d2#viewer@group:eng#member"));
      expect(e.code).toBe("SCHEMA_VIOLATION");
      const deleted = await rg.deleteRelationships(store, { subjectType: "group" });
      expect(deleted.deletedCount).toBe(1);
    });

    it(".zed: the same narrowing is FAILED_PRECONDITION with the count of offending tuples", async () => {
      const store = await storeWith("narrow-zed", zed("user | group#member"), "ZED");
      await write(store, "zed", ...TUPLES, "document:e#viewer@group:ops#member");
      const before = await rg.readSchema(store);
      const e = await codeOf(rg.writeSchema(store, zed("user"), "ZED"));
      expect(e.code).toBe("FAILED_PRECONDITION");
      expect(e.message).toMatch(/\b2 stored relationships\b/);
      expect(e.details).toMatchObject({ offendingRelationships: 2 });
      expect((await rg.readSchema(store))?.schemaRevision).toBe(before?.schemaRevision);
      expect(await check(store, "zed", doc, "viewer", "user:gina")).toBe("HAS_PERMISSION");
    });
  });

  // ---- 4. list_users: user:* without its exclusions ------------------------------------------------

  describe("4. subject listing answers `user:*` without exclusions for OpenFGA", () => {
    const FGA = `model
  schema 1.1
type user
type document
  relations
    define blocked: [user]
    define viewer: [user, user:*] but not blocked
`;
    const ZED = `definition user {}
definition document {
  relation blocked: user
  relation viewer_direct: user | user:*
  permission viewer = viewer_direct - blocked
}
`;
    const doc = { type: "document", id: "d" };
    const show = (subjects: readonly ExpandedSubject[]) =>
      subjects.map((s) => ({
        subject: formatSubjectRef(s.subject),
        excluded: s.excluded.map(formatSubjectRef).sort(),
      }));

    it("OpenFGA: user:* with no excluded subjects; checks still honour `but not`", async () => {
      const store = await storeWith("list", FGA, "OPENFGA");
      await write(
        store,
        "openfga",
        "document:d#viewer@user:*",
        "document:d#blocked@user:x",
        "document:d#blocked@user:y",
      );
      expect(await check(store, "openfga", doc, "viewer", "user:x")).toBe("NO_PERMISSION");
      expect(await check(store, "openfga", doc, "viewer", "user:z")).toBe("HAS_PERMISSION");
      expect(show(await rg.subjects(store, doc, "viewer", FULLY))).toEqual([
        { subject: "user:*", excluded: [] },
      ]);
    });

    it(".zed: user:* - {user:x, user:y}", async () => {
      const store = await storeWith("list-zed", ZED, "ZED");
      await write(
        store,
        "zed",
        "document:d#viewer_direct@user:*",
        "document:d#blocked@user:x",
        "document:d#blocked@user:y",
      );
      expect(await check(store, "zed", doc, "viewer", "user:x")).toBe("NO_PERMISSION");
      expect(show(await rg.subjects(store, doc, "viewer", FULLY))).toEqual([
        { subject: "user:*", excluded: ["user:x", "user:y"] },
      ]);
    });
  });

  // ---- 5. no depth limit of 25 -------------------------------------------------------------------------

  describe("5. no depth limit of 25", () => {
    const FGA = `model
  schema 1.1
type user
type group
  relations
    define member: [user, group#member]
type document
  relations
    define viewer: [user, group#member]
`;

    it("a 40-deep nested-group chain checks true (OpenFGA refuses at 25)", async () => {
      const store = await storeWith("deep", FGA, "OPENFGA");
      const DEPTH = 40;
      const tuples = ["group:g0#member@user:deep"];
      for (let i = 1; i < DEPTH; i++) tuples.push(`group:g${i}#member@group:g${i - 1}#member`);
      tuples.push(`document:d#viewer@group:g${DEPTH - 1}#member`);
      await write(store, "openfga", ...tuples);
      expect(tuples).toHaveLength(41);
      const doc = { type: "document", id: "d" };
      expect(await check(store, "openfga", doc, "viewer", "user:deep")).toBe("HAS_PERMISSION");
      expect(await check(store, "openfga", doc, "viewer", "user:shallow")).toBe("NO_PERMISSION");
      expect(await check(store, "openfga", { type: "group", id: "g39" }, "member", "user:deep")).toBe(
        "HAS_PERMISSION",
      );
      expect(await check(store, "openfga", doc, "viewer", "group:g0#member")).toBe("HAS_PERMISSION");
      // The subject listing walks the whole chain too.
      const subjects = await rg.subjects(store, doc, "viewer", FULLY);
      expect(
        subjects.filter((s) => s.subject.relation === "").map((s) => formatSubjectRef(s.subject)),
      ).toEqual(["user:deep"]);
      expect(subjects.filter((s) => s.subject.relation === "member")).toHaveLength(DEPTH);
    });
  });
});
