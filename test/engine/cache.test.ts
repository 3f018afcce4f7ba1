import { describe, expect, it } from "vitest";
import { Evaluator } from "../../src/engine/check.ts";
import { SubResultCache } from "../../src/engine/cache.ts";
import { TypeSystem } from "../../src/typesystem/typesystem.ts";
import { HAS, NO } from "../../src/engine/result.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { indexOf, zedSchema } from "./support/harness.ts";
import { IndexReader } from "../../src/engine/reader.ts";

const schema = new TypeSystem(
  zedSchema(`
definition user {}
definition group { relation member: user | group#member }
definition document {
  relation viewer: user | group#member
  permission view = viewer
}`),
);
const req = (doc: string, user: string) => ({
  resource: { type: "document", id: doc },
  permission: "view",
  subject: { type: "user", id: user, relation: "" },
});

describe("shared sub-result cache", () => {
  it("is used only with a scope, counts hits, and never changes an answer", () => {
    const ix = indexOf([
      "document:a#viewer@group:g1#member",
      "document:b#viewer@group:g1#member",
      "group:g1#member@group:g2#member",
      "group:g2#member@user:u",
    ]);
    const reader = new IndexReader(ix);
    const cache = new SubResultCache();
    const ev = new Evaluator(schema, { cache });
    expect(ev.check(reader, req("a", "u"))).toBe(HAS);
    expect(cache.stats.writes).toBe(0); // no scope: cache off
    expect(ev.check(reader, req("a", "u"), "s@1")).toBe(HAS);
    expect(ev.check(reader, req("b", "u"), "s@1")).toBe(HAS);
    expect(ev.stats.cacheHits).toBeGreaterThan(0); // group:g1#member reused for document:b
    expect(ev.check(reader, req("b", "nobody"), "s@1")).toBe(NO);
  });

  it("a new scope (revision) hides earlier results", () => {
    const ix = indexOf(["document:a#viewer@group:g#member", "group:g#member@user:u"]);
    const reader = new IndexReader(ix);
    const cache = new SubResultCache();
    const ev = new Evaluator(schema, { cache });
    expect(ev.check(reader, req("a", "u"), "s@1")).toBe(HAS);
    ix.remove(parseTuple("group:g#member@user:u"));
    expect(ev.check(reader, req("a", "u"), "s@2")).toBe(NO);
  });

  it("contextual tuples bypass the cache", () => {
    const ix = indexOf(["document:a#viewer@group:g#member"]);
    const reader = new IndexReader(ix);
    const cache = new SubResultCache();
    const ev = new Evaluator(schema, { cache });
    expect(
      ev.check(reader, { ...req("a", "u"), contextualTuples: [parseTuple("group:g#member@user:u")] }, "s@1"),
    ).toBe(HAS);
    expect(cache.stats.writes).toBe(0);
    expect(ev.check(reader, req("a", "u"), "s@1")).toBe(NO);
  });

  it("an uncached evaluator reports zero cache hits", () => {
    const ix = indexOf(["document:a#viewer@group:g#member", "group:g#member@user:u"]);
    const ev = new Evaluator(schema);
    for (let i = 0; i < 10; i++) ev.check(new IndexReader(ix), req("a", "u"), "s@1");
    expect(ev.stats.cacheHits).toBe(0);
  });

  it("never shares a result between objects no tuple names (self on an unknown object)", () => {
    // Regression: every object without tuples has the handle -1, so a cached `self` answer for
    // user:u1 leaked to user:u4 (found by the Neo4j differential test).
    const selfSchema = new TypeSystem(
      zedSchema(`use self
definition user {
  relation friend: user
  permission profile = self + friend
}`),
    );
    const reader = new IndexReader(indexOf([]));
    const cache = new SubResultCache();
    const ev = new Evaluator(selfSchema, { cache });
    const profile = (of: string) => ({
      resource: { type: "user", id: of },
      permission: "profile",
      subject: { type: "user", id: "u1", relation: "" },
    });
    expect(ev.check(reader, profile("u1"), "s@1")).toBe(HAS);
    expect(ev.check(reader, profile("u4"), "s@1")).toBe(NO);
    expect(ev.check(reader, profile("u1"), "s@1")).toBe(HAS);
  });
});
