/**
 * Every error and warning kind, each at its exact line:column (1-based, code points).
 * Positions are worked out by hand from the schema text in each case.
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/typesystem/diagnostic.ts";
import type { Definition, Member, SchemaIR } from "../../src/typesystem/ir.ts";
import { compileSchema } from "../../src/language/schema.ts";
import { validateSchema } from "../../src/typesystem/validate.ts";

/** `line:col severity code` of every diagnostic, in order. */
function codesAt(text: string): string[] {
  return compileSchema(text, { format: "zed" }).diagnostics.map(
    (d) => `${d.loc?.start.line}:${d.loc?.start.column} ${d.severity} ${d.code}`,
  );
}

const user = "definition user {}\n";

describe("errors", () => {
  const cases: [string, string, string[]][] = [
    ["syntax-error", `${user}definition doc {\n  relation viewer user\n}`, ["3:19 error syntax-error"]],
    [
      "syntax errors are all collected",
      `definition doc {\n  relation a user\n  relation b user\n}`,
      ["2:14 error syntax-error", "3:14 error syntax-error"],
    ],
    ["reserved-word", `${user}definition doc {\n  relation with: user\n}`, ["3:12 error reserved-word"]],
    ["unknown-use-flag", `use nonsense\n${user}`, ["1:5 error unknown-use-flag"]],
    ["use-after-definition", `${user}use self\n`, ["2:1 error use-after-definition"]],
    [
      "undefined-type",
      `${user}definition doc {\n  relation viewer: user | ghost\n}`,
      ["3:27 error undefined-type"],
    ],
    [
      "undefined-relation (subject relation)",
      `${user}definition grp {\n  relation member: user\n}\ndefinition doc {\n  relation viewer: grp#nobody\n}`,
      ["6:20 error undefined-relation"],
    ],
    [
      "undefined-relation (computed)",
      `${user}definition doc {\n  relation viewer: user\n  permission view = viewer + ghost\n}`,
      ["4:30 error undefined-relation"],
    ],
    [
      "undefined-relation (arrow left side)",
      `${user}definition doc {\n  permission view = ghost->view\n}`,
      ["3:21 error undefined-relation"],
    ],
    [
      "arrow-references-unreachable-relation (an error in Relgraph)",
      `${user}definition folder {}\ndefinition doc {\n  relation parent: folder\n  permission view = parent->view\n}`,
      ["5:21 error arrow-references-unreachable-relation"],
    ],
    [
      "arrow-on-permission",
      `${user}definition doc {\n  relation parent: doc\n  permission upper = parent\n  permission view = upper->view\n}`,
      ["5:21 error arrow-on-permission"],
    ],
    [
      "wildcard-in-arrow",
      `${user}definition doc {\n  relation parent: doc | doc:*\n  permission view = parent->view\n}`,
      ["4:21 error wildcard-in-arrow"],
    ],
    [
      "transitive-wildcard",
      `${user}definition grp {\n  relation member: user:*\n}\ndefinition doc {\n  relation viewer: user | grp#member\n}`,
      ["6:27 error transitive-wildcard"],
    ],
    ["duplicate-definition", `${user}definition doc {}\n${user}`, ["3:1 error duplicate-definition"]],
    [
      "duplicate-definition (caveat name)",
      `caveat user(a int) {\n  a == 1\n}\n${user}`,
      ["4:1 error duplicate-definition"],
    ],
    [
      "duplicate-member",
      `${user}definition doc {\n  relation viewer: user\n  permission viewer = viewer\n}`,
      ["4:3 error duplicate-member"],
    ],
    [
      "duplicate-caveat",
      `caveat cav(a int) {\n  a == 1\n}\n caveat cav(b int) {\n  b == 2\n}`,
      ["4:2 error duplicate-caveat"],
    ],
    ["duplicate-parameter", `caveat cav(a int, a string) {\n  a == 1\n}`, ["1:19 error duplicate-parameter"]],
    [
      "invalid-caveat-type",
      `caveat cav(a int, b lists<int>) {\n  a == b\n}`,
      ["1:19 error invalid-caveat-type"],
    ],
    [
      "duplicate-subject-type",
      `${user}definition doc {\n  relation viewer: user | user\n}`,
      ["3:27 error duplicate-subject-type"],
    ],
    ["invalid-identifier (type)", `definition Doc {}`, ["1:1 error invalid-identifier"]],
    [
      "invalid-identifier (member)",
      `${user}definition doc {\n  relation v: user\n}`,
      ["3:3 error invalid-identifier"],
    ],
    [
      "missing-use-flag (self)",
      `${user}definition doc {\n  permission view = self\n}`,
      ["3:21 error missing-use-flag"],
    ],
    [
      "missing-use-flag (expiration)",
      `${user}definition doc {\n  relation viewer: user with expiration\n}`,
      ["3:20 error missing-use-flag"],
    ],
    [
      "undefined-caveat",
      `${user}definition doc {\n  relation viewer: user | user with ghost\n}`,
      ["3:27 error undefined-caveat"],
    ],
    [
      "nested-arrow",
      `${user}definition doc {\n  relation parent: doc\n  permission view = parent->parent->view\n}`,
      ["4:21 error nested-arrow"],
    ],
    ["undefined-partial", `definition doc {\n  ...nothing\n}`, ["2:6 error undefined-partial"]],
    [
      "missing-subject-types (syntax)",
      `${user}definition doc {\n  relation viewer:\n}`,
      ["4:1 error syntax-error"],
    ],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      expect(codesAt(text)).toEqual(expected);
    });
  }
});

