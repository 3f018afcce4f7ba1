/**
 * Check conformance cases as data: schema text + tuples + checks with their expected answers.
 * Backend-neutral: test/engine/check.test.ts runs them on the in-memory index; the Neo4j-backed
 * projection can run the same tables (load `tuples` into a store, then check).
 *
 * Expected answers follow SpiceDB (HAS_PERMISSION / NO_PERMISSION / CONDITIONAL_PERMISSION) and,
 * where SpiceDB gives up (depth > 50, data cycles), the rules of issue 6.
 */
import type { Expected } from "../support/harness.ts";

export interface CheckCase {
  readonly check: string;
  readonly expect: Expected;
  readonly contextual?: readonly string[];
  /** Caveat context of the request. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Evaluator max depth for this case (default 10,000). */
  readonly maxDepth?: number;
}

export interface CheckSuite {
  readonly name: string;
  readonly origin?: "zed" | "openfga";
  readonly schema: string;
  readonly tuples: readonly string[];
  readonly checks: readonly CheckCase[];
}

const DOCS = `
definition user {}
definition group {
  relation member: user | group#member
}
definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}
definition document {
  relation parent: folder
  relation owner: user
  relation editor: user | group#member
  relation viewer: user | user:* | group#member
  relation banned: user | user:* | group#member
  permission edit = owner + editor
  permission view = (viewer + edit + parent->view) - banned
}`;

function chain(prefix: string, n: number, make: (i: number) => string): string[] {
  const out: string[] = [];
  for (let i = 1; i < n; i++) out.push(make(i));
  void prefix;
  return out;
}

/** folder f1 → f2 → … → fN (parent links), fN#viewer@group:g1#member, g1 ⊃ g2 ⊃ … ⊃ gM, gM ∋ user:deep. */
function deepWorld(folders: number, groups: number): string[] {
  return [
    `document:doc#parent@folder:f1`,
    ...chain("f", folders, (i) => `folder:f${i}#parent@folder:f${i + 1}`),
    `folder:f${folders}#viewer@group:g1#member`,
    ...chain("g", groups, (i) => `group:g${i}#member@group:g${i + 1}#member`),
    `group:g${groups}#member@user:deep`,
  ];
}

/** Diamond lattice: layers × width groups, every node of layer k contains every node of layer k+1. */
function diamond(layers: number, width: number): string[] {
  const out: string[] = [];
  for (let l = 0; l < layers - 1; l++)
    for (let a = 0; a < width; a++)
      for (let b = 0; b < width; b++) out.push(`group:l${l}_${a}#member@group:l${l + 1}_${b}#member`);
  out.push(`group:l${layers - 1}_${width - 1}#member@user:bottom`);
  out.push(`document:top#viewer@group:l0_0#member`);
  return out;
}

