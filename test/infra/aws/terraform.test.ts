import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliveryFilters } from '../../../adapters/index.js';
import { FINDINGS_BY_ACCOUNT_INDEX, OUTBOX_ORDER_INDEX, TTL_ATTRIBUTE } from '../../../adapters/aws/dynamodb-items.js';
import { AwsFunctionEnvironmentSchema } from '../../../functions/aws/environment.js';
import { SECRET_SETTINGS } from '../../../functions/shared/environment.js';
import { iamActionProblems } from './iam-actions.js';
import { providerVersion } from './provider-schema.js';
import { referenceProblems } from './references.js';
import { schemaProblems } from './schema-check.js';
import { spokeTemplate } from './spoke-template.js';
import {
  MODULE_DIR, REPO_ROOT, blocksOf, moduleBlock, moduleLocals, nested, parseHcl, terraformFiles, type TerraformFile,
} from './terraform-files.js';

let files: TerraformFile[];
beforeAll(async () => {
  files = await terraformFiles();
});

const FUNCTIONS = ['events', 'refresh', 'reconcile'];

describe('infra/aws: the module parses and matches the AWS provider schema', () => {
  it('has the layout of a published module, examples included', () => {
    const paths = files.map((f) => f.path);

    for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'examples/single-account/main.tf', 'examples/organization/main.tf']) {
      expect(paths).toContain(`infra/aws/${file}`);
    }
    expect(existsSync(join(MODULE_DIR, 'README.md'))).toBe(true);
  });

  it(`uses only resource types, data sources, arguments and blocks of hashicorp/aws ${providerVersion()}`, () => {
    const blocks = blocksOf(files);

    expect(schemaProblems(files)).toEqual([]);
    expect(blocks.length).toBeGreaterThan(40);
  });

  it('fails a misspelled argument, nested block argument, block, resource type and module input', async () => {
    const text = `
resource "aws_lambda_function" "typo" {
  function_nme = "x"
  environment {
    variabels = {}
  }
}
resource "aws_sqs_queue" "typo" {
  dynamic "redrive" {
    for_each = []
    content {}
  }
}
resource "aws_lamda_function" "typo" {}
module "typo" {
  source       = "../.."
  name_prefixx = "x"
}
`;
    const wrong = { path: 'infra/aws/wrong.tf', text, hcl: await parseHcl('wrong.tf', text) };

    const problems = schemaProblems([...files, wrong]);

    expect(problems.sort()).toEqual([
      'infra/aws/wrong.tf aws_lambda_function.typo.environment: unknown argument "variabels"',
      'infra/aws/wrong.tf aws_lambda_function.typo: unknown argument "function_nme"',
      'infra/aws/wrong.tf aws_lamda_function.typo: no resource type "aws_lamda_function" in the provider',
      'infra/aws/wrong.tf aws_sqs_queue.typo: dynamic "redrive" is not a block of this type',
      'infra/aws/wrong.tf module.typo: unknown input "name_prefixx"',
    ]);
  });

  it('names only declared variables, locals, resources, data sources and module outputs, and attributes they have', () => {
    expect(referenceProblems(files)).toEqual([]);
  });

  it('fails a reference to something undeclared or to an attribute the type lacks', async () => {
    const text = `
locals {
  wrong = [var.regionz, local.nothing, aws_sqs_queue.event.arn, aws_sqs_queue.events.arnn, data.aws_region.current.nam]
  right = [var.regions, local.functions, aws_sqs_queue.events.arn, aws_lambda_function.function["events"].qualified_arn, data.aws_region.current.region]
}
output "x" {
  value = module.netdrift.no_such_output
}
`;
    const wrong = { path: 'infra/aws/wrong.tf', text, hcl: await parseHcl('wrong.tf', text) };
    const example = { ...wrong, path: 'infra/aws/examples/single-account/wrong.tf' };

    const problems = referenceProblems([...files, wrong, example]).filter((p) => p.includes('wrong.tf'));

    expect(problems.filter((p) => p.startsWith('infra/aws/wrong.tf')).sort()).toEqual([
      'infra/aws/wrong.tf: aws_sqs_queue.event is not declared',
      'infra/aws/wrong.tf: aws_sqs_queue.events.arnn: no such attribute',
      'infra/aws/wrong.tf: data.aws_region.current.nam: no such attribute',
      'infra/aws/wrong.tf: local.nothing is not declared',
      'infra/aws/wrong.tf: module.netdrift is not declared',
      'infra/aws/wrong.tf: var.regionz is not declared',
    ]);
    expect(problems).toContain('infra/aws/examples/single-account/wrong.tf: module.netdrift.no_such_output: no such output');
  });

  it.runIf(spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0)('is formatted as terraform fmt writes it', () => {
    const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-list=true', 'infra/aws'], { cwd: REPO_ROOT, encoding: 'utf8' });

    expect(fmt.stdout.trim(), 'files terraform fmt would change').toBe('');
    expect(fmt.status).toBe(0);
  });
});

