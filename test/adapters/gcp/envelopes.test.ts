import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsAdapters } from '../../../adapters/aws/index.js';
import {
  eventarcAdapter, gcpAdapters, logEntryAdapter, parseLogEntry, pubsubPullAdapter, pubsubPushAdapter,
} from '../../../adapters/gcp/index.js';
import { corpusAvailable, corpusFiles } from '../../support/corpus.js';
import { FIXTURES, auditLog, base64Json, load, pushWith, setPath, type Doc } from './fixtures.js';

function adaptersFor(raw: unknown): string[] {
  return gcpAdapters.filter((adapter) => adapter.matches(raw)).map((adapter) => adapter.name);
}

const routesInsert = () => parseLogEntry(auditLog('compute.routes.insert'));
const readJson = (path: string): unknown => {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

describe('picking the adapter', () => {
  it.each([
    ['a Pub/Sub push delivery', () => load('pubsub', 'push'), 'gcp-pubsub-push'],
    ['a pulled PubsubMessage', () => load('pubsub', 'pulled-message'), 'gcp-pubsub-pull'],
    ['a ReceivedMessage (ackId, message)', () => load('pubsub', 'received-message'), 'gcp-pubsub-pull'],
    ['a pull response', () => load('pubsub', 'pull-response'), 'gcp-pubsub-pull'],
    ['an Eventarc messagePublished CloudEvent', () => load('eventarc', 'message-published'), 'gcp-eventarc'],
    ['an Eventarc audit log CloudEvent', () => load('eventarc', 'audit-log-written'), 'gcp-eventarc'],
    ['a bare LogEntry', () => auditLog('compute.routes.insert'), 'gcp-audit-log-entry'],
  ])('%s is matched by exactly one adapter', (_what, make, name) => {
    expect(adaptersFor(make())).toStrictEqual([name]);
  });

  it('AWS deliveries (EventBridge, CloudTrail, SQS, log files) match no GCP adapter, nor GCP ones an AWS adapter', () => {
    const aws = ['cloudtrail', 'eventbridge', 'sqs'].flatMap((folder) =>
      readdirSync(join(FIXTURES, '../aws', folder)).map((file) => readJson(join(FIXTURES, '../aws', folder, file))));
    const gcp = ['auditlog', 'pubsub', 'eventarc'].flatMap((folder) =>
      readdirSync(join(FIXTURES, folder)).map((file) => readJson(join(FIXTURES, folder, file))));

    expect(aws.flatMap(adaptersFor)).toStrictEqual([]);
    expect(gcp.flatMap((raw) => awsAdapters.filter((adapter) => adapter.matches(raw)))).toStrictEqual([]);
  });

  it.each([
    ['an Event Grid batch', [{ id: '1', eventType: 'Microsoft.Resources.ResourceWriteSuccess', subject: '/subscriptions/s', data: {}, dataVersion: '', eventTime: '2026-11-26T09:00:00Z' }]],
    ['an Event Grid event', { id: '1', eventType: 'Microsoft.Resources.ResourceWriteSuccess', subject: '/subscriptions/s', data: { operationName: 'x' } }],
    ['an Event Grid CloudEvent', { specversion: '1.0', type: 'Microsoft.Resources.ResourceWriteSuccess', source: '/subscriptions/s', id: '1', data: {} }],
    ['an Activity Log export', { records: [{ time: '2026-11-26T09:00:00Z', operationName: 'MICROSOFT.NETWORK/ROUTETABLES/WRITE', resourceId: '/subscriptions/s' }] }],
    ['an Activity Log event', { operationName: { value: 'Microsoft.Network/routeTables/write' }, eventTimestamp: '2026-11-26T09:00:00Z' }],
  ])('%s matches no GCP adapter', (_what, raw) => {
    expect(adaptersFor(raw)).toStrictEqual([]);
  });

  it.skipIf(!corpusAvailable())('no AWS or Azure corpus sample matches a GCP adapter', () => {
    const samples = [...corpusFiles('aws'), ...corpusFiles('azure')].map(readJson);

    expect(samples.length).toBeGreaterThan(0);
    expect(samples.flatMap(adaptersFor)).toStrictEqual([]);
  });
});

describe('delivery formats', () => {
  it('a push delivery yields the LogEntry it carries', () => {
    expect(pubsubPushAdapter.parse(load('pubsub', 'push'))).toStrictEqual([routesInsert()]);
  });

  it('a push delivery with only the camelCase ids (no message_id, publish_time) is the same', () => {
    const push = load('pubsub', 'push');
    setPath(push, 'message.message_id', undefined);
    setPath(push, 'message.publish_time', undefined);

    expect(pubsubPushAdapter.parse(push)).toStrictEqual([routesInsert()]);
  });

  it('a pulled message, a ReceivedMessage and a pull response yield their LogEntries', () => {
    const pulled = pubsubPullAdapter.parse(load('pubsub', 'pulled-message'));
    const received = pubsubPullAdapter.parse(load('pubsub', 'received-message'));
    const response = pubsubPullAdapter.parse(load('pubsub', 'pull-response'));

    expect(pulled).toStrictEqual([routesInsert()]);
    expect(received).toStrictEqual([routesInsert()]);
    expect(response).toStrictEqual([routesInsert(), parseLogEntry(auditLog('dns.changes.create'))]);
  });

  it('an Eventarc messagePublished CloudEvent yields the LogEntry in data.message', () => {
    expect(eventarcAdapter.parse(load('eventarc', 'message-published'))).toStrictEqual([routesInsert()]);
  });

  it('an Eventarc audit log CloudEvent yields the LogEntry that is its data', () => {
    expect(eventarcAdapter.parse(load('eventarc', 'audit-log-written'))).toStrictEqual([routesInsert()]);
  });

  it('an Eventarc CloudEvent of another Google type is ignored as unwatched', () => {
    const event = setPath(load('eventarc', 'audit-log-written'), 'type', 'google.cloud.storage.object.v1.finalized');

    const records = eventarcAdapter.parse(event);

    expect(records).toStrictEqual([{
      status: 'ignored', eventId: event.id, reason: 'unwatched', detail: 'CloudEvent type google.cloud.storage.object.v1.finalized',
    }]);
  });

  it('the fixtures wrap the audit log fixture byte for byte', () => {
    const data = String((load('pubsub', 'push').message as Doc).data);

    expect(JSON.parse(Buffer.from(data, 'base64').toString('utf8'))).toStrictEqual(auditLog('compute.routes.insert'));
    expect(load('eventarc', 'audit-log-written').data).toStrictEqual(auditLog('compute.routes.insert'));
  });
});

describe('input that can never be parsed is one rejection, with a one-line reason', () => {
  const PUSH = 'Pub/Sub push message 9412733851204377';

  it.each([
    ['invalid base64', '%%%not-base64%%%', `${PUSH}: data is not base64 (got "%%%not-base64%%%")`],
    ['a welcome text, not JSON', Buffer.from('Welcome to the asset feed!\n').toString('base64'),
      `${PUSH}: data is not JSON (got "Welcome to the asset feed!")`],
    ['binary data', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64'),
      `${PUSH}: data is binary (8 bytes), not JSON text`],
    ['a CloudEvents sample payload', base64Json({ specversion: '1.0', type: 'com.example.someevent', id: 'A234-1234-1234', data: { hello: 'world' } }),
      `${PUSH}: LogEntry: not a Cloud Audit Log entry (no protoPayload)`],
    ['a log entry that is not an audit log', base64Json({ insertId: 'x1', logName: 'projects/p/logs/stdout', textPayload: 'started', resource: { type: 'k8s_container' } }),
      `${PUSH}: LogEntry: not a Cloud Audit Log entry (no protoPayload)`],
    ['a JSON string', base64Json('a string'), `${PUSH}: LogEntry: expected an object, got "a string"`],
    ['empty data', '', `${PUSH}: data missing (a message with only attributes)`],
  ])('%s', (_what, data, reason) => {
    const records = pubsubPushAdapter.parse(pushWith(data));

    expect(records).toStrictEqual([{ status: 'rejected', reason }]);
  });

  it('a huge non-JSON message is cut in its reason', () => {
    const records = pubsubPushAdapter.parse(pushWith(Buffer.from('x'.repeat(1_000_000)).toString('base64')));

    expect(records).toStrictEqual([{ status: 'rejected', reason: `${PUSH}: data is not JSON (got "${'x'.repeat(40)}…")` }]);
  });

  it('a push envelope whose message is not an object is rejected', () => {
    expect(pubsubPushAdapter.parse({ message: 'hello', subscription: 's' }))
      .toStrictEqual([{ status: 'rejected', reason: 'Pub/Sub push envelope: message: expected record, got "hello"' }]);
  });

  it('a message whose data is not a string is rejected', () => {
    const push = setPath(load('pubsub', 'push'), 'message.data', 42);

    expect(pubsubPushAdapter.parse(push)).toStrictEqual([{ status: 'rejected', reason: `${PUSH}: data: expected string, got 42` }]);
  });

  it('one bad message of a pull response is rejected with its index; nothing else is lost', () => {
    const response = load('pubsub', 'pull-response');
    setPath(response, 'receivedMessages.0.message.data', 'bm90IGpzb24=');

    const records = pubsubPullAdapter.parse(response);

    expect(records).toStrictEqual([
      { status: 'rejected', index: 0, reason: 'Pub/Sub receivedMessages[0] message 9412733851204377: data is not JSON (got "not json")' },
      parseLogEntry(auditLog('dns.changes.create')),
    ]);
  });

  it('a messagePublished event without data.message is rejected', () => {
    const event = setPath(load('eventarc', 'message-published'), 'data', { subscription: 's' });

    expect(eventarcAdapter.parse(event)).toStrictEqual([{
      status: 'rejected', reason: 'Eventarc google.cloud.pubsub.topic.v1.messagePublished event 9412733851204377: data.message missing',
    }]);
  });

  it.each([
    ['methodName of the wrong type', (e: Doc) => setPath(e, 'protoPayload.methodName', 42),
      'LogEntry: protoPayload.methodName: expected string, got 42'],
    ['no insertId', (e: Doc) => setPath(e, 'insertId', undefined), 'LogEntry: insertId missing'],
    ['a huge insertId', (e: Doc) => setPath(e, 'insertId', 'i'.repeat(100_000)), 'LogEntry: insertId: too long (100000 characters, at most 512)'],
    ['another payload type', (e: Doc) => setPath(e, 'protoPayload.@type', 'type.googleapis.com/google.cloud.audit.Other'),
      'LogEntry: protoPayload.@type: expected "type.googleapis.com/google.cloud.audit.AuditLog", got "type.googleapis.com/google.cloud.audit.O…"'],
    ['a request that is not an object', (e: Doc) => setPath(e, 'protoPayload.request', 'insert'),
      'LogEntry: protoPayload.request: expected record, got "insert"'],
    ['a zeroed timestamp', (e: Doc) => setPath(e, 'timestamp', '0000-00-00T00:00:00.000Z'),
      'LogEntry: timestamp: expected an ISO 8601 date-time, got "0000-00-00T00:00:00.000Z"'],
    ['an entry re-rendered by a SIEM', (e: Doc) => {
      const payload = e.protoPayload as Doc;
      payload.at_sign_type = payload['@type'];
      delete payload['@type'];
      return e;
    }, 'LogEntry: protoPayload.@type missing (found "at_sign_type": a re-rendered entry, not Cloud Logging\'s LogEntry JSON)'],
  ])('a LogEntry with %s is rejected', (_what, change, reason) => {
    const records = logEntryAdapter.parse(change(auditLog('compute.routes.insert')));

    expect(records).toStrictEqual([{ status: 'rejected', reason }]);
  });

  it('a huge unwatched method name is cut in its detail', () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'protoPayload.methodName', `v1.compute.${'x'.repeat(1_000_000)}`);

    const [record] = logEntryAdapter.parse(entry);

    expect(record).toStrictEqual({ status: 'ignored', eventId: entry.insertId, reason: 'unwatched', detail: `compute.${'x'.repeat(112)}…` });
  });

  it('every reason is one line of at most ~300 characters', () => {
    const bad = [pushWith('\n\n'), pushWith(base64Json({ protoPayload: { methodName: 'v1.compute.routes.insert\n' } }))];

    const reasons = bad.flatMap((raw) => pubsubPushAdapter.parse(raw)).map((record) => (record.status === 'rejected' ? record.reason : ''));

    expect(reasons.every((reason) => reason !== '' && !reason.includes('\n') && reason.length <= 301)).toBe(true);
  });
});
