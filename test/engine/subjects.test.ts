import { describe, expect, it } from "vitest";
import { TypeSystem } from "../../src/typesystem/typesystem.ts";
import { expandSubjects, validationString } from "../../src/engine/subjects.ts";
import { readerOf, zedSchema } from "./support/harness.ts";

const SCHEMA = new TypeSystem(
  zedSchema(`
definition user {}
definition group {
  relation member: user | group#member
}
definition folder {
  relation viewer: user
}
definition document {
  relation parent: folder
  relation writer: user | group#member
  relation reader: user | user:* | group#member
  relation banned: user | group#member
  permission edit = writer
  permission view = (reader + edit + parent->viewer) - banned
  permission both = reader & writer
}`),
);

function strings(tuples: string[], resource: string, permission: string): string[] {
  const [type, id] = resource.split(":") as [string, string];
  return expandSubjects(SCHEMA, readerOf(tuples), { type, id }, permission).map(validationString);
}

describe("subject enumerator (zed validate's validation blocks)", () => {
  it("a direct subject is justified by the relation that holds it", () => {
    expect(strings(["document:firstdoc#writer@user:tom"], "document:firstdoc", "edit")).toEqual([
      "[user:tom] is <document:firstdoc#writer>",
    ]);
  });

  it("nested group: the userset is listed, and members are justified by the group's relation", () => {
    const got = strings(
      [
        "document:doc#reader@group:eng#member",
        "group:eng#member@user:alice",
        "group:eng#member@group:backend#member",
        "group:backend#member@user:bob",
      ],
      "document:doc",
      "view",
    );
    expect(got).toEqual([
      "[group:backend#member] is <group:eng#member>",
      "[group:eng#member] is <document:doc#reader>",
      "[user:alice] is <group:eng#member>",
      "[user:bob] is <group:backend#member>",
    ]);
  });

  it("a userset subject written directly is a subject of its own", () => {
    expect(strings(["document:doc#writer@group:eng#member"], "document:doc", "edit")).toEqual([
      "[group:eng#member] is <document:doc#writer>",
    ]);
  });

  it("a wildcard carries its exclusions", () => {
    const got = strings(
      [
        "document:public#reader@user:*",
        "document:public#banned@user:troll",
        "document:public#banned@user:spam",
      ],
      "document:public",
      "view",
    );
    expect(got).toEqual(["[user:* - {user:spam, user:troll}] is <document:public#reader>"]);
  });

  it("a subject held by two relationships lists both justifications", () => {
    const got = strings(
      [
        "document:d#reader@user:tom",
        "document:d#writer@user:tom",
        "document:d#parent@folder:f",
        "folder:f#viewer@user:tom",
      ],
      "document:d",
      "view",
    );
    expect(got).toEqual(["[user:tom] is <document:d#reader>/<document:d#writer>/<folder:f#viewer>"]);
  });

  it("exclusion removes concrete subjects, also through groups", () => {
    const got = strings(
      [
        "document:d#reader@user:a",
        "document:d#reader@user:b",
        "document:d#banned@group:bad#member",
        "group:bad#member@user:b",
      ],
      "document:d",
      "view",
    );
    expect(got).toEqual(["[user:a] is <document:d#reader>"]);
  });

  it("intersection keeps subjects on both sides, a wildcard admitting concrete ones", () => {
    const got = strings(
      ["document:d#reader@user:*", "document:d#writer@user:w", "document:d#reader@user:r"],
      "document:d",
      "both",
    );
    // SpiceDB's intersectConcreteWithWildcard keeps the concrete subject as it is: only the
    // concrete side's relation justifies it, not the wildcard that admitted it.
    expect(got).toEqual(["[user:w] is <document:d#writer>"]);
  });

  it("terminates on cycles and lists every member", () => {
    const got = strings(
      [
        "group:a#member@group:b#member",
        "group:b#member@group:a#member",
        "group:a#member@user:x",
        "group:b#member@user:y",
      ],
      "group:a",
      "member",
    );
    expect(got).toEqual([
      "[group:a#member] is <group:b#member>",
      "[group:b#member] is <group:a#member>",
      "[user:x] is <group:a#member>",
      "[user:y] is <group:b#member>",
    ]);
  });

  it("caveated subjects are marked [...]", () => {
    expect(strings(["document:d#writer@user:c[some_caveat]"], "document:d", "edit")).toEqual([
      "[user:c[...]] is <document:d#writer>",
    ]);
  });
});

describe("subject enumerator depth", () => {
  it("expands 1,200 nested groups (on the trampoline, not the JS stack)", () => {
    const n = 1200;
    const t = Array.from({ length: n }, (_, i) => `group:g${i}#member@group:g${i + 1}#member`);
    t.push(`group:g${n}#member@user:deep`);
    const got = expandSubjects(SCHEMA, readerOf(t), { type: "group", id: "g0" }, "member");
    expect(got.length).toBe(n + 1);
    expect(got.map(validationString)).toContain(`[user:deep] is <group:g${n}#member>`);
  });

  it("answers RESOURCE_EXHAUSTED beyond maxDepth", () => {
    const t = Array.from({ length: 50 }, (_, i) => `group:g${i}#member@group:g${i + 1}#member`);
    expect(() =>
      expandSubjects(SCHEMA, readerOf(t), { type: "group", id: "g0" }, "member", { maxDepth: 10 }),
    ).toThrow("max depth exceeded");
  });
});
