/**
 * Projection: the in-memory copy (a TupleIndex) of one store's tuples and schema, kept current
 * from the store's change log. Checks are evaluated against it in process; the store (Neo4j)
 * stays the source of truth.
 *
 * Loading without a snapshot (a store read is paginated, not one transaction):
 *   r0 = head; stream every tuple (TupleStore.scan, unordered); r1 = head; replay the change log (r0, r1] as
 *   idempotent set operations (TOUCH = add, DELETE = remove); serve at r1.
 * Any tuple written or deleted during the stream has its final state in (r0, r1], and replaying
 * it on top of whatever the stream saw gives the state at r1.
 *
 * Freshness:
 * - a poller pulls the change log every `pollIntervalMs` (default 250 ms);
 * - `waitFor(revision)` (atLeastAsFresh) pulls at once, and fails DEADLINE_EXCEEDED after
 *   `waitTimeoutMs` (default 5 s);
 * - `catchUp()` (fullyConsistent) reads the head once and pulls up to it;
 * - `ensureFresh()` (minimizeLatency) fails UNAVAILABLE when the last contact with the store is
 *   older than `stalenessMs` (default 1 s);
 * - a pruned next revision, or a new store incarnation, reloads the whole store.
 * Schema changes in the log (ChangePage.schemaChanges) reload the schema.
 */
import { ErrorCode, RelgraphError, isRelgraphError } from "../../errors.ts";
import type { Change, Revision, StoredSchema, TupleStore } from "../../store/interface.ts";
import { TypeSystem } from "../../typesystem/typesystem.ts";
import { IndexReader } from "../reader.ts";
import { TupleIndex } from "../../model/tupleIndex.ts";

export interface ProjectionOptions {
  /**
   * Where the poller pulls and loads from (TupleStore.follower: Neo4j over the change-log driver,
   * which request load cannot take); default the store. Requests' own head reads use the store.
   */
  readonly follower?: TupleStore;
  readonly pollIntervalMs?: number;
  readonly waitTimeoutMs?: number;
  readonly stalenessMs?: number;
  /** Tuples per scan batch while loading (default 10,000). */
  readonly scanBatchSize?: number;
  /** Changes per change-log page. */
  readonly changesPageSize?: number;
  readonly now?: () => number;
}

export interface ProjectionStats {
  loads: number;
  pulls: number;
  changesApplied: number;
  schemaReloads: number;
}

/** A lapse of contact this many times the staleness bound is an outage (projection.ensureFresh). */
const OUTAGE_FACTOR = 5;
/** Contacts in a row within the staleness bound after which a projection serves again after an outage. */
const CONTACTS_AFTER_OUTAGE = 3;
/**
 * …spanning at least this many times the bound: fullyConsistent checks make contacts too, so three
 * came within ~100 ms of Neo4j's return, while its cold JVM still let a poll run past the bound a
 * second later (chaos suite, kill scenario: minimizeLatency flapped twice).
 */
