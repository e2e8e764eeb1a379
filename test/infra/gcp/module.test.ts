import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gcpCatalog, gcpLogFilter } from '../../../adapters/gcp/catalog.js';
import { deliveryFilters } from '../../../adapters/index.js';
import { REPO_ROOT, blocksOf, moduleBlock, moduleLocals, nested, parseHcl, terraformFilesUnder, type Block, type TerraformFile } from '../terraform-files.js';

const MODULE_DIR = join(REPO_ROOT, 'infra/gcp');
const FUNCTIONS = ['events', 'refresh', 'reconcile'];
const FUNCTIONS_SA = '${google_service_account.functions.member}';

/** Every IAM grant the module may make: role, the resource it is on, and to whom. */
const ALLOWED_GRANTS = new Set([
  'google_project_iam_member roles/compute.networkViewer ${var.project_id} functions',
  'google_project_iam_member roles/dns.reader ${var.project_id} functions',
  'google_project_iam_member roles/datastore.user ${var.project_id} functions',
  'google_folder_iam_member roles/compute.networkViewer folders/${var.folder_id} functions',
  'google_folder_iam_member roles/dns.reader folders/${var.folder_id} functions',
  'google_folder_iam_member roles/cloudasset.viewer folders/${var.folder_id} functions',
  'google_organization_iam_member roles/compute.networkViewer ${var.organization_id} functions',
  'google_organization_iam_member roles/dns.reader ${var.organization_id} functions',
  'google_organization_iam_member roles/cloudasset.viewer ${var.organization_id} functions',
  'google_secret_manager_secret_iam_member roles/secretmanager.secretAccessor ${each.value} functions',
  'google_pubsub_topic_iam_member roles/pubsub.publisher ${google_pubsub_topic.events.name} ${local.sink_writer_identity}',
  'google_pubsub_topic_iam_member roles/pubsub.publisher ${google_pubsub_topic.dead_letters.name} ${local.pubsub_service_agent}',
  'google_pubsub_subscription_iam_member roles/pubsub.subscriber ${google_pubsub_subscription.events_push.name} ${local.pubsub_service_agent}',
  'google_cloud_run_service_iam_member roles/run.invoker ${google_cloudfunctions2_function.function[each.key].name} ${google_service_account.invoker.member}',
]);
/** The argument naming what a grant is on, most specific first (every google IAM resource also takes `project`). */
const ON = ['secret_id', 'topic', 'subscription', 'service', 'folder', 'org_id', 'project'];

/** Each IAM member resource as `type role resource member`, the roles a for_each grants expanded. */
function grantsOf(blocks: readonly Block[], roleSets: Record<string, string[]>): string[] {
  return blocks.filter((b) => b.type.endsWith('_iam_member') || b.type.endsWith('_iam_binding') || b.type.endsWith('_iam_policy')).flatMap((b) => {
    const on = String(b.body[ON.find((key) => key in b.body) ?? 'project'] ?? '');
    const member = b.body.member === FUNCTIONS_SA ? 'functions' : String(b.body.member ?? b.body.members ?? b.body.policy_data);
    const role = String(b.body.role ?? 'policy');
    const roles = role === '${each.value}' ? roleSets[String(b.body.for_each)] ?? [role] : [role];
    return roles.map((r) => `${b.type} ${r} ${on} ${member}`);
  });
}

/** The roles `local.scope_roles` holds at each level (the reader roles, plus Cloud Asset Inventory above a project). */
const READER_ROLES = ['roles/compute.networkViewer', 'roles/dns.reader'];
const ROLE_SETS: Record<string, string[]> = {
  '${var.sink_level == "project" ? local.scope_roles : toset([])}': READER_ROLES,
  '${var.sink_level == "folder" ? local.scope_roles : toset([])}': [...READER_ROLES, 'roles/cloudasset.viewer'],
  '${var.sink_level == "organization" ? local.scope_roles : toset([])}': [...READER_ROLES, 'roles/cloudasset.viewer'],
};

