/**
 * Composable schemas: `partial` blocks are inlined into the definitions that name them (`...name`)
 * and evaluated like members written in place; `import` is still refused (UNIMPLEMENTED) because a
 * server is given one text.
 */
import { describe, expect, it } from "vitest";
import { createRelgraph } from "../../src/index.ts";
import { parseTuple } from "../../src/model/tuple.ts";

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

  it("refuses import with UNIMPLEMENTED naming the construct", async () => {
    const rg = await createRelgraph({ memory: true });
    await expect(
      rg.writeSchema("default", `import "other.zed"\ndefinition user {}`, "ZED"),
    ).rejects.toMatchObject({
      code: "UNIMPLEMENTED",
      details: { construct: "import" },
    });
    await rg.close();
  });
});
