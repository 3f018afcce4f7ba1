/**
 * OpenFGA model → `.zed`: what `relgraph schema convert FILE.fga` does between import and print.
 *
 * 1. `checkZedCompatible(ir)` lists every name `.zed` cannot spell (OpenFGA allows uppercase, `-`,
 *    `.`, one-character and up to 254-character names); convert refuses while any is listed.
 * 2. `toZedIR(ir)` rewrites the model into one SpiceDB accepts. The only structural change: SpiceDB
 *    has no relation with a rewrite, so an OpenFGA define that mixes direct types with a rewrite,
 *
 *        define viewer: [user, group#member] or editor
 *
 *    becomes a writable relation holding the direct types plus a permission with the old name:
 *
 *        relation viewer_direct: user | group#member
 *        permission viewer = viewer_direct + editor
 *
 *    Checks, usersets (`document#viewer`) and arrows (`viewer from parent`) keep naming `viewer`
 *    and keep their meaning; only tuples written to such a relation move: `document:1#viewer@user:a`
 *    becomes `document:1#viewer_direct@user:a` (`zedWritableRelations` lists every move). A define
 *    that is purely direct (`define owner: [user]`) keeps its name, so its tuples are unchanged.
 *
 * Naming: `<name>_direct`; if the type already has a member of that name (or an earlier move took
 * it), `<name>_direct2`, `<name>_direct3`, …; the stem is shortened so the result stays within
 * SpiceDB's 64 characters. Members are visited in declaration order, so the names are deterministic.
 */
import type { Diagnostic } from "../typesystem/diagnostic.ts";
import { error } from "../typesystem/diagnostic.ts";
import type { Definition, Member, Rewrite, SchemaIR } from "../typesystem/ir.ts";
import { unreachable } from "../errors.ts";
import { RESERVED_WORDS } from "../typesystem/names.ts";
import { isValidRelationName, isValidTypeName } from "../model/tuple.ts";

/** Diagnostic code of every name `.zed` cannot spell. */
export const ZED_INCOMPATIBLE_NAME = "zed-incompatible-name";

const ZED_MAX_NAME = 64;
const DIRECT_SUFFIX = "_direct";

/**
 * Every type, relation and condition name that is not valid `.zed`, each with its location and
 * the reason. Empty when the model can be converted.
 */
export function checkZedCompatible(ir: SchemaIR): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const def of ir.definitions) {
    const why = whyNotZed(def.name, "type");
    if (why)
      diagnostics.push(
        error(ZED_INCOMPATIBLE_NAME, `type "${def.name}" is not a valid .zed name: ${why}`, def.loc),
      );
    for (const m of def.members) {
      const whyMember = whyNotZed(m.name, "relation");
      if (whyMember)
        diagnostics.push(
          error(
            ZED_INCOMPATIBLE_NAME,
            `relation "${m.name}" of type "${def.name}" is not a valid .zed name: ${whyMember}`,
            m.loc,
          ),
        );
    }
  }
  for (const c of ir.caveats) {
    // SpiceDB caveat names follow the type-name rule (namespaced `prefix/name` allowed).
    const why = whyNotZed(c.name, "type");
    if (why)
      diagnostics.push(
        error(ZED_INCOMPATIBLE_NAME, `condition "${c.name}" is not a valid .zed caveat name: ${why}`, c.loc),
      );
  }
  return diagnostics;
}

/** The first rule `name` breaks, in words; undefined when `.zed` accepts it. */
function whyNotZed(name: string, kind: "type" | "relation"): string | undefined {
  if (RESERVED_WORDS.has(name)) return `"${name}" is a .zed keyword`;
  if (kind === "type" ? isValidTypeName(name, "zed") : isValidRelationName(name, "zed")) return undefined;
  // A type may carry `prefix/` namespaces; explain the segment that fails.
  const segments = kind === "type" ? name.split("/") : [name];
  for (const s of segments) {
    const label = segments.length > 1 ? `segment "${s}" ` : "";
    if (s.length < 3) return `${label}is shorter than 3 characters`;
    if (s.length > ZED_MAX_NAME) return `${label}is longer than ${ZED_MAX_NAME} characters`;
    if (/[A-Z]/.test(s)) return `${label}has uppercase letters`;
    const bad = /[^a-z0-9_]/.exec(s);
    if (bad) return `${label}contains "${bad[0]}" (only a-z, 0-9 and "_" are allowed)`;
    if (!/^[a-z]/.test(s)) return `${label}must start with a letter`;
    if (!/[a-z0-9]$/.test(s)) return `${label}must end with a letter or digit`;
  }
  return "does not match SpiceDB's identifier rule";
}

