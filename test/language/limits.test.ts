// Schema bombs: nesting, long operator chains and long reference chains compile (or are refused with
// a positioned diagnostic) without overflowing the JS stack, in linear time.
import { describe, expect, it } from "vitest";
import { compileSchema } from "../../src/language/schema.ts";
import { MAX_EXPRESSION_NESTING } from "../../src/language/parser.ts";
import { MAX_OPENFGA_NESTING } from "../../src/language/openfga.ts";
import { MAX_REWRITE_NESTING } from "../../src/typesystem/validate.ts";
import { printSchema } from "../../src/language/printer.ts";

const head = "definition user {}\ndefinition doc {\n  relation rel: user\n";
const zed = (text: string) => compileSchema(text, { format: "zed" });
const codes = (r: ReturnType<typeof zed>) =>
  r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);

describe("schema size and nesting limits", () => {
  it("parentheses deeper than the limit are one positioned nesting-too-deep error", () => {
    const n = 2000;
    const r = zed(`${head}  permission ppp = ${"(".repeat(n)}rel${")".repeat(n)}\n}`);
    expect(codes(r)).toEqual(["nesting-too-deep"]);
    const d = r.diagnostics[0]!;
    expect(d.loc?.start.line).toBe(4);
    // The first parenthesis past the limit: after "  permission ppp = " (19 columns) and the limit.
    expect(d.loc?.start.column).toBe(19 + MAX_EXPRESSION_NESTING + 1);
  });

  it("parentheses at the limit compile, and print back to an equivalent schema", () => {
    const n = MAX_EXPRESSION_NESTING;
    const r = zed(`${head}  permission ppp = ${"(".repeat(n)}rel + rel${")".repeat(n)}\n}`);
    expect(codes(r)).toEqual([]);
    expect(printSchema(r.ir!)).toContain("permission ppp = rel + rel");
  });

  it("a union of 10,000 terms compiles flat, in well under a second", () => {
    const t0 = performance.now();
    const r = zed(`${head}  permission ppp = ${Array.from({ length: 10_000 }, () => "rel").join(" + ")}\n}`);
    expect(performance.now() - t0).toBeLessThan(5000); // a bound against a hang, not a benchmark
    expect(codes(r)).toEqual([]);
    const p = r.ir!.definitions[1]!.members.find((m) => m.name === "ppp")!;
    expect(p.rewrite.kind === "union" && p.rewrite.children.length).toBe(10_000);
  });

  it("an exclusion chain deeper than the limit is refused at the permission", () => {
    const r = zed(`${head}  permission ppp = ${Array.from({ length: 5000 }, () => "rel").join(" - ")}\n}`);
    expect(codes(r)).toEqual(["nesting-too-deep"]);
    expect(r.diagnostics[0]!.message).toContain(`at most ${MAX_REWRITE_NESTING}`);
    expect(r.diagnostics[0]!.loc?.start.line).toBe(4);
  });

  it("an exclusion chain at the limit compiles", () => {
    const r = zed(
      `${head}  permission ppp = ${Array.from({ length: MAX_REWRITE_NESTING }, () => "rel").join(" - ")}\n}`,
    );
    expect(codes(r)).toEqual([]);
  });

  it("5,000 chained permissions and 5,000 chained subject relations compile", () => {
    let text = `${head}  permission perm0 = rel\n`;
    for (let i = 1; i < 5000; i++) text += `  permission perm${i} = perm${i - 1} + rel\n`;
    text += "}\ndefinition grp {\n  relation mem0: user\n";
    for (let i = 1; i < 5000; i++) text += `  relation mem${i}: grp#mem${i - 1}\n`;
    text += "}\n";
    expect(text.length).toBeGreaterThan(150_000);
    const r = zed(text);
    expect(codes(r)).toEqual([]);
  });

  it("5,000 permissions that each only name the next compile; closing the chain is one permission-cycle error", () => {
    const chain = (closed: boolean): string => {
      let text = `${head}  permission perm0 = ${closed ? "perm4999" : "rel"}\n`;
      for (let i = 1; i < 5000; i++) text += `  permission perm${i} = perm${i - 1}\n`;
      return `${text}}\n`;
    };
    expect(codes(zed(chain(false)))).toEqual([]);
    const cyclic = zed(chain(true));
    expect(codes(cyclic)).toEqual(["permission-cycle"]);
    expect(cyclic.diagnostics[0]!.loc?.start.line).toBe(4);
  });

  it("an OpenFGA model nesting deeper than its limit is refused before OpenFGA's parser sees it", () => {
    const n = 2000;
    const text =
      "model\n  schema 1.1\ntype user\ntype doc\n  relations\n    define viewer: [user]\n" +
      `    define v: ${"(".repeat(n)}viewer${")".repeat(n)}\n`;
    const r = compileSchema(text, { format: "openfga" });
    expect(codes(r)).toEqual(["nesting-too-deep"]);
    expect(r.diagnostics[0]!.loc?.start.line).toBe(7);
    expect(r.diagnostics[0]!.message).toContain(String(MAX_OPENFGA_NESTING));
  });
});
