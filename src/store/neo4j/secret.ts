/**
 * The token-signing secret every Relgraph process on one Neo4j database shares: created once (32
 * random bytes) by the first process that opens the store, kept in a `_Secret` node, read by the
 * rest. Replicas must agree on it, or a token issued by one would be refused by another.
 */
import { randomBytes } from "node:crypto";
import type { StoreContext } from "./context.ts";
import { cypher } from "./cypher.ts";
import { inTransaction } from "./session.ts";
import { int, str } from "./values.ts";

/** The name of the secret that signs consistency tokens. */
const TOKEN_SECRET = "token";

export async function ensureTokenSecret(ctx: StoreContext): Promise<string> {
  const result = await inTransaction(ctx, "WRITE", (tx) =>
    tx.run(cypher("secret-ensure"), {
      name: TOKEN_SECRET,
      value: randomBytes(32).toString("base64url"),
      now: int(ctx.options.now()),
    }),
  );
  return str(result.records[0]!.get("value"));
}
