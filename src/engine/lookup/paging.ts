/**
 * Keyset pagination for lookups: results in a stable total order (resource ids, or subject texts,
 * by UTF-16 code units), a page = the first `first` results after the cursor's key.
 *
 * - A page after a cursor holds exactly the results greater than its key, so a result that holds
 *   for the whole walk appears exactly once, whatever was written in between; nothing is capped.
 * - The cursor carries the revision the walk began at: a page computed at a later revision says
 *   `staleCursor: true` (results written or deleted meanwhile may or may not appear).
 * - The cursor is bound to the request: a digest of store, operation, arguments and contextual
 *   tuples; used with anything else it is INVALID_ARGUMENT.
 * - Pages after the first are served from a small LRU of computed (sorted) result lists, keyed by
 *   the projection's cache scope (store + incarnation + revision + schema + load epoch) and the
 *   request digest: a walk of 100 pages computes the lookup once, and any write changes the key.
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { ErrorCode, RelgraphError, invalidArgument } from "../../errors.ts";
import { formatTuple } from "../../language/tuple.ts";
import type { Tuple } from "../../language/tuple.ts";

export const MAX_LOOKUP_PAGE = 1000;
const MAX_CURSOR_LENGTH = 8 * 1024;

export interface LookupCursor {
  /** Store incarnation the walk belongs to. */
  readonly incarnation: string;
  /** Revision of the walk's first page. */
  readonly startRevision: number;
  /** Request digest. */
  readonly request: string;
  /** The last key returned. */
  readonly last: string;
}

/** Digest of everything that defines the result set (contextual tuples as a set). */
export function requestDigest(
  store: string,
  parts: readonly string[],
  contextual: readonly Tuple[] = [],
): string {
  const ctx = contextual.map(formatTuple).sort();
  return createHash("sha256")
    .update(JSON.stringify([store, ...parts, ctx]))
    .digest("base64url")
    .slice(0, 22);
}

export function encodeLookupCursor(c: LookupCursor): string {
  return Buffer.from(
    JSON.stringify({ v: 1, i: c.incarnation, r: c.startRevision, q: c.request, k: c.last }),
    "utf8",
  ).toString("base64url");
}

export function decodeLookupCursor(
  text: string,
  expect: { incarnation: string; request: string },
): LookupCursor {
  const bad = (why: string) => invalidArgument(`after: invalid cursor (${why})`, { field: "after" });
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text))
    throw bad("not a cursor");
  let body: unknown;
  try {
    const json = Buffer.from(text, "base64url").toString("utf8");
    if (Buffer.from(json, "utf8").toString("base64url") !== text) throw new Error("not canonical");
    body = JSON.parse(json);
  } catch {
    throw bad("not a cursor");
  }
  if (body === null || typeof body !== "object") throw bad("not a cursor");
  const b = body as Record<string, unknown>;
  const { v, i, r, q, k } = b;
  if (
    v !== 1 ||
    typeof i !== "string" ||
    typeof q !== "string" ||
    typeof k !== "string" ||
    typeof r !== "number" ||
    !Number.isSafeInteger(r)
  )
    throw bad("not a cursor");
  if (q !== expect.request)
    throw bad("it belongs to a different request: other arguments or contextual tuples");
  if (i !== expect.incarnation) throw bad("the store was deleted and re-created since");
  return { incarnation: i, startRevision: r, request: q, last: k };
}

/** `first`: 1 to 1,000 (RESOURCE_EXHAUSTED above, INVALID_ARGUMENT below). */
export function checkLookupPageSize(first: number): number {
  if (!Number.isSafeInteger(first) || first < 1)
    throw invalidArgument(`first: must be an integer of at least 1, got ${first}`, { field: "first" });
  if (first > MAX_LOOKUP_PAGE)
    throw new RelgraphError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `first: ${first} is above the maximum page size of ${MAX_LOOKUP_PAGE}`,
      { field: "first", limit: MAX_LOOKUP_PAGE },
    );
  return first;
}

/**
 * One computed lookup: results with unique keys, sorted on demand. A first page needs only the
 * smallest `first` keys (a bounded heap, O(n log first)); the full sort (V8's native string sort)
 * happens once, when a later page is asked for.
 */
export class SortedResults<T> {
  private readonly keyList: readonly string[];
  private order: string[] | undefined;
  private byKey: Map<string, T> | undefined;
  /** First pages served by the heap: a repeated first page sorts once instead. */
  private heapPages = 0;

