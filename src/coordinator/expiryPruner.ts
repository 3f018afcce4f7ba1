/**
 * ExpiryPruner: deletes expired relationships in the background. Evaluation already ignores a
 * relationship from the instant it expires (engine/conditionReader.ts); pruning keeps them from
 * piling up in Neo4j and in every projection. Each batch (≤ 1,000) is one revision whose change
 * log records a DELETE per relationship, so followers drop them like any delete. Only stores whose
 * schema says `use expiration` are visited; a failed round (Neo4j down) is logged and retried at the
 * next tick. Several processes may prune the same store: the store lock serialises them, and a
 * batch that finds nothing expired commits nothing.
 */
import type { TupleStore } from "../store/interface.ts";

/** Relationships per batch (the store's write batch size). */
export const EXPIRY_BATCH = 1000;
/** Batches per store per round, so one store cannot hold a round forever. */
const MAX_BATCHES = 100;

export class ExpiryPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly store: TupleStore,
    /** Runs one store call under the coordinator's write deadline. */
    private readonly bounded: <T>(work: () => Promise<T>) => Promise<T>,
    private readonly log: (line: string) => void,
  ) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.pruneAll()
        .catch((e: unknown) => this.log(`expired relationships not pruned: ${(e as Error).message}`))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round over every store; returns how many relationships were deleted. */
  async pruneAll(): Promise<number> {
    let total = 0;
    for (const info of await this.bounded(() => this.store.listStores())) {
      const schema = await this.bounded(() => this.store.readSchema(info.name));
      if (schema === undefined || !schema.ir.features.expiration) continue;
      total += await this.prune(info.name);
    }
    return total;
  }

  /** Deletes `store`'s expired relationships, batch by batch; returns how many. */
  async prune(store: string): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const r = await this.bounded(() => this.store.deleteExpired(store, EXPIRY_BATCH));
      total += r.deletedCount;
      if (r.deletedCount < EXPIRY_BATCH) break;
    }
    return total;
  }
}
