/**
 * `reachable(start, pathSpec, target)` over any TupleReader (the in-memory projection): is there a
 * chain of tuples from `start` to `target` whose relations are all in the path spec? Breadth-first,
 * each object once (a 20×4 diamond is ~80 visits, never its 4^20 paths), following direct and
 * userset subjects alike. The Cypher counterpart is CypherReader.reachable (cypher/reach-path.cypher,
 * `SHORTEST 1`); both answer `hops`, the length of a shortest such chain.
 */
import type { ObjectRef } from "../model/tuple.ts";
import type { TupleReader } from "./reader.ts";

export interface ReachResult {
  readonly reachable: boolean;
  readonly hops: number;
}

export function reachable(
  reader: TupleReader,
  start: ObjectRef,
  relations: readonly string[],
  target: ObjectRef,
): ReachResult {
  const from = reader.lookupObject(start.type, start.id);
  const to = reader.lookupObject(target.type, target.id);
  const rels = relations.map((r) => reader.lookupRelation(r)).filter((r) => r >= 0);
  if (from < 0 || to < 0 || rels.length === 0) return { reachable: false, hops: 0 };
  const seen = new Set<number>([from]);
  let frontier = [from];
  for (let hops = 1; frontier.length > 0; hops++) {
    const next: number[] = [];
    for (const o of frontier)
      for (const rel of rels)
        for (const first of [reader.firstDirect(o, rel), reader.firstUserset(o, rel)])
          for (let c = first; c !== 0; c = reader.nextForward(c)) {
            const s = reader.cursorSubject(c);
            if (s === to) return { reachable: true, hops };
            if (!seen.has(s)) {
              seen.add(s);
              next.push(s);
            }
          }
    frontier = next;
  }
  return { reachable: false, hops: 0 };
}
