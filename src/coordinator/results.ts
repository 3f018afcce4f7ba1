/**
 * From engine results to the service's: the one place they are mapped (the API and the CLI map the
 * service's results to their own output, and nothing else).
 */
import type { FoundSubject } from "../engine/subjects.ts";
import type { Proof } from "../engine/explain.ts";
import { explainCypher } from "../store/neo4j/explainCypher.ts";
import type { ExpandedSubject, Explanation } from "./service.ts";

/** A proof with the Browser Cypher of its access path (absent for a denial). */
export function explanationOf(store: string, proof: Proof): Explanation {
  const { value: _value, permissionship: _permissionship, ...rest } = proof;
  const shown = proof.path.length > 0 ? explainCypher(store, proof.path) : undefined;
  return {
    ...rest,
    ...(shown !== undefined ? { cypher: `${shown.params}\n${shown.query}` } : {}),
    ...(shown?.browserUrl !== undefined ? { browserUrl: shown.browserUrl } : {}),
  };
}

/** A subject found by recursive expansion, with the `resource#relation`s that justify it, sorted. */
export function expandedSubjectOf(f: FoundSubject): ExpandedSubject {
  return {
    subject: f.subject,
    excluded: [...f.excluded.values()],
    conditional: f.caveated,
    relations: [...f.justifications].sort().map((j) => {
      // `type:id#relation`: ids cannot contain "#", so the last one splits.
      const hash = j.lastIndexOf("#");
      const colon = j.indexOf(":");
      return {
        resource: { type: j.slice(0, colon), id: j.slice(colon + 1, hash) },
        relation: j.slice(hash + 1),
      };
    }),
  };
}
