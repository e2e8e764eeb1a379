import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobSnapshotStore } from '../../adapters/azure/blob-snapshot-store.js';
import type { Snapshot } from '../../core/snapshot.js';
import { readApproval } from '../../snapshots/approval.js';
import { snapshotSha256 } from '../../snapshots/canonical.js';
import { runCli } from '../support/cli.js';
import { AZURITE_ACCOUNT, azuriteConnectionString, describeWithAzurite } from '../support/emulator-suites.js';

/**
 * The review → approve loop on the Azure store, through the BUILT CLI: a candidate put in Blob
 * storage (on Azurite) is diffed with `--store azblob://…` and approved there, where the Azure
 * functions read the baseline. The CLI gets Azurite's connection string as a user would give theirs.
 */
const SUBSCRIPTION = '6f1c2a8e-0d4b-4c39-9a57-2b8e1f0c3d11';
const scope = ['--cloud', 'azure', '--account', SUBSCRIPTION];
const ROUTE_TABLE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/net-rg/providers/Microsoft.Network/routeTables/rt-spoke`;

function snapshot(capturedAt: string, routes: { name: string; destination: string; type: 'local' | 'internet' }[]): Snapshot {
  return {
    schema: 'netdrift/snapshot@1',
    scope: { cloud: 'azure', account: SUBSCRIPTION },
    capturedAt,
    resources: [{
      kind: 'route-table', id: ROUTE_TABLE, region: 'westeurope', network: `/subscriptions/${SUBSCRIPTION}/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/vnet-spoke`,
      routes: routes.map((r) => ({ name: r.name, destination: r.destination, target: { type: r.type } })),
      subnets: [],
    }],
  } as Snapshot;
}

let container: ContainerClient;
let store: BlobSnapshotStore;
let url = '';
const cli = (args: string[]) => runCli(args, { env: { AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString() } });

describeWithAzurite('netdrift snapshot on Azure Blob storage (Azurite)', () => {
  beforeAll(async () => {
    container = BlobServiceClient.fromConnectionString(azuriteConnectionString()).getContainerClient(`netdrift-cli-${randomUUID()}`);
    await container.create();
    store = new BlobSnapshotStore({ container, prefix: 'baselines/' });
    url = `azblob://${AZURITE_ACCOUNT}/${container.containerName}/baselines`;
  });

  afterAll(async () => {
    await container?.deleteIfExists();
  });

  it('a candidate in Blob → diff --store azblob://… shows its drift → approve makes it the baseline there', async () => {
    const azure = { cloud: 'azure' as const, account: SUBSCRIPTION };
    await store.put(azure, 'candidate', snapshot('2026-11-01T00:00:00Z', [{ name: 'local', destination: '10.1.0.0/16', type: 'local' }]));
    const onboarded = await cli(['snapshot', 'approve', ...scope, '--store', url, '--by', 'bob']);
    const candidate = snapshot('2026-11-02T00:00:00Z', [
      { name: 'local', destination: '10.1.0.0/16', type: 'local' }, { name: 'to-internet', destination: '0.0.0.0/0', type: 'internet' },
    ]);
    await store.put(azure, 'candidate', candidate);

    const diff = await cli(['snapshot', 'diff', ...scope, '--store', url, '--format', 'json']);
    const gate = await cli(['snapshot', 'diff', ...scope, '--store', url, '--exit-code', 'critical']);
    const approved = await cli(['snapshot', 'approve', ...scope, '--store', url, '--by', 'alice']);
    const shown = await cli(['snapshot', 'show', ...scope, '--store', url]);

    const baseline = await store.get(azure, 'baseline');
    const approval = baseline && readApproval(baseline.snapshot);
    expect(onboarded.code).toBe(0);
    expect(diff.code).toBe(0);
    expect(diff.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>))
      .toMatchObject([{ rule: 'route.default-added', severity: 'critical', resource: ROUTE_TABLE, item: 'to-internet' }]);
    expect(gate).toMatchObject({ code: 1, stderr: 'drift at or above critical: 1 finding(s)\n' });
    expect(approved).toMatchObject({ code: 0, stdout: expect.stringContaining(`approved azure/${SUBSCRIPTION}: sha256 ${snapshotSha256(candidate)}\n`) as string, stderr: '' });
    expect(approval).toMatchObject({ sha256: snapshotSha256(candidate), approvedBy: 'alice' });
    expect(baseline?.snapshot.capturedAt).toBe('2026-11-02T00:00:00Z');
    expect(await store.get(azure, 'candidate')).toBeUndefined();
    expect((await store.history(azure)).map((entry) => entry.approvedBy)).toEqual(['bob', 'alice']);
    const blob = await container.getBlockBlobClient(`baselines/azure/${SUBSCRIPTION}.json`).downloadToBuffer();
    expect(shown).toMatchObject({ code: 0, stdout: blob.toString('utf8') });
  }, 120_000);

  it('a container that does not exist is one line naming the blob it wanted, exit 1', async () => {
    const missing = `azblob://${AZURITE_ACCOUNT}/netdrift-no-such-container/baselines`;

    const result = await cli(['snapshot', 'show', ...scope, '--store', missing]);

    expect(result).toEqual({
      code: 1, stdout: '',
      stderr: `netdrift: get ${missing}/azure/${SUBSCRIPTION}.json: ContainerNotFound: The specified container does not exist.\n`,
    });
  });
});

describe('netdrift snapshot --store azblob:// without a connection string', () => {
  it('signs in with DefaultAzureCredential, and says so in one line when nothing can sign in', async () => {
    const home = await mkdtemp(join(tmpdir(), 'netdrift-home-'));
    try {
      const store = 'azblob://netdriftprod/baselines/p';
      const result = await runCli(['snapshot', 'show', ...scope, '--store', store, '--endpoint', 'https://127.0.0.1:9/netdriftprod'], { env: { HOME: home } });

      expect(result).toEqual({
        code: 2, stdout: '',
        stderr: `netdrift: get ${store}/azure/${SUBSCRIPTION}.json: AggregateAuthenticationError: no Azure credential could sign in (a managed identity, az login, or a connection string)\n`,
      });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('netdrift snapshot --store azblob://: usage errors', () => {
  it.each([
    ['azblob://My_Account/c/p', 'netdrift: --store azblob://My_Account/c/p: "My_Account" is not a storage account name (3-24 lowercase letters and digits)'],
    ['azblob://acct/', 'netdrift: --store azblob://acct/: "" is not a container name (3-63 lowercase letters, digits and single hyphens); expected azblob://account/container/prefix'],
    ['azblob:acct/c', 'netdrift: --store azblob:acct/c: expected azblob://account/container/prefix'],
  ])('--store %s → exit 2', async (store, line) => {
    const result = await runCli(['snapshot', 'show', ...scope, '--store', store]);

    expect({ code: result.code, line: result.stderr.split('\n')[0] }).toEqual({ code: 2, line });
  });

  it('a connection string for another account than the URL names is refused', async () => {
    const result = await runCli(['snapshot', 'show', ...scope, '--store', 'azblob://otheraccount/baselines/p'], {
      env: { AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=netdriftprod;AccountKey=a2V5;EndpointSuffix=core.windows.net' },
    });

    expect({ code: result.code, line: result.stderr.split('\n')[0] }).toEqual({
      code: 2, line: 'netdrift: --store azblob://otheraccount/baselines/p: AZURE_STORAGE_CONNECTION_STRING is for the account "netdriftprod", not "otheraccount"',
    });
  });
});
