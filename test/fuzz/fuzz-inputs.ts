import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Cloud } from '../../core/resource.js';
import { FIXTURES_ROOT, loadFixture, type Doc } from '../support/fixtures.js';

/**
 * What the fuzz suite mutates: every cloud's audit records from test/fixtures/<cloud>/, and the
 * envelopes each cloud delivers them in, so that a mutation of the record travels through the
 * same unwrapping (SQS body, base64 Pub/Sub data) a real delivery does.
 */

/** The accounts the fixtures are in: each has a baseline in the fuzz pipeline. */
export const FIXTURE_ACCOUNTS: Readonly<Record<Cloud, string>> = {
  aws: '111122223333',
  azure: 'c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13',
  gcp: 'acme-net-prod',
};

function folder(cloud: Cloud, name: string): Doc[] {
  return readdirSync(join(FIXTURES_ROOT, cloud, name)).filter((file) => file.endsWith('.json'))
    .map((file) => loadFixture(cloud, name, file.replace(/\.json$/, '')));
}

/** One audit record per fixture, as the cloud writes it before any envelope. */
export function auditRecords(cloud: Cloud): Doc[] {
  switch (cloud) {
    case 'aws': return [...folder('aws', 'cloudtrail'), ...folder('aws', 'eventbridge').map((event) => event.detail as Doc)];
    case 'azure': return [
      ...folder('azure', 'eventgrid'),
      ...(loadFixture('azure', 'cloudevents', 'batch') as unknown as Doc[]),
      ...(loadFixture('azure', 'activitylog', 'diagnostic-records').records as Doc[]),
      loadFixture('azure', 'activitylog', 'rest-event'),
    ];
    case 'gcp': return [...folder('gcp', 'auditlog'), ...folder('gcp', 'operation'), ...folder('gcp', 'failed')];
  }
}

