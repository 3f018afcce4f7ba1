import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseTuple, tupleKey, formatTuple } from "../../src/model/tuple.ts";
import type { Tuple } from "../../src/model/tuple.ts";
import { TupleIndex, EDGE_ABSENT, EDGE_CAVEATED, EDGE_PRESENT } from "../../src/model/tupleIndex.ts";
import type { RelationshipFilter } from "../../src/store/interface.ts";

const t = (text: string): Tuple => parseTuple(text);
const keys = (it: Iterable<Tuple>): string[] => [...it].map(formatTuple).sort();

describe("TupleIndex set operations", () => {
  it("adds, finds and removes tuples", () => {
    const ix = new TupleIndex();
    expect(ix.add(t("document:a#viewer@user:alice"))).toBe(true);
    expect(ix.add(t("document:a#viewer@user:alice"))).toBe(false);
    expect(ix.add(t("document:a#viewer@group:eng#member"))).toBe(true);
    expect(ix.add(t("document:a#viewer@user:*"))).toBe(true);
    expect(ix.size).toBe(3);
    expect(ix.has(t("document:a#viewer@user:alice"))).toBe(true);
    expect(ix.has(t("document:a#viewer@user:bob"))).toBe(false);
    expect(ix.has(t("document:zzz#viewer@user:alice"))).toBe(false);
    expect(ix.remove(t("document:a#viewer@user:alice"))).toBe(true);
    expect(ix.remove(t("document:a#viewer@user:alice"))).toBe(false);
    expect(ix.size).toBe(2);
    expect(keys(ix.all())).toEqual(["document:a#viewer@group:eng#member", "document:a#viewer@user:*"]);
  });

  it("normalises the ellipsis: group:eng#... is group:eng", () => {
    const ix = new TupleIndex();
    ix.add(t("document:a#viewer@group:eng#..."));
    expect(ix.has(t("document:a#viewer@group:eng"))).toBe(true);
  });

  it("keeps traits and replaces them on re-add (TOUCH)", () => {
    const ix = new TupleIndex();
    ix.add(t('document:a#viewer@user:alice[only_on:{"day":1}]'));
    expect(ix.get(t("document:a#viewer@user:alice"))?.caveat).toEqual({
      name: "only_on",
      context: { day: 1 },
    });
    expect(ix.add(t("document:a#viewer@user:alice[expiration:2999-01-01T00:00:00Z]"))).toBe(false);
    const got = ix.get(t("document:a#viewer@user:alice"));
    expect(got?.caveat).toBeUndefined();
    expect(got?.expiration).toBe("2999-01-01T00:00:00Z");
    ix.add(t("document:a#viewer@user:alice"));
    expect(ix.get(t("document:a#viewer@user:alice"))).toEqual(t("document:a#viewer@user:alice"));
  });

  it("reports edge states for the evaluator: with traits (for the ConditionReader to resolve), present", () => {
    const ix = new TupleIndex();
    ix.add(t("document:a#viewer@user:c[cav]"));
    ix.add(t("document:a#viewer@user:x[expiration:2000-01-01T00:00:00Z]"));
    ix.add(t("document:a#viewer@user:p"));
    const i = ix.interner;
    const rn = ix.node(i.lookupObject("document", "a"), i.relationId("viewer"));
    const state = (id: string): number => ix.edgeState(rn, ix.node(i.lookupObject("user", id), 0));
    expect(state("c")).toBe(EDGE_CAVEATED);
    // An expiring edge has traits too; the clock is the request's (conditionReader.test.ts).
    expect(state("x")).toBe(EDGE_CAVEATED);
    expect(ix.edgeTraits(rn, ix.node(i.lookupObject("user", "x"), 0))?.expiresAt).toBe(
      Date.parse("2000-01-01T00:00:00Z"),
    );
    expect(ix.edgeTraits(rn, ix.node(i.lookupObject("user", "c"), 0))?.caveat?.name).toBe("cav");
    expect(ix.edgeTraits(rn, ix.node(i.lookupObject("user", "p"), 0))).toBeUndefined();
    expect(state("p")).toBe(EDGE_PRESENT);
    expect(state("nobody")).toBe(EDGE_ABSENT);
  });

  it("separates direct subjects from usersets and keeps a reverse index", () => {
    const ix = new TupleIndex();
    ix.add(t("document:a#viewer@user:alice"));
    ix.add(t("document:a#viewer@user:*"));
    ix.add(t("document:a#viewer@group:eng#member"));
    ix.add(t("document:b#viewer@group:eng#member"));
    const i = ix.interner;
    const rn = ix.node(i.lookupObject("document", "a"), i.relationId("viewer"));
    const direct: string[] = [];
    for (let c = ix.firstDirect(rn); c !== 0; c = ix.nextForward(c))
      direct.push(formatTuple(ix.cursorTuple(c)));
    const usersets: string[] = [];
    for (let c = ix.firstUserset(rn); c !== 0; c = ix.nextForward(c))
      usersets.push(formatTuple(ix.cursorTuple(c)));
    expect(direct.sort()).toEqual(["document:a#viewer@user:*", "document:a#viewer@user:alice"]);
    expect(usersets).toEqual(["document:a#viewer@group:eng#member"]);
    const sn = ix.node(i.lookupObject("group", "eng"), i.relationId("member"));
    const reverse: string[] = [];
    for (let c = ix.firstReverse(sn); c !== 0; c = ix.nextReverse(c))
      reverse.push(i.nameOf(ix.cursorResourceObject(c)));
    expect(reverse.sort()).toEqual(["a", "b"]);
  });

  it("clones independently", () => {
    const ix = new TupleIndex();
    ix.add(t("document:a#viewer@user:alice"));
    const c = ix.clone();
    c.add(t("document:b#viewer@user:bob"));
    ix.remove(t("document:a#viewer@user:alice"));
    expect(keys(ix.all())).toEqual([]);
    expect(keys(c.all())).toEqual(["document:a#viewer@user:alice", "document:b#viewer@user:bob"]);
  });

  it("compact keeps every tuple and later writes still work", () => {
    const ix = new TupleIndex();
    for (let k = 0; k < 1000; k++) ix.add(t(`doc:d${k}#viewer@user:u${k % 7}`));
    ix.compact();
    expect(ix.size).toBe(1000);
    expect(ix.has(t("doc:d999#viewer@user:u5"))).toBe(true);
    for (let k = 1000; k < 3000; k++) ix.add(t(`doc:d${k}#viewer@user:u${k % 7}`));
    expect(ix.remove(t("doc:d10#viewer@user:u3"))).toBe(true);
    expect(ix.size).toBe(2999);
    expect([...ix.match({ subjectType: "user", subjectId: "u0" })].length).toBe(Math.ceil(3000 / 7));
  });

  it("clear empties the index", () => {
    const ix = new TupleIndex();
    ix.add(t("document:a#viewer@user:alice"));
    ix.clear();
    expect(ix.size).toBe(0);
    expect(ix.has(t("document:a#viewer@user:alice"))).toBe(false);
    ix.add(t("document:a#viewer@user:alice"));
    expect(ix.size).toBe(1);
  });

  it("survives growth, deletions and re-insertions (100k tuples)", () => {
    const ix = new TupleIndex();
    const n = 100_000;
    for (let k = 0; k < n; k++) ix.add(t(`doc:d${k % 1000}#viewer@user:u${k}`));
    expect(ix.size).toBe(n);
    for (let k = 0; k < n; k += 2) expect(ix.remove(t(`doc:d${k % 1000}#viewer@user:u${k}`))).toBe(true);
    expect(ix.size).toBe(n / 2);
    for (let k = 0; k < n; k++) expect(ix.has(t(`doc:d${k % 1000}#viewer@user:u${k}`))).toBe(k % 2 === 1);
    for (let k = 0; k < n; k += 2) ix.add(t(`doc:d${k % 1000}#viewer@user:u${k}`));
    expect(ix.size).toBe(n);
    expect([...ix.match({ resourceType: "doc", resourceId: "d7" })].length).toBe(100);
  });
});

