/**
 * Neo4j Browser guides and style sheets, served under /guides/ (issue 9): `:play
 * http://localhost:4000/guides/relgraph.html` in Browser opens the guide, and `:style
 * http://localhost:4000/guides/relgraph.grass` loads the style sheet.
 *
 * Browser fetches them from its own page, so they carry CORS headers for Browser's origins (by
 * default http://localhost:7474 and http://127.0.0.1:7474). That policy is separate from the API's:
 * /graphql keeps refusing every origin not in RELGRAPH_CORS_ORIGINS. Guides are static text with no
 * authorization data, so they need no API key; any other origin still gets 403, as for the API.
 *
 * Files: every `*.html` in cypher/guides/, plus cypher/relgraph.grass, read once at start. In HTML,
 * `{{relgraph}}` becomes this server's address as the request reached it (`http://<Host>`), so a
 * guide links the style sheet of the server that served it.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ErrorCode } from "../errors.ts";
import { createCorsPolicy } from "./cors.ts";
import { sendError } from "./httpAdapter.ts";

/**
 * Neo4j Browser's origins on the local Neo4j (Browser's own address, which sends the requests): its
 * HTTP port is RELGRAPH_NEO4J_HTTP_PORT, 7474 by default.
 */
const BROWSER_PORT = /^\d{1,5}$/.test(process.env["RELGRAPH_NEO4J_HTTP_PORT"] ?? "")
  ? process.env["RELGRAPH_NEO4J_HTTP_PORT"]
  : "7474";
export const DEFAULT_GUIDE_ORIGINS: readonly string[] = [
  `http://localhost:${BROWSER_PORT}`,
  `http://127.0.0.1:${BROWSER_PORT}`,
];

export const GUIDES_PREFIX = "/guides/";

const CYPHER_DIR = new URL("../../cypher/", import.meta.url);
const GUIDES_DIR = new URL("guides/", CYPHER_DIR);
const FILE_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const PLACEHOLDER = /\{\{relgraph\}\}/g;

interface GuideFile {
  readonly text: string;
  readonly contentType: string;
  readonly templated: boolean;
}

export interface GuideServer {
  /** The names served, e.g. `relgraph.html`, `relgraph.grass`. */
  readonly names: readonly string[];
  /** Answers a request whose path is /guides or under /guides/ (GET, HEAD, OPTIONS). */
  serve(req: IncomingMessage, res: ServerResponse, path: string): void;
}

/** True for the paths the guide server answers (the request path, without the query). */
export function isGuidePath(path: string): boolean {
  return path === "/guides" || path.startsWith(GUIDES_PREFIX);
}

function loadFiles(): Map<string, GuideFile> {
  const files = new Map<string, GuideFile>();
  for (const name of readdirSync(GUIDES_DIR).sort()) {
    if (!FILE_NAME.test(name) || !name.endsWith(".html")) continue;
    const text = readFileSync(new URL(name, GUIDES_DIR), "utf8");
    files.set(name, { text, contentType: "text/html; charset=utf-8", templated: true });
  }
  files.set("relgraph.grass", {
    text: readFileSync(new URL("relgraph.grass", CYPHER_DIR), "utf8"),
    contentType: "text/plain; charset=utf-8",
    templated: false,
  });
  return files;
}

export function createGuideServer(options: { readonly origins?: readonly string[] } = {}): GuideServer {
  const files = loadFiles();
  const origins = options.origins ?? DEFAULT_GUIDE_ORIGINS;
  const cors = createCorsPolicy(origins);
  const names = [...files.keys()];

  return {
    names,
    serve(req, res, path) {
      // Nothing a guide request sends is read: let any body drain.
      req.resume();
      const decision = cors.decide(req.headers);
      if (decision.kind === "refused") {
        sendError(
          res,
          403,
          ErrorCode.PERMISSION_DENIED,
          `guides are not served to ${JSON.stringify(decision.origin.slice(0, 200))} ` +
            `(allowed: ${origins.join(", ") || "none"}; the server's guideOrigins option sets them)`,
        );
        return;
      }
      const corsHeaders = decision.kind === "allowed" ? decision.headers : {};
      const method = req.method ?? "GET";
      if (method === "OPTIONS") {
        res.writeHead(
          204,
          decision.kind === "allowed" && req.headers["access-control-request-method"] !== undefined
            ? {
                ...decision.headers,
                "access-control-allow-methods": "GET, HEAD, OPTIONS",
                // Browser fetches guides with `pragma: no-cache` and `cache-control: no-cache`,
                // which make the request non-simple: it asks first.
                "access-control-allow-headers": "cache-control, pragma",
                "access-control-max-age": "600",
              }
            : { allow: "GET, HEAD, OPTIONS" },
        );
        res.end();
        return;
      }
      if (method !== "GET" && method !== "HEAD") {
        sendError(res, 405, ErrorCode.INVALID_ARGUMENT, "guides answer GET only", {
          ...corsHeaders,
          allow: "GET, HEAD, OPTIONS",
        });
        return;
      }
      const name = path.startsWith(GUIDES_PREFIX) ? path.slice(GUIDES_PREFIX.length) : "";
      const file = FILE_NAME.test(name) ? files.get(name) : undefined;
      if (file === undefined) {
        sendError(
          res,
          404,
          ErrorCode.NOT_FOUND,
          `no such guide: ${path.slice(0, 200)} (available: ${names.map((n) => GUIDES_PREFIX + n).join(", ")})`,
          corsHeaders,
        );
        return;
      }
      const host = req.headers.host;
      const base = `http://${host !== undefined && HOST.test(host) ? host : "localhost:4000"}`;
      const body = Buffer.from(file.templated ? file.text.replace(PLACEHOLDER, base) : file.text, "utf8");
      res.writeHead(200, {
        ...corsHeaders,
        "content-type": file.contentType,
        "content-length": String(body.length),
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        // Opened directly in a browser tab, a guide runs nothing and loads nothing.
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
      });
      res.end(method === "HEAD" ? undefined : body);
    },
  };
}
