// OpenFGA DSL import: each fixture model against its hand-written `.zed` equivalent, the IR shape
// of every operator, positions, and OpenFGA's own errors.
import { errors as fgaErrors, validator } from "@openfga/syntax-transformer";
import { describe, expect, it } from "vitest";
import { toZedIR } from "../../src/language/convert.ts";
import { importOpenFga } from "../../src/language/openfga.ts";
import type { Member, Rewrite, SchemaIR } from "../../src/typesystem/ir.ts";
import { compileSchema } from "../../src/language/schema.ts";
import { at, compileZed, fixtureNames, importValid, meaning, readFixture } from "./openfga-helpers.ts";

const HEADER = "model\n  schema 1.1\n\ntype user\n\n";

function member(ir: SchemaIR, type: string, name: string): Member {
  const m = ir.definitions.find((d) => d.name === type)?.members.find((x) => x.name === name);
  if (!m) throw new Error(`no ${type}#${name}`);
  return m;
}

/** OpenFGA's own message for a model, straight from the package, to compare ours against. */
function openFgaMessages(text: string): string[] {
  try {
    validator.validateDSL(text);
    return [];
  } catch (e) {
    if (e instanceof fgaErrors.DSLSyntaxError || e instanceof fgaErrors.ModelValidationError)
      return e.errors.map((x) => x.msg);
    throw e;
  }
}

describe("fixtures: each .fga model means what its hand-written .zed says", () => {
  const names = fixtureNames();

  it("has at least 15 model pairs", () => {
    expect(names.length).toBeGreaterThanOrEqual(15);
  });

  describe.each(names)("%s", (name) => {
    const fga = readFixture(`${name}.fga`);
    const zed = readFixture(`${name}.zed`);

    it("imports without diagnostics, origin openfga, and passes the schema checks", () => {
      expect(importOpenFga(fga, `${name}.fga`).diagnostics).toEqual([]);
      const { ir, diagnostics } = compileSchema(fga, { format: "openfga", file: `${name}.fga` });
      expect(diagnostics).toEqual([]);
      expect(ir?.origin).toBe("openfga");
    });

    it("converts to the IR of the .zed equivalent", () => {
      const compiled = compileZed(zed, `${name}.zed`);
      // SpiceDB's lints (e.g. arrow-references-relation) may warn; errors would fail compileZed.
      expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(meaning(toZedIR(importValid(fga, `${name}.fga`)))).toEqual(meaning(compiled.ir));
    });
  });

  it("cover every operator, wildcards, usersets, conditions and direct/permission members", () => {
    const seen = new Set<string>();
    const walk = (r: Rewrite): void => {
      seen.add(r.kind);
      if (r.kind === "union" || r.kind === "intersection") r.children.forEach(walk);
      if (r.kind === "exclusion") [r.base, r.subtract].forEach(walk);
    };
    for (const name of names) {
      const ir = importValid(readFixture(`${name}.fga`));
      for (const def of ir.definitions)
        for (const m of def.members) {
          walk(m.rewrite);
          seen.add(m.kind);
          if (m.kind === "relation" && m.rewrite.kind !== "this") seen.add("mixed relation");
          for (const t of m.types) {
            if (t.wildcard) seen.add("wildcard");
            if (t.relation !== undefined) seen.add("userset");
            if (t.caveat !== undefined) seen.add("caveat");
          }
        }
    }
    expect([...seen].sort()).toEqual(
      [
        "arrow",
        "caveat",
        "computed",
        "exclusion",
        "intersection",
        "mixed relation",
        "permission",
        "relation",
        "this",
        "union",
        "userset",
        "wildcard",
      ].sort(),
    );
  });
});

