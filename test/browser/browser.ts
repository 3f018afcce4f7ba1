/**
 * Helpers for the Neo4j Browser tests: headless Debian Chromium through playwright-core, Browser's
 * login form, its editor, and screenshots kept in test-output/browser/.
 *
 * Without Chromium the tests fail with the install command (they never skip). Browser is at
 * NEO4J_BROWSER_URL, default http://127.0.0.1:7474/browser/ (the local server `npm run neo4j:start`
 * provisions); Bolt and the password come from NEO4J_URI / NEO4J_PASSWORD (set by the global setup)
 * or the local server's password file.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { localServerPaths } from "../../src/neo4jServer/localServer.ts";

export const CHROMIUM = process.env["CHROMIUM_PATH"] || "/usr/bin/chromium";
export const INSTALL_CHROMIUM = "apt-get update && apt-get install -y chromium";
export const SCREENSHOTS = new URL("../../test-output/browser/", import.meta.url);

export function browserUrl(): string {
  return process.env["NEO4J_BROWSER_URL"] || `http://127.0.0.1:${localServerPaths().httpPort}/browser/`;
}

export function boltAddress(): string {
  const uri = process.env["NEO4J_URI"] || "bolt://127.0.0.1:7687";
  return uri.replace(/^[a-z+]+:\/\//, "");
}

export function neo4jPassword(): string {
  const fromEnv = process.env["NEO4J_PASSWORD"];
  if (fromEnv) return fromEnv;
  return readFileSync(localServerPaths(process.env).passwordFile, "utf8").trim();
}

/** Starts headless Chromium; throws with the install command when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the Neo4j Browser tests need it: ${INSTALL_CHROMIUM} ` +
        "(or set CHROMIUM_PATH)",
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
    ],
  });
}

/** `test-output/browser/<name>.png` (the directory is git-ignored); returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = new URL(`${name}.png`, SCREENSHOTS).pathname;
  await page.screenshot({ path });
  return path;
}

/** Fills Browser's connect frame (bolt://, user neo4j) and waits until it reports the connection. */
export async function logIn(page: Page): Promise<void> {
  const address = page.getByTestId("boltaddress");
  await address.waitFor({ timeout: 30_000 });
  await page
    .locator("select")
    .filter({ has: page.locator("option", { hasText: "bolt://" }) })
    .first()
    .selectOption("bolt://");
  await address.fill(boltAddress());
  await page.getByTestId("username").fill(process.env["NEO4J_USER"] || "neo4j");
  await page.getByTestId("password").fill(neo4jPassword());
  await page.getByTestId("connect").click();
  await page.getByText(/You are connected as user/).waitFor({ timeout: 30_000 });
}

/** Replaces the main editor's text (inserted as one paste: no auto-closed brackets) and runs it. */
export async function run(page: Page, text: string): Promise<void> {
  const editor = page.getByTestId("activeEditor");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
  await page.getByTestId("editor-Run").click();
}

/** The editor's text as Browser shows it (Monaco renders lines; non-breaking spaces normalised). */
export async function editorText(page: Page): Promise<string> {
  const text = await page.getByTestId("activeEditor").locator(".view-lines").innerText();
  return text.replace(/\u00a0/g, " ");
}

/** Runs `steps`; when one fails, keeps `test-output/browser/<name>-failed.png` before rethrowing. */
export async function screenshotOnFailure(
  page: Page,
  name: string,
  steps: () => Promise<void>,
): Promise<void> {
  try {
    await steps();
  } catch (e) {
    await screenshot(page, `${name}-failed`).catch(() => {});
    throw e;
  }
}

/** A 1400×1000 page whose steps give up after 15 s (well inside the test's minute). */
export async function openPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(15_000);
  // No internet here, and nothing to fetch from it: Browser's analytics, fonts and widgets fail at once.
  await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/]|localhost[:/])/, (route) => route.abort());
  return page;
}
