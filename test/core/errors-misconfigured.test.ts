import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../adapters/aws/dynamodb-state-store.js';
import { S3SnapshotStore } from '../../adapters/aws/s3-snapshot-store.js';
import { allAdapters } from '../../adapters/index.js';
import type { Finding } from '../../core/finding.js';
import { Pipeline, type RecordOutcome } from '../../core/pipeline.js';
import type { StateStore } from '../../core/ports.js';
import { canonicalJson } from '../../snapshots/canonical.js';
import { baseline, cloudTrail, eventBridge } from '../cli/aws-events.js';
import { describeWithMoto, motoClientConfig } from '../support/moto.js';
import { pipelineWith } from '../support/pipeline-harness.js';

const SCOPE = { cloud: 'aws', account: '111122223333' } as const;
const toIgw = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }));
const rules = (findings: readonly Finding[]) => findings.map((f) => `${f.status} ${f.rule}${f.rule === 'netdrift.misconfigured' ? ` ${f.item}` : ''}`);
const only = (records: RecordOutcome[]): RecordOutcome => {
  expect(records).toHaveLength(1);
  return records[0] as RecordOutcome;
};

let harness: Awaited<ReturnType<typeof pipelineWith>> | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

/** A pipeline on a folder whose baseline file holds `text`, with the operator lines it logs. */
async function withBaselineFile(text: string) {
  const errors: string[] = [];
  harness = await pipelineWith([], { adapters: allAdapters, error: (line) => errors.push(line) });
  const path = harness.snapshots.pathOf(SCOPE, 'baseline');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return { harness, errors, path };
}

/** Prepare → a broken baseline; act → two events, the fix, the first event again; assess what a user sees at each step. */
async function expectRetriedUntilFixed(text: string, cause: string, message: RegExp) {
  const { harness: h, errors, path } = await withBaselineFile(text);
  const event = toIgw();

  const failed = only((await h.pipeline.handle(event)).records);
  const second = only((await h.pipeline.handle(toIgw())).records);

  expect(failed).toMatchObject({ status: 'failed', retryable: true, class: 'operator' });
  expect(failed.reason).toMatch(message);
  expect(rules(failed.opened)).toEqual([`open netdrift.misconfigured ${cause}`]);
  expect(failed.opened[0]).toMatchObject({ severity: 'critical', observed: { cause, location: path } });
  expect(second).toMatchObject({ status: 'failed', retryable: true, class: 'operator', opened: [] });
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(`netdrift.misconfigured aws/111122223333: ${path}`);
  expect(errors[0]).toMatch(/ — fix: .+; its events are retried until then$/);
  expect(rules(await h.state.listFindings({ status: 'open' }))).toEqual([`open netdrift.misconfigured ${cause}`]);
  expect((await h.state.pendingOutbox()).map((e) => `${e.sink} ${e.finding.rule}`)).toEqual(['console netdrift.misconfigured']);

  await writeFile(path, canonicalJson(baseline as never));
  const retried = only((await h.pipeline.handle(event)).records);

  expect(retried.status).toBe('applied');
  expect(rules(retried.opened)).toEqual(['open route.target-changed']);
  expect(rules(retried.resolved)).toEqual([`resolved netdrift.misconfigured ${cause}`]);
  expect(rules(await h.state.listFindings({ status: 'open' }))).toEqual(['open route.target-changed']);
  expect((await h.state.pendingOutbox()).map((e) => `${e.finding.status} ${e.finding.rule}`)).toEqual([
    'open netdrift.misconfigured', 'open route.target-changed', 'resolved netdrift.misconfigured',
  ]);
}