describe("mapping to the IR", () => {
  it("maps issue 4's example: direct types plus a parenthesised mix of every operator", () => {
    const ir = importValid(readFixture("parenthesised-mix.fga"));
    const viewer = member(ir, "document", "viewer");
    expect(viewer.kind).toBe("relation");
    expect(meaning(viewer.types)).toEqual([
      { type: "user", wildcard: false, expiration: false },
      { type: "user", wildcard: true, expiration: false },
      { type: "group", relation: "member", wildcard: false, expiration: false },
    ]);
    expect(meaning(viewer.rewrite)).toEqual({
      kind: "union",
      children: [
        { kind: "this" },
        {
          kind: "intersection",
          children: [
            { kind: "computed", relation: "editor" },
            { kind: "arrow", tupleset: "org", computed: "member", mode: "any" },
          ],
        },
        {
          kind: "exclusion",
          base: { kind: "computed", relation: "owner" },
          subtract: { kind: "computed", relation: "blocked" },
        },
      ],
    });
  });

  it("makes a define without direct types a permission with no types", () => {
    const ir = importValid(readFixture("permissions-only.fga"));
    const canRead = member(ir, "report", "can_read");
    expect(canRead.kind).toBe("permission");
    expect(canRead.types).toEqual([]);
    expect(meaning(canRead.rewrite)).toEqual({
      kind: "union",
      children: [
        { kind: "computed", relation: "author" },
        { kind: "computed", relation: "reviewer" },
      ],
    });
    expect(member(ir, "report", "author").rewrite.kind).toBe("this");
  });

  it("keeps `[user] and x` and `[user] but not x` as relations whose rewrite holds `this`", () => {
    const ir = importValid(readFixture("intersection.fga"));
    expect(meaning(member(ir, "project", "contributor"))).toEqual({
      kind: "relation",
      name: "contributor",
      types: [{ type: "user", wildcard: false, expiration: false }],
      rewrite: {
        kind: "intersection",
        children: [{ kind: "this" }, { kind: "computed", relation: "member" }],
      },
    });
    const ex = importValid(readFixture("exclusion.fga"));
    expect(meaning(member(ex, "channel", "member").rewrite)).toEqual({
      kind: "exclusion",
      base: { kind: "this" },
      subtract: { kind: "computed", relation: "banned" },
    });
  });

  it("flattens regrouped unions, as the .zed compiler does, but keeps other nesting", () => {
    const ir = importValid(readFixture("nested-groups.fga"));
    expect(meaning(member(ir, "ticket", "can_reopen").rewrite)).toEqual({
      kind: "exclusion",
      base: {
        kind: "union",
        children: ["reporter", "assignee", "watcher"].map((relation) => ({ kind: "computed", relation })),
      },
      subtract: {
        kind: "union",
        children: ["muted", "closed_by"].map((relation) => ({ kind: "computed", relation })),
      },
    });
    expect(meaning(member(ir, "ticket", "can_close").rewrite)).toEqual({
      kind: "exclusion",
      base: { kind: "computed", relation: "assignee" },
      subtract: {
        kind: "exclusion",
        base: { kind: "computed", relation: "muted" },
        subtract: { kind: "computed", relation: "closed_by" },
      },
    });
  });

  it("maps `x from parent` to an any-arrow, also as the subtrahend of `but not`", () => {
    const ir = importValid(readFixture("exclusion-arrow.fga"));
    expect(meaning(member(ir, "board", "can_edit").rewrite)).toEqual({
      kind: "exclusion",
      base: { kind: "this" },
      subtract: { kind: "arrow", tupleset: "workspace", computed: "suspended", mode: "any" },
    });
  });

  it("maps conditions to caveats and `with` to the allowed subject's caveat", () => {
    const ir = importValid(readFixture("conditions.fga"));
    expect(meaning(ir.caveats)).toEqual([
      {
        name: "office_hours",
        parameters: [
          { name: "current_hour", type: "int" },
          { name: "allowed_hours", type: "list<int>" },
        ],
        expression: "current_hour in allowed_hours",
      },
      {
        name: "from_network",
        parameters: [
          { name: "client_ip", type: "ipaddress" },
          { name: "cidr", type: "string" },
        ],
        expression: "client_ip.in_cidr(cidr)",
      },
    ]);
    expect(meaning(member(ir, "document", "viewer").types)).toEqual([
      { type: "user", wildcard: false, expiration: false },
      { type: "user", wildcard: false, caveat: "office_hours", expiration: false },
      { type: "user", wildcard: true, caveat: "from_network", expiration: false },
    ]);
  });

  it("maps every condition parameter type to its CEL / SpiceDB name", () => {
    const ir = importValid(readFixture("condition-types.fga"));
    expect(ir.caveats[0]?.parameters.map((p) => p.type)).toEqual([
      "int",
      "uint",
      "double",
      "bool",
      "string",
      "duration",
      "timestamp",
      "ipaddress",
      "list<string>",
      "map<int>",
      "map<string>",
    ]);
  });

  it("makes a type without relations a definition without members", () => {
    const ir = importValid(readFixture("empty-types.fga"));
    expect(ir.definitions.map((d) => [d.name, d.members.length])).toEqual([
      ["user", 0],
      ["service_account", 0],
      ["bot", 0],
      ["api_key", 1],
    ]);
    expect(ir.caveats).toEqual([]);
    expect(ir.features).toEqual({ self: false, typechecking: false, expiration: false });
  });
});

