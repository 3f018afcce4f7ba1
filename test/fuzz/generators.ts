/**
 * Grammar-based request generators for the API fuzzer (fast-check): every Query and Mutation field
 * with valid, hostile and malformed arguments, as literals (a fresh document each time) or as
 * variables of one fixed document per field (a cached document with new variables), and the
 * bombs and protocol abuse of issue 14.
 */
import fc from "fast-check";

export interface FuzzRequest {
  /** What kind of request this is (the tally's class). */
  readonly cls: string;
  readonly method: "POST" | "GET" | "PUT";
  /** Path and query string. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Which server: the Neo4j-backed one or the memory one. */
  readonly server: "neo" | "mem";
}

// ---- values ------------------------------------------------------------------------------------

const INJECTIONS = [
  "' OR 1=1 --",
  '") DETACH DELETE n //',
  "MATCH (n) DETACH DELETE n",
  "`) MATCH (n) DETACH DELETE n //",
  "x` MATCH (n) DETACH DELETE n //",
  "{__schema{types{name}}}",
  "query { stores { name } }",
  "$where",
  "\\",
  "\u0000",
  "\ud800",
  "\udfff",
  "😀",
  "héllo",
  "../x",
  "..",
  "/",
  "a:b",
  "a#b",
  "a@b",
  "*",
  "...",
  "",
  " ",
  "\n",
  "null",
  "__proto__",
  "constructor",
  "document:d0#view@user:u0",
  "_Store",
  "_Secret",
  "x".repeat(1025),
  "é".repeat(1100),
  "${x}",
  "%00",
  "<script>alert(1)</script>",
  "٣",
  "Ａ",
  "\u202e",
  "a".repeat(64),
];

const hostile: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...INJECTIONS), weight: 6 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 24 }), weight: 3 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }), weight: 2 },
  { arbitrary: fc.integer({ min: 1025, max: 300_000 }).map((n) => "n".repeat(n)), weight: 1 },
);

const pick = (valid: readonly string[], validWeight = 7, hostileWeight = 3): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...valid), weight: validWeight },
    { arbitrary: hostile, weight: hostileWeight },
  );

const TYPES = ["document", "folder", "group", "user"];
const RELATIONS = ["view", "viewer", "member", "parent", "banned"];
const IDS = ["d0", "d1", "d2", "f0", "f1", "eng", "all", "u0", "u1", "u2", "u3"];

const store = fc.oneof(
  { arbitrary: fc.constantFrom("fuzz", "fuzzfga", "fzx", "fzy", "fzz"), weight: 10 },
  { arbitrary: fc.constant("default"), weight: 1 },
  { arbitrary: fc.constant("nosuchstore"), weight: 1 },
  { arbitrary: hostile, weight: 2 },
);
/** Stores whose schema and data the fuzzer may replace. */
const scratchStore = fc.oneof(
  { arbitrary: fc.constantFrom("fzx", "fzy", "fzz"), weight: 8 },
  { arbitrary: hostile, weight: 2 },
);
const typeName = pick(TYPES);
const relation = pick(RELATIONS);
const id = pick(IDS, 8, 2);
const objectRef = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...TYPES), id).map(([t, i]) => `${t}:${i}`), weight: 8 },
  { arbitrary: fc.tuple(typeName, id).map(([t, i]) => `${t}:${i}`), weight: 2 },
  { arbitrary: hostile, weight: 1 },
);
const subjectRef = fc.oneof(
  { arbitrary: fc.constantFrom("user:u0", "user:u1", "user:u2", "user:u3", "user:*"), weight: 6 },
  { arbitrary: fc.constantFrom("group:eng#member", "group:all#member", "folder:f0"), weight: 2 },
  { arbitrary: fc.tuple(typeName, id).map(([t, i]) => `${t}:${i}`), weight: 2 },
  { arbitrary: fc.tuple(objectRef, relation).map(([o, r]) => `${o}#${r}`), weight: 1 },
  { arbitrary: hostile, weight: 1 },
);
const tuple = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom(...IDS),
        fc.constantFrom("viewer", "banned"),
        fc.constantFrom("u0", "u1", "u5", "*"),
      )
      .map(([d, r, u]) => `document:${d}#${r}@user:${u}`),
    weight: 6,
  },
  { arbitrary: fc.tuple(objectRef, relation, subjectRef).map(([o, r, s]) => `${o}#${r}@${s}`), weight: 3 },
  { arbitrary: hostile, weight: 1 },
);
const smallInt = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 1000 }), weight: 8 },
  { arbitrary: fc.constantFrom(0, -1, 1001, 100_000, 2_147_483_647, -2_147_483_648), weight: 2 },
);
const token = fc.oneof(
  fc.constantFrom("rg2_AAAA", "rg1_eyJzIjoiZnV6eiJ9", "not-a-token", ""),
  hostile,
  fc.base64String({ maxLength: 80 }).map((b) => `rg2_${b}`),
);
const consistency = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 5 },
  { arbitrary: fc.constant({ minimizeLatency: true }), weight: 3 },
  { arbitrary: fc.constant({ fullyConsistent: true }), weight: 1 },
  { arbitrary: token.map((t) => ({ atLeastAsFresh: t })), weight: 1 },
  { arbitrary: token.map((t) => ({ atExactSnapshot: t })), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      { minimizeLatency: false },
      {},
      { minimizeLatency: true, fullyConsistent: true },
    ),
    weight: 1,
  },
);
const optional = <T>(a: fc.Arbitrary<T>, weight = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: a, weight });

