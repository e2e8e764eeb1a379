import { createHash } from 'node:crypto';
import { NetdriftError } from './errors.js';
import type { Finding } from './finding.js';
import type { StateCommit } from './ports.js';

/**
 * What every `StateStore` checks of a commit and how it names outbox entries, written once. Stores
 * whose writes are split (DynamoDB's 100 items per transaction, Firestore's write limits, Table
 * storage's one partition per transaction) need both: a commit is refused whole before anything is
 * written, and a commit redone after a crash overwrites the same outbox entries instead of adding
 * a second alert.
 */

function refuse(reason: string): never {
  throw new NetdriftError(`state store: commit refused, nothing written: ${reason}`);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** What SQLite refuses by its schema (NOT NULL, a date), refused before anything is written. */
export function validateCommit(change: StateCommit): void {
  for (const entry of change.processed) {
    if (!isText(entry.key)) refuse('a processed id has no key');
    if (typeof entry.expiresAt !== 'string' || Number.isNaN(Date.parse(entry.expiresAt))) {
      refuse(`processed id ${entry.key}: expiresAt ${JSON.stringify(entry.expiresAt)} is not a date`);
    }
  }
  for (const o of change.observed) {
    for (const field of ['cloud', 'account', 'kind', 'id'] as const) {
      if (!isText(o[field])) refuse(`observed ${o.kind}/${o.id}: ${field} is missing`);
    }
    for (const field of ['region', 'eventTime', 'eventId'] as const) {
      if (typeof o[field] !== 'string') refuse(`observed ${o.kind}/${o.id}: ${field} is missing`);
    }
  }
  const findings = [...change.findings, ...change.outbox.map((entry) => entry.finding)];
  for (const f of findings) {
    for (const field of ['fingerprint', 'cloud', 'account', 'kind', 'resource'] as const) {
      if (!isText(f[field])) refuse(`finding ${f.rule} on ${f.resource}: ${field} is missing`);
    }
    for (const field of ['openedAt', 'eventId'] as const) {
      if (typeof f[field] !== 'string') refuse(`finding ${f.rule} on ${f.resource}: ${field} is missing`);
    }
    if (f.status !== 'open' && f.status !== 'resolved') refuse(`finding ${f.fingerprint}: status ${JSON.stringify(f.status)}`);
  }
  for (const entry of change.outbox) if (!isText(entry.sink)) refuse(`outbox entry for ${entry.finding.fingerprint}: no sink`);
}

/**
 * A deterministic outbox id: the same event (its processed keys), sink and finding transition
 * always name the same entry, so a commit redone after a crash overwrites it.
 */
export function outboxEntryId(eventKeys: readonly string[], sink: string, finding: Finding): string {
  const text = [[...eventKeys].sort().join(','), finding.fingerprint, sink, finding.status, finding.eventId].join('\u0000');
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);
}

/** A key usable as a document or row id anywhere (no `/`, bounded length): its sha256, hex. */
export function storageId(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
