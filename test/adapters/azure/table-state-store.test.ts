import { randomUUID } from 'node:crypto';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openTableStateStore } from '../../../adapters/azure/storage-clients.js';
import { TableStateStore } from '../../../adapters/azure/table-state-store.js';
import { ConflictError, OperatorError, TransientError } from '../../../core/errors.js';
import type { Finding } from '../../../core/finding.js';
import type { StateCommit } from '../../../core/ports.js';
import { describeStateStoreConcurrencyContract } from '../../contract/state-store-concurrency-contract.js';
import { describeStateStoreContract } from '../../contract/state-store-contract.js';
import { AWS_SCOPE, AZURE_ROUTE_TABLE_ID, AZURE_SCOPE, sampleFinding, sampleObserved } from '../../contract/samples.js';
import { azuriteConnectionString, describeWithAzurite } from '../../support/emulator-suites.js';

const HOUR = 3_600_000;

function commitOf(change: Partial<StateCommit>): StateCommit {
  return { processed: [], observed: [], findings: [], outbox: [], ...change };
}

/** One event's commit with `count` findings, each alerted to two sinks: larger than one transaction past 33. */
function largeCommit(count: number): StateCommit {
  const findings = Array.from({ length: count }, (_, i) => sampleFinding({ resource: `rtb-${String(i).padStart(3, '0')}` }));
  return commitOf({
    processed: [{ key: 'aws:evt-large', expiresAt: new Date(Date.now() + HOUR).toISOString() }],
    observed: [sampleObserved()],
    findings,
    outbox: findings.flatMap((finding) => [{ sink: 'slack', finding }, { sink: 'pagerduty', finding }]),
  });
}

/** A client on its own new table (Azurite's connection string; no retries, so a failure shows at once). */
function tableClient(name = `netdrift${randomUUID().replace(/-/g, '')}`, connection = azuriteConnectionString()): TableClient {
  return TableClient.fromConnectionString(connection, name, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
}

/** Records the transactions a client submits, and fails the one numbered `failAt` (1-based) as a crash would. */
function recording(client: TableClient, failAt?: number): { client: TableClient; transactions: TransactionAction[][] } {
  const transactions: TransactionAction[][] = [];
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'submitTransaction') return Reflect.get(target, property, receiver) as unknown;
      return (actions: TransactionAction[]) => {
        transactions.push(actions);
        if (transactions.length === failAt) return Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
        return target.submitTransaction(actions);
      };
    },
  });
  return { client: proxy, transactions };
}