describe("TupleIndex.match", () => {
  const ix = new TupleIndex();
  const all = [
    "document:readme#viewer@group:eng#member",
    "document:readme#viewer@user:alice",
    "document:readme#editor@user:bob",
    "document:spec#viewer@user:*",
    "document:spec#parent@folder:root",
    "group:eng#member@user:alice",
    "folder:root#viewer@user:carol",
  ].map(t);
  for (const x of all) ix.add(x);
  const cases: [RelationshipFilter, number][] = [
    [{}, 7],
    [{ resourceType: "document" }, 5],
    [{ resourceType: "document", relation: "viewer" }, 3],
    [{ resourceType: "document", resourceId: "readme" }, 3],
    [{ resourceType: "document", resourceId: "readme", relation: "viewer" }, 2],
    [{ resourceType: "document", resourceIdPrefix: "re" }, 3],
    [{ subjectType: "user", subjectId: "alice" }, 2],
    [{ subjectType: "user" }, 5],
    [{ subjectType: "group", subjectId: "eng", subjectRelation: "member" }, 1],
    [{ subjectType: "group", subjectId: "eng", subjectRelation: "" }, 0],
    [{ subjectType: "user", subjectId: "*" }, 1],
    [{ relation: "nonexistent" }, 0],
    [{ resourceType: "document", resourceId: "readme", relation: "nonexistent" }, 0],
    [{ subjectRelation: "" }, 6],
  ];
  for (const [filter, count] of cases)
    it(`${JSON.stringify(filter)} → ${count}`, () => {
      const got = keys(ix.match(filter));
      const expected = all
        .filter(
          (x) =>
            (filter.resourceType === undefined || x.resourceType === filter.resourceType) &&
            (filter.resourceId === undefined || x.resourceId === filter.resourceId) &&
            (filter.resourceIdPrefix === undefined || x.resourceId.startsWith(filter.resourceIdPrefix)) &&
            (filter.relation === undefined || x.relation === filter.relation) &&
            (filter.subjectType === undefined || x.subjectType === filter.subjectType) &&
            (filter.subjectId === undefined || x.subjectId === filter.subjectId) &&
            (filter.subjectRelation === undefined || x.subjectRelation === filter.subjectRelation),
        )
        .map(formatTuple)
        .sort();
      expect(got).toEqual(expected);
      expect(got.length).toBe(count);
    });
});

