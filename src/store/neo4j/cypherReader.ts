/**
 * The direct Cypher evaluator's reader: checks on stores that are not held in memory, pushed down
 * into Neo4j.
 *
 * What runs where. Neo4j answers reachability: from a check's resource (and the objects of its
 * contextual tuples), every object reachable over *structural* tuples — userset subjects and the
 * tupleset relations arrows walk — in one variable-length expansion the planner runs as
 * `VarLengthExpand(Pruning, BFS)` (each node once: the 20×4 diamond is ~80 visits, not 4^20 paths),
 * and, from those objects, their structural tuples plus those naming the check's subject or its
 * type's wildcard (cypher/reach-closure.cypher). That subgraph is exactly what the Evaluator can
 * read for this check, so the unchanged Evaluator (check.ts) then answers on it in TypeScript:
 * unions, `&`, `-`, arrows, cycles, caveats — identical answers by construction.
 *
 * Cost shape (tested through `stats.queries`): **one round trip per check whatever the depth** —
 * nested groups, parent chains, the diamond, a denied 1,000-deep check, and also recursion with
 * `&` and `-` inside (the whole reachable structure comes back at once; what grows with depth is
 * the size of that one answer, not the number of round trips). The price is transfer: a check
 * receives the structural closure of its resource (for a document: its folders and the groups
 * below them), not just a yes/no; subjects' direct tuples come back only for the subject asked.
 *
 * Concurrent checks share round trips: `subgraph()` goes through a DataLoader, so the checks made
 * in one tick against one store and start type become one query (the union of their starts and
 * subjects; every check evaluates on the shared answer, which is a superset of what it reads and
 * still exact for every object it reaches).
 *
 * Lookups. lookupSubjects reads the `all` variant of that closure (every tuple of every reachable
 * object) and runs the engine's forward walk on it. lookupResources reads the reverse
 * (cypher/reach-reverse.cypher): from the subject's object, its type's wildcard and the contextual
 * tuples' resources, the objects that reach them over structural tuples, with their structural
 * tuples and those naming the subject — every object a true goal can sit on, with every tuple its
 * evaluation reads for this subject — and runs the engine's reverse walk on it. One round trip per
 * lookup (one more per further type of contextual-tuple resource), whatever the depth.
 *
 * `reachable(start, relations, target)` is the bare reachability primitive (`SHORTEST 1`, a BFS
 * that stops at the first path) for callers that only need "is there a path over these relations".
 */
import DataLoader from "dataloader";
import neo4j from "neo4j-driver";
import type { Driver } from "neo4j-driver";
import { readFileSync } from "node:fs";
import type { EvaluatorConfig, EvaluatorKind } from "../../config.ts";
import { Evaluator, type CheckRequest } from "../../engine/check.ts";
import { explainCheck, type Explanation as EngineExplanation } from "../../engine/explain.ts";
import { TupleIndex } from "../../model/tupleIndex.ts";
import { IndexReader } from "../../engine/reader.ts";
import type { CheckValue } from "../../engine/result.ts";
import { TypeSystem, type CompiledRewrite } from "../../typesystem/typesystem.ts";
import { ErrorCode, RelgraphError, invariant, unreachable } from "../../errors.ts";
import type { ObjectRef, SubjectRef, Tuple } from "../../model/tuple.ts";
import type { Consistency } from "../../service.ts";
import { storeNotFound } from "../common.ts";
import type { Revision } from "../interface.ts";
import { decodeToken } from "../token.ts";
import { isLabelSafe } from "../validate.ts";
import type { Neo4jTupleStore } from "./neo4jStore.ts";
import { quoteName } from "./cypher.ts";
import { toRelgraphError } from "./neo4jErrors.ts";

const DIR = new URL("../../../cypher/", import.meta.url);
const TEMPLATES = [
  "reach-closure",
  "reach-reverse",
  "reach-path",
  "read-store-size",
  "read-store-types",
] as const;
type Template = (typeof TEMPLATES)[number];
const PLACEHOLDER = /\{\{:([a-z]+)(\?)?\}\}/g;
const texts = new Map<Template, string>(
  TEMPLATES.map((t) => [t, readFileSync(new URL(`${t}.cypher`, DIR), "utf8").trim()]),
);

/** Template text with its label placeholders filled (validated, backtick-quoted names only). */
function render(name: Template, names: Readonly<Record<string, string>>): string {
  const text = texts.get(name);
  invariant(text !== undefined, `cypher/${name}.cypher is missing`);
  return text.replace(PLACEHOLDER, (_, key: string) => {
    const value = names[key];
    invariant(value !== undefined, `template ${name} needs {{:${key}}}`);
    return `:${quoteName(value)}`;
  });
}

