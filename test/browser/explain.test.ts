/**
 * Issue 7's Browser test: the explain Cypher of a 3-hop access path, run in Neo4j Browser (headless
 * Chromium), shows the path's nodes. Opens Browser through explainCypher's browserUrl (the editor
 * arrives filled in), logs in, runs it (the `:param` lines set $store and $hops), runs the query on
 * its own (Browser draws no graph for a multi-statement script) and reads the result's Table view.
 * Screenshots: test-output/browser/explain-*.png.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { parseTuple, type Tuple } from "../../src/model/tuple.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { neo4jConfigFromEnv } from "../../src/config.ts";
import { explainCypher } from "../../src/store/neo4j/explainCypher.ts";
import {
  browserUrl,
  editorText,
  launchChromium,
  logIn,
  openPage,
  run,
  screenshot,
  screenshotOnFailure,
} from "./browser.ts";

const suffix = randomBytes(4).toString("hex");
const STORE = `browser-explain-${suffix}`;
const DOC = `readme-${suffix}`;
const FOLDER = `specs-${suffix}`;
const GROUP = `eng-${suffix}`;
const USER = `alice-${suffix}`;
const PATH: Tuple[] = [
  `document:${DOC}#parent@folder:${FOLDER}`,
  `folder:${FOLDER}#viewer@group:${GROUP}#member`,
  `group:${GROUP}#member@user:${USER}`,
].map((t) => parseTuple(t));

let relgraph: Relgraph | undefined;
let server: RunningServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  relgraph = await createRelgraph({ neo4j: neo4jConfigFromEnv() });
  await relgraph.createStore(STORE);
  await relgraph.writeSchema(
    STORE,
    readFileSync(new URL("../../schema/example.zed", import.meta.url), "utf8"),
    "ZED",
  );
  // A decoy beside the path: same ids in another relation, which the explain query must not show.
  const decoy = parseTuple(`folder:${FOLDER}#editor@user:${USER}`);
  await relgraph.writeRelationships(
    STORE,
    [...PATH, decoy].map((tuple) => ({ operation: "CREATE" as const, tuple })),
  );
  server = await startServer({ service: relgraph, host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (relgraph) {
    await relgraph.deleteStore(STORE).catch(() => {});
    await relgraph.close();
  }
});

describe("Neo4j Browser shows an explained access path", () => {
  it("runs the explain Cypher of a 3-hop path and shows its nodes", { timeout: 55_000 }, async () => {
    const explain = explainCypher(STORE, PATH, { browser: browserUrl() });
    expect(explain.browserUrl).toBeDefined();

    browser = await launchChromium();
    const page = await openPage(browser);
    await screenshotOnFailure(page, "explain", async () => {
      await page.goto(explain.browserUrl ?? "");
      await logIn(page);

      // The URL filled the editor with the :param lines and the query.
      const prefilled = await editorText(page);
      expect(prefilled).toContain(":param store");
      expect(prefilled).toContain(":param hops");
      expect(prefilled).toContain("UNWIND range(0, size($hops) - 1) AS i");
      await page.getByTestId("editor-Run").click();
      const script = page.getByTestId("frame").first();
      await script
        .locator("[data-testid=multi-statement-list-icon][title='Status: success']")
        .nth(2)
        .waitFor();
      await screenshot(page, "explain-params");

      // Browser's "Connect result nodes" (on by default) would also draw the decoy, which links two of
      // the path's nodes: turned off, the graph is exactly the path.
      await run(page, ":config autoComplete: false");
      // Relgraph's style sheet, as Relgraph serves it: nodes coloured by type and captioned by id.
      await run(page, `:style http://127.0.0.1:${server?.port ?? 0}/guides/relgraph.grass`);
      await expect.poll(() => page.getByTestId("frame").first().innerText()).toContain("node.document");
      await run(page, explain.query);
      const frame = page.getByTestId("frame").first();
      await frame.getByTestId("frame-loaded-contents").waitFor();
      await expect.poll(() => frame.innerText()).toContain("Displaying 4 nodes, 3 relationships");
      await screenshot(page, "explain-graph");
      // Captions are ids (possibly cut short to fit the circle), not the store name.
      const captions = (await frame.locator("svg text").allTextContents()).map((c) => c.trim());
      expect(captions.some((c) => c.startsWith("readme-"))).toBe(true);
      expect(captions.some((c) => c.startsWith("browser-explain"))).toBe(false);
      for (const relation of ["parent", "viewer", "member"])
        expect(
          await frame.getByTestId(`property-details-overview-relationship-type-${relation}`).count(),
        ).toBe(1);
      expect(await frame.getByTestId("property-details-overview-relationship-type-editor").count()).toBe(0);

      await frame.getByTestId("cypherFrameSidebarTable").click();
      await expect.poll(() => frame.getByTestId("frameContents").innerText()).toContain(USER);
      const table = await frame.getByTestId("frameContents").innerText();
      await screenshot(page, "explain-table");
      for (const id of [DOC, FOLDER, GROUP, USER]) expect(table).toContain(`"id": "${id}"`);
      for (const relation of ['"parent"', '"viewer"', '"member"']) expect(table).toContain(relation);
      // Three rows, numbered in path order; the decoy tuple (folder editor) is not among them.
      expect(table).not.toContain('"editor"');
      expect(table).toMatch(/^1\b/m);
      expect(table).toMatch(/^3\b/m);
      expect(table).not.toMatch(/^4\b/m);
    });
  });

  it("carries hostile ids through the URL and the :param lines intact", { timeout: 55_000 }, async () => {
    // Ids no schema would accept, to show that the escaping survives Browser: its URL decoding,
    // its statement splitting at `;` and its `:param` parser.
    const ids = [
      'quo"te',
      "apo'strophe",
      "back`tick`",
      "new\nline",
      "semi;colon",
      "amp&er=1&arg=x",
      "hash#frag",
    ].concat(["dollar$store", "arrow => [1]", "// not a comment", "back\\slash", "ünï 😀"]);
    const hops = ids.map((id, i) => ({
      resourceType: "document",
      resourceId: id,
      relation: "viewer",
      subjectType: "user",
      subjectId: `${id}-${i}`,
      subjectRelation: i % 2 ? "" : id,
    }));
    const explain = explainCypher(`s;t"o&r#e`, hops, { browser: browserUrl() });
    browser ??= await launchChromium();
    const page = await openPage(browser);
    await screenshotOnFailure(page, "explain-hostile", async () => {
      await page.goto(explain.browserUrl ?? "");
      await logIn(page);
      await page.getByTestId("editor-Run").click();
      const script = page.getByTestId("frame").first();
      await script
        .locator("[data-testid=multi-statement-list-icon][title='Status: success']")
        .nth(2)
        .waitFor();
      await run(page, "UNWIND range(0, size($hops) - 1) AS i RETURN i, $hops[i].from AS id, $store AS store");
      const frame = page.getByTestId("frame").first();
      await frame.getByTestId("cypherFrameSidebarTable").click();
      await expect.poll(() => frame.getByTestId("frameContents").innerText()).toContain("hash#frag");
      // The Table view shows each string between quotes, as it is.
      const text = await frame.getByTestId("frameContents").innerText();
      await screenshot(page, "explain-hostile");
      expect(text).toContain(`"s;t"o&r#e"`);
      for (const id of ids) expect(text).toContain(`"${id}"`);
    });
  });
});
