import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { ChangeEvent, ParsedRecord } from '../../core/change.js';
import type { CloudAdapter } from '../../core/ports.js';

/** The fixtures written by us, `test/fixtures/<cloud>/<source>/<case>.json`. */
export const FIXTURES_ROOT = resolve(import.meta.dirname, '../fixtures');

/** A JSON document as a test changes it. */
export type Doc = Record<string, unknown>;

const cache = new Map<string, unknown>();

/** A fresh copy of `test/fixtures/<cloud>/<folder>/<name>.json`, for the case to change (STYLE.md). */
export function loadFixture(cloud: string, folder: string, name: string): Doc {
  const path = join(FIXTURES_ROOT, cloud, folder, `${name}.json`);
  if (!cache.has(path)) cache.set(path, JSON.parse(readFileSync(path, 'utf8')));
  return structuredClone(cache.get(path)) as Doc;
}

/** The one record an adapter makes of a single audit record. */
export function soleRecord(adapter: CloudAdapter, raw: unknown): ParsedRecord {
  const records = adapter.parse(raw);
  expect(records).toHaveLength(1);
  return records[0] as ParsedRecord;
}

/** The changes of a record that must yield changes. */
export function changesOfRecord(record: ParsedRecord): ChangeEvent[] {
  if (record.status !== 'changes') throw new Error(`expected changes, got ${JSON.stringify(record)}`);
  return record.changes;
}