/** What one check needs read: its start objects and the subjects whose direct tuples matter. */
export interface SubgraphRequest {
  readonly store: string;
  /** Resource and contextual-tuple objects. */
  readonly starts: readonly ObjectRef[];
  /** `type:id` of the subject and its wildcard `type:*`; ignored when `all`. */
  readonly subjects: readonly string[];
  /** Relations that arrows walk (from the schema). */
  readonly tuplesets: readonly string[];
  /** Every tuple of every reached object (expand, subjects), not only the structural ones. */
  readonly all?: boolean;
}

/** What one lookupResources reads (cypher/reach-reverse.cypher). */
export interface ReverseRequest {
  readonly store: string;
  /** The subject's object, its type's wildcard, contextual tuples' resources (label-safe types). */
  readonly starts: readonly ObjectRef[];
  /** `type:id` of the subject and its wildcard `type:*` (none for a userset subject). */
  readonly subjects: readonly string[];
  /** Relations that arrows walk (from the schema). */
  readonly tuplesets: readonly string[];
}

export interface Subgraph {
  readonly reader: IndexReader;
  readonly tuples: number;
  readonly revision: Revision;
}

export interface CypherReaderStats {
  /** Statements sent to Neo4j (round trips). */
  queries: number;
  /** subgraph() calls answered. */
  requests: number;
}

interface Key {
  readonly store: string;
  readonly type: string;
  readonly ids: readonly string[];
  readonly subjects: readonly string[];
  readonly tuplesets: readonly string[];
  readonly all: boolean;
}

interface Answer {
  readonly rows: readonly Tuple[];
  readonly revision: Revision;
}

/** Relations walked by arrows anywhere in the schema: structural edges besides usersets. */
export function tuplesetRelations(schema: TypeSystem): string[] {
  const out = new Set<string>();
  const visit = (r: CompiledRewrite): void => {
    switch (r.kind) {
      case "arrow":
        if (r.tupleset !== undefined) out.add(r.tupleset.name);
        return;
      case "union":
      case "intersection":
        r.children.forEach(visit);
        return;
      case "exclusion":
        visit(r.base);
        visit(r.subtract);
        return;
      case "this":
      case "computed":
      case "nil":
      case "self":
        return;
      default:
        unreachable(r, "rewrite");
    }
  };
  for (const m of schema.members) visit(m.rewrite);
  return [...out].sort();
}

/** Subject keys a check on `subject` reads direct tuples of: itself and its type's wildcard. */
export function subjectKeys(subject: SubjectRef): string[] {
  if (subject.relation !== "") return [];
  return subject.id === "*" ? [`${subject.type}:*`] : [`${subject.type}:${subject.id}`, `${subject.type}:*`];
}

export class CypherReader {
  readonly stats: CypherReaderStats = { queries: 0, requests: 0 };
  private readonly loader: DataLoader<Key, Answer, string>;
  private readonly readers = new WeakMap<Answer, Subgraph>();

  constructor(
    private readonly driver: Driver,
    private readonly database: string | undefined,
    options: { readonly maxBatchSize?: number } = {},
  ) {
    this.loader = new DataLoader<Key, Answer, string>((keys) => this.batch(keys), {
      cache: false,
      maxBatchSize: options.maxBatchSize ?? 256,
    });
  }

