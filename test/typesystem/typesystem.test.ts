import { describe, expect, it } from "vitest";
import { ErrorCode, RelgraphError } from "../../src/errors.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { compileSchema } from "../../src/language/schema.ts";
import { TypeSystem } from "../../src/typesystem/typesystem.ts";

function typeSystem(text: string): TypeSystem {
  const result = compileSchema(text, { format: "zed" });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return new TypeSystem(result.ir!);
}

const DRIVE = `
definition user {}

definition group {
  relation member: user | group#member
}

definition folder {
  relation parent: folder
  relation viewer: user | group#member
  relation banned: user
  permission view = (viewer + parent->view) - banned
}

definition document {
  relation folder: folder
  relation owner: user
  relation viewer: user | user:*
  permission edit = owner
  permission view = edit + viewer + folder->view
}
`;

describe("TypeSystem indexes", () => {
  it("numbers every member and resolves members by type and name", () => {
    const ts = typeSystem(DRIVE);
    expect(ts.member("document", "view")?.kind).toBe("permission");
    expect(ts.member("document", "viewer")?.kind).toBe("relation");
    expect(ts.member("document", "nope")).toBeUndefined();
    expect(ts.members.map((m) => m.id)).toEqual(ts.members.map((_, i) => i));
    expect(() => ts.require("document", "nope")).toThrow(
      "relation/permission `nope` not found under definition `document`",
    );
    expect(() => ts.require("nope", "view")).toThrow("object definition `nope` not found");
  });
});

describe("validateTuple", () => {
  const ts = typeSystem(`use expiration
caveat cav(x int) {
  x > 1
}
definition user {}
definition group {
  relation member: user
}
definition document {
  relation viewer: user | group#member | user:*
  relation guest: user with cav | user with expiration
  permission view = viewer
}`);

  const violation = (text: string): string => {
    try {
      ts.validateTuple(parseTuple(text));
    } catch (e) {
      expect(e).toBeInstanceOf(RelgraphError);
      expect((e as RelgraphError).code).toBe(ErrorCode.SCHEMA_VIOLATION);
      return String((e as RelgraphError).details["reason"]);
    }
    return "ok";
  };

  it("accepts tuples the schema allows", () => {
    expect(violation("document:d#viewer@user:alice")).toBe("ok");
    expect(violation("document:d#viewer@group:eng#member")).toBe("ok");
    expect(violation("document:d#viewer@user:*")).toBe("ok");
    expect(violation('document:d#guest@user:bob[cav:{"x":2}]')).toBe("ok");
    expect(violation("document:d#guest@user:bob[expiration:2030-01-01T00:00:00Z]")).toBe("ok");
  });

  it("reports each kind of violation", () => {
    expect(violation("folder:d#viewer@user:alice")).toBe("unknown-type");
    expect(violation("document:d#owner@user:alice")).toBe("unknown-relation");
    expect(violation("document:d#view@user:alice")).toBe("permission-not-writable");
    expect(violation("document:d#viewer@group:eng")).toBe("subject-type-not-allowed");
    expect(violation("document:d#viewer@user:alice#member")).toBe("subject-relation-not-allowed");
    expect(violation("document:d#guest@user:*")).toBe("wildcard-not-allowed");
    expect(violation("document:d#viewer@user:alice[cav]")).toBe("caveat-mismatch");
    expect(violation("document:d#viewer@user:alice[expiration:2030-01-01T00:00:00Z]")).toBe(
      "expiration-not-allowed",
    );
  });

  it("names the relationship and the allowed types in the message", () => {
    expect(() => ts.validateTuple(parseTuple("document:d#viewer@group:eng"))).toThrow(
      'relationship document:d#viewer@group:eng: subject type "group" is not allowed on "document#viewer" (allowed: user, group#member, user:*)',
    );
  });
});

describe("fromValidated", () => {
  it("fromValidated throws INVALID_SCHEMA with the diagnostics", () => {
    const ir = compileSchema("definition doc {\n  permission view = view + nil\n}", { format: "zed" }).ir!;
    const broken = { ...ir, definitions: [...ir.definitions, ir.definitions[0]!] };
    try {
      TypeSystem.fromValidated(broken);
      expect.unreachable();
    } catch (e) {
      expect((e as RelgraphError).code).toBe(ErrorCode.INVALID_SCHEMA);
      expect(
        ((e as RelgraphError).details["diagnostics"] as { code: string }[]).map((d) => d.code),
      ).toContain("duplicate-definition");
    }
  });
});
