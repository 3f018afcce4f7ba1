/**
 * Consistency tokens (Zanzibar's zookies): opaque to clients, base64url JSON inside, carrying the
 * store, its incarnation (new on every createStore), the revision and the schema revision.
 *
 * Example: a write to store "default" at revision 42 returns `encodeToken(rev)`; a later read with
 * `atLeastAsFresh: token` calls `decodeToken(token, {store: "default", incarnation})` and waits for
 * revision ≥ 42. A token from another store, from before a delete + re-create, or garbage is
 * INVALID_ARGUMENT.
 */
import { invalidArgument } from "../errors.ts";
import type { Revision } from "./interface.ts";
import { STORE_NAME } from "./interface.ts";

const PREFIX = "rg1_";
const MAX_TOKEN_LENGTH = 512;

export function encodeToken(revision: Revision): string {
  const body = [revision.store, revision.incarnation, revision.revision, revision.schemaRevision];
  return PREFIX + Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/**
 * Decodes a token; with `expect`, also checks it belongs to that store and incarnation.
 * INVALID_ARGUMENT (field "token") for anything else.
 */
export function decodeToken(token: unknown, expect?: { store: string; incarnation: string }): Revision {
  const bad = (why: string) =>
    invalidArgument(`token: invalid consistency token (${why})`, { field: "token" });
  if (
    typeof token !== "string" ||
    token.length > MAX_TOKEN_LENGTH ||
    !token.startsWith(PREFIX) ||
    !/^[A-Za-z0-9_-]+$/.test(token.slice(PREFIX.length))
  )
    throw bad("not a token");
  const payload = token.slice(PREFIX.length);
  let body: unknown;
  try {
    const json = Buffer.from(payload, "base64url").toString("utf8");
    // Base64 decoding is lenient (ignores stray trailing bits): insist on the canonical form.
    if (Buffer.from(json, "utf8").toString("base64url") !== payload) throw new Error("not canonical");
    body = JSON.parse(json);
  } catch {
    throw bad("not a token");
  }
  if (!Array.isArray(body) || body.length !== 4) throw bad("not a token");
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
    throw bad("not a token");
  if (expect !== undefined) {
    if (store !== expect.store)
      throw bad(`it belongs to store ${JSON.stringify(store)}, not ${JSON.stringify(expect.store)}`);
    if (incarnation !== expect.incarnation)
      throw bad("the store was deleted and re-created since it was issued");
  }
  return { store, incarnation, revision, schemaRevision };
}
