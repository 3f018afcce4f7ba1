/**
 * The memory evaluator: each store it serves is held in this process as a Projection (a TupleIndex
 * loaded from the store, then kept current from its change log; engine/projection), and the engine
 * runs on the projection's reader. Microseconds per check; no round trip for minimizeLatency.
 *
 * Consistency on a projection:
 *   minimizeLatency  → the projection as it is, if it heard from the store within the staleness bound
 *   atLeastAsFresh   → wait until the projection reaches the token's revision (pulls at once)
 *   fullyConsistent  → one head read, then pull up to it
 */
import type { EngineConfig } from "../config.ts";
import type { SubResultCache } from "../engine/cache.ts";
import { Evaluator } from "../engine/check.ts";
import { Projection } from "../engine/projection/projection.ts";
import { ErrorCode, RelgraphError } from "../errors.ts";
import type { Revision, TupleStore } from "../store/interface.ts";
import { withoutDeadline } from "../store/deadline.ts";
import { decodeToken, isLegacyToken } from "../store/token.ts";
import type { TypeSystem } from "../typesystem/typesystem.ts";
import { refuseAhead, satisfy } from "./consistency.ts";
import type { Evaluation, EvaluatorSource, Snapshot } from "./evaluation.ts";
import type { Consistency } from "./service.ts";

export class MemoryEvaluator implements EvaluatorSource {
  readonly kind = "memory" as const;
  readonly wholeStore = true;
  private readonly projections = new Map<string, Promise<Projection>>();
  private readonly evaluators = new WeakMap<TypeSystem, Evaluator>();

  constructor(
    private readonly store: TupleStore,
    private readonly config: EngineConfig,
    /** The shared sub-result cache (absent = off). */
    private readonly cache: SubResultCache | undefined,
  ) {}

  async evaluate(store: string, _target: unknown, consistency: Consistency | undefined): Promise<Evaluation> {
    const p = await this.fresh(store, consistency);
    const schema = schemaOf(p, store);
    return {
      schema,
      evaluator: this.evaluatorFor(schema),
      reader: p.reader,
      revision: p.revision,
      scope: p.cacheScope,
    };
  }

  async snapshot(store: string, consistency: Consistency | undefined): Promise<Snapshot> {
    const p = await this.fresh(store, consistency);
    return { revision: p.revision, scope: p.cacheScope };
  }

  /** After our own write: bring a loaded projection to the write's revision (read-your-writes). */
  async written(store: string, revision: Revision): Promise<void> {
    const p = this.projections.get(store);
    if (!p) return;
    const projection = await p.catch(() => undefined);
    if (!projection) return;
    if (projection.revision.incarnation !== revision.incarnation) {
      this.forget(store);
      return;
    }
    await projection.waitFor(revision.revision);
  }

  forget(store: string): void {
    const p = this.projections.get(store);
    this.projections.delete(store);
    p?.then((x) => x.stop()).catch(() => {});
  }

  close(): void {
    for (const name of [...this.projections.keys()]) this.forget(name);
  }

  /** The loaded projection of a store (loading it on first use, then following its change log). */
  projection(store: string): Promise<Projection> {
    let p = this.projections.get(store);
    if (!p) {
      // Outside the request's deadline: the load is shared by every later request and the poller
      // outlives this one (the request itself still stops waiting at its deadline).
      p = withoutDeadline(() =>
        Projection.open(this.store, store, {
          pollIntervalMs: this.config.pollIntervalMs,
          stalenessMs: this.config.stalenessBoundMs,
          waitTimeoutMs: this.config.consistencyWaitMs,
          ...(this.store.follower !== undefined ? { follower: this.store.follower } : {}),
        }).then((projection) => {
          projection.start();
          return projection;
        }),
      );
      this.projections.set(store, p);
      // A failed load is not remembered: the next request tries again.
      p.catch(() => {
        if (this.projections.get(store) === p) this.projections.delete(store);
      });
    }
    return p;
  }

  private fresh(store: string, consistency: Consistency | undefined): Promise<Projection> {
    return satisfy(consistency, {
      asIs: async () => {
        const p = await this.projection(store);
        p.ensureFresh();
        return p;
      },
      latest: async () => {
        const p = await this.projection(store);
        await p.catchUp();
        return p;
      },
      atLeast: (token) => this.atLeast(store, token),
    });
  }

  private async atLeast(store: string, token: string): Promise<Projection> {
    let p = await this.projection(store);
    // The store first (a token of another store is refused without touching the projection).
    let wanted = decodeToken(token);
    if (wanted.store !== store) decodeToken(token, { store, incarnation: wanted.incarnation });
    // The projection may predate a delete + re-create of the store (made by another process):
    // reload once and re-check; a token older than the store's incarnation is refused (asking
    // Neo4j first, so an old token never costs a reload).
    if (wanted.incarnation !== p.revision.incarnation) {
      const head = await this.store.head(store);
      decodeToken(token, { store, incarnation: head.incarnation });
      this.forget(store);
      p = await this.projection(store);
      wanted = decodeToken(token, { store, incarnation: p.revision.incarnation });
    }
    // An unsigned (legacy) token ahead of what this process has seen may be made up: ask the store
    // once, so it is refused at once instead of holding the request for the whole wait. A signed
    // token was issued by a process of this store, so its revision exists: no extra round trip.
    if (isLegacyToken(token) && wanted.revision > p.revision.revision)
      refuseAhead(wanted, await this.store.head(store));
    try {
      await p.waitFor(wanted.revision);
    } catch (e) {
      // Waiting pulled the store and found it re-created: the token is from a deleted incarnation.
      refuseOtherIncarnation(store, token, p);
      throw e;
    }
    // The pull may have reached a new incarnation whose revision passes the old token's.
    refuseOtherIncarnation(store, token, p);
    return p;
  }

  private evaluatorFor(schema: TypeSystem): Evaluator {
    let e = this.evaluators.get(schema);
    if (!e) {
      const clock = this.store.clock;
      e = new Evaluator(schema, {
        maxDepth: this.config.maxDepth,
        ...(this.cache ? { cache: this.cache } : {}),
        // Expiries by the store's clock (Neo4j's), without a round trip.
        ...(clock !== undefined ? { clock: () => clock.now() } : {}),
      });
      this.evaluators.set(schema, e);
    }
    return e;
  }
}

/** INVALID_ARGUMENT when `token` is not from the incarnation the projection now reflects. */
function refuseOtherIncarnation(store: string, token: string, p: Projection): void {
  let incarnation: string;
  try {
    incarnation = p.revision.incarnation;
  } catch {
    return; // not loaded: nothing to compare with
  }
  decodeToken(token, { store, incarnation });
}

function schemaOf(p: Projection, store: string): TypeSystem {
  const schema = p.compiledSchema;
  if (!schema) throw noSchema(store);
  return schema;
}

/** FAILED_PRECONDITION: evaluation needs a schema. */
export function noSchema(store: string): RelgraphError {
  return new RelgraphError(ErrorCode.FAILED_PRECONDITION, `store "${store}" has no schema: write one first`);
}
