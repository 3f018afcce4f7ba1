/**
 * The brute-force oracle of the lookup property tests: `check` on every object (subject) of the
 * universe, and helpers that walk a lookup page by page through a RelgraphService.
 */
import { expect } from "vitest";
import { Evaluator } from "../../../src/engine/check.ts";
import { TupleIndex } from "../../../src/model/tupleIndex.ts";
import { IndexReader } from "../../../src/engine/reader.ts";
import { HAS } from "../../../src/engine/result.ts";
import { TypeSystem } from "../../../src/typesystem/typesystem.ts";
import { formatSubjectRef, type SubjectRef, type Tuple } from "../../../src/model/tuple.ts";
import type { Consistency, LookupSubject, RelgraphService } from "../../../src/coordinator/service.ts";
import type { SchemaIR } from "../../../src/typesystem/ir.ts";

export const FRESH_USER = "never-written-user";

export class Oracle {
  readonly schema: TypeSystem;
  readonly reader: IndexReader;
  readonly ev: Evaluator;
  /** Objects named by the tuples, by type (wildcards left out). */
  readonly universe = new Map<string, Set<string>>();

  constructor(ir: SchemaIR, tuples: readonly Tuple[]) {
    this.schema = new TypeSystem(ir);
    const index = new TupleIndex();
    for (const t of tuples) index.add(t);
    this.reader = new IndexReader(index);
    this.ev = new Evaluator(this.schema);
    const add = (type: string, id: string): void => {
      if (id === "*") return;
      let set = this.universe.get(type);
      if (set === undefined) this.universe.set(type, (set = new Set()));
      set.add(id);
    };
    for (const t of tuples) {
      add(t.resourceType, t.resourceId);
      add(t.subjectType, t.subjectId);
    }
  }

  private has(type: string, id: string, permission: string, subject: SubjectRef): boolean {
    return this.ev.check(this.reader, { resource: { type, id }, permission, subject }) === HAS;
  }

  /** Sorted ids of `type` objects (universe + the subject's own object) where check holds. */
  resources(type: string, permission: string, subject: SubjectRef): string[] {
    const ids = new Set(this.universe.get(type) ?? []);
    if (subject.type === type) ids.add(subject.id);
    return [...ids].filter((id) => this.has(type, id, permission, subject)).sort(byCodeUnit);
  }

  /**
   * Per subject of the universe (plus a fresh user): does check hold? Returned as the sorted
   * list of those that hold.
   */
  subjects(type: string, id: string, permission: string, subjectType: string, relation: string): string[] {
    const ids = new Set(this.universe.get(subjectType) ?? []);
    if (relation === "") ids.add(FRESH_USER);
    if (type === subjectType) ids.add(id);
    return [...ids]
      .map((sid) => ({ type: subjectType, id: sid, relation }))
      .filter((s) => this.has(type, id, permission, s))
      .map(formatSubjectRef)
      .sort(byCodeUnit);
  }

  /** What a lookupSubjects answer says about the same universe (a wildcard covers all but its exclusions). */
  expandAnswer(
    answer: readonly LookupSubject[],
    subjectType: string,
    relation: string,
    resource?: { type: string; id: string },
  ): string[] {
    const ids = new Set(this.universe.get(subjectType) ?? []);
    if (relation === "") ids.add(FRESH_USER);
    if (resource !== undefined && resource.type === subjectType) ids.add(resource.id);
    const concrete = new Set(
      answer.filter((a) => a.subject.id !== "*").map((a) => formatSubjectRef(a.subject)),
    );
    const wildcard = answer.find((a) => a.subject.id === "*");
    const excluded = new Set(wildcard?.excluded.map(formatSubjectRef) ?? []);
    for (const c of concrete) {
      // Every concrete subject returned must hold; it is also part of the universe then.
      const sid = c.slice(subjectType.length + 1).split("#")[0]!;
      ids.add(sid);
    }
    return [...ids]
      .map((sid) => formatSubjectRef({ type: subjectType, id: sid, relation }))
      .filter((s) => concrete.has(s) || (wildcard !== undefined && !excluded.has(s)))
      .sort(byCodeUnit);
  }
}

/** How a walk asks: a consistency (fullyConsistent by default) and contextual tuples. */
export interface WalkOptions {
  readonly consistency?: Consistency;
  readonly contextualTuples?: readonly Tuple[];
}

function walkOptions(w: Consistency | WalkOptions): {
  consistency: Consistency;
  contextual: { contextualTuples?: readonly Tuple[] };
} {
  if ("kind" in w) return { consistency: w, contextual: {} };
  return {
    consistency: w.consistency ?? { kind: "fullyConsistent" },
    contextual: w.contextualTuples ? { contextualTuples: w.contextualTuples } : {},
  };
}

export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every page of a lookupResources walk; asserts no duplicates and a strictly increasing order. */
export async function allResources(
  service: RelgraphService,
  store: string,
  resourceType: string,
  permission: string,
  subject: SubjectRef,
  first: number,
  walk: Consistency | WalkOptions = { kind: "fullyConsistent" },
): Promise<string[]> {
  const { consistency, contextual } = walkOptions(walk);
  const out: string[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await service.lookupResources(
      store,
      { resourceType, permission, subject, ...contextual },
      { first, ...(after !== undefined ? { after } : {}), consistency },
    );
    expect(page.resources.length).toBeLessThanOrEqual(first);
    expect(page.staleCursor).toBe(false);
    out.push(...page.resources.map((r) => r.resource.id));
    if (!page.hasNextPage) break;
    expect(page.endCursor).toBeDefined();
    after = page.endCursor;
  }
  expect([...out].sort(byCodeUnit)).toEqual(out);
  expect(new Set(out).size).toBe(out.length);
  return out;
}

/** Every page of a lookupSubjects walk, checked the same way. */
export async function allSubjects(
  service: RelgraphService,
  store: string,
  resource: { type: string; id: string },
  permission: string,
  subjectType: string,
  subjectRelation: string,
  first: number,
  walk: Consistency | WalkOptions = { kind: "fullyConsistent" },
): Promise<LookupSubject[]> {
  const { consistency, contextual } = walkOptions(walk);
  const out: LookupSubject[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await service.lookupSubjects(
      store,
      { resource, permission, subjectType, subjectRelation, ...contextual },
      { first, ...(after !== undefined ? { after } : {}), consistency },
    );
    expect(page.subjects.length).toBeLessThanOrEqual(first);
    expect(page.staleCursor).toBe(false);
    out.push(...page.subjects);
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  const keys = out.map((s) => formatSubjectRef(s.subject));
  expect([...keys].sort(byCodeUnit)).toEqual(keys);
  expect(new Set(keys).size).toBe(keys.length);
  return out;
}