const filter = fc.record(
  {
    resourceType: optional(typeName),
    resourceId: optional(id),
    resourceIdPrefix: optional(pick(["d", "f", "", "d0"])),
    relation: optional(relation),
    subjectType: optional(typeName),
    subjectId: optional(id),
    subjectRelation: optional(pick(["member", "", "..."])),
  },
  { requiredKeys: [] },
);
const operation = fc.oneof(
  { arbitrary: fc.constantFrom("TOUCH", "CREATE", "DELETE"), weight: 9 },
  { arbitrary: fc.constantFrom("UPSERT", "touch"), weight: 1 },
);
const update = fc.record({ operation: operation.map(enumValue), relationship: tuple });
const precondition = fc.record({
  operation: fc.constantFrom("MUST_MATCH", "MUST_NOT_MATCH", "MUST").map(enumValue),
  filter,
});
const checkItem = fc.record(
  {
    resource: objectRef,
    permission: relation,
    subject: subjectRef,
    contextualTuples: optional(fc.array(tuple, { maxLength: 3 })),
  },
  { requiredKeys: ["resource", "permission", "subject"] },
);
const list = <T>(a: fc.Arbitrary<T>, max: number, over: number): fc.Arbitrary<T[]> =>
  fc.oneof(
    { arbitrary: fc.array(a, { maxLength: max }), weight: 20 },
    { arbitrary: a.map((x) => Array.from({ length: over }, () => x)), weight: 1 },
  );

// ---- schema texts and bombs --------------------------------------------------------------------

const VALID_ZED = `definition user {}
definition document {
  relation viewer: user
  permission view = viewer
}`;
const schemaBomb = fc.oneof(
  fc
    .integer({ min: 400, max: 4000 })
    .map(
      (n) =>
        `definition user {}\ndefinition d {\n relation r: user\n permission p = ${"(".repeat(n)}r${")".repeat(n)}\n}`,
    ),
  fc
    .integer({ min: 1000, max: 10_000 })
    .map(
      (n) =>
        `definition user {}\ndefinition d {\n relation r: user\n permission p = ${Array.from({ length: n }, () => "r").join(" + ")}\n}`,
    ),
  fc
    .integer({ min: 1000, max: 5000 })
    .map(
      (n) =>
        `definition user {}\ndefinition d {\n relation r: user\n permission p = ${Array.from({ length: n }, () => "r").join(" - ")}\n}`,
    ),
  fc
    .integer({ min: 200, max: 2000 })
    .map(
      (n) =>
        `definition user {}\ndefinition d {\n relation r: user\n permission p0 = r\n${Array.from({ length: n }, (_, i) => ` permission p${i + 1} = p${i}`).join("\n")}\n}`,
    ),
  fc.constant(`caveat c(x int) { x > 1 }\ndefinition user {}\ndefinition d { relation r: user with c }`),
);
const schemaText = fc.oneof(
  { arbitrary: fc.constant(VALID_ZED), weight: 3 },
  {
    arbitrary: fc
      .tuple(fc.constant(VALID_ZED), fc.nat({ max: VALID_ZED.length }), fc.string({ maxLength: 4 }))
      .map(([t, at, s]) => t.slice(0, at) + s + t.slice(at + 1)),
    weight: 3,
  },
  { arbitrary: hostile, weight: 2 },
);