describe("TupleIndex model test", () => {
  it("behaves like a Set of tuple keys under random operations", () => {
    const tupleArb = fc
      .record({
        r: fc.constantFrom("doc:a", "doc:b", "folder:x", "group:g"),
        rel: fc.constantFrom("viewer", "member", "parent"),
        s: fc.constantFrom("user:u1", "user:u2", "user:*", "group:g#member", "group:h", "folder:x"),
      })
      .map(({ r, rel, s }) => t(`${r}#${rel}@${s}`));
    const opArb = fc.tuple(fc.constantFrom("add", "remove", "has"), tupleArb);
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const ix = new TupleIndex();
        const model = new Map<string, Tuple>();
        for (const [op, tuple] of ops) {
          const k = tupleKey(tuple);
          if (op === "add") {
            expect(ix.add(tuple)).toBe(!model.has(k));
            model.set(k, tuple);
          } else if (op === "remove") {
            expect(ix.remove(tuple)).toBe(model.delete(k));
          } else expect(ix.has(tuple)).toBe(model.has(k));
          expect(ix.size).toBe(model.size);
        }
        expect(keys(ix.all())).toEqual([...model.keys()].sort());
        for (const [k, tuple] of model) {
          expect(tupleKey(ix.get(tuple)!)).toBe(k);
          expect(keys(ix.match({ subjectType: tuple.subjectType, subjectId: tuple.subjectId }))).toContain(k);
          expect(
            keys(ix.match({ resourceType: tuple.resourceType, resourceId: tuple.resourceId })),
          ).toContain(k);
        }
      }),
      { numRuns: 300 },
    );
  });
});
