/**
 * Runs a loaded validation file against a RelgraphService, as `zed validate` does: a fresh
 * temporary store, the schema and relationships written, every assertion and every `validation:`
 * key evaluated, the store deleted afterwards (also on failure).
 *
 * Each assertion lands in exactly one of `passed` / `failed`. A schema or relationship the service
 * refuses makes the whole file a load error (`error` set, both lists empty).
 */
import { randomBytes } from "node:crypto";
import { isRelgraphError } from "../../errors.ts";
import {
  formatSubjectRef,
  tupleResource,
  tupleSubject,
  type SubjectRef,
  type Tuple,
} from "../../model/tuple.ts";
import type {
  Consistency,
  ExpandedSubject,
  Permissionship,
  RelgraphService,
} from "../../coordinator/service.ts";
import type { RelationshipUpdate } from "../../store/interface.ts";
import { formatObjectRelation, type ExpectedSubject } from "./expected.ts";
import { prepareFgaStore, runFgaAssertions, type FgaTestFile } from "./fga.ts";
import type { Assertion, ValidationBlock, ValidationFile } from "./loader.ts";

export interface PassedAssertion {
  readonly assertion: string;
}
export interface FailedAssertion {
  readonly assertion: string;
  readonly reason: string;
}

/** One file's entry in `relgraph validate --json`. */
export interface FileReport {
  readonly file: string;
  readonly passed: readonly PassedAssertion[];
  readonly failed: readonly FailedAssertion[];
  /** Set only when the file could not be loaded (then both lists are empty). */
  readonly error?: string;
}

/** The service's write batch limit: relationships are written in chunks of this size. */
const WRITE_BATCH = 1000;
const FULLY_CONSISTENT: Consistency = { kind: "fullyConsistent" };

export function temporaryStoreName(): string {
  return `validate-${randomBytes(6).toString("hex")}`;
}

export function assertionLabel(a: Assertion): string {
  return `${a.kind} ${a.text}`;
}

export function validationLabel(v: ValidationBlock): string {
  return `validation ${v.key}`;
}

