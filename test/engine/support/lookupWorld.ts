/**
 * One random world checked for the lookup property: every lookupResources and lookupSubjects the
 * world's schema allows, walked page by page, against the brute-force oracle. Shared by the memory
 * and Neo4j property tests.
 */
import { expect } from "vitest";
import { isRelgraphError } from "../../../src/errors.ts";
import type { SubjectRef } from "../../../src/model/tuple.ts";
import type { Relgraph } from "../../../src/index.ts";
import { zedSchema } from "./harness.ts";
import { allResources, allSubjects, Oracle } from "./lookupOracle.ts";
import type { World } from "./randomWorld.ts";

export const PAGE_SIZES = [1, 7, 1000] as const;

export const SUBJECTS: readonly SubjectRef[] = [
  ...["u1", "u2", "u3", "u4", "u5"].map((id) => ({ type: "user", id, relation: "" })),
  { type: "group", id: "g1", relation: "member" },
  { type: "group", id: "g2", relation: "member" },
];

export const RESOURCE_PERMISSIONS: readonly (readonly [string, string])[] = [
  ["document", "view"],
  ["document", "edit"],
  ["document", "viewer"],
  ["document", "banned"],
  ["folder", "fview"],
  ["folder", "fmod"],
  ["group", "member"],
];

/** True when the oracle itself fails (e.g. a cycle through an exclusion): the lookup must fail too. */
function oracleFails(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (e) {
    if (isRelgraphError(e)) return true;
    throw e;
  }
}

export async function checkWorld(
  service: Relgraph,
  store: string,
  world: World,
  pageSizes: readonly number[],
  tally: { lookups: number; results: number },
): Promise<void> {
  let token = (await service.writeSchema(store, world.schema, "ZED")).token;
  if (world.tuples.length > 0)
    token = (
      await service.writeRelationships(
        store,
        world.tuples.map((tuple) => ({ operation: "TOUCH", tuple })),
      )
    ).token;
  // Every lookup at least as fresh as the writes (no head read per page, unlike fullyConsistent).
  const consistency = { kind: "atLeastAsFresh", token } as const;
  const oracle = new Oracle(zedSchema(world.schema), world.tuples);
  const useSelf = world.schema.includes("use self");
  const rp = useSelf ? [...RESOURCE_PERMISSIONS, ["user", "profile"] as const] : RESOURCE_PERMISSIONS;
  for (const [type, permission] of rp)
    for (const subject of SUBJECTS) {
      let want: string[] = [];
      if (oracleFails(() => (want = oracle.resources(type, permission, subject)))) {
        await expect(
          service.lookupResources(store, { resourceType: type, permission, subject }, { first: 10 }),
        ).rejects.toThrow();
        continue;
      }
      for (const first of pageSizes) {
        const got = await allResources(service, store, type, permission, subject, first, consistency);
        expect(
          got,
          `lookupResources ${type} ${permission} ${subject.type}:${subject.id} first=${first}`,
        ).toEqual(want);
      }
      tally.lookups++;
      tally.results += want.length;
    }
  const resources: { type: string; id: string; permission: string }[] = [];
  for (const [type, permission] of rp)
    for (const id of oracle.universe.get(type) ?? []) resources.push({ type, id, permission });
  for (const r of resources)
    for (const [subjectType, relation] of [
      ["user", ""],
      ["group", "member"],
    ] as const) {
      let want: string[] = [];
      if (oracleFails(() => (want = oracle.subjects(r.type, r.id, r.permission, subjectType, relation))))
        continue;
      for (const first of pageSizes) {
        const got = await allSubjects(
          service,
          store,
          r,
          r.permission,
          subjectType,
          relation,
          first,
          consistency,
        );
        const label = `lookupSubjects ${r.type}:${r.id}#${r.permission} ${subjectType}${relation ? `#${relation}` : ""} first=${first}`;
        expect(oracle.expandAnswer(got, subjectType, relation, r), label).toEqual(want);
        // Every concrete subject listed holds, and every excluded one does not.
        for (const s of got)
          if (s.subject.id !== "*")
            expect(want, label).toContain(
              `${s.subject.type}:${s.subject.id}${s.subject.relation ? `#${s.subject.relation}` : ""}`,
            );
          else for (const x of s.excluded) expect(want, label).not.toContain(`${x.type}:${x.id}`);
      }
      tally.lookups++;
    }
}

/** Groups, a folder tree and documents (with a wildcard, a ban and a `.all` arrow) for hand-made lookup cases. */
export const FOLDER_TREE = `definition group {
  relation member: user | group#member
}
definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}
definition document {
  relation parent: folder
  relation viewer: user | user:* | group#member
  relation banned: user
  permission view = (viewer + parent->view) - banned
  permission strict = parent.all(view)
}`;
