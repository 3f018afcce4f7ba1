/**
 * A store's schema in Neo4j: one `_Schema` record (text, format, IR as JSON, schema revision). Reads
 * go through a per-process cache keyed by store, incarnation and schema revision (a written schema
 * never changes). `writeSchema` ensures the constraints the new schema needs, then, under the store's
 * lock, refuses to orphan stored tuples (a removed relation that holds some, a narrowed relation whose
 * stored subjects no longer fit; OpenFGA-origin models are exempt) and commits the schema as a new
 * revision.
 */
import type { ManagedTransaction } from "neo4j-driver";
import type { SchemaIR } from "../../typesystem/ir.ts";
import { checkSchemaArgs } from "../common.ts";
import type { Revision, SchemaFormat, StoredSchema } from "../interface.ts";
import type { Offender, SignatureCount } from "../schemaDiff.ts";
import { narrowedOffenders, schemaImpact, schemaRefusal } from "../schemaDiff.ts";
import { checkStoreName } from "../validate.ts";
import { commit } from "./commit.ts";
import { ensureConstraints } from "./constraints.ts";
import type { StoreContext } from "./context.ts";
import { cypher } from "./cypher.ts";
import { inTransaction } from "./session.ts";
import type { StoreState } from "./storeState.ts";
import { locked, readState } from "./storeState.ts";
import { int, num, str } from "./values.ts";

const SCHEMA_CACHE_SIZE = 256;

/** The schema the state names (undefined before the first schema write), parsed once per process. */
export async function schemaOf(
  ctx: StoreContext,
  tx: ManagedTransaction,
  state: StoreState,
): Promise<StoredSchema | undefined> {
  if (state.schemaRevision === 0) return undefined;
  const cacheKey = `${state.name}/${state.incarnation}/${state.schemaRevision}`;
  const cached = ctx.schemas.get(cacheKey);
  if (cached) return cached;
  const result = await tx.run(cypher("schema-get"), { store: state.name });
  const rec = result.records[0];
  if (rec === undefined) return undefined;
  const schema: StoredSchema = {
    text: str(rec.get("text")),
    format: str(rec.get("format")) === "OPENFGA" ? "OPENFGA" : "ZED",
    ir: JSON.parse(str(rec.get("ir"))) as SchemaIR,
    schemaRevision: num(rec.get("schemaRevision")),
  };
  // Only cache what matches the head read in this transaction (a schema write may have landed since).
  if (schema.schemaRevision === state.schemaRevision) {
    if (ctx.schemas.size >= SCHEMA_CACHE_SIZE) ctx.schemas.clear();
    ctx.schemas.set(cacheKey, schema);
  }
  return schema;
}

/** The identifier dialect the store's schema was written in (`zed` before any schema). */
export async function dialectOf(
  ctx: StoreContext,
  tx: ManagedTransaction,
  state: StoreState,
): Promise<SchemaIR["origin"]> {
  return (await schemaOf(ctx, tx, state))?.ir.origin ?? "zed";
}

/** Forgets a deleted store's schemas. */
export function forgetSchemas(ctx: StoreContext, store: string): void {
  for (const key of ctx.schemas.keys()) if (key.startsWith(`${store}/`)) ctx.schemas.delete(key);
}

export async function readSchema(ctx: StoreContext, store: string): Promise<StoredSchema | undefined> {
  const name = checkStoreName(store);
  return inTransaction(ctx, "READ", async (tx) => schemaOf(ctx, tx, await readState(tx, name)));
}

export async function writeSchema(
  ctx: StoreContext,
  store: string,
  schema: { text: string; format: SchemaFormat; ir: SchemaIR },
): Promise<Revision> {
  const args = checkSchemaArgs(store, schema);
  // NOT_FOUND before any DDL; then constraints (DDL cannot share a transaction with data writes).
  await inTransaction(ctx, "READ", (tx) => readState(tx, args.store));
  await ensureConstraints(ctx, args.ir);
  return locked(ctx, args.store, async (tx, state) => {
    const previous = await schemaOf(ctx, tx, state);
    const refusal = schemaRefusal(await orphanedBy(tx, state, previous?.ir, args.ir));
    if (refusal) throw refusal;
    const schemaRevision = state.schemaRevision + 1;
    await tx.run(cypher("schema-put"), {
      store: state.name,
      text: args.text,
      format: args.format,
      ir: JSON.stringify(args.ir),
      schemaRevision: int(schemaRevision),
      now: int(ctx.options.now()),
    });
    return commit(ctx, tx, state, { changes: [], schemaRevision });
  });
}

/** Stored tuples that replacing `previous` by `next` would orphan, counted per relation and subject. */
async function orphanedBy(
  tx: ManagedTransaction,
  state: StoreState,
  previous: SchemaIR | undefined,
  next: SchemaIR,
): Promise<Offender[]> {
  const impact = schemaImpact(previous, next);
  const offenders: Offender[] = [];
  for (const r of impact.removed) {
    if (!state.resourceTypes.includes(r.type)) continue;
    const result = await tx.run(cypher("tuples-count", { resource: r.type, relation: r.relation }), {
      store: state.name,
    });
    offenders.push({
      type: r.type,
      relation: r.relation,
      reason: r.reason,
      count: num(result.records[0]?.get("count") ?? 0),
    });
  }
  for (const n of impact.narrowed) {
    if (!state.resourceTypes.includes(n.type)) continue;
    const result = await tx.run(cypher("tuples-signatures", { resource: n.type, relation: n.relation }), {
      store: state.name,
    });
    const counts = result.records.map((rec): SignatureCount => {
      const caveat = rec.get("caveat") as unknown;
      return {
        signature: {
          subjectType: str(rec.get("subjectType")),
          subjectRelation: str(rec.get("subjectRelation")),
          wildcard: rec.get("wildcard") === true,
          ...(typeof caveat === "string" ? { caveat } : {}),
          expiration: rec.get("expiration") === true,
        },
        count: num(rec.get("count")),
      };
    });
    offenders.push(...narrowedOffenders(n, counts));
  }
  return offenders;
}
