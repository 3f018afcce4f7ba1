/** `relgraph expand` and `relgraph check --explain` on an in-memory service. */
import { describe, expect, it } from "vitest";
import { runCheck } from "../../src/cli/commands/check.ts";
import { runExpand } from "../../src/cli/commands/expand.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { createRelgraph } from "../../src/index.ts";
import type { RelgraphService } from "../../src/coordinator/service.ts";
import { captureIO } from "../cli/fixtures.ts";

const SCHEMA = `definition user {}
definition group { relation member: user | group#member }
definition document {
  relation viewer: user | group#member
  relation banned: user
  permission view = viewer - banned
}`;

async function open(): Promise<RelgraphService> {
  const s = await createRelgraph({ memory: true });
  await s.writeSchema("default", SCHEMA, "ZED");
  await s.writeRelationships(
    "default",
    [
      "document:d#viewer@group:eng#member",
      "group:eng#member@group:core#member",
      "group:core#member@user:ann",
      "group:core#member@group:eng#member",
      "document:d#banned@user:bob",
    ].map((t) => ({ operation: "TOUCH" as const, tuple: parseTuple(t) })),
  );
  return s;
}

describe("relgraph expand", () => {
  it("prints the tree, shared nodes once and cycles marked", async () => {
    const io = captureIO();
    expect(await runExpand(["document:d", "view"], io, open)).toBe(0);
    expect(io.out()).toBe(
      [
        "EXCLUSION document:d#view",
        "  COMPUTED document:d#viewer",
        "    DIRECT document:d#viewer  subjects: group:eng#member",
        "      DIRECT group:eng#member  subjects: group:core#member",
        "        DIRECT group:core#member  subjects: user:ann, group:eng#member",
        "          ↻ cycle to group:eng#member",
        "  COMPUTED document:d#banned",
        "    DIRECT document:d#banned  subjects: user:bob",
        "",
      ].join("\n"),
    );
  });

  it("--json gives the flat DAG", async () => {
    const io = captureIO();
    expect(await runExpand(["document:d", "view", "--json", "--max-nodes", "3"], io, open)).toBe(0);
    const j = JSON.parse(io.out()) as { root: string; truncated: boolean; nodes: { id: string }[] };
    expect(j.root).toBe("document:d#view");
    expect(j.truncated).toBe(true);
    expect(j.nodes).toHaveLength(3);
  });

  it("errors: usage and unknown permission", async () => {
    const io = captureIO();
    expect(await runExpand(["document:d"], io, open)).toBe(2);
    expect(io.err()).toContain("usage: relgraph expand");
    const io2 = captureIO();
    expect(await runExpand(["document:d", "nope"], io2, open)).toBe(2);
    expect(io2.err()).toContain("FAILED_PRECONDITION");
  });
});

describe("relgraph check --explain", () => {
  it("prints the proof, the path and the Browser Cypher", async () => {
    const io = captureIO();
    expect(await runCheck(["document:d", "view", "user:ann", "--explain"], io, open)).toBe(0);
    const out = io.out();
    expect(out).toMatch(/^HAS_PERMISSION\n\nproof:\nEXCLUSION document:d#view {2}HAS_PERMISSION\n/);
    expect(out).toContain("(the subtracted side did not hold)");
    expect(out).toContain(
      [
        "path (3 relationships):",
        "  1. document:d#viewer@group:eng#member",
        "  2. group:eng#member@group:core#member",
        "  3. group:core#member@user:ann",
      ].join("\n"),
    );
    expect(out).toContain(":param hops => [");
    expect(out).toContain("cmd=edit&arg=");
  });

  it("a denial prints the branches tried and no Cypher", async () => {
    const io = captureIO();
    expect(await runCheck(["document:d", "view", "user:bob", "--explain"], io, open)).toBe(1);
    expect(io.out()).toContain("NO_PERMISSION\n\nproof:\n");
    expect(io.out()).not.toContain(":param");
  });
});
