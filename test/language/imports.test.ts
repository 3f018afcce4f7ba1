/**
 * `import` (src/language/imports.ts) as SpiceDB's composable schemas define it: relative paths
 * inside the root's folder, each file once, cycles and missing files as positioned diagnostics in
 * the file that has them, and the imported declarations compiled as if written in one file.
 */
import { describe, expect, it } from "vitest";
import { compileSchema } from "../../src/language/schema.ts";
import { printSchema } from "../../src/language/printer.ts";
import { MAX_IMPORTED_FILES, rootRelativePath } from "../../src/language/imports.ts";
import { formatDiagnostic } from "../../src/typesystem/diagnostic.ts";

const compile = (root: string, files: Record<string, string>, file = "root.zed") =>
  compileSchema(root, { file, format: "zed", imports: new Map(Object.entries(files)) });

const problems = (r: ReturnType<typeof compile>): string[] => r.diagnostics.map((d) => formatDiagnostic(d));

describe("import", () => {
  it("splices each imported file in where it is imported, depth first, each file once", () => {
    const r = compile(
      `import "a.zed"\nimport "lib/b.zed"\ndefinition doc { relation rel: user | team#member }`,
      {
        "a.zed": `import "lib/b.zed"\ndefinition user {}`,
        // A path relative to the importing file (lib/), and a diamond: c.zed is imported twice.
        "lib/b.zed": `import "./c.zed"\ndefinition team { relation member: user }`,
        "lib/c.zed": `caveat ok(x int) { x == 1 }`,
      },
    );
    expect(problems(r)).toEqual([]);
    expect(r.imported).toEqual(["a.zed", "lib/b.zed", "lib/c.zed"]);
    expect(r.ir!.definitions.map((d) => d.name)).toEqual(["team", "user", "doc"]);
    expect(r.ir!.caveats.map((c) => c.name)).toEqual(["ok"]);
    // The compiled whole prints as one schema without imports, which compiles alone.
    const printed = printSchema(r.ir!);
    expect(printed).not.toContain("import");
    expect(compileSchema(printed, { format: "zed" }).ir?.definitions.map((d) => d.name)).toEqual([
      "team",
      "user",
      "doc",
    ]);
  });

  it("partials and `use` flags cross files", () => {
    const r = compile(`import "p.zed"\ndefinition doc { ...shared }`, {
      "p.zed": `use expiration\ndefinition user {}\npartial shared { relation viewer: user with expiration }`,
    });
    expect(problems(r)).toEqual([]);
    expect(r.ir!.features.expiration).toBe(true);
    expect(r.ir!.definitions.find((d) => d.name === "doc")!.members.map((m) => m.name)).toEqual(["viewer"]);
  });

  it("names the file and position of each problem", () => {
    expect(problems(compile(`import "missing.zed"\ndefinition user {}`, {}))).toEqual([
      'root.zed:1:1: error: import-not-found: import "missing.zed": file "missing.zed" not found',
    ]);
    expect(
      problems(compileSchema(`definition user {}\nimport "x.zed"`, { file: "root.zed", format: "zed" })),
    ).toEqual([
      'root.zed:2:1: error: import-not-found: import "x.zed": no files were given to import from (pass them with the schema)',
    ]);
    expect(problems(compile(`import "../up.zed"`, { "../up.zed": "definition user {}" }))).toEqual([
      'root.zed:1:1: error: import-outside-root: import "../up.zed": imports must name a file inside the root schema\'s folder',
    ]);
    expect(problems(compile(`import "/etc/passwd.zed"`, {}))[0]).toContain("import-outside-root");
    expect(
      problems(compile(`import "a.zed"`, { "a.zed": `import "b.zed"`, "b.zed": `\nimport "a.zed"` })),
    ).toEqual([
      'b.zed:2:1: error: import-cycle: import "a.zed": root.zed → a.zed → b.zed → a.zed is a cycle',
    ]);
    // A syntax error in an imported file is located in that file (under the root's folder).
    expect(
      problems(compile(`import "bad.zed"`, { "bad.zed": "definition {" }, "schemas/root.zed"))[0],
    ).toMatch(/^schemas\/bad\.zed:1:12: error: /);
  });

  it("a definition declared in two files is a duplicate-definition", () => {
    const r = compile(`import "u.zed"\ndefinition user {}`, { "u.zed": "definition user {}" });
    expect(r.ir).toBeUndefined();
    expect(problems(r).join("\n")).toMatch(/duplicate-definition/);
  });

  it(`imports at most ${MAX_IMPORTED_FILES} files`, () => {
    const files: Record<string, string> = {};
    for (let i = 0; i <= MAX_IMPORTED_FILES; i++)
      files[`f${i}.zed`] = `import "f${i + 1}.zed"\ndefinition t${i} {}`;
    files[`f${MAX_IMPORTED_FILES + 1}.zed`] = "";
    const r = compile(`import "f0.zed"`, files);
    expect(problems(r)).toEqual([
      `f${MAX_IMPORTED_FILES - 1}.zed:1:1: error: too-many-imports: import "f${MAX_IMPORTED_FILES}.zed": a schema imports at most ${MAX_IMPORTED_FILES} files`,
    ]);
  });

  it("rootRelativePath keeps paths inside the root's folder", () => {
    expect(rootRelativePath("a.zed")).toBe("a.zed");
    expect(rootRelativePath("./lib/../a.zed")).toBe("a.zed");
    expect(rootRelativePath("c.zed", "lib/b.zed")).toBe("lib/c.zed");
    expect(rootRelativePath("..\\x.zed")).toBeUndefined();
    expect(rootRelativePath("../x.zed", "lib/b.zed")).toBe("x.zed");
    expect(rootRelativePath("../../x.zed", "lib/b.zed")).toBeUndefined();
    expect(rootRelativePath("")).toBeUndefined();
  });
});
