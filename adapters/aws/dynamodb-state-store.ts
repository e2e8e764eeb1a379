import {
  CreateTableCommand, DeleteItemCommand, GetItemCommand, QueryCommand, ScanCommand, TransactWriteItemsCommand,
  UpdateItemCommand, UpdateTimeToLiveCommand, waitUntilTableExists,
  type DynamoDBClient, type QueryCommandInput, type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import { compareText } from '../../snapshots/canonical.js';
import type { Finding } from '../../core/finding.js';
import type { FindingFilter, ObservedState, OutboxEntry, StateCommit, StateStore } from '../../core/ports.js';
import type { ResourceKind, Scope } from '../../core/resource.js';
import { planCommit } from './dynamodb-commit.js';
import { isConditionFailed, stateStoreError } from './dynamodb-errors.js';
import {
  FINDINGS_BY_ACCOUNT_INDEX, OUTBOX_ORDER_INDEX, OUTBOX_PARTITION, TTL_ATTRIBUTE, findingFromItem, findingPartition,
  findingScope, n, observedFromItem, observedKey, observedPartition, outboxFromItem, outboxKey, processedExpiryMs,
  processedKey, s, type Item,
} from './dynamodb-items.js';

export interface DynamoDbStateStoreOptions {
  client: DynamoDBClient;
  table: string;
  /** The clock: what `isProcessed` compares expiries with, and when outbox entries are created. */
  now?: () => Date;
}

/** The longest error text kept on an outbox entry: one line is what a person reads. */
const MAX_ERROR_LENGTH = 1000;
/** How many expired ids `purgeExpired` deletes at once. */
const PURGE_CONCURRENCY = 16;

/** Orders the outbox entries of commits made in the same millisecond by one process. */
let commitSequence = 0;

function byOpened(a: Finding, b: Finding): number {
  return compareText(a.openedAt, b.openedAt) || compareText(a.fingerprint, b.fingerprint);
}

/**
 * The `StateStore` on one DynamoDB table (single-table design; keys `pk` and `sk`, strings):
 *
 * | item | pk | sk | also |
 * |---|---|---|---|
 * | processed event id | `processed#<key>` | `processed` | `expiresAt` (epoch s, the table's TTL attribute), `expiresAtMs` |
 * | observed state | `observed#<cloud>/<account>/<kind>` | the id, normalised (`normalizeId`) | the `ObservedState` fields; `state` as JSON or NULL |
 * | finding | `finding#<resourceKey>` | fingerprint | `status`, `finding` (JSON), `findingScope`, `findingOrder` |
 * | outbox entry | `outbox` | `entry#<id>` | `outboxOrder`, `sink`, `finding` (JSON), `attempts`, `lastError`, `createdAt` |
 *
 * - Processed ids expire through DynamoDB's TTL, which deletes lazily (within days), so
 *   `isProcessed` also compares `expiresAtMs` with the clock; `purgeExpired` is a Scan (the TTL
 *   does this work in production).
 * - `listObserved` is a Query of one partition (a kind in an account); `getObserved` and
 *   `openFindings` are strongly consistent reads of the resource's item or partition, with Azure
 *   ids lower-cased in the keys, so they are found whatever their case.
 * - `listFindings` with `cloud` and `account` is a Query of the GSI `findings-by-account`
 *   (eventually consistent, as GSIs are); any other filter is a Scan with a filter, acceptable at
 *   the scale of findings (hundreds per account).
 * - The outbox is one partition read in order through the LSI `outbox-order` (consistent reads),
 *   sorted by creation time, then the commit, then the entry's place in it.
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

  constructor(options: DynamoDbStateStoreOptions) {
    this.client = options.client;
    this.table = options.table;
    this.now = options.now ?? (() => new Date());
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
    return item !== undefined && processedExpiryMs(item) > this.now().getTime();
  }

  async getObserved(scope: Scope, kind: ResourceKind, id: string): Promise<ObservedState | undefined> {
    const item = await this.getItem('getObserved', observedKey(scope, kind, id));
    return item && observedFromItem(item);
  }

  async listObserved(scope: Scope, kind: ResourceKind): Promise<ObservedState[]> {
    const items = await this.query('listObserved', {
      KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': s(observedPartition(scope, kind)) }, ConsistentRead: true,
    });
    return items.map(observedFromItem);
  }

  async openFindings(scope: Scope, kind: ResourceKind, id: string): Promise<Finding[]> {
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

  async commit(change: StateCommit): Promise<void> {
    const transactions = planCommit(change, { createdAt: this.now().toISOString(), sequence: (commitSequence += 1) });
    for (const items of transactions) {
      try {
        await this.client.send(new TransactWriteItemsCommand({
          TransactItems: items.map((Item) => ({ Put: { TableName: this.table, Item } })),
        }));
      } catch (error) {
        throw stateStoreError('commit', this.table, error);
      }
    }
  }

  /** Oldest first, in the order they were committed. */
  async pendingOutbox(limit = 100): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const items = await this.query('pendingOutbox', {
      IndexName: OUTBOX_ORDER_INDEX, KeyConditionExpression: 'pk = :pk', ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': s(OUTBOX_PARTITION) }, Limit: limit,
    }, limit);
    return items.slice(0, limit).map(outboxFromItem);
  }

  async outboxDelivered(id: string): Promise<void> {
    try {
      await this.client.send(new DeleteItemCommand({ TableName: this.table, Key: outboxKey(id) }));
    } catch (error) {
      throw stateStoreError('outboxDelivered', this.table, error);
    }
  }

  /** Counts a failed attempt; an entry delivered meanwhile (by another worker) is not brought back. */
  async outboxFailed(id: string, error: string): Promise<void> {
    const line = (error.split('\n', 1)[0] ?? '').slice(0, MAX_ERROR_LENGTH);
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.table, Key: outboxKey(id),
        UpdateExpression: 'SET attempts = attempts + :one, lastError = :error',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': n(1), ':error': s(line) },
      }));
    } catch (failure) {
      if (isConditionFailed(failure)) return;
      throw stateStoreError('outboxFailed', this.table, failure);
    }
  }

  async purgeExpired(now: Date): Promise<number> {
    const nowMs = n(now.getTime());
    const expired = await this.scan('purgeExpired', {
      FilterExpression: 'itemType = :processed AND expiresAtMs <= :now', ProjectionExpression: 'pk, sk',
      ExpressionAttributeValues: { ':processed': s('processed'), ':now': nowMs },
    });
    let purged = 0;
    for (let i = 0; i < expired.length; i += PURGE_CONCURRENCY) {
      await Promise.all(expired.slice(i, i + PURGE_CONCURRENCY).map(async (item) => {
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

  /** The client belongs to the caller, who may share it: nothing to release here. */
  async close(): Promise<void> {}

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
