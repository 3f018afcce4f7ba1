/**
 * What the parts of the Neo4j store share, built once per Neo4jTupleStore: where its queries run,
 * its resolved options, and the per-process caches (parsed schemas, constraints known to exist, when
 * each store's change log was last pruned). Plain data, so each part of the store is a file of
 * functions over it and the class stays a facade.
 */
import type { StoreClock } from "../clock.ts";
import type { StoredSchema } from "../interface.ts";
import type { ResolvedStoreOptions } from "../options.ts";
import type { Neo4jDatabase } from "./session.ts";
import type { StatementWarmup } from "./warmup.ts";

export interface StoreContext extends Neo4jDatabase {
  readonly options: ResolvedStoreOptions;
  /** Parsed schemas by `store/incarnation/schemaRevision` (immutable once written). */
  readonly schemas: Map<string, StoredSchema>;
  /** Labels and relationship types whose uniqueness constraints this process has ensured. */
  readonly ensuredLabels: Set<string>;
  readonly ensuredRelations: Set<string>;
  /** When this process last pruned each store's change log (the `at` of that commit). */
  readonly lastPruneAt: Map<string, number>;
  /** Per store, the end of this process's queue of writes (storeState.ts `locked`). */
  readonly writeQueues: Map<string, Promise<void>>;
  /** The statements write transactions ran, replayed after an outage before writes resume. */
  readonly warmup: StatementWarmup;
  /** Neo4j's clock, sampled by head reads and change-log polls (shared with the follower). */
  readonly clock: StoreClock;
}
