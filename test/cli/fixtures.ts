/**
 * The validation fixtures (test/fixtures/validation/*.yaml) and their expectations. A fixture with
 * a sibling `<name>.expected.json` expects exactly the listed passed and failed assertions (a
 * failure's `reason` exactly, or `reasonIncludes` when the text comes from the engine) or a load
 * error (`errorIncludes`); one without expects every assertion to pass.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { FileReport } from "../../src/cli/validation/runner.ts";
import type { CliIO } from "../../src/cli/io.ts";

export const FIXTURE_DIR = "test/fixtures/validation";

type ExpectedFailure =
  | { readonly assertion: string; readonly reason: string }
  | { readonly assertion: string; readonly reasonIncludes: string };

export interface Expectation {
  readonly passed: readonly { readonly assertion: string }[];
  readonly failed: readonly ExpectedFailure[];
  readonly errorIncludes?: string;
}

export interface Fixture {
  readonly name: string;
  /** As given on the command line (relative to the repository root). */
  readonly file: string;
  readonly expected?: Expectation;
}

export function listFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => {
      const name = f.slice(0, -".yaml".length);
      const expectedPath = join(FIXTURE_DIR, `${name}.expected.json`);
      const expected = existsSync(expectedPath)
        ? (JSON.parse(readFileSync(expectedPath, "utf8")) as Expectation)
        : undefined;
      return { name, file: `${FIXTURE_DIR}/${f}`, ...(expected ? { expected } : {}) };
    });
}

/** Asserts one file's entry of the `--json` document against the fixture's expectation. */
export function expectFixture(fixture: Fixture, report: FileReport | undefined): void {
  expect(report, `${fixture.name}: missing from the report`).toBeDefined();
  if (!report) return;
  const { expected } = fixture;
  if (!expected) {
    expect(report.error, `${fixture.name}: load error`).toBeUndefined();
    expect(report.failed, `${fixture.name}: failed assertions`).toEqual([]);
    if (fixture.name !== "schema-only")
      expect(report.passed.length, `${fixture.name}: passed`).toBeGreaterThan(0);
    return;
  }
  if (expected.errorIncludes !== undefined) {
    expect(report.error, `${fixture.name}: load error`).toContain(expected.errorIncludes);
    expect(report.passed).toEqual([]);
    expect(report.failed).toEqual([]);
    return;
  }
  expect(report.error, `${fixture.name}: load error`).toBeUndefined();
  expect(report.passed, `${fixture.name}: passed`).toEqual(expected.passed);
  expect(
    report.failed.map((f) => f.assertion),
    `${fixture.name}: failed`,
  ).toEqual(expected.failed.map((f) => f.assertion));
  expected.failed.forEach((want, i) => {
    const got = report.failed[i]?.reason ?? "";
    if ("reason" in want) expect(got, `${fixture.name}: reason of ${want.assertion}`).toBe(want.reason);
    else expect(got, `${fixture.name}: reason of ${want.assertion}`).toContain(want.reasonIncludes);
  });
}

export interface CapturedIO extends CliIO {
  readonly out: () => string;
  readonly err: () => string;
}

export function captureIO(env: Readonly<Record<string, string | undefined>> = {}): CapturedIO {
  let out = "";
  let err = "";
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    env,
    cwd: process.cwd(),
    out: () => out,
    err: () => err,
  };
}

export function parseReport(text: string): { files: FileReport[] } {
  return JSON.parse(text) as { files: FileReport[] };
}
