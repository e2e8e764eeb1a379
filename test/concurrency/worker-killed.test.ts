import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { DynamoDbStateStore } from '../../adapters/aws/dynamodb-state-store.js';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import { OutboxDelivery } from '../../alerts/outbox-delivery.js';
import type { StateStore } from '../../core/ports.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { ROOT } from '../support/cli.js';
import { describeWithMoto, motoClientConfig } from '../support/moto.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';
import { defaultRouteEvent, receiversConfig, routeTablesBaseline, sinksFromConfig, workerPipeline } from './drift-events.js';

/** Long enough for the parent to look while the dead worker's claim still holds, on a busy machine. */
const LEASE_MS = 3_000;

let dir: string;
let slack: Receiver;
let pagerduty: Receiver;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netdrift-killed-'));
  slack = await startSlackReceiver();
  pagerduty = await startPagerDutyReceiver();
  const snapshots = new FilesystemSnapshotStore(join(dir, 'baselines'));
  await snapshots.put({ cloud: 'aws', account: '111122223333' }, 'baseline', routeTablesBaseline(1) as never);
  await writeFile(join(dir, 'event.json'), JSON.stringify(defaultRouteEvent(0, 'killed')));
});
afterEach(async () => {
  await slack.close();
  await pagerduty.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs test/support/die-while-holding.ts in a child process, which ends killed by SIGKILL. */
function dieWhileHolding(mode: 'claim' | 'send', store: object) {
  return spawnSync(process.execPath, [
    '--import', 'tsx', join(ROOT, 'test/support/die-while-holding.ts'), mode, JSON.stringify(store), join(dir, 'baselines'), join(dir, 'event.json'), String(LEASE_MS),
  ], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function takeOverClaim(store: StateStore, spec: object): Promise<void> {
  const config = receiversConfig(slack, pagerduty);
  const pipeline = workerPipeline(store, new FilesystemSnapshotStore(join(dir, 'baselines')), config, LEASE_MS);
  const event = defaultRouteEvent(0, 'killed');
  const crashed = dieWhileHolding('claim', spec);
  const early = await pipeline.handle(event);
  await sleep(LEASE_MS + 100);
  const late = await pipeline.handle(event);
  await new OutboxDelivery(store, sinksFromConfig(config)).drain();
  const again = await pipeline.handle(event);

  expect(crashed.signal).toBe('SIGKILL');
  expect(crashed.stdout).toContain('claimed, dying before the commit');
  expect(early.records).toMatchObject([{ status: 'failed', retryable: true, reason: expect.stringMatching(/being processed by another worker/) }]);
  expect(late.records).toMatchObject([{ status: 'applied', opened: [{ rule: 'route.default-added' }] }]);
  expect(again.records).toMatchObject([{ status: 'duplicate' }]);
  expect(pagerduty.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual(['trigger']);
  expect(slack.requests).toHaveLength(1);
}

describe('a worker killed by SIGKILL', () => {
  it('after claiming an event (SQLite): its claim is taken over after the lease, nothing lost, one alert each', async () => {
    const file = join(dir, 'state.sqlite');
    const store = new SqliteStateStore(file);
    try {
      await takeOverClaim(store, { sqlite: file });
    } finally {
      await store.close();
    }
  }, 30_000);

  it('in the middle of a send (SQLite): the entry is sent again once its lease ends, and only then', async () => {
    const file = join(dir, 'state.sqlite');
    const store = new SqliteStateStore(file);
    try {
      const crashed = dieWhileHolding('send', { sqlite: file });
      const delivery = new OutboxDelivery(store, sinksFromConfig(receiversConfig(slack, pagerduty)));
      const during = await delivery.pass();
      await sleep(LEASE_MS + 100);
      const after = await delivery.pass();

      expect(crashed.signal).toBe('SIGKILL');
      expect(crashed.stdout).toContain('leased, dying in the middle of the send');
      expect(during.sent).toBe(0);
      expect(after.sent).toBe(1);
      expect(pagerduty.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual(['trigger']);
      expect(await store.listOutbox()).toEqual([]);
    } finally {
      await store.close();
    }
  }, 30_000);
});

describeWithMoto('DynamoDB on moto', () => {
  it('a worker killed after claiming an event: taken over after the lease, nothing lost, one alert each', async () => {
    const table = `netdrift-killed-${randomUUID()}`;
    const client = new DynamoDBClient(motoClientConfig());
    await DynamoDbStateStore.createTable(client, table);
    try {
      await takeOverClaim(new DynamoDbStateStore({ client, table }), { dynamodb: { endpoint: inject('motoEndpoint'), table } });
    } finally {
      await client.send(new DeleteTableCommand({ TableName: table }));
      client.destroy();
    }
  }, 60_000);
});
