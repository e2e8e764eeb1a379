import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreSnapshotStore } from '../../adapters/gcp/firestore-snapshot-store.js';
import { readApproval } from '../../snapshots/approval.js';
import { RT2, SUB, seedSubscription } from '../adapters/azure/arm-fixtures.js';
import { API, auditLog, NETWORK, PROJECT, SUBNET } from '../adapters/gcp/fixtures.js';
import { runCli, tempTree } from '../support/cli.js';
import { describeWithFirestore, firestoreEmulatorHost } from '../support/emulator-suites.js';
import { denied, startFakeArm, startIdentityEndpoint, type FakeArm } from '../support/fake-arm.js';
import { FakeGcp } from '../support/fake-gcp.js';

/**
 * Onboarding Azure and GCP through the BUILT CLI: `snapshot capture --cloud azure|gcp` reads live
 * state from local stand-ins of ARM (https, its throwaway certificate trusted via NODE_EXTRA_CA_CERTS,
 * the token from a managed identity endpoint as on a Function App) and of Compute / Cloud DNS / Cloud
 * Asset Inventory (a static access token), then `diff` and `approve` on a folder or on Firestore.
 */
const HEADER = 'cli-identity-header';
const SUB2 = '8f0e2b7a-3c1d-4e5f-9a6b-7c8d9e0f1a2b';
const lines = (text: string) => text.trim().split('\n');

let arm: FakeArm;
let identity: Awaited<ReturnType<typeof startIdentityEndpoint>>;
let azureEnv: Record<string, string>;

describe('netdrift snapshot capture --cloud azure', () => {
  beforeAll(async () => {
    arm = await startFakeArm();
    seedSubscription(arm);
    identity = await startIdentityEndpoint(HEADER);
    const ca = join(await tempTree({}), 'fake-arm.pem');
    await writeFile(ca, arm.clientOptions.tlsCa ?? '');
    azureEnv = { NODE_EXTRA_CA_CERTS: ca, IDENTITY_ENDPOINT: identity.url, IDENTITY_HEADER: HEADER };
  });
  afterAll(async () => {
    await identity?.close();
    await arm?.close();
  });

  it('a subscription → candidate with progress per type → approve; a route to the internet → capture → diff → approve', async () => {
    const dir = await tempTree({});
    const scope = ['--cloud', 'azure', '--account', SUB, '--baseline', dir];
    const capture = () => runCli(['snapshot', 'capture', ...scope, '--endpoint', arm.url], { env: azureEnv });

    const first = await capture();
    const onboarded = await runCli(['snapshot', 'approve', ...scope, '--by', 'bob']);
    arm.store.put({ id: `${RT2}/routes/to-internet`, properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'Internet' } });
    const second = await capture();
    const diff = await runCli(['snapshot', 'diff', ...scope, '--format', 'json']);
    const approved = await runCli(['snapshot', 'approve', ...scope, '--by', 'alice']);

    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^candidate azure/${SUB}: 9 resources, sha256 [0-9a-f]{64}\\n$`)) });
    expect(lines(first.stderr)).toEqual([
      'listed 1/6 Microsoft.Network/routeTables: 2', 'listed 2/6 Microsoft.Network/natGateways: 1',
      'listed 3/6 Microsoft.Network/virtualNetworks/virtualNetworkPeerings: 1', 'listed 4/6 Microsoft.Network/privateEndpoints: 1',
      'listed 5/6 Microsoft.Network/privateDnsZones: 2', 'listed 6/6 Microsoft.Network/dnsForwardingRulesets: 2',
    ]);
    expect(onboarded.code).toBe(0);
    expect(second.code).toBe(0);
    expect(lines(diff.stdout).map((line) => JSON.parse(line) as Record<string, unknown>))
      .toMatchObject([{ rule: 'route.default-added', severity: 'critical', resource: RT2, item: 'to-internet' }]);
    expect(approved).toMatchObject({ code: 0, stdout: expect.stringContaining(`approved azure/${SUB}: sha256 ${/sha256 ([0-9a-f]{64})/.exec(second.stdout)?.[1]}\n`) as string });
    const baseline = JSON.parse(await readFile(join(dir, 'azure', `${SUB}.json`), 'utf8')) as Parameters<typeof readApproval>[0];
    expect(readApproval(baseline)).toMatchObject({ approvedBy: 'alice' });
    expect(identity.requests.every((line) => line.startsWith('GET /msi/token'))).toBe(true);
  }, 90_000);

  it('--management-group: one candidate per subscription; one that may not be read is listed, gets none, exit 1', async () => {
    const dir = await tempTree({});
    const table = arm.store.get(RT2) as Record<string, unknown>;
    arm.store.put({ ...table, id: RT2.replace(SUB, SUB2), properties: { routes: [] } });
    arm.managementGroups.set('mg-platform', [SUB, SUB2]);
    arm.failNext(new RegExp(`^GET /subscriptions/${SUB}/`, 'i'), denied(`/subscriptions/${SUB}`), 50);

    const result = await runCli(['snapshot', 'capture', '--cloud', 'azure', '--management-group', 'mg-platform', '--endpoint', arm.url, '--baseline', dir], { env: azureEnv });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^candidate azure/${SUB2}: 1 resources, sha256 [0-9a-f]{64}\\n$`));
    expect(lines(result.stderr)).toEqual([
      `captured subscription 1/2 ${SUB2}`, `captured subscription 2/2 ${SUB}`,
      expect.stringMatching(new RegExp(`^capture of azure/${SUB} failed: .*(AuthorizationFailed|access denied)`)),
      `candidate not saved for 1 subscription(s): ${SUB}`,
    ]);
    const shown = await runCli(['snapshot', 'show', '--cloud', 'azure', '--account', SUB, '--baseline', dir, '--candidate']);
    expect(shown.code).toBe(1);
  }, 90_000);
});

