import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { changesOfRecord, loadFixture, soleRecord, type Doc } from '../../support/fixtures.js';
import type { ChangeEvent, ParsedRecord } from '../../../core/change.js';
import { cloudTrailRecordAdapter } from '../../../adapters/aws/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/aws');

export type { Doc };

/** A fresh copy of `test/fixtures/aws/<folder>/<name>.json`, for the case to change. */
export function load(folder: string, name: string): Doc {
  return loadFixture('aws', folder, name);
}

/** A fresh copy of the CloudTrail record fixture of one event name. */
export function cloudTrail(eventName: string): Doc {
  return load('cloudtrail', eventName);
}

/** The one parsed record of a bare CloudTrail record. */
export function parseRecord(raw: unknown): ParsedRecord {
  return soleRecord(cloudTrailRecordAdapter, raw);
}

/** The changes of a record that must yield changes. */
export function changesOf(raw: unknown): ChangeEvent[] {
  return changesOfRecord(parseRecord(raw));
}

/** What every ChangeEvent of a fixture carries: provenance and the actor (alice, NetworkAdmin). */
export function provenance(record: Doc, region = String(record.awsRegion)) {
  const service = String(record.eventSource).replace('.amazonaws.com', '');
  return {
    cloud: 'aws',
    account: '111122223333',
    region,
    eventId: record.eventID,
    operation: `${service}:${record.eventName}`,
    time: record.eventTime,
    actor: {
      principal: 'arn:aws:sts::111122223333:assumed-role/NetworkAdmin/alice',
      sourceIp: '198.51.100.24',
      userAgent: record.userAgent,
    },
  };
}

/** Sets (or, with `undefined`, deletes) the value at a dotted path such as `requestParameters.routeTableId`. */
export function setPath(doc: Doc, path: string, value: unknown): Doc {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = doc;
  for (const key of keys) node = node[key] as Doc;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return doc;
}
