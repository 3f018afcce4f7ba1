// Large schemas compile on a worker thread (the server keeps answering meanwhile), with the same
// result as compiling inline, and a compile that runs too long is stopped with RESOURCE_EXHAUSTED.
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/errors.ts";
import { compileSchemaOffThread, OFF_THREAD_CHARS } from "../../src/language/offThread.ts";
import { compileSchema } from "../../src/language/schema.ts";

/** 5,000 chained permissions: ~150 kB of `.zed`. */
function chainedSchema(n: number): string {
  let text = "definition user {}\ndefinition doc {\n  relation rel: user\n  permission perm0 = rel\n";
  for (let i = 1; i < n; i++) text += `  permission perm${i} = perm${i - 1} + rel\n`;
  return `${text}}\n`;
}

/** Resolves with whether a setImmediate callback ran before `work` settled. */
async function loopTurnedDuring(work: Promise<unknown>): Promise<boolean> {
  let turned = false;
  setImmediate(() => (turned = true));
  await work.catch(() => {});
  return turned;
}

describe("compileSchemaOffThread", () => {
  it("compiles a large schema on another thread, with the same result as inline", async () => {
    const text = chainedSchema(5000);
    expect(text.length).toBeGreaterThan(140_000);
    const off = compileSchemaOffThread(text, { format: "zed" });
    // Inline, the result would be settled before the event loop's next turn.
    expect(await loopTurnedDuring(off)).toBe(true);
    expect(await off).toEqual(compileSchema(text, { format: "zed" }));
  });

  it("compiles small schemas inline", async () => {
    const text = chainedSchema(3);
    expect(text.length).toBeLessThan(OFF_THREAD_CHARS);
    expect(await loopTurnedDuring(compileSchemaOffThread(text, { format: "zed" }))).toBe(false);
  });

  it("returns diagnostics from the thread, and OpenFGA models too", async () => {
    const broken = `${chainedSchema(2000)}definition oops {\n  permission p = nothing\n}\n`;
    const r = await compileSchemaOffThread(broken, { format: "zed" });
    expect(r.ir).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toContain("undefined-relation");
    let fga = "model\n  schema 1.1\ntype user\ntype doc\n  relations\n    define r0: [user]\n";
    for (let i = 1; i < 1500; i++) fga += `    define r${i}: [user] or r${i - 1}\n`;
    expect(fga.length).toBeGreaterThan(OFF_THREAD_CHARS);
    const imported = await compileSchemaOffThread(fga, { format: "openfga" });
    expect(imported).toEqual(compileSchema(fga, { format: "openfga" }));
    expect(imported.ir?.definitions.map((d) => d.name)).toEqual(["user", "doc"]);
  });

  it("stops a compile that runs past its time with RESOURCE_EXHAUSTED, then keeps working", async () => {
    const text = chainedSchema(5000);
    await expect(compileSchemaOffThread(text, { format: "zed" }, 1)).rejects.toMatchObject({
      code: ErrorCode.RESOURCE_EXHAUSTED,
      message: expect.stringMatching(/did not compile within 1 ms/),
    });
    expect((await compileSchemaOffThread(text, { format: "zed" })).ir).toBeDefined();
  });
});
