/**
 * The shared sub-result cache: final (never provisional) goal results. One bucket per
 * (scope, subject), where the scope is store + incarnation + revision (+ projection epoch), so a
 * write is never hidden from a request carrying a newer token; inside a bucket, goals are keyed
 * by number (object handle × members + member), so a lookup on the check path builds no string.
 * Buckets are evicted least-recently-used by their total entry count. Hit counters exist so a
 * benchmark can prove an "uncached" run had none.
 */
import { LRUCache } from "lru-cache";
import type { CheckValue } from "./result.ts";

export interface CacheStats {
  hits: number;
  misses: number;
  writes: number;
}

export type CacheBucket = Map<number, CheckValue>;

export class SubResultCache {
  private readonly lru: LRUCache<string, CacheBucket>;
  readonly stats: CacheStats = { hits: 0, misses: 0, writes: 0 };

  /** `maxEntries`: goal results kept across all buckets. */
  constructor(readonly maxEntries = 1_000_000) {
    this.lru = new LRUCache<string, CacheBucket>({
      maxSize: maxEntries,
      sizeCalculation: (b) => Math.max(1, b.size),
    });
  }

  /** The bucket of one (scope, subject), or undefined. */
  bucket(key: string): CacheBucket | undefined {
    return this.lru.get(key);
  }

  /** Stores (or re-measures) a bucket after a check wrote into it. */
  commit(key: string, bucket: CacheBucket): void {
    if (bucket.size > this.maxEntries) return;
    this.lru.set(key, bucket);
  }

  clear(): void {
    this.lru.clear();
  }

  /** Buckets held. */
  get size(): number {
    return this.lru.size;
  }

  /** Goal results held. */
  get entries(): number {
    return this.lru.calculatedSize;
  }
}
