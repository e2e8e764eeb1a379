/**
 * Run as a child process by the concurrency tests: a worker that dies by SIGKILL while it holds
 * something, as a Lambda container or a Cloud Run instance may.
 * - `claim`: claims one event and dies at its commit (the claim is left in progress);
 * - `send`: processes the event, leases its alerts and dies in the middle of sending one.
 * Usage: die-while-holding claim|send STORE_JSON BASELINES EVENT_FILE LEASE_MS, where STORE_JSON is
 * `{"sqlite":"<file>"}` or `{"dynamodb":{"endpoint":"…","table":"…"}}`.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsAdapters } from '../../adapters/aws/index.js';
import { DynamoDbStateStore } from '../../adapters/aws/dynamodb-state-store.js';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import { OutboxDelivery } from '../../alerts/outbox-delivery.js';
import { Pipeline } from '../../core/pipeline.js';
import type { AlertSink, StateStore } from '../../core/ports.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';

const [mode, storeJson, baselines, eventFile, lease] = process.argv.slice(2);
if ((mode !== 'claim' && mode !== 'send') || !storeJson || !baselines || !eventFile || !lease) {
  throw new Error('usage: die-while-holding claim|send STORE_JSON BASELINES EVENT_FILE LEASE_MS');
}
const leaseMs = Number(lease);
const spec = JSON.parse(storeJson) as { sqlite?: string; dynamodb?: { endpoint: string; table: string } };
const store: StateStore = spec.sqlite !== undefined
  ? new SqliteStateStore(spec.sqlite)
  : new DynamoDbStateStore({
    client: new DynamoDBClient({ endpoint: spec.dynamodb?.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
    table: spec.dynamodb?.table ?? '',
  });

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

// The store as the pipeline sees it, except that a commit kills the worker (claim mode).
const state = new Proxy(store, {
  get(target, property) {
    if (property === 'commit' && mode === 'claim') return () => { process.stdout.write('claimed, dying before the commit\n'); die(); };
    const value = Reflect.get(target, property) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  },
});
const pipeline = new Pipeline({
  adapters: awsAdapters, snapshots: new FilesystemSnapshotStore(baselines), state, route: () => ['pagerduty'], claimLeaseMs: leaseMs,
});
const outcome = await pipeline.handle(JSON.parse(readFileSync(eventFile, 'utf8')) as unknown);
process.stdout.write(`${outcome.records.map((r) => r.status).join(',')}\n`);
const dying: AlertSink = {
  name: 'pagerduty',
  build: (finding) => finding.fingerprint,
  send: async () => { process.stdout.write('leased, dying in the middle of the send\n'); die(); },
};
// Sends must end well inside the lease: a short timeout, so that this short lease allows one.
await new OutboxDelivery(store, new Map([['pagerduty', dying]]), { leaseMs, sendTimeoutMs: 500 }).pass();
