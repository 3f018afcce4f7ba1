/**
 * Consistency: the one place that says what each of SpiceDB's four modes means. Every read the
 * coordinator serves goes through `satisfy`, and each evaluator (or the store itself, for
 * relationship reads) says how it meets each mode; the switch over modes is written once.
 *
 *   minimizeLatency  → what is at hand (a projection within its staleness bound; Neo4j as it is)
 *   fullyConsistent  → the store's head first
 *   atLeastAsFresh   → at least the token's revision (the token must be of this store and incarnation)
 *   atExactSnapshot  → UNIMPLEMENTED: Neo4j serves its latest committed state, not snapshots
 *
 * Example: satisfy({kind: "atLeastAsFresh", token}, {asIs, latest, atLeast}) calls atLeast(token);
 * satisfy(undefined, …) calls asIs().
 */
import { ErrorCode, RelgraphError, invalidArgument, unreachable } from "../errors.ts";
import type { Revision } from "../store/interface.ts";
import { decodeToken } from "../store/token.ts";
import type { Consistency } from "./service.ts";

/** The default mode (SpiceDB's too). */
export const MINIMIZE_LATENCY: Consistency = { kind: "minimizeLatency" };

/** How one source meets each supported mode, each returning what the read then runs on. */
export interface Freshness<T> {
  /** minimizeLatency. */
  asIs(): Promise<T>;
  /** fullyConsistent. */
  latest(): Promise<T>;
  /** atLeastAsFresh: `token` is still opaque here; the source decodes it against its store. */
  atLeast(token: string): Promise<T>;
}

/** Meets `consistency` (default minimizeLatency) the way `freshness` says; atExactSnapshot is refused first. */
export function satisfy<T>(consistency: Consistency | undefined, freshness: Freshness<T>): Promise<T> {
  const c = consistency ?? MINIMIZE_LATENCY;
  switch (c.kind) {
    case "minimizeLatency":
      return freshness.asIs();
    case "fullyConsistent":
      return freshness.latest();
    case "atLeastAsFresh":
      return freshness.atLeast(c.token);
    case "atExactSnapshot":
      return Promise.reject(
        new RelgraphError(
          ErrorCode.UNIMPLEMENTED,
          "consistency: atExactSnapshot is not supported (Neo4j serves its latest committed state, not snapshots); " +
            "use atLeastAsFresh",
        ),
      );
    default:
      return unreachable(c, "consistency mode");
  }
}

/**
 * A token read against the store's committed head: INVALID_ARGUMENT unless it is of this store and
 * incarnation and not ahead of the head.
 */
export function checkTokenAgainst(store: string, token: string, head: Revision): void {
  refuseAhead(decodeToken(token, { store, incarnation: head.incarnation }), head);
}

/**
 * INVALID_ARGUMENT when `wanted` claims a revision past the committed `head` of its incarnation:
 * tokens are issued only for committed revisions, so such a token was made up (an unsigned legacy
 * one; a signed one cannot be). Refused at once instead of waiting for a revision that never comes.
 */
export function refuseAhead(wanted: Revision, head: Revision): void {
  if (wanted.incarnation === head.incarnation && wanted.revision > head.revision)
    throw invalidArgument(
      `token: invalid consistency token (it names revision ${wanted.revision}, but the store's head is ` +
        `${head.revision}: it was not issued by this store)`,
      { field: "token" },
    );
}