  /** `items` must have unique keys. */
  constructor(
    private readonly items: readonly T[],
    keyOf: (item: T) => string,
  ) {
    this.keyList = items.map(keyOf);
  }

  get size(): number {
    return this.items.length;
  }

  /** Keys in order (UTF-16 code units, as `<` compares strings). */
  keys(): readonly string[] {
    if (this.order === undefined) this.order = [...this.keyList].sort();
    return this.order;
  }

  item(key: string): T {
    if (this.byKey === undefined) {
      this.byKey = new Map();
      for (let i = 0; i < this.items.length; i++) this.byKey.set(this.keyList[i]!, this.items[i]!);
    }
    return this.byKey.get(key)!;
  }

  /** The `k` smallest keys with their items, sorted, without sorting everything. */
  smallest(k: number): { readonly keys: string[]; readonly items: T[] } {
    if (this.order !== undefined || k * 4 >= this.items.length || this.heapPages++ > 0) {
      const keys = this.keys().slice(0, k);
      return { keys, items: keys.map((key) => this.item(key)) };
    }
    const key = this.keyList;
    // Max-heap (by key) of the indices of the k smallest keys seen so far.
    const heap: number[] = [];
    const swap = (a: number, b: number): void => {
      const t = heap[a]!;
      heap[a] = heap[b]!;
      heap[b] = t;
    };
    for (let i = 0; i < key.length; i++) {
      if (heap.length < k) {
        heap.push(i);
        for (let c = heap.length - 1; c > 0;) {
          const p = (c - 1) >> 1;
          if (key[heap[p]!]! >= key[heap[c]!]!) break;
          swap(p, c);
          c = p;
        }
      } else if (key[i]! < key[heap[0]!]!) {
        heap[0] = i;
        for (let c = 0; ;) {
          const l = 2 * c + 1;
          const r = l + 1;
          let m = c;
          if (l < heap.length && key[heap[l]!]! > key[heap[m]!]!) m = l;
          if (r < heap.length && key[heap[r]!]! > key[heap[m]!]!) m = r;
          if (m === c) break;
          swap(m, c);
          c = m;
        }
      }
    }
    heap.sort((a, b) => (key[a]! < key[b]! ? -1 : 1));
    return { keys: heap.map((i) => key[i]!), items: heap.map((i) => this.items[i]!) };
  }
}

export function sortResults<T>(items: readonly T[], keyOf: (item: T) => string): SortedResults<T> {
  return new SortedResults(items, keyOf);
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Key of the last item, when another page follows. */
  readonly lastKey?: string;
  readonly hasNextPage: boolean;
}

/** The first `first` results whose key is greater than `after` (binary search). */
export function pageOf<T>(results: SortedResults<T>, first: number, after: string | undefined): Page<T> {
  if (after === undefined) {
    const top = results.smallest(first);
    const hasNextPage = top.keys.length < results.size;
    return {
      items: top.items,
      hasNextPage,
      ...(hasNextPage && top.keys.length > 0 ? { lastKey: top.keys[top.keys.length - 1]! } : {}),
    };
  }
  const keys = results.keys();
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  const end = Math.min(keys.length, lo + first);
  const hasNextPage = end < keys.length;
  return {
    items: keys.slice(lo, end).map((k) => results.item(k)),
    hasNextPage,
    ...(hasNextPage && end > lo ? { lastKey: keys[end - 1]! } : {}),
  };
}

/** Computed lookups, by (projection scope, request digest); evicted by total result count. */
export class LookupResultCache {
  private readonly lru: LRUCache<string, SortedResults<unknown>>;

  constructor(maxResults = 2_000_000) {
    this.lru = new LRUCache<string, SortedResults<unknown>>({
      maxSize: maxResults,
      sizeCalculation: (r) => Math.max(1, r.size),
    });
  }

  /** The cached result list for `key`, or `compute()` stored under it. */
  get<T>(key: string, compute: () => SortedResults<T>): SortedResults<T> {
    const have = this.lru.get(key);
    if (have !== undefined) return have as SortedResults<T>;
    const fresh = compute();
    if (fresh.size < this.lru.maxSize) this.lru.set(key, fresh as SortedResults<unknown>);
    return fresh;
  }

  clear(): void {
    this.lru.clear();
  }
}