let files: TerraformFile[];

/** A module variable's default, as written in variables.tf. */
function variableDefault(name: string): unknown {
  const file = files.find((f) => f.path === 'infra/gcp/variables.tf');
  return ((file?.hcl.variable ?? {}) as Record<string, { default?: unknown }[]>)[name]?.[0]?.default;
}
beforeAll(async () => {
  files = await terraformFilesUnder(MODULE_DIR);
});

describe('infra/gcp: the Log Router filter is the catalog\'s', () => {
  it('log-filter.txt equals netdrift catalog --cloud gcp --format filter', () => {
    const committed = readFileSync(join(MODULE_DIR, 'log-filter.txt'), 'utf8');

    expect(committed).toBe(`${String(deliveryFilters.gcp())}\n`);
  });

  it('names every catalog method, so a catalog change makes it differ', () => {
    const committed = readFileSync(join(MODULE_DIR, 'log-filter.txt'), 'utf8').trim();
    const fewer = gcpLogFilter(gcpCatalog.slice(1));

    for (const row of gcpCatalog) expect(committed).toContain(`"${row.name}"`);
    expect(fewer).not.toBe(committed);
  });

  it.runIf(existsSync(join(REPO_ROOT, 'dist/cli/netdrift.js')))('generate.mjs --check agrees: the committed file is what the generator writes from the built CLI', () => {
    const check = spawnSync(process.execPath, ['infra/gcp/generate.mjs', '--check'], { cwd: REPO_ROOT, encoding: 'utf8' });

    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('fits the Log Router filter limit (20,000 characters)', () => {
    // https://cloud.google.com/logging/quotas ("Length of a sink filter").
    expect(readFileSync(join(MODULE_DIR, 'log-filter.txt'), 'utf8').trim().length).toBeLessThanOrEqual(20_000);
  });

  it('every sink level uses it, read from that file, children included above the project', () => {
    const sinks = ['project', 'folder', 'organization'].map((level) => moduleBlock(files, 'resource', `google_logging_${level}_sink.events`).body);

    expect(moduleLocals(files).log_filter).toBe('${trimspace(file("${path.module}/log-filter.txt"))}');
    expect(sinks.map((s) => s.filter)).toEqual(sinks.map(() => '${local.log_filter}'));
    expect(sinks.map((s) => s.destination)).toEqual(sinks.map(() => 'pubsub.googleapis.com/${google_pubsub_topic.events.id}'));
    expect(sinks.map((s) => s.include_children)).toEqual([undefined, true, true]);
    expect(sinks.map((s) => s.count)).toEqual(['project', 'folder', 'organization'].map((l) => `\${var.sink_level == "${l}" ? 1 : 0}`));
  });
});

describe('infra/gcp: what the module deploys', () => {
  it('grants only the named roles, each on its own resource or the watched scope', () => {
    const grants = grantsOf(blocksOf(files), ROLE_SETS);

    expect(grants.filter((g) => !ALLOWED_GRANTS.has(g))).toEqual([]);
    expect(new Set(grants)).toEqual(ALLOWED_GRANTS);
    expect(moduleLocals(files).scope_roles).toBe('${var.sink_level == "project" ? local.reader_roles : setunion(local.reader_roles, ["roles/cloudasset.viewer"])}');
    expect(moduleLocals(files).reader_roles).toBe('${toset(["roles/compute.networkViewer", "roles/dns.reader"])}');
  });

  it('fails a broader role, a grant on another resource or to another member', async () => {
    const text = `
resource "google_project_iam_member" "editor" {
  project = var.project_id
  role    = "roles/editor"
  member  = google_service_account.functions.member
}
resource "google_project_iam_member" "publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = local.sink_writer_identity
}
resource "google_project_iam_binding" "datastore" {
  project = var.project_id
  role    = "roles/datastore.user"
  members = ["user:someone@example.com"]
}
`;
    const hcl = await parseHcl('wide.tf', text);

    const grants = grantsOf(blocksOf([{ path: 'wide.tf', text, hcl }]), ROLE_SETS);

    expect(grants.filter((g) => !ALLOWED_GRANTS.has(g)).sort()).toEqual([
      'google_project_iam_binding roles/datastore.user ${var.project_id} user:someone@example.com',
      'google_project_iam_member roles/editor ${var.project_id} functions',
      'google_project_iam_member roles/pubsub.publisher ${var.project_id} ${local.sink_writer_identity}',
    ]);
  });

  it('gives every push subscription a dead-letter policy and lets the Pub/Sub service agent dead-letter', () => {
    const subscriptions = blocksOf(files).filter((b) => b.type === 'google_pubsub_subscription');
    const push = subscriptions.filter((s) => 'push_config' in s.body);

    expect(push.map((s) => s.name)).toEqual(['events_push']);
    for (const subscription of push) {
      expect(nested(subscription.body, 'dead_letter_policy'), `${subscription.name} dead_letter_policy`)
        .toEqual({ dead_letter_topic: '${google_pubsub_topic.dead_letters.id}', max_delivery_attempts: '${var.max_delivery_attempts}' });
    }
    expect(moduleBlock(files, 'resource', 'google_pubsub_subscription.dead_letters').body.topic).toBe('${google_pubsub_topic.dead_letters.id}');
    expect(moduleLocals(files).pubsub_service_agent).toBe('serviceAccount:service-${data.google_project.current.number}@gcp-sa-pubsub.iam.gserviceaccount.com');
  });

  it('pushes to the events function with an OIDC token whose audience and signer the function checks', () => {
    const push = nested(moduleBlock(files, 'resource', 'google_pubsub_subscription.events_push').body, 'push_config');
    const environment = String(moduleLocals(files).environment);

    expect(push.push_endpoint).toBe('${local.function_urls.events}');
    expect(nested(push, 'oidc_token')).toEqual({ service_account_email: '${google_service_account.invoker.email}', audience: '${local.function_urls.events}' });
    expect(environment).toMatch(/NETDRIFT_PUBSUB_AUDIENCE\s*=\s*local\.function_urls\.events/);
    expect(environment).toMatch(/NETDRIFT_PUBSUB_SERVICE_ACCOUNT\s*=\s*google_service_account\.invoker\.email/);
  });

  it('runs the three functions from one zip of dist/gcp on nodejs22, as the functions\' service account', () => {
    const fn = moduleBlock(files, 'resource', 'google_cloudfunctions2_function.function').body;
    const build = nested(fn, 'build_config');
    const all = blocksOf(files).filter((b) => b.type === 'google_cloudfunctions2_function');

    expect(all.map((b) => nested(b.body, 'build_config').runtime)).toEqual(all.map(() => 'nodejs22'));
    expect(moduleLocals(files).functions).toBe(`\${toset(${JSON.stringify(FUNCTIONS).replaceAll(',', ', ')})}`);
    expect(fn.for_each).toBe('${local.functions}');
    expect(nested(nested(build, 'source'), 'storage_source')).toEqual({ bucket: '${google_storage_bucket.source.name}', object: '${google_storage_bucket_object.source.name}' });
    expect(moduleBlock(files, 'data', 'archive_file.source').body).toMatchObject({ type: 'zip', source_dir: '${local.dist_dir}' });
    expect(moduleLocals(files).dist_dir).toBe('${coalesce(var.dist_dir, "${path.module}/../../dist/gcp")}');
    expect(nested(fn, 'service_config').service_account_email).toBe('${google_service_account.functions.email}');
    expect(build.entry_point).toBe('${var.entry_points[each.key]}');
    expect(variableDefault('entry_points')).toEqual({ events: 'pubsub', refresh: 'refresh', reconcile: 'reconcile' });
  });

  it('reads the alert secrets from Secret Manager as secret environment variables', () => {
    const service = nested(moduleBlock(files, 'resource', 'google_cloudfunctions2_function.function').body, 'service_config');
    const generated = (service.dynamic as Record<string, { for_each: string; content: Record<string, unknown>[] }[]>).secret_environment_variables?.[0];

    expect(generated?.for_each).toBe('${local.secrets}');
    expect(generated?.content[0]).toMatchObject({ key: '${secret_environment_variables.key}', secret: '${secret_environment_variables.value}', version: 'latest' });
    expect(String(moduleLocals(files).secrets)).toMatch(/NETDRIFT_SLACK_WEBHOOK_URL\s*=\s*var\.slack_webhook_secret_id/);
    expect(String(moduleLocals(files).environment)).not.toMatch(/SLACK_WEBHOOK_URL|ROUTING_KEY/);
  });

  it('keeps state in a Native-mode Firestore database with TTL on expireAt and the outbox index the store queries', () => {
    const database = moduleBlock(files, 'resource', 'google_firestore_database.state').body;
    const ttl = moduleBlock(files, 'resource', 'google_firestore_field.processed_ttl').body;
    const index = moduleBlock(files, 'resource', 'google_firestore_index.outbox_by_state').body;
    const store = readFileSync(join(REPO_ROOT, 'adapters/gcp/firestore-state-store.ts'), 'utf8');

    expect(database).toMatchObject({ type: 'FIRESTORE_NATIVE', point_in_time_recovery_enablement: 'POINT_IN_TIME_RECOVERY_ENABLED' });
    expect(ttl).toMatchObject({ collection: '${var.firestore_prefix}-processed', field: 'expireAt', ttl_config: [{}] });
    expect(store).toMatch(/expireAt: new Date\(expiresMs\)/);
    expect(index).toMatchObject({ collection: '${var.firestore_prefix}-outbox', query_scope: 'COLLECTION' });
    expect(index.fields).toEqual([{ field_path: 'state', order: 'ASCENDING' }, { field_path: 'order', order: 'ASCENDING' }]);
    expect(store).toMatch(/base\.where\('state', '==', state\)/);
  });

  it('calls reconcile (and refresh when scheduled) for each project from Cloud Scheduler, with an OIDC token for the function', () => {
    const job = moduleBlock(files, 'resource', 'google_cloud_scheduler_job.function').body;
    const target = nested(job, 'http_target');
    const locals = moduleLocals(files);

    expect(locals.schedules).toBe('${merge(\n    { reconcile = var.reconcile_schedule },\n    var.refresh_schedule == null ? {} : { refresh = var.refresh_schedule },\n  )}');
    expect(locals.scheduled_projects).toBe('${length(var.reconcile_projects) > 0 ? var.reconcile_projects : [var.project_id]}');
    expect(job.for_each).toBe('${local.scheduler_jobs}');
    expect(target).toMatchObject({ http_method: 'POST', uri: '${local.function_urls[each.value.function]}', body: '${base64encode(jsonencode({ project = each.value.project }))}' });
    expect(nested(target, 'oidc_token')).toEqual({ service_account_email: '${google_service_account.invoker.email}', audience: '${local.function_urls[each.value.function]}' });
  });

  it('lets refresh and reconcile accept only the invoker\'s tokens for their own URL', () => {
    const service = nested(moduleBlock(files, 'resource', 'google_cloudfunctions2_function.function').body, 'service_config');

    expect(service.environment_variables).toBe('${merge(local.environment, { NETDRIFT_INVOKER_AUDIENCE = local.function_urls[each.key] })}');
    expect(String(moduleLocals(files).environment)).toMatch(/NETDRIFT_INVOKER_SERVICE_ACCOUNTS\s*=\s*google_service_account\.invoker\.email/);
    expect(moduleLocals(files).function_urls).toBe('${{ for f in local.functions : f => "https://${var.region}-${var.project_id}.cloudfunctions.net/${local.name}-${f}" }}');
  });
});
