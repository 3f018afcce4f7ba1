/** How `relgraph validate` reports: the `--json` document, the human summary and the exit code. */
import type { FileReport } from "./runner.ts";

export const EXIT_PASSED = 0;
export const EXIT_ASSERTIONS_FAILED = 1;
export const EXIT_LOAD_ERROR = 2;

export interface ValidateReport {
  readonly files: readonly FileReport[];
}

/** 2 when any file could not be loaded, else 1 when any assertion failed, else 0. */
export function exitCodeOf(report: ValidateReport): number {
  if (report.files.some((f) => f.error !== undefined)) return EXIT_LOAD_ERROR;
  if (report.files.some((f) => f.failed.length > 0)) return EXIT_ASSERTIONS_FAILED;
  return EXIT_PASSED;
}

/** Exactly one JSON document; `error` appears only on files that could not be loaded. */
export function formatJson(report: ValidateReport): string {
  const files = report.files.map((f) => ({
    file: f.file,
    passed: f.passed.map((p) => ({ assertion: p.assertion })),
    failed: f.failed.map((x) => ({ assertion: x.assertion, reason: x.reason })),
    ...(f.error !== undefined ? { error: f.error } : {}),
  }));
  return `${JSON.stringify({ files }, null, 2)}\n`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Per file: a line, then one line per failed assertion with its reason; a summary at the end. */
export function formatHuman(report: ValidateReport): string {
  const lines: string[] = [];
  for (const f of report.files) {
    if (f.error !== undefined) {
      lines.push(`${f.file}: could not be loaded: ${f.error}`);
      continue;
    }
    lines.push(
      f.failed.length === 0
        ? `${f.file}: ok (${plural(f.passed.length, "assertion")} passed)`
        : `${f.file}: ${f.failed.length} of ${plural(f.passed.length + f.failed.length, "assertion")} failed`,
    );
    for (const x of f.failed) lines.push(`  FAIL ${x.assertion}: ${x.reason}`);
  }
  const unloaded = report.files.filter((f) => f.error !== undefined).length;
  const failed = report.files.reduce((n, f) => n + f.failed.length, 0);
  const passed = report.files.reduce((n, f) => n + f.passed.length, 0);
  lines.push(
    `${plural(report.files.length, "file")}: ${unloaded} could not be loaded, ` +
      `${plural(failed, "assertion")} failed, ${passed} passed`,
  );
  return `${lines.join("\n")}\n`;
}
