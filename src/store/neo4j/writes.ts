/**
 * The tuple writes: `write` (a batch of CREATE, TOUCH and DELETE with preconditions) and
 * `deleteByFilter`. Each is one locked transaction (storeState.ts) that validates the batch against
 * the schema's dialect and the schema itself, checks the preconditions (which therefore cannot race),
 * applies the updates grouped by the labels of their template, removes the objects deletes leave
 * without relationships, and commits revision n+1 with its changes (commit.ts).
 */
import type { ManagedTransaction } from "neo4j-driver";
import { invalidArgument } from "../../errors.ts";
import type { Tuple } from "../../model/tuple.ts";
import type { SchemaIR } from "../../typesystem/ir.ts";
import {
  deleteLimitExceeded,
  preconditionFailed,
  relationshipAlreadyExists,
  stripTraits,
} from "../common.ts";
import type {
  Change,
  DeleteRequest,
  DeleteResult,
  ExpiredDeletion,
  Revision,
  WriteRequest,
} from "../interface.ts";
import { checkTupleAgainstSchema } from "../schemaCheck.ts";
import type { NormalisedFilter } from "../validate.ts";
import {
  checkDeleteLimit,
  checkFilterSyntax,
  checkStoreName,
  checkTupleSyntax,
  precheckFilter,
  precheckPreconditions,
  precheckWrite,
} from "../validate.ts";
import { commit } from "./commit.ts";
import type { StoreContext } from "./context.ts";
import { cypher } from "./cypher.ts";
import { match } from "./match.ts";
import { isConstraintViolation } from "./neo4jErrors.ts";
import { dialectOf, schemaOf } from "./schema.ts";
import type { StoreState } from "./storeState.ts";
import { locked } from "./storeState.ts";
import { tupleFromRow, tupleKey, tupleWriteRow } from "./tupleCodec.ts";
import { int, str } from "./values.ts";

const EMPTY_SCHEMA: SchemaIR = {
  origin: "zed",
  definitions: [],
  caveats: [],
  features: { self: false, typechecking: false, expiration: false },
};

/** TupleStore.write. */
export async function writeTuples(
  ctx: StoreContext,
  store: string,
  request: WriteRequest,
): Promise<Revision> {
  const name = checkStoreName(store);
  const { updates, preconditions, preconditionOps } = precheckWrite(request);
  return locked(ctx, name, async (tx, state) => {
    const schema = await schemaOf(ctx, tx, state);
    const dialect = schema?.ir.origin ?? "zed";
    updates.forEach((u, i) => {
      checkTupleSyntax(u.tuple, dialect, `updates[${i}].tuple`);
      // Deletes are not schema-checked: misfit tuples (OpenFGA-origin models) must stay deletable.
      if (u.operation !== "DELETE")
        checkTupleAgainstSchema(schema?.ir ?? EMPTY_SCHEMA, u.tuple, `updates[${i}].tuple`);
    });
    await checkPreconditions(tx, state, preconditions, preconditionOps, dialect);

    // CREATE of a stored tuple fails the batch before anything is applied.
    const creates = updates.flatMap((u, index) =>
      u.operation === "CREATE" ? [{ tuple: u.tuple, index }] : [],
    );
    for (const [relation, group] of groupBy(creates, (c) => c.tuple.relation)) {
      const keys = group.map((c) => tupleKey(state.name, c.tuple));
      const result = await tx.run(cypher("tuples-existing", { relation }), { keys });
      const existing = new Set(result.records.map((rec) => str(rec.get("key"))));
      const first = group.find((_c, i) => existing.has(keys[i]!));
      if (first) throw relationshipAlreadyExists(first.tuple, first.index);
    }

    for (const op of ["CREATE", "TOUCH"] as const) {
      const group = updates.filter((u) => u.operation === op).map((u) => u.tuple);
      for (const [, tuples] of groupBy(
        group,
        (t) => `${t.resourceType}\u0000${t.relation}\u0000${t.subjectType}`,
      )) {
        const t0 = tuples[0]!;
        const names = { resource: t0.resourceType, relation: t0.relation, subject: t0.subjectType };
        try {
          await tx.run(cypher(op === "CREATE" ? "tuples-create" : "tuples-touch", names), {
            store: state.name,
            rows: tuples.map((t) => tupleWriteRow(state.name, t)),
          });
        } catch (e) {
          // Only a writer bypassing the store lock could get here (unsupported), but say what it means.
          if (isConstraintViolation(e) && op === "CREATE")
            throw relationshipAlreadyExists(
              t0,
              updates.findIndex((u) => u.tuple === t0),
            );
          throw e;
        }
      }
    }
    const deleted = await deleteTuples(
      tx,
      state.name,
      updates.filter((u) => u.operation === "DELETE").map((u) => u.tuple),
    );

    const changes: Change[] = [];
    const revision = state.revision + 1;
    for (const u of updates) {
      if (u.operation !== "DELETE") changes.push({ revision, operation: "TOUCH", tuple: u.tuple });
      else if (deleted.has(tupleKey(state.name, u.tuple)))
        changes.push({ revision, operation: "DELETE", tuple: stripTraits(u.tuple) });
    }
    const written = updates.filter((u) => u.operation !== "DELETE").map((u) => u.tuple);
    return commit(ctx, tx, state, {
      changes,
      newTypes: written.flatMap((t) => [t.resourceType, t.subjectType]),
      newResourceTypes: written.map((t) => t.resourceType),
    });
  });
}

