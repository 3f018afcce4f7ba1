/**
 * The Cypher generator: loads the templates in cypher/*.cypher once and fills their label and
 * relationship-type placeholders with validated, backtick-quoted names. Nothing else is ever
 * spliced into query text; values travel as parameters.
 *
 * Placeholders: `{{:type}}` → `` :`document` ``; `{{:relation?}}` → `` :`viewer` `` or "" (any).
 * Example: cypher("tuples-count", { resource: "document", relation: "viewer" }) →
 *   MATCH (r:`document` {store: $store})-[t:`viewer`]->() RETURN count(t) AS count
 *
 * The one reader of cypher/*.cypher: also the queries Relgraph only shows people (explain-path, for
 * Neo4j Browser), whose text `cypherText` gives without comments.
 */
import { readdirSync, readFileSync } from "node:fs";
import { invariant } from "../../errors.ts";
import { isLabelSafe } from "../validate.ts";

const DIR = new URL("../../../cypher/", import.meta.url);

export const TEMPLATE_NAMES = [
  "constraint-store",
  "constraint-change",
  "constraint-schema",
  "constraint-secret",
  "constraint-object",
  "constraint-relation",
  "constraints-show",
  "secret-ensure",
  "store-ensure",
  "store-create",
  "store-get",
  "store-list",
  "store-lock",
  "store-commit",
  "store-unlock",
  "store-delete-begin",
  "store-delete-objects",
  "store-delete-changes",
  "store-delete-records",
  "store-deleting",
  "schema-get",
  "schema-put",
  "tuples-by-resource",
  "tuples-by-resource-sorted",
  "tuples-by-subject",
  "tuples-existing",
  "tuples-create",
  "tuples-touch",
  "tuples-delete",
  "tuples-expired",
  "objects-prune",
  "tuples-count",
  "tuples-scan",
  "tuples-signatures",
  "changes-page",
  "changes-prunable",
  "changes-prune",
  "reach-closure",
  "reach-reverse",
  "reach-path",
  "read-store-size",
  "read-store-types",
  "health-probe",
  // Not sent by Relgraph: shown in Neo4j Browser (explainCypher.ts).
  "explain-path",
] as const;

export type TemplateName = (typeof TEMPLATE_NAMES)[number];

const PLACEHOLDER = /\{\{:([a-z]+)(\?)?\}\}/g;

function load(): Map<TemplateName, string> {
  const files = new Set(readdirSync(DIR).filter((f) => f.endsWith(".cypher")));
  const templates = new Map<TemplateName, string>();
  for (const name of TEMPLATE_NAMES) {
    invariant(files.has(`${name}.cypher`), `cypher/${name}.cypher is missing`);
    templates.set(name, readFileSync(new URL(`${name}.cypher`, DIR), "utf8").trim());
  }
  return templates;
}

const templates = load();

/** `` `name` ``: safe because isLabelSafe names contain no backtick (and no backslash). */
export function quoteName(name: string): string {
  invariant(
    isLabelSafe(name),
    `unvalidated name reached the Cypher generator: ${JSON.stringify(name.slice(0, 80))}`,
  );
  return `\`${name}\``;
}

const rendered = new Map<string, string>();
const MAX_RENDERED = 2000;

/**
 * The text of template `name` with its placeholders filled. Every required placeholder must be
 * given, and every name must be label-safe (callers validate first: failing here is a bug).
 */
export function cypher(name: TemplateName, names: Readonly<Record<string, string | undefined>> = {}): string {
  const key = `${name}\u0000${JSON.stringify(names)}`;
  const hit = rendered.get(key);
  if (hit !== undefined) return hit;
  const template = templates.get(name);
  invariant(template !== undefined, `unknown Cypher template ${name}`);
  const text = template.replace(PLACEHOLDER, (_, placeholder: string, optional: string | undefined) => {
    const value = names[placeholder];
    if (value === undefined) {
      invariant(optional === "?", `template ${name} needs {{:${placeholder}}}`);
      return "";
    }
    return `:${quoteName(value)}`;
  });
  if (rendered.size >= MAX_RENDERED) rendered.clear();
  rendered.set(key, text);
  return text;
}

const stripped = new Map<TemplateName, string>();

/**
 * The text of a template without placeholders, minus its `//` comment lines and blank lines: what a
 * person pastes into Neo4j Browser (explainCypher.ts).
 */
export function cypherText(name: TemplateName): string {
  let text = stripped.get(name);
  if (text === undefined) {
    text = cypher(name)
      .split("\n")
      .filter((line) => !line.trimStart().startsWith("//") && line.trim() !== "")
      .join("\n");
    stripped.set(name, text);
  }
  return text;
}
