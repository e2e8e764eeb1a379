import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { azureCatalog, MAX_FILTER_VALUES, RESOURCE_EVENT_TYPES } from '../../../adapters/azure/catalog.js';
import { deliveryFilters } from '../../../adapters/index.js';
import { AzureFunctionEnvironmentSchema } from '../../../functions/azure/environment.js';
import { DELIVERY_AUTH_ENV } from '../../../functions/shared/auth/delivery-auth.js';
import { DEFAULT_SECRET_PARAMETER } from '../../../functions/shared/auth/event-grid-auth.js';
import { REPO_ROOT, blocksOf, moduleBlock, moduleLocals, nested, parseHcl, terraformFilesUnder, type Block, type TerraformFile } from '../terraform-files.js';
import { committedEventSubscriptions, coverageProblems, type EventSubscriptions } from './event-subscriptions.js';

const MODULE_DIR = join(REPO_ROOT, 'infra/azure');

const APP = '${azurerm_user_assigned_identity.app.principal_id}';
const APP_SYSTEM = '${azurerm_function_app_flex_consumption.app.identity[0].principal_id}';
const TOPIC = '${azurerm_eventgrid_system_topic.subscription.identity[0].principal_id}';

/**
 * Every role assignment the module may make, as `role | scope | principal`: read on the watched scope,
 * data-plane roles on the app's own storage account and vault, and the topic's write to the dead-letter container.
 */
const ALLOWED_ASSIGNMENTS = new Set([
  `Reader | \${each.value} | ${APP}`,
  `Storage Blob Data Contributor | \${azurerm_storage_account.data.id} | ${APP}`,
  `Storage Table Data Contributor | \${azurerm_storage_account.data.id} | ${APP}`,
  `Key Vault Secrets User | \${azurerm_key_vault.secrets.id} | ${APP}`,
  `Key Vault Secrets User | \${azurerm_key_vault.secrets.id} | ${APP_SYSTEM}`,
  `Storage Blob Data Contributor | \${var.dead_letter_storage_account_id}/blobServices/default/containers/\${var.dead_letter_container} | ${TOPIC}`,
]);

/** Each role assignment as `role | scope | principal` (a role given by id is named so). */
function assignmentsOf(blocks: readonly Block[]): string[] {
  return blocks.filter((b) => b.type === 'azurerm_role_assignment').map(({ body }) =>
    `${String(body.role_definition_name ?? `id ${String(body.role_definition_id)}`)} | ${String(body.scope)} | ${String(body.principal_id)}`);
}

let files: TerraformFile[];
beforeAll(async () => {
  files = await terraformFilesUnder(MODULE_DIR);
});

