import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { printRewrite, printSchema } from "../../src/language/printer.ts";
import type { Rewrite, SchemaIR } from "../../src/typesystem/ir.ts";
import { compileSchema } from "../../src/language/schema.ts";
import { compileDocument } from "../../src/language/compile.ts";
import { parse } from "../../src/language/parser.ts";
import { stripLocs } from "../typesystem/helpers.ts";

const RELATIONS = ["aaa", "bbb", "ccc", "ddd"];

/** The IR the compiler makes of a tree: nested unions and intersections flattened. */
function normalize(r: Rewrite): Rewrite {
  switch (r.kind) {
    case "union":
    case "intersection": {
      const children = r.children.map(normalize).flatMap((c) => (c.kind === r.kind ? c.children : [c]));
      return { kind: r.kind, children };
    }
    case "exclusion":
      return { kind: "exclusion", base: normalize(r.base), subtract: normalize(r.subtract) };
    case "this":
    case "computed":
    case "arrow":
    case "nil":
    case "self":
      return r;
  }
}

const leaf: fc.Arbitrary<Rewrite> = fc.oneof(
  fc.constantFrom(...RELATIONS).map((relation): Rewrite => ({ kind: "computed", relation })),
  fc.constantFrom("any", "all").map((mode): Rewrite => ({
    kind: "arrow",
    tupleset: "parent",
    computed: "view",
    mode: mode as "any" | "all",
  })),
  fc.constant<Rewrite>({ kind: "nil" }),
);
const rewrite: fc.Arbitrary<Rewrite> = fc.letrec<{ node: Rewrite }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc
      .array(tie("node"), { minLength: 2, maxLength: 3 })
      .map((children): Rewrite => ({ kind: "union", children })),
    fc
      .array(tie("node"), { minLength: 2, maxLength: 3 })
      .map((children): Rewrite => ({ kind: "intersection", children })),
    fc
      .tuple(tie("node"), tie("node"))
      .map(([base, subtract]): Rewrite => ({ kind: "exclusion", base, subtract })),
  ),
})).node;

function schemaWith(r: Rewrite): SchemaIR {
  return {
    origin: "zed",
    definitions: [
      { name: "user", members: [] },
      {
        name: "doc",
        members: [
          ...RELATIONS.map((name) => ({
            kind: "relation" as const,
            name,
            types: [{ type: "user", wildcard: false, expiration: false }],
            rewrite: { kind: "this" as const },
          })),
          {
            kind: "relation",
            name: "parent",
            types: [{ type: "doc", wildcard: false, expiration: false }],
            rewrite: { kind: "this" },
          },
          { kind: "permission", name: "view", types: [], rewrite: { kind: "computed", relation: "aaa" } },
          { kind: "permission", name: "probe", types: [], rewrite: r },
        ],
      },
    ],
    caveats: [],
    features: { self: false, typechecking: false, expiration: false },
  };
}