describe("warnings (SpiceDB's lints)", () => {
  const cases: [string, string, string[]][] = [
    [
      "permission-references-itself",
      `definition doc {\n  permission view = view + nil\n}`,
      ["2:21 warning permission-references-itself"],
    ],
    [
      "permission-references-itself, nested",
      `${user}definition doc {\n  relation viewer: user\n  permission view = viewer + (viewer & view)\n}`,
      ["4:40 warning permission-references-itself"],
    ],
    [
      "arrow-references-relation",
      `${user}definition grp {\n  relation member: user\n}\ndefinition doc {\n  relation owner: grp\n  permission view = owner->member\n}`,
      ["7:21 warning arrow-references-relation"],
    ],
    [
      "arrow-walks-subject-relation",
      `${user}definition grp {\n  relation direct: user\n  permission member = direct\n}\ndefinition doc {\n  relation owner: grp#member\n  permission view = owner->member\n}`,
      ["8:21 warning arrow-walks-subject-relation"],
    ],
    [
      "relation-name-references-parent",
      `${user}definition doc {\n  relation viewer: user\n  permission view_doc = viewer\n}`,
      ["4:3 warning relation-name-references-parent"],
    ],
    [
      "no arrow-references-relation within the same type (as SpiceDB)",
      `${user}definition doc {\n  relation parent: doc\n  relation viewer: user\n  permission view = parent->viewer\n}`,
      [],
    ],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      expect(codesAt(text)).toEqual(expected);
    });
  }

  it("a cycle of bare permission names is an error, as in SpiceDB", () => {
    expect(codesAt(`definition doc {\n  permission view = view\n}`)).toEqual([
      "2:3 error permission-cycle",
      "2:21 warning permission-references-itself",
    ]);
    expect(
      codesAt(
        `${user}definition doc {\n  relation viewer: user\n  permission aaa = bbb\n  permission bbb = aaa\n}`,
      ),
    ).toEqual(["4:3 error permission-cycle"]);
    expect(
      codesAt(
        `${user}definition doc {\n  relation viewer: user\n  permission aaa = bbb + viewer\n  permission bbb = aaa\n}`,
      ),
    ).toEqual([]);
  });

  it("an unused caveat parameter is a warning (SpiceDB refuses it; it changes no answer)", () => {
    expect(codesAt(`caveat cav(a int, b string) {\n  a > 1 && "b" == "b"\n}`)).toEqual([
      "1:19 warning unused-caveat-parameter",
    ]);
  });

  it("are silenced by `// spicedb-ignore-warning: code` above the member, as in SpiceDB", () => {
    const base = `${user}definition doc {\n  relation viewer: user\n`;
    expect(
      codesAt(
        `${base}  // spicedb-ignore-warning: relation-name-references-parent\n  permission view_doc = viewer\n}`,
      ),
    ).toEqual([]);
    expect(
      codesAt(
        `${base}  // spicedb-ignore-warning: arrow-references-relation\n  permission view_doc = viewer\n}`,
      ),
    ).toEqual(["5:3 warning relation-name-references-parent"]);
  });

  it("warnings alone still produce the IR", () => {
    const result = compileSchema(`definition doc {\n  permission view = view + nil\n}`, { format: "zed" });
    expect(result.ir).toBeDefined();
    expect(result.diagnostics.every((d) => d.severity === "warning")).toBe(true);
  });

  it("formats as file:line:col: severity: code: message", () => {
    const result = compileSchema(`definition doc {\n  permission view = view + nil\n}`, {
      file: "a.zed",
      format: "zed",
    });
    const line = formatDiagnostic(result.diagnostics[0]!);
    expect(line).toMatch(
      /^a\.zed:2:21: warning: permission-references-itself: Permission "view" references itself/,
    );
    const noFile = compileSchema(`definition doc {\n  permission view = view + nil\n}`, { format: "zed" });
    expect(formatDiagnostic(noFile.diagnostics[0]!)).toMatch(/^<schema>:2:21: warning: /);
  });
});

