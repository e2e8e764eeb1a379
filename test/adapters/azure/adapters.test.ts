import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsAdapters } from '../../../adapters/aws/index.js';
import { azureAdapters } from '../../../adapters/azure/index.js';
import { corpusAvailable, corpusFiles } from '../../support/corpus.js';
import { FIXTURES, eventGrid, load } from './fixtures.js';

function azureAdapterFor(raw: unknown): string[] {
  return azureAdapters.filter((adapter) => adapter.matches(raw)).map((adapter) => adapter.name);
}

function awsFixture(folder: string, name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, '../aws', folder, `${name}.json`), 'utf8'));
}

const logEntry = {
  protoPayload: {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', serviceName: 'compute.googleapis.com',
    methodName: 'v1.compute.routes.insert', resourceName: 'projects/p/global/routes/r1',
  },
  insertId: 'abc123', resource: { type: 'gce_route', labels: { project_id: 'p' } },
  timestamp: '2026-11-26T10:00:00Z', logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity',
  operation: { id: 'operation-1', producer: 'compute.googleapis.com', first: true },
};

describe('picking the Azure adapter', () => {
  it.each([
    ['an Event Grid event', () => eventGrid('Microsoft.Network/routeTables/write'), 'azure-event-grid'],
    ['an Event Grid array', () => load('delivery', 'batch'), 'azure-event-grid'],
    ['a validation handshake', () => load('delivery', 'subscription-validation'), 'azure-event-grid'],
    ['a CloudEvent', () => load('cloudevents', 'routeTables-routes-write'), 'azure-event-grid'],
    ['a CloudEvents batch', () => load('cloudevents', 'batch'), 'azure-event-grid'],
    ['an Event Grid array whose first element is bad', () => [42, eventGrid('Microsoft.Network/routeTables/write')], 'azure-event-grid'],
    ['a diagnostic settings export', () => load('activitylog', 'diagnostic-records'), 'azure-activity-log'],
    ['an array of REST Activity Log events', () => [load('activitylog', 'rest-event')], 'azure-activity-log'],
    ['a REST Activity Log event', () => load('activitylog', 'rest-event'), 'azure-activity-log-record'],
    ['a diagnostic Activity Log record', () => load<{ records: unknown[] }>('activitylog', 'diagnostic-records').records[0], 'azure-activity-log-record'],
  ])('%s is matched by exactly one adapter', (_what, make, name) => {
    expect(azureAdapterFor(make())).toStrictEqual([name]);
  });

  it.each([
    ['an EventBridge event', () => awsFixture('eventbridge', 'CreateRoute')],
    ['an SQS batch', () => awsFixture('sqs', 'batch')],
    ['a CloudTrail record', () => awsFixture('cloudtrail', 'CreateRoute')],
    ['a CloudTrail log file', () => ({ Records: [awsFixture('cloudtrail', 'CreateRoute')] })],
    ['a Pub/Sub push envelope', () => ({
      message: { data: 'eyJ9', messageId: '1', publishTime: '2026-11-26T10:00:00Z', attributes: {} }, subscription: 'projects/p/subscriptions/s',
    })],
    ['a Pub/Sub pull message', () => ({ ackId: 'a1', message: { data: 'eyJ9', messageId: '1' } })],
    ['a Cloud Audit Logs LogEntry', () => logEntry],
    ['an Eventarc audit log CloudEvent', () => ({
      specversion: '1.0', type: 'google.cloud.audit.log.v1.written', source: '//cloudaudit.googleapis.com/projects/p/logs/activity',
      id: 'e1', time: '2026-11-26T10:00:00Z', data: logEntry,
    })],
    ['an Eventarc Pub/Sub CloudEvent', () => ({
      specversion: '1.0', type: 'google.cloud.pubsub.topic.v1.messagePublished', source: '//pubsub.googleapis.com/projects/p/topics/t',
      id: 'e2', time: '2026-11-26T10:00:00Z', data: { message: { data: 'eyJ9' } },
    })],
    ['a number', () => 42],
    ['an empty array', () => []],
  ])('%s is matched by none', (_what, make) => {
    expect(azureAdapterFor(make())).toStrictEqual([]);
  });

  it('leaves the Azure fixtures to Azure: no AWS adapter matches them', () => {
    const samples = [
      eventGrid('Microsoft.Network/routeTables/write'), load('delivery', 'batch'), load('cloudevents', 'batch'),
      load('activitylog', 'diagnostic-records'), load('activitylog', 'rest-event'),
    ];

    for (const sample of samples) expect(awsAdapters.filter((adapter) => adapter.matches(sample))).toStrictEqual([]);
  });

  const available = corpusAvailable();
  it.skipIf(!available)('matches none of the AWS and GCP corpus samples', () => {
    for (const file of [...corpusFiles('aws'), ...corpusFiles('gcp')]) {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        continue;
      }
      expect(azureAdapterFor(raw), file).toStrictEqual([]);
    }
  });
});
