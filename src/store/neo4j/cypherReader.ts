/**
 * CypherReader: the Neo4j store's SubgraphReader (store/interface.ts), what the Cypher evaluator
 * (coordinator/cypherEvaluator.ts) reads instead of holding a projection.
 *
 * What runs where. Neo4j answers reachability: from a check's resource (and the objects of its
 * contextual tuples), every object reachable over *structural* tuples — userset subjects and the
 * tupleset relations arrows walk — in one variable-length expansion the planner runs as
 * `VarLengthExpand(Pruning, BFS)` (each node once: the 20×4 diamond is ~80 visits, not 4^20 paths),
 * and, from those objects, their structural tuples plus those naming the check's subject or its
 * type's wildcard (cypher/reach-closure.cypher). That subgraph is exactly what the engine can read
 * for this check, so the unchanged engine answers on it in TypeScript.
 *
 * Cost shape: **one round trip per check whatever the depth** (per start type); what grows with
 * depth is the size of that one answer, not the number of round trips.
 *
 * Concurrent checks share round trips: `closure()` goes through a DataLoader, so the checks made
 * in one tick against one store and start type become one query (the union of their starts and
 * subjects; every check evaluates on the shared answer, which is a superset of what it reads and
 * still exact for every object it reaches).
 *
 * Lookups: lookupSubjects reads the `all` variant of that closure; lookupResources reads the
 * reverse (cypher/reach-reverse.cypher): from the subject's object, its type's wildcard and the
 * contextual tuples' resources, the objects that reach them over structural tuples, with their
 * structural tuples and those naming the subject.
 *
 * `reachable(start, relations, target)` is the bare reachability primitive (`SHORTEST 1`, a BFS
 * that stops at the first path).
 */
import DataLoader from "dataloader";
import type { ObjectRef } from "../../model/tuple.ts";
import { storeNotFound } from "../common.ts";
import type {
  ClosureRequest,
  ReverseRequest,
  SubgraphReader,
  SubgraphReaderStats,
  SubgraphRows,
} from "../interface.ts";
import { cypher } from "./cypher.ts";
import type { Neo4jDatabase } from "./session.ts";
import { inTransaction } from "./session.ts";
import { tupleFromRow } from "./tupleCodec.ts";
import { mapRow } from "./values.ts";

interface Key {
  readonly store: string;
  readonly type: string;
  readonly ids: readonly string[];
  readonly subjects: readonly string[];
  readonly tuplesets: readonly string[];
  readonly all: boolean;
}

export class CypherReader implements SubgraphReader {
  readonly stats: SubgraphReaderStats = { queries: 0, requests: 0 };
  private readonly loader: DataLoader<Key, SubgraphRows, string>;
  private readonly db: Neo4jDatabase;

  constructor(
    /** Where its queries run (the store's requests driver, breaker and gate). */
    db: Neo4jDatabase,
    options: { readonly maxBatchSize?: number } = {},
  ) {
    this.db = db;
    this.loader = new DataLoader<Key, SubgraphRows, string>((keys) => this.batch(keys), {
      cache: false,
      maxBatchSize: options.maxBatchSize ?? 256,
    });
  }

  /**
   * What one check reads, one answer per start type, each with the revision it was read at.
   * Calls made in the same tick share queries (and answer objects). NOT_FOUND for an unknown store.
   */
  async closure(req: ClosureRequest): Promise<readonly SubgraphRows[]> {
    this.stats.requests++;
    return Promise.all(
      [...groupByType(req.starts)].map(([type, ids]) =>
        this.loader.load({
          store: req.store,
          type,
          ids: [...ids],
          subjects: req.all === true ? [] : req.subjects,
          tuplesets: req.tuplesets,
          all: req.all === true,
        }),
      ),
    );
  }

  /**
   * What one lookupResources reads (cypher/reach-reverse.cypher): one query per start type (the
   * subject's type, then any other type of a contextual tuple's resource). NOT_FOUND for an unknown
   * store.
   */
  async reverse(req: ReverseRequest): Promise<readonly SubgraphRows[]> {
    this.stats.requests++;
    return Promise.all(
      [...groupByType(req.starts)].map(([type, ids]) =>
        this.reach("reach-reverse", req.store, type, {
          ids: [...ids],
          subjects: [...req.subjects],
          tuplesets: [...req.tuplesets],
        }),
      ),
    );
  }

