/**
 * Read cursors: opaque base64url JSON carrying the last key a page returned, the revision the walk
 * started at (for `staleCursor`), and what the cursor belongs to (store, incarnation, filter), so a
 * cursor replayed against another store or filter is INVALID_ARGUMENT instead of a wrong page.
 */
import { createHash } from "node:crypto";
import { invalidArgument } from "../errors.ts";
import type { OrderKey } from "./order.ts";
import type { NormalisedFilter } from "./validate.ts";
import { FILTER_FIELDS } from "../model/filter.ts";

export interface CursorState {
  readonly store: string;
  readonly incarnation: string;
  /** Head revision when the walk's first page was read. */
  readonly startRevision: number;
  readonly filter: string;
  readonly last: OrderKey;
}

/** Cursors hold at most a few ids of ≤ 1,024 characters; anything far larger is not ours. */
const MAX_CURSOR_LENGTH = 64 * 1024;

/** Short stable digest of a filter: a cursor only continues the walk it was made for. */
export function filterFingerprint(filter: NormalisedFilter): string {
  const fields = FILTER_FIELDS.map((f) => filter[f] ?? null);
  return createHash("sha256").update(JSON.stringify(fields)).digest("base64url").slice(0, 16);
}

/** INVALID_ARGUMENT naming `after` and why the cursor is refused. */
export const badCursor = (why: string) =>
  invalidArgument(`after: invalid cursor (${why})`, { field: "after" });

/** A cursor's JSON body as opaque text (read cursors here, lookup cursors in engine/lookup). */
export function encodeCursorBody(body: Readonly<Record<string, unknown>>): string {
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/**
 * The JSON object a cursor carries; INVALID_ARGUMENT ("not a cursor") for anything that is not
 * canonical base64url of a JSON object no longer than `maxLength` characters.
 */
export function decodeCursorBody(text: unknown, maxLength: number): Record<string, unknown> {
  if (
    typeof text !== "string" ||
    text.length === 0 ||
    text.length > maxLength ||
    !/^[A-Za-z0-9_-]+$/.test(text)
  )
    throw badCursor("not a cursor");
  let body: unknown;
  try {
    const json = Buffer.from(text, "base64url").toString("utf8");
    // Base64 decoding is lenient (ignores stray trailing bits): insist on the canonical form.
    if (Buffer.from(json, "utf8").toString("base64url") !== text) throw new Error("not canonical");
    body = JSON.parse(json);
  } catch {
    throw badCursor("not a cursor");
  }
  if (body === null || typeof body !== "object") throw badCursor("not a cursor");
  return body as Record<string, unknown>;
}

export function encodeCursor(state: CursorState): string {
  return encodeCursorBody({
    v: 1,
    s: state.store,
    i: state.incarnation,
    r: state.startRevision,
    f: state.filter,
    k: state.last,
  });
}

export function decodeCursor(
  text: unknown,
  expect: { store: string; incarnation: string; filter: string },
): CursorState {
  const bad = badCursor;
  const b = decodeCursorBody(text, MAX_CURSOR_LENGTH);
  const k = b["k"];
  if (
    b["v"] !== 1 ||
    typeof b["s"] !== "string" ||
    typeof b["i"] !== "string" ||
    typeof b["f"] !== "string" ||
    typeof b["r"] !== "number" ||
    !Number.isSafeInteger(b["r"]) ||
    !Array.isArray(k) ||
    k.length !== 6 ||
    !k.every((x) => typeof x === "string")
  )
    throw bad("not a cursor");
  if (b["s"] !== expect.store) throw bad("it belongs to another store");
  if (b["i"] !== expect.incarnation) throw bad("the store was deleted and re-created since");
  if (b["f"] !== expect.filter) throw bad("it belongs to a different filter");
  return {
    store: b["s"],
    incarnation: b["i"],
    startRevision: b["r"],
    filter: b["f"],
    last: k as unknown as OrderKey,
  };
}
