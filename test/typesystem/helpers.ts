/** Test helpers shared by the language and typesystem tests. */
import { readdirSync } from "node:fs";
import { join } from "node:path";

/** A deep copy without `loc` keys: what a schema means, whatever text it came from. */
export function stripLocs<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) => (key === "loc" || key === "expressionStart" ? undefined : v)),
  ) as T;
}

export const FIXTURES = join(import.meta.dirname, "..", "fixtures", "schema");

/** The `.zed` files directly in `dir`, sorted. */
export function zedFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".zed"))
    .sort();
}
