import { describe, expect, it } from "vitest";
import { OverlayReader } from "../../src/engine/overlayReader.ts";
import { IndexReader, DIRECT } from "../../src/engine/reader.ts";
import type { TupleReader } from "../../src/engine/reader.ts";
import { EDGE_PRESENT, EDGE_ABSENT } from "../../src/model/tupleIndex.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { indexOf } from "./support/harness.ts";

function subjects(r: TupleReader, type: string, id: string, rel: string): string[] {
  const o = r.lookupObject(type, id);
  const rr = r.lookupRelation(rel);
  const out: string[] = [];
  for (const first of [r.firstDirect(o, rr), r.firstUserset(o, rr)])
    for (let c = first; c !== 0; c = r.nextForward(c)) {
      const s = r.cursorSubject(c);
      const sr = r.relationName(r.cursorSubjectRelation(c));
      out.push(`${r.objectType(s)}:${r.objectName(s)}${sr ? `#${sr}` : ""}`);
    }
  return out.sort();
}

function resources(r: TupleReader, type: string, id: string, rel: string): string[] {
  const o = r.lookupObject(type, id);
  const rr = rel === "" ? DIRECT : r.lookupRelation(rel);
  const out: string[] = [];
  for (let c = r.firstReverse(o, rr); c !== 0; c = r.nextReverse(c)) {
    const res = r.cursorResource(c);
    out.push(`${r.objectType(res)}:${r.objectName(res)}#${r.relationName(r.cursorResourceRelation(c))}`);
  }
  return out.sort();
}

describe("OverlayReader (contextual tuples)", () => {
  const base = new IndexReader(
    indexOf([
      "document:a#viewer@user:alice",
      "document:a#viewer@group:eng#member",
      "document:b#viewer@user:alice",
    ]),
  );
  const overlay = new OverlayReader(base, [
    parseTuple("document:a#viewer@user:bob"),
    parseTuple("document:a#viewer@group:ops#member"),
    parseTuple("document:new#viewer@user:alice"),
    parseTuple("document:a#editor@user:alice"),
  ]);

  it("walks overlay and base subjects of the same (object, relation)", () => {
    expect(subjects(overlay, "document", "a", "viewer")).toEqual([
      "group:eng#member",
      "group:ops#member",
      "user:alice",
      "user:bob",
    ]);
    expect(subjects(overlay, "document", "new", "viewer")).toEqual(["user:alice"]);
    expect(subjects(overlay, "document", "a", "editor")).toEqual(["user:alice"]);
    expect(subjects(base, "document", "a", "viewer")).toEqual(["group:eng#member", "user:alice"]);
  });

  it("walks reverse lists across both", () => {
    expect(resources(overlay, "user", "alice", "")).toEqual([
      "document:a#editor",
      "document:a#viewer",
      "document:b#viewer",
      "document:new#viewer",
    ]);
  });

  it("answers tuple states from both", () => {
    const o = overlay.lookupObject("document", "a");
    const v = overlay.lookupRelation("viewer");
    expect(overlay.tupleState(o, v, overlay.lookupObject("user", "bob"), DIRECT)).toBe(EDGE_PRESENT);
    expect(overlay.tupleState(o, v, overlay.lookupObject("user", "alice"), DIRECT)).toBe(EDGE_PRESENT);
    expect(overlay.tupleState(o, v, overlay.lookupObject("user", "nobody"), DIRECT)).toBe(EDGE_ABSENT);
    // The base index was not touched.
    expect(base.lookupObject("user", "bob")).toBe(-1);
  });
});
