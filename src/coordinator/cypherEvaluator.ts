/**
 * The Cypher evaluator: for stores not held in memory. Each request reads, in one round trip per
 * start type whatever the depth, the part of the store it can reach (the store's SubgraphReader:
 * cypher/reach-closure.cypher, reach-reverse.cypher), and the unchanged engine answers on that
 * subgraph: unions, `&`, `-`, arrows, cycles — identical answers by construction.
 *
 * Consistency: Neo4j serves its latest committed state, so every mode holds as soon as the read is
 * made; a token is still checked against the revision the read saw (store and incarnation).
 *
 * Schemas: compiled once per store and schema revision; a read that reports a newer schema revision
 * (or another incarnation) recompiles and reads once more.
 */
import { Evaluator } from "../engine/check.ts";
import { IndexReader } from "../engine/reader.ts";
import { invariant } from "../errors.ts";
import type { ObjectRef, SubjectRef, Tuple } from "../model/tuple.ts";
import { TupleIndex } from "../model/tupleIndex.ts";
import type { Revision, SubgraphReader, SubgraphRows, TupleStore } from "../store/interface.ts";
import { isLabelSafe } from "../store/validate.ts";
import { TypeSystem } from "../typesystem/typesystem.ts";
import { checkTokenAgainst, satisfy } from "./consistency.ts";
import type { Evaluation, EvaluatorSource, ReadTarget, Snapshot } from "./evaluation.ts";
import { noSchema } from "./memoryEvaluator.ts";
import type { Consistency } from "./service.ts";

interface SchemaEntry {
  readonly incarnation: string;
  readonly schemaRevision: number;
  readonly schema: TypeSystem;
  readonly tuplesets: readonly string[];
  readonly evaluator: Evaluator;
}

/** A subgraph read for one target, as the engine reads it. */
interface Subgraph {
  readonly reader: IndexReader;
  readonly revision: Revision;
}

export class CypherEvaluator implements EvaluatorSource {
  readonly kind = "cypher" as const;
  readonly wholeStore = false;
  private readonly schemas = new Map<string, SchemaEntry>();
  /** Checks batched into one query share the answer, and so its index. */
  private readonly shared = new WeakMap<SubgraphRows, Subgraph>();

  constructor(
    private readonly store: TupleStore,
    /** The store's reachability reads (Neo4j: its CypherReader). */
    readonly reader: SubgraphReader,
    private readonly options: { readonly maxDepth: number },
  ) {}

  async evaluate(
    store: string,
    target: ReadTarget,
    consistency: Consistency | undefined,
  ): Promise<Evaluation> {
    const read = () => this.read(store, target);
    const { entry, sub } = await satisfy(consistency, {
      asIs: read,
      latest: read,
      atLeast: async (token) => {
        const r = await read();
        checkTokenAgainst(store, token, r.sub.revision);
        return r;
      },
    });
    return {
      schema: entry.schema,
      evaluator: entry.evaluator,
      reader: sub.reader,
      revision: sub.revision,
      scope: cypherScope(sub.revision),
    };
  }

  /** The store's committed head (one query), under the same consistency rules as a read. */
  async snapshot(store: string, consistency: Consistency | undefined): Promise<Snapshot> {
    const head = () => this.store.head(store);
    const revision = await satisfy(consistency, {
      asIs: head,
      latest: head,
      atLeast: async (token) => {
        const h = await head();
        checkTokenAgainst(store, token, h);
        return h;
      },
    });
    return { revision, scope: cypherScope(revision) };
  }

  /** Nothing is held: the next read sees the write. */
  async written(): Promise<void> {}

  forget(store: string): void {
    this.schemas.delete(store);
  }

  close(): void {
    this.schemas.clear();
  }

  /** Reads the store's schema unless known: NOT_FOUND / FAILED_PRECONDITION (no schema) for a whole batch at once. */
  async prepare(store: string): Promise<void> {
    if (!this.schemas.has(store)) await this.loadSchema(store);
  }

