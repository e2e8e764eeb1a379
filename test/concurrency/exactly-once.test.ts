import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:http';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../adapters/aws/dynamodb-state-store.js';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import type { DeliveryFailure } from '../../alerts/deliver.js';
import { OutboxDelivery } from '../../alerts/outbox-delivery.js';
import { deliveryOptionsFromConfig } from '../../alerts/sinks.js';
import type { RecordOutcome } from '../../core/pipeline.js';
import type { StateStore } from '../../core/ports.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { describeWithMoto, motoClientConfig } from '../support/moto.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';
import {
  alertedTables, defaultRouteEvent, receiversConfig, routeTable, routeTablesBaseline, sinksFromConfig, workerPipeline,
} from './drift-events.js';

const WORKERS = 20;
const EVENTS = 50;
/** An SQS batch: each worker runs one outbox pass after this many events, as the events function does. */
const BATCH = 10;

let dir: string;
let slack: Receiver;
let pagerduty: Receiver;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netdrift-exactly-once-'));
  slack = await startSlackReceiver();
  pagerduty = await startPagerDutyReceiver();
});
afterEach(async () => {
  await slack.close();
  await pagerduty.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * `stores` workers, each with its own pipeline and outbox delivery on its own store connection,
 * all given the same 50 events in their own order, in batches with a pass after each (the events
 * function); what failed because another worker held the event is redelivered, as the platform would.
 */
const failures: DeliveryFailure[] = [];

async function deliverEverywhere(stores: StateStore[], batch = BATCH): Promise<RecordOutcome[]> {
  failures.length = 0;
  const snapshots = new FilesystemSnapshotStore(join(dir, 'baselines'));
  await snapshots.put({ cloud: 'aws', account: '111122223333' }, 'baseline', routeTablesBaseline(EVENTS) as never);
  // No storm grouping, and room in Slack's limit: this test is about each alert going once.
  const config = receiversConfig(slack, pagerduty, { storm: { threshold: 1000, windowSeconds: 300, groupPagerDuty: false } });
  const events = Array.from({ length: EVENTS }, (_, i) => defaultRouteEvent(i));
  const outcomes = await Promise.all(stores.map(async (state, w) => {
    const pipeline = workerPipeline(state, snapshots, config);
    const delivery = new OutboxDelivery(state, sinksFromConfig(config), { ...deliveryOptionsFromConfig(config), rateLimits: { slack: { count: 1000, intervalMs: 1000 } } });
    const mine = [...events.slice((w * 7) % EVENTS), ...events.slice(0, (w * 7) % EVENTS)];
    const records: RecordOutcome[] = [];
    for (let i = 0; i < mine.length; i += batch) {
      for (const event of mine.slice(i, i + batch)) {
        let outcome = (await pipeline.handle(event)).records[0];
        records.push(outcome as RecordOutcome);
        // Redelivered until the claim is settled, as EventBridge and SQS do.
        while (outcome?.status === 'failed' && outcome.retryable) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          outcome = (await pipeline.handle(event)).records[0];
          records.push(outcome as RecordOutcome);
        }
      }
      failures.push(...(await delivery.pass()).failed);
    }
    failures.push(...(await delivery.drain()).failed);
    return records;
  }));
  return outcomes.flat();
}

function assertEachOnce(outcomes: RecordOutcome[]): void {
  const applied = outcomes.filter((o) => o.status === 'applied');
  expect(applied).toHaveLength(EVENTS);
  expect(new Set(applied.map((o) => o.eventId)).size).toBe(EVENTS);
  expect(outcomes.filter((o) => !['applied', 'duplicate', 'failed'].includes(o.status))).toEqual([]);
  expect(applied.flatMap((o) => o.opened)).toHaveLength(EVENTS);
  const tables = Array.from({ length: EVENTS }, (_, i) => routeTable(i));
  expect(failures).toEqual([]);
  expect(alertedTables(slack).sort()).toEqual(tables);
  expect(alertedTables(pagerduty).sort()).toEqual(tables);
  expect(new Set(pagerduty.requests.map((r) => (r.body as { dedup_key: string }).dedup_key)).size).toBe(EVENTS);
}

describe(`${WORKERS} workers given the same ${EVENTS} events at once`, () => {
  it('on one SQLite file (a connection each): each event processed once, each alert sent once', async () => {
    const stores = Array.from({ length: WORKERS }, () => new SqliteStateStore(join(dir, 'state.sqlite')));
    try {
      const outcomes = await deliverEverywhere(stores);

      assertEachOnce(outcomes);
      expect(await stores[0]?.listOutbox()).toEqual([]);
      expect(await stores[0]?.listFindings({ status: 'open' })).toHaveLength(EVENTS);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  }, 120_000);
});

describeWithMoto('DynamoDB on moto', () => {
  it(`${WORKERS} workers with a client each on one table: each event processed once, each alert sent once`, async () => {
    const table = `netdrift-once-${randomUUID()}`;
    const admin = new DynamoDBClient(motoClientConfig());
    await DynamoDbStateStore.createTable(admin, table);
    // moto_server answers on several threads without a lock, so two conditional writes to one item may
    // both pass (DynamoDB makes each atomic): the workers' requests reach it one at a time, interleaved.
    const oneAtATime = { httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }), socketAcquisitionWarningTimeout: 600_000 };
    const clients = Array.from({ length: WORKERS }, () => new DynamoDBClient({ ...motoClientConfig(), requestHandler: oneAtATime }));
    try {
      const stores = clients.map((client) => new DynamoDbStateStore({ client, table }));
      // One pass per worker at the end: moto, answering one request at a time, makes every pass slow.
      const outcomes = await deliverEverywhere(stores, EVENTS);

      assertEachOnce(outcomes);
      expect(await stores[0]?.listOutbox()).toEqual([]);
    } finally {
      await admin.send(new DeleteTableCommand({ TableName: table }));
      for (const client of [admin, ...clients]) client.destroy();
    }
  }, 600_000);
});
