/** The small pieces of src/api on their own: inputs, scalars, auth, CORS, formatError. */
import { describe, expect, it } from "vitest";
import { GraphQLError, Kind } from "graphql/index.js";
import { ApolloServerErrorCode } from "@apollo/server/errors";
import { ErrorCode, RelgraphError } from "../../src/errors.ts";
import { createApiKeyCheck, isLoopbackHost } from "../../src/api/auth.ts";
import { createCorsPolicy } from "../../src/api/cors.ts";
import { createFormatError, findRelgraphError, INTERNAL_MESSAGE } from "../../src/api/formatError.ts";
import { boundedList, pageSize, toConsistency, toFilter } from "../../src/api/inputs.ts";
import {
  objectRefScalar,
  relationshipTupleScalar,
  revisionScalar,
  subjectRefScalar,
} from "../../src/api/scalars.ts";

describe("inputs", () => {
  it("toConsistency maps each mode and refuses false, empty tokens and several fields", () => {
    expect(toConsistency(null)).toBeUndefined();
    expect(toConsistency({ minimizeLatency: true })).toEqual({ kind: "minimizeLatency" });
    expect(toConsistency({ fullyConsistent: true, atLeastAsFresh: null })).toEqual({
      kind: "fullyConsistent",
    });
    expect(toConsistency({ atLeastAsFresh: "t" })).toEqual({ kind: "atLeastAsFresh", token: "t" });
    expect(toConsistency({ atExactSnapshot: "t" })).toEqual({ kind: "atExactSnapshot", token: "t" });
    for (const bad of [
      { minimizeLatency: false },
      { fullyConsistent: false },
      { atLeastAsFresh: "" },
      {},
      { minimizeLatency: true, fullyConsistent: true },
    ])
      expect(() => toConsistency(bad), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
  });

  it("toFilter drops nulls and keeps empty strings (direct subjects only)", () => {
    expect(toFilter({ resourceType: "doc", resourceId: null, subjectRelation: "" })).toEqual({
      resourceType: "doc",
      subjectRelation: "",
    });
    expect(toFilter(undefined)).toEqual({});
  });

  it("pageSize and boundedList", () => {
    expect(pageSize(null)).toBe(100);
    expect(pageSize(1000)).toBe(1000);
    expect(() => pageSize(1001)).toThrow(expect.objectContaining({ code: ErrorCode.RESOURCE_EXHAUSTED }));
    expect(() => pageSize(-1)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => boundedList([1, 2, 3], 2, "checks")).toThrow("checks: 3 items, the maximum is 2");
  });
});

describe("scalars", () => {
  it("parse values and literals, and serialize parsed values or text", () => {
    const ref = objectRefScalar.parseValue("document:readme");
    expect(ref).toEqual({ type: "document", id: "readme" });
    expect(objectRefScalar.serialize(ref)).toBe("document:readme");
    expect(objectRefScalar.parseLiteral({ kind: Kind.STRING, value: "a_b:c" })).toEqual({
      type: "a_b",
      id: "c",
    });
    expect(subjectRefScalar.parseValue("group:eng#...")).toEqual({ type: "group", id: "eng", relation: "" });
    expect(subjectRefScalar.serialize({ type: "group", id: "eng", relation: "member" })).toBe(
      "group:eng#member",
    );
    const tuple = relationshipTupleScalar.parseValue("doc:x#viewer@user:*");
    expect(relationshipTupleScalar.serialize(tuple)).toBe("doc:x#viewer@user:*");
    expect(relationshipTupleScalar.serialize("doc:x#viewer@user:a")).toBe("doc:x#viewer@user:a");
  });

  it("refuse malformed text with INVALID_ARGUMENT, and non-strings", () => {
    for (const bad of ["", "document", ":x", "document:", "user:a b"])
      expect(() => objectRefScalar.parseValue(bad), bad).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    expect(() => subjectRefScalar.parseValue("user:*#member")).toThrow(
      "wildcard subject cannot have a relation",
    );
    expect(() => objectRefScalar.parseLiteral({ kind: Kind.INT, value: "1" })).toThrow(
      "ObjectRef must be a string",
    );
    expect(() => relationshipTupleScalar.parseValue(null)).toThrow("got null");
    expect(() => objectRefScalar.serialize(42)).toThrow(TypeError);
  });

  it("Revision is a safe non-negative integer", () => {
    expect(revisionScalar.serialize(2 ** 53 - 1)).toBe(2 ** 53 - 1);
    expect(() => revisionScalar.serialize(-1)).toThrow(TypeError);
    expect(() => revisionScalar.serialize(1.5)).toThrow(TypeError);
    expect(revisionScalar.parseLiteral({ kind: Kind.INT, value: "7" })).toBe(7);
    expect(() => revisionScalar.parseValue("7")).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});

describe("auth", () => {
  it("isLoopbackHost trusts only loopback addresses and localhost", () => {
    for (const h of [
      "127.0.0.1",
      "127.1.2.3",
      "localhost",
      "::1",
      "[::1]",
      "::ffff:127.0.0.1",
      "0:0:0:0:0:0:0:1",
    ])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "", "10.0.0.1", "example.com", "localhost.example.com", "128.0.0.1"])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it("the key check accepts only `Bearer <configured key>`", () => {
    const check = createApiKeyCheck(["alpha-key", "", "beta-key"]);
    expect(check.enabled).toBe(true);
    expect(check.accepts("Bearer alpha-key")).toBe(true);
    expect(check.accepts("Bearer beta-key")).toBe(true);
    for (const h of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      "Bearer alpha",
      "Bearer alpha-key extra",
      "alpha-key",
      "Token alpha-key",
    ])
      expect(check.accepts(h), String(h)).toBe(false);
    const open = createApiKeyCheck([""]);
    expect(open.enabled).toBe(false);
    expect(open.accepts(undefined)).toBe(true);
  });
});

describe("cors", () => {
  it("decides by exact origin; * allows any", () => {
    const policy = createCorsPolicy(["https://A.example.com/"]);
    expect(policy.decide({}).kind).toBe("no-origin");
    expect(policy.decide({ origin: "https://a.example.com" }).kind).toBe("allowed");
    expect(policy.decide({ origin: "http://a.example.com" }).kind).toBe("refused");
    expect(createCorsPolicy([]).decide({ origin: "http://127.0.0.1:4000" }).kind).toBe("refused");
    expect(createCorsPolicy(["*"]).decide({ origin: "https://x" }).kind).toBe("allowed");
  });
});

describe("formatError", () => {
  const logs: string[] = [];
  const format = createFormatError((l) => logs.push(l));

  it("maps Apollo's request codes to INVALID_ARGUMENT and keeps the message", () => {
    for (const code of [
      ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
      ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
      ApolloServerErrorCode.BAD_USER_INPUT,
      ApolloServerErrorCode.BAD_REQUEST,
      ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
    ]) {
      const error = new GraphQLError("bad request", { extensions: { code } });
      expect(format({ message: "bad request", extensions: { code } }, error)).toEqual({
        message: "bad request",
        extensions: { code: "INVALID_ARGUMENT" },
      });
    }
  });

  it("finds a RelgraphError through coercion wrappers and copies its details, JSON-safe", () => {
    const inner = new RelgraphError(ErrorCode.NOT_FOUND, "no store", {
      store: "x",
      big: 1n,
      code: "HIJACK",
      ok: [1],
    });
    const wrapped = new GraphQLError("Variable ...; no store", {
      originalError: new GraphQLError("no store", { originalError: inner }),
    });
    expect(findRelgraphError(wrapped)).toBe(inner);
    expect(
      format(
        { message: wrapped.message, extensions: { code: "BAD_USER_INPUT", stacktrace: ["x"] } },
        wrapped,
      ),
    ).toEqual({
      message: "Variable ...; no store",
      extensions: { code: "NOT_FOUND", store: "x", ok: [1] },
    });
  });

  it("turns anything else into INTERNAL, logged server side", () => {
    logs.length = 0;
    const error = new GraphQLError("Cannot return null for non-nullable field Query.check.", {
      path: ["check"],
    });
    expect(
      format(
        { message: error.message, path: ["check"], extensions: { code: "INTERNAL_SERVER_ERROR" } },
        error,
      ),
    ).toEqual({
      message: INTERNAL_MESSAGE,
      path: ["check"],
      extensions: { code: "INTERNAL" },
    });
    expect(format({ message: "?", extensions: { code: "SOMETHING_NEW" } }, "a string")).toMatchObject({
      extensions: { code: "INTERNAL" },
    });
    expect(logs).toHaveLength(2);
    expect(logs[0]).toContain("Cannot return null");
  });

  it("keeps our own codes set on GraphQL errors", () => {
    const error = new GraphQLError("no key", { extensions: { code: "UNAUTHENTICATED" } });
    expect(format({ message: "no key", extensions: { code: "UNAUTHENTICATED" } }, error)).toEqual({
      message: "no key",
      extensions: { code: "UNAUTHENTICATED" },
    });
  });
});
