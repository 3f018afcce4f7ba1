/**
 * `relgraph lookup-resources` / `relgraph lookup-subjects` on the engine (memory backend): one
 * result per line over every page, `--first/--after` for one page, `--json`, errors on stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLookupResources, runLookupSubjects } from "../../src/cli/commands/lookup.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import type { RelgraphService } from "../../src/coordinator/service.ts";
import { captureIO } from "./fixtures.ts";

const SCHEMA = `
definition user {}
definition group {
  relation member: user | group#member
}
definition document {
  relation viewer: user | user:* | group#member
  relation banned: user
  permission view = viewer - banned
}`;

let engine: Relgraph;
let service: Relgraph;
const open = async (): Promise<RelgraphService> => service;

beforeAll(async () => {
  engine = await createRelgraph({ memory: true });
  // The engine itself, except that `close` is left to the test (each command closes its service).
  service = Object.assign(Object.create(engine) as Relgraph, { close: async () => undefined });
  await engine.writeSchema("default", SCHEMA, "ZED");
  const tuples = [
    ...Array.from(
      { length: 25 },
      (_, i) => `document:d${String(i).padStart(2, "0")}#viewer@group:eng#member`,
    ),
    "document:public#viewer@user:*",
    "document:public#banned@user:eve",
    "document:public#viewer@user:bob",
    "group:eng#member@user:alice",
  ];
  await engine.writeRelationships(
    "default",
    tuples.map((t) => ({ operation: "TOUCH", tuple: parseTuple(t) })),
  );
});
afterAll(async () => {
  await engine.close();
});

describe("relgraph lookup-resources", () => {
  it("prints every result, one per line, over every page", async () => {
    const io = captureIO();
    expect(await runLookupResources(["document", "view", "user:alice"], io, open)).toBe(0);
    const lines = io.out().trim().split("\n");
    expect(lines).toHaveLength(26);
    expect(lines[0]).toBe("document:d00");
    expect(lines).toContain("document:public");
    expect(io.err()).toBe("");
  });

  it("--first/--after read one page and say where the next starts", async () => {
    const io = captureIO();
    expect(await runLookupResources(["document", "view", "user:alice", "--first", "10"], io, open)).toBe(0);
    expect(io.out().trim().split("\n")).toHaveLength(10);
    const next = /^next: (\S+)$/m.exec(io.err())?.[1];
    expect(next).toBeDefined();
    const io2 = captureIO();
    expect(
      await runLookupResources(
        ["document", "view", "user:alice", "--first", "10", "--after", next!],
        io2,
        open,
      ),
    ).toBe(0);
    expect(io2.out().trim().split("\n")[0]).toBe("document:d10");
  });

  it("--json prints one document", async () => {
    const io = captureIO();
    expect(await runLookupResources(["document", "view", "user:eve", "--json"], io, open)).toBe(0);
    const doc = JSON.parse(io.out()) as { results: { resource: string }[]; hasNextPage: boolean };
    expect(doc.results).toEqual([]);
    expect(doc.hasNextPage).toBe(false);
  });

  it("a cursor of another request is INVALID_ARGUMENT (exit 2)", async () => {
    const io = captureIO();
    await runLookupResources(["document", "view", "user:alice", "--first", "1"], io, open);
    const next = /^next: (\S+)$/m.exec(io.err())?.[1] ?? "";
    const io2 = captureIO();
    expect(
      await runLookupResources(["document", "view", "user:bob", "--first", "1", "--after", next], io2, open),
    ).toBe(2);
    expect(io2.err()).toContain("INVALID_ARGUMENT");
  });

  it("usage errors exit 2", async () => {
    const io = captureIO();
    expect(await runLookupResources(["document", "view"], io, open)).toBe(2);
    expect(io.err()).toContain("usage: relgraph lookup-resources");
    expect(
      await runLookupResources(["document", "view", "user:a", "--first", "1001"], captureIO(), open),
    ).toBe(2);
  });
});

describe("relgraph lookup-subjects", () => {
  it("prints a wildcard with its exclusions and the concrete subjects beside it", async () => {
    const io = captureIO();
    expect(await runLookupSubjects(["document:public", "view", "user"], io, open)).toBe(0);
    expect(io.out()).toBe("user:* - {user:eve}\nuser:bob\n");
  });

  it("finds usersets with TYPE#RELATION", async () => {
    const io = captureIO();
    expect(await runLookupSubjects(["document:d03", "view", "group#member"], io, open)).toBe(0);
    expect(io.out()).toBe("group:eng#member\n");
  });

  it("--json", async () => {
    const io = captureIO();
    expect(await runLookupSubjects(["document:public", "view", "user", "--json"], io, open)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({
      results: [
        { subject: "user:*", excludedSubjects: ["user:eve"], permissionship: "HAS_PERMISSION" },
        { subject: "user:bob", excludedSubjects: [], permissionship: "HAS_PERMISSION" },
      ],
      endCursor: null,
      hasNextPage: false,
      staleCursor: false,
    });
  });

  it("unknown permission: FAILED_PRECONDITION, exit 2", async () => {
    const io = captureIO();
    expect(await runLookupSubjects(["document:public", "nope", "user"], io, open)).toBe(2);
    expect(io.err()).toContain("FAILED_PRECONDITION");
  });
});
