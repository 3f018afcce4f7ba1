/**
 * Lookups: the cases a random world rarely builds (deep chains, data cycles, `.all`, `self`,
 * OpenFGA wildcards, contextual tuples) and the paging contract (cursor binding, staleCursor,
 * page-size limits), on the memory store through the service.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/errors.ts";
import { formatSubjectRef, parseSubjectRef, parseTuple, type SubjectRef } from "../../src/model/tuple.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import type { LookupSubject } from "../../src/coordinator/service.ts";
import { allResources, allSubjects } from "./support/lookupOracle.ts";
import { FOLDER_TREE } from "./support/lookupWorld.ts";

let rg: Relgraph;
let n = 0;
let store = "";

beforeEach(async () => {
  rg = await createRelgraph({ memory: true });
  store = `s${n++}`;
  await rg.createStore(store);
});
afterEach(async () => {
  await rg.close();
});

async function setup(schema: string, tuples: readonly string[], format: "ZED" | "OPENFGA" = "ZED") {
  await rg.writeSchema(store, schema, format);
  const dialect = format === "ZED" ? "zed" : "openfga";
  for (let i = 0; i < tuples.length; i += 1000)
    await rg.writeRelationships(
      store,
      tuples.slice(i, i + 1000).map((t) => ({ operation: "TOUCH" as const, tuple: parseTuple(t, dialect) })),
    );
}

const user = (id: string): SubjectRef => ({ type: "user", id, relation: "" });
const resources = (type: string, permission: string, subject: SubjectRef, first = 1000) =>
  allResources(rg, store, type, permission, subject, first);
const subjectTexts = (list: readonly LookupSubject[]): string[] =>
  list.map((s) =>
    s.excluded.length > 0
      ? `${formatSubjectRef(s.subject)} - {${s.excluded.map(formatSubjectRef).join(", ")}}`
      : formatSubjectRef(s.subject),
  );

const FOLDERS = `
definition user {}
${FOLDER_TREE}`;

describe("lookupResources", () => {
  it("follows a 2,000-folder chain and 1,000 nested groups", async () => {
    const tuples: string[] = [];
    for (let i = 0; i < 2000; i++) tuples.push(`folder:f${i + 1}#parent@folder:f${i}`);
    for (let i = 0; i < 1000; i++) tuples.push(`group:g${i + 1}#member@group:g${i}#member`);
    tuples.push("group:g0#member@user:alice", "folder:f0#viewer@group:g1000#member");
    tuples.push("document:deep#parent@folder:f2000");
    await setup(FOLDERS, tuples);
    expect(await resources("document", "view", user("alice"))).toEqual(["deep"]);
    expect((await resources("folder", "view", user("alice"))).length).toBe(2001);
    expect((await resources("group", "member", user("alice"))).length).toBe(1001);
  });

  it("terminates on cyclic folders and groups", async () => {
    await setup(FOLDERS, [
      "folder:a#parent@folder:b",
      "folder:b#parent@folder:a",
      "group:x#member@group:y#member",
      "group:y#member@group:x#member",
      "group:y#member@user:alice",
      "folder:a#viewer@group:x#member",
      "document:d#parent@folder:b",
    ]);
    expect(await resources("folder", "view", user("alice"))).toEqual(["a", "b"]);
    expect(await resources("document", "view", user("alice"))).toEqual(["d"]);
    expect(await resources("group", "member", user("alice"))).toEqual(["x", "y"]);
  });

  it("counts wildcard grants, removes banned users, and decides `.all` by check", async () => {
    await setup(FOLDERS, [
      "document:pub#viewer@user:*",
      "document:pub#banned@user:eve",
      "document:two#parent@folder:a",
      "document:two#parent@folder:b",
      "folder:a#viewer@user:alice",
      "folder:b#viewer@user:alice",
      "folder:b#viewer@user:bob",
      "document:half#parent@folder:b",
      "document:half#parent@folder:c",
    ]);
    expect(await resources("document", "view", user("zed"))).toEqual(["pub"]);
    expect(await resources("document", "view", user("eve"))).toEqual([]);
    expect(await resources("document", "strict", user("alice"))).toEqual(["two"]);
    expect(await resources("document", "strict", user("bob"))).toEqual([]);
  });

  it("finds the subject itself through `self` and a userset subject's own object", async () => {
    await setup(
      `use self
definition user {
  relation friend: user
  permission profile = self + friend
}
definition group {
  relation member: user | group#member
}`,
      ["user:bob#friend@user:alice"],
    );
    expect(await resources("user", "profile", user("alice"))).toEqual(["alice", "bob"]);
    expect(await resources("user", "profile", user("nobody"))).toEqual(["nobody"]);
    expect(await resources("group", "member", { type: "group", id: "solo", relation: "member" })).toEqual([
      "solo",
    ]);
  });

  it("sees contextual tuples, and a cursor is bound to them", async () => {
    await setup(FOLDERS, ["document:a#viewer@user:alice"]);
    const contextualTuples = [
      parseTuple("document:b#viewer@user:alice"),
      parseTuple("document:c#viewer@user:alice"),
    ];
    const req = { resourceType: "document", permission: "view", subject: user("alice"), contextualTuples };
    const p1 = await rg.lookupResources(store, req, { first: 2 });
    expect(p1.resources.map((r) => r.resource.id)).toEqual(["a", "b"]);
    expect(p1.hasNextPage).toBe(true);
    const p2 = await rg.lookupResources(store, req, { first: 2, after: p1.endCursor! });
    expect(p2.resources.map((r) => r.resource.id)).toEqual(["c"]);
    await expect(
      rg.lookupResources(
        store,
        { ...req, contextualTuples: contextualTuples.slice(0, 1) },
        { first: 2, after: p1.endCursor! },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(
      rg.lookupResources(store, { ...req, permission: "strict" }, { first: 2, after: p1.endCursor! }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(rg.lookupResources(store, req, { first: 2, after: "garbage!" })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });

  it("marks pages after a write as staleCursor, without duplicates or gaps for unchanged results", async () => {
    await setup(
      FOLDERS,
      Array.from({ length: 10 }, (_, i) => `document:d${i}#viewer@user:alice`),
    );
    const req = { resourceType: "document", permission: "view", subject: user("alice") };
    const p1 = await rg.lookupResources(store, req, { first: 4 });
    expect(p1.staleCursor).toBe(false);
    await rg.writeRelationships(store, [
      { operation: "TOUCH", tuple: parseTuple("document:d00#viewer@user:alice") },
      { operation: "DELETE", tuple: parseTuple("document:d9#viewer@user:alice") },
    ]);
    const p2 = await rg.lookupResources(store, req, { first: 4, after: p1.endCursor! });
    expect(p2.staleCursor).toBe(true);
    const p3 = await rg.lookupResources(store, req, { first: 4, after: p2.endCursor! });
    expect(p3.staleCursor).toBe(true);
    // d00 sorts before the cursor (written during the walk: it may or may not appear; here not);
    // d9 was deleted; every result that held for the whole walk appears exactly once.
    const ids = [...p1.resources, ...p2.resources, ...p3.resources].map((r) => r.resource.id);
    expect(ids).toEqual(["d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"]);
    expect(p3.hasNextPage).toBe(false);
  });

  it("refuses bad page sizes, unknown names and a zed wildcard subject", async () => {
    await setup(FOLDERS, []);
    const req = { resourceType: "document", permission: "view", subject: user("a") };
    await expect(rg.lookupResources(store, req, { first: 1001 })).rejects.toMatchObject({
      code: ErrorCode.RESOURCE_EXHAUSTED,
    });
    await expect(rg.lookupResources(store, req, { first: 0 })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await expect(
      rg.lookupResources(store, { ...req, permission: "nope" }, { first: 10 }),
    ).rejects.toMatchObject({ code: ErrorCode.FAILED_PRECONDITION });
    await expect(
      rg.lookupResources(store, { ...req, subject: { type: "user", id: "*", relation: "" } }, { first: 10 }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });

  it("has no cap: 2,500 results over pages of 1,000", async () => {
    await setup(
      FOLDERS,
      Array.from({ length: 2500 }, (_, i) => `document:d${String(i).padStart(4, "0")}#viewer@user:alice`),
    );
    const page = await rg.lookupResources(
      store,
      { resourceType: "document", permission: "view", subject: user("alice") },
      { first: 1000 },
    );
    expect(page.resources).toHaveLength(1000);
    expect(await resources("document", "view", user("alice"), 1000)).toHaveLength(2500);
  });
});

describe("lookupSubjects", () => {
  it("returns a wildcard with its exclusions and concrete subjects beside it (zed)", async () => {
    await setup(FOLDERS, [
      "document:pub#viewer@user:*",
      "document:pub#viewer@user:bob",
      "document:pub#banned@user:eve",
      "document:pub#banned@user:mallory",
      "document:pub#viewer@group:eng#member",
      "group:eng#member@user:carl",
    ]);
    const got = await allSubjects(rg, store, { type: "document", id: "pub" }, "view", "user", "", 1000);
    expect(subjectTexts(got)).toEqual(["user:* - {user:eve, user:mallory}", "user:bob", "user:carl"]);
    const sets = await allSubjects(rg, store, { type: "document", id: "pub" }, "view", "group", "member", 1);
    expect(subjectTexts(sets)).toEqual(["group:eng#member"]);
  });

  it("lists `user:*` without exclusions for OpenFGA-origin models", async () => {
    await setup(
      `model
  schema 1.1
type user
type document
  relations
    define blocked: [user]
    define viewer: [user, user:*] but not blocked`,
      ["document:1#viewer@user:*", "document:1#blocked@user:mallory", "document:1#viewer@user:anne"],
      "OPENFGA",
    );
    const got = await allSubjects(rg, store, { type: "document", id: "1" }, "viewer", "user", "", 7);
    expect(subjectTexts(got)).toEqual(["user:*", "user:anne"]);
    // And lookupResources takes the wildcard as a subject there.
    expect(await resources("document", "viewer", parseSubjectRef("user:*", "openfga"))).toEqual(["1"]);
  });

  it("pages one subject at a time in subject order", async () => {
    await setup(
      FOLDERS,
      Array.from({ length: 12 }, (_, i) => `document:d#viewer@user:u${i}`),
    );
    const got = await allSubjects(rg, store, { type: "document", id: "d" }, "view", "user", "", 1);
    expect(got).toHaveLength(12);
  });
});