  private async read(store: string, target: ReadTarget): Promise<{ entry: SchemaEntry; sub: Subgraph }> {
    let entry = this.schemas.get(store) ?? (await this.loadSchema(store));
    let sub = await this.fetch(store, entry, target);
    if (
      sub.revision.schemaRevision !== entry.schemaRevision ||
      sub.revision.incarnation !== entry.incarnation
    ) {
      // The schema changed (or the store was re-created) since it was compiled: once more with the new one.
      entry = await this.loadSchema(store);
      sub = await this.fetch(store, entry, target);
    }
    return { entry, sub };
  }

  private async fetch(store: string, entry: SchemaEntry, target: ReadTarget): Promise<Subgraph> {
    switch (target.kind) {
      case "check": {
        const request = target.request;
        return this.subgraph(
          await this.reader.closure({
            store,
            starts: [request.resource, ...contextualObjects(request.contextualTuples ?? [], true)],
            subjects: subjectKeys(request.subject),
            tuplesets: entry.tuplesets,
          }),
        );
      }
      case "forward":
        return this.subgraph(
          await this.reader.closure({
            store,
            starts: [target.resource, ...contextualObjects(target.contextualTuples, true)],
            subjects: [],
            tuplesets: entry.tuplesets,
            all: true,
          }),
        );
      case "reverse": {
        const subject = target.subject;
        // No schema type, so no stored object, has a name that is not label-safe: answer as the
        // engine does for an unknown type, before any Cypher is rendered with it.
        if (!isLabelSafe(subject.type)) entry.schema.require(subject.type, subject.relation);
        invariant(isLabelSafe(subject.type), "a schema type is label-safe");
        const starts: ObjectRef[] = [{ type: subject.type, id: subject.id }];
        if (subject.relation === "" && subject.id !== "*") starts.push({ type: subject.type, id: "*" });
        starts.push(...contextualObjects(target.contextualTuples, false));
        return this.subgraph(
          await this.reader.reverse({
            store,
            starts,
            subjects: subjectKeys(subject),
            tuplesets: entry.tuplesets,
          }),
        );
      }
      default: {
        const never: never = target;
        return never;
      }
    }
  }

  /** One reader over the answers of one read (one per start type); a shared answer shares its index. */
  private subgraph(answers: readonly SubgraphRows[]): Subgraph {
    const only = answers.length === 1 ? answers[0]! : undefined;
    const known = only === undefined ? undefined : this.shared.get(only);
    if (known !== undefined) return known;
    const sub = merge(answers);
    if (only !== undefined) this.shared.set(only, sub);
    return sub;
  }

  private async loadSchema(store: string): Promise<SchemaEntry> {
    const head = await this.store.head(store);
    const stored = await this.store.readSchema(store);
    if (stored === undefined) throw noSchema(store);
    const schema = new TypeSystem(stored.ir);
    const entry: SchemaEntry = {
      incarnation: head.incarnation,
      schemaRevision: stored.schemaRevision,
      schema,
      tuplesets: schema.tuplesetRelations(),
      // No group closure: each check evaluates a fresh subgraph once, a closure would not be reused.
      evaluator: new Evaluator(schema, {
        maxDepth: this.options.maxDepth,
        closure: false,
        ...(this.store.clock !== undefined ? { clock: () => this.store.clock!.now() } : {}),
      }),
    };
    this.schemas.set(store, entry);
    return entry;
  }
}

/** Cache scope of results computed on a subgraph read from Neo4j at `v` (apart from projection scopes). */
function cypherScope(v: Revision): string {
  return `${v.store}@${v.incarnation}@${v.revision}/${v.schemaRevision}#cypher`;
}

/**
 * One subgraph from the answers of several queries (several start types). Its revision is the
 * oldest head they read: each answer is at least as new as its own head (the templates read it
 * first), so the union is at least as new as the revision it is labelled with.
 */
function merge(answers: readonly SubgraphRows[]): Subgraph {
  const index = new TupleIndex();
  let revision = answers[0]!.revision;
  for (const a of answers) {
    if (a.revision.revision < revision.revision) revision = a.revision;
    for (const t of a.tuples) index.add(t);
  }
  return { reader: new IndexReader(index), revision };
}

/** Subject keys a check on `subject` reads direct tuples of: itself and its type's wildcard. */
export function subjectKeys(subject: SubjectRef): string[] {
  if (subject.relation !== "") return [];
  return subject.id === "*" ? [`${subject.type}:*`] : [`${subject.type}:${subject.id}`, `${subject.type}:*`];
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
