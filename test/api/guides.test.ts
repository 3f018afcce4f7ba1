/**
 * /guides/: the Neo4j Browser guide and style sheet, served with CORS for Browser's origins only,
 * without opening /graphql to them. Also keeps the guide's explain slide in step with explainCypher
 * and the demo data, and the style sheet in step with the shipped schemas.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_GUIDE_ORIGINS } from "../../src/api/guides.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { explainCypher } from "../../src/store/neo4j/explainCypher.ts";
import { gql, http, serve } from "./harness.ts";

const BROWSER_PORT = process.env["RELGRAPH_NEO4J_HTTP_PORT"] || "7474";
const BROWSER = `http://127.0.0.1:${BROWSER_PORT}`;
const guideUrl = (graphqlUrl: string, name: string): string =>
  graphqlUrl.replace(/\/graphql$/, `/guides/${name}`);

function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

/** The text of every `<pre class="code runnable">` in the guide, unescaped and trimmed (as Browser takes it). */
function runnables(html: string): string[] {
  return [...html.matchAll(/<pre class="code runnable">([\s\S]*?)<\/pre>/g)].map((m) =>
    unescapeHtml(m[1] ?? "").trim(),
  );
}

describe("GET /guides/relgraph.html", () => {
  it("serves the guide to Neo4j Browser's default origins", async () => {
    const { server, service } = await serve();
    expect(DEFAULT_GUIDE_ORIGINS).toEqual([`http://localhost:${BROWSER_PORT}`, BROWSER]);
    for (const origin of DEFAULT_GUIDE_ORIGINS) {
      const answer = await http(guideUrl(server.url, "relgraph.html"), { headers: { origin } });
      expect(answer.status).toBe(200);
      expect(answer.headers["access-control-allow-origin"]).toBe(origin);
      expect(answer.headers["vary"]).toContain("Origin");
      expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
      expect(answer.text).toContain('<article class="guide');
      expect(answer.text).toMatch(
        /<slide class="row-fluid">\s*<div class="col-sm-3">\s*<h3>Relgraph: access as a graph<\/h3>/,
      );
    }
    // Static content: no API key check, no call into the service.
    expect(service.calls).toEqual([]);
  });

  it("answers Browser's preflight (it sends cache-control and pragma)", async () => {
    const { server } = await serve();
    const preflight = await http(guideUrl(server.url, "relgraph.html"), {
      method: "OPTIONS",
      headers: {
        origin: BROWSER,
        "access-control-request-method": "GET",
        "access-control-request-headers": "cache-control,pragma",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(BROWSER);
    expect(preflight.headers["access-control-allow-methods"]).toContain("GET");
    expect(preflight.headers["access-control-allow-headers"]).toBe("cache-control, pragma");
  });

  it("fills in this server's address for the style sheet", async () => {
    const { server } = await serve();
    const answer = await http(guideUrl(server.url, "relgraph.html"), { headers: { origin: BROWSER } });
    const host = new URL(server.url).host;
    expect(answer.text).not.toContain("{{relgraph}}");
    expect(runnables(answer.text)).toContain(`:style http://${host}/guides/relgraph.grass`);
    // A Host header that is not a host name does not reach the page.
    const odd = await http(guideUrl(server.url, "relgraph.html"), {
      headers: { host: '"><script>x</script>' },
    });
    expect(odd.status).toBe(200);
    expect(odd.text).not.toContain("<script>");
    expect(runnables(odd.text)).toContain(":style http://localhost:4000/guides/relgraph.grass");
  });

  it("serves without CORS headers to requests without Origin; HEAD has no body", async () => {
    const { server } = await serve();
    const plain = await http(guideUrl(server.url, "relgraph.html"));
    expect(plain.status).toBe(200);
    expect(plain.headers["access-control-allow-origin"]).toBeUndefined();
    const head = await http(guideUrl(server.url, "relgraph.html"), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    expect(Number(head.headers["content-length"])).toBe(Buffer.byteLength(plain.text));
  });

  it("refuses other origins, methods other than GET/HEAD, and unknown or traversing paths", async () => {
    const { server } = await serve();
    const evil = await http(guideUrl(server.url, "relgraph.html"), {
      headers: { origin: "https://evil.example" },
    });
    expect(evil.status).toBe(403);
    expect(evil.headers["access-control-allow-origin"]).toBeUndefined();
    expect((await http(guideUrl(server.url, "relgraph.html"), { method: "POST", body: "x" })).status).toBe(
      405,
    );
    for (const path of [
      "nope.html",
      "../package.json",
      "..%2fpackage.json",
      "%2e%2e/package.json",
      "",
      ".env",
    ])
      expect((await http(guideUrl(server.url, path))).status).toBe(404);
    expect((await http(server.url.replace(/\/graphql$/, "/guides"))).status).toBe(404);
    expect((await http(server.url.replace(/\/graphql$/, "/guides/../package.json"))).status).toBe(404);
  });

  it("takes configured origins instead of the defaults", async () => {
    const { server } = await serve({ guideOrigins: ["https://browser.example.com"] });
    const ok = await http(guideUrl(server.url, "relgraph.html"), {
      headers: { origin: "https://browser.example.com" },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers["access-control-allow-origin"]).toBe("https://browser.example.com");
    expect((await http(guideUrl(server.url, "relgraph.html"), { headers: { origin: BROWSER } })).status).toBe(
      403,
    );
  });
});

describe("the API's CORS policy is unchanged", () => {
  it("still refuses Browser's origin at /graphql when no API origins are configured", async () => {
    const { server, service } = await serve();
    const answer = await gql(server.url, "{ stores { name } }", undefined, { origin: BROWSER });
    expect(answer.status).toBe(403);
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
    const preflight = await http(server.url, {
      method: "OPTIONS",
      headers: { origin: BROWSER, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(403);
    expect(service.calls).toEqual([]);
    // And the API's origins do not open the guides to them.
    const { server: other } = await serve({ corsOrigins: ["https://app.example.com"] });
    const guide = await http(guideUrl(other.url, "relgraph.html"), {
      headers: { origin: "https://app.example.com" },
    });
    expect(guide.status).toBe(403);
  });
});

describe("GET /guides/relgraph.grass", () => {
  it("serves the style sheet as text with CORS", async () => {
    const { server } = await serve();
    const answer = await http(guideUrl(server.url, "relgraph.grass"), { headers: { origin: BROWSER } });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(answer.headers["access-control-allow-origin"]).toBe(BROWSER);
    expect(answer.text).toBe(readFileSync(new URL("../../cypher/relgraph.grass", import.meta.url), "utf8"));
  });
});

describe("cypher/relgraph.grass", () => {
  const grass = readFileSync(new URL("../../cypher/relgraph.grass", import.meta.url), "utf8");
  const rules = new Map(
    [...grass.matchAll(/^([a-z_.A-Z]+) \{\n([\s\S]*?)\n\}$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]),
  );

  it("colours every type of the shipped schemas, captions nodes by id and relationships by type", () => {
    const schemaDir = new URL("../../schema/", import.meta.url);
    const types = new Set<string>();
    for (const file of readdirSync(schemaDir).filter((f) => f.endsWith(".zed")))
      for (const m of readFileSync(new URL(file, schemaDir), "utf8").matchAll(/^definition ([a-z_]+)/gm))
        types.add(m[1] ?? "");
    expect([...types].sort()).toEqual(
      expect.arrayContaining(["user", "group", "folder", "document", "tenant", "project", "bucket"]),
    );
    for (const type of types) {
      const rule = rules.get(`node.${type}`);
      expect(rule, `node.${type}`).toBeDefined();
      expect(rule).toMatch(/color: #[0-9A-F]{6};/);
      expect(rule).toContain('caption: "{id}";');
    }
    expect(rules.get("node")).toContain('caption: "{id}";');
    expect(rules.get("relationship")).toContain('caption: "<type>";');
    // Distinct colours for the types one schema shows side by side.
    const colour = (t: string) => /color: (#[0-9A-F]{6})/.exec(rules.get(`node.${t}`) ?? "")?.[1];
    const shown = [
      "user",
      "group",
      "tenant",
      "project",
      "bucket",
      "instance",
      "service_account",
      "group_membership",
    ];
    expect(new Set(shown.map(colour)).size).toBe(shown.length);
  });

  it("is plain grass Browser parses: no comments, one `key: value;` per line", () => {
    expect(grass).not.toMatch(/\/\*|\/\//);
    for (const body of rules.values())
      for (const line of body.split("\n")) expect(line).toMatch(/^ {2}[a-z-]+: [^;:]+;$/);
  });
});

describe("the guide's content", () => {
  const html = readFileSync(new URL("../../cypher/guides/relgraph.html", import.meta.url), "utf8");
  const demo = readFileSync(new URL("../../schema/nebius-ai-cloud.demo.txt", import.meta.url), "utf8");

  it("shows bob's path to manage the bucket with explainCypher's exact text", () => {
    const path = [
      "bucket:model-checkpoints#project@project:training",
      "project:training#tenant@tenant:acme-robotics",
      "tenant:acme-robotics#editor@group:editors#member",
      "group:editors#member@user:bob",
    ];
    // Every hop is a tuple of the demo data.
    for (const tuple of path) expect(demo.split("\n")).toContain(tuple);
    const explain = explainCypher(
      "nebius-ai-cloud",
      path.map((t) => parseTuple(t)),
    );
    const blocks = runnables(html);
    expect(blocks).toContain(explain.params);
    expect(blocks).toContain(explain.query);
  });

  it("filters every query by store, and walks from a group's members to the explanation", () => {
    const queries = runnables(html).filter((b) => /\bMATCH\b/.test(b));
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const q of queries) expect(q).toMatch(/store: (\$store|"nebius-ai-cloud")/);
    const slides = [...html.matchAll(/<h3>(.*?)<\/h3>/g)].map((m) => m[1]);
    expect(slides[1]).toBe("Who is in this group?");
    expect(slides).toContain("Why can bob manage this bucket?");
    expect(html.match(/<slide /g)?.length).toBe(slides.length);
  });
});
