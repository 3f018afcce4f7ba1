// TupleReader.reachable(start, pathSpec, target): breadth-first over the projection (the Cypher
// counterpart, SHORTEST 1, is tested in test/store/cypherReader.test.ts).
import { describe, expect, it } from "vitest";
import { OverlayReader } from "../../src/engine/overlayReader.ts";
import { IndexReader } from "../../src/engine/reader.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { indexOf } from "./support/harness.ts";

const obj = (text: string) => {
  const [type = "", id = ""] = text.split(":");
  return { type, id };
};

describe("TupleReader.reachable", () => {
  it("finds the shortest chain through a 20×4 diamond without enumerating its 4^20 paths", () => {
    const tuples: string[] = [];
    for (let layer = 0; layer < 20; layer++)
      for (let a = 0; a < 4; a++)
        for (let b = 0; b < 4; b++)
          tuples.push(`group:l${layer}_${a}#member@group:l${layer + 1}_${b}#member`);
    tuples.push("group:l20_3#member@user:bottom");
    const reader = new IndexReader(indexOf(tuples));
    expect(reader.reachable(obj("group:l0_0"), ["member"], obj("user:bottom"))).toEqual({
      reachable: true,
      hops: 21,
    });
    expect(reader.reachable(obj("group:l0_0"), ["member"], obj("user:nobody"))).toEqual({
      reachable: false,
      hops: 0,
    });
    // The path spec limits the relations followed.
    expect(reader.reachable(obj("group:l0_0"), ["viewer"], obj("user:bottom")).reachable).toBe(false);
  });

  it("follows contextual tuples through the overlay reader", () => {
    const base = new IndexReader(indexOf(["folder:root#viewer@group:eng#member"]));
    expect(base.reachable(obj("folder:root"), ["viewer", "member"], obj("user:ann")).reachable).toBe(false);
    const overlay = new OverlayReader(base, [parseTuple("group:eng#member@user:ann")]);
    expect(overlay.reachable(obj("folder:root"), ["viewer", "member"], obj("user:ann"))).toEqual({
      reachable: true,
      hops: 2,
    });
  });
});
