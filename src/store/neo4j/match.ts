/**
 * Keyset matching: the tuples matching a filter after a position in the total order, at most a
 * limit. What reads page with, deleteByFilter deletes and preconditions test. It walks the store's
 * resource types in order, one query per type (a label per query, so each can seek that type's
 * (store, id) index), choosing per type the query whose work is bounded by what it returns:
 *
 * - subject given, no resource id: anchored on the subject node (tuples-by-subject);
 * - resource id or prefix given: the index seeks the prefix and the small range is sorted
 *   (tuples-by-resource-sorted);
 * - otherwise: windows of resources in index order (tuples-by-resource), so paging through a whole
 *   store costs about a page per page; a window holding an id where index (code-point) order and the
 *   total (UTF-16) order may part falls back to the sorting query.
 */
import type { ManagedTransaction } from "neo4j-driver";
import { invariant } from "../../errors.ts";
import type { Tuple } from "../../model/tuple.ts";
import type { OrderKey } from "../order.ts";
import { compareText, orderSafePrefix } from "../order.ts";
import type { NormalisedFilter } from "../validate.ts";
import type { TemplateName } from "./cypher.ts";
import { cypher } from "./cypher.ts";
import type { StoreState } from "./storeState.ts";
import { tupleFromRow } from "./tupleCodec.ts";
import { int, mapRow, num } from "./values.ts";

/** Java regex: an id holding a character where code-point and UTF-16 order part (U+E000 and up). */
const UNSAFE_ID = "(?s).*[\\x{E000}-\\x{10FFFF}].*";

/** Tuples matching `filter` after keyset position `after`, in the total order, at most `limit`. */
export async function match(
  tx: ManagedTransaction,
  state: StoreState,
  filter: NormalisedFilter,
  after: OrderKey | undefined,
  limit: number,
): Promise<Tuple[]> {
  if (
    filter.resourceId !== undefined &&
    filter.resourceIdPrefix !== undefined &&
    !filter.resourceId.startsWith(filter.resourceIdPrefix)
  )
    return [];
  if (filter.subjectType !== undefined && !state.types.includes(filter.subjectType)) return [];
  const types = [...state.resourceTypes]
    .filter((t) => filter.resourceType === undefined || t === filter.resourceType)
    .filter((t) => after === undefined || compareText(t, after[0]) >= 0)
    .sort(compareText);
  const bySubject =
    filter.subjectType !== undefined && filter.subjectId !== undefined && filter.resourceId === undefined;
  const out: Tuple[] = [];
  for (const type of types) {
    const remaining = limit - out.length;
    if (remaining <= 0) break;
    const within = after !== undefined && after[0] === type ? after : undefined;
    const names = { resource: type, relation: filter.relation, subject: filter.subjectType };
    const params = {
      store: state.name,
      idPrefix: filter.resourceId ?? filter.resourceIdPrefix ?? "",
      seekFrom: within ? orderSafePrefix(within[1]) : "",
      resourceId: filter.resourceId ?? null,
      subjectId: filter.subjectId ?? null,
      subjectRelation: filter.subjectRelation ?? null,
      after: within
        ? {
            resourceId: within[1],
            relation: within[2],
            subjectType: within[3],
            subjectId: within[4],
            subjectRelation: within[5],
          }
        : null,
      limit: int(remaining),
    };
    const sorted = async (template: TemplateName) => {
      const result = await tx.run(cypher(template, names), params);
      for (const rec of result.records) out.push(tupleFromRow({ ...rec.toObject(), resourceType: type }));
    };
    // A subject anchors the query when it is the selective side (its degree bounds the work); an id
    // or prefix narrows the resources to a small index range (sorting it is cheap); otherwise walk
    // the type in windows, so paging through a whole store costs a page per page.
    if (bySubject) await sorted("tuples-by-subject");
    else if (params.idPrefix !== "" || !(await matchWindowed(tx, type, names, params, out)))
      await sorted("tuples-by-resource-sorted");
  }
  return out;
}

/**
 * The fast path of `match` for one resource type: windows of resources in index order. Appends to
 * `out`; false (having appended nothing) when a window holds ids whose index order may differ from
 * the total order, so the caller must use the sorting query.
 */
async function matchWindowed(
  tx: ManagedTransaction,
  type: string,
  names: Readonly<Record<string, string | undefined>>,
  params: Readonly<Record<string, unknown>> & { readonly limit: ReturnType<typeof int> },
  out: Tuple[],
): Promise<boolean> {
  const limit = params.limit.toNumber();
  const window = Math.max(limit, 64);
  const found: Tuple[] = [];
  let seekFrom = params["seekFrom"];
  let idAbove = "";
  for (;;) {
    const template = "tuples-by-resource";
    const result = await tx.run(cypher(template, names), {
      ...params,
      seekFrom,
      idAbove,
      limit: int(limit - found.length),
      window: int(window),
      unsafeId: UNSAFE_ID,
    });
    const rec = result.records[0];
    invariant(rec !== undefined, `${template} returned no row`);
    if (rec.get("unsafe") === true) return false;
    const rows = rec.get("rows") as unknown[];
    for (const row of rows) found.push(tupleFromRow({ ...mapRow(row), resourceType: type }));
    const windowLast = rec.get("windowLast") as unknown;
    if (found.length >= limit || num(rec.get("windowSize")) < window || typeof windowLast !== "string") break;
    // A full window that did not fill the page: go on after its last id (an order-safe string).
    seekFrom = windowLast;
    idAbove = windowLast;
  }
  out.push(...found);
  return true;
}
