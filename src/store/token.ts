/**
 * Consistency tokens (Zanzibar's zookies): opaque to clients, carrying the store, its incarnation
 * (new on every createStore), the revision and the schema revision, signed so that a client cannot
 * make one up.
 *
 *   rg2_<base64url JSON [store, incarnation, revision, schemaRevision]>.<base64url HMAC-SHA256, 16 bytes>
 *
 * The prefix is the payload's version. The MAC key is derived from the store's `tokenSecret`
 * (RELGRAPH_TOKEN_SECRET, or the secret every process on one Neo4j shares), so any replica accepts
 * any replica's tokens. Unsigned `rg1_` tokens, issued before signing, are still accepted in this
 * release (CHANGELOG: refused from the next one); a token claiming a revision the store never
 * reached is refused where it is compared with the store's head (consistency.ts).
 *
 * Example: a write to store "default" at revision 42 returns `signer.encode(rev)`; a later read with
 * `atLeastAsFresh: token` is first `signer.verify(token)`-ed, then `decodeToken(token, {store:
 * "default", incarnation})` gives revision 42 to wait for. A token from another store, from before a
 * delete + re-create, altered, forged, or garbage is INVALID_ARGUMENT.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { invalidArgument } from "../errors.ts";
import type { Revision } from "./interface.ts";
import { STORE_NAME } from "./interface.ts";

const PREFIX = "rg2_";
/** Unsigned tokens of Relgraph 0.1; accepted until the next release. */
const LEGACY_PREFIX = "rg1_";
const MAX_TOKEN_LENGTH = 512;
const MAC_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function refused(why: string) {
  return invalidArgument(`token: invalid consistency token (${why})`, { field: "token" });
}

/** Signs tokens with one store backend's secret and verifies them. */
export class TokenSigner {
  private readonly key: Buffer;
  /** Checks answered at one revision share its token (the projection keeps one Revision object). */
  private readonly issued = new WeakMap<Revision, string>();

  constructor(secret: string) {
    // A derived key: the same secret can sign other things (guide URLs) without tokens and those
    // ever being interchangeable.
    this.key = createHmac("sha256", secret).update("relgraph consistency token v2").digest();
  }

  encode(revision: Revision): string {
    let token = this.issued.get(revision);
    if (token === undefined) {
      const body = [revision.store, revision.incarnation, revision.revision, revision.schemaRevision];
      const payload = PREFIX + Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
      token = `${payload}.${this.mac(payload).toString("base64url")}`;
      this.issued.set(revision, token);
    }
    return token;
  }

  /**
   * INVALID_ARGUMENT unless `token` is well formed and signed with this secret (or an unsigned
   * token of the previous format). Callers then read it with decodeToken.
   */
  verify(token: unknown): void {
    const { signed } = parse(token);
    if (signed === undefined) return;
    const given = Buffer.from(signed.mac, "base64url");
    const expected = this.mac(signed.payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw refused(
        "its signature does not match: it was altered, made up, or signed with another RELGRAPH_TOKEN_SECRET",
      );
  }

  private mac(payload: string): Buffer {
    return createHmac("sha256", this.key).update(payload).digest().subarray(0, MAC_BYTES);
  }
}

/** An unsigned token of the previous format: nothing vouches for the revision it names. */
export function isLegacyToken(token: string): boolean {
  return token.startsWith(LEGACY_PREFIX);
}

/**
 * Reads a token (either format) without checking its signature: callers verify it first
 * (TokenSigner.verify). With `expect`, also checks it belongs to that store and incarnation.
 * INVALID_ARGUMENT (field "token") for anything else.
 */
export function decodeToken(token: unknown, expect?: { store: string; incarnation: string }): Revision {
  const { revision } = parse(token);
  if (expect !== undefined) {
    if (revision.store !== expect.store)
      throw refused(
        `it belongs to store ${JSON.stringify(revision.store)}, not ${JSON.stringify(expect.store)}`,
      );
    if (revision.incarnation !== expect.incarnation)
      throw refused("the store was deleted and re-created since it was issued");
  }
  return revision;
}

interface Parsed {
  readonly revision: Revision;
  /** Absent for a legacy (unsigned) token. */
  readonly signed: { readonly payload: string; readonly mac: string } | undefined;
}

function parse(token: unknown): Parsed {
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) throw refused("not a token");
  let body: string;
  let signed: Parsed["signed"];
  if (token.startsWith(PREFIX)) {
    const dot = token.indexOf(".");
    const mac = dot < 0 ? "" : token.slice(dot + 1);
    if (dot < 0 || !BASE64URL.test(mac) || Buffer.from(mac, "base64url").length !== MAC_BYTES)
      throw refused("not a token");
    body = token.slice(PREFIX.length, dot);
    signed = { payload: token.slice(0, dot), mac };
  } else if (token.startsWith(LEGACY_PREFIX)) {
    body = token.slice(LEGACY_PREFIX.length);
    signed = undefined;
  } else throw refused("not a token");
  return { revision: revisionOf(body), signed };
}

function revisionOf(payload: string): Revision {
  if (!BASE64URL.test(payload)) throw refused("not a token");
  let body: unknown;
  try {
    const json = Buffer.from(payload, "base64url").toString("utf8");
    // Base64 decoding is lenient (ignores stray trailing bits): insist on the canonical form.
    if (Buffer.from(json, "utf8").toString("base64url") !== payload) throw new Error("not canonical");
    body = JSON.parse(json);
  } catch {
    throw refused("not a token");
  }
  if (!Array.isArray(body) || body.length !== 4) throw refused("not a token");
  const [store, incarnation, revision, schemaRevision] = body as unknown[];
  if (
    typeof store !== "string" ||
    !STORE_NAME.test(store) ||
    typeof incarnation !== "string" ||
    incarnation.length === 0 ||
    typeof revision !== "number" ||
    !Number.isSafeInteger(revision) ||
    revision < 0 ||
    typeof schemaRevision !== "number" ||
    !Number.isSafeInteger(schemaRevision) ||
    schemaRevision < 0
  )
    throw refused("not a token");
  return { store, incarnation, revision, schemaRevision };
}
