/**
 * The change log: one `_Change` record per revision (appended by commit.ts), read back a page at a
 * time by other Relgraph processes following the store, and pruned once older than the retention.
 * Pruning drops a prefix of revisions (`at` never decreases along them) and moves the store's
 * `prunedThrough` horizon; reading from before it is FAILED_PRECONDITION.
 */
import type { ManagedTransaction } from "neo4j-driver";
import type { Tuple } from "../../model/tuple.ts";
import type { LogEntry } from "../common.ts";
import { changesPruned, checkChangesArgs, pageOfLog, revisionBeyondHead } from "../common.ts";
import type { Change, ChangePage } from "../interface.ts";
import { checkStoreName } from "../validate.ts";
import type { StoreContext } from "./context.ts";
import { cypher } from "./cypher.ts";
import { inTransaction } from "./session.ts";
import type { StoreState } from "./storeState.ts";
import { locked, readState, revisionOf } from "./storeState.ts";
import { int, num, str } from "./values.ts";

const PRUNE_WINDOW = 1000;
const PRUNE_MAX_WINDOWS = 100;

/** TupleStore.changes: whole revisions after `afterRevision`, oldest first. */
export async function changesAfter(
  ctx: StoreContext,
  store: string,
  afterRevision: number,
  limit: number,
): Promise<ChangePage> {
  const name = checkStoreName(store);
  const args = checkChangesArgs(afterRevision, limit);
  return inTransaction(ctx, "READ", async (tx) => {
    const state = await readState(tx, name, ctx.clock);
    if (args.afterRevision > state.revision) throw revisionBeyondHead(args.afterRevision, state.revision);
    if (args.afterRevision < state.prunedThrough)
      throw changesPruned(name, args.afterRevision, state.prunedThrough);
    const entries: LogEntry[] = [];
    let collected = 0;
    let next = args.afterRevision;
    while (next < state.revision && collected < args.limit) {
      const batch = Math.min(args.limit, 1000);
      const result = await tx.run(cypher("changes-page"), {
        store: name,
        after: int(next),
        through: int(state.revision),
        limit: int(batch),
      });
      for (const rec of result.records) {
        const revision = num(rec.get("revision"));
        // Gap-free by construction; a gap means a concurrent prune passed us.
        if (revision !== next + 1) throw changesPruned(name, args.afterRevision, next);
        const schemaRevision = rec.get("schemaRevision") as unknown;
        const changes = parseChanges(str(rec.get("changes")), revision);
        entries.push({
          revision,
          at: num(rec.get("at")),
          changes,
          ...(schemaRevision !== null && schemaRevision !== undefined
            ? { schemaRevision: num(schemaRevision) }
            : {}),
        });
        collected += changes.length;
        next = revision;
      }
      if (result.records.length < batch) break;
    }
    const page = pageOfLog(entries, args.afterRevision, args.limit);
    return { ...page, head: revisionOf(state), complete: page.throughRevision === state.revision };
  });
}

function parseChanges(json: string, revision: number): Change[] {
  const raw = JSON.parse(json) as { operation: Change["operation"]; tuple: Tuple }[];
  return raw.map((c) => ({ revision, operation: c.operation, tuple: c.tuple }));
}

/** TupleStore.pruneChanges: prunes now, under the store's lock; returns how many records went. */
export async function pruneChanges(ctx: StoreContext, store: string): Promise<number> {
  const name = checkStoreName(store);
  return locked(ctx, name, async (tx, state) => {
    const { through, pruned } = await prune(ctx, tx, state);
    await tx.run(cypher("store-unlock"), { store: name, prunedThrough: int(through) });
    return pruned;
  });
}

/** Drops change-log records older than the retention (a prefix of revisions, `at` being monotonic). */
export async function prune(
  ctx: StoreContext,
  tx: ManagedTransaction,
  state: StoreState,
): Promise<{ through: number; pruned: number }> {
  const cutoff = ctx.options.now() - ctx.options.changeRetentionMs;
  let through = state.prunedThrough;
  for (let window = 0; window < PRUNE_MAX_WINDOWS && through < state.revision; window++) {
    const to = through + PRUNE_WINDOW;
    const result = await tx.run(cypher("changes-prunable"), {
      store: state.name,
      from: int(through),
      to: int(to),
      cutoff: int(cutoff),
    });
    const max = result.records[0]?.get("revision") as unknown;
    if (max === null || max === undefined) break;
    through = num(max);
    if (through < to) break;
  }
  if (through === state.prunedThrough) return { through, pruned: 0 };
  const result = await tx.run(cypher("changes-prune"), {
    store: state.name,
    from: int(state.prunedThrough),
    through: int(through),
  });
  return { through, pruned: num(result.records[0]?.get("pruned") ?? 0) };
}
