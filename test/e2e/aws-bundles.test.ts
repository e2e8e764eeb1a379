import {
  AllocateAddressCommand, AssociateRouteTableCommand, AttachInternetGatewayCommand, CreateInternetGatewayCommand,
  CreateNatGatewayCommand, CreateRouteCommand, CreateRouteTableCommand, CreateSubnetCommand, CreateVpcCommand,
  CreateVpcEndpointCommand, DeleteRouteCommand, DeleteVpcEndpointsCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../adapters/aws/dynamodb-state-store.js';
import { S3SnapshotStore } from '../../adapters/aws/s3-snapshot-store.js';
import { approveCandidate } from '../../snapshots/lifecycle.js';
import { bundlePath, LambdaContainer } from '../support/lambda-container.js';
import { describeWithMoto, MOTO_CREDENTIALS, motoClientConfig } from '../support/moto.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';
import { cloudTrailRecord, E2E_ACCOUNT, eventBridgeEvent } from './aws-cloudtrail.js';

/**
 * DESIGN.md's deployed path end to end on moto, through the BUILT bundles (dist/aws/<fn>/index.mjs),
 * each in its own fresh Node process invoked as the Lambda runtime does: real AWS SDK clients build a
 * network, the refresh function captures it, a person approves, changes are made in moto and their
 * CloudTrail events fed to the events function (twice each, directly and through SQS), and the local
 * Slack and PagerDuty receivers get exactly one alert per finding; a revert resolves; a reconcile
 * finds a silent change.
 */
const ROUTING_KEY = 'R0E2EROUTINGKEY0000000000000000';
const ids = { vpc: '', privateSubnet: '', publicSubnet: '', privateTable: '', publicTable: '', nat: '', endpoint: '', zone: '' };
let slack: Receiver;
let pagerduty: Receiver;
let environment: Record<string, string>;
const containers: LambdaContainer[] = [];

async function container(name: 'events' | 'refresh' | 'reconcile'): Promise<LambdaContainer> {
  const started = await LambdaContainer.start({ bundle: bundlePath('aws', name), functionName: `netdrift-${name}`, environment });
  containers.push(started);
  return started;
}

const pdEvents = () => pagerduty.requests.map((r) => r.body as { event_action: string; dedup_key: string; payload?: { class: string; severity: string } });
const slackTexts = () => slack.requests.map((r) => (r.body as { text: string }).text);

/** Invokes `invoke` a second apart (a fresh slot of Slack's limit each time) until `done`, at most 5 times. */
async function deliveredBy(invoke: () => Promise<unknown>, done: () => boolean): Promise<void> {
  for (let i = 0; i < 5 && !done(); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await invoke();
  }
}

describeWithMoto('AWS deployed path on moto', () => {
  beforeAll(async () => {
    const config = motoClientConfig('eu-west-1');
    const ec2 = new EC2Client(config);
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }));
    ids.vpc = vpc.Vpc?.VpcId ?? '';
    ids.privateSubnet = (await ec2.send(new CreateSubnetCommand({ VpcId: ids.vpc, CidrBlock: '10.77.1.0/24' }))).Subnet?.SubnetId ?? '';
    ids.publicSubnet = (await ec2.send(new CreateSubnetCommand({ VpcId: ids.vpc, CidrBlock: '10.77.2.0/24' }))).Subnet?.SubnetId ?? '';
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId ?? '';
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: ids.vpc }));
    ids.publicTable = (await ec2.send(new CreateRouteTableCommand({ VpcId: ids.vpc }))).RouteTable?.RouteTableId ?? '';
    await ec2.send(new CreateRouteCommand({ RouteTableId: ids.publicTable, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
    await ec2.send(new AssociateRouteTableCommand({ RouteTableId: ids.publicTable, SubnetId: ids.publicSubnet }));
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    ids.nat = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: ids.publicSubnet, AllocationId: eip.AllocationId }))).NatGateway?.NatGatewayId ?? '';
    ids.privateTable = (await ec2.send(new CreateRouteTableCommand({ VpcId: ids.vpc }))).RouteTable?.RouteTableId ?? '';
    await ec2.send(new AssociateRouteTableCommand({ RouteTableId: ids.privateTable, SubnetId: ids.privateSubnet }));
    await ec2.send(new CreateVpcEndpointCommand({ VpcId: ids.vpc, ServiceName: 'com.amazonaws.eu-west-1.s3', VpcEndpointType: 'Gateway', RouteTableIds: [ids.privateTable] }));
    ids.endpoint = (await ec2.send(new CreateVpcEndpointCommand({
      VpcId: ids.vpc, ServiceName: 'com.amazonaws.eu-west-1.ssm', VpcEndpointType: 'Interface', SubnetIds: [ids.privateSubnet], PrivateDnsEnabled: true,
    }))).VpcEndpoint?.VpcEndpointId ?? '';
    const route53 = new Route53Client(motoClientConfig('us-east-1'));
    const zone = await route53.send(new CreateHostedZoneCommand({
      Name: 'internal.e2e.example', CallerReference: `e2e-${Date.now()}`, HostedZoneConfig: { PrivateZone: true, Comment: 'e2e' },
      VPC: { VPCId: ids.vpc, VPCRegion: 'eu-west-1' },
    }));
    ids.zone = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: ids.zone,
      ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'db.internal.e2e.example.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '10.77.1.10' }] } }] },
    }));

    await new S3Client(config).send(new CreateBucketCommand({ Bucket: 'netdrift-e2e-snapshots', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await DynamoDbStateStore.createTable(new DynamoDBClient(config), 'netdrift-e2e-state');
    slack = await startSlackReceiver();
    pagerduty = await startPagerDutyReceiver();
    const secret = await new SecretsManagerClient(config).send(new CreateSecretCommand({ Name: 'netdrift/e2e/slack', SecretString: `${slack.url}/services/T0E2E/B0E2E/e2eSecretToken` }));
    environment = {
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: MOTO_CREDENTIALS.sessionToken,
      AWS_REGION: 'eu-west-1', NETDRIFT_AWS_ENDPOINT: config.endpoint, NETDRIFT_REGIONS: 'eu-west-1',
      NETDRIFT_SNAPSHOT_BUCKET: 'netdrift-e2e-snapshots', NETDRIFT_STATE_TABLE: 'netdrift-e2e-state',
      NETDRIFT_SLACK_WEBHOOK_URL: secret.ARN ?? '', NETDRIFT_PAGERDUTY_ROUTING_KEY: ROUTING_KEY, NETDRIFT_PAGERDUTY_URL: `${pagerduty.url}/v2/enqueue`,
    };
  });

  afterAll(async () => {
    await slack?.close();
    await pagerduty?.close();
    await Promise.all(containers.map((c) => c.stop()));
  });

  it('captures, approves, alerts once per finding despite redelivery, resolves a revert, and reconciles a silent change', async () => {
    const config = motoClientConfig('eu-west-1');
    const ec2 = new EC2Client(config);

    // Onboarding: capture → candidate → a person approves.
    const [events, refresh, reconcile] = await Promise.all([container('events'), container('refresh'), container('reconcile')]);
    const refreshed = await refresh.call<{ failures: unknown[]; resources: number }>({});
    expect(refreshed.failures).toEqual([]);
    const store = new S3SnapshotStore({ client: new S3Client(config), bucket: 'netdrift-e2e-snapshots' });
    await approveCandidate(store, { cloud: 'aws', account: E2E_ACCOUNT }, { approvedBy: 'e2e' });

    // Drift, made for real in moto.
    await ec2.send(new CreateRouteCommand({ RouteTableId: ids.privateTable, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: ids.nat }));
    await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [ids.endpoint] }));
    await new Route53Client(motoClientConfig('us-east-1')).send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: ids.zone,
      ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'db.internal.e2e.example.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '203.0.113.99' }] } }] },
    }));
    const createRoute = eventBridgeEvent(cloudTrailRecord('ec2.amazonaws.com', 'CreateRoute', { routeTableId: ids.privateTable, destinationCidrBlock: '0.0.0.0/0', natGatewayId: ids.nat }, { _return: true }));
    const deleteEndpoint = eventBridgeEvent(cloudTrailRecord('ec2.amazonaws.com', 'DeleteVpcEndpoints',
      { DeleteVpcEndpointsRequest: { VpcEndpointId: { tag: 1, content: ids.endpoint } } }, { DeleteVpcEndpointsResponse: { unsuccessful: '' } }));
    const upsertRecord = eventBridgeEvent(cloudTrailRecord('route53.amazonaws.com', 'ChangeResourceRecordSets', {
      hostedZoneId: ids.zone,
      changeBatch: { changes: [{ action: 'UPSERT', resourceRecordSet: { name: 'db.internal.e2e.example.', type: 'A', tTL: 300, resourceRecords: [{ value: '203.0.113.99' }] } }] },
    }, { changeInfo: { id: '/change/C0E2E', status: 'PENDING', submittedAt: 'Nov 26, 2026 12:00:03 PM' } }));

    // EventBridge → Lambda, each event delivered twice.
    for (const event of [createRoute, createRoute, deleteEndpoint, deleteEndpoint]) await events.call(event);
    // EventBridge → SQS → Lambda, delivered twice through a real queue.
    const sqs = new SQSClient(config);
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'netdrift-e2e-events' }));
    for (let i = 0; i < 2; i += 1) await sqs.send(new SendMessageCommand({ QueueUrl: queue.QueueUrl, MessageBody: JSON.stringify(upsertRecord) }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10 }));
    const sqsEvent: SQSEvent = {
      Records: (received.Messages ?? []).map((m) => ({
        messageId: m.MessageId ?? '', receiptHandle: m.ReceiptHandle ?? '', body: m.Body ?? '', attributes: {} as never, messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '', eventSource: 'aws:sqs', eventSourceARN: `arn:aws:sqs:eu-west-1:${E2E_ACCOUNT}:netdrift-e2e-events`, awsRegion: 'eu-west-1',
      })),
    };
    expect(sqsEvent.Records).toHaveLength(2);
    expect(await events.call(sqsEvent)).toEqual({ batchItemFailures: [] });

    expect(pdEvents().map((e) => [e.event_action, e.payload?.class, e.payload?.severity]).sort()).toEqual([
      ['trigger', 'dns-record.changed', 'error'], ['trigger', 'private-endpoint.deleted', 'error'], ['trigger', 'route.default-added', 'critical'],
    ]);
    expect(new Set(pdEvents().map((e) => e.dedup_key)).size).toBe(3);
    // Slack takes one message a second, shared by every container through the state table, and no
    // invocation waits for it: what its limit held back goes with a later invocation — here the drain
    // that infra/aws schedules every minute ({"netdrift": "drain"}).
    const drain = { netdrift: 'drain' };
    await deliveredBy(() => events.call(drain), () => slackTexts().length >= 3);
    expect(slackTexts()).toHaveLength(3);
    expect(slackTexts().every((t) => !t.includes('e2eSecretToken'))).toBe(true);

    // The route is put back: PagerDuty gets the resolve for the same dedup key.
    const routeKey = pdEvents().find((e) => e.payload?.class === 'route.default-added')?.dedup_key;
    await ec2.send(new DeleteRouteCommand({ RouteTableId: ids.privateTable, DestinationCidrBlock: '0.0.0.0/0' }));
    await events.call(eventBridgeEvent(cloudTrailRecord('ec2.amazonaws.com', 'DeleteRoute', { routeTableId: ids.privateTable, destinationCidrBlock: '0.0.0.0/0' }, { _return: true })));
    expect(pdEvents().slice(3)).toEqual([{ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: routeKey }]);
    await deliveredBy(() => events.call(drain), () => slackTexts().length >= 4);
    expect(slackTexts()).toHaveLength(4);

    // A change no event reports: the reconcile finds it.
    await ec2.send(new CreateRouteCommand({ RouteTableId: ids.publicTable, DestinationCidrBlock: '10.99.0.0/16', NatGatewayId: ids.nat }));
    const reconciled = await reconcile.call({});
    expect(reconciled).toMatchObject({ compared: true, opened: 1, resolved: 0, failures: [] });
    expect(pdEvents().slice(4).map((e) => [e.event_action, e.payload?.class])).toEqual([['trigger', 'route.added']]);
  });
});
