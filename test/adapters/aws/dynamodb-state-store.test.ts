import { randomUUID } from 'node:crypto';
import {
  DeleteTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, GetItemCommand,
  ProvisionedThroughputExceededException, TransactionCanceledException, TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../../adapters/aws/dynamodb-state-store.js';
import { NetdriftError, TransientError } from '../../../core/errors.js';
import type { Finding } from '../../../core/finding.js';
import type { StateCommit } from '../../../core/ports.js';
import { describeStateStoreContract } from '../../contract/state-store-contract.js';
import { sampleFinding, sampleObserved } from '../../contract/samples.js';
import { describeWithMoto, motoClientConfig } from '../../support/moto.js';

const HOUR = 3_600_000;

function commitOf(change: Partial<StateCommit>): StateCommit {
  return { processed: [], observed: [], findings: [], outbox: [], ...change };
}

/** One event's commit with `count` alerts, each for its own finding. */
function largeCommit(count: number, expiresAt = new Date(Date.now() + HOUR).toISOString()): StateCommit {
  const findings = Array.from({ length: count }, (_, i) => sampleFinding({ resource: `rtb-${String(i).padStart(3, '0')}` }));
  return commitOf({
    processed: [{ key: 'aws:evt-large', expiresAt }],
    observed: [sampleObserved()],
    findings,
    outbox: findings.map((finding) => ({ sink: 'slack', finding })),
  });
}

/** A client whose `send` throws `error` for every request, to see how the store reports it. */
function failingClient(error: unknown): DynamoDBClient {
  return { send: () => Promise.reject(error) } as unknown as DynamoDBClient;
}

/** Counts the transactions a client sends, and fails the one numbered `failAt` (1-based) as a crash would. */
function countingClient(client: DynamoDBClient, failAt?: number): { client: DynamoDBClient; transactions: TransactWriteItemsCommand[] } {
  const transactions: TransactWriteItemsCommand[] = [];
  const send = (command: unknown) => {
    if (command instanceof TransactWriteItemsCommand) {
      transactions.push(command);
      if (transactions.length === failAt) return Promise.reject(new Error('socket hang up'));
    }
    return client.send(command as TransactWriteItemsCommand);
  };
  return { client: { send } as unknown as DynamoDBClient, transactions };
}

describe('DynamoDbStateStore errors', () => {
  it('reports throttling as transient', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} });
    const store = new DynamoDbStateStore({ client: failingClient(throttled), table: 'netdrift-state' });

    await expect(store.isProcessed('aws:evt-1')).rejects.toBeInstanceOf(TransientError);
  });

  it('reports a transaction cancelled by a conflict as transient, naming the reason', async () => {
    const cancelled = new TransactionCanceledException({
      message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
    });
    const store = new DynamoDbStateStore({ client: failingClient(cancelled), table: 'netdrift-state' });

    const commit = store.commit(commitOf({ findings: [sampleFinding()] }));

    await expect(commit).rejects.toBeInstanceOf(TransientError);
    await expect(commit).rejects.toThrow('state store commit (DynamoDB table netdrift-state): TransactionCanceledException: cancelled (TransactionConflict)');
  });

  it('reports a missing table as an error a retry will not fix', async () => {
    const missing = Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    const store = new DynamoDbStateStore({ client: failingClient(missing), table: 'netdrift-state' });

    const read = store.pendingOutbox();

    await expect(read).rejects.toBeInstanceOf(NetdriftError);
    await expect(read).rejects.not.toBeInstanceOf(TransientError);
  });

  it('refuses an outbox finding without a fingerprint before sending anything', async () => {
    const sent: unknown[] = [];
    const client = { send: (command: unknown) => { sent.push(command); return Promise.resolve({}); } } as unknown as DynamoDBClient;
    const { fingerprint: _fingerprint, ...broken } = sampleFinding();

    const commit = new DynamoDbStateStore({ client, table: 'netdrift-state' }).commit(commitOf({ outbox: [{ sink: 'slack', finding: broken as Finding }] }));

    await expect(commit).rejects.toThrow(/commit refused, nothing written: .*fingerprint is missing/);
    expect(sent).toEqual([]);
  });
});

