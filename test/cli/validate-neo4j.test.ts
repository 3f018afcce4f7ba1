/**
 * The validation fixtures through `relgraph validate --backend neo4j`: each file on a temporary
 * store in the Neo4j the global setup provides (NEO4J_URI…), every store deleted afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runValidate } from "../../src/cli/commands/validate.ts";
import { openService } from "../../src/cli/validation/backend.ts";
import { captureIO, expectFixture, listFixtures, parseReport } from "./fixtures.ts";

describe("validation fixtures on the neo4j backend", () => {
  const fixtures = listFixtures();
  let reports: ReturnType<typeof parseReport> | undefined;
  let exitCode: number | undefined;
  let stderr = "";

  beforeAll(async () => {
    const io = captureIO(process.env);
    exitCode = await runValidate(["--backend", "neo4j", "--json", ...fixtures.map((f) => f.file)], io);
    reports = parseReport(io.out());
    stderr = io.err();
  }, 300_000);

  it("reports every file once and exits 2 (some fixtures cannot be loaded)", () => {
    expect(stderr).toBe("");
    expect(reports?.files.map((f) => f.file)).toEqual(fixtures.map((f) => f.file));
    expect(exitCode).toBe(2);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))("%s", (_name, fixture) => {
    expectFixture(
      fixture,
      reports?.files.find((r) => r.file === fixture.file),
    );
  });

  afterAll(async () => {
    // Every temporary store is gone, whatever the outcome.
    const service = await openService("neo4j", process.env);
    try {
      const left = (await service.stores()).map((s) => s.name).filter((n) => n.startsWith("validate-"));
      expect(left).toEqual([]);
    } finally {
      await service.close();
    }
  });
});
