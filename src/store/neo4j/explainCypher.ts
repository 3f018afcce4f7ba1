/**
 * The Cypher that shows one access path in Neo4j Browser (issue 7), and a Browser URL that opens it.
 *
 * The query is always the same text, cypher/explain-path.cypher; the path travels as one list
 * parameter set by `:param` lines before it:
 *
 *   :param store => "default";
 *   :param hops => [{fromType: "document", from: "d", rel: "parent", toType: "folder", to: "f", srel: ""}, ...];
 *   UNWIND range(0, size($hops) - 1) AS i ... RETURN i + 1 AS hop, a, r, b ORDER BY hop
 *
 * Nothing from a tuple is ever part of the query text. Values are written as Cypher string literals
 * in the `:param` lines (Browser evaluates `:param x => expr` as `RETURN expr AS x`), escaped so that
 * only printable ASCII other than `"` `\` `'` `` ` `` `$` `&` `#` `;` appears raw: everything else is a
 * `\uXXXX` escape. That keeps each literal a literal for Neo4j, and keeps the text intact through
 * Browser's own parsing: its `cmd=edit&arg=` handler URL-decodes the whole address before cutting
 * `arg` at the next `&` or `#`, and it splits the editor into statements at `;`.
 */
import type { Tuple } from "../../model/tuple.ts";
import { cypherText } from "./cypher.ts";

/** One tuple of a path: `resourceType:resourceId#relation@subjectType:subjectId#subjectRelation`. */
export type ExplainHop = Pick<
  Tuple,
  "resourceType" | "resourceId" | "relation" | "subjectType" | "subjectId" | "subjectRelation"
>;

export interface ExplainCypher {
  /** The `:param` lines (`:param store => ...;` and `:param hops => [...];`), each ending in `;`. */
  readonly params: string;
  /** The query (cypher/explain-path.cypher without its comments): the same text for every path. */
  readonly query: string;
  /**
   * `<browser>?cmd=edit&arg=<params and query>`: opens Browser with the editor filled in (the user
   * logs in if needed and presses run). Absent when it would exceed `maxUrlLength`.
   */
  readonly browserUrl?: string;
}

export interface ExplainCypherOptions {
  /** Neo4j Browser's address; default `http://localhost:7474/browser/`. */
  readonly browser?: string;
  /** Longest browserUrl produced; default MAX_BROWSER_URL_LENGTH. */
  readonly maxUrlLength?: number;
}

export const DEFAULT_BROWSER = "http://localhost:7474/browser/";

/**
 * 8,000 characters: RFC 9110 (section 4.1) recommends that senders and recipients support URIs of at
 * least 8,000 octets, and no more is safe to assume. Neo4j's own HTTP server takes longer ones, but
 * proxies in front of it commonly refuse them (nginx's default 8 KiB header buffers answer 414), and
 * chat tools and tickets cut long links. A longer path (roughly 60 hops of short ids) gets no URL: the
 * `params` and `query` text still shows it, pasted into the editor.
 */
export const MAX_BROWSER_URL_LENGTH = 8000;

/** cypher/explain-path.cypher without its `//` comment lines. */
export function explainQuery(): string {
  return cypherText("explain-path");
}

/** Printable ASCII that is kept as is inside a literal (see the module comment for what is not). */
const RAW = /^[\x20-\x7e]$/;
const ESCAPED_AS_UNICODE = new Set(["'", "`", "$", "&", "#", ";"]);

/** `"..."`: a Cypher string literal holding exactly `value`, safe in Browser's editor and in a URL. */
export function cypherStringLiteral(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (RAW.test(ch) && !ESCAPED_AS_UNICODE.has(ch)) out += ch;
    // One UTF-16 code unit at a time: a surrogate pair becomes two escapes, which Cypher joins again.
    else out += `\\u${value.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return `${out}"`;
}

function hopLiteral(hop: ExplainHop): string {
  const s = cypherStringLiteral;
  return (
    `{fromType: ${s(hop.resourceType)}, from: ${s(hop.resourceId)}, rel: ${s(hop.relation)}, ` +
    `toType: ${s(hop.subjectType)}, to: ${s(hop.subjectId)}, srel: ${s(hop.subjectRelation)}}`
  );
}

/**
 * The `:param` lines, the query and (when short enough) the Browser URL showing `hops` of `store`.
 * `hops` is the path's tuples in order; the result's `hop` column numbers them from 1.
 */
export function explainCypher(
  store: string,
  hops: readonly ExplainHop[],
  options: ExplainCypherOptions = {},
): ExplainCypher {
  const params =
    `:param store => ${cypherStringLiteral(store)};\n` +
    `:param hops => [${hops.map(hopLiteral).join(", ")}];`;
  const query = explainQuery();
  const browserUrl = browserEditUrl(`${params}\n${query}`, options.browser ?? DEFAULT_BROWSER);
  const max = options.maxUrlLength ?? MAX_BROWSER_URL_LENGTH;
  return browserUrl.length <= max ? { params, query, browserUrl } : { params, query };
}

/**
 * `<browser>?cmd=edit&arg=<text>`. Browser 5 decodes the whole address once (after turning `+` into
 * spaces) and then takes `arg` up to the next `&` or `#`, so `text` must hold neither: explainCypher's
 * text never does.
 */
export function browserEditUrl(text: string, browser: string = DEFAULT_BROWSER): string {
  if (/[&#]/.test(text))
    throw new Error("Browser's cmd=edit cannot carry text containing & or # (it cuts the text there)");
  const base = browser.split("?")[0] ?? browser;
  return `${base}?cmd=edit&arg=${encodeURIComponent(text)}`;
}
