/**
 * Random schemas and tuples from fixed name pools (so a Neo4j run does not create new labels),
 * for the differential test against SpiceDB. Every schema is valid for SpiceDB: arrows start from
 * relations with object subjects only, permissions reference earlier permissions of their own
 * type (recursion happens through arrows, as in real schemas).
 */
import fc from "fast-check";
import { parseTuple } from "../../../src/model/tuple.ts";
import type { SubjectRef, Tuple } from "../../../src/model/tuple.ts";
import type { SpiceCheck } from "./spicedb.ts";

export interface World {
  readonly schema: string;
  readonly tuples: readonly Tuple[];
  readonly checks: readonly SpiceCheck[];
  readonly types: readonly string[];
  readonly [fc.toStringMethod]?: () => string;
}

type SubjectKind = "user" | "user:*" | "group#member";

interface Expr {
  readonly text: string;
}

const USERS = ["u1", "u2", "u3", "u4"];
const GROUPS = ["g1", "g2", "g3"];
const FOLDERS = ["f1", "f2", "f3"];
const DOCS = ["d1", "d2"];

const subjectKindsArb = fc.subarray<SubjectKind>(["user", "user:*", "group#member"], { minLength: 1 });

/** An expression over `leaves`, depth ≤ 2, operators + & -. */
function exprArb(leaves: readonly string[]): fc.Arbitrary<Expr> {
  const leaf = fc.constantFrom(...leaves).map((text) => ({ text }));
  const level1 = fc.oneof(
    { weight: 3, arbitrary: leaf },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(" + ", " & ", " - "), leaf, leaf)
        .map(([op, a, b]) => ({ text: `(${a.text}${op}${b.text})` })),
    },
  );
  return fc.oneof(
    { weight: 2, arbitrary: level1 },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(" + ", " & ", " - "), level1, level1)
        .map(([op, a, b]) => ({ text: `${a.text}${op}${b.text}` })),
    },
  );
}

function typesText(kinds: readonly SubjectKind[]): string {
  return kinds.join(" | ");
}

function subjectsFor(kinds: readonly SubjectKind[]): string[] {
  const out: string[] = [];
  for (const k of kinds) {
    if (k === "user") out.push(...USERS.map((u) => `user:${u}`));
    else if (k === "user:*") out.push("user:*");
    else out.push(...GROUPS.map((g) => `group:${g}#member`));
  }
  return out;
}

export const worldArb: fc.Arbitrary<World> = fc
  .record({
    useSelf: fc.boolean(),
    // SpiceDB refuses wildcards reached through a userset ("wildcard relations cannot be
    // transitively included"), so a group never holds user:* here.
    groupWildcard: fc.constant(false),
    folderViewer: subjectKindsArb,
    folderBanned: subjectKindsArb,
    docViewer: subjectKindsArb,
    docBanned: subjectKindsArb,
  })
  .chain((shape) => {
    const folderLeaves = ["viewer", "banned", "parent->viewer", "parent->fview", "parent.all(fview)", "nil"];
    const docLeaves = [
      "owner",
      "viewer",
      "banned",
      "parent->fview",
      "parent->viewer",
      "parent.all(fview)",
      "parent.all(banned)",
      "parent->fmod",
      "nil",
    ];
    return fc
      .record({
        fview: exprArb(folderLeaves),
        fmod: exprArb(["viewer", "banned", "fview", "parent->fmod", "nil"]),
        view: exprArb(docLeaves),
        edit: exprArb([...docLeaves, "view"]),
        tupleCount: fc.integer({ min: 0, max: 24 }),
      })
      .chain((perms) => {
        const groupTypes: SubjectKind[] = shape.groupWildcard
          ? ["user", "user:*", "group#member"]
          : ["user", "group#member"];
        const candidates: string[] = [];
        for (const g of GROUPS)
          for (const s of subjectsFor(groupTypes)) candidates.push(`group:${g}#member@${s}`);
        for (const f of FOLDERS) {
          // Parent links only go "up" (f1 → f2 → f3): SpiceDB explores a cyclic folder graph to depth
          // 50 exponentially (`parent->p - parent->p` takes its 30 s deadline), and it answers
          // nothing there anyway. Data cycles are covered by the case tables; group cycles stay.
          for (const p of FOLDERS) if (p > f) candidates.push(`folder:${f}#parent@folder:${p}`);
          for (const s of subjectsFor(shape.folderViewer)) candidates.push(`folder:${f}#viewer@${s}`);
          for (const s of subjectsFor(shape.folderBanned)) candidates.push(`folder:${f}#banned@${s}`);
        }
        for (const d of DOCS) {
          for (const p of FOLDERS) candidates.push(`document:${d}#parent@folder:${p}`);
          for (const u of USERS) candidates.push(`document:${d}#owner@user:${u}`);
          for (const s of subjectsFor(shape.docViewer)) candidates.push(`document:${d}#viewer@${s}`);
          for (const s of subjectsFor(shape.docBanned)) candidates.push(`document:${d}#banned@${s}`);
        }
        if (shape.useSelf)
          for (const u of USERS) for (const v of USERS) candidates.push(`user:${u}#friend@user:${v}`);
        return fc
          .uniqueArray(fc.constantFrom(...candidates), { maxLength: perms.tupleCount })
          .map((picked): World => {
            const schema = [
              shape.useSelf ? "use self\n" : "",
              shape.useSelf
                ? "definition user {\n  relation friend: user\n  permission profile = self + friend\n}"
                : "definition user {}",
              `definition group {\n  relation member: ${typesText(groupTypes)}\n}`,
              [
                "definition folder {",
                "  relation parent: folder",
                `  relation viewer: ${typesText(shape.folderViewer)}`,
                `  relation banned: ${typesText(shape.folderBanned)}`,
                `  permission fview = ${perms.fview.text}`,
                `  permission fmod = ${perms.fmod.text}`,
                "}",
              ].join("\n"),
              [
                "definition document {",
                "  relation parent: folder",
                "  relation owner: user",
                `  relation viewer: ${typesText(shape.docViewer)}`,
                `  relation banned: ${typesText(shape.docBanned)}`,
                `  permission view = ${perms.view.text}`,
                `  permission edit = ${perms.edit.text}`,
                "}",
              ].join("\n"),
            ].join("\n");
            const subjects: SubjectRef[] = [
              ...[...USERS, "u5"].map((id) => ({ type: "user", id, relation: "" })),
              { type: "group", id: "g1", relation: "member" },
              { type: "group", id: "g2", relation: "member" },
            ];
            const checks: SpiceCheck[] = [];
            for (const subject of subjects) {
              for (const d of DOCS)
                for (const permission of ["view", "edit", "viewer", "banned"])
                  checks.push({ resourceType: "document", resourceId: d, permission, subject });
              for (const f of FOLDERS)
                for (const permission of ["fview", "fmod"])
                  checks.push({ resourceType: "folder", resourceId: f, permission, subject });
              for (const g of GROUPS)
                checks.push({ resourceType: "group", resourceId: g, permission: "member", subject });
              if (shape.useSelf && subject.relation === "")
                for (const u of USERS)
                  checks.push({ resourceType: "user", resourceId: u, permission: "profile", subject });
            }
            return {
              schema,
              tuples: picked.map((t) => parseTuple(t)),
              checks,
              types: ["user", "group", "folder", "document"],
              // Counterexamples print as schema + tuples, not as hundreds of check objects.
              [fc.toStringMethod]: () => `\n${schema}\n--- tuples\n${picked.join("\n")}\n`,
            };
          });
      });
  });
