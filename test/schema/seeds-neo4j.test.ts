/**
 * The seed-platform validation files (issue 9) through `relgraph validate --backend neo4j`, on the
 * Neo4j the vitest global setup provides (NEO4J_URI…): no load error, zero failed assertions.
 * (That the temporary stores are deleted is test/cli/validate-neo4j.test.ts's business.) The memory
 * backend, the contract and the coverage checks: seeds.test.ts.
 */
import { describe, expect, it } from "vitest";
import { runValidate } from "../../src/cli/commands/validate.ts";
import { loadValidationFile } from "../../src/cli/validation/loader.ts";
import { captureIO, parseReport } from "../cli/fixtures.ts";
import { PLATFORMS, expectAllPassed, validationFile } from "./seeds.ts";

describe("seed validation files on the neo4j backend", () => {
  it("every assertion and validation block passes", async () => {
    const files = PLATFORMS.map(validationFile);
    const io = captureIO(process.env);
    const exitCode = await runValidate(["--backend", "neo4j", "--json", ...files], io);
    const report = parseReport(io.out());
    expect(io.err()).toBe("");
    expect(report.files.map((f) => f.file)).toEqual(files);
    for (const file of files) {
      const loaded = await loadValidationFile(file, process.cwd());
      if (!loaded.ok) throw new Error(`${file}: ${loaded.error}`);
      expectAllPassed(
        report.files.find((f) => f.file === file),
        loaded.file.assertions.length + loaded.file.validations.length,
      );
    }
    expect(exitCode).toBe(0);
  }, 300_000);
});
