import { leasable, slidingWindowSlot, type RateLimit } from '../../core/leases.js';
import type { ClaimOptions, ClaimResult, LeaseOptions, OutboxEntry, SendSlot } from '../../core/ports.js';
import { consistentRead, isLostRace, type TableRef } from './table-state-store-commit.js';
import {
  PREFIXES, RATE_LIMIT_PARTITION, STATE_PARTITION, outboxEntity, outboxOf, prefixFilter, processedEntity, processedOf,
  processedRow, rateLimitRow,
} from './table-state-store-entities.js';

/**
 * The conditional writes that let many workers share one table (DESIGN.md, "Concurrency"): claims
 * of event ids, leases of outbox entries, and the sinks' shared rate limits. Each is `createEntity`
 * (409 when the row exists) or a `Replace` with the etag that was read (412 when it changed), so of
 * two workers racing exactly one wins.
 */

/** How many times a claim or a send slot is read again after losing a race before giving up for now. */
const RACE_ATTEMPTS = 8;

async function getEntity(t: TableRef, action: string, partition: string, row: string): Promise<(Record<string, unknown> & { etag: string }) | undefined> {
  try {
    return await t.client.getEntity<Record<string, unknown>>(partition, row);
  } catch (error) {
    if (isLostRace(error)) return undefined;
    throw t.fail(action, error);
  }
}

/** Runs a conditional write: true when it was made, false when it lost its race. */
export async function conditional(t: TableRef, action: string, write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isLostRace(error)) return false;
    throw t.fail(action, error);
  }
}

/** Creates a claim where there is none, or replaces an expired one (a processed id past its TTL, or a claim whose worker died). */
export async function claimKey(t: TableRef, key: string, options: ClaimOptions): Promise<ClaimResult> {
  const now = (options.now ?? new Date()).getTime();
  const claim = processedEntity(key, 'in-progress', now + options.leaseMs, options.owner);
  for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt += 1) {
    const found = await getEntity(t, 'claim', STATE_PARTITION, processedRow(key));
    if (found === undefined) {
      if (await conditional(t, 'claim', () => t.client.createEntity(claim))) return 'claimed';
      continue;
    }
    const held = processedOf(found);
    if (held.expiresAtMs > now) return held.status;
    if (await conditional(t, 'claim', () => t.client.updateEntity(claim, 'Replace', { etag: held.etag }))) return 'claimed';
  }
  return 'in-progress';
}

/** Deletes `owner`'s claim in progress, only while it is still that claim (its etag). */
export async function releaseKey(t: TableRef, key: string, owner: string): Promise<void> {
  const found = await getEntity(t, 'release', STATE_PARTITION, processedRow(key));
  if (found === undefined) return;
  const held = processedOf(found);
  if (held.status !== 'in-progress' || held.owner !== owner) return;
  await conditional(t, 'release', () => t.client.deleteEntity(STATE_PARTITION, processedRow(key), { etag: held.etag }));
}

/** One sink's sliding window in one row, read and written back with its etag: a worker that loses the race reads it again. */
export async function takeSlot(t: TableRef, sink: string, limit: RateLimit, nowDate: Date): Promise<SendSlot> {
  const now = nowDate.getTime();
  const row = rateLimitRow(sink);
  for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt += 1) {
    const found = await getEntity(t, 'takeSendSlot', RATE_LIMIT_PARTITION, row);
    const sent = typeof found?.sent === 'string' ? (JSON.parse(found.sent) as number[]) : [];
    const decision = slidingWindowSlot(sent, limit, now);
    if (!decision.ok) return { ok: false, retryAt: new Date(decision.retryAt).toISOString() };
    const entity = { partitionKey: RATE_LIMIT_PARTITION, rowKey: row, sink, sent: JSON.stringify(decision.sent) };
    const written = await conditional(t, 'takeSendSlot', () => (found === undefined
      ? t.client.createEntity(entity)
      : t.client.updateEntity(entity, 'Replace', { etag: found.etag })));
    if (written) return { ok: true };
  }
  // Many workers sending at once: no slot for this one now; it tries again in a moment.
  return { ok: false, retryAt: new Date(now + Math.ceil(limit.intervalMs / limit.count)).toISOString() };
}

/** Every outbox entry (with its etag) matching `filter` (an OData condition on the entry's properties), oldest first. */
export async function outboxEntries(t: TableRef, action: string, filter?: string): Promise<{ entry: OutboxEntry; etag: string }[]> {
  const range = prefixFilter(STATE_PARTITION, PREFIXES.outbox);
  return consistentRead(t, async () => {
    const found: { entry: OutboxEntry; etag: string }[] = [];
    try {
      const rows = t.client.listEntities<Record<string, unknown>>({ queryOptions: { filter: filter ? `${range} and (${filter})` : range } });
      for await (const row of rows) found.push(outboxOf(row));
    } catch (error) {
      throw t.fail(action, error);
    }
    return found;
  });
}

/**
 * Reads the pending entries in order and leases the ones `leasable` picks, one by one, each with
 * its etag: an entry another worker leased first (412) makes the later entries of its finding and
 * sink wait, as one not due does.
 */
export async function leaseEntries(t: TableRef, limit: number, options: LeaseOptions): Promise<OutboxEntry[]> {
  if (limit <= 0) return [];
  const now = (options.now ?? new Date()).getTime();
  const until = new Date(now + options.leaseMs).toISOString();
  const except = new Set(options.exceptSinks ?? []);
  const sink = options.sink === undefined ? '' : ` and sink eq '${options.sink.replace(/'/g, "''")}'`;
  const pending = await outboxEntries(t, 'leaseOutbox', `state eq 'pending'${sink}`);
  const taken: OutboxEntry[] = [];
  const waiting = new Set<string>();
  for (const { entry, etag } of pending) {
    if (taken.length >= limit) break;
    const key = `${entry.sink}\u0000${entry.finding.fingerprint}`;
    if (except.has(entry.sink) || waiting.has(key)) continue;
    const dueAt = entry.nextAttemptAt === undefined ? undefined : Date.parse(entry.nextAttemptAt);
    if (leasable([{ sink: entry.sink, fingerprint: entry.finding.fingerprint, dueAt }], 1, now).length === 0) {
      waiting.add(key);
      continue;
    }
    const leased: OutboxEntry = { ...entry, leasedBy: options.owner, nextAttemptAt: until };
    if (await conditional(t, 'leaseOutbox', () => t.client.updateEntity(outboxEntity(leased), 'Replace', { etag }))) taken.push(leased);
    else waiting.add(key);
  }
  return taken;
}
