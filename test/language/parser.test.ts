import { describe, expect, it } from "vitest";
import type { DefinitionNode, ExpressionNode, PermissionNode, RelationNode } from "../../src/language/ast.ts";
import { docCommentText, parse } from "../../src/language/parser.ts";

/** Parenthesised form of an expression: shows exactly how the parser grouped it. */
function shape(e: ExpressionNode): string {
  switch (e.kind) {
    case "Identifier":
      return e.name;
    case "Nil":
      return "nil";
    case "Self":
      return "self";
    case "ErrorExpression":
      return "<error>";
    case "Arrow":
      return e.fn === "->" ? `${e.left.name}->${e.right.name}` : `${e.left.name}.${e.fn}(${e.right.name})`;
    case "Binary":
      return `(${shape(e.left)} ${e.operator} ${shape(e.right)})`;
  }
}

function permission(expr: string, prefix = ""): ExpressionNode {
  const { document, diagnostics } = parse(`${prefix}definition doc {\n  permission p = ${expr}\n}`);
  expect(diagnostics).toEqual([]);
  const def = document.statements.find((s) => s.kind === "Definition") as DefinitionNode;
  return (def.members[0] as PermissionNode).expression;
}

describe("expression precedence (SpiceDB: + tighter than &, tighter than -; all left-associative)", () => {
  // The same cases as SpiceDB's parser golden test associativity.zed.
  const cases: [string, string][] = [
    ["a + b + c", "((a + b) + c)"],
    ["a - b - c", "((a - b) - c)"],
    ["a & b & c", "((a & b) & c)"],
    ["a + b - c", "((a + b) - c)"],
    ["a - b + c", "(a - (b + c))"],
    ["a & b + c", "(a & (b + c))"],
    ["a + b & c", "((a + b) & c)"],
    ["a - b & c", "(a - (b & c))"],
    ["a & b - c", "((a & b) - c)"],
    ["(a - b) + c", "((a - b) + c)"],
    ["a->b + c.all(d) - e.any(f)", "((a->b + c.all(d)) - e.any(f))"],
    ["nil + a", "(nil + a)"],
  ];
  for (const [text, expected] of cases) {
    it(text, () => {
      expect(shape(permission(text))).toBe(expected);
    });
  }

  it("reads `self` as a keyword only after `use self`", () => {
    expect(permission("self").kind).toBe("Identifier");
    expect(permission("self", "use self\n").kind).toBe("Self");
  });

  it("continues an expression after an operator at the end of a line, not before one", () => {
    expect(shape(permission("a +\n    b"))).toBe("(a + b)");
    const broken = parse("definition doc {\n  permission p = a\n    + b\n}");
    expect(broken.diagnostics.map((d) => [d.code, d.loc?.start.line, d.loc?.start.column])).toEqual([
      ["syntax-error", 3, 5],
    ]);
  });

  it("lets line breaks inside parentheses continue the expression", () => {
    expect(shape(permission("(a\n  + b)"))).toBe("(a + b)");
  });

  it("parses arrow chains and leaves their refusal to the compiler", () => {
    const e = permission("a->b->c");
    expect(e.kind === "Arrow" && e.chain.map((c) => c.name)).toEqual(["c"]);
  });
});

describe("relations", () => {
  function relation(types: string, prefix = ""): RelationNode {
    const { document, diagnostics } = parse(`${prefix}definition doc {\n  relation r: ${types}\n}`);
    expect(diagnostics).toEqual([]);
    const def = document.statements.find((s) => s.kind === "Definition") as DefinitionNode;
    return def.members[0] as RelationNode;
  }

  it("reads every subject form and trait", () => {
    const r = relation(
      "user | user:* | group#member | group#... | ns/user with cav | user with expiration | user with cav and expiration",
    );
    expect(
      r.types.map((t) => [t.type.value, t.relation?.value, t.wildcard, t.caveat?.value, t.expiration]),
    ).toEqual([
      ["user", undefined, false, undefined, false],
      ["user", undefined, true, undefined, false],
      ["group", "member", false, undefined, false],
      ["group", "...", false, undefined, false],
      ["ns/user", undefined, false, "cav", false],
      ["user", undefined, false, undefined, true],
      ["user", undefined, false, "cav", true],
    ]);
  });

  it("locates each subject type", () => {
    const r = relation("user | group#member");
    expect(r.types.map((t) => [t.loc.start.column, t.loc.end.column])).toEqual([
      [15, 19],
      [22, 34],
    ]);
  });
});

