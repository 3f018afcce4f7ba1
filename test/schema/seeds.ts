/**
 * The seed-platform schemas (issue 9) shared by test/schema/seeds.test.ts (memory backend, contract,
 * coverage, demo data) and test/schema/seeds-neo4j.test.ts (neo4j backend): the files, and the type,
 * relation and permission names the issue makes a contract.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { FileReport } from "../../src/cli/validation/runner.ts";
import { compileSchema } from "../../src/language/schema.ts";
import type { SchemaIR } from "../../src/typesystem/ir.ts";

export const SCHEMA_DIR = "schema";

export const PLATFORMS = ["nebius-token-factory", "nebius-ai-cloud", "together-ai"] as const;
export type Platform = (typeof PLATFORMS)[number];

export const validationFile = (p: Platform): string => join(SCHEMA_DIR, `${p}.yaml`);
export const schemaFile = (p: Platform): string => join(SCHEMA_DIR, `${p}.zed`);
export const demoFile = (p: Platform): string => join(SCHEMA_DIR, `${p}.demo.txt`);

export interface TypeContract {
  readonly relations?: readonly string[];
  readonly permissions?: readonly string[];
  /** The type has exactly `permissions` and no other permission. */
  readonly exactPermissions?: boolean;
}

const TOKEN_FACTORY_RESOURCE: TypeContract = { relations: ["project"], permissions: ["access"] };

const AI_CLOUD_ROLES = ["auditor", "viewer", "editor", "admin"];
const AI_CLOUD_RESOURCE_PERMISSIONS = ["view_metadata", "view", "read_data", "manage"];
const aiCloudResource = (...relations: string[]): TypeContract => ({
  relations: [...relations, ...AI_CLOUD_ROLES],
  permissions: AI_CLOUD_RESOURCE_PERMISSIONS,
  exactPermissions: true,
});
const AI_CLOUD_CONTAINER_PERMISSIONS = ["view_metadata", "view", "manage", "manage_iam"];

/** Issue 9's names, per platform and type: each must exist, as a relation or as a permission. */
export const CONTRACT: Readonly<Record<Platform, Readonly<Record<string, TypeContract>>>> = {
  "nebius-token-factory": {
    user: {},
    service_account: {},
    organization: {
      relations: ["admin", "billing_manager", "member"],
      permissions: [
        "usage_view",
        "projects_view",
        "projects_create",
        "projects_update",
        "projects_delete",
        "billing_view",
        "billing_create",
        "billing_update",
        "billing_delete",
        "payments_view",
        "users_view",
        "users_add",
        "users_remove",
        "zdr_view",
        "zdr_change",
      ],
    },
    project: {
      relations: ["organization", "admin", "member"],
      permissions: [
        "access_view",
        "access_add",
        "access_remove",
        "api_keys_create",
        "files",
        "fine_tuning",
        "batch",
        "dedicated_endpoints",
        "prompt_presets",
        "public_endpoints",
      ],
    },
    file: TOKEN_FACTORY_RESOURCE,
    fine_tuning_job: TOKEN_FACTORY_RESOURCE,
    batch_job: TOKEN_FACTORY_RESOURCE,
    dedicated_endpoint: TOKEN_FACTORY_RESOURCE,
    prompt_preset: TOKEN_FACTORY_RESOURCE,
    api_key: { relations: ["project", "owner"], permissions: ["delete"] },
  },
  "nebius-ai-cloud": {
    user: {},
    service_account: aiCloudResource("project"),
    group: aiCloudResource("member", "tenant", "project"),
    group_membership: aiCloudResource("group"),
    tenant: {
      relations: AI_CLOUD_ROLES,
      permissions: AI_CLOUD_CONTAINER_PERMISSIONS,
      exactPermissions: true,
    },
    project: {
      relations: ["tenant", ...AI_CLOUD_ROLES],
      permissions: AI_CLOUD_CONTAINER_PERMISSIONS,
      exactPermissions: true,
    },
    instance: aiCloudResource("project"),
    registry: aiCloudResource("project"),
    secret: aiCloudResource("project"),
    access_key: aiCloudResource("project", "account"),
    bucket: {
      relations: ["project", ...AI_CLOUD_ROLES, "policy_reader", "policy_writer"],
      permissions: [...AI_CLOUD_RESOURCE_PERMISSIONS, "read_objects", "write_objects"],
      exactPermissions: true,
    },
  },
  "together-ai": {
    user: { relations: ["protected"], permissions: ["view_profile", "delete_account"] },
    organization: {
      relations: ["owner", "admin", "member", "external"],
      permissions: [
        "settings_read",
        "settings_write",
        "billing_read",
        "billing_write",
        "projects_read",
        "projects_create",
        "members_read",
        "members_invite",
        "members_remove",
        "members_manage_roles",
        "view_name",
      ],
    },
    org_membership: {
      relations: ["organization", "user", "protected"],
      permissions: ["remove", "change_role"],
    },
    project: {
      relations: ["organization", "admin", "member"],
      permissions: [
        "settings_read",
        "settings_write",
        "cost_analytics",
        "api_keys_read",
        "api_keys_create",
        "api_keys_revoke",
        "collaborators_read",
        "collaborators_add",
        "collaborators_remove",
        "collaborators_manage_roles",
        "clusters_create",
        "volumes_create",
        "fine_tuning",
        "endpoints",
        "serverless_inference",
      ],
    },
    cluster: {
      relations: ["project"],
      permissions: [
        "delete",
        "scale",
        "modify",
        "view_status",
        "ssh",
        "kubectl",
        "dashboard",
        "submit_slurm",
      ],
    },
    volume: { relations: ["project"], permissions: ["resize", "view_details", "read_write"] },
  },
};

export function compilePlatform(p: Platform): SchemaIR {
  const compiled = compileSchema(readFileSync(schemaFile(p), "utf8"), { format: "zed", file: schemaFile(p) });
  expect(compiled.diagnostics, `${schemaFile(p)}: diagnostics`).toEqual([]);
  expect(compiled.ir, `${schemaFile(p)}: compiles`).toBeDefined();
  if (!compiled.ir) throw new Error(`${schemaFile(p)} does not compile`);
  return compiled.ir;
}

/** A validation run of one seed file: loaded, and every assertion and validation block passed. */
export function expectAllPassed(report: FileReport | undefined, expectedCount: number): void {
  expect(report, "missing from the report").toBeDefined();
  if (!report) return;
  expect(report.error, `${report.file}: load error`).toBeUndefined();
  expect(report.failed, `${report.file}: failed assertions`).toEqual([]);
  expect(report.passed.length, `${report.file}: passed`).toBe(expectedCount);
}