export const CHECK_SUITES: readonly CheckSuite[] = [
  {
    name: "direct relations (this)",
    schema: DOCS,
    tuples: ["document:a#owner@user:alice", "document:a#viewer@user:bob", "document:b#editor@user:carol"],
    checks: [
      { check: "document:a#owner@user:alice", expect: "HAS" },
      { check: "document:a#owner@user:bob", expect: "NO" },
      { check: "document:a#viewer@user:bob", expect: "HAS" },
      { check: "document:a#viewer@user:alice", expect: "NO" },
      { check: "document:b#editor@user:carol", expect: "HAS" },
      { check: "document:b#owner@user:carol", expect: "NO" },
      { check: "document:nope#owner@user:alice", expect: "NO" },
      { check: "document:a#owner@user:nobody", expect: "NO" },
      { check: "document:a#viewer@user:carol", expect: "NO" },
      { check: "document:b#viewer@user:carol", expect: "NO" },
    ],
  },
  {
    name: "computed usersets and unions",
    schema: DOCS,
    tuples: ["document:a#owner@user:alice", "document:a#editor@user:bob", "document:a#viewer@user:vic"],
    checks: [
      { check: "document:a#edit@user:alice", expect: "HAS" },
      { check: "document:a#edit@user:bob", expect: "HAS" },
      { check: "document:a#edit@user:vic", expect: "NO" },
      { check: "document:a#view@user:alice", expect: "HAS" },
      { check: "document:a#view@user:bob", expect: "HAS" },
      { check: "document:a#view@user:vic", expect: "HAS" },
      { check: "document:a#view@user:zed", expect: "NO" },
      { check: "document:other#view@user:alice", expect: "NO" },
    ],
  },
  {
    name: "nested usersets",
    schema: DOCS,
    tuples: [
      "document:a#viewer@group:eng#member",
      "group:eng#member@user:alice",
      "group:eng#member@group:backend#member",
      "group:backend#member@user:bob",
      "group:backend#member@group:db#member",
      "group:db#member@user:dana",
      "document:a#editor@group:ops#member",
      "group:ops#member@user:olga",
    ],
    checks: [
      { check: "document:a#view@user:alice", expect: "HAS" },
      { check: "document:a#view@user:bob", expect: "HAS" },
      { check: "document:a#view@user:dana", expect: "HAS" },
      { check: "document:a#view@user:olga", expect: "HAS" },
      { check: "document:a#edit@user:olga", expect: "HAS" },
      { check: "document:a#edit@user:alice", expect: "NO" },
      { check: "document:a#view@user:zoe", expect: "NO" },
      { check: "group:eng#member@user:dana", expect: "HAS" },
      { check: "group:db#member@user:alice", expect: "NO" },
      { check: "group:backend#member@user:alice", expect: "NO" },
    ],
  },
  {
    name: "userset subjects",
    schema: DOCS,
    tuples: [
      "document:a#viewer@group:eng#member",
      "group:eng#member@group:backend#member",
      "document:b#viewer@user:alice",
    ],
    checks: [
      { check: "document:a#viewer@group:eng#member", expect: "HAS" },
      { check: "document:a#view@group:eng#member", expect: "HAS" },
      { check: "document:a#view@group:backend#member", expect: "HAS" },
      { check: "document:b#view@group:eng#member", expect: "NO" },
      { check: "group:eng#member@group:eng#member", expect: "HAS" },
      { check: "group:eng#member@group:backend#member", expect: "HAS" },
      { check: "group:backend#member@group:eng#member", expect: "NO" },
      { check: "document:a#view@group:other#member", expect: "NO" },
      // Regression (found by the differential test): holds even when no tuple names the group.
      { check: "group:lonely#member@group:lonely#member", expect: "HAS" },
    ],
  },
  {
    name: "arrows (any) along a folder chain",
    schema: DOCS,
    tuples: [
      "document:d#parent@folder:f1",
      "folder:f1#parent@folder:f2",
      "folder:f2#parent@folder:f3",
      "folder:f3#viewer@user:root",
      "folder:f2#viewer@group:mid#member",
      "group:mid#member@user:middle",
      "document:e#parent@folder:f1",
      "document:e#parent@folder:lonely",
      "folder:lonely#viewer@user:lone",
    ],
    checks: [
      { check: "document:d#view@user:root", expect: "HAS" },
      { check: "document:d#view@user:middle", expect: "HAS" },
      { check: "document:d#view@user:lone", expect: "NO" },
      { check: "document:e#view@user:lone", expect: "HAS" },
      { check: "document:e#view@user:root", expect: "HAS" },
      { check: "folder:f3#view@user:middle", expect: "NO" },
      { check: "folder:f1#view@user:middle", expect: "HAS" },
      { check: "document:d#edit@user:root", expect: "NO" },
      { check: "folder:f3#view@user:root", expect: "HAS" },
      { check: "document:none#view@user:root", expect: "NO" },
    ],
  },
  {
    name: "intersection arrows (.all)",
    schema: `
definition user {}
definition team { relation member: user }
definition doc {
  relation team: team
  permission all_teams = team.all(member)
  permission any_team = team.any(member)
}`,
    tuples: [
      "doc:one#team@team:a",
      "doc:one#team@team:b",
      "team:a#member@user:both",
      "team:b#member@user:both",
      "team:a#member@user:onlya",
      "doc:single#team@team:a",
    ],
    checks: [
      { check: "doc:one#all_teams@user:both", expect: "HAS" },
      { check: "doc:one#all_teams@user:onlya", expect: "NO" },
      { check: "doc:one#any_team@user:onlya", expect: "HAS" },
      { check: "doc:one#all_teams@user:nobody", expect: "NO" },
      { check: "doc:single#all_teams@user:onlya", expect: "HAS" },
      { check: "doc:none#all_teams@user:both", expect: "NO" },
      { check: "doc:none#any_team@user:both", expect: "NO" },
      { check: "doc:single#any_team@user:both", expect: "HAS" },
    ],
  },
  {
    name: "intersection",
    schema: `
definition user {}
definition doc {
  relation rel_a: user
  relation rel_b: user
  relation rel_c: user
  permission p_ab = rel_a & rel_b
  permission p_abc = rel_a & rel_b & rel_c
  permission a_or_bc = rel_a + (rel_b & rel_c)
}`,
    tuples: [
      "doc:x#rel_a@user:u1",
      "doc:x#rel_b@user:u1",
      "doc:x#rel_c@user:u1",
      "doc:x#rel_a@user:u2",
      "doc:x#rel_b@user:u2",
      "doc:x#rel_b@user:u3",
      "doc:x#rel_c@user:u3",
    ],
    checks: [
      { check: "doc:x#p_ab@user:u1", expect: "HAS" },
      { check: "doc:x#p_abc@user:u1", expect: "HAS" },
      { check: "doc:x#p_ab@user:u2", expect: "HAS" },
      { check: "doc:x#p_abc@user:u2", expect: "NO" },
      { check: "doc:x#p_ab@user:u3", expect: "NO" },
      { check: "doc:x#a_or_bc@user:u3", expect: "HAS" },
      { check: "doc:x#a_or_bc@user:u2", expect: "HAS" },
      { check: "doc:x#a_or_bc@user:u4", expect: "NO" },
      { check: "doc:y#p_ab@user:u1", expect: "NO" },
    ],
  },
  {
    name: "exclusion",
    schema: DOCS,
    tuples: [
      "document:a#viewer@user:alice",
      "document:a#viewer@user:bob",
      "document:a#banned@user:bob",
      "document:a#viewer@group:eng#member",
      "group:eng#member@user:carol",
      "group:eng#member@user:dave",
      "document:a#banned@group:bad#member",
      "group:bad#member@user:dave",
      "document:a#owner@user:eve",
      "document:a#banned@user:eve",
    ],
    checks: [
      { check: "document:a#view@user:alice", expect: "HAS" },
      { check: "document:a#view@user:bob", expect: "NO" },
      { check: "document:a#view@user:carol", expect: "HAS" },
      { check: "document:a#view@user:dave", expect: "NO" },
      { check: "document:a#view@user:eve", expect: "NO" },
      { check: "document:a#edit@user:eve", expect: "HAS" },
      { check: "document:a#banned@user:bob", expect: "HAS" },
      { check: "document:a#view@user:nobody", expect: "NO" },
    ],
  },
  {
    name: "nil",
    schema: `
definition user {}
definition doc {
  relation viewer: user
  permission nothing = nil
  permission viewer_or_nil = viewer + nil
  permission viewer_and_nil = viewer & nil
  permission viewer_minus_nil = viewer - nil
}`,
    tuples: ["doc:x#viewer@user:u"],
    checks: [
      { check: "doc:x#nothing@user:u", expect: "NO" },
      { check: "doc:x#viewer_or_nil@user:u", expect: "HAS" },
      { check: "doc:x#viewer_and_nil@user:u", expect: "NO" },
      { check: "doc:x#viewer_minus_nil@user:u", expect: "HAS" },
      { check: "doc:x#viewer_minus_nil@user:v", expect: "NO" },
    ],
  },
  {
    name: "self",
    schema: `
use self
definition user {
  relation friend: user
  permission view_profile = self + friend
}
definition doc {
  relation viewer: user
  permission myself = self
}`,
    tuples: ["user:alice#friend@user:bob"],
    checks: [
      { check: "user:alice#view_profile@user:alice", expect: "HAS" },
      { check: "user:alice#view_profile@user:bob", expect: "HAS" },
      { check: "user:alice#view_profile@user:carol", expect: "NO" },
      { check: "user:carol#view_profile@user:carol", expect: "HAS" },
      { check: "user:bob#view_profile@user:alice", expect: "NO" },
      { check: "doc:x#myself@user:x", expect: "NO" },
    ],
  },
  {
    name: "wildcards",
    schema: DOCS,
    tuples: [
      "document:public#viewer@user:*",
      "document:public#banned@user:troll",
      "document:closed#viewer@user:alice",
      "document:closed#banned@user:*",
      "document:closed#owner@user:owner",
    ],
    checks: [
      { check: "document:public#view@user:anyone", expect: "HAS" },
      { check: "document:public#view@user:alice", expect: "HAS" },
      { check: "document:public#view@user:troll", expect: "NO" },
      { check: "document:public#viewer@user:troll", expect: "HAS" },
      { check: "document:closed#view@user:alice", expect: "NO" },
      { check: "document:closed#view@user:owner", expect: "NO" },
      { check: "document:closed#edit@user:owner", expect: "HAS" },
      { check: "document:public#edit@user:anyone", expect: "NO" },
      { check: "document:public#view@user:*", expect: { error: "INVALID_ARGUMENT" } },
      { check: "document:public#view@group:eng#member", expect: "NO" },
    ],
  },
  {
    name: "wildcard with a group on the subtracted side",
    schema: `
definition user {}
definition group { relation member: user | group#member }
definition doc {
  relation viewer: user:* | group#member
  relation blocked: group#member
  permission view = viewer - blocked
}`,
    tuples: [
      "doc:x#viewer@user:*",
      "doc:x#blocked@group:blocked#member",
      "group:blocked#member@user:b",
      "doc:y#viewer@group:eng#member",
      "group:eng#member@user:e",
    ],
    checks: [
      { check: "doc:x#view@user:a", expect: "HAS" },
      { check: "doc:x#view@user:b", expect: "NO" },
      { check: "doc:y#view@user:e", expect: "HAS" },
      { check: "doc:y#view@user:a", expect: "NO" },
    ],
  },
  {
    name: "cycles through union terminate at the least fixed point",
    schema: DOCS,
    tuples: [
      "group:a#member@group:b#member",
      "group:b#member@group:c#member",
      "group:c#member@group:a#member",
      "group:b#member@user:bob",
      "document:d#viewer@group:a#member",
      "folder:x#parent@folder:y",
      "folder:y#parent@folder:x",
      "folder:y#viewer@user:yuri",
      "group:self#member@group:self#member",
    ],
    checks: [
      { check: "group:a#member@user:bob", expect: "HAS" },
      { check: "group:c#member@user:bob", expect: "HAS" },
      { check: "group:a#member@user:nobody", expect: "NO" },
      { check: "group:c#member@user:nobody", expect: "NO" },
      { check: "document:d#view@user:bob", expect: "HAS" },
      { check: "document:d#view@user:nobody", expect: "NO" },
      { check: "folder:x#view@user:yuri", expect: "HAS" },
      { check: "folder:x#view@user:nobody", expect: "NO" },
      { check: "folder:y#view@user:nobody", expect: "NO" },
      { check: "group:self#member@user:bob", expect: "NO" },
      { check: "group:a#member@group:c#member", expect: "HAS" },
      { check: "group:b#member@group:a#member", expect: "HAS" },
    ],
  },
  {
    name: "cycle through an intersection and an arrow",
    schema: `
definition user {}
definition node {
  relation next: node
  relation allowed: user
  relation flag: user
  permission reach = allowed + (next->reach & flag)
}`,
    tuples: [
      "node:a#next@node:b",
      "node:b#next@node:a",
      "node:a#flag@user:u",
      "node:b#flag@user:u",
      "node:b#allowed@user:w",
      "node:a#flag@user:w",
    ],
    checks: [
      { check: "node:a#reach@user:u", expect: "NO" },
      { check: "node:b#reach@user:u", expect: "NO" },
      { check: "node:a#reach@user:w", expect: "HAS" },
      { check: "node:b#reach@user:w", expect: "HAS" },
    ],
  },
  {
    name: "cycle through exclusion",
    schema: `
definition user {}
definition group {
  relation member: user | group#member
  relation banned: group#member
  permission allowed = member - banned
}
definition doc {
  relation parent: doc
  relation viewer: user
  permission view = viewer - parent->view
}`,
    tuples: [
      "group:g#banned@group:g#member",
      "group:g#member@user:u",
      "doc:a#parent@doc:b",
      "doc:b#parent@doc:a",
      "doc:a#viewer@user:u",
      "doc:b#viewer@user:u",
      "doc:c#viewer@user:u",
      "doc:c#parent@doc:d",
    ],
    checks: [
      {
        check: "doc:a#view@user:u",
        expect: { error: "FAILED_PRECONDITION", reason: "cycle-through-exclusion" },
      },
      { check: "doc:c#view@user:u", expect: "HAS" },
      { check: "doc:a#view@user:stranger", expect: "NO" },
      { check: "group:g#allowed@user:u", expect: "NO" },
      { check: "group:g#allowed@user:other", expect: "NO" },
    ],
  },
  {
    name: "self-referencing permission (permission-references-itself)",
    schema: `
definition user {}
definition doc {
  relation viewer: user
  permission view = view + viewer
}`,
    tuples: ["doc:x#viewer@user:u"],
    checks: [
      { check: "doc:x#view@user:u", expect: "HAS" },
      { check: "doc:x#view@user:v", expect: "NO" },
    ],
  },
  {
    name: "deep chains (2,000 folders + 2,000 nested groups: > 4,000 hops)",
    schema: DOCS,
    tuples: deepWorld(2000, 2000),
    checks: [
      { check: "document:doc#view@user:deep", expect: "HAS" },
      { check: "document:doc#view@user:shallow", expect: "NO" },
      { check: "folder:f1000#view@user:deep", expect: "HAS" },
      { check: "group:g1#member@user:deep", expect: "HAS" },
      {
        check: "document:doc#view@user:deep",
        expect: { error: "RESOURCE_EXHAUSTED", reason: "max-depth-exceeded" },
        maxDepth: 3000,
      },
      { check: "group:g1500#member@user:deep", expect: "HAS", maxDepth: 600 },
    ],
  },
  {
    name: "beyond the maximum depth (10,001 nested groups)",
    schema: DOCS,
    tuples: [
      ...chain("g", 10_002, (i) => `group:g${i}#member@group:g${i + 1}#member`),
      "group:g10002#member@user:far",
    ],
    checks: [
      {
        check: "group:g1#member@user:far",
        expect: { error: "RESOURCE_EXHAUSTED", reason: "max-depth-exceeded" },
      },
      { check: "group:g5000#member@user:far", expect: "HAS" },
      { check: "group:g1#member@user:far", expect: "HAS", maxDepth: 20_000 },
    ],
  },
  {
    name: "a 4,000-group cycle terminates (linear in its length)",
    schema: DOCS,
    tuples: [
      ...chain("g", 4000, (i) => `group:c${i}#member@group:c${i + 1}#member`),
      "group:c4000#member@group:c1#member",
      "group:c2500#member@user:inside",
    ],
    checks: [
      { check: "group:c1#member@user:inside", expect: "HAS" },
      { check: "group:c3000#member@user:inside", expect: "HAS" },
      { check: "group:c1#member@user:outside", expect: "NO" },
      { check: "group:c4000#member@group:c3999#member", expect: "HAS" },
    ],
  },
  {
    name: "diamond lattice (20 layers × 4)",
    schema: DOCS,
    tuples: diamond(20, 4),
    checks: [
      { check: "document:top#view@user:bottom", expect: "HAS" },
      { check: "document:top#view@user:nobody", expect: "NO" },
      { check: "group:l0_3#member@user:bottom", expect: "HAS" },
      { check: "group:l19_0#member@user:bottom", expect: "NO" },
      { check: "group:l0_0#member@group:l19_2#member", expect: "HAS" },
    ],
  },
  {
    name: "contextual tuples",
    schema: DOCS,
    tuples: ["document:a#viewer@group:eng#member", "folder:f#viewer@user:fay"],
    checks: [
      { check: "document:a#view@user:alice", expect: "NO" },
      { check: "document:a#view@user:alice", expect: "HAS", contextual: ["group:eng#member@user:alice"] },
      { check: "document:a#view@user:alice", expect: "HAS", contextual: ["document:a#viewer@user:alice"] },
      { check: "document:b#view@user:fay", expect: "NO" },
      { check: "document:b#view@user:fay", expect: "HAS", contextual: ["document:b#parent@folder:f"] },
      {
        check: "document:b#view@user:newbie",
        expect: "HAS",
        contextual: ["document:b#parent@folder:new", "folder:new#viewer@user:newbie"],
      },
      {
        check: "document:a#view@user:alice",
        expect: "NO",
        contextual: ["group:eng#member@user:alice", "document:a#banned@user:alice"],
      },
      { check: "document:a#view@user:bob", expect: "NO", contextual: ["group:eng#member@user:alice"] },
      { check: "document:a#view@user:alice", expect: "NO" },
      { check: "document:c#view@user:x", expect: "HAS", contextual: ["document:c#viewer@user:*"] },
      {
        check: "document:a#view@user:carl",
        expect: "HAS",
        contextual: ["group:eng#member@group:sub#member", "group:sub#member@user:carl"],
      },
    ],
  },
  {
    name: "caveats and expiration (three-valued)",
    schema: `
use expiration
caveat on_tuesday(day string) { day == "tuesday" }
definition user {}
definition group { relation member: user with on_tuesday | user }
definition doc {
  relation viewer: user with on_tuesday | group#member | user with expiration
  relation banned: user with on_tuesday
  relation owner: user
  permission view = viewer + owner
  permission view_unless_banned = view - banned
  permission owned_and_viewed = owner & viewer
}`,
    tuples: [
      "doc:x#viewer@user:cav[on_tuesday]",
      "doc:x#viewer@user:old[expiration:2000-01-01T00:00:00Z]",
      "doc:x#viewer@user:new[expiration:2999-01-01T00:00:00Z]",
      "doc:x#viewer@group:g#member",
      "group:g#member@user:gcav[on_tuesday]",
      "doc:x#owner@user:cav",
      "doc:x#banned@user:own2[on_tuesday]",
      "doc:x#owner@user:own2",
      "doc:x#owner@user:own3",
      "doc:x#viewer@user:own3[on_tuesday]",
    ],
    checks: [
      { check: "doc:x#viewer@user:cav", expect: { conditional: ["day"] } },
      { check: "doc:x#view@user:cav", expect: "HAS" },
      { check: "doc:x#view@user:old", expect: "NO" },
      { check: "doc:x#view@user:new", expect: "HAS" },
      { check: "doc:x#view@user:gcav", expect: { conditional: ["day"] } },
      { check: "doc:x#view_unless_banned@user:own2", expect: { conditional: ["day"] } },
      { check: "doc:x#owned_and_viewed@user:own3", expect: { conditional: ["day"] } },
      { check: "doc:x#owned_and_viewed@user:cav", expect: { conditional: ["day"] } },
      { check: "doc:x#view_unless_banned@user:new", expect: "HAS" },
      // With the context the caveats decide: true grants, false denies.
      { check: "doc:x#viewer@user:cav", expect: "HAS", context: { day: "tuesday" } },
      { check: "doc:x#viewer@user:cav", expect: "NO", context: { day: "monday" } },
      { check: "doc:x#view@user:gcav", expect: "HAS", context: { day: "tuesday" } },
      { check: "doc:x#view_unless_banned@user:own2", expect: "NO", context: { day: "tuesday" } },
      { check: "doc:x#view_unless_banned@user:own2", expect: "HAS", context: { day: "monday" } },
      { check: "doc:x#owned_and_viewed@user:own3", expect: "HAS", context: { day: "tuesday" } },
      { check: "doc:x#owned_and_viewed@user:own3", expect: "NO", context: { day: "friday" } },
      { check: "doc:x#viewer@user:cav", expect: { error: "INVALID_ARGUMENT" }, context: { day: 3 } },
    ],
  },
  {
    name: "caveats: every parameter type, stored and request context, operators and arrows",
    schema: `
caveat ip_ok(allowed bool, ip ipaddress) { allowed || ip.in_cidr("10.0.0.0/8") }
caveat quota(used int, limit int) { used < limit }
caveat big(n uint) { n > 10 }
caveat ratio(x double) { x >= 0.5 }
caveat tagged(tags list<string>, want string) { want in tags }
caveat scored(scores map<int>) { scores["a"] > 1 }
caveat window(now timestamp, until timestamp) { now < until }
caveat longer(d duration) { d > duration("1h") }
caveat secret(b bytes) { b == b"hi" }
caveat anything(v any) { v == "yes" }
definition user {}
definition team { relation member: user with quota | user }
definition folder {
  relation viewer: user with ip_ok | team#member
  permission view = viewer
}
definition doc {
  relation parent: folder
  relation reader: user with big | user with ratio | user with tagged | user with scored | user with window | user with longer | user with secret | user with anything
  relation blocked: user with quota
  relation member: user with ip_ok
  permission view = reader + parent->view
  permission strict = reader & member
  permission open = view - blocked
  permission all_parents = parent.all(view)
}`,
    tuples: [
      'doc:d#reader@user:u1[big:{"n":11}]',
      "doc:d#reader@user:u2[big]",
      'doc:d#reader@user:r1[ratio:{"x":0.75}]',
      'doc:d#reader@user:t1[tagged:{"tags":["a","b"]}]',
      "doc:d#reader@user:s1[scored]",
      'doc:d#reader@user:w1[window:{"until":"2030-01-01T00:00:00Z"}]',
      "doc:d#reader@user:l1[longer]",
      "doc:d#reader@user:b1[secret]",
      "doc:d#reader@user:a1[anything]",
      'doc:d#member@user:u1[ip_ok:{"allowed":false}]',
      'doc:d#member@user:u2[ip_ok:{"allowed":false}]',
      'doc:d#blocked@user:r1[quota:{"limit":3}]',
      "doc:d#parent@folder:f",
      "doc:d#parent@folder:g",
      'folder:f#viewer@user:p1[ip_ok:{"allowed":true}]',
      'folder:f#viewer@user:p2[ip_ok:{"allowed":false}]',
      "folder:f#viewer@team:t#member",
      "folder:g#viewer@team:t#member",
      'team:t#member@user:m1[quota:{"limit":5}]',
      "team:t#member@user:m2",
    ],
    checks: [
      { check: "doc:d#view@user:u1", expect: "HAS" },
      { check: "doc:d#view@user:u2", expect: { conditional: ["n"] } },
      { check: "doc:d#view@user:u2", expect: "HAS", context: { n: 12 } },
      { check: "doc:d#view@user:u2", expect: "NO", context: { n: "3" } },
      { check: "doc:d#view@user:u2", expect: { error: "INVALID_ARGUMENT" }, context: { n: -1 } },
      // Stored context wins over the request's.
      { check: "doc:d#view@user:u1", expect: "HAS", context: { n: 1 } },
      { check: "doc:d#view@user:r1", expect: "HAS" },
      { check: "doc:d#view@user:t1", expect: { conditional: ["want"] } },
      { check: "doc:d#view@user:t1", expect: "HAS", context: { want: "b" } },
      { check: "doc:d#view@user:t1", expect: "NO", context: { want: "c" } },
      { check: "doc:d#view@user:s1", expect: "HAS", context: { scores: { a: 2 } } },
      { check: "doc:d#view@user:s1", expect: "NO", context: { scores: { a: 1, b: 9 } } },
      { check: "doc:d#view@user:w1", expect: { conditional: ["now"] } },
      { check: "doc:d#view@user:w1", expect: "HAS", context: { now: "2029-12-31T23:59:59Z" } },
      { check: "doc:d#view@user:w1", expect: "NO", context: { now: "2030-01-01T00:00:00Z" } },
      { check: "doc:d#view@user:w1", expect: { error: "INVALID_ARGUMENT" }, context: { now: "2029-12-31" } },
      { check: "doc:d#view@user:l1", expect: "HAS", context: { d: "1h30m" } },
      { check: "doc:d#view@user:l1", expect: "NO", context: { d: "59m" } },
      { check: "doc:d#view@user:b1", expect: "HAS", context: { b: "aGk=" } },
      { check: "doc:d#view@user:b1", expect: "NO", context: { b: "aGo=" } },
      { check: "doc:d#view@user:a1", expect: "HAS", context: { v: "yes" } },
      { check: "doc:d#view@user:a1", expect: "NO", context: { v: 1 } },
      // Arrows: the folder's caveated viewers, the team's caveated members.
      { check: "doc:d#view@user:p1", expect: "HAS" },
      { check: "doc:d#view@user:p2", expect: { conditional: ["ip"] } },
      { check: "doc:d#view@user:p2", expect: "HAS", context: { ip: "10.9.9.9" } },
      { check: "doc:d#view@user:p2", expect: "NO", context: { ip: "192.168.1.1" } },
      { check: "doc:d#view@user:p2", expect: "NO", context: { ip: "::1" } },
      { check: "doc:d#view@user:m1", expect: { conditional: ["used"] } },
      { check: "doc:d#view@user:m1", expect: "HAS", context: { used: 4 } },
      { check: "doc:d#view@user:m1", expect: "NO", context: { used: 5 } },
      { check: "doc:d#view@user:m2", expect: "HAS" },
      // Intersection and exclusion.
      { check: "doc:d#strict@user:u1", expect: { conditional: ["ip"] } },
      { check: "doc:d#strict@user:u1", expect: "HAS", context: { ip: "10.0.0.1" } },
      { check: "doc:d#strict@user:u1", expect: "NO", context: { ip: "11.0.0.1" } },
      { check: "doc:d#strict@user:u2", expect: { conditional: ["ip", "n"] } },
      { check: "doc:d#strict@user:u2", expect: "NO", context: { n: 1 } },
      { check: "doc:d#open@user:r1", expect: { conditional: ["used"] } },
      { check: "doc:d#open@user:r1", expect: "NO", context: { used: 1 } },
      { check: "doc:d#open@user:r1", expect: "HAS", context: { used: 3 } },
      // .all: every parent must grant (g grants m2 only through the team).
      { check: "doc:d#all_parents@user:m2", expect: "HAS" },
      { check: "doc:d#all_parents@user:m1", expect: { conditional: ["used"] } },
      { check: "doc:d#all_parents@user:m1", expect: "HAS", context: { used: 0 } },
      { check: "doc:d#all_parents@user:p1", expect: "NO" },
    ],
  },
  {
    name: "unknown names",
    schema: DOCS,
    tuples: ["document:a#viewer@user:alice"],
    checks: [
      {
        check: "nosuchtype:a#view@user:alice",
        expect: { error: "FAILED_PRECONDITION", reason: "unknown-definition" },
      },
      {
        check: "document:a#nosuchperm@user:alice",
        expect: { error: "FAILED_PRECONDITION", reason: "unknown-relation" },
      },
      {
        check: "document:a#view@nosuchtype:alice",
        expect: { error: "FAILED_PRECONDITION", reason: "unknown-definition" },
      },
      {
        check: "document:a#view@group:eng#nosuchrel",
        expect: { error: "FAILED_PRECONDITION", reason: "unknown-relation" },
      },
    ],
  },
  {
    // OpenFGA's conditions: every declared parameter must be present (stored or request) or the
    // answer is an error; an error on one branch yields to another branch that grants; a condition
    // on a tupleset relation (the model @openfga/syntax-transformer's validator crashes on).
    name: "OpenFGA origin: conditions",
    origin: "openfga",
    schema: `model
  schema 1.1
type user
type folder
  relations
    define viewer: [user]
type doc
  relations
    define parent: [folder with x_lt, folder with s_is]
    define either: [user with x_or_y]
    define viewer: [user with x_lt, user with s_is] or viewer from parent

condition x_lt(x: int) {
  x < 100
}
condition s_is(s: string) {
  s == "hello"
}
condition x_or_y(x: int, y: int) {
  x < 100 || y < 50
}
`,
    tuples: [
      "folder:a#viewer@user:jon",
      "folder:b#viewer@user:jon",
      "doc:1#parent@folder:a[s_is]",
      "doc:1#parent@folder:b[x_lt]",
      "doc:2#viewer@user:ann[x_lt]",
      "doc:3#either@user:bo[x_or_y]",
    ],
    checks: [
      // Through the conditioned tupleset: the branch that can be evaluated decides.
      { check: "doc:1#viewer@user:jon", expect: "HAS", context: { s: "hello" } },
      { check: "doc:1#viewer@user:jon", expect: "HAS", context: { x: 10 } },
      { check: "doc:1#viewer@user:jon", expect: "NO", context: { s: "bye", x: 100 } },
      { check: "doc:1#viewer@user:jon", expect: { error: "INVALID_ARGUMENT" }, context: { s: "bye" } },
      { check: "doc:1#viewer@user:jon", expect: { error: "INVALID_ARGUMENT" } },
      { check: "doc:2#viewer@user:ann", expect: "HAS", context: { x: 1 } },
      { check: "doc:2#viewer@user:ann", expect: "NO", context: { x: 100 } },
      { check: "doc:2#viewer@user:ann", expect: { error: "INVALID_ARGUMENT" }, context: { x: "one" } },
      // All parameters are required, even where the rest of the expression would decide.
      { check: "doc:3#either@user:bo", expect: { error: "INVALID_ARGUMENT" }, context: { x: 10 } },
      { check: "doc:3#either@user:bo", expect: "HAS", context: { x: 10, y: 99 } },
      { check: "doc:3#either@user:bo", expect: "NO", context: { x: 100, y: 50 } },
    ],
  },
  {
    name: "OpenFGA origin: misfit tuples are ignored, wildcard subjects",
    origin: "openfga",
    schema: `model
  schema 1.1
type user
type employee
type group
  relations
    define member: [user, user:*]
type doc
  relations
    define viewer: [user, group#member]
    define public: [user:*]
    define can_view: viewer or public
`,
    tuples: [
      "doc:x#viewer@user:alice",
      "doc:x#viewer@employee:emp",
      "doc:x#public@user:*",
      "doc:y#viewer@group:all#member",
      "group:all#member@user:*",
      "doc:z#viewer@user:bob",
    ],
    checks: [
      { check: "doc:x#viewer@user:alice", expect: "HAS" },
      { check: "doc:x#viewer@employee:emp", expect: "NO" },
      { check: "doc:x#can_view@user:anyone", expect: "HAS" },
      { check: "doc:x#can_view@user:*", expect: "HAS" },
      { check: "doc:z#can_view@user:*", expect: "NO" },
      { check: "doc:y#viewer@user:*", expect: "HAS" },
      { check: "doc:y#viewer@user:carl", expect: "HAS" },
      { check: "doc:z#viewer@user:*", expect: "NO" },
    ],
  },
];