describeWithAzurite('TableStateStore on Azurite', () => {
  describeStateStoreContract('TableStateStore', async () => {
    const client = tableClient();
    await TableStateStore.createTable(client);
    return { store: new TableStateStore({ client }), cleanup: async () => { await client.deleteTable(); } };
  });

  // Workers on separate clients (as separate Function instances are), sharing one table.
  describeStateStoreConcurrencyContract('TableStateStore, a client each', async () => {
    const name = tableClient().tableName;
    await TableStateStore.createTable(tableClient(name));
    return {
      workers: async (count) => Array.from({ length: count }, () => new TableStateStore({ client: tableClient(name) })),
      cleanup: async () => { await tableClient(name).deleteTable(); },
    };
  });

  let client: TableClient;
  let store: TableStateStore;
  beforeEach(async () => {
    client = tableClient();
    await TableStateStore.createTable(client);
    store = new TableStateStore({ client });
  });
  afterEach(async () => {
    await client.deleteTable();
  });

  it('writes a commit that fits one transaction as one transaction, the claim checked by its etag', async () => {
    const { client: counted, transactions } = recording(client);
    const worker = new TableStateStore({ client: counted });
    await worker.claim('aws:evt-1', { leaseMs: 60_000, owner: 'w1' });

    await worker.commit(commitOf({
      processed: [{ key: 'aws:evt-1', expiresAt: new Date(Date.now() + HOUR).toISOString(), claimedBy: 'w1' }],
      observed: [sampleObserved()], findings: [sampleFinding()], outbox: [{ sink: 'slack', finding: sampleFinding() }],
    }));

    expect(transactions).toHaveLength(1);
    expect(transactions[0]?.map(([kind, entity]) => `${kind} ${entity.rowKey.slice(0, 2)}`).sort()).toEqual(['update p|', 'upsert f|', 'upsert o|', 'upsert q|']);
    expect(await store.isProcessed('aws:evt-1')).toBe(true);
  });

  it('lands a commit larger than one transaction whole: journal with the processed id, then rolled forward', async () => {
    const { client: counted, transactions } = recording(client);
    const change = largeCommit(120);

    await new TableStateStore({ client: counted }).commit(change);

    expect(transactions[0]?.some(([, entity]) => entity.rowKey === 'p|aws:evt-large')).toBe(true);
    expect(transactions[0]?.every(([, entity]) => /^(p\||j)/.test(entity.rowKey))).toBe(true);
    expect(transactions.every((actions) => actions.length <= 100)).toBe(true);
    expect(await store.isProcessed('aws:evt-large')).toBe(true);
    expect(await store.listFindings({ status: 'open' })).toHaveLength(120);
    expect((await store.pendingOutbox(1000)).map((e) => `${e.sink} ${e.finding.resource}`)).toEqual(change.outbox.map((e) => `${e.sink} ${e.finding.resource}`));
  });

  it('lands a reconcile-sized commit (500 findings, 1,000 alerts) through one journal', async () => {
    const { client: counted, transactions } = recording(client);

    await new TableStateStore({ client: counted }).commit(largeCommit(500));

    expect(transactions[0]?.filter(([, entity]) => entity.rowKey.startsWith('j|'))).toHaveLength(1);
    expect(await store.listFindings({ status: 'open' })).toHaveLength(500);
    expect(await store.pendingOutbox(2000)).toHaveLength(1000);
  }, 60_000);

  it('shows a large commit cut short mid-roll whole to the next reader, which rolls it forward', async () => {
    const crashing = recording(client, 3);
    // The journal landed (the commit point): the roll cut short after one step is left to readers.
    await new TableStateStore({ client: crashing.client }).commit(largeCommit(120));
    expect(crashing.transactions).toHaveLength(3);

    const findings = await store.listFindings();

    expect(await store.isProcessed('aws:evt-large')).toBe(true);
    expect(findings).toHaveLength(120);
    expect(await store.pendingOutbox(1000)).toHaveLength(240);
    expect(await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual(sampleObserved());
  });

  it('leaves nothing of a large commit whose journal did not land, and the event unprocessed', async () => {
    const crashing = new TableStateStore({ client: recording(client, 1).client });

    await expect(crashing.commit(largeCommit(120))).rejects.toBeInstanceOf(TransientError);

    expect(await store.isProcessed('aws:evt-large')).toBe(false);
    expect(await store.listFindings()).toEqual([]);
    expect(await store.listOutbox()).toEqual([]);
  });

  it('never shows a reader part of a large commit that lands and is half rolled while it reads', async () => {
    let landed = false;
    const racing = new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'listEntities') return Reflect.get(target, property, receiver) as unknown;
        return (options?: Parameters<TableClient['listEntities']>[0]) => {
          const filter = options?.queryOptions?.filter ?? '';
          if (landed || !filter.includes("'f|'")) return target.listEntities(options);
          landed = true;
          // Right after the reader checked for journals, another worker's large commit lands and crashes after one step of its roll.
          const writer = new TableStateStore({ client: recording(client, 3).client });
          const rows = async function* () {
            await writer.commit(largeCommit(120));
            yield* target.listEntities(options);
          };
          return rows();
        };
      },
    });

    const seen = await new TableStateStore({ client: racing }).listFindings();

    expect(landed).toBe(true);
    expect(seen).toHaveLength(120);
  });

  /** Clients whose first reads of an entity are answered only once every one of them has read: all see the same row, then all write. */
  function readingTogether(count: number): TableClient[] {
    let arrived = 0;
    let open: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => { open = resolve; });
    return Array.from({ length: count }, () => {
      let first = true;
      return new Proxy(tableClient(client.tableName), {
        get(target, property, receiver) {
          if (property !== 'getEntity') return Reflect.get(target, property, receiver) as unknown;
          return async (...args: Parameters<TableClient['getEntity']>) => {
            const read = target.getEntity(...args);
            if (first) {
              first = false;
              arrived += 1;
              if (arrived === count) open();
              await barrier;
            }
            return read;
          };
        },
      });
    });
  }

  it('lets exactly one of workers that all saw no claim claim the key (the others\' create gets 409)', async () => {
    const workers = readingTogether(5).map((c) => new TableStateStore({ client: c }));

    const results = await Promise.all(workers.map((w, i) => w.claim('aws:evt-1', { leaseMs: 60_000, owner: `w${i}` })));

    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r === 'in-progress')).toHaveLength(4);
  });

  it('lets exactly one of workers that all saw the same expired claim take it over (the others\' replace gets 412)', async () => {
    await store.claim('aws:evt-1', { leaseMs: 1_000, owner: 'dead', now: new Date(Date.now() - 60_000) });
    const workers = readingTogether(5).map((c) => new TableStateStore({ client: c }));

    const results = await Promise.all(workers.map((w, i) => w.claim('aws:evt-1', { leaseMs: 60_000, owner: `w${i}` })));

    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r === 'in-progress')).toHaveLength(4);
  });

  it('gives one send slot to one of workers that all read the same window', async () => {
    const workers = readingTogether(5).map((c) => new TableStateStore({ client: c }));
    const now = new Date();
    await store.takeSendSlot('slack', { count: 2, intervalMs: 60_000, now });

    const slots = await Promise.all(workers.map((w) => w.takeSendSlot('slack', { count: 2, intervalMs: 60_000, now })));

    expect(slots.filter((slot) => slot.ok)).toHaveLength(1);
  });

  it('writes nothing of a large commit whose claim was taken over', async () => {
    await store.claim('aws:evt-large', { leaseMs: 1_000, owner: 'a', now: new Date(Date.now() - 5_000) });
    await store.claim('aws:evt-large', { leaseMs: 60_000, owner: 'b' });
    const change = largeCommit(60);
    change.processed = change.processed.map((p) => ({ ...p, claimedBy: 'a' }));

    await expect(store.commit(change)).rejects.toBeInstanceOf(ConflictError);

    expect(await store.listFindings()).toEqual([]);
    expect(await store.listOutbox()).toEqual([]);
  });

  it('refuses the commit when the claim is taken over between its check and its write (the etag changed)', async () => {
    await store.claim('aws:evt-1', { leaseMs: 60_000, owner: 'a' });
    const rival = new TableStateStore({ client: tableClient(client.tableName) });
    const intercepting = new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'submitTransaction') return Reflect.get(target, property, receiver) as unknown;
        return async (actions: TransactionAction[]) => {
          // Another worker takes the claim over right before a's transaction is sent.
          await rival.release('aws:evt-1', 'a');
          await rival.claim('aws:evt-1', { leaseMs: 60_000, owner: 'b' });
          return target.submitTransaction(actions);
        };
      },
    });

    const late = new TableStateStore({ client: intercepting }).commit(commitOf({
      processed: [{ key: 'aws:evt-1', expiresAt: new Date(Date.now() + HOUR).toISOString(), claimedBy: 'a' }],
      findings: [sampleFinding()], outbox: [{ sink: 'slack', finding: sampleFinding() }],
    }));

    await expect(late).rejects.toBeInstanceOf(ConflictError);
    expect(await store.listOutbox()).toEqual([]);
    expect(await store.claim('aws:evt-1', { leaseMs: 60_000, owner: 'c' })).toBe('in-progress');
  });

  it('keeps JSON larger than one property (64 KiB) split across properties', async () => {
    const observed = sampleObserved(AZURE_SCOPE, AZURE_ROUTE_TABLE_ID);
    const state = { ...observed.state, note: 'é'.repeat(150_000) } as typeof observed.state;

    await store.commit(commitOf({ observed: [{ ...observed, state }] }));

    const entity = await client.getEntity<Record<string, unknown>>('state', (await client.listEntities().next()).value?.rowKey ?? '');
    expect(entity.jsonParts).toBeGreaterThan(4);
    expect(await store.getObserved(AZURE_SCOPE, 'route-table', AZURE_ROUTE_TABLE_ID)).toEqual({ ...observed, state });
  });

  it('refuses an entity over 1 MiB before writing anything', async () => {
    const observed = sampleObserved();
    const state = { ...observed.state, note: 'x'.repeat(600_000) } as typeof observed.state;

    const commit = store.commit(commitOf({ findings: [sampleFinding()], observed: [{ ...observed, state }] }));

    await expect(commit).rejects.toThrow(/commit refused, nothing written: o\|aws\|111122223333\|route-table\|rtb-0a1 is about \d+ bytes; a Table storage entity holds at most 1 MiB/);
    expect(await store.listFindings()).toEqual([]);
  });

  it('keeps ids with characters a key cannot hold (/, #, ?, quotes, long ones) apart', async () => {
    const ids = ['rtb/a#1?x', "rtb'quoted'", `rtb-${'z'.repeat(600)}`, 'rtb\\back'];
    await store.commit(commitOf({ observed: ids.map((id) => sampleObserved(AWS_SCOPE, id)), findings: ids.map((resource) => sampleFinding({ resource })) }));

    expect((await store.listObserved(AWS_SCOPE, 'route-table')).map((o) => o.id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await store.openFindings(AWS_SCOPE, 'route-table', id)).map((f) => f.resource)).toEqual([id]);
    expect(await store.claim(`aws:${'e'.repeat(2000)}`, { leaseMs: 60_000, owner: 'w' })).toBe('claimed');
  });

  it('reports a missing table as an operator error naming the table to create', async () => {
    const missing = new TableStateStore({ client: tableClient('netdriftmissing') });

    const calls = [
      () => missing.pendingOutbox(), () => missing.isProcessed('aws:evt-1'), () => missing.claim('aws:evt-1', { leaseMs: 1_000, owner: 'w' }),
      () => missing.commit(commitOf({ findings: [sampleFinding()] })),
    ];

    for (const call of calls) {
      const read = call();
      await expect(read).rejects.toBeInstanceOf(OperatorError);
      await expect(read).rejects.toMatchObject({ code: 'store-missing', fix: expect.stringContaining('create the table netdriftmissing') });
      await expect(read).rejects.toThrow(/^state store [\w ]+ \(Azure table netdriftmissing\): TableNotFound: The table specified does not exist\.$/);
    }
  });

  it('opens on a table named with a connection string (Azurite\'s: plain HTTP on loopback)', async () => {
    const opened = await openTableStateStore({ connectionString: azuriteConnectionString() }, client.tableName);

    await opened.commit(commitOf({ processed: [{ key: 'azure:evt-1', expiresAt: new Date(Date.now() + HOUR).toISOString() }] }));

    expect(await store.isProcessed('azure:evt-1')).toBe(true);
  });

  it('reports an unreachable endpoint as transient', async () => {
    const unreachable = azuriteConnectionString().replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:9');

    await expect(new TableStateStore({ client: tableClient('netdrift', unreachable) }).isProcessed('aws:evt-1')).rejects.toBeInstanceOf(TransientError);
  });

  it('keeps the first line of a failed send', async () => {
    await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }] }));
    const [entry] = await store.pendingOutbox();

    await store.outboxFailed(entry?.id ?? '', { error: 'slack: 500 Internal Server Error\n<html>…</html>', retryable: true });

    expect((await store.pendingOutbox())[0]?.lastError).toBe('slack: 500 Internal Server Error');
  });

  it('does not bring back an entry delivered before its failure is counted', async () => {
    await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() as Finding }] }));
    const [entry] = await store.pendingOutbox();
    await store.outboxDelivered(entry?.id ?? '');

    await store.outboxFailed(entry?.id ?? '', { error: 'slack: 429 Too Many Requests', retryable: true });

    expect(await store.listOutbox()).toEqual([]);
  });
});