/** TupleStore.deleteByFilter: the first `limit` matches in the total order, in one revision. */
export async function deleteByFilter(
  ctx: StoreContext,
  store: string,
  request: DeleteRequest,
): Promise<DeleteResult> {
  const name = checkStoreName(store);
  if (request === null || typeof request !== "object")
    throw invalidArgument("request: expected a delete request");
  const filter = precheckFilter(request.filter);
  const { preconditions, preconditionOps } = precheckPreconditions(request.preconditions ?? []);
  const limit = checkDeleteLimit(request.limit, ctx.options);
  return locked(ctx, name, async (tx, state) => {
    const dialect = await dialectOf(ctx, tx, state);
    checkFilterSyntax(filter, dialect);
    await checkPreconditions(tx, state, preconditions, preconditionOps, dialect);
    const matches = await match(tx, state, filter, undefined, limit + 1);
    if (matches.length > limit && request.allowPartial !== true) throw deleteLimitExceeded(limit, filter);
    const doomed = matches.slice(0, limit);
    const revision = await deleteAndCommit(ctx, tx, state, doomed);
    return { revision, deletedCount: doomed.length, complete: matches.length <= limit };
  });
}

/**
 * TupleStore.deleteExpired: up to `limit` relationships whose expiration has passed by Neo4j's
 * clock, deleted in one revision whose change log records each as a DELETE (followers drop them).
 * No revision when none has expired.
 */
export async function deleteExpired(
  ctx: StoreContext,
  store: string,
  limit: number,
): Promise<ExpiredDeletion> {
  const name = checkStoreName(store);
  return locked(ctx, name, async (tx, state) => {
    const doomed: Tuple[] = [];
    for (const type of state.resourceTypes) {
      if (doomed.length >= limit) break;
      const result = await tx.run(cypher("tuples-expired", { resource: type }), {
        store: state.name,
        limit: int(limit - doomed.length),
      });
      for (const rec of result.records)
        doomed.push(
          tupleFromRow({
            resourceType: type,
            resourceId: rec.get("resourceId"),
            relation: rec.get("relation"),
            subjectType: rec.get("subjectType"),
            subjectId: rec.get("subjectId"),
            subjectRelation: rec.get("subjectRelation"),
            caveatName: rec.get("caveatName"),
            caveatContext: rec.get("caveatContext"),
            expiration: rec.get("expiration"),
          }),
        );
    }
    if (doomed.length === 0) return { deletedCount: 0 };
    return { deletedCount: doomed.length, revision: await deleteAndCommit(ctx, tx, state, doomed) };
  });
}

/** Deletes stored tuples and commits one revision recording each as a DELETE (traits stripped). */
async function deleteAndCommit(
  ctx: StoreContext,
  tx: ManagedTransaction,
  state: StoreState,
  doomed: readonly Tuple[],
): Promise<Revision> {
  await deleteTuples(tx, state.name, doomed);
  return commit(ctx, tx, state, {
    changes: doomed.map((t) => ({
      revision: state.revision + 1,
      operation: "DELETE" as const,
      tuple: stripTraits(t),
    })),
  });
}

/** FAILED_PRECONDITION naming the first precondition that fails (checked under the lock). */
async function checkPreconditions(
  tx: ManagedTransaction,
  state: StoreState,
  preconditions: readonly NormalisedFilter[],
  ops: readonly ("MUST_MATCH" | "MUST_NOT_MATCH")[],
  dialect: SchemaIR["origin"],
): Promise<void> {
  preconditions.forEach((filter, i) => checkFilterSyntax(filter, dialect, `preconditions[${i}].filter`));
  for (const [i, filter] of preconditions.entries()) {
    const op = ops[i] ?? "MUST_MATCH";
    const any = (await match(tx, state, filter, undefined, 1)).length > 0;
    if (any !== (op === "MUST_MATCH")) throw preconditionFailed(i, op, filter);
  }
}

/** Deletes tuples by key, then the objects they leave without relationships. Returns the keys that existed. */
async function deleteTuples(
  tx: ManagedTransaction,
  store: string,
  tuples: readonly Tuple[],
): Promise<Set<string>> {
  const deleted = new Set<string>();
  if (tuples.length === 0) return deleted;
  for (const [relation, group] of groupBy(tuples, (t) => t.relation)) {
    const result = await tx.run(cypher("tuples-delete", { relation }), {
      keys: group.map((t) => tupleKey(store, t)),
    });
    for (const rec of result.records) deleted.add(str(rec.get("key")));
  }
  const orphans = new Map<string, Set<string>>();
  const note = (type: string, id: string) => {
    let ids = orphans.get(type);
    if (!ids) orphans.set(type, (ids = new Set()));
    ids.add(id);
  };
  for (const t of tuples) {
    if (!deleted.has(tupleKey(store, t))) continue;
    note(t.resourceType, t.resourceId);
    note(t.subjectType, t.subjectId);
  }
  for (const [type, ids] of orphans)
    await tx.run(cypher("objects-prune", { type }), { store, ids: [...ids] });
  return deleted;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
