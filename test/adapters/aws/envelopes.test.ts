import { describe, expect, it } from 'vitest';
import type { ParsedRecord } from '../../../core/change.js';
import {
  awsAdapters, cloudTrailLogFileAdapter, eventBridgeAdapter, sqsAdapter,
} from '../../../adapters/aws/index.js';
import { changesOf, cloudTrail, load, provenance, setPath, type Doc } from './fixtures.js';

function adapterFor(raw: unknown): string[] {
  return awsAdapters.filter((adapter) => adapter.matches(raw)).map((adapter) => adapter.name);
}

function eventBridgeBody(sqs: Doc, index: number): Doc {
  const records = sqs.Records as Doc[];
  return JSON.parse(String(records[index]?.body)) as Doc;
}

function setBody(sqs: Doc, index: number, body: string): Doc {
  const records = sqs.Records as Doc[];
  (records[index] as Doc).body = body;
  return sqs;
}

describe('picking the adapter', () => {
  it.each([
    ['an EventBridge event', () => load('eventbridge', 'CreateRoute'), 'aws-eventbridge'],
    ['an SQS batch', () => load('sqs', 'batch'), 'aws-sqs'],
    ['a bare CloudTrail record', () => cloudTrail('CreateRoute'), 'aws-cloudtrail-record'],
    ['a CloudTrail log file', () => ({ Records: [cloudTrail('CreateRoute')] }), 'aws-cloudtrail-log-file'],
  ])('%s is matched by exactly one adapter', (_what, make, name) => {
    expect(adapterFor(make())).toStrictEqual([name]);
  });
});

describe('EventBridge events', () => {
  it('yield the changes of their CloudTrail record', () => {
    const event = load('eventbridge', 'CreateRoute');

    const records = eventBridgeAdapter.parse(event);

    expect(records).toStrictEqual([{ status: 'changes', eventId: (event.detail as Doc).eventID, changes: changesOf(event.detail) }]);
  });

  it("take the account from the envelope when the record has no recipientAccountId", () => {
    const event = load('eventbridge', 'CreateRoute');
    setPath(event, 'detail.recipientAccountId', undefined);
    setPath(event, 'account', '444455556666');

    const [record] = eventBridgeAdapter.parse(event);

    expect(record).toMatchObject({ status: 'changes', changes: [{ account: '444455556666' }] });
  });

  it('of another detail-type are ignored as unwatched', () => {
    const event = load('eventbridge', 'CreateRoute');
    setPath(event, 'detail-type', 'EC2 Instance State-change Notification');

    const records = eventBridgeAdapter.parse(event);

    expect(records).toStrictEqual([{
      status: 'ignored', eventId: event.id, reason: 'unwatched',
      detail: 'EventBridge detail-type "EC2 Instance State-change Notification"',
    }]);
  });

  it('with a bad detail are rejected naming the field under detail', () => {
    const event = load('eventbridge', 'CreateRoute');
    setPath(event, 'detail.eventTime', 42);

    const records = eventBridgeAdapter.parse(event);

    expect(records).toStrictEqual([{ status: 'rejected', reason: 'EventBridge event: detail.eventTime: expected string, got 42' }]);
  });

  it('without a detail are rejected', () => {
    const event = load('eventbridge', 'CreateRoute');
    setPath(event, 'detail', undefined);

    const records = eventBridgeAdapter.parse(event);

    expect(records).toStrictEqual([{ status: 'rejected', reason: 'EventBridge event: detail missing' }]);
  });
});

describe('SQS batches', () => {
  it('yield one parsed record per message', () => {
    const batch = load('sqs', 'batch');

    const records = sqsAdapter.parse(batch);

    expect(records).toStrictEqual([0, 1].map((index): ParsedRecord => {
      const detail = eventBridgeBody(batch, index).detail as Doc;
      return { status: 'changes', eventId: String(detail.eventID), changes: changesOf(detail) };
    }));
    expect(records.map((record) => record.status === 'changes' && record.changes[0]?.operation))
      .toStrictEqual(['ec2:CreateRoute', 'ec2:AttachInternetGateway']);
  });

  it('reject a body that is not JSON with its index, and still parse the others', () => {
    const batch = setBody(load('sqs', 'batch'), 0, '{"version":"0","detail-type":');

    const [first, second] = sqsAdapter.parse(batch);

    expect(first).toMatchObject({ status: 'rejected', index: 0 });
    expect(first?.status === 'rejected' && first.reason).toMatch(/^SQS Records\[0\]: body is not JSON \(.+\)$/);
    expect(second).toMatchObject({ status: 'changes', changes: [{ operation: 'ec2:AttachInternetGateway' }] });
  });

  it('reject a JSON body that is not an event', () => {
    const batch = setBody(load('sqs', 'batch'), 1, '42');

    const records = sqsAdapter.parse(batch);

    expect(records[1]).toStrictEqual({ status: 'rejected', index: 1, reason: 'SQS Records[1]: body is not an EventBridge event (got 42)' });
    expect(records[0]).toMatchObject({ status: 'changes' });
  });

  it('reject an event with a bad field, naming the message and the field', () => {
    const batch = load('sqs', 'batch');
    const event = eventBridgeBody(batch, 1);
    setPath(event, 'detail.eventID', undefined);
    setBody(batch, 1, JSON.stringify(event));

    const records = sqsAdapter.parse(batch);

    expect(records[1]).toStrictEqual({ status: 'rejected', index: 1, reason: 'SQS Records[1]: EventBridge event: detail.eventID missing' });
  });

  it('reject a message without a body', () => {
    const batch = load('sqs', 'batch');
    delete ((batch.Records as Doc[])[0] as Doc).body;

    const records = sqsAdapter.parse(batch);

    expect(records[0]).toStrictEqual({ status: 'rejected', index: 0, reason: 'SQS Records[0]: body missing' });
    expect(records).toHaveLength(2);
  });
});

describe('CloudTrail log files', () => {
  it('yield one parsed record per element, rejections with their index', () => {
    const created = cloudTrail('CreateRoute');
    const read = setPath(cloudTrail('CreateRoute'), 'eventName', 'DescribeRouteTables');
    const broken = setPath(cloudTrail('AttachInternetGateway'), 'eventID', undefined);
    const file = { Records: [created, read, broken, 42] };

    const records = cloudTrailLogFileAdapter.parse(file);

    expect(records).toStrictEqual([
      { status: 'changes', eventId: created.eventID, changes: changesOf(created) },
      { status: 'ignored', eventId: read.eventID, reason: 'unwatched', detail: 'ec2:DescribeRouteTables' },
      { status: 'rejected', index: 2, reason: 'CloudTrail log file Records[2]: eventID missing' },
      { status: 'rejected', index: 3, reason: 'CloudTrail log file Records[3]: expected object, got 42' },
    ]);
  });

  it('with no records are one rejection saying so', () => {
    expect(cloudTrailLogFileAdapter.parse({ Records: [] })).toStrictEqual([
      { status: 'rejected', reason: 'CloudTrail log file: Records is empty (no audit record to process)' },
    ]);
  });

  it('keep each record\'s own provenance', () => {
    const route53 = cloudTrail('DeleteHostedZone');

    const [record] = cloudTrailLogFileAdapter.parse({ Records: [route53] });

    expect(record).toMatchObject({ status: 'changes', changes: [provenance(route53, 'global')] });
  });
});
