import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { DynamoDbStateStore } from '../../../adapters/aws/dynamodb-state-store.js';
import { S3SnapshotStore } from '../../../adapters/aws/s3-snapshot-store.js';
import type { Snapshot } from '../../../core/snapshot.js';
import { createEventsHandler } from '../../../functions/aws/events.js';
import { canonicalJson } from '../../../snapshots/canonical.js';
import { approveCandidate, saveCandidate } from '../../../snapshots/lifecycle.js';
import { baseline, cloudTrail, eventBridge } from '../../cli/aws-events.js';
import { describeWithMoto, MOTO_CREDENTIALS, motoClientConfig } from '../../support/moto.js';

const saved = { ...process.env };
const KEY = 'aws/111122223333.json';

describeWithMoto('events function: operator errors', () => {
  beforeAll(() => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey });
  });
  afterAll(() => { process.env = saved; });

  it('retries a message whose account has a corrupt baseline, logs the fix as an error, and processes it once the baseline is fixed', async () => {
    const bucket = `netdrift-${randomUUID()}`;
    const table = `netdrift-${randomUUID()}`;
    const s3 = new S3Client(motoClientConfig());
    const dynamodb = new DynamoDBClient(motoClientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await DynamoDbStateStore.createTable(dynamodb, table);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: canonicalJson(baseline as Snapshot).replace('"type": "nat"', '"type": "gateway"') }));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const handler = createEventsHandler({
      AWS_REGION: 'eu-west-1', NETDRIFT_AWS_ENDPOINT: motoClientConfig().endpoint, NETDRIFT_LIVE_READS: 'false',
      NETDRIFT_SNAPSHOT_BUCKET: bucket, NETDRIFT_STATE_TABLE: table,
    });
    const body = JSON.stringify(eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' })));
    const event = { Records: [{ messageId: 'm-1', body, eventSource: 'aws:sqs' }] } as unknown as SQSEvent;

    const failed = await handler(event);
    const lines = logged.mock.calls.map((call) => JSON.parse(String(call[0])) as { level: string; message: string; class?: string });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: canonicalJson(baseline as Snapshot) }));
    const retried = await handler(event);

    expect(failed).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(lines.filter((l) => l.message.startsWith('netdrift.misconfigured'))).toEqual([{
      level: 'error',
      message: expect.stringMatching(new RegExp(`^netdrift\\.misconfigured aws/111122223333: s3://${bucket}/${KEY}: .* — fix: correct or restore s3://${bucket}/${KEY} `)),
    }]);
    expect(lines.find((l) => l.message.startsWith('failed SQS message m-1'))?.class).toBe('operator');
    expect(retried).toEqual({ batchItemFailures: [] });
    const findings = await new DynamoDbStateStore({ client: dynamodb, table }).listFindings();
    expect(findings.map((f) => `${f.status} ${f.rule}`).sort()).toEqual(['open route.target-changed', 'resolved netdrift.misconfigured']);
    logged.mockRestore();
    s3.destroy();
    dynamodb.destroy();
  });

  it('with NETDRIFT_APPROVAL_HMAC_KEY, refuses a baseline signed with another key (the message is retried) and uses it with the right one', async () => {
    const bucket = `netdrift-${randomUUID()}`;
    const table = `netdrift-${randomUUID()}`;
    const s3 = new S3Client(motoClientConfig());
    const dynamodb = new DynamoDBClient(motoClientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await DynamoDbStateStore.createTable(dynamodb, table);
    const store = new S3SnapshotStore({ client: s3, bucket });
    await saveCandidate(store, baseline as Snapshot);
    await approveCandidate(store, { cloud: 'aws', account: '111122223333' }, { hmacKey: 'the-approvers-key' });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const environment = {
      AWS_REGION: 'eu-west-1', NETDRIFT_AWS_ENDPOINT: motoClientConfig().endpoint, NETDRIFT_LIVE_READS: 'false',
      NETDRIFT_SNAPSHOT_BUCKET: bucket, NETDRIFT_STATE_TABLE: table,
    };
    const body = JSON.stringify(eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' })));
    const event = { Records: [{ messageId: 'm-1', body, eventSource: 'aws:sqs' }] } as unknown as SQSEvent;

    const refused = await createEventsHandler({ ...environment, NETDRIFT_APPROVAL_HMAC_KEY: 'another-key' })(event);
    const used = await createEventsHandler({ ...environment, NETDRIFT_APPROVAL_HMAC_KEY: 'the-approvers-key' })(event);

    expect(refused).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(logged.mock.calls.map((call) => String(call[0])).filter((l) => l.includes('netdrift.misconfigured'))).toEqual([
      expect.stringContaining(`s3://${bucket}/${KEY}: refused: approval hmac does not match`),
    ]);
    expect(used).toEqual({ batchItemFailures: [] });
    const findings = await new DynamoDbStateStore({ client: dynamodb, table }).listFindings();
    expect(findings.map((f) => `${f.status} ${f.rule} ${f.item}`).sort()).toEqual(['open route.target-changed 0.0.0.0/0', 'resolved netdrift.misconfigured baseline-signature']);
    logged.mockRestore();
    s3.destroy();
    dynamodb.destroy();
  });
});
