import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableStateStore } from '../../adapters/azure/table-state-store.js';
import type { Cloud } from '../../core/resource.js';
import { approveCandidate, saveCandidate } from '../../snapshots/lifecycle.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { SUB } from '../adapters/azure/arm-fixtures.js';
import { PROJECT } from '../adapters/gcp/fixtures.js';
import { runCli, tempTree } from '../support/cli.js';
import {
  AZURITE_ACCOUNT, azuriteConnectionString, describeWithAzurite, describeWithFirestore, firestoreEmulatorHost,
} from '../support/emulator-suites.js';
import { denied, startFakeArm, startIdentityEndpoint, type FakeArm } from '../support/fake-arm.js';
import { FakeGcp } from '../support/fake-gcp.js';

/**
 * `netdrift doctor` through the built CLI for Azure and GCP: the readers' one list call each, against
 * the local ARM (https, a managed identity endpoint) and the local Compute API (a static token); and
 * the state stores of the Azure and GCP functions, on Azurite and on the Firestore emulator.
 */
const HEADER = 'doctor-identity-header';
const lines = (stdout: string) => stdout.trimEnd().split('\n');

let dir = '';
let arm: FakeArm;
let identity: Awaited<ReturnType<typeof startIdentityEndpoint>>;
const gcp = new FakeGcp();
let env: Record<string, string> = {};

/** An approved, empty baseline of each account, so that doctor checks each cloud's reader. */
async function approveEmpty(cloud: Cloud, account: string): Promise<void> {
  const store = new FilesystemSnapshotStore(join(dir, 'baselines'));
  await saveCandidate(store, { schema: 'netdrift/snapshot@1', scope: { cloud, account }, capturedAt: '2026-11-25T00:00:00Z', resources: [] });
  await approveCandidate(store, { cloud, account }, { approvedBy: 'alice' });
}

const doctor = (...args: string[]) => runCli(['doctor', '--baseline', 'baselines', ...args], { cwd: dir, env });

beforeAll(async () => {
  dir = await tempTree({});
  [arm, identity] = await Promise.all([startFakeArm(), startIdentityEndpoint(HEADER), gcp.start()]);
  await writeFile(join(dir, 'fake-arm.pem'), arm.clientOptions.tlsCa ?? '');
  env = {
    NODE_EXTRA_CA_CERTS: join(dir, 'fake-arm.pem'), IDENTITY_ENDPOINT: identity.url, IDENTITY_HEADER: HEADER, NETDRIFT_ARM_ENDPOINT: arm.url,
    NETDRIFT_GCP_ENDPOINT: gcp.url, NETDRIFT_GCP_ACCESS_TOKEN: 'test-token',
  };
  await approveEmpty('azure', SUB);
  await approveEmpty('gcp', PROJECT);
});
afterAll(async () => {
  await Promise.all([arm.close(), identity.close(), gcp.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('netdrift doctor: Azure and GCP readers', () => {
  it('one list call per subscription and project, each allowed', async () => {
    const result = await doctor('--skip', 'sink,state');

    expect(lines(result.stdout).slice(6)).toEqual([
      `ok   reader azure/${SUB}  Microsoft.Network/routeTables/read allowed`,
      `ok   reader gcp/${PROJECT}  compute.networks.list allowed`,
      'all 6 checks passed',
    ]);
    expect(arm.requests).toContain(`GET /subscriptions/${SUB}/providers/Microsoft.Network/routeTables`);
    expect(gcp.requests.some((line) => line.includes(`/compute/v1/projects/${PROJECT}/global/networks`))).toBe(true);
    expect(result.code).toBe(0);
  }, 90_000);

  it('a reader without Reader on the subscription, or without networkViewer on the project, fails with the role to grant', async () => {
    arm.failNext(new RegExp(`^GET /subscriptions/${SUB}/`, 'i'), denied(`/subscriptions/${SUB}`), 5);
    gcp.fail({ path: /\/global\/networks/, status: 403, times: 5 });

    const result = await doctor('--skip', 'sink,state', '--clouds', 'azure,gcp');

    expect(lines(result.stdout).slice(6)).toEqual([
      `FAIL reader azure/${SUB}  list route tables of the subscription: AuthorizationFailed (HTTP 403): the reader's managed identity lacks Reader on /subscriptions/${SUB}: `
      + `grant the reader's identity the Reader role on /subscriptions/${SUB} (or on its management group)`,
      expect.stringMatching(new RegExp(`^FAIL reader gcp/${PROJECT}  compute networks\\.list in ${PROJECT}: permission denied — grant the reader's service account `
        + 'roles/compute\\.networkViewer and roles/dns\\.reader \\(.*\\): grant the reader\'s service account roles/compute\\.networkViewer and roles/dns\\.reader, '
        + 'or gcloud auth application-default login$')),
      '2 of 6 checks failed',
    ]);
    expect(result.code).toBe(1);
  }, 90_000);
});

describeWithAzurite('netdrift doctor: the Azure Table state store (Azurite)', () => {
  it('a missing table fails with the fix; once created it passes', async () => {
    const table = `doctor${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const connection = { AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString() };
    const state = `aztable://${AZURITE_ACCOUNT}/${table}`;

    const missing = await runCli(['doctor', '--skip', 'sink,baseline,reader', '--state', state], { cwd: dir, env: connection });
    await TableStateStore.createTable(TableClient.fromConnectionString(azuriteConnectionString(), table, { allowInsecureConnection: true }));
    const present = await runCli(['doctor', '--skip', 'sink,baseline,reader', '--state', state], { cwd: dir, env: connection });

    expect(lines(missing.stdout)[2]).toMatch(new RegExp(`^FAIL state ${state}  state store [a-zA-Z ]+ \\(Azure table ${table}\\): TableNotFound: .*: `
      + `create the table ${table} in the storage account or set NETDRIFT_STATE_TABLE to the one that exists$`));
    expect(missing.code).toBe(1);
    expect(lines(present.stdout)[2]).toBe(`ok   state ${state}  0 alerts in the outbox`);
    expect(present.code).toBe(0);
  }, 90_000);
});

describeWithFirestore('netdrift doctor: the Firestore state store (emulator)', () => {
  it('reads the outbox of the GCP functions\' collections', async () => {
    const state = `firestore://${PROJECT}?prefix=doctor${randomUUID().slice(0, 8)}`;

    const result = await runCli(['doctor', '--skip', 'sink,baseline,reader', '--state', state], { cwd: dir, env: { FIRESTORE_EMULATOR_HOST: firestoreEmulatorHost() } });

    expect(lines(result.stdout)[2]).toBe(`ok   state ${state}  0 alerts in the outbox`);
    expect(result.code).toBe(0);
  }, 90_000);

  it('a malformed firestore:// URL is a usage error naming --state', async () => {
    const result = await runCli(['doctor', '--skip', 'sink,baseline,reader', '--state', 'firestore://Acme'], { cwd: dir });

    expect(result.stderr.split('\n')[0]).toBe(
      'netdrift: --state firestore://Acme: "Acme" is not a GCP project id (6-30 lowercase letters, digits and hyphens); expected firestore://PROJECT[/DATABASE][?prefix=P]',
    );
    expect(result.code).toBe(2);
  });
});
