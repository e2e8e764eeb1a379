import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../../adapters/aws/dynamodb-state-store.js';
import { outboxDelivery, sinksFromConfig } from '../../../alerts/sinks.js';
import { parseConfig } from '../../../core/config.js';
import { ConflictError } from '../../../core/errors.js';
import { Pipeline } from '../../../core/pipeline.js';
import type { StateCommit } from '../../../core/ports.js';
import { FilesystemSnapshotStore } from '../../../snapshots/fs-store.js';
import { describeStateStoreContract } from '../../contract/state-store-contract.js';
import { AWS_SCOPE, sampleFinding, sampleObserved } from '../../contract/samples.js';
import { awsBaseline } from '../../core/base-resources.js';
import { describeWithMoto, motoClientConfig } from '../../support/moto.js';
import { awsChange } from '../../support/pipeline-harness.js';
import { startPagerDutyReceiver } from '../../support/receivers.js';

const toIgw = { op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } } } as const;
const toNat = { op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-01' } } } as const;

function commitOf(change: Partial<StateCommit>): StateCommit {
  return { processed: [], observed: [], findings: [], outbox: [], ...change };
}

/** A client that counts the requests it sends, by command name. */
function counted(client: DynamoDBClient): { client: DynamoDBClient; sent: string[] } {
  const sent: string[] = [];
  const send = (command: { constructor: { name: string } }) => {
    sent.push(command.constructor.name.replace(/Command$/, ''));
    return client.send(command as never);
  };
  return { client: { send } as unknown as DynamoDBClient, sent };
}

describeWithMoto('DynamoDbStateStore with cacheReads on moto', () => {
  // What one store says, whether from its cache or from the table, is what the contract says.
  describeStateStoreContract('DynamoDbStateStore, cacheReads', async () => {
    const client = new DynamoDBClient(motoClientConfig());
    const table = `netdrift-test-${randomUUID()}`;
    await DynamoDbStateStore.createTable(client, table);
    const store = new DynamoDbStateStore({ client, table, cacheReads: true });
    return {
      store,
      cleanup: async () => { await store.close(); await client.send(new DeleteTableCommand({ TableName: table })); client.destroy(); },
    };
  });

  let client: DynamoDBClient;
  let table: string;
  let dir: string;
  beforeEach(async () => {
    client = new DynamoDBClient(motoClientConfig());
    table = `netdrift-test-${randomUUID()}`;
    dir = await mkdtemp(join(tmpdir(), 'netdrift-cache-'));
    await DynamoDbStateStore.createTable(client, table);
  });
  afterEach(async () => {
    await client.send(new DeleteTableCommand({ TableName: table }));
    client.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  /** A worker: its own store (and cache) on the shared table, its own pipeline on the shared baseline. */
  async function worker(requests?: { client: DynamoDBClient }, leaseAlerts?: { owner: string; leaseMs: number }) {
    const snapshots = new FilesystemSnapshotStore(dir);
    if (!(await snapshots.get(AWS_SCOPE, 'baseline'))) await snapshots.put(AWS_SCOPE, 'baseline', awsBaseline());
    const state = new DynamoDbStateStore({ client: requests?.client ?? client, table, cacheReads: true });
    return { state, pipeline: new Pipeline({ adapters: [], snapshots, state, route: () => ['pagerduty'], ...(leaseAlerts ? { leaseAlerts } : {}) }) };
  }

  it('reads a resource once: the next event on it costs a claim and a commit', async () => {
    const requests = counted(client);
    const { pipeline } = await worker(requests);
    const first = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });
    await pipeline.applyRecord(first.eventId, [first]);
    requests.sent.length = 0;

    const second = awsChange({ kind: 'route-table', id: 'rtb-0a1', time: '2026-11-26T10:01:00Z', payload: { kind: 'delta', deltas: [toNat] } });
    const outcome = await pipeline.applyRecord(second.eventId, [second]);

    expect(outcome.resolved.map((f) => f.rule)).toEqual(['route.target-changed']);
    expect(requests.sent).toEqual(['PutItem', 'TransactWriteItems']);
  });

  it('refuses a commit resting on a read another worker has since changed, writing nothing', async () => {
    const a = new DynamoDbStateStore({ client, table, cacheReads: true });
    const b = new DynamoDbStateStore({ client, table });
    const observed = sampleObserved();
    await a.getObserved(AWS_SCOPE, observed.kind, observed.id);
    await a.openFindings(AWS_SCOPE, observed.kind, observed.id);
    await b.commit(commitOf({ findings: [sampleFinding({ resource: observed.id })] }));

    const stale = a.commit(commitOf({ processed: [{ key: 'aws:evt-stale', expiresAt: '2099-01-01T00:00:00Z' }], observed: [observed] }));

    await expect(stale).rejects.toThrow(ConflictError);
    expect(await a.isProcessed('aws:evt-stale')).toBe(false);
    expect(await a.getObserved(AWS_SCOPE, observed.kind, observed.id)).toBeUndefined();
    expect((await a.openFindings(AWS_SCOPE, observed.kind, observed.id)).map((f) => f.resource)).toEqual([observed.id]);
  });

  it('two workers taking turns on one resource: each drift alerts once, none is missed', async () => {
    const [a, b] = [await worker(undefined, { owner: 'a', leaseMs: 60_000 }), await worker(undefined, { owner: 'b', leaseMs: 60_000 })];
    const at = (minute: number) => `2026-11-26T10:0${minute}:00Z`;
    const drift1 = awsChange({ kind: 'route-table', id: 'rtb-0a1', time: at(1), payload: { kind: 'delta', deltas: [toIgw] } });
    const revert = awsChange({ kind: 'route-table', id: 'rtb-0a1', time: at(2), payload: { kind: 'delta', deltas: [toNat] } });
    const drift2 = awsChange({ kind: 'route-table', id: 'rtb-0a1', time: at(3), payload: { kind: 'delta', deltas: [toIgw] } });

    const opened = await a.pipeline.applyRecord(drift1.eventId, [drift1]);
    const resolved = await b.pipeline.applyRecord(revert.eventId, [revert]);
    // Worker a's cache still says the route points to the internet and the finding is open.
    const reopened = await a.pipeline.applyRecord(drift2.eventId, [drift2]);

    expect([opened, resolved, reopened].map((o) => [o.status, o.opened.length, o.resolved.length])).toEqual([['applied', 1, 0], ['applied', 0, 1], ['applied', 1, 0]]);
    // Only the first trigger may go at once: the resolve and the second trigger queue behind it.
    expect([opened, resolved, reopened].map((o) => (o.leased ?? []).length)).toEqual([1, 0, 0]);
    expect((await b.state.listOutbox()).map((e) => `${e.finding.status} ${e.finding.rule}`)).toEqual([
      'open route.target-changed', 'resolved route.target-changed', 'open route.target-changed',
    ]);
    // Read from the table (worker b's own cache may still say it is resolved: its next commit would find out).
    expect(await new DynamoDbStateStore({ client, table }).openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1')).toHaveLength(1);
  });

  it('commits the alerts of a finding opened for the first time leased to the worker, and those of a resolve or a reopen for a lease', async () => {
    const { pipeline } = await worker(undefined, { owner: 'worker-a', leaseMs: 60_000 });
    const other = new DynamoDbStateStore({ client, table });
    const at = (minute: number) => `2026-11-26T10:0${minute}:00Z`;
    const changes = [toIgw, toNat, toIgw].map((delta, i) => awsChange({ kind: 'route-table', id: 'rtb-0a1', time: at(i + 1), payload: { kind: 'delta', deltas: [delta] } }));

    const outcomes = [];
    for (const change of changes) outcomes.push(await pipeline.applyRecord(change.eventId, [change]));

    expect(outcomes.map((o) => (o.leased ?? []).map((e) => [e.sink, e.finding.status, e.leasedBy]))).toEqual([[['pagerduty', 'open', 'worker-a']], [], []]);
    // Another worker's lease takes the resolve only: the trigger is worker a's (and the reopen waits behind it).
    expect((await other.leaseOutbox(10, { owner: 'worker-b', leaseMs: 60_000 })).map((e) => e.finding.status)).toEqual([]);
    expect((await other.listOutbox()).map((e) => [e.finding.status, e.leasedBy])).toEqual([['open', 'worker-a'], ['resolved', undefined], ['open', undefined]]);
  });

  it('sends leased alerts without reading the outbox, and leaves what a crash did not send to a lease once it ends', async () => {
    const pagerduty = await startPagerDutyReceiver();
    try {
      const config = parseConfig({ sinks: { pagerduty: { routingKey: 'R0TESTROUTINGKEY0000000000000000', url: `${pagerduty.url}/v2/enqueue` } } }, 'test');
      const requests = counted(client);
      const { pipeline, state } = await worker(requests, { owner: 'worker-a', leaseMs: 60_000 });
      const delivery = outboxDelivery(state, sinksFromConfig(config), config);
      const sent = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });
      const crashed = awsChange({ kind: 'route-table', id: 'rtb-0b2', payload: { kind: 'full', state: { ...awsBaseline().resources[0], id: 'rtb-0b2' } as never } });
      const first = await pipeline.applyRecord(sent.eventId, [sent]);
      const unsent = await pipeline.applyRecord(crashed.eventId, [crashed]);
      requests.sent.length = 0;

      const report = await delivery.sendLeased(first.leased ?? [], 'worker-a');

      expect(report.sent).toBe(1);
      expect(pagerduty.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual(['trigger']);
      expect(requests.sent).not.toContain('Query');
      const lease = { owner: 'drain', leaseMs: 60_000 };
      expect(await state.leaseOutbox(10, lease)).toEqual([]);
      const later = await state.leaseOutbox(10, { ...lease, now: new Date(Date.now() + 61_000) });
      expect(later.map((e) => e.id).sort()).toEqual((unsent.leased ?? []).map((e) => e.id).sort());
      expect(later.map((e) => e.finding.resource)).toContain('rtb-0b2');
    } finally {
      await pagerduty.close();
    }
  });
});
