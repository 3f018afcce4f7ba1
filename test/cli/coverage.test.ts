/** `relgraph coverage`: relations, permissions and rewrite branches the assertions exercise. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCoverage, type CoverageReport } from "../../src/cli/commands/coverage.ts";
import { captureIO } from "./fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "relgraph-coverage-"));

const FILE = `schema: |-
  definition user {}
  definition folder {
    relation viewer: user
  }
  definition document {
    relation parent: folder
    relation reader: user
    relation banned: user
    relation auditor: user
    permission view = (reader + parent->viewer) - banned
    permission audit = auditor & reader
  }
relationships: |-
  document:1#reader@user:ann
  document:1#parent@folder:f
  folder:f#viewer@user:bob
  document:1#banned@user:eve
  document:1#reader@user:eve
assertions:
  assertTrue:
    - document:1#view@user:ann
  assertFalse:
    - document:1#view@user:eve
`;

describe("relgraph coverage", () => {
  it("reports the members never evaluated and the branches that never decided an answer", async () => {
    const file = join(dir, "cov.yaml");
    writeFileSync(file, FILE);
    const io = captureIO({});
    expect(await runCoverage([file, "--json"], io), io.err()).toBe(0);
    const report = JSON.parse(io.out()) as CoverageReport;
    expect(report).toMatchObject({ files: 1, assertions: 2 });
    // view@ann: granted by reader (the union's first operand), banned did not hold.
    // view@eve: denied by banned (the exclusion's subtracted side held).
    // Never: the arrow parent->viewer (a grant needs only one branch), audit and its operands.
    expect(report.members.missed).toEqual([
      "document#audit",
      "document#auditor",
      "document#parent",
      "folder#viewer",
    ]);
    expect(report.branches.missed.map((b) => `${b.member}${b.path} ${b.text}`)).toEqual([
      "document#audit.0 auditor",
      "document#audit.1 reader",
      "document#view.0.1 parent->viewer",
    ]);
    expect(report.branches).toMatchObject({ total: 6, decided: 3 }); // view: .0 .0.0 .0.1 .1; audit: .0 .1

    const text = captureIO({});
    expect(await runCoverage([file], text)).toBe(0);
    expect(text.out()).toContain("rewrite branches that decided an answer: 3/6 (50 %)");
    expect(text.out()).toContain("  document#view  operand 0.1: parent->viewer\n");
  });

  it("exits 2 on what it cannot read", async () => {
    const io = captureIO({});
    expect(await runCoverage([], io)).toBe(2);
    expect(io.err()).toContain("expected at least one FILE");
    const missing = captureIO({});
    expect(await runCoverage([join(dir, "nope.yaml")], missing)).toBe(2);
    expect(missing.err()).toMatch(/^relgraph coverage: INVALID_ARGUMENT: /);
  });
});
