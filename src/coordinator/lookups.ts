/**
 * Lookups run in two layers, the way SpiceDB wraps its dispatcher: `ComputedLookups` evaluates and
 * computes a lookup's whole sorted result list; `CachedLookups` decorates any LookupRunner with the
 * computed-result cache, so the pages of one walk compute the lookup once per revision.
 *
 * Cached results are keyed by the evaluation's scope and the request digest: a write changes the
 * scope, so a page after a write recomputes (and says `staleCursor`). A later page (a cursor) first
 * on an evaluator that reads per request (Cypher) first asks for its snapshot (one head read): when
 * nothing was written since, the cached results answer it without reading any subgraph. On the
 * memory evaluator the evaluation itself costs nothing, and its scope finds the cached results.
 */
import { LookupResultCache, type SortedResults } from "../engine/lookup/paging.ts";
import type { Revision } from "../store/interface.ts";
import type { Evaluation, EvaluatorSource, ReadTarget } from "./evaluation.ts";
import type { LookupPageRequest } from "./service.ts";

/** One lookup: what it reads and how its sorted results are computed on an evaluation. */
export interface LookupJob<T> {
  /** Identifies the request (store, arguments, contextual tuples): cursors carry it. */
  readonly digest: string;
  readonly target: ReadTarget;
  compute(evaluation: Evaluation): SortedResults<T>;
}

export interface LookupRun<T> {
  readonly revision: Revision;
  readonly results: SortedResults<T>;
}

export interface LookupRunner {
  run<T>(
    source: EvaluatorSource,
    store: string,
    page: LookupPageRequest,
    job: LookupJob<T>,
  ): Promise<LookupRun<T>>;
}

/** Evaluates and computes every time. */
export class ComputedLookups implements LookupRunner {
  async run<T>(
    source: EvaluatorSource,
    store: string,
    page: LookupPageRequest,
    job: LookupJob<T>,
  ): Promise<LookupRun<T>> {
    const e = await source.evaluate(store, job.target, page.consistency);
    return { revision: e.revision, results: job.compute(e) };
  }
}

/** Keeps computed results by (scope, digest) around `inner`. */
export class CachedLookups implements LookupRunner {
  private readonly cache = new LookupResultCache();

  constructor(private readonly inner: LookupRunner) {}

  async run<T>(
    source: EvaluatorSource,
    store: string,
    page: LookupPageRequest,
    job: LookupJob<T>,
  ): Promise<LookupRun<T>> {
    if (page.after !== undefined && !source.wholeStore) {
      // A later page on an evaluator that reads per request: one head read may spare the subgraph.
      const at = await source.snapshot(store, page.consistency);
      const cached = this.cache.peek<T>(`${at.scope}|${job.digest}`);
      if (cached !== undefined) return { revision: at.revision, results: cached };
    }
    return this.inner.run(source, store, page, {
      digest: job.digest,
      target: job.target,
      // Caveats and expiries make results depend on the context and the clock: never kept.
      compute: (e) =>
        e.schema.conditional
          ? job.compute(e)
          : this.cache.get(`${e.scope}|${job.digest}`, () => job.compute(e)),
    });
  }

  /** Forgets every computed lookup (benchmarks measure cold pages with it; writes never need it). */
  clear(): void {
    this.cache.clear();
  }
}