  /**
   * Is `target` reachable from `start` over tuples whose relations are all in `relations`?
   * One `SHORTEST 1` query (a BFS stopping at the first path), with the path's length.
   */
  async reachable(
    store: string,
    start: ObjectRef,
    relations: readonly string[],
    target: ObjectRef,
  ): Promise<{ reachable: boolean; hops: number }> {
    const result = await this.run(cypher("reach-path", { type: start.type, subject: target.type }), {
      store,
      id: start.id,
      subjectId: target.id,
      relations: [...relations],
    });
    const rec = result[0];
    if (rec === undefined) return { reachable: false, hops: 0 };
    return { reachable: rec["reachable"] === true, hops: Number(rec["hops"] ?? 0) };
  }

  /** Tuples stored in a store: the memory budget's measure of it. */
  async tupleCount(store: string): Promise<number> {
    const typeRows = await this.run(cypher("read-store-types"), { store });
    const types = typeRows[0]?.["types"];
    if (typeRows[0] === undefined) throw storeNotFound(store);
    const resourceTypes = Array.isArray(types) ? types.map(String) : [];
    const counts = await Promise.all(
      resourceTypes.map(async (type) => {
        const rows = await this.run(cypher("read-store-size", { type }), { store });
        return Number(rows[0]?.["count"] ?? 0);
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  private async batch(keys: readonly Key[]): Promise<(SubgraphRows | Error)[]> {
    // One query per (store, start type, tupleset set, all): the union of the group's starts and subjects.
    const groups = new Map<string, number[]>();
    keys.forEach((k, i) => {
      const g = `${k.store}\u0000${k.type}\u0000${k.tuplesets.join(",")}\u0000${k.all}`;
      const list = groups.get(g);
      if (list === undefined) groups.set(g, [i]);
      else list.push(i);
    });
    const out: (SubgraphRows | Error)[] = new Array<SubgraphRows | Error>(keys.length);
    await Promise.all(
      [...groups.values()].map(async (members) => {
        const first = keys[members[0]!]!;
        const ids = new Set<string>();
        const subjects = new Set<string>();
        for (const i of members) {
          for (const id of keys[i]!.ids) ids.add(id);
          for (const s of keys[i]!.subjects) subjects.add(s);
        }
        try {
          const answer = await this.closureOf(first, [...ids], [...subjects]);
          for (const i of members) out[i] = answer;
        } catch (e) {
          const err = e instanceof Error ? e : new Error(String(e));
          for (const i of members) out[i] = err;
        }
      }),
    );
    return out;
  }

  private async closureOf(key: Key, ids: string[], subjects: string[]): Promise<SubgraphRows> {
    return this.reach("reach-closure", key.store, key.type, {
      ids,
      subjects,
      tuplesets: [...key.tuplesets],
      all: key.all,
    });
  }

  /** One reach-closure / reach-reverse execution from start nodes of one type. */
  private async reach(
    template: "reach-closure" | "reach-reverse",
    store: string,
    type: string,
    params: Record<string, unknown>,
  ): Promise<SubgraphRows> {
    const rows = await this.run(cypher(template, { type }), { store, ...params });
    const rec = rows[0];
    if (rec === undefined) throw storeNotFound(store);
    const raw = rec["rows"];
    const tuples = Array.isArray(raw) ? raw.map((row) => tupleFromRow(mapRow(row))) : [];
    return {
      tuples,
      revision: {
        store,
        incarnation: String(rec["incarnation"]),
        revision: Number(rec["revision"]),
        schemaRevision: Number(rec["schemaRevision"] ?? 0),
      },
    };
  }

  private async run(query: string, params: Record<string, unknown>): Promise<Record<string, unknown>[]> {
    this.stats.queries++;
    const result = await inTransaction(this.db, "READ", (tx) => tx.run(query, params));
    return result.records.map((r) => r.toObject() as Record<string, unknown>);
  }
}

/** Start objects by type (one query per type: a label is not a parameter). */
function groupByType(starts: readonly ObjectRef[]): Map<string, Set<string>> {
  const byType = new Map<string, Set<string>>();
  for (const s of starts) {
    let ids = byType.get(s.type);
    if (ids === undefined) byType.set(s.type, (ids = new Set()));
    ids.add(s.id);
  }
  if (byType.size === 0) byType.set(starts[0]?.type ?? "", new Set());
  return byType;
}
