import {
  CreateTableCommand, DeleteItemCommand, GetItemCommand, QueryCommand, ScanCommand, TransactWriteItemsCommand,
  UpdateItemCommand, UpdateTimeToLiveCommand, waitUntilTableExists,
  type DynamoDBClient, type QueryCommandInput, type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import { compareText } from '../../snapshots/canonical.js';
import { ConflictError, TransientError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import type {
  ClaimOptions, ClaimResult, FindingFilter, LeaseOptions, ObservedState, OutboxEntry, OutboxFailure, SendSlot, StateCommit, StateStore,
} from '../../core/ports.js';
import type { ResourceKind, Scope } from '../../core/resource.js';
import { claimKey, leaseEntries, releaseKey, takeSlot } from './dynamodb-claims.js';
import { planCommit, transactItems } from './dynamodb-commit.js';
import { isConditionFailed, stateStoreError } from './dynamodb-errors.js';
import {
  FINDINGS_BY_ACCOUNT_INDEX, OUTBOX_ORDER_INDEX, OUTBOX_PARTITIONS, TTL_ATTRIBUTE, findingFromItem, findingPartition,
  findingScope, isObservedItem, keyText, movedOutboxItem, n, normalizedTime, observedFromItem, observedKey, observedPartition, outboxFromItem,
  outboxKey, processedFromItem, processedKey, revisionOf, s, type Item,
} from './dynamodb-items.js';
import { byOpened, ReadCache, type ReadCacheOptions } from './dynamodb-read-cache.js';

export interface DynamoDbStateStoreOptions {
  client: DynamoDBClient;
  table: string;
  /** The clock: what `isProcessed` compares expiries with, and when outbox entries are created. */
  now?: () => Date;
  /**
   * Keep each resource's observed state and open findings once read, checked by the next commit
   * instead of read again (dynamodb-read-cache.ts): for a store that serves one record at a time,
   * as a Lambda container's does. Off by default.
   */
  cacheReads?: boolean | ReadCacheOptions;
}

/** The longest error text kept on an outbox entry: one line is what a person reads. */
const MAX_ERROR_LENGTH = 1000;
/** How many items `purgeExpired` and `redriveOutbox` write at once. */
const WRITE_CONCURRENCY = 16;
/** How many times an outbox entry that changed while being moved is read again before giving up. */
const MOVE_ATTEMPTS = 3;

/** Orders the outbox entries of commits made in the same millisecond by one process. */
let commitSequence = 0;

function byOutboxOrder(a: Item, b: Item): number {
  return compareText(a.outboxOrder?.S ?? '', b.outboxOrder?.S ?? '');
}

function firstLine(error: string): string {
  return (error.split('\n', 1)[0] ?? '').slice(0, MAX_ERROR_LENGTH);
}

/** A transaction cancelled because one of its conditions failed (its reasons say which item). */
function isCancelledByCondition(error: unknown): boolean {
  return failedConditions(error).length > 0;
}

/** The places in a cancelled transaction whose condition failed. */
function failedConditions(error: unknown): number[] {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] } | undefined;
  if (e?.name !== 'TransactionCanceledException') return [];
  return (e.CancellationReasons ?? []).flatMap((r, index) => (r.Code === 'ConditionalCheckFailed' ? [index] : []));
}

