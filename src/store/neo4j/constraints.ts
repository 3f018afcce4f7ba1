/**
 * The uniqueness constraints Neo4j enforces for the store. Community scopes one to a label or a
 * relationship type, so every schema type gets `(n:type) REQUIRE (n.store, n.id) IS UNIQUE` and every
 * relation `()-[t:relation]-() REQUIRE t.key IS UNIQUE`, created before the schema write that needs
 * them (DDL cannot share a transaction with data writes); the internal records get theirs on open.
 * Idempotent and race-safe: an equivalent constraint created by another process counts as success.
 */
import type { SchemaIR } from "../../typesystem/ir.ts";
import type { StoreContext } from "./context.ts";
import { cypher } from "./cypher.ts";
import { isEquivalentSchemaRace, isTransient } from "./neo4jErrors.ts";
import type { Neo4jDatabase } from "./session.ts";
import { inTransaction } from "./session.ts";
import { strings } from "./values.ts";

/**
 * `_Store(name)`, `_Change(store, revision)`, `_Schema(store)` and `_Secret(name)`: ensured when a
 * store opens.
 */
export async function ensureInternalConstraints(db: Neo4jDatabase): Promise<void> {
  for (const ddl of [
    "constraint-store",
    "constraint-change",
    "constraint-schema",
    "constraint-secret",
  ] as const)
    await runDdl(db, cypher(ddl));
}

/** Creates the uniqueness constraints a schema's types and relations need (idempotent, race-safe). */
export async function ensureConstraints(ctx: StoreContext, ir: SchemaIR): Promise<void> {
  const { ensuredLabels, ensuredRelations } = ctx;
  const labels = ir.definitions.map((d) => d.name).filter((l) => !ensuredLabels.has(l));
  const relations = [
    ...new Set(
      ir.definitions.flatMap((d) => d.members.filter((m) => m.kind === "relation").map((m) => m.name)),
    ),
  ].filter((r) => !ensuredRelations.has(r));
  if (labels.length === 0 && relations.length === 0) return;
  // One look at what exists, then DDL only for what is missing (DDL is slow and takes schema locks).
  const shown = await inTransaction(ctx, "READ", (tx) => tx.run(cypher("constraints-show")));
  for (const rec of shown.records) {
    const names = strings(rec.get("labelsOrTypes"));
    const props = strings(rec.get("properties")).join();
    if (names.length !== 1) continue;
    if (rec.get("type") === "UNIQUENESS" && props === "store,id") ensuredLabels.add(names[0]!);
    if (rec.get("type") === "RELATIONSHIP_UNIQUENESS" && props === "key") ensuredRelations.add(names[0]!);
  }
  for (const type of labels) {
    if (ensuredLabels.has(type)) continue;
    await runDdl(ctx, cypher("constraint-object", { type }));
    ensuredLabels.add(type);
  }
  for (const relation of relations) {
    if (ensuredRelations.has(relation)) continue;
    await runDdl(ctx, cypher("constraint-relation", { relation }));
    ensuredRelations.add(relation);
  }
}

/** One DDL statement; an equivalent constraint created by a racing process counts as success. */
async function runDdl(db: Neo4jDatabase, statement: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await inTransaction(db, "WRITE", (tx) => tx.run(statement));
      return;
    } catch (e) {
      const cause = e instanceof Error ? (e.cause ?? e) : e;
      if (isEquivalentSchemaRace(cause)) return;
      if ((isTransient(cause) || isTransient(e)) && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
        continue;
      }
      throw e;
    }
  }
}
