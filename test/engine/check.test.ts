import { describe, expect, it } from "vitest";
import { CHECK_SUITES } from "./cases/checkCases.ts";
import { answer, openfgaSchema, readerOf, zedSchema } from "./support/harness.ts";
import { TypeSystem } from "../../src/typesystem/typesystem.ts";

describe.each(CHECK_SUITES)("$name", (suite) => {
  const dialect = suite.origin === "openfga" ? "openfga" : "zed";
  const schema = new TypeSystem(
    dialect === "openfga" ? openfgaSchema(suite.schema) : zedSchema(suite.schema),
  );
  const reader = readerOf(suite.tuples, dialect);
  it.each(suite.checks.map((c, i) => ({ ...c, i })))("$check → $expect ($i)", (c) => {
    const got = answer(schema, reader, c.check, {
      ...(c.contextual ? { contextual: c.contextual } : {}),
      ...(c.context ? { context: c.context } : {}),
      ...(c.maxDepth !== undefined ? { maxDepth: c.maxDepth } : {}),
    });
    expect(got).toEqual(c.expect);
  });
});