/**
 * The `StateStore` on one DynamoDB table (single-table design; keys `pk` and `sk`, strings):
 *
 * | item | pk | sk | also |
 * |---|---|---|---|
 * | processed event id | `processed#<key>` | `processed` | `status` (`done`, or `in-progress` for a claim, with `claimOwner`), `expiresAt` (epoch s, the table's TTL attribute), `expiresAtMs` |
 * | observed state | `observed#<cloud>/<account>/<kind>` | the id, normalised (`normalizeId`) | the `ObservedState` fields; `state` as JSON or NULL |
 * | finding | `finding#<resourceKey>` | fingerprint | `status`, `finding` (JSON), `findingScope`, `findingOrder` |
 * | outbox entry | `outbox` (pending) or `outbox#rejected` | `entry#<id>` | `outboxOrder`, `sink`, `finding` (JSON), `attempts`, `lastError`, `createdAt`, `nextAttemptAt`, `leaseOwner` |
 * | a sink's rate limit | `ratelimit#<sink>` | `ratelimit` | `sent` (JSON epoch ms inside the window), `version` |
 *
 * - Many workers share the table (dynamodb-claims.ts): an event id is claimed with a conditional
 *   Put (no item, or an expired one), and the commit's Put of the processed id is conditional on
 *   the claim still being the worker's; an outbox entry is leased with a conditional Update (due
 *   now → `leaseOwner`, due again when the lease ends); a send slot is a versioned read-modify-write.
 * - Processed ids expire through DynamoDB's TTL, which deletes lazily (within days), so
 *   `isProcessed` also compares `expiresAtMs` with the clock; `purgeExpired` is a Scan (the TTL
 *   does this work in production).
 * - `listObserved` is a Query of one partition (a kind in an account); `getObserved` and
 *   `openFindings` are strongly consistent reads of the resource's item or partition, with Azure
 *   ids lower-cased in the keys, so they are found whatever their case.
 * - `listFindings` with `cloud` and `account` is a Query of the GSI `findings-by-account`
 *   (eventually consistent, as GSIs are); any other filter is a Scan with a filter, acceptable at
 *   the scale of findings (hundreds per account).
 * - The outbox is two partitions, pending and rejected, each read in order through the LSI
 *   `outbox-order` (consistent reads), sorted by creation time, then the commit, then the entry's
 *   place in it. `pendingOutbox` reads the pending partition only, filtering out entries not yet
 *   due (`nextAttemptAt`, an ISO time as `toISOString` spells it, so compared as a string). A
 *   rejection or a redrive moves an entry between the partitions in one transaction, its order kept.
 * - `commit` is one `TransactWriteItems` (all or nothing). One larger than a transaction (100
 *   items, 4 MB) is split, the processed ids written last, and outbox ids are deterministic, so a
 *   redelivery redoes a commit cut short without duplicating alerts (see `planCommit`).
 *
 * Throttling, transaction conflicts, 5xx and network failures throw `TransientError`.
 */
export class DynamoDbStateStore implements StateStore {
  private readonly client: DynamoDBClient;
  readonly table: string;
  private readonly now: () => Date;
  private readonly cache: ReadCache | undefined;

  constructor(options: DynamoDbStateStoreOptions) {
    this.client = options.client;
    this.table = options.table;
    this.now = options.now ?? (() => new Date());
    const cache = options.cacheReads;
    this.cache = cache ? new ReadCache(cache === true ? {} : cache) : undefined;
  }