describe("doc comments", () => {
  it("attach to the following definition, member and caveat; plain comments do not", () => {
    const { document } = parse(
      "/** the user */\ndefinition user {\n  // not a doc\n  relation a_rel: user\n  /**\n   * two\n   * lines\n   */\n  permission p_perm = a_rel\n}\n/** cav doc */\ncaveat cav(x int) {\n  x == 1\n}",
    );
    const def = document.statements[0] as DefinitionNode;
    expect(def.doc).toBe("the user");
    expect((def.members[0] as RelationNode).doc).toBeUndefined();
    expect((def.members[1] as PermissionNode).doc).toBe("two\nlines");
    expect(document.statements[1]).toMatchObject({ kind: "Caveat", doc: "cav doc" });
  });

  it("strips markers and the leading star of each line, keeping deeper indentation", () => {
    expect(docCommentText("/**\n * a\n *   b\n */")).toBe("a\n  b");
    expect(docCommentText("/** one */")).toBe("one");
  });
});

describe("caveats", () => {
  it("keeps the CEL text verbatim, balancing braces and skipping strings", () => {
    const { document, diagnostics } = parse(
      `caveat c(m map<list<int>>, s string) {\n  {"k": [1]}["k"][0] == 1 && s != "}"\n}`,
    );
    expect(diagnostics).toEqual([]);
    expect(document.statements[0]).toMatchObject({
      kind: "Caveat",
      expression: `{"k": [1]}["k"][0] == 1 && s != "}"`,
      parameters: [
        { name: { value: "m" }, type: "map<list<int>>" },
        { name: { value: "s" }, type: "string" },
      ],
    });
  });

  it("reports an empty body", () => {
    expect(parse("caveat c(x int) {}").diagnostics.map((d) => d.message)).toEqual([
      "missing caveat expression",
    ]);
  });
});

describe("error tolerance", () => {
  it("collects every syntax error and keeps the good parts", () => {
    const { document, diagnostics } = parse(
      "definition a_one {\n  relation r1 user\n  relation ok_rel: user\n  permission p = +\n}\ndefinition b_two { relation x_rel: user }\n",
    );
    expect(diagnostics.map((d) => `${d.loc?.start.line}:${d.loc?.start.column}`)).toEqual(["2:15", "4:18"]);
    const names = document.statements.flatMap((s) =>
      s.kind === "Definition" ? [s.name.value, ...s.members.map((m) => m.name.value)] : [],
    );
    expect(names).toEqual(["a_one", "ok_rel", "b_two", "x_rel"]);
  });

  it('reports a missing "}" before the next definition and still parses that definition', () => {
    const { document, diagnostics } = parse(
      "definition doc {\n  relation viewer: user\n\ndefinition folder {\n  relation owner: user\n}\n",
    );
    expect(diagnostics.map((d) => [d.message, d.loc?.start.line, d.loc?.start.column])).toEqual([
      ['expected "}" to close the block before "definition"', 4, 1],
    ]);
    expect(document.statements.map((s) => (s.kind === "Definition" ? s.name.value : s.kind))).toEqual([
      "doc",
      "folder",
    ]);
  });

  it("recognises partial and import so they can be refused later", () => {
    const { document, diagnostics } = parse(
      'use import\nuse partial\nimport "x.zed"\npartial pp { relation r_rel: user }\n',
    );
    expect(diagnostics).toEqual([]);
    expect(document.statements.map((s) => s.kind)).toEqual(["Use", "Use", "Import", "Partial"]);
  });
});
