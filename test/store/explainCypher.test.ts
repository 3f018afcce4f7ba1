/**
 * explainCypher: the Browser Cypher that shows one access path. Nothing from a tuple is ever in the
 * query text; values are Cypher literals in the `:param` lines that Neo4j reads back exactly (checked
 * against the real Neo4j, also for hostile ids), and Browser's `cmd=edit&arg=` URL carries the text
 * intact (decoded here exactly as Browser 5.24 decodes it).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import neo4j, { type Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTuple } from "../../src/model/tuple.ts";
import {
  browserEditUrl,
  cypherStringLiteral,
  DEFAULT_BROWSER,
  explainCypher,
  explainQuery,
  MAX_BROWSER_URL_LENGTH,
  type ExplainHop,
} from "../../src/store/neo4j/explainCypher.ts";

const PATH: ExplainHop[] = [
  "document:d#parent@folder:f",
  "folder:f#viewer@group:g#member",
  "group:g#member@user:u",
].map((t) => parseTuple(t));

const HOSTILE_IDS = [
  'quo"te',
  "apo'strophe",
  "back`tick`",
  "new\nline",
  "cr\r\nlf",
  "tab\there",
  "back\\slash\\",
  '\\"',
  "semi;colon",
  "amp&ersand=1&arg=MATCH (n) DETACH DELETE n",
  "hash#frag",
  "dollar$store",
  "arrow => [1]",
  "per%25cent%",
  "plus+plus",
  "}) RETURN 1 //",
  '"}]; MATCH (n) DETACH DELETE n; //',
  "/* comment */",
  "// line comment",
  "\u0000nul\u0007bell",
  "\u2028line-sep\u2029",
  "ünïcödé 日本",
  "emoji 😀",
  "",
];

function hostileHop(id: string, i: number): ExplainHop {
  return {
    resourceType: "document",
    resourceId: id,
    relation: "viewer",
    subjectType: "user",
    subjectId: `${id}-${i}`,
    subjectRelation: i % 2 ? "" : id,
  };
}