/** A small project: one VPC with a subnet route and a subnet with Private Google Access on. */
function seedProject(gcp: FakeGcp, project: string): void {
  const network = `projects/${project}/global/networks/prod-vpc`;
  gcp.put(network, {});
  gcp.put(`projects/${project}/global/routes/default-route-app`, { network: `${API}${network}`, destRange: '10.10.0.0/24', priority: 0, nextHopNetwork: `${API}${network}` });
  gcp.put(`projects/${project}/regions/europe-west1/subnetworks/app-ew1`, { network: `${API}${network}`, privateIpGoogleAccess: true });
}

const internetRoute = (project: string) => [`projects/${project}/global/routes/egress-bypass`, {
  network: `${API}projects/${project}/global/networks/prod-vpc`, destRange: '0.0.0.0/0', priority: 900, tags: ['egress-bypass'],
  nextHopGateway: `${API}projects/${project}/global/gateways/default-internet-gateway`,
}] as const;

let gcp: FakeGcp;
const gcpEnv = (): Record<string, string> => ({ NETDRIFT_GCP_ACCESS_TOKEN: 'test-token', METADATA_SERVER_DETECTION: 'none' });

describe('netdrift snapshot capture --cloud gcp', () => {
  beforeAll(async () => {
    gcp = new FakeGcp();
    await gcp.start();
  });
  afterAll(async () => {
    await gcp?.stop();
  });

  describeWithFirestore('on Firestore (emulator)', () => {
    it('a project → candidate in Firestore → approve; a route to the internet → capture → diff → approve, all with --store firestore://', async () => {
      gcp.compute.clear();
      seedProject(gcp, PROJECT);
      const db = `nd-cli-${randomUUID().slice(0, 8)}`;
      const store = `firestore://${db}?prefix=cli`;
      const env = { ...gcpEnv(), FIRESTORE_EMULATOR_HOST: firestoreEmulatorHost() };
      const scope = ['--cloud', 'gcp', '--account', PROJECT, '--store', store];
      const capture = () => runCli(['snapshot', 'capture', ...scope, '--endpoint', gcp.url], { env });

      const first = await capture();
      const onboarded = await runCli(['snapshot', 'approve', ...scope, '--by', 'bob'], { env });
      gcp.put(...internetRoute(PROJECT));
      const second = await capture();
      const diff = await runCli(['snapshot', 'diff', ...scope, '--format', 'json'], { env });
      const approved = await runCli(['snapshot', 'approve', ...scope, '--by', 'alice'], { env });

      expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^candidate gcp/${PROJECT}: 2 resources, sha256 [0-9a-f]{64}\\n$`)) });
      expect(lines(first.stderr)).toHaveLength(6);
      expect(lines(first.stderr).map((line) => line.replace(/ \d\/6 /, ' N/6 ')).sort()).toEqual([
        'Cloud NAT', 'DNS managed zones', 'DNS server policies', 'Private Service Connect endpoints', 'networks, routes and peerings', 'subnetworks',
      ].map((step) => `listed N/6 ${step}`).sort());
      expect(onboarded.code).toBe(0);
      expect(second.code).toBe(0);
      expect(lines(diff.stdout).map((line) => JSON.parse(line) as Record<string, unknown>))
        .toMatchObject([{ rule: 'route.default-added', severity: 'critical', resource: NETWORK, item: 'egress-bypass' }]);
      expect(approved).toMatchObject({ code: 0, stdout: expect.stringContaining(`approved gcp/${PROJECT}: sha256 ${/sha256 ([0-9a-f]{64})/.exec(second.stdout)?.[1]}\n`) as string });
      process.env.FIRESTORE_EMULATOR_HOST = firestoreEmulatorHost();
      const firestore = new Firestore({ projectId: db });
      const stored = new FirestoreSnapshotStore({ firestore, prefix: 'cli' });
      const baseline = await stored.get({ cloud: 'gcp', account: PROJECT }, 'baseline');
      expect(baseline?.snapshot.resources.find((r) => r.id === NETWORK)).toMatchObject({ routes: expect.arrayContaining([expect.objectContaining({ name: 'egress-bypass' })]) });
      expect(readApproval(baseline?.snapshot ?? ({} as never))).toMatchObject({ approvedBy: 'alice' });
      expect((await stored.history({ cloud: 'gcp', account: PROJECT })).map((entry) => entry.approvedBy)).toEqual(['bob', 'alice']);
      await firestore.terminate();
    }, 90_000);
  });

  it('--organization: Cloud Asset Inventory finds two projects, each captured as its own candidate', async () => {
    gcp.compute.clear();
    seedProject(gcp, PROJECT);
    seedProject(gcp, 'acme-shared');
    seedProject(gcp, 'outsider-proj');
    gcp.ancestors.set(PROJECT, ['folders/42', 'organizations/1234']);
    gcp.ancestors.set('acme-shared', ['organizations/1234']);
    const dir = await tempTree({});

    const result = await runCli(['snapshot', 'capture', '--cloud', 'gcp', '--organization', '1234', '--endpoint', gcp.url, '--baseline', dir], { env: gcpEnv() });

    expect(result.code).toBe(0);
    expect(lines(result.stdout).map((line) => line.replace(/sha256 \w+/, 'sha256 …'))).toEqual([
      `candidate gcp/${PROJECT}: 2 resources, sha256 …`, 'candidate gcp/acme-shared: 2 resources, sha256 …',
    ]);
    expect(lines(result.stderr)).toEqual([`captured project 1/2 ${PROJECT}`, 'captured project 2/2 acme-shared']);
    const outsider = await runCli(['snapshot', 'show', '--cloud', 'gcp', '--account', 'outsider-proj', '--baseline', dir, '--candidate']);
    expect(outsider.code).toBe(1);
  }, 90_000);

  it('replay --live-reads gcp: Private Google Access turned off is read back live (the stale request says on)', async () => {
    gcp.compute.clear();
    seedProject(gcp, PROJECT);
    const dir = await tempTree({ 'subnetworks.patch.json': auditLog('compute.subnetworks.patch') });
    const baseline = ['--cloud', 'gcp', '--account', PROJECT, '--baseline', dir];
    await runCli(['snapshot', 'capture', ...baseline, '--endpoint', gcp.url], { env: gcpEnv() });
    await runCli(['snapshot', 'approve', ...baseline]);
    gcp.put(SUBNET, { network: `${API}${NETWORK}`, privateIpGoogleAccess: false });
    const replay = (live: string[]) => runCli(['replay', '--baseline', dir, '--format', 'json', ...live, join(dir, 'subnetworks.patch.json')],
      { env: { ...gcpEnv(), NETDRIFT_GCP_ENDPOINT: gcp.url } });

    const withoutLive = await replay([]);
    const live = await replay(['--live-reads', 'gcp']);

    expect(withoutLive).toMatchObject({ code: 0, stdout: '' });
    expect(live.code).toBe(0);
    expect(lines(live.stdout).map((line) => JSON.parse(line) as Record<string, unknown>))
      .toMatchObject([{ rule: 'subnet.private-access-changed', severity: 'high', resource: SUBNET }]);
  }, 90_000);
});

// Each case is a process that waits mostly on its own start-up: run side by side.
describe.concurrent('netdrift snapshot capture --cloud azure|gcp: usage errors', () => {
  it.each([
    [['snapshot', 'capture', '--cloud', 'gcp', '--management-group', 'mg'], 'netdrift: --management-group is not an option of --cloud gcp'],
    [['snapshot', 'capture', '--cloud', 'azure', '--organization', '1234'], 'netdrift: --organization is not an option of --cloud azure'],
    [['snapshot', 'capture', '--cloud', 'gcp', '--account', PROJECT, '--folder', '42'], 'netdrift: --account and --folder both say what to capture: give one'],
    [['snapshot', 'capture', '--cloud', 'gcp', '--organization', 'acme'], 'netdrift: --organization acme: expected a numeric organization id (as in organizations/123456789012)'],
    [['snapshot', 'capture', '--cloud', 'azure', '--account', 'rg-net'], 'netdrift: capture of "rg-net" refused: not an Azure subscription id (a GUID)'],
    [['snapshot', 'capture', '--cloud', 'azure', '--account', SUB, '--endpoint', 'http://127.0.0.1:1'], 'netdrift: --endpoint http://127.0.0.1:1: ARM is reached over https only (the SDK sends its token over https)'],
    [['snapshot', 'show', '--cloud', 'gcp', '--account', PROJECT, '--store', 'firestore://acme-prod?bucket=x'], 'netdrift: --store firestore://acme-prod?bucket=x: unknown parameter "bucket"; expected firestore://PROJECT[/DATABASE][?prefix=P]'],
    [['replay', '--live-reads', 'azure,oracle', 'x.json'], 'netdrift: --live-reads: expected azure, gcp (comma-separated), got "oracle"'],
    [['serve', '--port', '0', '--live-reads', 'aws'], 'netdrift: --live-reads: expected azure, gcp (comma-separated), got "aws"'],
  ])('%j → exit 2, one line', async (args, line) => {
    const result = await runCli(args, { cwd: await tempTree({}) });

    expect({ code: result.code, line: lines(result.stderr)[0], stdout: result.stdout }).toEqual({ code: 2, line, stdout: '' });
  });
});
