import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStackResourcesCommand, type Parameter,
} from '@aws-sdk/client-cloudformation';
import {
  CreateEventBusCommand, DeleteEventBusCommand, DeleteRuleCommand, DescribeRuleCommand, EventBridgeClient,
  ListTargetsByRuleCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliveryFilters } from '../../../adapters/index.js';
import { MOTO_ACCOUNT, describeWithMoto, motoClientConfig } from '../../support/moto.js';
import { loadFixture } from '../../support/fixtures.js';
import { iamActionProblems } from './iam-actions.js';
import { getRole, getRolePolicy } from './moto-iam.js';
import { SPOKE_TEMPLATE_PATH, cfnLint, readerActions, spokeTemplate } from './spoke-template.js';
import { REPO_ROOT } from './terraform-files.js';

const { text, doc } = spokeTemplate();
const HOME = 'eu-west-1';

// The two slow checks (seconds each) start at once and run while the moto suite does.
const generatorCheck = existsSync(join(REPO_ROOT, 'dist/cli/netdrift.js'))
  ? new Promise<string>((resolve) => {
    execFile(process.execPath, ['infra/aws/generate.mjs', '--check'], { cwd: REPO_ROOT, encoding: 'utf8' }, (error, _out, stderr) => resolve(error ? stderr || String(error) : 'up to date'));
  })
  : undefined;
const lint = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'netdrift-spoke-'));
  const broken = join(dir, 'misspelled.yaml');
  writeFileSync(broken, text.replace('MaxSessionDuration: 3600', 'MaxSessionDuraton: 3600'));
  return { broken, result: cfnLint([SPOKE_TEMPLATE_PATH, broken]) };
})();

describe('spoke template: what it says', () => {
  it('forwards exactly the catalog\'s pattern', () => {
    const rule = doc.Resources.ForwardRule;

    expect(rule?.Properties.EventPattern).toStrictEqual(deliveryFilters.aws());
  });

  it('grants the reader role exactly the calls the readers make, each spelled out', () => {
    const { actions, problems } = iamActionProblems(doc, 'netdrift-spoke.yaml');
    const reader = iamActionProblems(doc.Resources.ReaderRole?.Properties.Policies, 'ReaderRole');

    expect(problems).toEqual([]);
    expect(actions.length).toBeGreaterThan(15);
    expect(reader.actions.sort()).toEqual(readerActions());
  });

  it('is trusted only by the hub function roles, with the external id when one is given', () => {
    const trust = doc.Resources.ReaderRole?.Properties.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] };

    expect(trust.Statement).toEqual([{
      Effect: 'Allow', Principal: { AWS: { Ref: 'HubFunctionRoleArns' } }, Action: 'sts:AssumeRole',
      Condition: { 'Fn::If': ['HasExternalId', { StringEquals: { 'sts:ExternalId': { Ref: 'ReaderExternalId' } } }, { Ref: 'AWS::NoValue' }] },
    }]);
    expect(doc.Parameters.ReaderRoleName?.Default).toBe('netdrift-reader');
  });
});

