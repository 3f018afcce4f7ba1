import { describe, expect, it } from "vitest";
import { ErrorCode, RelgraphError } from "../../src/errors.ts";
import { parseTuple } from "../../src/language/tuple.ts";
import { compileSchema } from "../../src/typesystem/schema.ts";
import { TypeSystem, listUnimplemented, unimplementedError } from "../../src/typesystem/typesystem.ts";

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
  const ts = typeSystem(DRIVE);

  it("looks members up by type and name", () => {
    expect(ts.member("document", "view")?.kind).toBe("permission");
    expect(ts.member("document", "viewer")?.kind).toBe("relation");
    expect(ts.member("document", "nope")).toBeUndefined();
    expect(ts.isPermission("folder", "view")).toBe(true);
  });

  it("lists the relations that feed a permission, through arrows and usersets", () => {
    expect(ts.relationsFeeding("document", "view")).toEqual([
      "document#folder",
      "document#owner",
      "document#viewer",
      "folder#banned",
      "folder#parent",
      "folder#viewer",
      "group#member",
    ]);
    expect(ts.relationsFeeding("document", "edit")).toEqual(["document#owner"]);
  });

  it("lists, in reverse, what a tuple on a relation can change", () => {
    expect(ts.membersFedBy("group", "member")).toEqual([
      "document#view",
      "folder#view",
      "folder#viewer",
      "group#member",
    ]);
    expect(ts.membersFedBy("document", "owner")).toEqual([
      "document#edit",
      "document#owner",
      "document#view",
    ]);
  });

  it("knows which subject types reach a permission", () => {
    expect(ts.subjectTypesReaching("document", "view")).toEqual(["group#member", "user", "user:*"]);
    expect(ts.subjectTypesReaching("document", "edit")).toEqual(["user"]);
    expect(ts.canReach("folder", "view", "group")).toBe(true);
    expect(ts.canReach("document", "edit", "group")).toBe(false);
  });

  it("finds recursive members and the arrows and usersets they recurse through", () => {
    expect(ts.recursiveMembers()).toEqual(["folder#view", "group#member"]);
    expect(ts.recursionOf("folder", "view")?.through).toEqual([
      {
        from: "folder#view",
        to: "folder#view",
        kind: "arrow",
        arrow: "parent->view",
        tupleset: "folder#parent",
      },
    ]);
    expect(ts.recursionOf("group", "member")?.through).toEqual([
      { from: "group#member", to: "group#member", kind: "userset" },
    ]);
    expect(ts.recursionOf("document", "view")).toBeUndefined();
  });

  it("finds cycles that span several members", () => {
    const cyclic = typeSystem(`definition user {}
definition doc {
  relation viewer: user
  permission aaa = viewer + bbb
  permission bbb = aaa
}`);
    expect(cyclic.recursionOf("doc", "aaa")?.cycle).toEqual(["doc#aaa", "doc#bbb"]);
    expect(cyclic.recursionOf("doc", "viewer")).toBeUndefined();
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

describe("unimplemented constructs", () => {
  it("lists caveats, caveated and expiring subjects, partials and imports", () => {
    const result = compileSchema(
      `use expiration
use partial
use import
import "other.zed"
caveat cav(x int) {
  x > 1
}
partial shared {
  relation owner: user
}
definition user {}
definition doc {
  ...shared
  relation viewer: user with cav | user with expiration
}`,
      { format: "zed" },
    );
    const uses = listUnimplemented(result.ir!);
    expect(uses.map((u) => `${u.construct} ${u.name} ${u.loc?.start.line}:${u.loc?.start.column}`)).toEqual([
      "caveat cav 5:1",
      "with caveat doc#viewer 14:20",
      "with expiration doc#viewer 14:36",
      "import other.zed 4:1",
      "partial shared 8:1",
    ]);
    const error = unimplementedError(uses);
    expect(error.code).toBe(ErrorCode.UNIMPLEMENTED);
    expect(error.details["construct"]).toBe("caveat");
  });

  it("lists nothing for a plain schema", () => {
    expect(typeSystem(DRIVE).listUnimplemented()).toEqual([]);
  });

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
