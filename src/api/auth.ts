/**
 * API keys: when configured, every GraphQL request carries `Authorization: Bearer <key>`.
 *
 * Keys are compared as SHA-256 digests with crypto.timingSafeEqual: digests have one length, so the
 * comparison time reveals neither a key's content nor its length, and every configured key is
 * compared on every request so the time does not reveal which one matched.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

export interface ApiKeyCheck {
  /** Whether any key is configured (when none is, every request passes). */
  readonly enabled: boolean;
  /** Whether the `Authorization` header value carries one of the keys. */
  readonly accepts: (authorization: string | undefined) => boolean;
}

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

export function createApiKeyCheck(keys: readonly string[]): ApiKeyCheck {
  const digests = keys.filter((k) => k !== "").map(digest);
  return {
    enabled: digests.length > 0,
    accepts(authorization) {
      if (digests.length === 0) return true;
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
      // A missing header still hashes and compares, so it costs as much as a wrong key.
      const candidate = digest(match?.[1] ?? "");
      let ok = false;
      for (const d of digests) ok = timingSafeEqual(candidate, d) || ok;
      return ok && match !== null;
    },
  };
}

/**
 * Whether a bind address only accepts connections from this machine. Unknown names count as
 * non-loopback: only `localhost` and literal loopback addresses are trusted.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost") return true;
  switch (isIP(h)) {
    case 4:
      return h.startsWith("127.");
    case 6:
      return h === "::1" || h === "0:0:0:0:0:0:0:1" || h.startsWith("::ffff:127.");
    default:
      return false;
  }
}
