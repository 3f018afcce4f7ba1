/** Schema files on the command line: the language is told by the extension; imports read from disk. */
import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import type { Dialect } from "../model/tuple.ts";
import type { SchemaImports } from "../language/imports.ts";

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

/** `.zed` → zed, `.fga` → openfga, anything else → undefined. */
export function formatOfFile(file: string): Dialect | undefined {
  const ext = extname(file).toLowerCase();
  return ext === ".zed" ? "zed" : ext === ".fga" ? "openfga" : undefined;
}
