/**
 * How a locked write ends (see `locked` in storeState.ts): it appends revision n+1 in the same
 * transaction — the `_Change` record with its changes as JSON, the store's new head and schema
 * revision, and the labels the store now uses — and prunes the change log first when due (at most
 * once per `pruneIntervalMs` per store in this process). A second writer of n+1 fails on the
 * `_Change(store, revision)` constraint.
 */
import type { ManagedTransaction } from "neo4j-driver";
import type { Change, Revision } from "../interface.ts";
import { compareText } from "../order.ts";
import { prune } from "./changeLog.ts";
import type { StoreContext } from "./context.ts";
import { cypher } from "./cypher.ts";
import type { StoreState } from "./storeState.ts";
import { int } from "./values.ts";

/** What a locked write commits as its revision. */
export interface RevisionCommit {
  readonly changes: readonly Change[];
  readonly schemaRevision?: number;
  readonly newTypes?: Iterable<string>;
  readonly newResourceTypes?: Iterable<string>;
}

/** Appends revision n+1 (and prunes the change log when due) under the lock. */
export async function commit(
  ctx: StoreContext,
  tx: ManagedTransaction,
  state: StoreState,
  next: RevisionCommit,
): Promise<Revision> {
  const { options, lastPruneAt } = ctx;
  const revision = state.revision + 1;
  const schemaRevision = next.schemaRevision ?? state.schemaRevision;
  // `at` never decreases along revisions (clocks of processes may differ): pruning relies on it.
  const at = Math.max(options.now(), state.lastChangeAt);
  let prunedThrough = state.prunedThrough;
  const lastPrune = lastPruneAt.get(state.name);
  if (options.pruneIntervalMs > 0 && (lastPrune === undefined || at - lastPrune >= options.pruneIntervalMs)) {
    lastPruneAt.set(state.name, at);
    prunedThrough = (await prune(ctx, tx, state)).through;
  }
  await tx.run(cypher("store-commit"), {
    store: state.name,
    revision: int(revision),
    schemaRevision: int(schemaRevision),
    types: sortedUnion(state.types, next.newTypes),
    resourceTypes: sortedUnion(state.resourceTypes, next.newResourceTypes),
    at: int(at),
    prunedThrough: int(prunedThrough),
    changes: JSON.stringify(next.changes.map((c) => ({ operation: c.operation, tuple: c.tuple }))),
    changeSchemaRevision: next.schemaRevision === undefined ? null : int(next.schemaRevision),
  });
  return { store: state.name, incarnation: state.incarnation, revision, schemaRevision };
}

function sortedUnion(base: readonly string[], extra: Iterable<string> | undefined): string[] {
  const all = new Set(base);
  for (const x of extra ?? []) all.add(x);
  return [...all].sort(compareText);
}
