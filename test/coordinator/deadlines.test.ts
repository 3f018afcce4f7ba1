/**
 * Request deadlines: RELGRAPH_READ_DEADLINE_MS / RELGRAPH_WRITE_DEADLINE_MS (config.ts) and the one
 * wrapper every operation runs in (coordinator/deadline.ts), on the real test Neo4j.
 */
import { describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/config.ts";
import { withinDeadline } from "../../src/coordinator/deadline.ts";
import { ErrorCode, isRelgraphError } from "../../src/errors.ts";
import { currentDeadline } from "../../src/store/deadline.ts";

describe("deadline settings", () => {
  it("default to 5 s for reads and 10 s for writes", () => {
    const c = configFromEnv({});
    expect([c.engine.readDeadlineMs, c.engine.writeDeadlineMs]).toEqual([5000, 10_000]);
    const set = configFromEnv({ RELGRAPH_READ_DEADLINE_MS: "750", RELGRAPH_WRITE_DEADLINE_MS: "2000" });
    expect([set.engine.readDeadlineMs, set.engine.writeDeadlineMs]).toEqual([750, 2000]);
  });

  it("report bad values with the variable's name, all at once", () => {
    let error: unknown;
    try {
      configFromEnv({ RELGRAPH_READ_DEADLINE_MS: "0", RELGRAPH_WRITE_DEADLINE_MS: "soon" });
    } catch (e) {
      error = e;
    }
    expect(isRelgraphError(error) && error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect((error as Error).message).toMatch(
      /RELGRAPH_READ_DEADLINE_MS must be a whole number from 100 to 600000, got "0"/,
    );
    expect((error as Error).message).toMatch(
      /RELGRAPH_WRITE_DEADLINE_MS must be a whole number .* got "soon"/,
    );
  });
});

describe("withinDeadline", () => {
  it("answers DEADLINE_EXCEEDED when the work outlives its budget, naming the budget", async () => {
    const never = new Promise<never>(() => {});
    const e = await withinDeadline({ kind: "read", budgetMs: 50 }, undefined, () => never).catch(
      (x: unknown) => x,
    );
    expect(isRelgraphError(e) && e.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect((e as Error).message).toMatch(/read deadline of 50 ms/);
  });

  it("answers UNAVAILABLE instead when the store is known down", async () => {
    const never = new Promise<never>(() => {});
    const health = { down: true, probe: async () => false };
    const e = await withinDeadline({ kind: "write", budgetMs: 50 }, health, () => never).catch(
      (x: unknown) => x,
    );
    expect(isRelgraphError(e) && e.code).toBe(ErrorCode.UNAVAILABLE);
    expect((e as Error).message).toBe("Neo4j is unavailable; retry later");
  });

  it("carries the deadline to the work; a nested operation keeps the outer one", async () => {
    const seen = await withinDeadline({ kind: "write", budgetMs: 10_000 }, undefined, () =>
      withinDeadline({ kind: "read", budgetMs: 5 }, undefined, async () => {
        await new Promise((r) => setTimeout(r, 30));
        return currentDeadline();
      }),
    );
    expect(seen?.kind).toBe("write");
    expect(seen?.budgetMs).toBe(10_000);
  });
});
