// OpenFGA → .zed: which names `.zed` cannot spell (listed, each at its place), how mixed defines
// are split, and that the printed result reads back as the same schema.
import { describe, expect, it } from "vitest";
import {
  checkZedCompatible,
  toZedIR,
  ZED_INCOMPATIBLE_NAME,
  zedWritableRelations,
} from "../../src/language/convert.ts";
import { importOpenFga } from "../../src/language/openfga.ts";
import { printSchema } from "../../src/language/printer.ts";
import { isValidRelationName } from "../../src/model/tuple.ts";
import type { SchemaIR } from "../../src/typesystem/ir.ts";
import { validateSchema } from "../../src/typesystem/validate.ts";
import { at, compileZed, fixtureNames, importValid, meaning, readFixture } from "./openfga-helpers.ts";

const R50 = "r".repeat(50);
const T65 = "t".repeat(65);

// Every name here is valid OpenFGA; the comment says why `.zed` refuses it (or accepts it).
const NAMES_MODEL = `model
  schema 1.1

type User

type my-doc
  relations
    define can.view: [User]
    define v: [User]
    define ${R50}: [User]
    define Can-Edit: [User] or v
    define viewer: [User]

type ${T65}

type nil
  relations
    define _hidden: [User]
    define trailing_: [User]
    define ab: [User]

type org/team
  relations
    define member: [User]

type uses_cond
  relations
    define holder: [User with Cond]

condition Cond(x: int) {
  x > 1
}
`;

describe("identifiers: valid OpenFGA, not always valid .zed", () => {
  const { ir, diagnostics } = importOpenFga(NAMES_MODEL, "names.fga");

  it("accepts every OpenFGA-valid name on import, unchanged", () => {
    expect(diagnostics).toEqual([]);
    expect(ir?.origin).toBe("openfga");
    expect(ir?.definitions.map((d) => d.name)).toEqual([
      "User",
      "my-doc",
      T65,
      "nil",
      "org/team",
      "uses_cond",
    ]);
    expect(ir?.definitions[1]?.members.map((m) => m.name)).toEqual([
      "can.view",
      "v",
      R50,
      "Can-Edit",
      "viewer",
    ]);
  });

  it("lists each name .zed refuses, with its position and the rule it breaks", () => {
    const found = checkZedCompatible(ir as SchemaIR);
    expect(found.every((d) => d.severity === "error" && d.code === ZED_INCOMPATIBLE_NAME)).toBe(true);
    expect(found.every((d) => d.loc?.file === "names.fga")).toBe(true);
    expect(found.map((d) => [at(d), d.message])).toEqual([
      ["4:6", 'type "User" is not a valid .zed name: has uppercase letters'],
      ["6:6", 'type "my-doc" is not a valid .zed name: contains "-" (only a-z, 0-9 and "_" are allowed)'],
      [
        "8:12",
        'relation "can.view" of type "my-doc" is not a valid .zed name: contains "." (only a-z, 0-9 and "_" are allowed)',
      ],
      ["9:12", 'relation "v" of type "my-doc" is not a valid .zed name: is shorter than 3 characters'],
      ["11:12", 'relation "Can-Edit" of type "my-doc" is not a valid .zed name: has uppercase letters'],
      ["14:6", `type "${T65}" is not a valid .zed name: is longer than 64 characters`],
      ["16:6", 'type "nil" is not a valid .zed name: "nil" is a .zed keyword'],
      ["18:12", 'relation "_hidden" of type "nil" is not a valid .zed name: must start with a letter'],
      [
        "19:12",
        'relation "trailing_" of type "nil" is not a valid .zed name: must end with a letter or digit',
      ],
      ["20:12", 'relation "ab" of type "nil" is not a valid .zed name: is shorter than 3 characters'],
      ["30:11", 'condition "Cond" is not a valid .zed caveat name: has uppercase letters'],
    ]);
  });

  it("does not list names both accept: 50 characters, `_` inside, `prefix/` types", () => {
    // SpiceDB allows relation names up to 64 characters, so OpenFGA's 50-character maximum fits.
    expect(isValidRelationName(R50, "zed")).toBe(true);
    const messages = checkZedCompatible(ir as SchemaIR).map((d) => d.message);
    for (const ok of [R50, "viewer", "org/team", "member", "uses_cond", "holder"])
      expect(messages.some((m) => m.includes(`"${ok}"`))).toBe(false);
  });

  it("leaves the 51st character to OpenFGA, which refuses it", () => {
    const text = `model\n  schema 1.1\ntype user\ntype doc\n  relations\n    define ${R50}x: [user]\n`;
    const { ir: none, diagnostics: refused } = importOpenFga(text);
    expect(none).toBeUndefined();
    expect(refused.map((d) => [d.code, at(d)])).toEqual([["openfga-invalid-name", "6:12"]]);
  });

  it("finds nothing to refuse in any fixture", () => {
    for (const name of fixtureNames())
      expect(checkZedCompatible(importValid(readFixture(`${name}.fga`)))).toEqual([]);
  });
});

