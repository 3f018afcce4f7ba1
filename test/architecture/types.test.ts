/**
 * Each type is declared once: an exported `interface X`, `type X =`, `enum X` or `class X` of src must
 * not be declared under the same name in a second file (two shapes with one name drift apart). A
 * re-export (`export { X } from`, `export type * from`) is not a declaration and is fine.
 *
 * Parsed with the TypeScript compiler (a devDependency), not with regular expressions: declarations
 * split over lines, `export default class`, and `interface X {}` exported later by `export { X }` all count.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

type Declaration =
  ts.InterfaceDeclaration | ts.TypeAliasDeclaration | ts.EnumDeclaration | ts.ClassDeclaration;

function isTypeDeclaration(node: ts.Node): node is Declaration {
  return (
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isEnumDeclaration(node) ||
    ts.isClassDeclaration(node)
  );
}

const hasModifier = (node: Declaration, kind: ts.SyntaxKind): boolean =>
  ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false;

/** The names a file declares and exports (under their exported names). */
function exportedTypeDeclarations(fileName: string, text: string): Set<string> {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const local = new Set<string>();
  const exported = new Set<string>();
  for (const statement of source.statements) {
    if (isTypeDeclaration(statement) && statement.name) {
      if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) exported.add(statement.name.text);
      else local.add(statement.name.text);
    }
  }
  // `interface X {}` ... `export { X }` / `export { X as Y }` (no `from`: a local declaration exported).
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement) || statement.moduleSpecifier) continue;
    const clause = statement.exportClause;
    if (!clause || !ts.isNamedExports(clause)) continue;
    for (const element of clause.elements) {
      const localName = (element.propertyName ?? element.name).getText(source);
      if (local.has(localName)) exported.add(element.name.getText(source));
    }
  }
  return exported;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => `${dir}/${f.split("\\").join("/")}`)
    .sort();
}

describe("types of src", () => {
  it("finds the declarations it looks for (and not re-exports)", () => {
    const found = exportedTypeDeclarations(
      "sample.ts",
      [
        "export interface A { a: number }",
        "export type B =\n  | 1\n  | 2;",
        "export enum C { X }",
        "export default class D {}",
        "export abstract class E {}",
        "interface F {}",
        "type G = string;",
        "export { F, G as H };",
        "export { I } from './i.ts';",
        "export type { J } from './j.ts';",
        "export type * from './k.ts';",
        "interface NotExported {}",
      ].join("\n"),
    );
    expect([...found].sort()).toEqual(["A", "B", "C", "D", "E", "F", "H"]);
  });

  it("declares no exported type twice (same name in two files)", () => {
    const files = sourceFiles("src");
    expect(files.length).toBeGreaterThan(50);
    const where = new Map<string, string[]>();
    for (const file of files)
      for (const name of exportedTypeDeclarations(file, readFileSync(join(ROOT, file), "utf8")))
        where.set(name, [...(where.get(name) ?? []), file]);
    expect(where.size).toBeGreaterThan(50);
    const twice = [...where]
      .filter(([, declaredIn]) => declaredIn.length > 1)
      .map(([name, declaredIn]) => `${name}: ${declaredIn.join(", ")}`)
      .sort();
    if (twice.length) console.error(`types declared in more than one file:\n  ${twice.join("\n  ")}`);
    expect(twice, "exported types declared in more than one file (name: files)").toEqual([]);
  });
});