describeWithMoto('spoke template: created on moto CloudFormation', () => {
  const run = randomUUID().slice(0, 8);
  const hubBusName = `netdrift-hub-${run}`;
  const hubBusArn = `arn:aws:events:${HOME}:${MOTO_ACCOUNT}:event-bus/${hubBusName}`;
  const readerName = `netdrift-reader-${run}`;
  const functionRoles = ['events', 'refresh', 'reconcile'].map((f) => `arn:aws:iam::${MOTO_ACCOUNT}:role/netdrift-${f}-${run}`);
  const stacks: { region: string; name: string }[] = [];
  let queueUrl = '';

  const cfn = (region: string) => new CloudFormationClient(motoClientConfig(region));
  const events = (region: string) => new EventBridgeClient(motoClientConfig(region));
  const sqs = new SQSClient(motoClientConfig(HOME));

  async function createSpoke(region: string, overrides: Record<string, string> = {}) {
    const name = `netdrift-spoke-${run}-${region}-${stacks.length}`;
    const parameters: Record<string, string> = {
      HubEventBusArn: hubBusArn, HubFunctionRoleArns: functionRoles.join(','), ReaderRoleName: readerName,
      ReaderExternalId: 'netdrift-ext-1', ReaderRoleRegion: HOME, ...overrides,
    };
    await cfn(region).send(new CreateStackCommand({
      StackName: name, TemplateBody: text, Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]): Parameter => ({ ParameterKey, ParameterValue })),
    }));
    stacks.push({ region, name });
    const described = await cfn(region).send(new DescribeStackResourcesCommand({ StackName: name }));
    // moto lists a resource whose condition is false as an entry with no fields: not created.
    return new Map((described.StackResources ?? []).filter((r) => r.LogicalResourceId).map((r) => [r.LogicalResourceId, r]));
  }

  beforeAll(async () => {
    // The hub side, as the module makes it: its bus, a rule with the catalog's pattern, the queue.
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: `netdrift-hub-${run}` }));
    queueUrl = queue.QueueUrl ?? '';
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    await events(HOME).send(new CreateEventBusCommand({ Name: hubBusName }));
    await events(HOME).send(new PutRuleCommand({ Name: 'hub', EventBusName: hubBusName, EventPattern: JSON.stringify(deliveryFilters.aws()) }));
    await events(HOME).send(new PutTargetsCommand({ Rule: 'hub', EventBusName: hubBusName, Targets: [{ Id: 'queue', Arn: queueArn }] }));
  });

  afterAll(async () => {
    for (const stack of stacks.reverse()) await cfn(stack.region).send(new DeleteStackCommand({ StackName: stack.name }));
    await events(HOME).send(new RemoveTargetsCommand({ Rule: 'hub', EventBusName: hubBusName, Ids: ['queue'] }));
    await events(HOME).send(new DeleteRuleCommand({ Name: 'hub', EventBusName: hubBusName }));
    await events(HOME).send(new DeleteEventBusCommand({ Name: hubBusName }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  });

  it('in the home region: the forwarding rule with the catalog\'s pattern, and the reader role with its trust and actions', async () => {
    const endpoint = inject('motoEndpoint') ?? '';

    const resources = await createSpoke(HOME);

    expect([...resources.keys()].sort()).toEqual(['ForwardRule', 'ForwarderRole', 'ReaderRole']);
    const ruleName = resources.get('ForwardRule')?.PhysicalResourceId ?? '';
    const rule = await events(HOME).send(new DescribeRuleCommand({ Name: ruleName }));
    expect(JSON.parse(rule.EventPattern ?? 'null')).toStrictEqual(deliveryFilters.aws());
    const targets = await events(HOME).send(new ListTargetsByRuleCommand({ Rule: ruleName }));
    expect(targets.Targets).toMatchObject([{ Id: 'netdrift-hub', Arn: hubBusArn, RoleArn: expect.stringContaining(':role/') }]);
    const reader = await getRole(endpoint, readerName);
    expect(reader.trustPolicy).toMatchObject({
      Statement: [{ Effect: 'Allow', Principal: { AWS: functionRoles }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'netdrift-ext-1' } } }],
    });
    const policy = await getRolePolicy(endpoint, readerName, 'netdrift-read') as { Statement: { Action: string[]; Effect: string }[] };
    expect(policy.Statement.map((s) => [s.Effect, [...s.Action].sort()])).toEqual([['Allow', readerActions()]]);
  });

  it('in us-east-1 (as the StackSet deploys it): only the forwarding rule, and a Route 53 change reaches the hub queue', async () => {
    const record = loadFixture('aws', 'cloudtrail', 'ChangeResourceRecordSets');

    const resources = await createSpoke('us-east-1');
    await events('us-east-1').send(new PutEventsCommand({
      Entries: [{ Source: 'aws.route53', DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(record), Resources: [`netdrift-spoke-${run}`] }],
    }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));

    expect([...resources.keys()].sort()).toEqual(['ForwardRule', 'ForwarderRole']);
    const bodies = (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as { detail?: { eventID?: string } });
    expect(bodies.map((b) => b.detail?.eventID)).toEqual([record.eventID]);
  });

  it('in the hub account (ForwardEvents=false): only the reader role', async () => {
    const resources = await createSpoke(HOME, { ForwardEvents: 'false', ReaderRoleName: `${readerName}-hub`, ReaderExternalId: '' });
    const reader = await getRole(inject('motoEndpoint') ?? '', `${readerName}-hub`);

    expect([...resources.keys()]).toEqual(['ReaderRole']);
    expect(reader.trustPolicy).toEqual({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: functionRoles }, Action: 'sts:AssumeRole' }],
    });
  });
});

describe('spoke template: generated and linted', () => {
  it.runIf(generatorCheck !== undefined)('is what generate.mjs writes from the built catalog (--check)', async () => {
    expect(await generatorCheck).toBe('up to date');
  });

  it('passes cfn-lint, and a misspelled property in a copy of it does not', async () => {
    const result = await lint.result;
    if (!result) {
      console.warn('skipping cfn-lint: not installed');
      return;
    }
    const lines = result.report.trim().split('\n').filter(Boolean);

    expect(lines.filter((line) => line.startsWith(SPOKE_TEMPLATE_PATH))).toEqual([]);
    expect(lines.some((line) => line.startsWith(lint.broken) && line.includes('MaxSessionDuraton'))).toBe(true);
  });
});
