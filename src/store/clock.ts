/**
 * StoreClock: the store's clock as this process sees it, for judging expiring relationships by one
 * clock across processes (SpiceDB judges them by its datastore's time). Neo4j reports its
 * `datetime()` with every change-log poll and head read; the offset from this process's clock is
 * kept, so `now()` is a local call (minimizeLatency checks make no round trip for it).
 *
 * Example: Neo4j answers 12:00:00.500 to a read sent at local 12:00:00.000 and answered at
 * 12:00:00.200 → offset +400 ms; `now()` at local 12:00:01.000 is 12:00:01.400.
 */
export class StoreClock {
  private offsetMs = 0;
  private sampled = false;

  /** A store time read by a call sent at `sentAt` and answered at `receivedAt` (local ms). */
  sample(storeNow: number, sentAt: number, receivedAt: number): void {
    if (!Number.isFinite(storeNow)) return;
    this.offsetMs = storeNow - (sentAt + receivedAt) / 2;
    this.sampled = true;
  }

  /** The store's time now (ms since the epoch); the local clock until the first sample. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** The last sampled offset (store − local, ms), or undefined before any sample. */
  get offset(): number | undefined {
    return this.sampled ? this.offsetMs : undefined;
  }
}
