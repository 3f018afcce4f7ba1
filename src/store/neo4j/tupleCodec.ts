/**
 * A tuple as Neo4j holds it: a relationship typed by its relation, from the resource's node to the
 * subject's, with the subject relation in `srel`, a `key` digest, and the caveat (name and JSON
 * context) and expiration as properties. Both directions live here: the row the write templates take
 * (tuples-create|touch|delete), and the one decoding of a tuple a read template returns, shared by
 * the store's reads and scans and by CypherReader.
 */
import { createHash } from "node:crypto";
import type { Tuple } from "../../model/tuple.ts";
import { str } from "./values.ts";

/** The relationship's `key`: a digest of everything that identifies the tuple, store included. */
export function tupleKey(store: string, t: Tuple): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        store,
        t.resourceType,
        t.resourceId,
        t.relation,
        t.subjectType,
        t.subjectId,
        t.subjectRelation,
      ]),
    )
    .digest("base64url");
}

/** One tuple as the write templates take it (its types and relation are the template's labels). */
export interface TupleWriteRow {
  readonly key: string;
  readonly resourceId: string;
  readonly subjectId: string;
  readonly subjectRelation: string;
  readonly caveatName: string | null;
  readonly caveatContext: string | null;
  readonly expiration: string | null;
}

export function tupleWriteRow(store: string, t: Tuple): TupleWriteRow {
  return {
    key: tupleKey(store, t),
    resourceId: t.resourceId,
    subjectId: t.subjectId,
    subjectRelation: t.subjectRelation,
    caveatName: t.caveat?.name ?? null,
    caveatContext: t.caveat ? JSON.stringify(t.caveat.context) : null,
    expiration: t.expiration ?? null,
  };
}

/** A tuple's stored values as a read template returns them, under the names of its RETURN or map. */
export interface StoredTupleRow {
  readonly resourceType?: unknown;
  readonly resourceId?: unknown;
  readonly relation?: unknown;
  readonly subjectType?: unknown;
  readonly subjectId?: unknown;
  /** `srel`; absent or null reads as "" (a direct subject). */
  readonly subjectRelation?: unknown;
  readonly caveatName?: unknown;
  /** JSON text; a caveat without one has the empty context. */
  readonly caveatContext?: unknown;
  /** ISO text. */
  readonly expiration?: unknown;
}

/** The tuple a read row holds; traits that are absent (null) are left out of it. */
export function tupleFromRow(row: StoredTupleRow): Tuple {
  const tuple: Tuple = {
    resourceType: str(row.resourceType),
    resourceId: str(row.resourceId),
    relation: str(row.relation),
    subjectType: str(row.subjectType),
    subjectId: str(row.subjectId),
    subjectRelation: str(row.subjectRelation ?? ""),
  };
  const { caveatName, caveatContext, expiration } = row;
  if (typeof caveatName !== "string" && typeof expiration !== "string") return tuple;
  return {
    ...tuple,
    ...(typeof caveatName === "string"
      ? {
          caveat: {
            name: caveatName,
            context: (typeof caveatContext === "string" ? JSON.parse(caveatContext) : {}) as Record<
              string,
              unknown
            >,
          },
        }
      : {}),
    ...(typeof expiration === "string" ? { expiration } : {}),
  };
}
