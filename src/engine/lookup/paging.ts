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
import { formatTuple } from "../../model/tuple.ts";
import { badCursor, decodeCursorBody, encodeCursorBody } from "../../store/cursor.ts";
import type { Tuple } from "../../model/tuple.ts";

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
  return encodeCursorBody({ v: 1, i: c.incarnation, r: c.startRevision, q: c.request, k: c.last });
}

export function decodeLookupCursor(
  text: string,
  expect: { incarnation: string; request: string },
): LookupCursor {
  const bad = badCursor;
  const b = decodeCursorBody(text, MAX_CURSOR_LENGTH);
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
 * smallest `first` keys (a sampled threshold and one pass, O(n)); the full sort (V8's native string
 * sort) happens once, when a later page is asked for.
 */
export class SortedResults<T> {
  /** Item positions in key order, once a later page needed them. */
  private order: Uint32Array | undefined;
  /** First pages served by the threshold: a repeated first page sorts once instead. */
  private thresholdPages = 0;

  /**
   * `keyList[i]` is the key of item i, and keys are unique; `itemAt(i)` makes item i — called
   * only for the items a page returns, so a lookup of 10,000 results that serves a page of 100
   * builds 100 items, not 10,000.
   */
  constructor(
    private readonly keyList: readonly string[],
    private readonly itemAt: (index: number) => T,
  ) {}

  get size(): number {
    return this.keyList.length;
  }

  /** Positions in key order (UTF-16 code units, as `<` compares strings): a typed array of indices, not a key → item map. */
  private sorted(): Uint32Array {
    if (this.order === undefined) {
      const key = this.keyList;
      const order = new Uint32Array(key.length);
      for (let i = 0; i < order.length; i++) order[i] = i;
      order.sort((a, b) => (key[a]! < key[b]! ? -1 : 1));
      this.order = order;
    }
    return this.order;
  }

  /** The key at sorted position `pos`. */
  keyAt(pos: number): string {
    return this.keyList[this.sorted()[pos]!]!;
  }

  /** The item at sorted position `pos`. */
  itemAtPosition(pos: number): T {
    return this.itemAt(this.sorted()[pos]!);
  }

  /** The sorted position of the first key greater than `after` (binary search). */
  positionAfter(after: string): number {
    const order = this.sorted();
    const key = this.keyList;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (key[order[mid]!]! <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The `k` smallest keys with their items, sorted, without sorting everything. */
  smallest(k: number): { readonly keys: string[]; readonly items: T[] } {
    const key = this.keyList;
    const n = key.length;
    if (this.order !== undefined || k * 4 >= n || this.thresholdPages++ > 0) {
      const order = this.sorted().subarray(0, k);
      return { keys: Array.from(order, (i) => key[i]!), items: Array.from(order, (i) => this.itemAt(i)) };
    }
    // A threshold from a sorted sample (every n/SAMPLE-th key): about 2k + 8·n/SAMPLE keys are at or
    // below it, so one comparison per key keeps a short list to sort. ~0.2 ms for k = 100 of 10,000,
    // where a bounded heap took ~1.5 ms (walk order is often descending: a sift per key).
    const size = Math.min(n, SAMPLE);
    const sample: string[] = new Array<string>(size);
    for (let i = 0; i < size; i++) sample[i] = key[Math.floor((i * n) / size)]!;
    sample.sort();
    const threshold = sample[Math.min(size - 1, Math.ceil((2 * k * size) / n) + 8)]!;
    let picked: number[] = [];
    for (let i = 0; i < n; i++) if (key[i]! <= threshold) picked.push(i);
    // Fewer than k at or below it (a skewed sample): then every key is a candidate.
    if (picked.length < k) picked = Array.from({ length: n }, (_, i) => i);
    picked.sort((a, b) => (key[a]! < key[b]! ? -1 : 1));
    picked.length = Math.min(picked.length, k);
    return { keys: picked.map((i) => key[i]!), items: picked.map((i) => this.itemAt(i)) };
  }
}

/** Keys sampled to pick a first page's threshold. */
const SAMPLE = 512;

/** Results from a list of items with unique keys. */
export function sortResults<T>(items: readonly T[], keyOf: (item: T) => string): SortedResults<T> {
  return new SortedResults(items.map(keyOf), (i) => items[i]!);
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
  const lo = results.positionAfter(after);
  const end = Math.min(results.size, lo + first);
  const items: T[] = [];
  for (let i = lo; i < end; i++) items.push(results.itemAtPosition(i));
  const hasNextPage = end < results.size;
  return {
    items,
    hasNextPage,
    ...(hasNextPage && end > lo ? { lastKey: results.keyAt(end - 1) } : {}),
  };
}

/**
 * Computed lookups, by (projection scope, request digest); evicted by total result count and by
 * entries. The scope changes with every write, so a stream of lookups on a store being written adds
 * entries that are never read again; bounded by results alone (an empty list counts 1), 2,000,000
 * of them could be held (the API fuzzer saw ~20 MB of heap growth per 1,000 lookups). A later page
 * is served from here while its walk's entry is among the last MAX_LOOKUP_ENTRIES used.
 */
export const MAX_LOOKUP_ENTRIES = 256;

export class LookupResultCache {
  private readonly lru: LRUCache<string, SortedResults<unknown>>;

  constructor(maxResults = 2_000_000, maxEntries = MAX_LOOKUP_ENTRIES) {
    this.lru = new LRUCache<string, SortedResults<unknown>>({
      max: maxEntries,
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

  /** The cached result list for `key`, if any (counts as a use). */
  peek<T>(key: string): SortedResults<T> | undefined {
    return this.lru.get(key) as SortedResults<T> | undefined;
  }

  clear(): void {
    this.lru.clear();
  }
}