describe("validation is on the IR, with identifier rules from the origin", () => {
  const member = (
    name: string,
    types: Member["types"] = [{ type: "User-Type", wildcard: false, expiration: false }],
  ): Member => ({
    kind: "relation",
    name,
    types,
    rewrite: { kind: "this" },
  });
  const model = (origin: SchemaIR["origin"], definitions: Definition[]): SchemaIR => ({
    origin,
    definitions,
    caveats: [],
    features: { self: false, typechecking: false, expiration: false },
  });
  const defs: Definition[] = [
    { name: "User-Type", members: [] },
    { name: "doc", members: [member("Viewer.Of")] },
  ];

  it("accepts OpenFGA names in an openfga-origin IR", () => {
    expect(validateSchema(model("openfga", defs))).toEqual([]);
  });

  it("refuses the same names in a zed-origin IR, each reported", () => {
    expect(validateSchema(model("zed", defs)).map((d) => d.code)).toEqual([
      "invalid-identifier",
      "invalid-identifier",
    ]);
  });

  it("refuses an OpenFGA relation name longer than 50 characters", () => {
    const long = "r".repeat(51);
    expect(
      validateSchema(model("openfga", [defs[0]!, { name: "doc", members: [member(long)] }])).map(
        (d) => d.code,
      ),
    ).toEqual(["invalid-identifier"]);
  });

  it("reports a relation with direct subjects but no subject types", () => {
    expect(
      validateSchema(model("openfga", [{ name: "doc", members: [member("viewer", [])] }])).map((d) => d.code),
    ).toEqual(["missing-subject-types"]);
  });

  it("reports `this` inside a permission", () => {
    const ir = model("zed", [
      { name: "doc", members: [{ kind: "permission", name: "view", types: [], rewrite: { kind: "this" } }] },
    ]);
    expect(validateSchema(ir).map((d) => d.code)).toEqual(["invalid-rewrite"]);
  });

  it("skips SpiceDB's lints for OpenFGA models", () => {
    const ir = model("openfga", [
      {
        name: "doc",
        members: [
          {
            kind: "permission",
            name: "view_doc",
            types: [],
            rewrite: {
              kind: "union",
              children: [{ kind: "computed", relation: "view_doc" }, { kind: "nil" }],
            },
          },
        ],
      },
    ]);
    expect(validateSchema(ir)).toEqual([]);
  });

  it("reports `self` without `use self` in a hand-built zed IR", () => {
    const ir = model("zed", [
      { name: "doc", members: [{ kind: "permission", name: "view", types: [], rewrite: { kind: "self" } }] },
    ]);
    expect(validateSchema(ir).map((d) => d.code)).toEqual(["missing-use-flag"]);
  });
});
