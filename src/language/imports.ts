/**
 * `import "path.zed"` (SpiceDB's composable schemas, as `zed schema compile` resolves them): the
 * imported files' statements are spliced in where the import stands, each file once, and the
 * result is one document that compiles as if it had been written as one file.
 *
 * Paths are relative to the importing file (`"two.zed"` and `"./two.zed"` alike) and must stay
 * inside the root file's folder; files are named relative to that folder (`lib/users.zed`). An
 * import of a file on the import chain is a cycle; a file imported twice (a diamond) is included
 * once. Every problem is a diagnostic at the import statement: `import-not-found`,
 * `import-outside-root`, `import-cycle`, `too-many-imports`. Definitions that two files both
 * declare are the validator's `duplicate-definition`, each located in its own file.
 *
 * Example: root `import "subjects.zed"  definition resource { relation user: user }` with
 * `subjects.zed` = `definition user {}` → the statements of `subjects.zed`, then `resource`.
 */
import { posix } from "node:path";
import type { DocumentNode, TopLevelNode } from "./ast.ts";
import { parse } from "./parser.ts";
import { error, type Diagnostic } from "../typesystem/diagnostic.ts";

/**
 * The files imports may name, by path relative to the root file's folder: a map (what the API is
 * given; it crosses to the compile worker) or a reader (the CLI's, over the disk).
 */
export type SchemaImports = ReadonlyMap<string, string> | ((path: string) => string | undefined);

/**
 * `path` (relative to `from`'s folder) as a path relative to the root's folder, or undefined when it
 * is absolute or leads out of that folder. Backslashes count as slashes.
 */
export function rootRelativePath(path: string, from = "."): string | undefined {
  const p = path.replaceAll("\\", "/");
  if (p === "" || posix.isAbsolute(p)) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(from), p));
  return target === ".." || target.startsWith("../") ? undefined : target;
}

/** Files one schema may import, in all. */
export const MAX_IMPORTED_FILES = 256;

export interface ResolvedImports {
  readonly document: DocumentNode;
  /** Syntax errors of imported files and the import problems above. */
  readonly diagnostics: readonly Diagnostic[];
  /** The files included, in order (paths relative to the root's folder). */
  readonly files: readonly string[];
}

/**
 * `root` with its imports resolved. `rootFile` is the root's name as the caller shows it (its
 * folder prefixes the imported files' names in diagnostics); `imports` absent = no files given.
 */
export function resolveImports(
  root: DocumentNode,
  rootFile: string | undefined,
  imports: SchemaImports | undefined,
): ResolvedImports {
  if (!root.statements.some((s) => s.kind === "Import"))
    return { document: root, diagnostics: [], files: [] };
  const diagnostics: Diagnostic[] = [];
  const read = (path: string): string | undefined =>
    imports === undefined ? undefined : typeof imports === "function" ? imports(path) : imports.get(path);
  const shownDir = rootFile === undefined ? "" : posix.dirname(rootFile.replaceAll("\\", "/"));
  const shown = (path: string): string =>
    shownDir === "." || shownDir === "" ? path : posix.join(shownDir, path);
  const included = new Set<string>();
  const chain: string[] = [];
  const statements: TopLevelNode[] = [];

  const splice = (doc: DocumentNode, path: string): void => {
    chain.push(path);
    for (const s of doc.statements) {
      if (s.kind !== "Import") {
        statements.push(s);
        continue;
      }
      const target = rootRelativePath(s.path, path);
      if (target === undefined) {
        diagnostics.push(
          error(
            "import-outside-root",
            `import "${s.path}": imports must name a file inside the root schema's folder`,
            s.loc,
          ),
        );
        continue;
      }
      if (chain.includes(target)) {
        diagnostics.push(
          error("import-cycle", `import "${s.path}": ${[...chain, target].join(" → ")} is a cycle`, s.loc),
        );
        continue;
      }
      if (included.has(target)) continue;
      if (included.size === MAX_IMPORTED_FILES) {
        diagnostics.push(
          error(
            "too-many-imports",
            `import "${s.path}": a schema imports at most ${MAX_IMPORTED_FILES} files`,
            s.loc,
          ),
        );
        continue;
      }
      const text = read(target);
      if (text === undefined) {
        diagnostics.push(
          error(
            "import-not-found",
            imports === undefined
              ? `import "${s.path}": no files were given to import from (pass them with the schema)`
              : `import "${s.path}": file "${target}" not found`,
            s.loc,
          ),
        );
        continue;
      }
      included.add(target);
      const parsed = parse(text, { file: shown(target) });
      diagnostics.push(...parsed.diagnostics);
      splice(parsed.document, target);
    }
    chain.pop();
  };
  // The root sits at the top of the folder: its own imports are relative to ".".
  splice(root, posix.basename((rootFile ?? "schema.zed").replaceAll("\\", "/")));
  return { document: { ...root, statements }, diagnostics, files: [...included] };
}