/** How a mutated record is delivered; `text` is the record's JSON, possibly cut short (truncated JSON). */
export interface Envelope {
  name: string;
  /** Holds several records: a good batch-mate can ride along. */
  batch: boolean;
  wrap(records: readonly unknown[], text: (record: unknown) => string): unknown;
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function eventBridge(record: unknown, n: number): Doc {
  return {
    version: '0', id: `eb-${n}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2',
    account: FIXTURE_ACCOUNTS.aws, time: '2026-11-26T10:00:00Z', region: 'eu-west-1', resources: [], detail: record,
  };
}

function isActivityLog(record: unknown): boolean {
  return typeof record === 'object' && record !== null && 'operationName' in record && !('eventType' in record) && !('specversion' in record);
}

const pubsubMessage = (text: string, n: number) => ({ data: base64(text), messageId: `m-${n}`, publishTime: '2026-11-26T10:00:00Z' });

/** Each cloud's delivery formats (DESIGN.md, "CloudAdapter"). */
export const ENVELOPES: Readonly<Record<Cloud, readonly Envelope[]>> = {
  aws: [
    { name: 'CloudTrail record', batch: false, wrap: ([record]) => record },
    { name: 'EventBridge event', batch: false, wrap: ([record]) => eventBridge(record, 0) },
    { name: 'CloudTrail log file', batch: true, wrap: (records) => ({ Records: records }) },
    {
      name: 'SQS batch', batch: true,
      wrap: (records, text) => ({ Records: records.map((record, n) => ({
        messageId: `sqs-${n}`, eventSource: 'aws:sqs', body: n === 0 ? text(eventBridge(record, n)) : JSON.stringify(eventBridge(record, n)),
      })) }),
    },
  ],
  azure: [
    { name: 'Event Grid event', batch: false, wrap: ([record]) => record },
    { name: 'Event Grid array', batch: true, wrap: (records) => [...records] },
    {
      name: 'Activity Log export', batch: true,
      wrap: (records) => (records.every(isActivityLog) ? { records } : [...records]),
    },
  ],
  gcp: [
    { name: 'LogEntry', batch: false, wrap: ([record]) => record },
    { name: 'Pub/Sub push', batch: false, wrap: ([record], text) => ({ message: pubsubMessage(text(record), 0), subscription: 'projects/acme-net-prod/subscriptions/netdrift' }) },
    {
      name: 'Pub/Sub pull response', batch: true,
      wrap: (records, text) => ({ receivedMessages: records.map((record, n) => ({
        ackId: `ack-${n}`, message: pubsubMessage(n === 0 ? text(record) : JSON.stringify(record), n),
      })) }),
    },
    {
      name: 'Eventarc audit log', batch: false,
      wrap: ([record]) => ({ specversion: '1.0', type: 'google.cloud.audit.log.v1.written', source: '//cloudaudit.googleapis.com/projects/acme-net-prod/logs/activity', id: 'ea-0', data: record }),
    },
    {
      name: 'Eventarc message', batch: false,
      wrap: ([record], text) => ({
        specversion: '1.0', type: 'google.cloud.pubsub.topic.v1.messagePublished', source: '//pubsub.googleapis.com/projects/acme-net-prod/topics/netdrift',
        id: 'em-0', data: { message: pubsubMessage(text(record), 0), subscription: 'projects/acme-net-prod/subscriptions/netdrift' },
      }),
    },
  ],
};

/**
 * A well-formed record that opens a finding on a resource no other record names: the batch-mate
 * whose finding must survive whatever its neighbour holds. `n` makes its event id and resource fresh.
 */
export function goodRecord(cloud: Cloud, n: number): { record: Doc; eventId: string; resource: string } {
  switch (cloud) {
    case 'aws': {
      const record = loadFixture('aws', 'cloudtrail', 'CreateRoute');
      const resource = `rtb-0900${n.toString(16).padStart(8, '0')}`;
      Object.assign(record, { eventID: `good-aws-${n}`, eventTime: new Date().toISOString() });
      (record.requestParameters as Doc).routeTableId = resource;
      return { record, eventId: `good-aws-${n}`, resource };
    }
    case 'azure': {
      const record = loadFixture('azure', 'eventgrid', 'routeTables-write');
      const resource = `/subscriptions/${FIXTURE_ACCOUNTS.azure}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt-good-${n}`;
      Object.assign(record, { id: `good-azure-${n}`, subject: resource, eventTime: new Date().toISOString() });
      (record.data as Doc).resourceUri = resource;
      return { record, eventId: `good-azure-${n}`, resource };
    }
    case 'gcp': {
      const record = loadFixture('gcp', 'auditlog', 'compute.routes.insert');
      const network = `good-vpc-${n}`;
      const payload = record.protoPayload as Doc;
      Object.assign(record, { insertId: `good-gcp-${n}`, timestamp: new Date().toISOString(), operation: { id: `good-op-${n}`, first: true } });
      (payload.request as Doc).network = `https://www.googleapis.com/compute/v1/projects/${FIXTURE_ACCOUNTS.gcp}/global/networks/${network}`;
      return { record, eventId: `good-gcp-${n}`, resource: `projects/${FIXTURE_ACCOUNTS.gcp}/global/networks/${network}` };
    }
  }
}

/** Marks a record as a failed call, in its cloud's way: no drift may come of it. */
export function failedCall(cloud: Cloud, record: unknown): unknown {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return record;
  const copy: Doc = { ...(record as Doc) };
  if (cloud === 'aws') return Object.assign(copy, { errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized' });
  if (cloud === 'gcp') {
    delete copy.operation;
    const payload = typeof copy.protoPayload === 'object' && copy.protoPayload !== null ? copy.protoPayload as Doc : {};
    return Object.assign(copy, { protoPayload: { ...payload, status: { code: 7, message: 'PERMISSION_DENIED' } } });
  }
  if ('eventType' in copy) return Object.assign(copy, { eventType: 'Microsoft.Resources.ResourceWriteFailure' });
  if ('specversion' in copy) return Object.assign(copy, { type: 'Microsoft.Resources.ResourceWriteFailure' });
  if (typeof copy.status === 'object') return Object.assign(copy, { status: { value: 'Failed' } });
  return Object.assign(copy, { resultType: 'Failure' });
}
