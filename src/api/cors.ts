/**
 * Cross-origin policy. Safe by default: with no origins configured, any request carrying an
 * `Origin` header (a browser on some web page) is refused; non-browser clients send none.
 * Configured origins get CORS headers and their preflights answered; everyone else gets 403.
 *
 * Apollo's CSRF prevention stays on as well: it refuses "simple" requests (which browsers send
 * without a preflight) that lack a JSON content type or an `apollo-require-preflight` header.
 */
import type { IncomingHttpHeaders } from "node:http";

/** Headers a browser may send to /graphql (answered in preflights). */
const ALLOWED_REQUEST_HEADERS =
  "authorization, content-type, apollo-require-preflight, x-apollo-operation-name";
const ALLOWED_METHODS = "GET, POST, OPTIONS";

export type CorsDecision =
  /** No Origin header: not a cross-origin browser request. */
  | { readonly kind: "no-origin" }
  | { readonly kind: "allowed"; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: "refused"; readonly origin: string };

export interface CorsPolicy {
  decide(headers: IncomingHttpHeaders): CorsDecision;
  /** Headers answering an allowed preflight (OPTIONS with Access-Control-Request-Method). */
  preflightHeaders(decision: CorsDecision & { kind: "allowed" }): Record<string, string>;
}

/** `https://app.example.com:8443` — scheme, host and port, lower-cased, no path or trailing slash. */
export function normaliseOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, "");
}

export function createCorsPolicy(origins: readonly string[]): CorsPolicy {
  const allowed = new Set(origins.map(normaliseOrigin).filter((o) => o !== ""));
  const any = allowed.has("*");
  return {
    decide(headers) {
      const origin = headers.origin;
      if (origin === undefined) return { kind: "no-origin" };
      if (!any && !allowed.has(normaliseOrigin(origin))) return { kind: "refused", origin };
      return {
        kind: "allowed",
        headers: {
          "access-control-allow-origin": origin,
          // Responses differ by Origin: caches must not serve one origin's answer to another.
          vary: "Origin",
        },
      };
    },
    preflightHeaders(decision) {
      return {
        ...decision.headers,
        "access-control-allow-methods": ALLOWED_METHODS,
        "access-control-allow-headers": ALLOWED_REQUEST_HEADERS,
        "access-control-max-age": "600",
      };
    },
  };
}
