/**
 * A store's `_Store` record as a transaction sees it: head revision, incarnation, change-log horizon
 * and the labels the store uses. Read plainly (store-get) by reads, or under the store's lock
 * (store-lock) by `locked`, the write transaction every mutation runs in: the lock is a SET on the
 * `_Store` node, held to commit, so writes to one store are serialised.
 */
import { randomUUID } from "node:crypto";
import type { ManagedTransaction } from "neo4j-driver";
import { storeNotFound } from "../common.ts";
import { currentDeadline } from "../deadline.ts";
import type { Revision } from "../interface.ts";
import { checkStoreName } from "../validate.ts";
import { cypher } from "./cypher.ts";
import type { StoreContext } from "./context.ts";
import { inTransaction, untilGivenUp } from "./session.ts";
import { num, str, strings } from "./values.ts";
import type { StoreClock } from "../clock.ts";

export interface StoreState {
  readonly name: string;
  readonly incarnation: string;
  readonly revision: number;
  readonly schemaRevision: number;
  readonly prunedThrough: number;
  /** Every label the store's objects have (resources and subjects): what deleteStore removes. */
  readonly types: readonly string[];
  /** Every label its resources have: reads walk these in order. */
  readonly resourceTypes: readonly string[];
  readonly lastChangeAt: number;
}

function stateFromRecord(store: string, rec: { get(key: string): unknown } | undefined): StoreState {
  if (rec === undefined) throw storeNotFound(store);
  return {
    name: store,
    incarnation: str(rec.get("incarnation")),
    revision: num(rec.get("revision")),
    schemaRevision: num(rec.get("schemaRevision")),
    prunedThrough: num(rec.get("prunedThrough") ?? 0),
    types: strings(rec.get("types")),
    resourceTypes: strings(rec.get("resourceTypes")),
    lastChangeAt: num(rec.get("lastChangeAt") ?? 0),
  };
}

/** The store's state without locking it; NOT_FOUND for an unknown (or deleting) store. */
export async function readState(
  tx: ManagedTransaction,
  store: string,
  clock?: StoreClock,
): Promise<StoreState> {
  const sentAt = Date.now();
  const result = await tx.run(cypher("store-get"), { store });
  const rec = result.records[0];
  // Every head read and change-log poll also samples Neo4j's clock (clock.ts).
  if (clock !== undefined && rec?.has("now")) clock.sample(num(rec.get("now")), sentAt, Date.now());
  return stateFromRecord(store, rec);
}

/**
 * A write transaction holding the store's lock; `work` sees the state read after locking.
 *
 * This process's writes to one store first queue here, in order, so at most one of its
 * transactions per store waits for the Neo4j lock. Without the queue, 50 concurrent writers were
 * 50 transactions queued inside Neo4j, served in no particular order (p99 4 s at p50 0.7 s), each
 * holding a pooled connection; those whose request had given up kept waiting there, and after a
 * Neo4j restart that backlog kept every write failing for longer than its deadline. A write whose
 * deadline passes (or whose Neo4j goes down) while it queues leaves without touching Neo4j.
 * Writers in other processes still meet at the Neo4j lock.
 */
export async function locked<T>(
  ctx: StoreContext,
  store: string,
  work: (tx: ManagedTransaction, state: StoreState) => Promise<T>,
): Promise<T> {
  const ahead = ctx.writeQueues.get(store) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  // The next writer waits for this one and for everyone ahead, even if this one leaves early.
  const tail = ahead.then(() => mine);
  ctx.writeQueues.set(store, tail);
  try {
    await untilGivenUp(ctx, ahead, currentDeadline(), "queued behind earlier writes to this store");
    // After an outage, the first writes wait for the replay that plans their statements (warmup.ts).
    await untilGivenUp(ctx, ctx.warmup.pending, currentDeadline(), "Neo4j's warm-up after an outage");
    return await inTransaction(ctx, "WRITE", async (given) => {
      const tx = ctx.warmup.recording(given);
      const result = await tx.run(cypher("store-lock"), { store, nonce: randomUUID() });
      return work(tx, stateFromRecord(store, result.records[0]));
    });
  } finally {
    done();
    if (ctx.writeQueues.get(store) === tail) ctx.writeQueues.delete(store);
  }
}

export function revisionOf(state: StoreState): Revision {
  return {
    store: state.name,
    incarnation: state.incarnation,
    revision: state.revision,
    schemaRevision: state.schemaRevision,
  };
}

/** TupleStore.head: the store's latest committed revision. */
export async function readHead(db: StoreContext, store: string): Promise<Revision> {
  const name = checkStoreName(store);
  return inTransaction(db, "READ", async (tx) => revisionOf(await readState(tx, name, db.clock)));
}
