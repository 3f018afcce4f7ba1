/**
 * The layering of src (see .dependency-cruiser.mjs): dependency-cruiser, through its JS API, cruises
 * src/ with the project's rules and must report no violation. A cruise that saw no edges would pass
 * vacuously, so the test also proves that the `.ts` imports are resolved (hundreds of internal edges,
 * none unresolved) and that a deliberately backwards fixture tree is reported.
 *
 * The JS API rather than the `depcruise` CLI: dependency-cruiser 18's CLI refuses to start on Node 20
 * (it asserts its engines range, ^22), the API runs fine; `npm run lint:deps` runs this file.
 */
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { cruise, type ICruiseOptions, type ICruiseResult, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const FIXTURE = join(ROOT, "test/architecture/fixtures/backwards");

async function cruiseTree(baseDir: string): Promise<ICruiseResult> {
  const options: ICruiseOptions = {
    ...(await extractDepcruiseOptions(join(ROOT, ".dependency-cruiser.mjs"))),
    baseDir,
    outputType: "json",
  };
  const tsConfig = extractTSConfig(join(ROOT, "tsconfig.json"));
  const { output } = await cruise(["src"], options, {}, { tsConfig });
  return typeof output === "string" ? (JSON.parse(output) as ICruiseResult) : output;
}

/** One line per violation: `rule: from → to`, with the whole cycle for a circular one. */
function describeViolation(v: IViolation): string {
  const typeOnly = (types: readonly string[] | undefined): boolean =>
    types?.includes("type-only") === true || types?.includes("type-import") === true;
  let detail = "";
  if (v.cycle?.length) {
    // An edge that is an `import type` only is marked: such a cycle is broken by moving a type.
    const steps = v.cycle.map((c) => `${typeOnly(c.dependencyTypes) ? "→ (type) " : "→ "}${c.name}`);
    detail = ` (cycle: ${[v.from, ...steps].join(" ")})`;
  } else if (typeOnly(v.dependencyTypes)) detail = " (type-only import)";
  return `${v.rule.name}: ${v.from} → ${v.to}${detail}`;
}

function internalEdges(result: ICruiseResult): { from: string; to: string; couldNotResolve: boolean }[] {
  return result.modules
    .filter((m) => m.source.startsWith("src/"))
    .flatMap((m) =>
      m.dependencies
        .filter((d) => d.resolved.startsWith("src/") || d.couldNotResolve)
        .map((d) => ({ from: m.source, to: d.resolved, couldNotResolve: d.couldNotResolve })),
    );
}

describe("the layers of src", () => {
  let result: ICruiseResult;
  beforeAll(async () => {
    result = await cruiseTree(ROOT);
  });

  it("resolves the `.ts` imports: every source file is seen, with hundreds of internal edges", () => {
    const sources = readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) =>
        relative(ROOT, join(ROOT, "src", f))
          .split("\\")
          .join("/"),
      )
      .sort();
    const cruised = result.modules
      .map((m) => m.source)
      .filter((s) => s.startsWith("src/"))
      .sort();
    expect(cruised).toEqual(sources);
    const edges = internalEdges(result);
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.filter((e) => e.couldNotResolve)).toEqual([]);
    // Spot checks of edges every layout of the tree has had: the public surface and the engine's model.
    expect(edges.some((e) => e.from === "src/index.ts" && e.to.startsWith("src/coordinator/"))).toBe(true);
    expect(edges.some((e) => e.from.startsWith("src/engine/") && e.to === "src/model/tuple.ts")).toBe(true);
  });

  it("has no dependency against the layering, and no cycle", () => {
    const violations = result.summary.violations.map(describeViolation);
    if (violations.length)
      console.error(`dependency-cruiser: ${violations.length} violation(s)\n  ${violations.join("\n  ")}`);
    expect(violations, "dependencies against the layering (rule: from → to)").toEqual([]);
  });
});

describe("the rules bite (a deliberately backwards fixture tree)", () => {
  it("reports the backwards import, the store implementation in the engine, the cycle and the unresolvable import", async () => {
    const result = await cruiseTree(FIXTURE);
    expect(internalEdges(result).length).toBeGreaterThanOrEqual(5);
    const found = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toEqual(
      expect.arrayContaining([
        "model-only-errors: src/model/tuple.ts → src/engine/check.ts",
        "engine-only-store-interface-typesystem-model-errors: src/engine/check.ts → src/store/neo4j/store.ts",
        "not-to-unresolvable: src/store/neo4j/store.ts → ./missing.ts",
      ]),
    );
    expect(found.some((v) => v.startsWith("no-circular: "))).toBe(true);
    expect(result.summary.error).toBe(result.summary.violations.length);
  });
});