describe("positions (1-based lines and columns in code points)", () => {
  const file = "parenthesised-mix.fga";
  const ir = importValid(readFixture(file), file);
  const viewer = member(ir, "document", "viewer");

  it("puts types, members and allowed subjects at their names", () => {
    expect(at(ir.definitions.find((d) => d.name === "document"))).toBe("15:6");
    expect(viewer.loc?.file).toBe(file);
    expect(at(viewer)).toBe("21:12");
    expect(viewer.types.map(at)).toEqual(["21:21", "21:27", "21:35"]);
    expect(viewer.types[2]?.loc?.end.column).toBe(47);
  });

  it("puts each rewrite leaf where it is written", () => {
    const r = viewer.rewrite;
    if (r.kind !== "union") throw new Error("expected a union");
    const [direct, both, but] = r.children;
    expect(at(direct)).toBe("21:20");
    if (both?.kind !== "intersection" || but?.kind !== "exclusion") throw new Error("unexpected shape");
    expect(both.children.map(at)).toEqual(["21:53", "21:64"]);
    expect(both.children[1]?.loc?.end.column).toBe(79);
    expect([at(but.base), at(but.subtract)]).toEqual(["21:85", "21:99"]);
    expect(at(r)).toBe("21:20");
  });

  it("puts conditions at their names and keeps offsets in code points", () => {
    const text = `${HEADER}# ünïcödé 😀 comment\ntype doc\n  relations\n    define viewer: [user with c1]\n\ncondition c1(x: int) {\n  x < 1\n}\n`;
    const withUnicode = importValid(text);
    const viewerLoc = member(withUnicode, "doc", "viewer").loc;
    // The emoji is two UTF-16 units but one code point: offsets and columns count it once.
    expect(viewerLoc?.start).toEqual({
      line: 9,
      column: 12,
      offset: [...text.slice(0, text.indexOf("viewer:"))].length,
    });
    expect(text.indexOf("viewer:")).toBe(viewerLoc!.start.offset + 1);
    expect(at(withUnicode.caveats[0])).toBe("11:11");
  });

  it("reports validation errors at OpenFGA's position, all of them", () => {
    const text = `${HEADER}type doc\n  relations\n    define owner: [user]\n    define viewer: [user] or editor\n    define parent: [folder]\n`;
    const { ir: none, diagnostics } = importOpenFga(text, "bad.fga");
    expect(none).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, at(d), d.loc?.file, d.message])).toEqual([
      ["openfga-missing-definition", "9:30", "bad.fga", "the relation `editor` does not exist."],
      ["openfga-invalid-type", "10:21", "bad.fga", "`folder` is not a valid type."],
    ]);
    expect(diagnostics.map((d) => d.message)).toEqual(openFgaMessages(text));
  });

  it("counts columns in code points after a non-BMP character", () => {
    const text = `${HEADER}type doc\n  relations\n    define 😀x: [user] or )\n`;
    const { diagnostics } = importOpenFga(text);
    // One error for the emoji (OpenFGA's lexer reports its two UTF-16 halves), one for what follows.
    expect(diagnostics.map((d) => [at(d), d.message])).toEqual([
      ["8:12", "token recognition error at: '😀'"],
      // `)` is the 27th UTF-16 unit of the line but its 26th character.
      [
        "8:26",
        "mismatched input ')' expecting {'(', IDENTIFIER, 'module', 'model', 'schema', 'extend', 'type', 'relation', EXTENDED_IDENTIFIER}",
      ],
    ]);
  });
});

