/**
 * Store options shared by every TupleStore implementation, with their defaults.
 * Both stores resolve them the same way so the conformance suite can drive either with one config.
 */

export const MAX_UPDATES_PER_WRITE = 1000;
export const MAX_PRECONDITIONS_PER_WRITE = 1000;
/** Largest `first` a read page may ask for (RESOURCE_EXHAUSTED above). */
export const MAX_PAGE_SIZE = 1000;
/** Largest `limit` a changes page may ask for. */
export const MAX_CHANGES_PAGE = 10_000;
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface StoreOptions {
  /** How long the change log keeps a revision's changes (default 24 h). */
  readonly changeRetentionMs?: number;
  /** Limit of deleteByFilter when the request gives none (default 1,000). */
  readonly defaultDeleteLimit?: number;
  /** Largest limit deleteByFilter accepts (default 1,000); larger is RESOURCE_EXHAUSTED. */
  readonly maxDeleteLimit?: number;
  /** Writes prune the change log at most this often (default 60 s); 0 disables pruning on write. */
  readonly pruneIntervalMs?: number;
  /** Clock in ms since the epoch: change-log timestamps and retention (tests move it forward). */
  readonly now?: () => number;
  /** Signs consistency tokens (RELGRAPH_TOKEN_SECRET); default: created once and kept in the store. */
  readonly tokenSecret?: string;
}

export interface ResolvedStoreOptions {
  readonly changeRetentionMs: number;
  readonly defaultDeleteLimit: number;
  readonly maxDeleteLimit: number;
  readonly pruneIntervalMs: number;
  readonly now: () => number;
}

export function resolveStoreOptions(options: StoreOptions = {}): ResolvedStoreOptions {
  const maxDeleteLimit = options.maxDeleteLimit ?? 1000;
  const defaultDeleteLimit = Math.min(options.defaultDeleteLimit ?? 1000, maxDeleteLimit);
  return {
    changeRetentionMs: options.changeRetentionMs ?? DAY_MS,
    defaultDeleteLimit,
    maxDeleteLimit,
    pruneIntervalMs: options.pruneIntervalMs ?? 60_000,
    now: options.now ?? Date.now,
  };
}