/** What Browser 5.24 puts in its editor for `?cmd=edit&arg=...` (populateEditorFromUrlEpic). */
function browserEditorText(url: string): string {
  const decoded = decodeURIComponent(url.replace(/\+/g, " "));
  const args = [...decoded.matchAll(/[?&]arg=([^&#]*)/g)].map((m) => m[1] ?? "");
  return args.join("\n");
}

/** The `:param name => expr;` lines as [name, expr] (Browser evaluates expr as `RETURN expr AS name`). */
function paramLines(params: string): [string, string][] {
  return params.split("\n").map((line) => {
    const m = /^:param (\w+) => (.*);$/.exec(line);
    if (!m) throw new Error(`not a :param line: ${line}`);
    return [m[1] ?? "", m[2] ?? ""];
  });
}

describe("explainCypher", () => {
  it("gives the :param lines, the fixed query and a Browser URL", () => {
    const explain = explainCypher("default", PATH);
    expect(explain.params).toBe(
      ':param store => "default";\n' +
        ':param hops => [{fromType: "document", from: "d", rel: "parent", toType: "folder", to: "f", srel: ""}, ' +
        '{fromType: "folder", from: "f", rel: "viewer", toType: "group", to: "g", srel: "member"}, ' +
        '{fromType: "group", from: "g", rel: "member", toType: "user", to: "u", srel: ""}];',
    );
    expect(explain.query).toBe(
      [
        "UNWIND range(0, size($hops) - 1) AS i",
        "WITH i, $hops[i] AS h",
        "MATCH (a {store: $store, id: h.from})-[r]->(b {store: $store, id: h.to})",
        "WHERE h.fromType IN labels(a) AND type(r) = h.rel AND r.srel = h.srel AND h.toType IN labels(b)",
        "RETURN i + 1 AS hop, a, r, b",
        "ORDER BY hop",
      ].join("\n"),
    );
    expect(explain.browserUrl?.startsWith(`${DEFAULT_BROWSER}?cmd=edit&arg=`)).toBe(true);
    expect(browserEditorText(explain.browserUrl ?? "")).toBe(`${explain.params}\n${explain.query}`);
  });

  it("is cypher/explain-path.cypher without its comments", () => {
    const file = readFileSync(new URL("../../cypher/explain-path.cypher", import.meta.url), "utf8");
    expect(file).toContain(explainQuery());
    expect(explainQuery()).not.toContain("//");
  });

  it("never puts an id, type or relation into the query, whatever it holds", () => {
    const hops = HOSTILE_IDS.map(hostileHop);
    const explain = explainCypher('st"ore`\n;', hops);
    expect(explain.query).toBe(explainQuery());
    // Each hostile value appears (escaped) in the params only; the params are exactly two lines, each
    // one :param statement ending in `;`, with no raw control character, `&`, `#`, `$`, quote or backtick
    // outside the escapes.
    const lines = explain.params.split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatch(/^:param (store|hops) => /);
      expect(line.endsWith(";")).toBe(true);
      const raw = [...line.slice(0, -1)].filter((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e);
      expect(raw).toEqual([]);
      expect(line.slice(0, -1)).not.toMatch(/[;&#$'`]/);
    }
  });

  it("writes literals Neo4j reads back exactly", async () => {
    const hops = HOSTILE_IDS.map(hostileHop);
    const explain = explainCypher("store\u0000\"'`", hops);
    const session = driver.session();
    try {
      for (const [name, expr] of paramLines(explain.params)) {
        const result = await session.run(`RETURN ${expr} AS value`);
        const value: unknown = result.records[0]?.get("value");
        if (name === "store") expect(value).toBe("store\u0000\"'`");
        else
          expect(value).toEqual(
            hops.map((h) => ({
              fromType: h.resourceType,
              from: h.resourceId,
              rel: h.relation,
              toType: h.subjectType,
              to: h.subjectId,
              srel: h.subjectRelation,
            })),
          );
      }
    } finally {
      await session.close();
    }
  });

  it("finds exactly the path's tuples in Neo4j, in order, for hostile ids", async () => {
    // Objects and tuples laid out as the Neo4j store writes them, in a store of this test's own.
    const store = `explain-test-${randomBytes(4).toString("hex")}`;
    const ids = ['a"b', "c`d\ne", "f;g&h#i$j", "k\\l'm"];
    const session = driver.session();
    try {
      await session.run(
        `CREATE (d:document {store: $store, id: $ids[0]}), (f:folder {store: $store, id: $ids[1]}),
                (g:group {store: $store, id: $ids[2]}), (u:user {store: $store, id: $ids[3]}),
                (d)-[:parent {srel: ""}]->(f), (f)-[:viewer {srel: "member"}]->(g), (g)-[:member {srel: ""}]->(u),
                (f)-[:viewer {srel: ""}]->(u), (f)-[:editor {srel: "member"}]->(g),
                (:document {store: $store + "-other", id: $ids[0]})-[:parent {srel: ""}]->(:folder {store: $store + "-other", id: $ids[1]})`,
        { store, ids },
      );
      const hops: ExplainHop[] = [
        {
          resourceType: "document",
          resourceId: ids[0] ?? "",
          relation: "parent",
          subjectType: "folder",
          subjectId: ids[1] ?? "",
          subjectRelation: "",
        },
        {
          resourceType: "folder",
          resourceId: ids[1] ?? "",
          relation: "viewer",
          subjectType: "group",
          subjectId: ids[2] ?? "",
          subjectRelation: "member",
        },
        {
          resourceType: "group",
          resourceId: ids[2] ?? "",
          relation: "member",
          subjectType: "user",
          subjectId: ids[3] ?? "",
          subjectRelation: "",
        },
      ];
      const explain = explainCypher(store, hops);
      // As Browser does: each :param line becomes a parameter, then the query runs with them.
      const params: Record<string, unknown> = {};
      for (const [name, expr] of paramLines(explain.params))
        params[name] = (await session.run(`RETURN ${expr} AS value`)).records[0]?.get("value");
      const result = await session.run(explain.query, params);
      expect(
        result.records.map((r) => [
          r.get("hop"),
          r.get("a").labels[0],
          r.get("a").properties.id,
          r.get("r").type,
          r.get("r").properties.srel,
          r.get("b").labels[0],
          r.get("b").properties.id,
        ]),
      ).toEqual([
        [1, "document", ids[0], "parent", "", "folder", ids[1]],
        [2, "folder", ids[1], "viewer", "member", "group", ids[2]],
        [3, "group", ids[2], "member", "", "user", ids[3]],
      ]);
    } finally {
      await session.run("MATCH (n) WHERE n.store IN [$store, $store + '-other'] DETACH DELETE n", { store });
      await session.close();
    }
  });

  it("leaves the URL out beyond the maximum length, keeping params and query", () => {
    const long = Array.from({ length: 200 }, (_, i) => hostileHop(`id-${i}`, i));
    const explain = explainCypher("default", long);
    expect(explain.browserUrl).toBeUndefined();
    expect(explain.params).toContain("id-199");
    expect(explain.query).toBe(explainQuery());

    const short = explainCypher("default", PATH);
    const length = short.browserUrl?.length ?? 0;
    expect(length).toBeLessThanOrEqual(MAX_BROWSER_URL_LENGTH);
    expect(explainCypher("default", PATH, { maxUrlLength: length }).browserUrl).toBe(short.browserUrl);
    expect(explainCypher("default", PATH, { maxUrlLength: length - 1 }).browserUrl).toBeUndefined();
  });

  it("carries hostile values through the URL intact", () => {
    const explain = explainCypher("s&arg=x#y", HOSTILE_IDS.slice(0, 12).map(hostileHop), {
      browser: "http://127.0.0.1:7474/browser/",
    });
    expect(explain.browserUrl?.startsWith("http://127.0.0.1:7474/browser/?cmd=edit&arg=")).toBe(true);
    expect(browserEditorText(explain.browserUrl ?? "")).toBe(`${explain.params}\n${explain.query}`);
  });

  it("refuses to build an edit URL Browser would cut", () => {
    expect(() => browserEditUrl("RETURN '&'")).toThrow(/& or #/);
    expect(() => browserEditUrl("RETURN 1 // #")).toThrow(/& or #/);
  });
});

describe("cypherStringLiteral", () => {
  it("keeps plain text readable and escapes the rest", () => {
    expect(cypherStringLiteral("acme-robotics/eu_1|x=y+z")).toBe('"acme-robotics/eu_1|x=y+z"');
    expect(cypherStringLiteral('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(cypherStringLiteral("a\nb")).toBe('"a\\u000Ab"');
    expect(cypherStringLiteral("a'`$&#;b")).toBe('"a\\u0027\\u0060\\u0024\\u0026\\u0023\\u003Bb"');
    expect(cypherStringLiteral("😀")).toBe('"\\uD83D\\uDE00"');
  });
});

let driver: Driver;
beforeAll(() => {
  driver = neo4j.driver(
    process.env["NEO4J_URI"] ?? "bolt://127.0.0.1:7687",
    neo4j.auth.basic(process.env["NEO4J_USER"] ?? "neo4j", process.env["NEO4J_PASSWORD"] ?? ""),
    { telemetryDisabled: true, disableLosslessIntegers: true },
  );
});
afterAll(async () => {
  await driver.close();
});