describe('infra/azure: the Event Grid subscriptions are the catalog\'s', () => {
  it('event-subscriptions.json holds the catalog\'s filters, in order, with only the …Success event types', () => {
    const catalog = deliveryFilters.azure() as { includedEventTypes: string[]; advancedFilters: unknown[] }[];

    const committed = committedEventSubscriptions();

    expect(committed.subscriptions.map((s) => s.advancedFilters)).toStrictEqual(catalog.map((f) => f.advancedFilters));
    expect(committed.subscriptions.map((s) => s.includedEventTypes))
      .toStrictEqual(catalog.map((f) => f.includedEventTypes.filter((t) => t.endsWith('Success'))));
    expect(committed.subscriptions.map((s) => s.name)).toEqual(catalog.map((_f, i) => `ops-${i + 1}`));
  });

  it('delivers every catalog operation through exactly one subscription, each within Event Grid\'s 25 values', () => {
    const operations = azureCatalog.map((row) => row.name);
    const committed = committedEventSubscriptions();

    expect(coverageProblems(committed, operations, MAX_FILTER_VALUES)).toEqual([]);
    expect(committed.subscriptions.length).toBe(Math.ceil(new Set(operations).size / MAX_FILTER_VALUES));
    expect(committed.subscriptions.flatMap((s) => s.includedEventTypes).every((t) => (RESOURCE_EVENT_TYPES as readonly string[]).includes(t))).toBe(true);
  });

  it('fails a missing, doubled, unknown or oversized filter', () => {
    const committed = committedEventSubscriptions();
    const changed: EventSubscriptions = structuredClone(committed);
    const [first, second] = changed.subscriptions;
    if (!first?.advancedFilters[0] || !second?.advancedFilters[0]) throw new Error('expected two event subscriptions');
    const moved = second.advancedFilters[0].values.shift() ?? '';
    first.advancedFilters[0].values.push(moved, 'Microsoft.Network/loadBalancers/write');
    second.advancedFilters[0].values.push(first.advancedFilters[0].values[0] ?? '');

    const problems = coverageProblems(changed, azureCatalog.map((row) => row.name), MAX_FILTER_VALUES);

    expect(problems).toEqual([
      `ops-1: ${MAX_FILTER_VALUES + 2} filter values, more than ${MAX_FILTER_VALUES}`,
      'Microsoft.Network/loadBalancers/write: not a catalog operation',
      `${first.advancedFilters[0].values[0]}: in ops-1 and ops-2`,
    ]);
  });

  it.runIf(existsSync(join(REPO_ROOT, 'dist/cli/netdrift.js')))('generate.mjs --check agrees: the committed file is what the generator writes from the built CLI', () => {
    const check = spawnSync(process.execPath, ['infra/azure/generate.mjs', '--check'], { cwd: REPO_ROOT, encoding: 'utf8' });

    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('every event subscription of the module is generated from that file, its filters and event types included', () => {
    const subscription = moduleBlock(files, 'resource', 'azurerm_eventgrid_system_topic_event_subscription.operations').body;
    const generated = nested(subscription, 'advanced_filter').dynamic as Record<string, { for_each: string; content: unknown[] }[]>;
    const all = blocksOf(files).filter((b) => b.type.startsWith('azurerm_eventgrid') && b.type.endsWith('event_subscription'));

    expect(all).toHaveLength(1);
    expect(moduleLocals(files).event_subscriptions)
      .toBe('${{ for s in jsondecode(file("${path.module}/../event-subscriptions.json")).subscriptions : s.name => s }}');
    expect(subscription).toMatchObject({ for_each: '${local.event_subscriptions}', included_event_types: '${each.value.includedEventTypes}' });
    expect(generated.string_in?.[0]).toEqual({ for_each: '${each.value.advancedFilters}', content: [{ key: '${string_in.value.key}', values: '${string_in.value.values}' }] });
  });
});

describe('infra/azure: what the module deploys', () => {
  it('watches the subscription through its system topic, dead-letters to the hub\'s container and retries', () => {
    const topic = moduleBlock(files, 'resource', 'azurerm_eventgrid_system_topic.subscription').body;
    const subscription = moduleBlock(files, 'resource', 'azurerm_eventgrid_system_topic_event_subscription.operations').body;

    expect(topic).toMatchObject({ topic_type: 'Microsoft.Resources.Subscriptions', location: 'global', source_resource_id: '/subscriptions/${var.subscription_id}' });
    expect(nested(subscription, 'storage_blob_dead_letter_destination')).toEqual({
      storage_account_id: '${var.dead_letter_storage_account_id}', storage_blob_container_name: '${var.dead_letter_container}',
    });
    expect(nested(subscription, 'dead_letter_identity')).toEqual({ type: 'SystemAssigned' });
    expect(nested(topic, 'identity')).toEqual({ type: 'SystemAssigned' });
    expect(nested(subscription, 'retry_policy')).toEqual({ max_delivery_attempts: '${var.max_delivery_attempts}', event_time_to_live: '${var.event_time_to_live}' });
    expect(nested(subscription, 'webhook_endpoint')).toMatchObject({ url: '${var.webhook_url}', active_directory_app_id_or_uri: '${var.entra_app_id_or_uri}' });
  });

  it('delivers to the app\'s events function with the secret in the query parameter the app checks', () => {
    const locals = moduleLocals(files);

    expect(locals.webhook_url).toBe(`https://\${azurerm_function_app_flex_consumption.app.default_hostname}/api/events?${DEFAULT_SECRET_PARAMETER}=\${var.event_grid_secret}`);
    expect(String(locals.app_settings)).toMatch(/NETDRIFT_EVENT_GRID_SECRET\s*=\s*var\.event_grid_secret/);
    expect(String(locals.app_settings)).toMatch(/NETDRIFT_ENTRA_TENANT = local\.tenant_id, NETDRIFT_ENTRA_AUDIENCE = var\.entra_app_id_or_uri/);
  });

  it('grants only Reader on the watched scope and data-plane roles on the app\'s own account, vault and dead-letter container', () => {
    const assignments = assignmentsOf(blocksOf(files));

    expect(new Set(assignments)).toEqual(ALLOWED_ASSIGNMENTS);
    expect(assignments).toHaveLength(ALLOWED_ASSIGNMENTS.size);
    expect(moduleLocals(files).reader_scopes).toBe(
      '${local.management_group_id != null ? toset([local.management_group_id]) : toset([for s in local.watched : "/subscriptions/${s}"])}',
    );
  });

  it('fails a broader role, a role by id, a role on another scope or to another principal', async () => {
    const text = `
resource "azurerm_role_assignment" "owner" {
  scope                = azurerm_storage_account.data.id
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
}
resource "azurerm_role_assignment" "by_id" {
  scope              = azurerm_storage_account.data.id
  role_definition_id = "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
  principal_id       = azurerm_user_assigned_identity.app.principal_id
}
resource "azurerm_role_assignment" "wide" {
  scope                = "/subscriptions/\${var.subscription_id}"
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = var.someone
}
resource "azurerm_role_assignment" "topic_account" {
  scope                = azurerm_storage_account.data.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_eventgrid_system_topic.subscription.identity[0].principal_id
}
`;
    const hcl = await parseHcl('wide.tf', text);

    const outside = assignmentsOf(blocksOf([{ path: 'wide.tf', text, hcl }])).filter((a) => !ALLOWED_ASSIGNMENTS.has(a));

    expect(outside.sort()).toEqual([
      `Contributor | \${azurerm_storage_account.data.id} | ${APP}`,
      `Storage Blob Data Contributor | \${azurerm_storage_account.data.id} | ${TOPIC}`,
      `Storage Blob Data Contributor | /subscriptions/\${var.subscription_id} | \${var.someone}`,
      `id /providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c | \${azurerm_storage_account.data.id} | ${APP}`,
    ]);
  });

  it('runs the built app (dist/azure) on Flex Consumption, Node 22, with its storage through the identity', () => {
    const app = moduleBlock(files, 'resource', 'azurerm_function_app_flex_consumption.app').body;
    const plan = moduleBlock(files, 'resource', 'azurerm_service_plan.app').body;
    const archive = moduleBlock(files, 'data', 'archive_file.app').body;

    expect(app).toMatchObject({ runtime_name: 'node', runtime_version: '22', storage_authentication_type: 'UserAssignedIdentity', https_only: true });
    expect(plan).toMatchObject({ sku_name: 'FC1', os_type: 'Linux' });
    expect(archive).toMatchObject({ type: 'zip', source_dir: '${local.dist_dir}' });
    expect(moduleLocals(files).dist_dir).toBe('${coalesce(var.dist_dir, "${path.module}/../../dist/azure")}');
  });

  it('configures the app only with settings it reads, the required ones and the timer\'s schedule included', () => {
    const settings = `${String(moduleLocals(files).app_settings)} ${String(moduleLocals(files).key_vault_reference)}`;
    const named = [...settings.matchAll(/\b(NETDRIFT_[A-Z_]+)\s*=/g)].map((m) => m[1] ?? '');
    const known: string[] = [...Object.keys(AzureFunctionEnvironmentSchema.shape), ...Object.values(DELIVERY_AUTH_ENV)];
    const app = readFileSync(join(REPO_ROOT, 'functions/azure/app.ts'), 'utf8');

    expect(named.filter((name) => !known.includes(name))).toEqual([]);
    expect(named).toEqual(expect.arrayContaining([
      'NETDRIFT_STORAGE_ACCOUNT', 'NETDRIFT_SNAPSHOT_CONTAINER', 'NETDRIFT_STATE_TABLE', 'NETDRIFT_SUBSCRIPTIONS', 'NETDRIFT_EVENT_GRID_SECRET',
      'NETDRIFT_RECONCILE_SCHEDULE', 'NETDRIFT_SLACK_WEBHOOK_URL', 'NETDRIFT_PAGERDUTY_ROUTING_KEY',
    ]));
    expect(app).toContain("schedule: '%NETDRIFT_RECONCILE_SCHEDULE%'");
    expect(app).toMatch(/app\.http\('events', \{[^}]*authLevel: 'anonymous', route: 'events'/);
  });

  it('reads the Slack and PagerDuty secrets through Key Vault references, never as values', () => {
    const locals = moduleLocals(files);
    const variables = readFileSync(join(MODULE_DIR, 'variables.tf'), 'utf8');

    expect(String(locals.key_vault_reference)).toContain('@Microsoft.KeyVault(SecretUri=${azurerm_key_vault.secrets.vault_uri}secrets/${secret}/)');
    expect(String(locals.key_vault_reference)).toMatch(/NETDRIFT_SLACK_WEBHOOK_URL\s*=\s*var\.slack_webhook_secret_name/);
    expect(String(locals.key_vault_reference)).toMatch(/NETDRIFT_PAGERDUTY_ROUTING_KEY\s*=\s*var\.pagerduty_routing_key_secret_name/);
    expect(variables).not.toMatch(/variable "(slack_webhook_url|pagerduty_routing_key)"/);
    expect(moduleBlock(files, 'resource', 'azurerm_key_vault.secrets').body).toMatchObject({ rbac_authorization_enabled: true, purge_protection_enabled: true });
  });

  it('keeps snapshots in a private, versioned container and state in a Table of an account without shared keys', () => {
    const account = moduleBlock(files, 'resource', 'azurerm_storage_account.data').body;

    expect(account).toMatchObject({ shared_access_key_enabled: false, min_tls_version: 'TLS1_2', allow_nested_items_to_be_public: false });
    expect(nested(account, 'blob_properties')).toMatchObject({ versioning_enabled: true });
    for (const container of ['snapshots', 'dead_letters']) {
      expect(moduleBlock(files, 'resource', `azurerm_storage_container.${container}`).body).toMatchObject({ container_access_type: 'private' });
    }
    expect(moduleBlock(files, 'resource', 'azurerm_storage_table.state').body).toMatchObject({ storage_account_name: '${azurerm_storage_account.data.name}' });
  });
});
