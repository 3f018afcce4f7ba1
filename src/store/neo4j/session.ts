/**
 * Sessions on the store's database, the one place that opens them: a managed transaction (retried
 * by the driver on transient errors), a bare session for streaming, and an auto-commit query for
 * statements that run their own transactions. Every failure leaves as a Relgraph error that keeps
 * the Neo4j error as `cause`. Used by the store's parts and by CypherReader.
 */
import neo4j from "neo4j-driver";
import type { Driver, ManagedTransaction, Session } from "neo4j-driver";
import { toRelgraphError } from "./neo4jErrors.ts";

/** Where queries run: the driver and the database (undefined: the server's default). */
export interface Neo4jDatabase {
  readonly driver: Driver;
  readonly database: string | undefined;
}

export type AccessMode = "READ" | "WRITE";

/** A session on the database (`fetchSize`: records per pull when streaming). The caller closes it. */
export function openSession(db: Neo4jDatabase, mode: AccessMode, fetchSize?: number): Session {
  return db.driver.session({
    ...(db.database !== undefined ? { database: db.database } : {}),
    defaultAccessMode: mode === "READ" ? neo4j.session.READ : neo4j.session.WRITE,
    ...(fetchSize !== undefined ? { fetchSize } : {}),
  });
}

/** Runs `work` in a managed transaction (retried by the driver on transient errors). */
export async function inTransaction<T>(
  db: Neo4jDatabase,
  mode: AccessMode,
  work: (tx: ManagedTransaction) => Promise<T>,
): Promise<T> {
  const session = openSession(db, mode);
  try {
    return mode === "READ" ? await session.executeRead(work) : await session.executeWrite(work);
  } catch (e) {
    // Keeps the Neo4j error as `cause`, so callers can tell what a constraint violation meant.
    throw toRelgraphError(e);
  } finally {
    await session.close();
  }
}

/** A query that runs its own transactions (CALL … IN TRANSACTIONS): not inside a managed one. */
export async function autoCommit(
  db: Neo4jDatabase,
  query: string,
  params: Record<string, unknown>,
): Promise<void> {
  const session = openSession(db, "WRITE");
  try {
    await session.run(query, params);
  } catch (e) {
    throw toRelgraphError(e);
  } finally {
    await session.close();
  }
}
