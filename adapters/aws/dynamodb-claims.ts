import {
  DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { leasable, slidingWindowSlot, type RateLimit } from '../../core/leases.js';
import type { ClaimOptions, ClaimResult, LeaseOptions, OutboxEntry, SendSlot } from '../../core/ports.js';
import { isConditionFailed, stateStoreError } from './dynamodb-errors.js';
import {
  OUTBOX_ORDER_INDEX, OUTBOX_PARTITIONS, claimItem, n, outboxFromItem, outboxKey, processedFromItem, processedKey, s, sendSlotsKey, type Item,
} from './dynamodb-items.js';

/**
 * The conditional writes that let many workers share one table (DESIGN.md, "Concurrency"):
 * claims of event ids, leases of outbox entries, and the sinks' shared rate limits. Each is one
 * request with a `ConditionExpression`, so of two workers racing exactly one wins.
 */
export interface Table {
  client: DynamoDBClient;
  table: string;
}

/** How many times a claim or a send slot is read again after losing a race before giving up for now. */
const RACE_ATTEMPTS = 8;

async function getItem(t: Table, action: string, key: Item): Promise<Item | undefined> {
  try {
    return (await t.client.send(new GetItemCommand({ TableName: t.table, Key: key, ConsistentRead: true }))).Item;
  } catch (error) {
    throw stateStoreError(action, t.table, error);
  }
}

/** Runs a conditional write: true when it was made, false when its condition failed. */
async function conditional(t: Table, action: string, write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw stateStoreError(action, t.table, error);
  }
}

/**
 * Puts a claim where there is none or only an expired one (a processed id past its TTL, or a claim
 * whose worker died); otherwise says what holds the key. Powertools' idempotency utility does the same.
 */
export async function claimKey(t: Table, key: string, options: ClaimOptions): Promise<ClaimResult> {
  const now = (options.now ?? new Date()).getTime();
  for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt += 1) {
    let held: Item | undefined;
    try {
      await t.client.send(new PutItemCommand({
        TableName: t.table, Item: claimItem(key, options.owner, now + options.leaseMs),
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs <= :now', ExpressionAttributeValues: { ':now': n(now) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }));
      return 'claimed';
    } catch (error) {
      if (!isConditionFailed(error)) throw stateStoreError('claim', t.table, error);
      held = (error as { Item?: Item }).Item;
    }
    const item = held ?? await getItem(t, 'claim', processedKey(key));
    // Gone (released) or expired since the write failed: try again.
    if (item === undefined) continue;
    // Our own claim, written by a request the SDK retried after its answer was lost.
    if (item.claimOwner?.S === options.owner) return 'claimed';
    const found = processedFromItem(item);
    if (found.expiresAtMs > now) return found.status;
  }
  return 'in-progress';
}

export async function releaseKey(t: Table, key: string, owner: string): Promise<void> {
  await conditional(t, 'release', () => t.client.send(new DeleteItemCommand({
    TableName: t.table, Key: processedKey(key), ConditionExpression: '#status = :claimed AND claimOwner = :owner',
    ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':claimed': s('in-progress'), ':owner': s(owner) },
  })));
}

/**
 * The sliding window of one sink kept in one item, read and written back on condition that its
 * version did not change: a worker that loses the race reads it again.
 */
export async function takeSlot(t: Table, sink: string, limit: RateLimit, nowDate = new Date()): Promise<SendSlot> {
  const now = nowDate.getTime();
  for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt += 1) {
    const item = await getItem(t, 'takeSendSlot', sendSlotsKey(sink));
    const version = Number(item?.version?.N ?? '0');
    const decision = slidingWindowSlot(item?.sent?.S ? (JSON.parse(item.sent.S) as number[]) : [], limit, now);
    if (!decision.ok) return { ok: false, retryAt: new Date(decision.retryAt).toISOString() };
    const written = await conditional(t, 'takeSendSlot', () => t.client.send(new PutItemCommand({
      TableName: t.table,
      Item: { ...sendSlotsKey(sink), itemType: s('ratelimit'), sent: s(JSON.stringify(decision.sent)), version: n(version + 1) },
      ...(item === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': n(version) } }),
    })));
    if (written) return { ok: true };
  }
  // Many workers sending at once: no slot for this one now; it tries again in a moment.
  return { ok: false, retryAt: new Date(now + Math.ceil(limit.intervalMs / limit.count)).toISOString() };
}

/**
 * Reads the pending partition in order, page by page, and leases due entries one by one with a
 * conditional update (due at `:now`, so the worker that leases it first wins), as `leasable` picks
 * them: an entry not due (backing off, or another worker's), or one another worker just won, makes
 * the later entries of its finding and sink wait.
 */
export async function leaseEntries(t: Table, limit: number, options: LeaseOptions): Promise<OutboxEntry[]> {
  if (limit <= 0) return [];
  const now = (options.now ?? new Date()).getTime();
  const until = new Date(now + options.leaseMs).toISOString();
  const except = new Set(options.exceptSinks ?? []);
  const taken: OutboxEntry[] = [];
  const waiting = new Set<string>();
  let start: Item | undefined;
  do {
    let page;
    try {
      page = await t.client.send(new QueryCommand({
        TableName: t.table, IndexName: OUTBOX_ORDER_INDEX, KeyConditionExpression: 'pk = :pk', ConsistentRead: true,
        ExclusiveStartKey: start,
        ...(options.sink === undefined ? {} : { FilterExpression: 'sink = :sink' }),
        ExpressionAttributeValues: { ':pk': s(OUTBOX_PARTITIONS.pending), ...(options.sink === undefined ? {} : { ':sink': s(options.sink) }) },
      }));
    } catch (error) {
      throw stateStoreError('leaseOutbox', t.table, error);
    }
    start = page.LastEvaluatedKey;
    for (const entry of (page.Items ?? []).map(outboxFromItem)) {
      if (taken.length >= limit) break;
      const key = `${entry.sink}\u0000${entry.finding.fingerprint}`;
      const dueAt = entry.nextAttemptAt === undefined ? undefined : Date.parse(entry.nextAttemptAt);
      if (except.has(entry.sink) || waiting.has(key)) continue;
      // `leasable` on one entry: is it due, and not behind a waiting one of its finding?
      if (leasable([{ sink: entry.sink, fingerprint: entry.finding.fingerprint, dueAt }], 1, now).length === 0) {
        waiting.add(key);
        continue;
      }
      const leased = await leaseOne(t, entry.id, options.owner, now, until);
      if (leased) taken.push(leased);
      else waiting.add(key);
    }
  } while (start && taken.length < limit);
  return taken;
}

async function leaseOne(t: Table, id: string, owner: string, now: number, until: string): Promise<OutboxEntry | undefined> {
  try {
    const output = await t.client.send(new UpdateItemCommand({
      TableName: t.table, Key: outboxKey(id, 'pending'),
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(nextAttemptAt) OR nextAttemptAt <= :now)',
      UpdateExpression: 'SET leaseOwner = :owner, nextAttemptAt = :until',
      ExpressionAttributeValues: { ':now': s(new Date(now).toISOString()), ':owner': s(owner), ':until': s(until) },
      ReturnValues: 'ALL_NEW',
    }));
    return output.Attributes && outboxFromItem(output.Attributes);
  } catch (error) {
    if (isConditionFailed(error)) return undefined;
    throw stateStoreError('leaseOutbox', t.table, error);
  }
}