function describeError(e: unknown): string {
  if (isRelgraphError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

export function loadErrorReport(file: string, error: string): FileReport {
  return { file, passed: [], failed: [], error };
}

/**
 * Evaluates `loaded` on a temporary store of `service`. Rejects only for bugs; every failure the
 * file or the service reports ends up in the returned report.
 */
export async function runValidationFile(
  service: RelgraphService,
  file: string,
  loaded: ValidationFile,
  options: { readonly storeName?: string; readonly warn?: (message: string) => void } = {},
): Promise<FileReport> {
  if (loaded.format === "openfga") return runFgaFile(service, file, loaded, options);
  const storeName = options.storeName ?? temporaryStoreName();
  try {
    await service.createStore(storeName);
  } catch (e) {
    return loadErrorReport(file, `cannot create the temporary store ${storeName}: ${describeError(e)}`);
  }
  try {
    try {
      await service.writeSchema(storeName, loaded.schema, "ZED", loaded.schemaFiles);
    } catch (e) {
      return loadErrorReport(file, `the schema was refused: ${describeError(e)}`);
    }
    try {
      await writeAll(service, storeName, loaded.relationships);
    } catch (e) {
      return loadErrorReport(file, `the relationships were refused: ${describeError(e)}`);
    }
    const passed: PassedAssertion[] = [];
    const failed: FailedAssertion[] = [];
    const record = (assertion: string, reason: string | undefined): void => {
      if (reason === undefined) passed.push({ assertion });
      else failed.push({ assertion, reason });
    };
    for (const a of loaded.assertions)
      record(assertionLabel(a), await evaluateAssertion(service, storeName, a));
    for (const v of loaded.validations)
      record(validationLabel(v), await evaluateValidation(service, storeName, v));
    return { file, passed, failed };
  } finally {
    // A leftover store does not change the result: say so, but keep the file's outcome.
    await service
      .deleteStore(storeName)
      .catch((e: unknown) =>
        options.warn?.(`${file}: could not delete the temporary store ${storeName}: ${describeError(e)}`),
      );
  }
}

async function writeAll(service: RelgraphService, store: string, tuples: readonly Tuple[]): Promise<void> {
  for (let i = 0; i < tuples.length; i += WRITE_BATCH) {
    const updates: RelationshipUpdate[] = tuples
      .slice(i, i + WRITE_BATCH)
      .map((tuple) => ({ operation: "TOUCH", tuple }));
    await service.writeRelationships(store, updates);
  }
}

/** undefined when the assertion holds, else the reason it does not. */
async function evaluateAssertion(
  service: RelgraphService,
  store: string,
  a: Assertion,
): Promise<string | undefined> {
  if (a.tuple.caveat) return "cannot specify a caveat on an assertion";
  if (a.tuple.expiration !== undefined) return "cannot specify an expiration on an assertion";
  let permissionship: Permissionship;
  try {
    const outcome = await service.check(
      store,
      {
        resource: tupleResource(a.tuple),
        permission: a.tuple.relation,
        subject: tupleSubject(a.tuple),
        ...(a.context !== undefined ? { context: a.context } : {}),
      },
      FULLY_CONSISTENT,
    );
    permissionship = outcome.permissionship;
  } catch (e) {
    return describeError(e);
  }
  // zed: assertTrue wants HAS, assertCaveated CONDITIONAL, assertFalse NO.
  const expected =
    a.kind === "assertTrue"
      ? "HAS_PERMISSION"
      : a.kind === "assertCaveated"
        ? "CONDITIONAL_PERMISSION"
        : "NO_PERMISSION";
  return permissionship === expected ? undefined : `expected ${expected}, got ${permissionship}`;
}

async function evaluateValidation(
  service: RelgraphService,
  store: string,
  v: ValidationBlock,
): Promise<string | undefined> {
  let found: readonly ExpandedSubject[];
  try {
    found = await service.subjects(store, v.resource, v.permission, FULLY_CONSISTENT);
  } catch (e) {
    return describeError(e);
  }
  const problems = compareSubjects(v.expected, found);
  return problems.length === 0 ? undefined : problems.join("; ");
}

interface FoundSubject {
  readonly subject: SubjectRef;
  readonly excluded: readonly SubjectRef[];
  readonly relations: Set<string>;
  readonly conditional: boolean;
}

const wrap = (texts: readonly string[]): string[] => texts.map((t) => `<${t}>`);

/**
 * The subject-by-subject comparison of `zed validate` (SpiceDB pkg/development/validation.go):
 * every expected subject must be found with exactly the specified justifying relations (compared
 * sorted), wildcards with exactly the specified exclusions, and every found subject must be
 * specified. Returns the problems in zed's order: expected subjects first, then unexpected ones.
 */
export function compareSubjects(
  expected: readonly ExpectedSubject[],
  foundList: readonly ExpandedSubject[],
): string[] {
  const found = new Map<string, FoundSubject>();
  for (const f of foundList) {
    const key = formatSubjectRef(f.subject);
    const relations = f.relations.map(formatObjectRelation);
    const existing = found.get(key);
    if (existing) for (const r of relations) existing.relations.add(r);
    else
      found.set(key, {
        subject: f.subject,
        excluded: f.excluded,
        relations: new Set(relations),
        conditional: f.conditional,
      });
  }

  const problems: string[] = [];
  const encountered = new Set<string>();
  for (const exp of expected) {
    if (!exp.subject) {
      problems.push(`no expected subject specified in \`${exp.text}\``);
      continue;
    }
    const key = formatSubjectRef(exp.subject.subject);
    encountered.add(key);
    const f = found.get(key);
    if (!f) {
      problems.push(`missing expected subject \`${key}\``);
      continue;
    }
    const expectedRelations = exp.relations.map(formatObjectRelation).sort();
    const foundRelations = [...f.relations].sort();
    if (!sameList(expectedRelations, foundRelations))
      problems.push(
        `found different relationships for subject \`${key}\`: specified ${wrap(expectedRelations).join("/") || "none"}, ` +
          `computed ${wrap(foundRelations).join("/") || "none"}`,
      );
    if (f.subject.id === "*") {
      const expectedExcluded = exp.subject.exceptions
        .map((e) => formatSubjectRef(e.subject) + (e.caveated ? "[...]" : ""))
        .sort();
      const foundExcluded = f.excluded.map(formatSubjectRef).sort();
      if (!sameList(expectedExcluded, foundExcluded))
        problems.push(
          `found different excluded subjects for subject \`${key}\`: specified {${expectedExcluded.join(", ")}}, ` +
            `computed {${foundExcluded.join(", ")}}`,
        );
    } else if (exp.subject.exceptions.length > 0) {
      problems.push(`found unexpected excluded subjects for subject \`${key}\``);
    }
    if (f.conditional !== exp.subject.caveated)
      problems.push(
        `found caveat mismatch for subject \`${key}\`: specified ${exp.subject.caveated ? "caveated" : "not caveated"}, ` +
          `computed ${f.conditional ? "caveated" : "not caveated"}`,
      );
  }
  for (const key of [...found.keys()].sort())
    if (!encountered.has(key)) problems.push(`subject \`${key}\` found but missing from specified`);
  return problems;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * An OpenFGA test file: each test on its own temporary store (the model, the file's tuples and the
 * test's), deleted afterwards. A refused model or tuple makes the whole file a load error.
 */
async function runFgaFile(
  service: RelgraphService,
  file: string,
  loaded: FgaTestFile,
  options: { readonly storeName?: string; readonly warn?: (message: string) => void },
): Promise<FileReport> {
  const passed: PassedAssertion[] = [];
  const failed: FailedAssertion[] = [];
  const tests = loaded.tests.length > 0 ? loaded.tests : [undefined];
  for (const [index, test] of tests.entries()) {
    const storeName =
      options.storeName !== undefined
        ? `${options.storeName}${index === 0 ? "" : `-${index}`}`
        : temporaryStoreName();
    try {
      await service.createStore(storeName);
    } catch (e) {
      return loadErrorReport(file, `cannot create the temporary store ${storeName}: ${describeError(e)}`);
    }
    try {
      try {
        await service.writeSchema(storeName, loaded.model, "OPENFGA");
      } catch (e) {
        return loadErrorReport(file, `the model was refused: ${describeError(e)}`);
      }
      try {
        await prepareFgaStore(service, storeName, undefined, [...loaded.tuples, ...(test?.tuples ?? [])]);
      } catch (e) {
        return loadErrorReport(file, `the tuples were refused: ${describeError(e)}`);
      }
      if (test === undefined) continue;
      for (const o of await runFgaAssertions(service, storeName, test)) {
        if (o.reason === undefined) passed.push({ assertion: o.assertion });
        else failed.push({ assertion: o.assertion, reason: o.reason });
      }
    } finally {
      await service
        .deleteStore(storeName)
        .catch((e: unknown) =>
          options.warn?.(`${file}: could not delete the temporary store ${storeName}: ${describeError(e)}`),
        );
    }
  }
  return { file, passed, failed };
}