describe("printer", () => {
  it("prints only the parentheses precedence needs, in the minimal style", () => {
    const c = (relation: string): Rewrite => ({ kind: "computed", relation });
    const cases: [Rewrite, string][] = [
      [
        { kind: "exclusion", base: { kind: "exclusion", base: c("a"), subtract: c("b") }, subtract: c("c") },
        "a - b - c",
      ],
      [
        { kind: "exclusion", base: c("a"), subtract: { kind: "exclusion", base: c("b"), subtract: c("c") } },
        "a - (b - c)",
      ],
      [
        { kind: "exclusion", base: c("a"), subtract: { kind: "union", children: [c("b"), c("c")] } },
        "a - b + c",
      ],
      [
        { kind: "union", children: [c("a"), { kind: "exclusion", base: c("b"), subtract: c("c") }] },
        "a + (b - c)",
      ],
      [
        { kind: "union", children: [c("a"), { kind: "intersection", children: [c("b"), c("c")] }] },
        "a + (b & c)",
      ],
      [
        { kind: "intersection", children: [c("a"), { kind: "union", children: [c("b"), c("c")] }] },
        "a & b + c",
      ],
      [
        { kind: "intersection", children: [{ kind: "exclusion", base: c("a"), subtract: c("b") }, c("c")] },
        "(a - b) & c",
      ],
    ];
    for (const [r, text] of cases) expect(printRewrite(r, { parentheses: "minimal" })).toBe(text);
  });

  it("parenthesises every operand whose operator differs, in the default clear style", () => {
    const c = (relation: string): Rewrite => ({ kind: "computed", relation });
    const cases: [Rewrite, string][] = [
      [
        { kind: "exclusion", base: { kind: "exclusion", base: c("a"), subtract: c("b") }, subtract: c("c") },
        "a - b - c",
      ],
      [
        { kind: "exclusion", base: c("a"), subtract: { kind: "exclusion", base: c("b"), subtract: c("c") } },
        "a - (b - c)",
      ],
      [
        { kind: "exclusion", base: c("a"), subtract: { kind: "union", children: [c("b"), c("c")] } },
        "a - (b + c)",
      ],
      [
        { kind: "exclusion", base: { kind: "union", children: [c("a"), c("b")] }, subtract: c("c") },
        "(a + b) - c",
      ],
      [
        { kind: "intersection", children: [c("a"), { kind: "union", children: [c("b"), c("c")] }] },
        "a & (b + c)",
      ],
      [
        {
          kind: "union",
          children: [c("a"), c("b"), { kind: "arrow", tupleset: "p", computed: "v", mode: "all" }],
        },
        "a + b + p.all(v)",
      ],
    ];
    for (const [r, text] of cases) expect(printRewrite(r)).toBe(text);
  });

  it("round-trips any expression in both styles: parse(print(ir)) is the flattened ir", () => {
    fc.assert(
      fc.property(rewrite, fc.constantFrom("clear", "minimal"), (r, parentheses) => {
        const ir = schemaWith(r);
        const printed = printSchema(ir, { parentheses: parentheses as "clear" | "minimal" });
        const again = compileSchema(printed, { format: "zed" });
        expect(again.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        const probe = again.ir?.definitions[1]?.members.find((m) => m.name === "probe");
        expect(stripLocs(probe?.rewrite)).toEqual(normalize(r));
        expect(printSchema(again.ir!, { parentheses: parentheses as "clear" | "minimal" })).toBe(printed);
      }),
      { numRuns: 500 },
    );
  });

  it("is stable: formatting printed text changes nothing", () => {
    const text =
      "definition user {}\ndefinition doc {\n relation viewer : user|user:*\n permission view=((viewer))+nil\n}";
    const first = printSchema(compileSchema(text, { format: "zed" }).ir!);
    expect(first).toBe(
      "definition user {}\n\ndefinition doc {\n  relation viewer: user | user:*\n  permission view = viewer + nil\n}\n",
    );
    expect(printSchema(compileSchema(first, { format: "zed" }).ir!)).toBe(first);
  });

  it("refuses IR that has no .zed form", () => {
    const ir = schemaWith({ kind: "this" });
    expect(() => printSchema(ir)).toThrow(/directly written subjects/);
    const mixed: SchemaIR = {
      ...ir,
      definitions: [
        {
          name: "doc",
          members: [
            {
              kind: "relation",
              name: "viewer",
              types: [{ type: "user", wildcard: false, expiration: false }],
              rewrite: {
                kind: "union",
                children: [{ kind: "this" }, { kind: "computed", relation: "editor" }],
              },
            },
          ],
        },
      ],
    };
    expect(() => printSchema(mixed)).toThrow(/no \.zed form/);
  });

  it("prints use flags, imports, caveats and traits", () => {
    const text =
      'use expiration\nuse import\nimport "a.zed"\ncaveat cav(x int) {\n  x > 1\n}\ndefinition user {}\ndefinition doc {\n  relation viewer: user with cav and expiration\n}\n';
    // compileDocument alone leaves the import unresolved (compileSchema resolves it): printed as is.
    expect(printSchema(compileDocument(parse(text).document).ir)).toBe(
      'use expiration\nuse import\n\nimport "a.zed"\n\ncaveat cav(x int) {\n  x > 1\n}\n\ndefinition user {}\n\ndefinition doc {\n  relation viewer: user with cav and expiration\n}\n',
    );
  });
});
