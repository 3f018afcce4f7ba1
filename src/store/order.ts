/**
 * The total order of tuples that keyset pagination walks, shared by every store:
 * (resourceType, resourceId, relation, subjectType, subjectId, subjectRelation), each compared by
 * UTF-16 code unit (JavaScript's `<`).
 *
 * Why UTF-16 and not code points: Neo4j 5 compares two *stored* strings by code point but compares
 * a stored string with a parameter (or any computed string) by UTF-16 unit, and the two disagree
 * when U+E000..U+FFFF meets an astral character. The Neo4j store therefore sorts and compares on
 * computed strings (`r.id + ""`), i.e. UTF-16 order everywhere; the memory store uses the same.
 *
 * Example: `document:a#viewer@user:z` < `document:b#editor@user:a` < `folder:a#viewer@user:a`.
 */
import type { Tuple } from "../model/tuple.ts";

export type OrderKey = readonly [string, string, string, string, string, string];

export function orderKey(t: Tuple): OrderKey {
  return [t.resourceType, t.resourceId, t.relation, t.subjectType, t.subjectId, t.subjectRelation];
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareKeys(a: OrderKey, b: OrderKey): number {
  for (let i = 0; i < 6; i++) {
    const c = compareText(a[i] ?? "", b[i] ?? "");
    if (c !== 0) return c;
  }
  return 0;
}

export function compareTuples(a: Tuple, b: Tuple): number {
  return compareKeys(orderKey(a), orderKey(b));
}

/**
 * The longest prefix of `text` whose characters are all below U+D800. For such a string the
 * UTF-16, code-point and UTF-8 byte orders agree, so an index range seek from it (indexes sort by
 * bytes) returns a superset of the UTF-16 keyset `> text`.
 */
export function orderSafePrefix(text: string): string {
  const i = text.search(/[\uD800-\uFFFF]/);
  return i < 0 ? text : text.slice(0, i);
}
