import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { changesOfRecord, loadFixture, soleRecord, type Doc } from '../../support/fixtures.js';
import type { ChangeEvent, ParsedRecord } from '../../../core/change.js';
import { logEntryAdapter, normalizeMethod } from '../../../adapters/gcp/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/gcp');

export const PROJECT = 'acme-net-prod';
export const NETWORK = `projects/${PROJECT}/global/networks/prod-vpc`;
export const SHARED_NETWORK = 'projects/shared-svc-prod/global/networks/shared-vpc';
export const ROUTER = `projects/${PROJECT}/regions/europe-west1/routers/nat-router-ew1`;
export const SUBNET = `projects/${PROJECT}/regions/europe-west1/subnetworks/app-ew1`;
export const API = 'https://www.googleapis.com/compute/v1/';

export type { Doc };

/** A fresh copy of `test/fixtures/gcp/<folder>/<name>.json`, for the case to change. */
export function load(folder: string, name: string): Doc {
  return loadFixture('gcp', folder, name);
}

/** A fresh copy of the audit LogEntry fixture of one catalog method (`compute.routes.insert`). */
export function auditLog(method: string): Doc {
  return load('auditlog', method);
}

/** The one parsed record of a bare LogEntry. */
export function parseEntry(raw: unknown): ParsedRecord {
  return soleRecord(logEntryAdapter, raw);
}

/** The changes of an entry that must yield changes. */
export function changesOf(raw: unknown): ChangeEvent[] {
  return changesOfRecord(parseEntry(raw));
}

/** What every ChangeEvent of a fixture carries: provenance and the actor (alice, from 203.0.113.24). */
export function provenance(entry: Doc) {
  const payload = entry.protoPayload as Doc;
  const metadata = payload.requestMetadata as Doc;
  return {
    cloud: 'gcp',
    account: PROJECT,
    eventId: entry.insertId,
    operation: normalizeMethod(String(payload.methodName)),
    time: entry.timestamp,
    actor: { principal: 'alice@acme.example', sourceIp: '203.0.113.24', userAgent: metadata.callerSuppliedUserAgent },
  };
}

/** The value at a dotted path such as `protoPayload.request`. */
export function getPath(doc: Doc, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Doc | undefined)?.[key], doc);
}

/** Sets (or, with `undefined`, deletes) the value at a dotted path such as `protoPayload.request.network`. */
export function setPath(doc: Doc, path: string, value: unknown): Doc {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = doc;
  for (const key of keys) node = node[key] as Doc;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return doc;
}

/** A document as Pub/Sub carries it: JSON, base64. */
export function base64Json(doc: unknown): string {
  return Buffer.from(JSON.stringify(doc)).toString('base64');
}

/** A push delivery whose message data is `data` (already base64). */
export function pushWith(data: string): Doc {
  const push = load('pubsub', 'push');
  setPath(push, 'message.data', data);
  return push;
}
