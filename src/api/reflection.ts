/**
 * The typed reflection `schema(store)` answers: a stored SchemaIR as the SDL's `StoredSchema`
 * (definitions, relations with their allowed subject types, permissions with expression text printed
 * by the language printer, so the API and `relgraph schema format` agree).
 */
import { printRewrite } from "../language/printer.ts";
import type { SchemaView } from "../coordinator/service.ts";
import type { Definition, Member } from "../typesystem/ir.ts";

export interface StoredSchemaShape {
  readonly text: string;
  readonly format: SchemaView["format"];
  readonly schemaRevision: number;
  readonly definitions: readonly DefinitionShape[];
}

export interface DefinitionShape {
  readonly name: string;
  readonly doc: string | null;
  readonly relations: readonly RelationShape[];
  readonly permissions: readonly PermissionShape[];
}

export interface RelationShape {
  readonly name: string;
  readonly doc: string | null;
  readonly allowedSubjectTypes: readonly {
    readonly type: string;
    readonly relation: string | null;
    readonly wildcard: boolean;
    readonly caveat: string | null;
  }[];
}

export interface PermissionShape {
  readonly name: string;
  readonly doc: string | null;
  readonly expression: string;
}

export function reflectSchema(view: SchemaView): StoredSchemaShape {
  return {
    text: view.text,
    format: view.format,
    schemaRevision: view.schemaRevision,
    definitions: view.ir.definitions.map(reflectDefinition),
  };
}

function reflectDefinition(def: Definition): DefinitionShape {
  const members = (kind: Member["kind"]): Member[] => def.members.filter((m) => m.kind === kind);
  return {
    name: def.name,
    doc: def.doc ?? null,
    relations: members("relation").map((m) => ({
      name: m.name,
      doc: m.doc ?? null,
      allowedSubjectTypes: m.types.map((t) => ({
        type: t.type,
        relation: t.relation ?? null,
        wildcard: t.wildcard,
        caveat: t.caveat ?? null,
      })),
    })),
    permissions: members("permission").map((m) => ({
      name: m.name,
      doc: m.doc ?? null,
      expression: printRewrite(m.rewrite),
    })),
  };
}