  /**
   * Creates the table as this store expects it: on-demand billing, the outbox LSI, the findings
   * GSI, and TTL on `expiresAt`. For tests and for documentation; deployments create it with IaC.
   */
  static async createTable(client: DynamoDBClient, table: string): Promise<void> {
    const key = (hash: string, range: string) => [
      { AttributeName: hash, KeyType: 'HASH' as const }, { AttributeName: range, KeyType: 'RANGE' as const },
    ];
    try {
      await client.send(new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'outboxOrder', 'findingScope', 'findingOrder']
          .map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
        KeySchema: key('pk', 'sk'),
        LocalSecondaryIndexes: [{ IndexName: OUTBOX_ORDER_INDEX, KeySchema: key('pk', 'outboxOrder'), Projection: { ProjectionType: 'ALL' } }],
        GlobalSecondaryIndexes: [{
          IndexName: FINDINGS_BY_ACCOUNT_INDEX, KeySchema: key('findingScope', 'findingOrder'), Projection: { ProjectionType: 'ALL' },
        }],
      }));
      await waitUntilTableExists({ client, maxWaitTime: 120 }, { TableName: table });
      await client.send(new UpdateTimeToLiveCommand({
        TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE },
      }));
    } catch (error) {
      throw stateStoreError('createTable', table, error);
    }
  }

  async isProcessed(key: string): Promise<boolean> {
    const item = await this.getItem('isProcessed', processedKey(key));
    if (item === undefined) return false;
    const processed = processedFromItem(item);
    return processed.status === 'done' && processed.expiresAtMs > this.now().getTime();
  }

  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    return claimKey(this.tableRef, key, { ...options, now: options.now ?? this.now() });
  }

  async release(key: string, owner: string): Promise<void> {
    // The attempt wrote nothing: what it read guards no commit.
    this.cache?.takeGuards();
    await releaseKey(this.tableRef, key, owner);
  }

  async leaseOutbox(limit: number, options: LeaseOptions): Promise<OutboxEntry[]> {
    return leaseEntries(this.tableRef, limit, { ...options, now: options.now ?? this.now() });
  }

  async takeSendSlot(sink: string, limit: { count: number; intervalMs: number; now?: Date }): Promise<SendSlot> {
    return takeSlot(this.tableRef, sink, limit, limit.now ?? this.now());
  }

  /** With `cacheReads`, from the cache when it has the resource, the revision served guarding the next commit. */
  async getObserved(scope: Scope, kind: ResourceKind, id: string): Promise<ObservedState | undefined> {
    const key = observedKey(scope, kind, id);
    const cached = this.cache?.get(keyText(key));
    if (cached) {
      this.cache?.guard(keyText(key), cached.revision);
      return cached.observed;
    }
    const at = this.cache?.clock();
    const item = await this.getItem('getObserved', key);
    const observed = item && isObservedItem(item) ? observedFromItem(item) : undefined;
    if (this.cache && at !== undefined) {
      this.cache.set(keyText(key), { revision: revisionOf(item), observed, at });
      this.cache.guard(keyText(key), revisionOf(item));
    }
    return observed;
  }

  /** Items holding only a revision (a resource with findings, never observed) are not observed states. */
  async listObserved(scope: Scope, kind: ResourceKind): Promise<ObservedState[]> {
    const items = await this.query('listObserved', {
      KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': s(observedPartition(scope, kind)) }, ConsistentRead: true,
    });
    return items.filter(isObservedItem).map(observedFromItem);
  }

  /**
   * With `cacheReads`, the findings of a resource whose revision is cached (read by `getObserved`
   * first, so that the revision is never newer than the findings) are read once and kept; those of
   * any other are read as without it.
   */
  async openFindings(scope: Scope, kind: ResourceKind, id: string): Promise<Finding[]> {
    const key = keyText(observedKey(scope, kind, id));
    const cached = this.cache?.get(key);
    if (cached?.open) {
      this.cache?.guard(key, cached.revision);
      return [...cached.open];
    }
    if (!cached || !this.cache) return this.readOpenFindings(scope, kind, id);
    // The whole partition, resolved findings too: which fingerprints have an item tells a finding
    // opened for the first time (whose alerts `commitLeasing` may lease) from one opened again.
    const items = await this.query('openFindings', {
      KeyConditionExpression: 'pk = :pk', ConsistentRead: true, ExpressionAttributeValues: { ':pk': s(findingPartition(scope, kind, id)) },
    });
    const open = items.filter((item) => item.status?.S === 'open').map(findingFromItem).sort(byOpened);
    this.cache.set(key, { ...cached, open, known: new Set(items.flatMap((item) => (item.sk?.S === undefined ? [] : [item.sk.S]))) });
    this.cache.guard(key, cached.revision);
    return [...open];
  }

  private async readOpenFindings(scope: Scope, kind: ResourceKind, id: string): Promise<Finding[]> {
    const items = await this.query('openFindings', {
      KeyConditionExpression: 'pk = :pk', FilterExpression: '#status = :open', ConsistentRead: true,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pk': s(findingPartition(scope, kind, id)), ':open': s('open') },
    });
    return items.map(findingFromItem).sort(byOpened);
  }

  async listFindings(filter: FindingFilter = {}): Promise<Finding[]> {
    const names: Record<string, string> = {};
    const values: Item = {};
    const conditions: string[] = [];
    for (const field of ['status', 'cloud', 'account'] as const) {
      const value = filter[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = s(value);
      conditions.push(`#${field} = :${field}`);
    }
    let items: Item[];
    if (filter.cloud !== undefined && filter.account !== undefined) {
      const status = filter.status === undefined ? {} : {
        FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' },
      };
      items = await this.query('listFindings', {
        IndexName: FINDINGS_BY_ACCOUNT_INDEX, KeyConditionExpression: 'findingScope = :scope', ...status,
        ExpressionAttributeValues: {
          ':scope': s(findingScope({ cloud: filter.cloud, account: filter.account })),
          ...(filter.status === undefined ? {} : { ':status': s(filter.status) }),
        },
      });
    } else {
      items = await this.scan('listFindings', {
        FilterExpression: ['itemType = :finding', ...conditions].join(' AND '),
        ...(conditions.length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: { ':finding': s('finding'), ...values },
      });
    }
    return items.map(findingFromItem).sort(byOpened);
  }

  /**
   * With `cacheReads`, the first transaction holds only if every resource served from the cache
   * since the last commit still has the revision it was served with; if one does not, nothing is
   * written, the cache is emptied and `ConflictError` says so (the pipeline redoes the record).
   */
  async commit(change: StateCommit): Promise<void> {
    await this.write(change);
  }

  /**
   * With `cacheReads`: the alerts of findings opened for the first time (no item of their
   * fingerprint in the resource's partition, as the cache read it) are written leased to
   * `lease.owner`, and their finding items only where none exists yet — so no older entry of the
   * same finding and sink can be pending for them to overtake (entries and findings are committed
   * together). A finding item that appeared meanwhile refuses the commit like a stale read. Other
   * alerts, a commit larger than one transaction, or a store without the cache: written as `commit`
   * writes them, for the usual lease.
   */
  async commitLeasing(change: StateCommit, lease: { owner: string; leaseMs: number; now?: Date }): Promise<OutboxEntry[]> {
    return this.write(change, lease);
  }

  /** Fingerprints of the findings `change` opens for the first time, as far as the cache can tell. */
  private firstOpened(change: StateCommit): Set<string> {
    const first = new Set<string>();
    for (const f of change.findings) {
      const known = this.cache?.get(keyText(observedKey(f, f.kind, f.resource)))?.known;
      if (f.status === 'open' && known !== undefined && !known.has(f.fingerprint)) first.add(f.fingerprint);
    }
    return first;
  }

  private async write(change: StateCommit, lease?: { owner: string; leaseMs: number; now?: Date }): Promise<OutboxEntry[]> {
    const first = lease ? this.firstOpened(change) : new Set<string>();
    const guards = this.cache?.takeGuards() ?? new Map<string, number>();
    const transactions = planCommit(change, { createdAt: this.now().toISOString(), sequence: (commitSequence += 1), reserve: guards.size });
    // A processed id that was claimed is written only while the claim is still this worker's.
    const claims = new Map(change.processed.flatMap((p) => (p.claimedBy === undefined ? [] : [[processedKey(p.key).pk?.S, p.claimedBy] as const])));
    const leased: OutboxEntry[] = [];
    const absent = new Set<string>();
    if (lease && first.size > 0 && transactions.length === 1) {
      const until = new Date((lease.now ?? this.now()).getTime() + lease.leaseMs).toISOString();
      const [items = []] = transactions;
      for (const [i, item] of items.entries()) {
        if (item.itemType?.S === 'finding' && item.sk?.S !== undefined && first.has(item.sk.S)) absent.add(keyText(item));
        if (item.itemType?.S !== 'outbox') continue;
        const entry = outboxFromItem(item);
        if (entry.finding.status !== 'open' || !first.has(entry.finding.fingerprint)) continue;
        const held = { ...item, leaseOwner: s(lease.owner), nextAttemptAt: s(until) };
        items[i] = held;
        leased.push(outboxFromItem(held));
      }
    }
    const written = new Map<string, { guard: number | undefined; observed?: ObservedState; findings: Finding[] }>();
    for (const [index, items] of transactions.entries()) {
      const request = transactItems(items, { table: this.table, claims, ...(index === 0 ? { guards, absent } : {}) });
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: request.items }));
      } catch (error) {
        // Whatever the table holds now, this container's copy of it is not to be trusted.
        this.cache?.clear();
        const failed = failedConditions(error);
        if (failed.some((place) => request.guarded.has(place))) {
          throw new ConflictError(`state store commit (DynamoDB table ${this.table}): refused, what it read changed since (another worker committed first)`, { cause: error });
        }
        if (claims.size > 0 && isCancelledByCondition(error)) {
          throw new ConflictError(`state store commit (DynamoDB table ${this.table}): refused, the claim on ${[...claims.keys()].join(', ')} is no longer held`, { cause: error });
        }
        throw stateStoreError('commit', this.table, error);
      }
      for (const item of items.filter((i) => i.pk?.S?.startsWith('observed#'))) {
        written.set(keyText(item), { guard: index === 0 ? guards.get(keyText(item)) : undefined, findings: [] });
      }
    }
    if (!this.cache) return leased;
    for (const o of change.observed) {
      const write = written.get(keyText(observedKey(o, o.kind, o.id)));
      if (write) write.observed = o;
    }
    for (const f of change.findings) written.get(keyText(observedKey(f, f.kind, f.resource)))?.findings.push(f);
    this.cache.committed(written);
    return leased;
  }

  /** Oldest first, in the order they were committed. */
  async pendingOutbox(limit = 100, now = this.now()): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    // `Limit` counts the items read before the filter: entries backing off are read and skipped, page after page.
    const items = await this.query('pendingOutbox', {
      IndexName: OUTBOX_ORDER_INDEX, KeyConditionExpression: 'pk = :pk', ConsistentRead: true,
      FilterExpression: 'attribute_not_exists(nextAttemptAt) OR nextAttemptAt <= :now',
      ExpressionAttributeValues: { ':pk': s(OUTBOX_PARTITIONS.pending), ':now': s(now.toISOString()) }, Limit: limit,
    }, limit);
    return items.slice(0, limit).map(outboxFromItem);
  }

  /** Oldest first: the partitions asked for, merged by their order. */
  async listOutbox(filter: { state?: OutboxEntry['state'] } = {}): Promise<OutboxEntry[]> {
    const states = filter.state === undefined ? (['pending', 'rejected'] as const) : [filter.state];
    const partitions = await Promise.all(states.map((state) => this.query('listOutbox', {
      IndexName: OUTBOX_ORDER_INDEX, KeyConditionExpression: 'pk = :pk', ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': s(OUTBOX_PARTITIONS[state]) },
    })));
    return partitions.flat().sort(byOutboxOrder).map(outboxFromItem);
  }

  /** One conditional delete per entry, a few at once. */
  async outboxDelivered(ids: string | readonly string[], owner?: string): Promise<void> {
    const all = typeof ids === 'string' ? [ids] : [...ids];
    for (let i = 0; i < all.length; i += WRITE_CONCURRENCY) {
      await Promise.all(all.slice(i, i + WRITE_CONCURRENCY).map((id) => this.deleteDelivered(id, owner)));
    }
  }

  private async deleteDelivered(id: string, owner?: string): Promise<void> {
    try {
      await this.client.send(new DeleteItemCommand({
        TableName: this.table, Key: outboxKey(id),
        ...(owner === undefined ? {} : { ConditionExpression: 'leaseOwner = :owner', ExpressionAttributeValues: { ':owner': s(owner) } }),
      }));
    } catch (error) {
      // Its lease ended and another worker holds it now: that worker settles it.
      if (isConditionFailed(error)) return;
      throw stateStoreError('outboxDelivered', this.table, error);
    }
  }

  async outboxReleased(id: string, owner: string, notBefore?: string): Promise<void> {
    await this.updatePendingOutbox('outboxReleased', id, notBefore === undefined
      ? { UpdateExpression: 'REMOVE leaseOwner, nextAttemptAt', ExpressionAttributeValues: {} }
      : { UpdateExpression: 'SET nextAttemptAt = :at REMOVE leaseOwner', ExpressionAttributeValues: { ':at': s(normalizedTime(notBefore, 'notBefore')) } },
    owner);
  }

  /**
   * Counts a failed attempt on a pending entry: a retryable failure keeps it there, due at
   * `notBefore`; any other moves it to the rejected partition. An entry delivered meanwhile (by
   * another worker) is not brought back.
   */
  async outboxFailed(id: string, failure: OutboxFailure, owner?: string): Promise<void> {
    const lastError = s(firstLine(failure.error));
    if (!failure.retryable) {
      await this.moveOutbox('outboxFailed', id, 'pending', 'rejected',
        (attempts) => ({ attempts: n(attempts + 1), lastError }), owner);
      return;
    }
    const counted = { ':one': n(1), ':error': lastError };
    await this.updatePendingOutbox('outboxFailed', id, failure.notBefore === undefined
      ? { UpdateExpression: 'SET attempts = attempts + :one, lastError = :error REMOVE nextAttemptAt, leaseOwner', ExpressionAttributeValues: counted }
      : {
        UpdateExpression: 'SET attempts = attempts + :one, lastError = :error, nextAttemptAt = :at REMOVE leaseOwner',
        ExpressionAttributeValues: { ...counted, ':at': s(normalizedTime(failure.notBefore, 'notBefore')) },
      }, owner);
  }

  /** Each entry is moved (rejected) or updated (pending) on its own: the count is of those found. */
  async redriveOutbox(ids?: readonly string[], now = this.now()): Promise<number> {
    const chosen = ids === undefined ? (await this.listOutbox({ state: 'rejected' })).map((entry) => entry.id) : [...new Set(ids)];
    let redriven = 0;
    for (let i = 0; i < chosen.length; i += WRITE_CONCURRENCY) {
      await Promise.all(chosen.slice(i, i + WRITE_CONCURRENCY).map(async (id) => {
        const found = await this.moveOutbox('redriveOutbox', id, 'rejected', 'pending', () => ({ attempts: n(0) }))
          || await this.updatePendingOutbox('redriveOutbox', id, {
            UpdateExpression: 'SET attempts = :zero REMOVE nextAttemptAt, leaseOwner', ExpressionAttributeValues: { ':zero': n(0), ':now': s(now.toISOString()) },
            // An entry leased right now is being sent: redriving it would send it twice.
            condition: 'attribute_not_exists(leaseOwner) OR attribute_not_exists(nextAttemptAt) OR nextAttemptAt <= :now',
          });
        if (found) redriven += 1;
      }));
    }
    return redriven;
  }

  async purgeExpired(now: Date): Promise<number> {
    const nowMs = n(now.getTime());
    const expired = await this.scan('purgeExpired', {
      FilterExpression: 'itemType = :processed AND expiresAtMs <= :now', ProjectionExpression: 'pk, sk',
      ExpressionAttributeValues: { ':processed': s('processed'), ':now': nowMs },
    });
    let purged = 0;
    for (let i = 0; i < expired.length; i += WRITE_CONCURRENCY) {
      await Promise.all(expired.slice(i, i + WRITE_CONCURRENCY).map(async (item) => {
        try {
          // Conditional: an id committed again since the Scan, with a later expiry, stays.
          await this.client.send(new DeleteItemCommand({
            TableName: this.table, Key: { pk: item.pk ?? s(''), sk: item.sk ?? s('') },
            ConditionExpression: 'expiresAtMs <= :now', ExpressionAttributeValues: { ':now': nowMs },
          }));
          purged += 1;
        } catch (error) {
          if (!isConditionFailed(error)) throw stateStoreError('purgeExpired', this.table, error);
        }
      }));
    }
    return purged;
  }

  private get tableRef() {
    return { client: this.client, table: this.table };
  }

  /** The client belongs to the caller, who may share it: nothing to release here. */
  async close(): Promise<void> {}

  /** Updates a pending entry if it is there (and `owner` holds its lease, and `condition` holds); gives whether it was. */
  private async updatePendingOutbox(
    action: string, id: string, update: { UpdateExpression: string; ExpressionAttributeValues: Item; condition?: string }, owner?: string,
  ): Promise<boolean> {
    const conditions = ['attribute_exists(pk)', ...(owner === undefined ? [] : ['leaseOwner = :owner']), ...(update.condition ? [`(${update.condition})`] : [])];
    const values = { ...update.ExpressionAttributeValues, ...(owner === undefined ? {} : { ':owner': s(owner) }) };
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.table, Key: outboxKey(id, 'pending'), ConditionExpression: conditions.join(' AND '),
        UpdateExpression: update.UpdateExpression,
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      }));
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw stateStoreError(action, this.table, error);
    }
  }

  /**
   * Moves an entry from one partition to the other in one transaction, with `changes` (given its
   * attempts so far): the item is read, then deleted on condition that its attempts did not change
   * meanwhile, and put in the other partition. Gives whether it was there to move.
   */
  private async moveOutbox(
    action: string, id: string, from: OutboxEntry['state'], to: OutboxEntry['state'], changes: (attempts: number) => Item, owner?: string,
  ): Promise<boolean> {
    for (let attempt = 1; attempt <= MOVE_ATTEMPTS; attempt += 1) {
      const item = await this.getItem(action, outboxKey(id, from));
      if (item === undefined) return false;
      const { attempts, leasedBy } = outboxFromItem(item);
      // Its lease ended and another worker holds it now: that worker settles it.
      if (owner !== undefined && leasedBy !== owner) return false;
      try {
        await this.client.send(new TransactWriteItemsCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table, Key: outboxKey(id, from),
                ConditionExpression: owner === undefined ? 'attempts = :attempts' : 'attempts = :attempts AND leaseOwner = :owner',
                ExpressionAttributeValues: { ':attempts': n(attempts), ...(owner === undefined ? {} : { ':owner': s(owner) }) },
              },
            },
            { Put: { TableName: this.table, Item: movedOutboxItem(item, to, changes(attempts)) } },
          ],
        }));
        return true;
      } catch (error) {
        if (!isCancelledByCondition(error)) throw stateStoreError(action, this.table, error);
      }
    }
    throw new TransientError(`state store ${action} (DynamoDB table ${this.table}): outbox entry ${id} kept changing while being moved`);
  }

  private async getItem(action: string, key: Item): Promise<Item | undefined> {
    try {
      const output = await this.client.send(new GetItemCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
      return output.Item;
    } catch (error) {
      throw stateStoreError(action, this.table, error);
    }
  }

  /** Every page, or pages until `enough` items were read. */
  private async query(action: string, input: Omit<QueryCommandInput, 'TableName'>, enough = Infinity): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      try {
        const page = await this.client.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } catch (error) {
        throw stateStoreError(action, this.table, error);
      }
    } while (start && items.length < enough);
    return items;
  }

  private async scan(action: string, input: Omit<ScanCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      try {
        const page = await this.client.send(new ScanCommand({ ...input, TableName: this.table, ExclusiveStartKey: start, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } catch (error) {
        throw stateStoreError(action, this.table, error);
      }
    } while (start);
    return items;
  }
}
