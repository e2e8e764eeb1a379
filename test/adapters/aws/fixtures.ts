import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ChangeEvent, ParsedRecord } from '../../../core/change.js';
import { cloudTrailRecordAdapter } from '../../../adapters/aws/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/aws');

const cache = new Map<string, unknown>();

/** A JSON document as the tests change it. */
export type Doc = Record<string, unknown>;

/** A fresh copy of `test/fixtures/aws/<folder>/<name>.json`, for the case to change. */
export function load(folder: string, name: string): Doc {
  const path = join(FIXTURES, folder, `${name}.json`);
  if (!cache.has(path)) cache.set(path, JSON.parse(readFileSync(path, 'utf8')));
  return structuredClone(cache.get(path)) as Doc;
}

/** A fresh copy of the CloudTrail record fixture of one event name. */
export function cloudTrail(eventName: string): Doc {
  return load('cloudtrail', eventName);
}

/** The one parsed record of a bare CloudTrail record. */
export function parseRecord(raw: unknown): ParsedRecord {
  const records = cloudTrailRecordAdapter.parse(raw);
  expect(records).toHaveLength(1);
  return records[0] as ParsedRecord;
}

/** The changes of a record that must yield changes. */
export function changesOf(raw: unknown): ChangeEvent[] {
  const record = parseRecord(raw);
  if (record.status !== 'changes') throw new Error(`expected changes, got ${JSON.stringify(record)}`);
  return record.changes;
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
