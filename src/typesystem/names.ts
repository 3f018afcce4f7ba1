/**
 * Names the schema language reserves. Kept below the parser so that validation (typesystem/) and
 * the parser (language/) share one list without typesystem/ importing language/.
 */

/** Words that cannot name a definition, member or caveat (SpiceDB keywords). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  "definition",
  "caveat",
  "relation",
  "permission",
  "nil",
  "with",
]);
