/**
 * Store lifecycle: the named namespaces a database holds. `default` is ensured when the store
 * opens; `createStore` gives a store a new incarnation (a UUID); `deleteStore` marks the store
 * deleting under its lock (every other template treats it as absent from then on) and purges it in
 * steps (cypher/store-delete-*.cypher), so a store of any size can go, and a deletion that stopped
 * half-way is finished by the next deleteStore or createStore of the name.
 */
import { randomUUID } from "node:crypto";
import { ErrorCode, invariant, isRelgraphError } from "../../errors.ts";
import { defaultStoreUndeletable, storeAlreadyExists, storeNotFound } from "../common.ts";
import type { StoreInfo } from "../interface.ts";
import { DEFAULT_STORE } from "../interface.ts";
import { checkStoreName } from "../validate.ts";
import type { StoreContext } from "./context.ts";
import { cypher } from "./cypher.ts";
import { isConstraintViolation } from "./neo4jErrors.ts";
import { forgetSchemas } from "./schema.ts";
import type { Neo4jDatabase } from "./session.ts";
import { autoCommit, inTransaction } from "./session.ts";
import { int, num, str, strings } from "./values.ts";

/** Creates `default` unless it exists (every process does this on open). */
export async function ensureDefaultStore(ctx: StoreContext): Promise<void> {
  await inTransaction(ctx, "WRITE", (tx) =>
    tx.run(cypher("store-ensure"), {
      store: DEFAULT_STORE,
      incarnation: randomUUID(),
      now: int(ctx.options.now()),
    }),
  );
}

export async function createStore(ctx: StoreContext, name: string): Promise<StoreInfo> {
  const store = checkStoreName(name);
  try {
    return await insertStore(ctx, store);
  } catch (e) {
    // The name may be held by a deletion that stopped half-way: finish it, then create.
    if (!isRelgraphError(e) || e.code !== ErrorCode.ALREADY_EXISTS) throw e;
    const left = await inTransaction(ctx, "READ", (tx) => tx.run(cypher("store-deleting"), { store }));
    const rec = left.records[0];
    if (rec === undefined) throw e;
    await purge(ctx, store, strings(rec.get("types")));
    return insertStore(ctx, store);
  }
}

async function insertStore(ctx: StoreContext, store: string): Promise<StoreInfo> {
  try {
    const result = await inTransaction(ctx, "WRITE", (tx) =>
      tx.run(cypher("store-create"), { store, incarnation: randomUUID(), now: int(ctx.options.now()) }),
    );
    const rec = result.records[0];
    invariant(rec !== undefined, "store-create returned no row");
    return storeInfo(rec);
  } catch (e) {
    if (isConstraintViolation(e instanceof Error ? e.cause : undefined)) throw storeAlreadyExists(store);
    throw e;
  }
}

/**
 * Marks the store deleting (under its lock; NOT_FOUND from then on), then removes its objects and
 * change log in transactions of 1,000 and its records last: a store of any size can be deleted
 * (one transaction for 200,000 tuples already exceeds Neo4j's default transaction memory).
 */
export async function deleteStore(ctx: StoreContext, name: string): Promise<void> {
  const store = checkStoreName(name);
  if (store === DEFAULT_STORE) throw defaultStoreUndeletable();
  const types = await inTransaction(ctx, "WRITE", async (tx) => {
    const result = await tx.run(cypher("store-delete-begin"), { store, nonce: randomUUID() });
    const rec = result.records[0];
    if (rec === undefined) throw storeNotFound(store);
    return strings(rec.get("types"));
  });
  forgetSchemas(ctx, store);
  ctx.lastPruneAt.delete(store);
  await purge(ctx, store, types);
}

/** Steps 2–4 of a deletion (see cypher/store-delete-*.cypher); safe to repeat. */
async function purge(db: Neo4jDatabase, store: string, types: readonly string[]): Promise<void> {
  for (const type of types) await autoCommit(db, cypher("store-delete-objects", { type }), { store });
  await autoCommit(db, cypher("store-delete-changes"), { store });
  await inTransaction(db, "WRITE", (tx) => tx.run(cypher("store-delete-records"), { store }));
}

export async function listStores(db: Neo4jDatabase): Promise<StoreInfo[]> {
  const result = await inTransaction(db, "READ", (tx) => tx.run(cypher("store-list")));
  return result.records.map(storeInfo);
}

function storeInfo(rec: { get(key: string): unknown }): StoreInfo {
  return {
    name: str(rec.get("name")),
    incarnation: str(rec.get("incarnation")),
    revision: num(rec.get("revision")),
    schemaRevision: num(rec.get("schemaRevision")),
  };
}
