import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { TableStateStore } from '../../../adapters/azure/table-state-store.js';
import { openTableStateStore } from '../../../adapters/azure/storage-clients.js';
import type { Doc } from '../../support/fixtures.js';
import { loadFixture } from '../../support/fixtures.js';
import { azuriteConnectionString } from '../../support/emulator-suites.js';
import { startFakeArm, startIdentityEndpoint, type FakeArm } from '../../support/fake-arm.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../../support/receivers.js';
import { seedSubscription, SUB } from '../../adapters/azure/arm-fixtures.js';
import { FunctionsHost } from './functions-host.js';

export const ROUTING_KEY = 'R0AZUREE2EROUTINGKEY00000000000';
export const EVENT_GRID_SECRET = 'eg-7c1f0d2a9b3e4f5a8d6c';
export const SLACK_TOKEN = 'azureE2eSlackToken';

/** Everything the built app runs against: the fake ARM, its managed identity endpoint, Azurite, the receivers. */
export interface AppWorld {
  fake: FakeArm;
  slack: Receiver;
  pagerduty: Receiver;
  host: FunctionsHost;
  container: string;
  table: string;
  settings: Record<string, string>;
  /** The app's state, read as an operator would (the Table store on Azurite). */
  state(): Promise<TableStateStore>;
  close(): Promise<void>;
}

/**
 * Starts the world and the built app with production-shaped app settings: storage by connection
 * string (Azurite), ARM through NETDRIFT_ARM_ENDPOINT with the managed identity (IDENTITY_ENDPOINT,
 * IDENTITY_HEADER), the fake ARM's certificate trusted through NODE_EXTRA_CA_CERTS, the sinks'
 * secrets as the plain values Key Vault references resolve to.
 */
export async function startAppWorld(extra: Record<string, string> = {}): Promise<AppWorld> {
  const fake = await startFakeArm();
  seedSubscription(fake);
  const identityHeader = randomUUID();
  const identity = await startIdentityEndpoint(identityHeader);
  const [slack, pagerduty] = await Promise.all([startSlackReceiver(), startPagerDutyReceiver()]);
  const connectionString = azuriteConnectionString();
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
  const container = `netdrift-e2e-${suffix}`;
  const table = `netdrift${suffix}`;
  await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).create();
  await TableStateStore.createTable(TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true }));
  const caFile = join(mkdtempSync(join(tmpdir(), 'netdrift-arm-ca-')), 'ca.pem');
  writeFileSync(caFile, fake.clientOptions.tlsCa ?? '');
  const settings: Record<string, string> = {
    NETDRIFT_STORAGE_CONNECTION_STRING: connectionString, NETDRIFT_SNAPSHOT_CONTAINER: container, NETDRIFT_SNAPSHOT_PREFIX: 'baselines',
    NETDRIFT_STATE_TABLE: table, NETDRIFT_SUBSCRIPTIONS: SUB, NETDRIFT_RECONCILE_SCHEDULE: '0 */15 * * * *',
    NETDRIFT_ARM_ENDPOINT: fake.url, NODE_EXTRA_CA_CERTS: caFile, IDENTITY_ENDPOINT: identity.url, IDENTITY_HEADER: identityHeader,
    NETDRIFT_EVENT_GRID_SECRET: EVENT_GRID_SECRET,
    NETDRIFT_SLACK_WEBHOOK_URL: `${slack.url}/services/T0AZ/B0AZ/${SLACK_TOKEN}`,
    NETDRIFT_PAGERDUTY_ROUTING_KEY: ROUTING_KEY, NETDRIFT_PAGERDUTY_URL: `${pagerduty.url}/v2/enqueue`,
    ...extra,
  };
  const host = await FunctionsHost.start(settings);
  return {
    fake, slack, pagerduty, host, container, table, settings,
    state: () => openTableStateStore({ connectionString }, table),
    async close() {
      await host.stop();
      await Promise.all([slack.close(), pagerduty.close(), identity.close(), fake.close()]);
    },
  };
}

/** An ARM write event of `resourceUri` in the Event Grid schema, with a fresh id, dated now. */
export function eventGridWrite(resourceUri: string, fixture = 'routeTables-routes-write'): Doc {
  const event = loadFixture('azure', 'eventgrid', fixture);
  Object.assign(event.data as Doc, { resourceUri });
  return { ...event, subject: resourceUri, id: randomUUID(), eventTime: new Date().toISOString() };
}

/** The same ARM event in the CloudEvents 1.0 schema, as an event subscription with that schema delivers it. */
export function asCloudEvent(event: Doc): Doc {
  const cloudEvent = loadFixture('azure', 'cloudevents', 'routeTables-routes-write');
  return { ...cloudEvent, id: event.id, subject: event.subject, type: event.eventType, time: event.eventTime, data: event.data, source: event.topic };
}

/** The path Event Grid posts to: the subscription's URL with its secret in the query (`null`: none). */
export const eventsPath = (secret: string | null = EVENT_GRID_SECRET) => (secret === null ? '/api/events' : `/api/events?code=${encodeURIComponent(secret)}`);