describe('operator errors: an invalid stored baseline', () => {
  it('a corrupt baseline fails its events for a retry, logs the fix once, opens one finding, and resolves it after the fix', async () => {
    const corrupt = canonicalJson(baseline as never).replace('"type": "nat"', '"type": "gateway"');

    await expectRetriedUntilFixed(corrupt, 'baseline-invalid', /target\.type: invalid option "gateway"/);
  });

  it('a baseline whose scope is another account is refused, naming its file, until it is put right', async () => {
    const other = canonicalJson({ ...baseline, scope: { cloud: 'aws', account: '444455556666' } } as never);

    await expectRetriedUntilFixed(other, 'baseline-scope', /scope is aws\/444455556666, but the file is kept for aws\/111122223333/);
  });

  it('an account with no baseline at all is not an error: one warning, no finding', async () => {
    const errors: string[] = [];
    harness = await pipelineWith([], { adapters: allAdapters, error: (line) => errors.push(line) });

    const outcomes = [only((await harness.pipeline.handle(toIgw())).records), only((await harness.pipeline.handle(toIgw())).records)];

    expect(outcomes.map((o) => o.status)).toEqual(['no-baseline', 'no-baseline']);
    expect(harness.warnings).toEqual(['no approved baseline for aws/111122223333: its events yield no findings until one is approved '
      + '(netdrift snapshot capture --cloud aws --account 111122223333 --regions REGION,..., then netdrift snapshot approve --cloud aws --account 111122223333)']);
    expect(errors).toEqual([]);
    expect(await harness.state.listFindings()).toEqual([]);
  });

  it('a bug fails the record for a retry with its stack logged', async () => {
    const errors: string[] = [];
    harness = await pipelineWith([baseline as never], { adapters: allAdapters, error: (line) => errors.push(line) });
    const state = harness.state;
    const broken = new Proxy(state, {
      get: (target, property, receiver) => (property === 'getObserved'
        ? () => Promise.reject(new TypeError('Cannot read properties of undefined (reading \'routes\')'))
        : Reflect.get(target, property, receiver) as unknown),
    });
    const pipeline = new Pipeline({ adapters: allAdapters, snapshots: harness.snapshots, state: broken, route: () => ['console'], error: (line) => errors.push(line) });

    const outcome = only((await pipeline.handle(toIgw())).records);

    expect(outcome).toMatchObject({ status: 'failed', retryable: true, class: 'bug', reason: 'Cannot read properties of undefined (reading \'routes\')' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^bug while processing event .+: TypeError: Cannot read properties of undefined \(reading 'routes'\)\n\s+at /);
    expect(await state.listFindings()).toEqual([]);
  });
});

describeWithMoto('operator errors: a missing DynamoDB table (moto)', () => {
  it('fails every event for a retry with one line naming the table, and records the finding, resolved, once the table exists', async () => {
    const table = `netdrift-missing-${randomUUID()}`;
    const client = new DynamoDBClient(motoClientConfig());
    const errors: string[] = [];
    harness = await pipelineWith([baseline as never]);
    const state: StateStore = new DynamoDbStateStore({ client, table });
    const pipeline = new Pipeline({ adapters: allAdapters, snapshots: harness.snapshots, state, route: () => ['console'], error: (line) => errors.push(line) });
    const event = toIgw();

    const failed = [only((await pipeline.handle(event)).records), only((await pipeline.handle(toIgw())).records)];

    expect(failed.map((r) => [r.status, r.retryable, r.class])).toEqual([['failed', true, 'operator'], ['failed', true, 'operator']]);
    expect(failed[0]?.reason).toMatch(new RegExp(`DynamoDB table ${table}\\): ResourceNotFoundException`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`fix: create the DynamoDB table ${table} or set NETDRIFT_STATE_TABLE`);
    expect(errors[0]).toContain('recorded once the state store answers');

    await DynamoDbStateStore.createTable(client, table);
    const retried = only((await pipeline.handle(event)).records);

    expect(retried.status).toBe('applied');
    expect(rules(retried.opened)).toEqual(['open route.target-changed']);
    expect(rules(retried.resolved)).toEqual(['resolved netdrift.misconfigured store-missing']);
    expect(errors).toHaveLength(1);
    expect(rules(await state.listFindings({ status: 'resolved' }))).toEqual(['resolved netdrift.misconfigured store-missing']);
    expect((await state.listOutbox()).map((e) => `${e.finding.status} ${e.finding.rule}`).sort()).toEqual([
      'open netdrift.misconfigured', 'open route.target-changed', 'resolved netdrift.misconfigured',
    ]);
    client.destroy();
  });

  it('a baseline object of another account on S3 opens one finding in DynamoDB naming the object, resolved once it is put right', async () => {
    const table = `netdrift-${randomUUID()}`;
    const bucket = `netdrift-${randomUUID()}`;
    const dynamodb = new DynamoDBClient(motoClientConfig());
    const s3 = new S3Client(motoClientConfig());
    await DynamoDbStateStore.createTable(dynamodb, table);
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    const key = 'aws/111122223333.json';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: canonicalJson({ ...baseline, scope: { cloud: 'aws', account: '444455556666' } } as never) }));
    const state = new DynamoDbStateStore({ client: dynamodb, table });
    const errors: string[] = [];
    const pipeline = new Pipeline({ adapters: allAdapters, snapshots: new S3SnapshotStore({ client: s3, bucket }), state, route: () => ['slack'], error: (line) => errors.push(line) });
    const event = toIgw();

    const failed = only((await pipeline.handle(event)).records);

    expect(failed).toMatchObject({ status: 'failed', retryable: true, class: 'operator' });
    expect(errors).toEqual([expect.stringContaining(`s3://${bucket}/${key}: scope is aws/444455556666`)]);
    expect((await state.listFindings({ status: 'open' })).map((f) => [f.rule, f.item, (f.observed as { location: string }).location]))
      .toEqual([['netdrift.misconfigured', 'baseline-scope', `s3://${bucket}/${key}`]]);

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: canonicalJson(baseline as never) }));
    const retried = only((await pipeline.handle(event)).records);

    expect(retried.status).toBe('applied');
    expect(rules(retried.resolved)).toEqual(['resolved netdrift.misconfigured baseline-scope']);
    expect(rules(await state.listFindings({ status: 'open' }))).toEqual(['open route.target-changed']);
    dynamodb.destroy();
    s3.destroy();
  });
});