/** A relation whose tuples change name in `.zed` (see the module comment). */
export interface WritableRelationMove {
  readonly type: string;
  /** The OpenFGA relation name tuples were written to. */
  readonly relation: string;
  /** The `.zed` relation those tuples belong to. */
  readonly zedRelation: string;
}

/**
 * Per type, the OpenFGA relations that mix direct types with a rewrite, and the `.zed` relation
 * that takes their tuples. Relations not listed keep their name for tuples.
 */
export function zedWritableRelations(ir: SchemaIR): WritableRelationMove[] {
  const moves: WritableRelationMove[] = [];
  for (const def of ir.definitions) {
    for (const [relation, zedRelation] of directNames(def))
      moves.push({ type: def.name, relation, zedRelation });
  }
  return moves;
}

/**
 * The equivalent IR with origin "zed": mixed defines split into relation + permission, tuplesets
 * pointed at the writable relation. Call `checkZedCompatible` first: names are not changed here.
 */
export function toZedIR(ir: SchemaIR): SchemaIR {
  const definitions = ir.definitions.map((def): Definition => {
    const moved = directNames(def);
    const members: Member[] = [];
    for (const m of def.members) {
      const direct = moved.get(m.name);
      if (direct === undefined) {
        members.push({ ...m, rewrite: retarget(m.rewrite, moved, undefined) });
        continue;
      }
      const thisLoc = findThis(m.rewrite)?.loc ?? m.loc;
      members.push({
        kind: "relation",
        name: direct,
        types: m.types,
        rewrite: thisLoc ? { kind: "this", loc: thisLoc } : { kind: "this" },
        doc: `Writable part of OpenFGA's "${m.name}": tuples written to ${def.name}#${m.name} belong here.`,
        ...(thisLoc ? { loc: thisLoc } : {}),
      });
      const { types: _types, ...rest } = m;
      members.push({ ...rest, kind: "permission", types: [], rewrite: retarget(m.rewrite, moved, direct) });
    }
    return { ...def, members };
  });
  return { ...ir, origin: "zed", definitions };
}

/** Mixed relations of one definition → their writable `.zed` name, in declaration order. */
function directNames(def: Definition): Map<string, string> {
  const taken = new Set(def.members.map((m) => m.name));
  const names = new Map<string, string>();
  for (const m of def.members) {
    if (m.kind !== "relation" || m.rewrite.kind === "this") continue;
    let n = 1;
    for (;;) {
      const suffix = n === 1 ? DIRECT_SUFFIX : `${DIRECT_SUFFIX}${n}`;
      const candidate = m.name.slice(0, ZED_MAX_NAME - suffix.length) + suffix;
      if (!taken.has(candidate)) {
        taken.add(candidate);
        names.set(m.name, candidate);
        break;
      }
      n++;
    }
  }
  return names;
}

/**
 * `this` → computed(direct) inside a split member; an arrow's tupleset → the writable relation
 * (OpenFGA's tuple-to-userset reads the tupleset's stored tuples, which is what the `.zed`
 * relation holds; OpenFGA only allows pure direct tuplesets, so this is a safeguard).
 */
function retarget(r: Rewrite, moved: ReadonlyMap<string, string>, direct: string | undefined): Rewrite {
  switch (r.kind) {
    case "this":
      if (direct === undefined) return r;
      return r.loc
        ? { kind: "computed", relation: direct, loc: r.loc }
        : { kind: "computed", relation: direct };
    case "arrow": {
      const tupleset = moved.get(r.tupleset);
      return tupleset === undefined ? r : { ...r, tupleset };
    }
    case "union":
    case "intersection":
      return { ...r, children: r.children.map((c) => retarget(c, moved, direct)) };
    case "exclusion":
      return { ...r, base: retarget(r.base, moved, direct), subtract: retarget(r.subtract, moved, direct) };
    case "computed":
    case "nil":
    case "self":
      return r;
    default:
      return unreachable(r, "rewrite");
  }
}

function findThis(r: Rewrite): Rewrite | undefined {
  switch (r.kind) {
    case "this":
      return r;
    case "union":
    case "intersection":
      for (const c of r.children) {
        const found = findThis(c);
        if (found) return found;
      }
      return undefined;
    case "exclusion":
      return findThis(r.base) ?? findThis(r.subtract);
    case "computed":
    case "arrow":
    case "nil":
    case "self":
      return undefined;
    default:
      return unreachable(r, "rewrite");
  }
}