  /**
   * The subgraph one check reads, with the revision it was read at. NOT_FOUND for an unknown store.
   * Calls made in the same tick share queries.
   */
  async subgraph(req: SubgraphRequest): Promise<Subgraph> {
    this.stats.requests++;
    const byType = groupByType(req.starts);
    const answers = await Promise.all(
      [...byType].map(([type, ids]) =>
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
    // Checks batched into one query share the answer, and so its index.
    const only = answers.length === 1 ? answers[0]! : undefined;
    const shared = only === undefined ? undefined : this.readers.get(only);
    if (shared !== undefined) return shared;
    const sub = merge(answers);
    if (only !== undefined) this.readers.set(only, sub);
    return sub;
  }

  /**
   * The subgraph one lookupResources reads (cypher/reach-reverse.cypher), with the revision it was
   * read at: one query per start type (the subject's type, then any other type of a contextual
   * tuple's resource). NOT_FOUND for an unknown store.
   */
  async reverse(req: ReverseRequest): Promise<Subgraph> {
    this.stats.requests++;
    const answers = await Promise.all(
      [...groupByType(req.starts)].map(([type, ids]) =>
        this.reach("reach-reverse", req.store, type, {
          ids: [...ids],
          subjects: [...req.subjects],
          tuplesets: [...req.tuplesets],
        }),
      ),
    );
    return merge(answers);
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
    const result = await this.run(render("reach-path", { type: start.type, subject: target.type }), {
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
    const typeRows = await this.run(texts.get("read-store-types")!, { store });
    const types = typeRows[0]?.["types"];
    if (typeRows[0] === undefined) throw storeNotFound(store);
    const resourceTypes = Array.isArray(types) ? types.map(String) : [];
    const counts = await Promise.all(
      resourceTypes.map(async (type) => {
        const rows = await this.run(render("read-store-size", { type }), { store });
        return Number(rows[0]?.["count"] ?? 0);
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  private async batch(keys: readonly Key[]): Promise<(Answer | Error)[]> {
    // One query per (store, start type, tupleset set, all): the union of the group's starts and subjects.
    const groups = new Map<string, number[]>();
    keys.forEach((k, i) => {
      const g = `${k.store}\u0000${k.type}\u0000${k.tuplesets.join(",")}\u0000${k.all}`;
      const list = groups.get(g);
      if (list === undefined) groups.set(g, [i]);
      else list.push(i);
    });
    const out: (Answer | Error)[] = new Array<Answer | Error>(keys.length);
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
          const answer = await this.closure(first, [...ids], [...subjects]);
          for (const i of members) out[i] = answer;
        } catch (e) {
          const err = e instanceof Error ? e : new Error(String(e));
          for (const i of members) out[i] = err;
        }
      }),
    );
    return out;
  }

  private async closure(key: Key, ids: string[], subjects: string[]): Promise<Answer> {
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
  ): Promise<Answer> {
    const rows = await this.run(render(template, { type }), { store, ...params });
    const rec = rows[0];
    if (rec === undefined) throw storeNotFound(store);
    const raw = rec["rows"];
    const tuples = Array.isArray(raw) ? raw.map(toTuple) : [];
    return {
      rows: tuples,
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
    const session = this.driver.session({
      ...(this.database !== undefined ? { database: this.database } : {}),
      defaultAccessMode: neo4j.session.READ,
    });
    try {
      const result = await session.executeRead((tx) => tx.run(query, params));
      return result.records.map((r) => r.toObject() as Record<string, unknown>);
    } catch (e) {
      throw toRelgraphError(e);
    } finally {
      await session.close();
    }
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

/**
 * One subgraph from the answers of several queries (several start types). Its revision is the
 * oldest head they read: each answer is at least as new as its own head (the templates read it
 * first), so the union is at least as new as the revision it is labelled with.
 */
function merge(answers: readonly Answer[]): Subgraph {
  const index = new TupleIndex();
  let n = 0;
  let revision = answers[0]!.revision;
  for (const a of answers) {
    if (a.revision.revision < revision.revision) revision = a.revision;
    for (const t of a.rows) {
      index.add(t);
      n++;
    }
  }
  return { reader: new IndexReader(index), tuples: n, revision };
}

function toTuple(row: unknown): Tuple {
  invariant(row !== null && typeof row === "object", "expected a map row from Neo4j");
  const m = row as Record<string, unknown>;
  const caveatName = m["caveatName"];
  const caveatContext = m["caveatContext"];
  const expiration = m["expiration"];
  return {
    resourceType: String(m["resourceType"]),
    resourceId: String(m["resourceId"]),
    relation: String(m["relation"]),
    subjectType: String(m["subjectType"]),
    subjectId: String(m["subjectId"]),
    subjectRelation: String(m["subjectRelation"] ?? ""),
    ...(typeof caveatName === "string"
      ? {
          caveat: {
            name: caveatName,
            context: (typeof caveatContext === "string" ? JSON.parse(caveatContext) : {}) as Record<
              string,
              unknown
            >,
          },
        }
      : {}),
    ...(typeof expiration === "string" ? { expiration } : {}),
  };
}

// ───────────────────────────── the direct evaluator ─────────────────────────────

/** Neo4j serves its latest committed state: every consistency mode holds but atExactSnapshot. */
function refuseSnapshot(consistency: Consistency | undefined): void {
  if (consistency?.kind === "atExactSnapshot")
    throw new RelgraphError(
      ErrorCode.UNIMPLEMENTED,
      "consistency: atExactSnapshot is not supported (Neo4j serves its latest committed state, not snapshots); " +
        "use atLeastAsFresh",
    );
}

/** A token must be of this store and incarnation (INVALID_ARGUMENT otherwise). */
function checkToken(store: string, consistency: Consistency | undefined, at: Revision): void {
  if (consistency?.kind !== "atLeastAsFresh") return;
  const wanted = decodeToken(consistency.token, { store, incarnation: at.incarnation });
  invariant(
    wanted.revision <= at.revision,
    "a token of this incarnation is ahead of the store's committed head",
  );
}

/**
 * The objects of contextual tuples that a read starts from: their resources, and (forward reads)
 * their subjects. A type that is not label-safe names no stored object: left out.
 */
function contextualObjects(tuples: readonly Tuple[], subjects: boolean): ObjectRef[] {
  const out: ObjectRef[] = [];
  for (const t of tuples) {
    if (isLabelSafe(t.resourceType)) out.push({ type: t.resourceType, id: t.resourceId });
    if (subjects && isLabelSafe(t.subjectType)) out.push({ type: t.subjectType, id: t.subjectId });
  }
  return out;
}

/** Bytes per tuple a projection is estimated to take (the README's measured worst case, rounded). */
export const BYTES_PER_TUPLE = 200;

export interface DirectEvaluatorOptions {
  readonly evaluator: EvaluatorConfig;
  readonly memoryBudgetMb: number;
  readonly maxDepth: number;
}

interface SchemaEntry {
  readonly incarnation: string;
  readonly schemaRevision: number;
  readonly compiled: TypeSystem;
  readonly tuplesets: readonly string[];
  readonly evaluator: Evaluator;
}

/** A subgraph read for expand or a lookup, with the schema and Evaluator to answer on it. */
export interface DirectRead {
  readonly compiled: TypeSystem;
  /** The store's Evaluator here (no group closure, no shared cache: the subgraph is read once). */
  readonly evaluator: Evaluator;
  readonly reader: IndexReader;
  readonly revision: Revision;
}

export interface DirectCheck {
  readonly value: CheckValue;
  readonly revision: Revision;
  readonly explanation?: EngineExplanation;
}

/**
 * Checks (and expand, subjects) answered through the CypherReader: which stores use it (config:
 * RELGRAPH_EVALUATOR, RELGRAPH_MEMORY_BUDGET_MB), their compiled schemas (re-read when the closure
 * query reports a new schema revision), consistency (Neo4j serves its latest committed state, so
 * every mode but atExactSnapshot holds; tokens are still checked against the store's incarnation).
 * A check is one round trip once the schema is known.
 */
export class DirectEvaluator {
  readonly reader: CypherReader;
  private readonly modes = new Map<string, Promise<EvaluatorKind>>();
  private readonly schemas = new Map<string, SchemaEntry>();
  /** Estimated bytes of the stores this process decided to hold in memory. */
  private committedBytes = 0;

  constructor(
    private readonly store: Neo4jTupleStore,
    private readonly options: DirectEvaluatorOptions,
  ) {
    this.reader = new CypherReader(store.driver, store.database);
  }

  /** Whether `store` is evaluated in Neo4j; decided once per store and process. */
  async usesCypher(store: string): Promise<boolean> {
    let m = this.modes.get(store);
    if (m === undefined) {
      m = this.decide(store);
      this.modes.set(store, m);
      m.catch(() => {
        if (this.modes.get(store) === m) this.modes.delete(store);
      });
    }
    return (await m) === "cypher";
  }

  /** Forgets a store's decision and schema (deleteStore). */
  forget(store: string): void {
    this.modes.delete(store);
    this.schemas.delete(store);
  }

  private async decide(store: string): Promise<EvaluatorKind> {
    const e = this.options.evaluator;
    const chosen = e.stores.get(store) ?? e.default;
    if (chosen !== undefined) return chosen;
    const budget = this.options.memoryBudgetMb * 1024 * 1024;
    if (budget <= 0) return "memory";
    const bytes = (await this.reader.tupleCount(store)) * BYTES_PER_TUPLE;
    if (this.committedBytes + bytes > budget) return "cypher";
    this.committedBytes += bytes;
    return "memory";
  }

  async check(
    store: string,
    request: CheckRequest,
    consistency: Consistency | undefined,
    explain: boolean,
  ): Promise<DirectCheck> {
    const starts = [request.resource, ...contextualObjects(request.contextualTuples ?? [], true)];
    const { entry, sub } = await this.read(store, consistency, (e) =>
      this.reader.subgraph({
        store,
        starts,
        subjects: subjectKeys(request.subject),
        tuplesets: e.tuplesets,
      }),
    );
    if (!explain) return { value: entry.evaluator.check(sub.reader, request), revision: sub.revision };
    const explanation = explainCheck(entry.compiled, sub.reader, request, {
      maxDepth: this.options.maxDepth,
    });
    return { value: explanation.value, revision: sub.revision, explanation };
  }

  /** Reads the store's schema unless known: NOT_FOUND / FAILED_PRECONDITION (no schema) for the whole request. */
  async prepare(store: string): Promise<void> {
    if (!this.schemas.has(store)) await this.loadSchema(store);
  }

  /**
   * The compiled schema and every tuple reachable from `resource` (expand, subjects,
   * lookupSubjects), and from the objects of `contextualTuples` (the caller evaluates on the
   * reader with those tuples laid over it, as on a projection).
   */
  async readAll(
    store: string,
    resource: ObjectRef,
    consistency: Consistency | undefined,
    contextualTuples: readonly Tuple[] = [],
  ): Promise<DirectRead> {
    const starts = [resource, ...contextualObjects(contextualTuples, true)];
    const { entry, sub } = await this.read(store, consistency, (e) =>
      this.reader.subgraph({ store, starts, subjects: [], tuplesets: e.tuplesets, all: true }),
    );
    return {
      compiled: entry.compiled,
      evaluator: entry.evaluator,
      reader: sub.reader,
      revision: sub.revision,
    };
  }

  /**
   * The compiled schema and what a lookupResources for `subject` reads
   * (cypher/reach-reverse.cypher): from the subject's object (for a userset subject `type:id#rel`,
   * the object type:id), its type's wildcard and the resources of `contextualTuples`, every object
   * that reaches them over structural tuples, with its structural tuples and those naming the
   * subject. Exact for every goal on `subject` (the template says why). The caller lays the
   * contextual tuples over the reader, as on a projection.
   */
  async readReverse(
    store: string,
    subject: SubjectRef,
    contextualTuples: readonly Tuple[],
    consistency: Consistency | undefined,
  ): Promise<DirectRead> {
    const { entry, sub } = await this.read(store, consistency, (e) => {
      // No schema type, so no stored object, has a name that is not label-safe: answer as the
      // engine does for an unknown type, before any Cypher is rendered with it.
      if (!isLabelSafe(subject.type)) e.compiled.require(subject.type, subject.relation);
      invariant(isLabelSafe(subject.type), "a schema type is label-safe");
      const starts: ObjectRef[] = [{ type: subject.type, id: subject.id }];
      if (subject.relation === "" && subject.id !== "*") starts.push({ type: subject.type, id: "*" });
      starts.push(...contextualObjects(contextualTuples, false));
      return this.reader.reverse({
        store,
        starts,
        subjects: subjectKeys(subject),
        tuplesets: e.tuplesets,
      });
    });
    return {
      compiled: entry.compiled,
      evaluator: entry.evaluator,
      reader: sub.reader,
      revision: sub.revision,
    };
  }

  /**
   * The store's committed head (one query), under the same consistency rules as a read: what a
   * later lookup page checks its cached result against before reading any subgraph.
   */
  async head(store: string, consistency: Consistency | undefined): Promise<Revision> {
    refuseSnapshot(consistency);
    const head = await this.store.head(store);
    checkToken(store, consistency, head);
    return head;
  }

  private async read(
    store: string,
    consistency: Consistency | undefined,
    fetch: (entry: SchemaEntry) => Promise<Subgraph>,
  ): Promise<{ entry: SchemaEntry; sub: Subgraph }> {
    refuseSnapshot(consistency);
    let entry = this.schemas.get(store) ?? (await this.loadSchema(store));
    let sub = await fetch(entry);
    if (
      sub.revision.schemaRevision !== entry.schemaRevision ||
      sub.revision.incarnation !== entry.incarnation
    ) {
      // The schema changed (or the store was re-created) since it was compiled: once more with the new one.
      entry = await this.loadSchema(store);
      sub = await fetch(entry);
    }
    checkToken(store, consistency, sub.revision);
    return { entry, sub };
  }

  private async loadSchema(store: string): Promise<SchemaEntry> {
    const head = await this.store.head(store);
    const stored = await this.store.readSchema(store);
    if (stored === undefined)
      throw new RelgraphError(
        ErrorCode.FAILED_PRECONDITION,
        `store "${store}" has no schema: write one first`,
      );
    const compiled = new TypeSystem(stored.ir);
    const entry: SchemaEntry = {
      incarnation: head.incarnation,
      schemaRevision: stored.schemaRevision,
      compiled,
      tuplesets: tuplesetRelations(compiled),
      // No group closure: each check evaluates a fresh subgraph once, a closure would not be reused.
      evaluator: new Evaluator(compiled, { maxDepth: this.options.maxDepth, closure: false }),
    };
    this.schemas.set(store, entry);
    return entry;
  }
}
