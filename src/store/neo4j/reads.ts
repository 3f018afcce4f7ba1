/**
 * The store's read paths: `read`, a keyset page of the tuples matching a filter (see match.ts) with
 * its cursor and the head it was read at, and `scan`, the unordered bulk stream a projection loads
 * from (one tuples-scan query per resource type, streamed record by record). Neo4j has no snapshot
 * reads, so each statement sees the latest committed state; a page read after a write committed
 * since the walk began says so (`staleCursor`).
 */
import type { Tuple } from "../../model/tuple.ts";
import { decodeCursor, encodeCursor, filterFingerprint } from "../cursor.ts";
import type { ReadPage, RelationshipFilter, ScanOptions } from "../interface.ts";
import { compareText, orderKey } from "../order.ts";
import {
  checkFilterSyntax,
  checkPageSize,
  checkScanBatchSize,
  checkStoreName,
  precheckFilter,
} from "../validate.ts";
import type { StoreContext } from "./context.ts";
import { cypher } from "./cypher.ts";
import { match } from "./match.ts";
import { dialectOf } from "./schema.ts";
import { inTransaction, streaming } from "./session.ts";
import { readState, revisionOf } from "./storeState.ts";
import { tupleFromRow } from "./tupleCodec.ts";
import { str } from "./values.ts";

/** A tuple as tuples-scan.cypher returns it under its resource. */
type ScanRow = readonly [string, string, string, string, unknown, unknown, unknown];

/** Resources per Bolt pull while scanning (a resource row carries all its tuples). */
const SCAN_FETCH_SIZE = 2000;

/** TupleStore.read: one page in the total order, and a cursor when more match. */
export async function readPage(
  ctx: StoreContext,
  store: string,
  filter: RelationshipFilter,
  page: { first: number; after?: string },
): Promise<ReadPage> {
  const name = checkStoreName(store);
  const first = checkPageSize(page?.first);
  const f = precheckFilter(filter);
  return inTransaction(ctx, "READ", async (tx) => {
    const state = await readState(tx, name);
    checkFilterSyntax(f, await dialectOf(ctx, tx, state));
    const fingerprint = filterFingerprint(f);
    const cursor =
      page.after === undefined
        ? undefined
        : decodeCursor(page.after, { store: name, incarnation: state.incarnation, filter: fingerprint });
    const matches = await match(tx, state, f, cursor?.last, first + 1);
    const tuples = matches.slice(0, first);
    const readAt = revisionOf(state);
    const last = tuples[tuples.length - 1];
    return {
      tuples,
      ...(matches.length > first && last !== undefined
        ? {
            nextCursor: encodeCursor({
              store: name,
              incarnation: state.incarnation,
              startRevision: cursor?.startRevision ?? readAt.revision,
              filter: fingerprint,
              last: orderKey(last),
            }),
          }
        : {}),
      readAt,
      staleCursor: cursor !== undefined && readAt.revision > cursor.startRevision,
    };
  });
}

/** TupleStore.scan: every tuple of the store once, in batches, in no particular order. */
export async function* scan(
  ctx: StoreContext,
  store: string,
  options: ScanOptions = {},
): AsyncIterable<readonly Tuple[]> {
  const name = checkStoreName(store);
  const batchSize = checkScanBatchSize(options.batchSize);
  const state = await inTransaction(ctx, "READ", (tx) => readState(tx, name));
  for (const type of [...state.resourceTypes].sort(compareText)) {
    // An auto-commit query streamed record by record (fetchSize rows per pull), not a managed
    // transaction: a retry would replay batches already handed out, and nothing here is buffered.
    yield* streaming(ctx, SCAN_FETCH_SIZE, async function* (session) {
      let batch: Tuple[] = [];
      const result = session.run(cypher("tuples-scan", { resource: type }), { store: name });
      for await (const rec of result) {
        const resourceId = str(rec.get("id"));
        for (const row of rec.get("ts") as ScanRow[]) {
          const [relation, subjectType, subjectId, subjectRelation, caveatName, caveatContext, expiration] =
            row;
          batch.push(
            tupleFromRow({
              resourceType: type,
              resourceId,
              relation,
              subjectType,
              subjectId,
              subjectRelation,
              caveatName,
              caveatContext,
              expiration,
            }),
          );
        }
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    });
  }
}
