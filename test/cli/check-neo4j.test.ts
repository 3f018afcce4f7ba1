/** `relgraph check` against the Neo4j the global setup provides (NEO4J_URI…), no server. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheck } from "../../src/cli/commands/check.ts";
import { openService } from "../../src/cli/validation/backend.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import type { RelgraphService } from "../../src/coordinator/service.ts";
import { captureIO } from "./fixtures.ts";

const SCHEMA = `definition user {}

definition group {
  relation member: user | group#member
}

definition document {
  relation reader: user | group#member
  relation banned: user
  permission view = reader - banned
}
`;

describe("relgraph check on Neo4j", () => {
  const store = `check-cli-${randomBytes(4).toString("hex")}`;
  let service: RelgraphService | undefined;
  let token = "";

  beforeAll(async () => {
    service = await openService("neo4j", process.env);
    await service.createStore(store);
    await service.writeSchema(store, SCHEMA, "ZED");
    const written = await service.writeRelationships(
      store,
      [
        "document:readme#reader@group:eng#member",
        "group:eng#member@user:alice",
        "group:eng#member@user:mallory",
        "document:readme#banned@user:mallory",
      ].map((t) => ({ operation: "TOUCH" as const, tuple: parseTuple(t) })),
    );
    token = written.token;
  });

  afterAll(async () => {
    await service?.deleteStore(store);
    await service?.close();
  });

  async function check(...argv: string[]) {
    const io = captureIO(process.env);
    const code = await runCheck([...argv, "--store", store], io);
    return { code, out: io.out(), err: io.err() };
  }

  it("exits 0 for an allowed subject (nested group), at least as fresh as the write", async () => {
    expect(
      await check("document:readme", "view", "user:alice", "--consistency", `at_least_as_fresh:${token}`),
    ).toEqual({
      code: 0,
      out: "HAS_PERMISSION\n",
      err: "",
    });
  });

  it("exits 1 for a denied subject", async () => {
    expect(
      await check("document:readme", "view", "user:mallory", "--consistency", "fully_consistent"),
    ).toMatchObject({
      code: 1,
      out: "NO_PERMISSION\n",
    });
    expect(await check("document:readme", "view", "user:nobody")).toMatchObject({
      code: 1,
      out: "NO_PERMISSION\n",
    });
  });

  it("exits 2 with the code on stderr for an unknown permission or store", async () => {
    const unknownPermission = await check("document:readme", "delete", "user:alice");
    expect(unknownPermission.code).toBe(2);
    expect(unknownPermission.err).toMatch(/^relgraph check: [A-Z_]+: /);
    const io = captureIO(process.env);
    expect(await runCheck(["document:readme", "view", "user:alice", "--store", `${store}-missing`], io)).toBe(
      2,
    );
    expect(io.err()).toContain("NOT_FOUND");
  });
});
