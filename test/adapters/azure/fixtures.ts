import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ChangeEvent, ParsedRecord } from '../../../core/change.js';
import { eventGridAdapter } from '../../../adapters/azure/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/azure');

/** The subscription of every fixture, and the resource group `rg-net` in it. */
export const SUB = 'c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13';
export const NET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network`;

const cache = new Map<string, unknown>();

/** A JSON document as the tests change it. */
export type Doc = Record<string, unknown>;

/** A fresh copy of `test/fixtures/azure/<folder>/<name>.json`, for the case to change. */
export function load<T = Doc>(folder: string, name: string): T {
  const path = join(FIXTURES, folder, `${name}.json`);
  if (!cache.has(path)) cache.set(path, JSON.parse(readFileSync(path, 'utf8')));
  return structuredClone(cache.get(path)) as T;
}

/** The fixture file name of a catalog operation: `Microsoft.Network/routeTables/routes/write` → `routeTables-routes-write`. */
export function fixtureName(operation: string): string {
  return operation.replace(/^Microsoft\.Network\//, '').replaceAll('/', '-');
}

/** A fresh copy of the Event Grid event fixture of one catalog operation. */
export function eventGrid(operation: string): Doc {
  return load('eventgrid', fixtureName(operation));
}

/** The event's `data`, to change in place. */
export function dataOf(event: Doc): Doc {
  return event.data as Doc;
}

/** The one parsed record of a single Event Grid event. */
export function parseOne(raw: unknown): ParsedRecord {
  const records = eventGridAdapter.parse(raw);
  expect(records).toHaveLength(1);
  return records[0] as ParsedRecord;
}

/** The changes of an event that must yield changes. */
export function changesOf(raw: unknown): ChangeEvent[] {
  const record = parseOne(raw);
  if (record.status !== 'changes') throw new Error(`expected changes, got ${JSON.stringify(record)}`);
  return record.changes;
}

/** What every ChangeEvent of an Event Grid fixture carries: provenance and the actor (alice, from her claims). */
export function provenance(event: Doc, region = 'unknown') {
  return {
    cloud: 'azure',
    account: SUB,
    region,
    eventId: event.id,
    operation: dataOf(event).operationName,
    time: event.eventTime,
    actor: { principal: 'alice@contoso.com', sourceIp: '198.51.100.24' },
    payload: { kind: 'none' },
  };
}
