/**
 * Composable schemas: `partial` blocks are inlined into the definitions that name them (`...name`)
 * and evaluated like members written in place; `import` is resolved against the files given with
 * the schema (writeSchema's `files`), on memory and Neo4j alike.
 */
import { describe, expect, it } from "vitest";
import { createRelgraph } from "../../src/index.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { openOwnNeo4jStore, uniqueStoreName } from "../engine/support/neo4jStores.ts";

const SCHEMA = `use partial

partial viewable {
  relation viewer: user
  permission view = viewer + owner
}

definition user {}

definition document {
  ...viewable
  relation owner: user
}`;

describe("composable schemas", () => {
  it("evaluates partial members as if written in the definition", async () => {
    const rg = await createRelgraph({ memory: true });
    await rg.writeSchema("default", SCHEMA, "ZED");
    await rg.writeRelationships(
      "default",
      ["document:1#viewer@user:ann", "document:2#owner@user:bob"].map((t) => ({
        operation: "TOUCH" as const,
        tuple: parseTuple(t),
      })),
    );
    const view = async (doc: string, user: string) =>
      (
        await rg.check("default", {
          resource: { type: "document", id: doc },
          permission: "view",
          subject: { type: "user", id: user, relation: "" },
        })
      ).permissionship;
    expect(await view("1", "ann")).toBe("HAS_PERMISSION");
    expect(await view("2", "bob")).toBe("HAS_PERMISSION");
    expect(await view("2", "ann")).toBe("NO_PERMISSION");
    expect(
      (await rg.readSchema("default"))?.ir.definitions
        .find((d) => d.name === "document")
        ?.members.map((m) => m.name),
    ).toEqual(["viewer", "view", "owner"]);
    await rg.close();
  });

  for (const backend of ["memory", "neo4j"] as const)
    it(`resolves imports against the files given, stores the compiled text (${backend})`, async () => {
      const rg = await createRelgraph(
        backend === "memory" ? { memory: true } : { store: await openOwnNeo4jStore() },
      );
      const store = uniqueStoreName("imports");
      await rg.createStore(store);
      const root = `import "lib/users.zed"\ndefinition document {\n  ...viewable\n  relation owner: user\n}`;
      const files = [
        {
          path: "lib/users.zed",
          text: `definition user {}\npartial viewable {\n  relation viewer: user\n  permission view = viewer + owner\n}`,
        },
      ];
      // Without the files: the import is not found, positioned at the import statement.
      await expect(rg.writeSchema(store, root, "ZED")).rejects.toMatchObject({
        code: "INVALID_SCHEMA",
        details: { diagnostics: [{ code: "import-not-found", loc: { start: { line: 1, column: 1 } } }] },
      });
      // A path leading out of the schema's folder, or given twice: INVALID_ARGUMENT naming it.
      await expect(
        rg.writeSchema(store, root, "ZED", [{ path: "../users.zed", text: "" }]),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { field: "files[0].path" } });
      await expect(
        rg.writeSchema(store, root, "ZED", [...files, { path: "./lib/users.zed", text: "" }]),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { field: "files[1].path" } });
      await rg.writeSchema(store, root, "ZED", files);
      await rg.writeRelationships(store, [
        { operation: "TOUCH", tuple: parseTuple("document:1#viewer@user:ann") },
      ]);
      const view = await rg.check(store, {
        resource: { type: "document", id: "1" },
        permission: "view",
        subject: { type: "user", id: "ann", relation: "" },
      });
      expect(view.permissionship).toBe("HAS_PERMISSION");
      // The stored text is the compiled whole: it compiles without the files.
      const stored = await rg.readSchema(store);
      expect(stored?.text).not.toContain("import");
      expect(stored?.text).toContain("definition user {}");
      await rg.writeSchema(store, stored!.text, "ZED");
      await rg.deleteStore(store);
      await rg.close();
    });
});