const STEADY_FACTOR_AFTER_OUTAGE = 3;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Projection {
  private indexValue = new TupleIndex();
  private readerValue = new IndexReader(this.indexValue);
  private revisionValue: Revision | undefined;
  private schemaValue: StoredSchema | undefined;
  private compiledValue: TypeSystem | undefined;
  private lastContact = -Infinity;
  /** Set when the projection went past the staleness bound; cleared by `ensureFresh`. */
  private stale = false;
  /** Contacts in a row that came within the bound of the one before. */
  private goodContacts = 0;
  /** When the current run of good contacts began. */
  private steadySince = -Infinity;
  /** Good contacts a stale projection needs before it serves again: 0, or CONTACTS_AFTER_OUTAGE. */
  private contactsNeeded = 0;
  private pulling: Promise<void> | undefined;
  /** The head read in flight for fullyConsistent callers, and the one queued behind it. */
  private headInFlight: Promise<Revision> | undefined;
  private headQueued: Promise<Revision> | undefined;
  /** A pull waiting for the one in progress; callers meanwhile share it. */
  private queuedPull: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Bumped on every (re)load: part of the cache scope, since handles change with a new index. */
  private epoch = 0;
  lastError: unknown;
  readonly stats: ProjectionStats = { loads: 0, pulls: 0, changesApplied: 0, schemaReloads: 0 };

  private readonly pollIntervalMs: number;
  private readonly waitTimeoutMs: number;
  private readonly stalenessMs: number;
  private readonly scanBatchSize: number;
  private readonly changesPageSize: number;
  private readonly now: () => number;
  /** What pulls and loads read (options.follower). */
  private readonly source: TupleStore;

  constructor(
    readonly store: TupleStore,
    readonly storeName: string,
    options: ProjectionOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 5000;
    this.stalenessMs = options.stalenessMs ?? 1000;
    this.scanBatchSize = options.scanBatchSize ?? 10_000;
    this.changesPageSize = options.changesPageSize ?? 1000;
    this.now = options.now ?? Date.now;
    this.source = options.follower ?? store;
  }

  /** Loads the store and returns the projection (not polling yet: call `start()`). */
  static async open(
    store: TupleStore,
    storeName: string,
    options: ProjectionOptions = {},
  ): Promise<Projection> {
    const p = new Projection(store, storeName, options);
    await p.load();
    return p;
  }

  get index(): TupleIndex {
    return this.indexValue;
  }
  get reader(): IndexReader {
    return this.readerValue;
  }
  /** The revision the projection reflects. */
  get revision(): Revision {
    if (this.revisionValue === undefined)
      throw new RelgraphError(ErrorCode.UNAVAILABLE, `store ${this.storeName} is not loaded yet`);
    return this.revisionValue;
  }
  get schema(): StoredSchema | undefined {
    return this.schemaValue;
  }
  get compiledSchema(): TypeSystem | undefined {
    return this.compiledValue;
  }
  /** Key prefix for shared caches: changes whenever an answer could. */
  get cacheScope(): string {
    const r = this.revision;
    return `${r.store}@${r.incarnation}@${r.revision}/${r.schemaRevision}#${this.epoch}`;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.pull().catch((e: unknown) => {
        this.lastError = e;
      });
    }, this.pollIntervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * minimizeLatency: UNAVAILABLE when the store has not been reached within the staleness bound.
   * After an outage (no contact for OUTAGE_FACTOR × the bound), the projection serves again only
   * once CONTACTS_AFTER_OUTAGE contacts in a row each came within the bound, over at least
   * STEADY_FACTOR_AFTER_OUTAGE × the bound: a restarted Neo4j
   * whose JVM is still cold answers every pull slowly, and the answers would otherwise flap between
   * OK and UNAVAILABLE with every pull. After a shorter lapse (a slow pull on a busy machine) the
   * next contact is enough, as it always was.
   */
  ensureFresh(): void {
    const age = this.now() - this.lastContact;
    if (age > this.stalenessMs) this.stale = true;
    else if (
      this.stale &&
      this.goodContacts >= this.contactsNeeded &&
      (this.contactsNeeded === 0 ||
        this.now() - this.steadySince >= STEADY_FACTOR_AFTER_OUTAGE * this.stalenessMs)
    ) {
      this.stale = false;
      this.contactsNeeded = 0;
    }
    if (!this.stale) return;
    throw new RelgraphError(
      ErrorCode.UNAVAILABLE,
      age > this.stalenessMs
        ? `store ${this.storeName}: no contact with the tuple store for ${Math.round(age)} ms (staleness bound ${this.stalenessMs} ms)`
        : `store ${this.storeName}: the tuple store answers again after an outage, but not yet steadily (${CONTACTS_AFTER_OUTAGE} times in a row within the staleness bound of ${this.stalenessMs} ms, for ${STEADY_FACTOR_AFTER_OUTAGE * this.stalenessMs} ms)`,
      { reason: "projection-stale", stalenessMs: this.stalenessMs },
    );
  }

  /** A successful read from the store: the projection is as fresh as now. */
  private contact(): void {
    const now = this.now();
    const gap = now - this.lastContact;
    if (this.lastContact !== -Infinity) {
      if (gap <= this.stalenessMs) {
        if (this.goodContacts++ === 0) this.steadySince = now;
      } else {
        // Stale whether or not a check noticed it.
        this.stale = true;
        this.goodContacts = 0;
        if (gap > OUTAGE_FACTOR * this.stalenessMs) this.contactsNeeded = CONTACTS_AFTER_OUTAGE;
      }
    }
    this.lastContact = now;
  }

  /** fullyConsistent: one head read, then pull until the projection reflects it. */
  async catchUp(): Promise<void> {
    const head = await this.headAfterNow();
    this.contact();
    if (this.revisionValue === undefined || head.incarnation !== this.revisionValue.incarnation) {
      await this.exclusive(() => this.load());
      return;
    }
    while (this.revision.revision < head.revision) await this.pull();
  }

  /**
   * The store's head, read by a query that starts after this call: callers arriving while a read is
   * in flight share the one queued behind it (like `pull`). 50 concurrent fullyConsistent checks
   * then cost two head reads, not 50 (during the chaos suite's recovery, ~350 a second on a cold
   * Neo4j). A shared read runs under the deadline of the call that started it; all are the same.
   */
  private headAfterNow(): Promise<Revision> {
    if (this.headQueued !== undefined) return this.headQueued;
    if (this.headInFlight === undefined) return this.readHead();
    const queued: Promise<Revision> = this.headInFlight
      .catch(() => undefined)
      .then(() => {
        if (this.headQueued === queued) this.headQueued = undefined;
        return this.readHead();
      });
    this.headQueued = queued;
    return queued;
  }

  private readHead(): Promise<Revision> {
    const read = this.store.head(this.storeName);
    this.headInFlight = read;
    read
      .catch(() => undefined)
      .finally(() => {
        if (this.headInFlight === read) this.headInFlight = undefined;
      });
    return read;
  }

  /** atLeastAsFresh: pull at once; DEADLINE_EXCEEDED if `revision` is not reached in time. */
  async waitFor(revision: number, timeoutMs: number = this.waitTimeoutMs): Promise<void> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      if (this.revisionValue !== undefined && this.revisionValue.revision >= revision) return;
      await this.pull();
      if (this.revision.revision >= revision) return;
      const left = deadline - this.now();
      if (left <= 0)
        throw new RelgraphError(
          ErrorCode.DEADLINE_EXCEEDED,
          `store ${this.storeName}: revision ${revision} not reached within ${timeoutMs} ms (at ${this.revision.revision})`,
          { revision, reached: this.revision.revision },
        );
      await sleep(Math.min(25, left));
    }
  }

  /**
   * Applies the change log up to the head (one pull at a time). Callers arriving while a pull is
   * queued and not started yet share it (it starts after their call, so it sees what they wait
   * for): 50 writers waiting for their own revisions cost one queued pull, not 50 in a row.
   */
  pull(): Promise<void> {
    if (this.queuedPull !== undefined) return this.queuedPull;
    const next: Promise<void> = this.exclusive(async () => {
      if (this.queuedPull === next) this.queuedPull = undefined;
      await this.pullOnce();
    });
    this.queuedPull = next;
    // A pull that fails before it starts (it cannot: exclusive runs work after the previous one
    // settles either way) must not stay shared.
    next
      .catch(() => {})
      .finally(() => {
        if (this.queuedPull === next) this.queuedPull = undefined;
      });
    return next;
  }

  private exclusive(work: () => Promise<void>): Promise<void> {
    const prev = this.pulling ?? Promise.resolve();
    const next = prev.then(work, work);
    const tracked = next.finally(() => {
      if (this.pulling === tracked) this.pulling = undefined;
    });
    this.pulling = tracked;
    // The caller gets `next` and handles its failure; the bookkeeping copy must not surface as an
    // unhandled rejection (which would end the process).
    tracked.catch(() => {});
    return next;
  }

  private async pullOnce(): Promise<void> {
    this.stats.pulls++;
    if (this.revisionValue === undefined) {
      await this.load();
      return;
    }
    for (;;) {
      const from = this.revisionValue.revision;
      let page;
      try {
        page = await this.source.changes(this.storeName, from, this.changesPageSize);
      } catch (e) {
        if (
          isRelgraphError(e) &&
          (e.code === ErrorCode.FAILED_PRECONDITION ||
            (e.code === ErrorCode.INVALID_ARGUMENT && e.details["field"] === "afterRevision"))
        ) {
          // The next revision was pruned from the log, or the store was deleted and re-created with
          // a lower head than ours: only a reload can catch up.
          await this.load();
          return;
        }
        throw e;
      }
      this.contact();
      if (page.head.incarnation !== this.revisionValue.incarnation) {
        await this.load();
        return;
      }
      this.apply(page.changes);
      if (page.schemaChanges.length > 0) await this.reloadSchema();
      this.revisionValue = {
        ...page.head,
        revision: page.throughRevision,
        schemaRevision: this.schemaValue?.schemaRevision ?? page.head.schemaRevision,
      };
      if (page.complete || page.throughRevision <= from) return;
    }
  }

  private apply(changes: readonly Change[]): void {
    const ix = this.indexValue;
    for (const c of changes) {
      if (c.operation === "TOUCH") ix.add(c.tuple);
      else ix.remove(c.tuple);
    }
    this.stats.changesApplied += changes.length;
  }

  private async reloadSchema(): Promise<void> {
    this.stats.schemaReloads++;
    this.schemaValue = await this.source.readSchema(this.storeName);
    this.compiledValue = this.schemaValue === undefined ? undefined : new TypeSystem(this.schemaValue.ir);
  }

  /** Full load without a snapshot; swaps the new index in only when complete. */
  private async load(): Promise<void> {
    this.stats.loads++;
    const r0 = await this.source.head(this.storeName);
    const schema = await this.source.readSchema(this.storeName);
    const index = new TupleIndex();
    for await (const batch of this.source.scan(this.storeName, { batchSize: this.scanBatchSize }))
      for (const t of batch) index.add(t);
    const r1 = await this.source.head(this.storeName);
    let at = r0.revision;
    let schemaValue = schema;
    while (at < r1.revision) {
      const page = await this.source.changes(this.storeName, at, this.changesPageSize);
      for (const c of page.changes) {
        if (c.operation === "TOUCH") index.add(c.tuple);
        else index.remove(c.tuple);
      }
      if (page.schemaChanges.length > 0) schemaValue = await this.source.readSchema(this.storeName);
      if (page.throughRevision <= at) break;
      at = page.throughRevision;
    }
    index.compact();
    this.contact();
    this.indexValue = index;
    this.readerValue = new IndexReader(index);
    this.schemaValue = schemaValue;
    this.compiledValue = schemaValue === undefined ? undefined : new TypeSystem(schemaValue.ir);
    this.revisionValue = {
      ...r1,
      revision: at,
      schemaRevision: schemaValue?.schemaRevision ?? r1.schemaRevision,
    };
    this.epoch++;
  }
}
