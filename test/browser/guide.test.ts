/**
 * Issue 9's Browser test: Relgraph serves its Neo4j Browser guide under /guides/, and Browser (headless
 * Chromium) plays it with `:play http://127.0.0.1:<port>/guides/relgraph.html`: the first slide
 * renders, and its runnable `:style` block loads the style sheet from the same server.
 * Screenshots: test-output/browser/guide-*.png.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { neo4jConfigFromEnv } from "../../src/config.ts";
import { browserUrl, editorText, launchChromium, logIn, openPage, run, screenshot } from "./browser.ts";

let relgraph: Relgraph | undefined;
let server: RunningServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  relgraph = await createRelgraph({ neo4j: neo4jConfigFromEnv() });
  server = await startServer({ service: relgraph, host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await relgraph?.close();
});

describe("Neo4j Browser plays Relgraph's guide", () => {
  it(
    "renders the first slide of /guides/relgraph.html and loads the style sheet",
    { timeout: 60_000 },
    async () => {
      const base = `http://127.0.0.1:${server?.port ?? 0}`;
      browser = await launchChromium();
      const page = await openPage(browser);
      await page.goto(browserUrl());
      await logIn(page);

      await run(page, `:play ${base}/guides/relgraph.html`);
      const frame = page.getByTestId("frame").first();
      const title = frame.getByRole("heading", { name: "Relgraph: access as a graph" });
      await title.waitFor({ timeout: 15_000 }).catch(async (e: unknown) => {
        await screenshot(page, "guide-failed");
        throw e;
      });
      expect(await title.isVisible()).toBe(true);
      const slide = await frame.innerText();
      expect(slide).toContain("From “who is in this group” to “why can this user manage this bucket”");
      expect(slide).toContain("nebius-ai-cloud");
      await screenshot(page, "guide-first-slide");

      // The runnable block names this server's style sheet; clicking it fills the editor.
      const styleBlock = frame.locator("pre.runnable", { hasText: ":style" }).first();
      expect((await styleBlock.innerText()).trim()).toBe(`:style ${base}/guides/relgraph.grass`);
      await styleBlock.click();
      await expect.poll(() => editorText(page)).toContain(`:style ${base}/guides/relgraph.grass`);
      await page.getByTestId("editor-Run").click();
      const styleFrame = page.getByTestId("frame").first();
      await expect.poll(() => styleFrame.innerText()).toContain("node.bucket");
      await screenshot(page, "guide-style");
    },
  );
});
