/**
 * EvaluatorPolicy: which evaluator serves a store, decided once per store and process.
 *
 *   RELGRAPH_EVALUATOR (config.engine.evaluator): `memory` or `cypher` for every store, or per store
 *     (`big=cypher,small=memory`, `*=` for the others);
 *   otherwise RELGRAPH_MEMORY_BUDGET_MB: a store whose projection (estimated at BYTES_PER_TUPLE per
 *     stored tuple) would take the process past the budget is evaluated in Neo4j;
 *   otherwise, and always for a store without a SubgraphReader (the memory store): memory.
 *
 * Example: budget 1 MB, store "a" of 2,000 tuples (0.4 MB) → memory; then store "b" of 4,000
 * (0.8 MB, 1.2 MB together) → cypher.
 */
import type { EngineConfig, EvaluatorKind } from "../config.ts";
import type { SubgraphReader } from "../store/interface.ts";

/** Bytes per tuple a projection is estimated to take (the README's measured worst case, rounded). */
export const BYTES_PER_TUPLE = 200;

export class EvaluatorPolicy {
  private readonly decisions = new Map<string, Promise<EvaluatorKind>>();
  /** Estimated bytes of the stores this process decided to hold in memory. */
  private committedBytes = 0;

  constructor(
    private readonly config: Pick<EngineConfig, "evaluator" | "memoryBudgetMb">,
    /** The store's reachability reads; absent = the store cannot evaluate in place (memory only). */
    private readonly subgraphs: SubgraphReader | undefined,
  ) {}

  /** The evaluator of `store` (a failed decision, e.g. Neo4j down, is not remembered). */
  kindOf(store: string): Promise<EvaluatorKind> {
    let d = this.decisions.get(store);
    if (d === undefined) {
      d = this.decide(store);
      this.decisions.set(store, d);
      d.catch(() => {
        if (this.decisions.get(store) === d) this.decisions.delete(store);
      });
    }
    return d;
  }

  /** Forgets a store's decision (deleteStore). */
  forget(store: string): void {
    this.decisions.delete(store);
  }

  private async decide(store: string): Promise<EvaluatorKind> {
    if (this.subgraphs === undefined) return "memory";
    const e = this.config.evaluator;
    const chosen = e.stores.get(store) ?? e.default;
    if (chosen !== undefined) return chosen;
    const budget = this.config.memoryBudgetMb * 1024 * 1024;
    if (budget <= 0) return "memory";
    const bytes = (await this.subgraphs.tupleCount(store)) * BYTES_PER_TUPLE;
    if (this.committedBytes + bytes > budget) return "cypher";
    this.committedBytes += bytes;
    return "memory";
  }
}