describe('infra/aws: what the module deploys', () => {
  it('spells out every IAM action (no *) and writes every policy as a policy document', () => {
    const scanned = files.map((file) => iamActionProblems(file.hcl, file.path));
    const policyArguments = blocksOf(files).flatMap((b) => ['policy', 'assume_role_policy'].filter((k) => k in b.body).map((k) => String(b.body[k])));

    expect(scanned.flatMap((s) => s.problems)).toEqual([]);
    expect(scanned.flatMap((s) => s.actions)).toEqual(expect.arrayContaining(['sts:AssumeRole', 'dynamodb:Query', 'sqs:ReceiveMessage']));
    expect(policyArguments.filter((p) => !/^\$\{data\.aws_iam_policy_document\.\w+(\[[^\]]+\])?\.json\}$/.test(p))).toEqual([]);
  });

  it('fails a wildcard action, in a policy document or inside an expression', async () => {
    const text = `
data "aws_iam_policy_document" "wide" {
  statement {
    actions   = ["s3:Get*"]
    resources = ["*"]
  }
}
locals {
  statements = concat([{ actions = ["ec2:*"] }], [])
  hidden     = merge({ actions = local.anything })
}
`;
    const hcl = await parseHcl('wide.tf', text);

    const { problems } = iamActionProblems(hcl, 'wide.tf');

    expect(problems).toEqual([
      'wide.tf.data.aws_iam_policy_document.wide[0].statement[0].actions: "s3:Get*" is not an explicit action',
      'wide.tf.locals[0].hidden: actions local.anything are not written out',
      'wide.tf.locals[0].statements: "ec2:*" is not an explicit action',
    ]);
  });

  it('gives every queue a dead-letter queue, except the dead-letter queues', () => {
    const queues = blocksOf(files).filter((b) => b.type === 'aws_sqs_queue');
    const redrives = new Map(queues.map((q) => [q.name, /deadLetterTargetArn\s*=\s*aws_sqs_queue\.(\w+)\.arn/.exec(String(q.body.redrive_policy ?? ''))?.[1]]));
    const deadLetterQueues = new Set([...redrives.values()].filter(Boolean));

    expect(queues.length).toBeGreaterThan(1);
    for (const queue of queues) {
      if (deadLetterQueues.has(queue.name)) continue;
      expect(redrives.get(queue.name), `aws_sqs_queue.${queue.name} has no redrive to a DLQ`).toBeDefined();
      expect(String(queue.body.redrive_policy)).toMatch(/maxReceiveCount\s*=/);
    }
  });

  it('runs the three built bundles on nodejs22.x, the events function from the queue with ReportBatchItemFailures', () => {
    const lambda = moduleBlock(files, 'resource', 'aws_lambda_function.function');
    const archive = moduleBlock(files, 'data', 'archive_file.function');
    const mapping = moduleBlock(files, 'resource', 'aws_lambda_event_source_mapping.events');
    const lambdas = blocksOf(files).filter((b) => b.type === 'aws_lambda_function');

    expect(lambdas.map((l) => l.body.runtime)).toEqual(lambdas.map(() => 'nodejs22.x'));
    expect(lambda.body).toMatchObject({ handler: 'index.handler', for_each: '${local.functions}' });
    expect(moduleLocals(files).functions).toBe(`\${toset(${JSON.stringify(FUNCTIONS).replaceAll(',', ', ')})}`);
    expect(archive.body).toMatchObject({ type: 'zip', source_dir: '${local.dist_dir}/${each.key}' });
    expect(mapping.body).toMatchObject({ function_response_types: ['ReportBatchItemFailures'], event_source_arn: '${aws_sqs_queue.events.arn}' });
    for (const fn of FUNCTIONS) {
      if (existsSync(join(REPO_ROOT, 'dist/aws'))) expect(existsSync(join(REPO_ROOT, 'dist/aws', fn, 'index.mjs')), `dist/aws/${fn}/index.mjs`).toBe(true);
    }
  });

  it('configures the functions only with variables they read, the required ones included', () => {
    const environment = String(moduleLocals(files).environment);
    const named = [...environment.matchAll(/\b(NETDRIFT_[A-Z_]+)\s*=/g)].map((m) => m[1]);
    const known = Object.keys(AwsFunctionEnvironmentSchema.shape);

    expect(named.filter((name) => !known.includes(name ?? ''))).toEqual([]);
    expect(named).toEqual(expect.arrayContaining([
      'NETDRIFT_SNAPSHOT_BUCKET', 'NETDRIFT_STATE_TABLE', 'NETDRIFT_READER_ROLE', 'NETDRIFT_READER_EXTERNAL_ID',
      'NETDRIFT_SLACK_WEBHOOK_URL', 'NETDRIFT_PAGERDUTY_ROUTING_KEY', 'NETDRIFT_REGIONS',
    ]));
  });

  it('passes every secret the functions resolve as a Secrets Manager ARN variable the functions may read', () => {
    // The shared runtime resolves these through the platform's resolver (Secrets Manager on AWS).
    const resolved: string[] = [...SECRET_SETTINGS];
    const locals = moduleLocals(files);

    expect(resolved.length).toBeGreaterThanOrEqual(3);
    for (const name of resolved) {
      const variable = new RegExp(`\\{\\s*${name}\\s*=\\s*var\\.(\\w+_secret_arn)\\s*\\}`).exec(String(locals.environment))?.[1];
      expect(variable, `${name} from a *_secret_arn variable`).toBeDefined();
      expect(String(locals.secret_arns), `${name}'s secret in the functions' policy`).toContain(`split("#", var.${variable})[0]`);
    }
  });

  it('lets the functions assume only the reader role, by name, in any account', () => {
    const locals = moduleLocals(files);

    expect(locals.reader_role_pattern).toBe('arn:${local.partition}:iam::*:role/${var.reader_role_name}');
    expect(locals.statement_readers).toEqual({ sid: 'AssumeSpokeReader', actions: ['sts:AssumeRole'], resources: ['${local.reader_role_pattern}'] });
    expect(locals.statement_identity).toMatchObject({ actions: ['sts:GetCallerIdentity'] });
  });

  it('keeps state in the table the store expects: keys, indexes, TTL attribute, on demand, point-in-time recovery', () => {
    const table = moduleBlock(files, 'resource', 'aws_dynamodb_table.state').body;

    expect(table).toMatchObject({ billing_mode: 'PAY_PER_REQUEST', hash_key: 'pk', range_key: 'sk' });
    expect(nested(table, 'ttl')).toEqual({ attribute_name: TTL_ATTRIBUTE, enabled: true });
    expect(nested(table, 'point_in_time_recovery')).toEqual({ enabled: true });
    expect(nested(table, 'local_secondary_index')).toMatchObject({ name: OUTBOX_ORDER_INDEX, range_key: 'outboxOrder' });
    expect(nested(table, 'global_secondary_index')).toMatchObject({ name: FINDINGS_BY_ACCOUNT_INDEX, hash_key: 'findingScope', range_key: 'findingOrder' });
  });

  it('keeps snapshots in a versioned, encrypted, private bucket its owner owns', () => {
    const block = (address: string) => moduleBlock(files, 'resource', address).body;

    expect(nested(block('aws_s3_bucket_versioning.snapshots'), 'versioning_configuration')).toEqual({ status: 'Enabled' });
    expect(nested(nested(block('aws_s3_bucket_server_side_encryption_configuration.snapshots'), 'rule'), 'apply_server_side_encryption_by_default'))
      .toMatchObject({ sse_algorithm: expect.stringMatching(/^(AES256|aws:kms)$/) });
    expect(block('aws_s3_bucket_public_access_block.snapshots')).toMatchObject({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(nested(block('aws_s3_bucket_ownership_controls.snapshots'), 'rule')).toEqual({ object_ownership: 'BucketOwnerEnforced' });
  });

  it('admits the organisation on the hub bus and forwards us-east-1 (Route 53) with the us-east-1 provider', () => {
    const policy = moduleBlock(files, 'data', 'aws_iam_policy_document.hub_bus').body;
    const rule = moduleBlock(files, 'resource', 'aws_cloudwatch_event_rule.hub_account_us_east_1').body;
    const target = moduleBlock(files, 'resource', 'aws_cloudwatch_event_target.hub_account_us_east_1').body;

    expect(nested(nested(policy, 'statement'), 'condition')).toEqual({ test: 'StringEquals', variable: 'aws:PrincipalOrgID', values: ['${var.organization_id}'] });
    expect(rule.provider).toBe('${aws.us_east_1}');
    expect(target).toMatchObject({ provider: '${aws.us_east_1}', arn: '${aws_cloudwatch_event_bus.hub.arn}' });
  });

  it('can deploy the spoke template as a service-managed StackSet that follows new accounts, in the home region, us-east-1 and the captured regions', () => {
    const stackSet = moduleBlock(files, 'resource', 'aws_cloudformation_stack_set.spoke').body;
    const instance = moduleBlock(files, 'resource', 'aws_cloudformation_stack_set_instance.spoke').body;
    const locals = moduleLocals(files);

    expect(stackSet).toMatchObject({ permission_model: 'SERVICE_MANAGED', template_body: '${local.spoke_template}' });
    expect(nested(stackSet, 'auto_deployment')).toMatchObject({ enabled: true });
    expect(locals.spoke_template).toBe('${file("${path.module}/spoke/netdrift-spoke.yaml")}');
    expect(locals.spoke_regions).toBe('${distinct(concat([local.region, "us-east-1"], local.capture_regions))}');
    expect(instance.stack_set_instance_region).toBe('${each.key}');
  });

  it('passes the spoke template exactly the parameters it declares, every one without a default included', () => {
    const { Parameters } = spokeTemplate().doc;
    const given = [...Object.keys(moduleLocals(files).spoke_parameters as Record<string, unknown>), 'ForwardEvents'].sort();
    const stack = moduleBlock(files, 'resource', 'aws_cloudformation_stack.hub_spoke').body;
    const stackSet = moduleBlock(files, 'resource', 'aws_cloudformation_stack_set.spoke').body;

    expect(given).toEqual(Object.keys(Parameters).sort());
    expect(Object.keys(Parameters).filter((name) => Parameters[name]?.Default === undefined).every((name) => given.includes(name))).toBe(true);
    expect(stack.parameters).toBe('${merge(local.spoke_parameters, { ForwardEvents = "false" })}');
    expect(stackSet.parameters).toBe('${merge(local.spoke_parameters, { ForwardEvents = "true" })}');
  });

  it('alarms on the dead-letter queue and on every function\'s errors', () => {
    const dlq = moduleBlock(files, 'resource', 'aws_cloudwatch_metric_alarm.dead_letters').body;
    const errors = moduleBlock(files, 'resource', 'aws_cloudwatch_metric_alarm.function_errors').body;

    expect(dlq).toMatchObject({ namespace: 'AWS/SQS', metric_name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: '${aws_sqs_queue.events_dlq.name}' } });
    expect(errors).toMatchObject({ namespace: 'AWS/Lambda', metric_name: 'Errors', for_each: '${local.functions}' });
  });
});

describe('infra/aws: the event pattern is the catalog\'s', () => {
  it('event-pattern.json equals netdrift catalog --cloud aws --format filter', () => {
    const committed: unknown = JSON.parse(readFileSync(join(MODULE_DIR, 'event-pattern.json'), 'utf8'));

    expect(committed).toStrictEqual(deliveryFilters.aws());
  });

  it('fits EventBridge\'s default pattern size quota (2048 characters, as Terraform\'s jsonencode writes it)', () => {
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html ("Event pattern size").
    const compact = JSON.stringify(JSON.parse(readFileSync(join(MODULE_DIR, 'event-pattern.json'), 'utf8')));

    expect(compact.length).toBeLessThanOrEqual(2048);
  });

  it('every rule of the module uses it, read from that file', () => {
    const rules = blocksOf(files).filter((b) => b.type === 'aws_cloudwatch_event_rule');

    expect(moduleLocals(files).event_pattern).toBe('${jsondecode(file("${path.module}/event-pattern.json"))}');
    expect(rules.length).toBeGreaterThanOrEqual(3);
    expect(rules.map((r) => r.body.event_pattern)).toEqual(rules.map(() => '${jsonencode(local.event_pattern)}'));
  });
});