describe("OpenFGA's errors", () => {
  it("rejects an unparenthesised operator mix with OpenFGA's message", () => {
    const text = `${HEADER}type doc\n  relations\n    define owner: [user]\n    define editor: [user]\n    define blocked: [user]\n    define viewer: owner or editor and blocked\n`;
    const expected = openFgaMessages(text);
    expect(expected).toEqual(["mismatched input ' ' expecting {<EOF>, NEWLINE}"]);
    const { ir, diagnostics } = importOpenFga(text);
    expect(ir).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    const [d] = diagnostics;
    expect(d?.severity).toBe("error");
    expect(d?.code).toBe("openfga-syntax");
    expect(d?.message).toBe(
      `${expected[0]} (OpenFGA does not mix "or", "and" and "but not" on one level: add parentheses)`,
    );
    // OpenFGA points at the blank before the second operator.
    expect(at(d)).toBe("11:35");
  });

  it("rejects a mix after direct types, and `but not` with two subtrahends", () => {
    const mix = `${HEADER}type doc\n  relations\n    define owner: [user]\n    define viewer: [user] but not owner or owner\n`;
    expect(importOpenFga(mix).diagnostics.map((d) => d.message)).toEqual([
      `${openFgaMessages(mix)[0]} (OpenFGA does not mix "or", "and" and "but not" on one level: add parentheses)`,
    ]);
    const chain = `${HEADER}type doc\n  relations\n    define owner: [user]\n    define a_b: [user]\n    define viewer: owner but not a_b but not owner\n`;
    expect(importOpenFga(chain).diagnostics.map((d) => d.message)).toEqual([
      `${openFgaMessages(chain)[0]} ("but not" takes a single subtrahend: add parentheses)`,
    ]);
  });

  it("accepts the same mix once parenthesised", () => {
    const text = `${HEADER}type doc\n  relations\n    define owner: [user]\n    define editor: [user]\n    define blocked: [user]\n    define viewer: owner or (editor and blocked)\n`;
    expect(importOpenFga(text).diagnostics).toEqual([]);
  });

  it("requires the model / schema header, as OpenFGA does", () => {
    const noHeader = importOpenFga("type user\n");
    expect(noHeader.ir).toBeUndefined();
    expect(noHeader.diagnostics.map((d) => [d.code, at(d)])).toContainEqual(["openfga-syntax", "1:1"]);

    const old = importOpenFga("model\n  schema 1.0\ntype user\n");
    expect(old.ir).toBeUndefined();
    expect(old.diagnostics.map((d) => d.code)).toEqual(["openfga-invalid-schema"]);
    expect(old.diagnostics[0]?.message).toBe("invalid schema 1.0");
    expect(at(old.diagnostics[0])).toBe("2:10");
  });

  it("refuses modular `module` files with its own diagnostic", () => {
    const { ir, diagnostics } = importOpenFga("module billing\n\ntype invoice\n", "billing.fga");
    expect(ir).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, at(d)])).toEqual([["openfga-module-unsupported", "1:1"]]);
  });

  it("reports OpenFGA's semantic checks: tupleset not direct, unused condition, duplicates", () => {
    const ttu = `${HEADER}type doc\n  relations\n    define parent: [doc, user:*]\n    define viewer: [user] or viewer from parent\n`;
    expect(importOpenFga(ttu).diagnostics.map((d) => d.code)).toContain("openfga-tupleuserset-not-direct");
    const unused = `${HEADER}type doc\n  relations\n    define viewer: [user]\n\ncondition never_used(x: int) {\n  x > 1\n}\n`;
    expect(importOpenFga(unused).diagnostics.map((d) => [d.code, at(d)])).toEqual([
      ["openfga-condition-not-used", "10:11"],
    ]);
    const dup = `${HEADER}type doc\n  relations\n    define viewer: [user]\n    define viewer: [user]\n`;
    expect(importOpenFga(dup).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["openfga-syntax", "'viewer' is already defined in 'doc'"],
    ]);
  });

  it("ignores `#` comments the way OpenFGA does", () => {
    const text = `# header comment\n${HEADER}type doc # trailing\n  relations\n    # whole line\n    define viewer: [user] # why\n`;
    const ir = importValid(text);
    expect(at(member(ir, "doc", "viewer"))).toBe("10:12");
    expect(member(ir, "doc", "viewer").loc?.end.column).toBe(26);
  });
});