// ---- documents ---------------------------------------------------------------------------------

/** An enum value: a literal without quotes, a string as a variable. */
class EnumValue {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}
function enumValue(name: string): EnumValue {
  return new EnumValue(name);
}

/** A GraphQL literal for a JS value (strings as JSON, which GraphQL reads the same). */
export function literal(value: unknown): string {
  if (value instanceof EnumValue) return value.name;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  const fields = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${literal(v)}`);
  return `{${fields.join(", ")}}`;
}

interface ArgSpec {
  readonly type: string;
  readonly value: fc.Arbitrary<unknown>;
}
interface OpSpec {
  readonly root: "query" | "mutation";
  readonly args: Readonly<Record<string, ArgSpec>>;
  readonly selection: string;
}

const a = (type: string, value: fc.Arbitrary<unknown>): ArgSpec => ({ type, value });
const PAGE = "{ edges { cursor } pageInfo { hasNextPage endCursor } }";

export const OPS: Readonly<Record<string, OpSpec>> = {
  check: {
    root: "query",
    args: {
      store: a("String", store),
      resource: a("ObjectRef!", objectRef),
      permission: a("String!", relation),
      subject: a("SubjectRef!", subjectRef),
      consistency: a("Consistency", consistency),
      contextualTuples: a("[RelationshipTuple!]", optional(list(tuple, 4, 101))),
      explain: a("Boolean", optional(fc.boolean())),
    },
    selection: "{ allowed permissionship checkedAt explanation { root truncated } }",
  },
  expand: {
    root: "query",
    args: {
      store: a("String", store),
      resource: a("ObjectRef!", objectRef),
      permission: a("String!", relation),
      consistency: a("Consistency", consistency),
      maxNodes: a("Int", optional(fc.oneof(fc.integer({ min: 1, max: 5000 }), smallInt))),
    },
    selection: "{ root truncated nodes { id kind children } }",
  },
  checkBulk: {
    root: "query",
    args: {
      store: a("String", store),
      checks: a("[CheckBulkItem!]!", list(checkItem, 12, 1001)),
      consistency: a("Consistency", consistency),
    },
    selection: "{ checkedAt results { allowed permissionship error { code message } } }",
  },
  schema: {
    root: "query",
    args: { store: a("String", store) },
    selection: "{ text format definitions { name relations { name } permissions { name expression } } }",
  },
  stores: { root: "query", args: {}, selection: "{ name revision schemaRevision }" },
  relationships: {
    root: "query",
    args: {
      store: a("String", store),
      filter: a("RelationshipFilter", optional(filter, 3)),
      first: a("Int", optional(smallInt)),
      after: a("String", optional(token)),
      consistency: a("Consistency", consistency),
    },
    selection: "{ readAt staleCursor edges { cursor node { relationship } } pageInfo { hasNextPage } }",
  },
  changes: {
    root: "query",
    args: {
      store: a("String", store),
      after: a("String", optional(token)),
      first: a("Int", optional(smallInt)),
    },
    selection: "{ token edges { node { revision operation relationship } } }",
  },
  lookupResources: {
    root: "query",
    args: {
      store: a("String", store),
      resourceType: a("String!", typeName),
      permission: a("String!", relation),
      subject: a("SubjectRef!", subjectRef),
      contextualTuples: a("[RelationshipTuple!]", optional(list(tuple, 3, 101))),
      first: a("Int", optional(smallInt)),
      after: a("String", optional(token)),
      consistency: a("Consistency", consistency),
    },
    selection: `{ readAt staleCursor edges { node { resource permissionship } } pageInfo { hasNextPage } }`,
  },
  lookupSubjects: {
    root: "query",
    args: {
      store: a("String", store),
      resource: a("ObjectRef!", objectRef),
      permission: a("String!", relation),
      subjectType: a("String!", typeName),
      subjectRelation: a("String", optional(relation)),
      contextualTuples: a("[RelationshipTuple!]", optional(list(tuple, 3, 101))),
      first: a("Int", optional(smallInt)),
      after: a("String", optional(token)),
      consistency: a("Consistency", consistency),
    },
    selection: `{ readAt edges { node { subject excludedSubjects permissionship } } ${PAGE.slice(2, -2)} }`,
  },
  writeSchema: {
    root: "mutation",
    args: {
      store: a("String", scratchStore),
      schema: a("String!", schemaText),
      format: a("SchemaFormat", fc.constantFrom("ZED", "OPENFGA", "YAML").map(enumValue)),
    },
    selection: "{ token warnings { severity code message } }",
  },
  writeRelationships: {
    root: "mutation",
    args: {
      store: a("String", store),
      updates: a("[RelationshipUpdate!]!", list(update, 4, 1001)),
      preconditions: a("[Precondition!]", optional(list(precondition, 2, 1001))),
    },
    selection: "{ token warnings { code } }",
  },
  deleteRelationships: {
    root: "mutation",
    args: {
      store: a("String", store),
      filter: a("RelationshipFilter!", filter),
      preconditions: a("[Precondition!]", optional(list(precondition, 2, 1001))),
      limit: a("Int", optional(smallInt)),
      allowPartial: a("Boolean", optional(fc.boolean())),
      all: a("Boolean", optional(fc.boolean())),
    },
    selection: "{ token deletedCount complete }",
  },
  createStore: {
    root: "mutation",
    args: { name: a("String!", pick(["fzx", "fzy", "fzz"], 3, 2)) },
    selection: "{ name revision }",
  },
  deleteStore: {
    root: "mutation",
    args: { name: a("String!", pick(["fzx", "fzy", "fzz"], 3, 2)) },
    selection: "",
  },
};

const json = { "content-type": "application/json" };
const post = (cls: string, payload: unknown, server: "neo" | "mem"): FuzzRequest => ({
  cls,
  method: "POST",
  path: "/graphql",
  headers: json,
  body: JSON.stringify(payload),
  server,
});

/** The one document of an operation with every argument a variable (cached after its first use). */
export function variablesDocument(name: string): string {
  const spec = OPS[name]!;
  const names = Object.keys(spec.args);
  const defs = names.map((n) => `$${n}: ${spec.args[n]!.type}`).join(", ");
  const args = names.map((n) => `${n}: $${n}`).join(", ");
  return `${spec.root} ${names.length ? `Fuzz(${defs})` : "Fuzz"} { ${name}${args ? `(${args})` : ""} ${spec.selection} }`;
}

const server = fc.constantFrom<"neo" | "mem">("neo", "mem");

/** One root field with generated arguments, as literals or as variables. */
function operationRequest(name: string): fc.Arbitrary<FuzzRequest> {
  const spec = OPS[name]!;
  const values = fc.record(
    Object.fromEntries(Object.entries(spec.args).map(([k, v]) => [k, v.value])) as Record<
      string,
      fc.Arbitrary<unknown>
    >,
  );
  return fc.tuple(values, fc.boolean(), server).map(([args, cached, srv]) => {
    if (cached)
      return post(
        `op:${name}`,
        { query: variablesDocument(name), variables: JSON.parse(JSON.stringify(args)) as unknown },
        srv,
      );
    const given = Object.entries(args).filter(([, v]) => v !== undefined);
    const text = `${spec.root} { ${name}${given.length ? `(${given.map(([k, v]) => `${k}: ${literal(v)}`).join(", ")})` : ""} ${spec.selection} }`;
    return post(`op:${name}`, { query: text }, srv);
  });
}

const CHECK = (i: number) =>
  `a${i}: check(store: "fuzz", resource: "document:d${i % 3}", permission: "view", subject: "user:u${i % 4}") { allowed }`;

const bombs: fc.Arbitrary<FuzzRequest>[] = [
  // Aliases / root fields, either side of 1,000.
  fc
    .tuple(
      fc.oneof(
        { arbitrary: fc.integer({ min: 1001, max: 3000 }), weight: 9 },
        { arbitrary: fc.integer({ min: 900, max: 1000 }), weight: 1 },
      ),
      server,
    )
    .map(([n, s]) =>
      post("bomb:aliases", { query: `{ ${Array.from({ length: n }, (_, i) => CHECK(i)).join(" ")} }` }, s),
    ),
  // Depth: deep selections, deep braces, deep list values.
  fc.tuple(fc.integer({ min: 3, max: 60 }), server).map(([n, s]) =>
    post(
      "bomb:depth",
      {
        query: `{ __type(name: "Query") { fields { type { ${"ofType { ".repeat(n)}name${" }".repeat(n)} } } } }`,
      },
      s,
    ),
  ),
  fc
    .tuple(fc.integer({ min: 50, max: 100_000 }), server)
    .map(([n, s]) => post("bomb:nesting", { query: `{ ${"stores { ".repeat(n)}name${" }".repeat(n)} }` }, s)),
  fc
    .tuple(fc.integer({ min: 50, max: 100_000 }), server)
    .map(([n, s]) =>
      post("bomb:nesting", { query: `{ stores(x: ${"[".repeat(n)}${"]".repeat(n)}) { name } }` }, s),
    ),
  // Cost: many pages, with literals (fresh) and with a variable (one cached document).
  fc
    .tuple(fc.integer({ min: 10, max: 300 }), fc.integer({ min: 1, max: 1000 }), server)
    .map(([k, first, s]) =>
      post(
        "bomb:cost",
        {
          query: `{ ${Array.from({ length: k }, (_, i) => `p${i}: relationships(store: "fuzz", first: ${first}) { readAt }`).join(" ")} }`,
        },
        s,
      ),
    ),
  fc.tuple(fc.integer({ min: 1, max: 1000 }), server).map(([first, s]) =>
    post(
      "bomb:cost-cached",
      {
        query: `query C($n: Int) { ${Array.from({ length: 150 }, (_, i) => `p${i}: relationships(store: "fuzz", first: $n) { readAt }`).join(" ")} }`,
        variables: { n: first },
      },
      s,
    ),
  ),
  fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), server).map(([m, s]) =>
    post(
      "bomb:cost",
      {
        query: `{ expand(store: "fuzz", resource: "document:d0", permission: "view", maxNodes: ${m}) { root } }`,
      },
      s,
    ),
  ),
  // Tokens.
  fc
    .tuple(fc.integer({ min: 10_000, max: 400_000 }), server)
    .map(([n, s]) => post("bomb:tokens", { query: `{ ${"__typename ".repeat(n)}}` }, s)),
  // Oversize bodies (413 after draining) and near-limit ones with one huge string.
  fc.tuple(fc.integer({ min: 4 * 1024 * 1024 + 1, max: 6 * 1024 * 1024 }), server).map(([n, s]) => ({
    cls: "oversize:body",
    method: "POST" as const,
    path: "/graphql",
    headers: json,
    body: Buffer.alloc(n, 0x20),
    server: s,
  })),
  fc.tuple(fc.integer({ min: 1025, max: 3_500_000 }), server).map(([n, s]) =>
    post(
      "oversize:string",
      {
        query: `query C($p: String!) { check(store: "fuzz", resource: "document:d0", permission: $p, subject: "user:u0") { allowed } }`,
        variables: { p: "p".repeat(n) },
      },
      s,
    ),
  ),
  // Schema bombs, on scratch stores.
  fc.tuple(schemaBomb, fc.constantFrom("fzx", "fzy", "fzz"), server).map(([text, st, s]) =>
    post(
      "bomb:schema",
      {
        query: `mutation S($t: String!, $s: String) { writeSchema(store: $s, schema: $t) { token } }`,
        variables: { t: text, s: st },
      },
      s,
    ),
  ),
];

/** Protocol abuse: methods, bodies and shapes the transport must refuse with a code. */
const protocol: fc.Arbitrary<FuzzRequest> = fc
  .tuple(fc.nat({ max: 11 }), server)
  .map(([k, s]): FuzzRequest => {
    const q = encodeURIComponent(`{ stores { name } }`);
    switch (k) {
      case 0:
        return post("protocol:subscription", { query: "subscription { __typename }" }, s);
      case 1:
        return { cls: "protocol:get", method: "GET", path: `/graphql?query=${q}`, headers: {}, server: s };
      case 2:
        return {
          cls: "protocol:get-mutation",
          method: "GET",
          path: `/graphql?query=${encodeURIComponent('mutation { createStore(name: "fzz") { name } }')}`,
          headers: {},
          server: s,
        };
      case 3:
        return {
          cls: "protocol:malformed-json",
          method: "POST",
          path: "/graphql",
          headers: json,
          body: '{"query": "{ stores',
          server: s,
        };
      case 4:
        return {
          cls: "protocol:text-body",
          method: "POST",
          path: "/graphql",
          headers: { "content-type": "text/plain" },
          body: "{ stores { name } }",
          server: s,
        };
      case 5:
        return post("protocol:batch", [{ query: "{ stores { name } }" }, { query: "{ __typename }" }], s);
      case 6:
        return {
          cls: "protocol:empty",
          method: "POST",
          path: "/graphql",
          headers: json,
          body: "",
          server: s,
        };
      case 7:
        return { cls: "protocol:put", method: "PUT", path: "/graphql", headers: json, body: "{}", server: s };
      case 8:
        return post("protocol:query-not-string", { query: { a: 1 } }, s);
      case 9:
        return post("protocol:variables-not-object", { query: "{ stores { name } }", variables: [1, 2] }, s);
      case 10:
        return post(
          "protocol:unknown-operation",
          { query: "query A { stores { name } }", operationName: "B" },
          s,
        );
      default:
        return post(
          "protocol:introspection",
          { query: "{ __schema { types { name fields { name } } } }" },
          s,
        );
    }
  });

/** A valid literal request with 1–4 random edits to its text. */
const mutated: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.constantFrom(...Object.keys(OPS)).chain((name) => operationRequest(name)),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 3 }),
        fc.constantFrom(..."{}()[]\":@#!$ \n,.=\\|&'`0aZ😀\u0000".split("")),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([req, edits]) => {
    const payload = JSON.parse(String(req.body)) as { query: string; variables?: unknown };
    let text = payload.query;
    for (const [at, kind, ch] of edits) {
      const i = text.length === 0 ? 0 : at % text.length;
      if (kind === 0) text = text.slice(0, i) + text.slice(i + 1);
      else if (kind === 1) text = text.slice(0, i) + ch + text.slice(i);
      else if (kind === 2) text = text.slice(0, i) + text.slice(i, i + 20) + text.slice(i);
      else text = text.slice(0, i) + ch + text.slice(i + 1);
    }
    return post("mutated", { ...payload, query: text }, req.server);
  });

/** Everything, weighted so most requests reach a resolver. */
export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  ...Object.keys(OPS).map((name) => ({
    arbitrary: operationRequest(name),
    weight: name === "createStore" || name === "deleteStore" || name === "writeSchema" ? 2 : 10,
  })),
  { arbitrary: mutated, weight: 14 },
  { arbitrary: protocol, weight: 6 },
  ...bombs.map((arbitrary) => ({ arbitrary, weight: 1 })),
);