describe("toZedIR", () => {
  it("keeps purely direct relations and permissions as they are", () => {
    const ir = importValid(readFixture("permissions-only.fga"));
    const zed = toZedIR(ir);
    expect(zed.origin).toBe("zed");
    expect(meaning(zed.definitions)).toEqual(meaning(ir.definitions));
    expect(zedWritableRelations(ir)).toEqual([]);
  });

  it("splits a mixed define into `<name>_direct` plus a permission keeping the name", () => {
    const ir = importValid(readFixture("computed-union.fga"), "computed-union.fga");
    const zed = toZedIR(ir);
    const doc = zed.definitions.find((d) => d.name === "document");
    expect(doc?.members.map((m) => `${m.kind} ${m.name}`)).toEqual([
      "relation owner",
      "relation editor_direct",
      "permission editor",
      "relation viewer_direct",
      "permission viewer",
    ]);
    const editorDirect = doc?.members[1];
    // The writable half sits where the `[...]` was written and says where its tuples come from.
    expect(at(editorDirect)).toBe("10:20");
    expect(editorDirect?.doc).toBe(
      `Writable part of OpenFGA's "editor": tuples written to document#editor belong here.`,
    );
    expect(zedWritableRelations(ir)).toEqual([
      { type: "document", relation: "editor", zedRelation: "editor_direct" },
      { type: "document", relation: "viewer", zedRelation: "viewer_direct" },
    ]);
  });

  it("skips taken names deterministically", () => {
    const ir = importValid(readFixture("direct-name-collision.fga"));
    expect(zedWritableRelations(ir)).toEqual([
      { type: "album", relation: "viewer", zedRelation: "viewer_direct2" },
      { type: "album", relation: "viewer_direct2_direct", zedRelation: "viewer_direct2_direct_direct" },
    ]);
  });

  it("shortens the stem so the writable name stays within 64 characters", () => {
    const long = `v${"x".repeat(62)}w`; // 64 characters: the longest .zed name
    const text = `model\n  schema 1.1\ntype user\ntype doc\n  relations\n    define owner: [user]\n    define ${long.slice(0, 50)}: [user] or owner\n`;
    const ir = importValid(text);
    const [move] = zedWritableRelations(ir);
    expect(move?.zedRelation).toBe(`${long.slice(0, 50)}_direct`);
    // OpenFGA stops at 50 characters; a hand-built IR exercises the 64-character edge.
    const wide: SchemaIR = {
      ...ir,
      definitions: ir.definitions.map((d) => ({
        ...d,
        members: d.members.map((m) => (m.name === long.slice(0, 50) ? { ...m, name: long } : m)),
      })),
    };
    const [wideMove] = zedWritableRelations(wide);
    expect(wideMove?.zedRelation).toBe(`${long.slice(0, 64 - "_direct".length)}_direct`);
    expect(wideMove?.zedRelation.length).toBe(64);
    expect(isValidRelationName(wideMove?.zedRelation ?? "", "zed")).toBe(true);
  });

  it("points an arrow at the writable relation when its tupleset was split", () => {
    // OpenFGA only allows purely direct tuplesets, so this IR is built by hand: the safeguard keeps
    // the arrow reading stored tuples (OpenFGA's meaning) rather than a permission (invalid .zed).
    const ir: SchemaIR = {
      origin: "openfga",
      caveats: [],
      features: { self: false, typechecking: false, expiration: false },
      definitions: [
        { name: "user", members: [] },
        {
          name: "folder",
          members: [
            {
              kind: "relation",
              name: "parent",
              types: [{ type: "folder", wildcard: false, expiration: false }],
              rewrite: {
                kind: "union",
                children: [{ kind: "this" }, { kind: "computed", relation: "parent" }],
              },
            },
            {
              kind: "permission",
              name: "view",
              types: [],
              rewrite: { kind: "arrow", tupleset: "parent", computed: "view", mode: "any" },
            },
          ],
        },
      ],
    };
    const folder = toZedIR(ir).definitions[1];
    expect(meaning(folder?.members[2])).toEqual({
      kind: "permission",
      name: "view",
      types: [],
      rewrite: { kind: "arrow", tupleset: "parent_direct", computed: "view", mode: "any" },
    });
  });

  it("gives a .zed schema that validates, prints, and reads back as the same IR", () => {
    for (const name of fixtureNames()) {
      const zed = toZedIR(importValid(readFixture(`${name}.fga`)));
      expect(
        validateSchema(zed).filter((d) => d.severity === "error"),
        name,
      ).toEqual([]);
      const printed = printSchema(zed);
      const back = compileZed(printed);
      expect(meaning(back.ir), name).toEqual(meaning(zed));
    }
  });
});
