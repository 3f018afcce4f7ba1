/** Schema files on the command line: the language is told by the extension. */
import { extname } from "node:path";
import type { Dialect } from "../model/tuple.ts";

/** `.zed` → zed, `.fga` → openfga, anything else → undefined. */
export function formatOfFile(file: string): Dialect | undefined {
  const ext = extname(file).toLowerCase();
  return ext === ".zed" ? "zed" : ext === ".fga" ? "openfga" : undefined;
}
