/**
 * What a schema change would orphan. A store refuses a schema write (FAILED_PRECONDITION, with
 * counts) when tuples it holds would no longer fit: their relation or type is gone, or their
 * subject is no longer allowed. Models imported from OpenFGA are exempt (evaluation ignores misfit
 * tuples instead, as OpenFGA does).
 *
 * Example: old `relation viewer: user | user:*`, new `relation viewer: user` → `document#viewer` is
 * "narrowed"; the store counts its tuples with subject `user:*` and refuses if there are any.
 */
import { failedPrecondition } from "../errors.ts";
import type { RelgraphError } from "../errors.ts";
import type { Member, SchemaIR } from "../typesystem/ir.ts";
import type { SubjectSignature } from "./schemaCheck.ts";
import { allowedMatches, describeSignature, findMember, subjectAllowed } from "./schemaCheck.ts";

export interface SchemaImpact {
  /** Relations (of kept or removed types) that will no longer accept any tuple. */
  readonly removed: readonly {
    type: string;
    relation: string;
    reason: "type removed" | "relation removed";
  }[];
  /** Relations kept whose allowed subjects lost at least one entry: `member` is the new one. */
  readonly narrowed: readonly { type: string; relation: string; member: Member }[];
}

export function schemaImpact(previous: SchemaIR | undefined, next: SchemaIR): SchemaImpact {
  const removed: { type: string; relation: string; reason: "type removed" | "relation removed" }[] = [];
  const narrowed: { type: string; relation: string; member: Member }[] = [];
  if (previous === undefined || next.origin === "openfga") return { removed, narrowed };
  for (const def of previous.definitions) {
    const typeKept = next.definitions.some((d) => d.name === def.name);
    for (const member of def.members) {
      if (member.kind !== "relation") continue;
      const now = findMember(next, def.name, member.name);
      if (!typeKept) removed.push({ type: def.name, relation: member.name, reason: "type removed" });
      else if (now === undefined || now.kind !== "relation")
        removed.push({ type: def.name, relation: member.name, reason: "relation removed" });
      else if (member.types.some((a) => !now.types.some((b) => sameAllowed(a, b))))
        narrowed.push({ type: def.name, relation: member.name, member: now });
    }
  }
  return { removed, narrowed };
}

function sameAllowed(a: Member["types"][number], b: Member["types"][number]): boolean {
  const sig: SubjectSignature = {
    subjectType: a.type,
    subjectRelation: a.relation ?? "",
    wildcard: a.wildcard,
    ...(a.caveat !== undefined ? { caveat: a.caveat } : {}),
    expiration: a.expiration,
  };
  return allowedMatches(b, sig);
}

/** Tuples of one relation grouped by subject signature, as stores count them. */
export interface SignatureCount {
  readonly signature: SubjectSignature;
  readonly count: number;
}

export interface Offender {
  readonly type: string;
  readonly relation: string;
  readonly reason: string;
  readonly count: number;
}

/** The offenders among a narrowed relation's signature counts. */
export function narrowedOffenders(
  narrowed: SchemaImpact["narrowed"][number],
  counts: readonly SignatureCount[],
): Offender[] {
  return counts
    .filter((c) => c.count > 0 && !subjectAllowed(narrowed.member, c.signature))
    .map((c) => ({
      type: narrowed.type,
      relation: narrowed.relation,
      reason: `subject ${describeSignature(c.signature)} no longer allowed`,
      count: c.count,
    }));
}

/** FAILED_PRECONDITION listing every offender with its count, or undefined when there are none. */
export function schemaRefusal(offenders: readonly Offender[]): RelgraphError | undefined {
  const real = offenders.filter((o) => o.count > 0);
  if (real.length === 0) return undefined;
  const total = real.reduce((n, o) => n + o.count, 0);
  const parts = real.map((o) => `${o.type}#${o.relation} (${o.reason}): ${o.count}`);
  return failedPrecondition(
    `schema change refused: ${total} stored relationship${total === 1 ? "" : "s"} would no longer fit the schema: ${parts.join("; ")}`,
    { offendingRelationships: total, offenders: real.map((o) => ({ ...o })) },
  );
}
