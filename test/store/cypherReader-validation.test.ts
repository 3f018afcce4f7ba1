/**
 * The validation fixtures (test/fixtures/validation) through `relgraph validate --backend neo4j`
 * with every store evaluated by the direct Cypher evaluator (RELGRAPH_EVALUATOR=cypher): the same
 * expectations as on the in-memory projection.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runValidate } from "../../src/cli/commands/validate.ts";
import { captureIO, expectFixture, listFixtures, parseReport } from "../cli/fixtures.ts";

describe("validation fixtures on the direct Cypher evaluator", () => {
  const fixtures = listFixtures();
  let reports: ReturnType<typeof parseReport> | undefined;
  let stderr = "";

  beforeAll(async () => {
    const io = captureIO({ ...process.env, RELGRAPH_EVALUATOR: "cypher" });
    await runValidate(["--backend", "neo4j", "--json", ...fixtures.map((f) => f.file)], io);
    reports = parseReport(io.out());
    stderr = io.err();
  }, 300_000);

  it("reports every file once", () => {
    expect(stderr).toBe("");
    expect(reports?.files.map((f) => f.file)).toEqual(fixtures.map((f) => f.file));
  });

  it.each(fixtures.map((f) => [f.name, f] as const))("%s", (_name, fixture) => {
    expectFixture(
      fixture,
      reports?.files.find((r) => r.file === fixture.file),
    );
  });
});