describeWithMoto('DynamoDbStateStore on moto', () => {
  describeStateStoreContract('DynamoDbStateStore', async () => {
    const client = new DynamoDBClient(motoClientConfig());
    const table = `netdrift-test-${randomUUID()}`;
    await DynamoDbStateStore.createTable(client, table);
    const store = new DynamoDbStateStore({ client, table });
    return {
      store,
      cleanup: async () => { await store.close(); await client.send(new DeleteTableCommand({ TableName: table })); client.destroy(); },
    };
  });

  let client: DynamoDBClient;
  let table: string;
  let store: DynamoDbStateStore;
  beforeEach(async () => {
    client = new DynamoDBClient(motoClientConfig());
    table = `netdrift-test-${randomUUID()}`;
    await DynamoDbStateStore.createTable(client, table);
    store = new DynamoDbStateStore({ client, table });
  });
  afterEach(async () => {
    await client.send(new DeleteTableCommand({ TableName: table }));
    client.destroy();
  });

  it('creates an on-demand table with TTL on expiresAt', async () => {
    const described = await client.send(new DescribeTableCommand({ TableName: table }));
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));

    expect(described.Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('gives processed ids the TTL attribute in epoch seconds', async () => {
    await store.commit(commitOf({ processed: [{ key: 'aws:evt-1', expiresAt: '2026-11-28T10:00:00.500Z' }] }));

    const item = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'processed#aws:evt-1' }, sk: { S: 'processed' } } }));

    expect(item.Item?.expiresAt).toEqual({ N: String(Math.ceil(Date.parse('2026-11-28T10:00:00.500Z') / 1000)) });
  });

  it('forgets a processed id by its own clock, before DynamoDB deletes it', async () => {
    let now = new Date('2026-11-26T10:00:00Z');
    const clocked = new DynamoDbStateStore({ client, table, now: () => now });
    await clocked.commit(commitOf({ processed: [{ key: 'aws:evt-1', expiresAt: '2026-11-26T11:00:00Z' }] }));

    now = new Date('2026-11-26T11:00:01Z');

    expect(await clocked.isProcessed('aws:evt-1')).toBe(false);
  });

  it('lands a commit larger than one transaction, the processed id in the last one', async () => {
    const counting = countingClient(client);
    const split = new DynamoDbStateStore({ client: counting.client, table });

    await split.commit(largeCommit(150));

    expect((await store.pendingOutbox(500)).map((entry) => entry.finding.resource)).toEqual(largeCommit(150).outbox.map((entry) => entry.finding.resource));
    expect(await store.listFindings({ status: 'open' })).toHaveLength(150);
    expect(await store.isProcessed('aws:evt-large')).toBe(true);
    const keysOf = (command: TransactWriteItemsCommand) => (command.input.TransactItems ?? []).map((item) => item.Put?.Item?.pk?.S ?? '');
    expect(counting.transactions.length).toBeGreaterThan(1);
    expect(counting.transactions.every((command) => keysOf(command).length <= 100)).toBe(true);
    expect(keysOf(counting.transactions.at(-1) as TransactWriteItemsCommand)).toContain('processed#aws:evt-large');
    expect(counting.transactions.slice(0, -1).flatMap(keysOf).some((key) => key.startsWith('processed#'))).toBe(false);
  });

  it('leaves the event unprocessed when a split commit is cut short, and its redo does not duplicate alerts', async () => {
    const crashing = new DynamoDbStateStore({ client: countingClient(client, 2).client, table });
    await expect(crashing.commit(largeCommit(150))).rejects.toThrow();
    expect(await store.isProcessed('aws:evt-large')).toBe(false);

    await store.commit(largeCommit(150));

    expect(await store.isProcessed('aws:evt-large')).toBe(true);
    expect(await store.pendingOutbox(500)).toHaveLength(150);
  });

  it('overwrites rather than duplicates the outbox when the same commit is redone', async () => {
    const change = commitOf({
      processed: [{ key: 'aws:evt-1', expiresAt: new Date(Date.now() + HOUR).toISOString() }],
      findings: [sampleFinding()],
      outbox: [{ sink: 'slack', finding: sampleFinding() }, { sink: 'pagerduty', finding: sampleFinding() }],
    });
    await store.commit(change);
    const first = await store.pendingOutbox();

    await store.commit(change);

    expect((await store.pendingOutbox()).map((entry) => entry.id).sort()).toEqual(first.map((entry) => entry.id).sort());
  });

  it('keeps alerts of different events for the same finding apart', async () => {
    const expiresAt = new Date(Date.now() + HOUR).toISOString();
    await store.commit(commitOf({ processed: [{ key: 'aws:evt-1', expiresAt }], outbox: [{ sink: 'slack', finding: sampleFinding() }] }));

    await store.commit(commitOf({ processed: [{ key: 'aws:evt-2', expiresAt }], outbox: [{ sink: 'slack', finding: { ...sampleFinding(), eventId: 'evt-2' } }] }));

    expect(await store.pendingOutbox()).toHaveLength(2);
  });

  it('refuses a large commit whole when its last outbox finding lacks a fingerprint', async () => {
    const change = largeCommit(150);
    const { fingerprint: _fingerprint, ...broken } = sampleFinding({ resource: 'rtb-broken' });
    change.outbox.push({ sink: 'slack', finding: broken as Finding });

    await expect(store.commit(change)).rejects.toThrow(/fingerprint/);

    expect(await store.pendingOutbox()).toEqual([]);
    expect(await store.listFindings()).toEqual([]);
  });

  it('refuses an observed state too large for an item before writing anything', async () => {
    const huge = sampleObserved();
    const state = { ...huge.state, note: 'x'.repeat(500_000) } as typeof huge.state;

    await expect(store.commit(commitOf({ findings: [sampleFinding()], observed: [{ ...huge, state }] }))).rejects.toThrow(/at most 400 KB/);

    expect(await store.listFindings()).toEqual([]);
  });

  it('keeps the first line of a failed send', async () => {
    await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }] }));
    const [entry] = await store.pendingOutbox();

    await store.outboxFailed(entry?.id ?? '', { error: 'slack: 500 Internal Server Error\n<html>…</html>', retryable: true });

    expect((await store.pendingOutbox())[0]?.lastError).toBe('slack: 500 Internal Server Error');
  });

  it('does not bring back an entry delivered before its failure is counted', async () => {
    await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }] }));
    const [entry] = await store.pendingOutbox();
    await store.outboxDelivered(entry?.id ?? '');

    await store.outboxFailed(entry?.id ?? '', { error: 'slack: 429 Too Many Requests', retryable: true });
    await store.outboxFailed(entry?.id ?? '', { error: 'slack: 400 invalid_blocks', retryable: false });

    expect(await store.listOutbox()).toEqual([]);
  });

  it('moves a rejected entry out of the pending partition, its order kept', async () => {
    await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }] }));
    const [entry] = await store.pendingOutbox();
    const key = (pk: string) => ({ pk: { S: pk }, sk: { S: `entry#${entry?.id ?? ''}` } });
    const before = await client.send(new GetItemCommand({ TableName: table, Key: key('outbox') }));

    await store.outboxFailed(entry?.id ?? '', { error: 'slack: 400 invalid_blocks', retryable: false });

    expect((await client.send(new GetItemCommand({ TableName: table, Key: key('outbox') }))).Item).toBeUndefined();
    const rejected = await client.send(new GetItemCommand({ TableName: table, Key: key('outbox#rejected') }));
    expect(rejected.Item?.outboxOrder).toEqual(before.Item?.outboxOrder);
  });

  it('reads past entries not yet due to the limit of due ones', async () => {
    const findings = Array.from({ length: 5 }, (_, i) => sampleFinding({ resource: `rtb-${i}` }));
    await store.commit(commitOf({ outbox: findings.map((finding) => ({ sink: 'slack', finding })) }));
    const notBefore = new Date(Date.now() + HOUR).toISOString();
    for (const entry of (await store.pendingOutbox()).slice(0, 4)) {
      await store.outboxFailed(entry.id, { error: 'slack: 429 Too Many Requests', retryable: true, notBefore });
    }

    const due = await store.pendingOutbox(1);

    expect(due.map((entry) => entry.finding.resource)).toEqual(['rtb-4']);
  });

  it('gives entries due by its own clock when no time is given', async () => {
    let now = new Date();
    const clocked = new DynamoDbStateStore({ client, table, now: () => now });
    await clocked.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }] }));
    const [entry] = await clocked.pendingOutbox();
    await clocked.outboxFailed(entry?.id ?? '', { error: 'slack: 429 Too Many Requests', retryable: true, notBefore: new Date(now.getTime() + HOUR).toISOString() });

    now = new Date(now.getTime() + HOUR);

    expect(await clocked.pendingOutbox()).toHaveLength(1);
  });

  it('reports an unreachable endpoint as transient', async () => {
    const unreachable = new DynamoDBClient({ ...motoClientConfig(), endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });

    await expect(new DynamoDbStateStore({ client: unreachable, table }).isProcessed('aws:evt-1')).rejects.toBeInstanceOf(TransientError);
    unreachable.destroy();
  });
});
