/** Schema files on the command line: the language is told by the extension; imports read from disk. */
import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import type { Dialect } from "../model/tuple.ts";
import type { SchemaImports } from "../language/imports.ts";
import { compileSchema, type SchemaCompileResult } from "../language/schema.ts";
import type { SchemaFile } from "../coordinator/service.ts";

/**
 * What `rootFile`'s imports read: files under its folder (paths as imports.ts resolves them,
 * already kept inside it), from disk; an unreadable one is `import-not-found`. Each file read is
 * recorded in `read` (what a server is then sent as writeSchema's `files`).
 */
export function diskImports(rootFile: string, cwd: string, read?: Map<string, string>): SchemaImports {
  const folder = dirname(resolve(cwd, rootFile));
  return (path) => {
    try {
      const text = readFileSync(resolve(folder, path), "utf8");
      read?.set(path, text);
      return text;
    } catch {
      return undefined;
    }
  };
}

/**
 * compileSchema with `file`'s imports read from disk, and the files it imported (what a server is
 * sent as writeSchema's `files`, to resolve the imports again).
 */
export function compileSchemaFile(
  text: string,
  file: string,
  cwd: string,
  format: Dialect,
): SchemaCompileResult & { readonly files: SchemaFile[] } {
  const read = new Map<string, string>();
  const result = compileSchema(text, { file, format, imports: diskImports(file, cwd, read) });
  return { ...result, files: (result.imported ?? []).map((path) => ({ path, text: read.get(path)! })) };
}

/** `.zed` → zed, `.fga` → openfga, anything else → undefined. */
export function formatOfFile(file: string): Dialect | undefined {
  const ext = extname(file).toLowerCase();
  return ext === ".zed" ? "zed" : ext === ".fga" ? "openfga" : undefined;
}
