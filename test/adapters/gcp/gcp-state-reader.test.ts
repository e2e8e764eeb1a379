import { OAuth2Client } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureThroughAssets } from '../../../adapters/gcp/asset-capture.js';
import { GcpStateReader } from '../../../adapters/gcp/gcp-state-reader.js';
import { logEntryAdapter } from '../../../adapters/gcp/index.js';
import { PermanentReadError, TransientError } from '../../../core/errors.js';
import type { ResourceRef } from '../../../core/resource.js';
import { FakeGcp } from '../../support/fake-gcp.js';
import { pipelineWith } from '../../support/pipeline-harness.js';
import { API, auditLog, NETWORK, PROJECT, ROUTER, setPath, SUBNET } from './fixtures.js';

/**
 * The GCP reader through the real `@google-cloud/compute` and `@google-cloud/dns` clients against a
 * local server speaking the Compute v1 and Cloud DNS v1 wire formats (test/support/fake-gcp.ts):
 * every GCP kind read back in the snapshot format, paging, selection, capture, error classes, and
 * findings read back end to end through the pipeline.
 */
const ZONE = `projects/${PROJECT}/managedZones/internal`;
const POLICY = `projects/${PROJECT}/policies/corp-forward`;
const PSC = `projects/${PROJECT}/global/forwardingRules/psc-apis`;
const LB_RULE = `projects/${PROJECT}/regions/europe-west1/forwardingRules/web-lb`;
const PEERING = `${NETWORK}/peerings/to-shared`;
const ADDRESS = `projects/${PROJECT}/regions/europe-west1/addresses/nat-ip-1`;

let fake: FakeGcp;
let reader: GcpStateReader;
const auth = new OAuth2Client();
auth.setCredentials({ access_token: 'test-token', expiry_date: Date.now() + 3_600_000 });

function seed(gcp: FakeGcp): void {
  gcp.put(NETWORK, { peerings: [{ name: 'to-shared', network: `${API}projects/shared-svc-prod/global/networks/shared-vpc`, state: 'ACTIVE' }] });
  gcp.put(`projects/${PROJECT}/global/networks/dev-vpc`, {});
  gcp.put(`projects/${PROJECT}/global/routes/egress-via-proxy`, {
    network: `${API}${NETWORK}`, destRange: '0.0.0.0/0', priority: 1000,
    nextHopInstance: `${API}projects/${PROJECT}/zones/europe-west1-b/instances/egress-proxy-1`,
  });
  gcp.put(`projects/${PROJECT}/global/routes/default-route-app`, { network: `${API}${NETWORK}`, destRange: '10.10.0.0/24', priority: 0, nextHopNetwork: `${API}${NETWORK}` });
  gcp.put(`projects/${PROJECT}/global/routes/onprem`, { network: `${API}${NETWORK}`, destRange: '172.16.0.0/12', priority: 100, tags: ['vpn'], nextHopVpnTunnel: `${API}projects/${PROJECT}/regions/europe-west1/vpnTunnels/t1` });
  gcp.put(`projects/${PROJECT}/global/routes/dev-default`, { network: `${API}projects/${PROJECT}/global/networks/dev-vpc`, destRange: '0.0.0.0/0', priority: 1000, nextHopGateway: `${API}projects/${PROJECT}/global/gateways/default-internet-gateway` });
  gcp.put(ROUTER, {
    network: `${API}${NETWORK}`,
    nats: [{ name: 'nat-ew1', sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS', subnetworks: [{ name: `${API}${SUBNET}`, sourceIpRangesToNat: ['ALL_IP_RANGES'] }], natIpAllocateOption: 'MANUAL_ONLY', natIps: [`${API}${ADDRESS}`] },
      { name: 'nat-all', sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES', natIpAllocateOption: 'AUTO_ONLY' }],
  });
  gcp.put(SUBNET, { network: `${API}${NETWORK}`, region: `${API}projects/${PROJECT}/regions/europe-west1`, privateIpGoogleAccess: true });
  gcp.put(`projects/${PROJECT}/regions/us-east1/subnetworks/app-ue1`, { network: `${API}${NETWORK}`, privateIpGoogleAccess: false });
  gcp.put(PSC, { target: 'all-apis', network: `${API}${NETWORK}` });
  gcp.put(LB_RULE, { target: `${API}projects/${PROJECT}/regions/europe-west1/targetPools/web` });
  gcp.putDns(ZONE, { name: 'internal', dnsName: 'internal.acme.example.', visibility: 'private', privateVisibilityConfig: { networks: [{ networkUrl: `${API}${NETWORK}` }] } });
  gcp.putDns(`${ZONE}/rrsets/db.internal.acme.example./A`, { name: 'db.internal.acme.example.', type: 'A', ttl: 300, rrdatas: ['10.10.0.5'] });
  gcp.putDns(`${ZONE}/rrsets/internal.acme.example./SOA`, { name: 'internal.acme.example.', type: 'SOA', ttl: 21600, rrdatas: ['ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300'] });
  gcp.putDns(`${ZONE}/rrsets/api.internal.acme.example./CNAME`, { name: 'api.internal.acme.example.', type: 'CNAME', ttl: 60, rrdatas: ['db.internal.acme.example.'] });
  gcp.putDns(POLICY, { name: 'corp-forward', alternativeNameServerConfig: { targetNameServers: [{ ipv4Address: '10.1.0.2' }] }, networks: [{ networkUrl: `${API}${NETWORK}` }] });
}

const ref = (kind: ResourceRef['kind'], id: string, region = 'global'): ResourceRef => ({ cloud: 'gcp', account: PROJECT, kind, id, region });

beforeAll(async () => {
  fake = new FakeGcp();
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.compute.clear();
  fake.dns.clear();
  fake.faults.length = 0;
  fake.ancestors.clear();
  seed(fake);
  reader = new GcpStateReader({ clientConfig: { endpoint: fake.url, authClient: auth, maxRetries: 1 } });
});
afterEach(async () => {
  await reader.close();
});

describe('GcpStateReader.read', () => {
  it('reads a network as a route table with every route of it, across pages; a subnet route is local', async () => {
    const result = await reader.read(ref('route-table', NETWORK));

    expect(result).toEqual({
      exists: true,
      state: {
        kind: 'route-table', id: NETWORK, region: 'global', subnets: [], routes: [
          { name: 'default-route-app', destination: '10.10.0.0/24', priority: 0, target: { type: 'local' } },
          { name: 'egress-via-proxy', destination: '0.0.0.0/0', priority: 1000, target: { type: 'appliance', id: `projects/${PROJECT}/zones/europe-west1-b/instances/egress-proxy-1` } },
          { name: 'onprem', destination: '172.16.0.0/12', priority: 100, tags: ['vpn'], target: { type: 'vpn', id: `projects/${PROJECT}/regions/europe-west1/vpnTunnels/t1` } },
        ],
      },
    });
    expect(fake.requests.filter((r) => r.endsWith('/global/routes')).length).toBeGreaterThan(1);
  });

  it('reads one Cloud NAT of a router with its subnets and addresses', async () => {
    expect(await reader.read(ref('nat-gateway', `${ROUTER}/nats/nat-ew1`, 'europe-west1'))).toEqual({
      exists: true,
      state: { kind: 'nat-gateway', id: `${ROUTER}/nats/nat-ew1`, region: 'europe-west1', network: NETWORK, subnets: [SUBNET], publicIps: [ADDRESS] },
    });
    expect(await reader.read(ref('nat-gateway', `${ROUTER}/nats/nat-all`, 'europe-west1'))).toMatchObject({ state: { subnets: ['*'], publicIps: [] } });
  });

  it('reads a subnet, a Private Service Connect endpoint and a peering', async () => {
    expect((await reader.read(ref('subnet', SUBNET, 'europe-west1')))).toEqual({
      exists: true, state: { kind: 'subnet', id: SUBNET, region: 'europe-west1', network: NETWORK, privateAccess: true },
    });
    expect(await reader.read(ref('private-endpoint', PSC))).toEqual({
      exists: true, state: { kind: 'private-endpoint', id: PSC, region: 'global', service: 'all-apis', network: NETWORK },
    });
    expect(await reader.read(ref('peering', PEERING))).toEqual({
      exists: true, state: { kind: 'peering', id: PEERING, region: 'global', network: NETWORK, peerNetwork: 'projects/shared-svc-prod/global/networks/shared-vpc' },
    });
  });

  it('reads a private zone with its networks and record sets, and a DNS server policy', async () => {
    const zone = await reader.read(ref('dns-zone', ZONE));
    const policy = await reader.read(ref('dns-forwarding', POLICY));

    expect(zone).toMatchObject({ exists: true, state: { kind: 'dns-zone', id: ZONE, name: 'internal.acme.example.', private: true, networks: [NETWORK] } });
    expect(zone.exists && zone.state.kind === 'dns-zone' && zone.state.records.map((r) => `${r.name} ${r.type} ${r.values.join(',')}`)).toEqual([
      'api.internal.acme.example. CNAME db.internal.acme.example.', 'db.internal.acme.example. A 10.10.0.5',
      expect.stringMatching(/^internal\.acme\.example\. SOA /),
    ]);
    expect(policy).toEqual({ exists: true, state: { kind: 'dns-forwarding', id: POLICY, region: 'global', targets: ['10.1.0.2'], networks: [NETWORK] } });
  });

  it('answers "does not exist" for a missing resource and for a forwarding rule that is not an endpoint', async () => {
    expect(await reader.read(ref('route-table', `projects/${PROJECT}/global/networks/gone`))).toEqual({ exists: false });
    expect(await reader.read(ref('nat-gateway', `${ROUTER}/nats/gone`, 'europe-west1'))).toEqual({ exists: false });
    expect(await reader.read(ref('dns-zone', `projects/${PROJECT}/managedZones/gone`))).toEqual({ exists: false });
    expect(await reader.read(ref('private-endpoint', LB_RULE, 'europe-west1'))).toEqual({ exists: false });
  });

  it('never reads a path of another project than the account', async () => {
    await expect(reader.read({ ...ref('subnet', SUBNET), account: 'other-project' })).rejects.toThrow(PermanentReadError);
  });
});

describe('GcpStateReader errors', () => {
  it('throttling (429) and UNAVAILABLE are transient', async () => {
    fake.fail({ path: /subnetworks\/app-ew1$/, status: 429, times: 10, headers: { 'retry-after': '1' } });
    fake.fail({ path: /policies\//, status: 503, times: 10 });

    await expect(reader.read(ref('subnet', SUBNET, 'europe-west1'))).rejects.toThrow(TransientError);
    await expect(reader.read(ref('dns-forwarding', POLICY))).rejects.toThrow(TransientError);
  });

  it('PERMISSION_DENIED is permanent and names the roles the reader needs', async () => {
    fake.fail({ path: /networks\/prod-vpc$/, status: 403, times: 10 });

    await expect(reader.read(ref('route-table', NETWORK))).rejects.toThrow(/permission denied — grant .*roles\/compute\.networkViewer and roles\/dns\.reader/);
  });
});

describe('GcpStateReader.select and capture', () => {
  it('selects the NATs of a router and the peerings of a network', async () => {
    expect(await reader.select({ cloud: 'gcp', account: PROJECT }, 'nat-gateway', { idPrefix: `${ROUTER}/nats/`, except: [`${ROUTER}/nats/nat-all`] }))
      .toEqual([`${ROUTER}/nats/nat-ew1`]);
    expect(await reader.select({ cloud: 'gcp', account: PROJECT }, 'peering', { idPrefix: `${NETWORK}/peerings/` })).toEqual([PEERING]);
  });

  it('captures a project with progress per type; regional types keep the wanted regions', async () => {
    const steps: string[] = [];
    const capturing = new GcpStateReader({ clientConfig: { endpoint: fake.url, authClient: auth }, onProgress: (step, done, total) => steps.push(`${done}/${total}`) });

    const { snapshot, failures } = await capturing.capture({ cloud: 'gcp', account: PROJECT }, ['europe-west1']);
    await capturing.close();

    expect(failures).toEqual([]);
    expect(steps).toEqual(['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
    expect(snapshot.resources.map((r) => `${r.kind} ${r.id}`)).toEqual([
      `dns-forwarding ${POLICY}`, `dns-zone ${ZONE}`, `nat-gateway ${ROUTER}/nats/nat-all`, `nat-gateway ${ROUTER}/nats/nat-ew1`,
      `peering ${PEERING}`, `private-endpoint ${PSC}`, `route-table projects/${PROJECT}/global/networks/dev-vpc`, `route-table ${NETWORK}`, `subnet ${SUBNET}`,
    ]);
  });

  it('a type that fails is reported and none of it is kept', async () => {
    fake.fail({ path: /aggregated\/routers$/, status: 403, times: 10 });

    const { snapshot, failures } = await reader.capture({ cloud: 'gcp', account: PROJECT }, []);

    expect(failures).toEqual([{ region: 'Cloud NAT', error: expect.stringMatching(/permission denied/) }]);
    expect(snapshot.resources.some((r) => r.kind === 'nat-gateway')).toBe(false);
    expect(snapshot.resources.some((r) => r.id === `projects/${PROJECT}/regions/us-east1/subnetworks/app-ue1`)).toBe(true);
  });
});

describe('GCP findings read back live', () => {
  it('a route to the internet inserted, then deleted: opened from the live read, resolved from the live read', async () => {
    const { snapshot: baseline } = await reader.capture({ cloud: 'gcp', account: PROJECT }, []);
    const harness = await pipelineWith([baseline], { adapters: [logEntryAdapter], readers: { gcp: reader } });
    try {
      fake.put(`projects/${PROJECT}/global/routes/egress-bypass`, {
        network: `${API}${NETWORK}`, destRange: '0.0.0.0/0', priority: 900, tags: ['egress-bypass'],
        nextHopGateway: `${API}projects/${PROJECT}/global/gateways/default-internet-gateway`,
      });
      const opened = await harness.pipeline.handle(auditLog('compute.routes.insert'));
      fake.remove(`projects/${PROJECT}/global/routes/egress-bypass`);
      const removal = setPath(setPath(auditLog('compute.routes.insert'), 'protoPayload.methodName', 'v1.compute.routes.delete'), 'protoPayload.request', undefined);
      setPath(removal, 'insertId', 'delete-1');
      setPath(removal, 'timestamp', '2026-11-26T09:20:00Z');
      setPath(removal, 'operation.id', 'operation-delete-1');
      const resolved = await harness.pipeline.handle(removal);

      expect(opened.records[0]?.opened.map((f) => [f.rule, f.severity, f.resource])).toEqual([['route.default-added', 'critical', NETWORK]]);
      expect(resolved.records[0]?.resolved.map((f) => f.rule)).toEqual(['route.default-added']);
    } finally {
      await harness.close();
    }
  });

  it('Private Google Access turned off through subnetworks.patch is read back and found', async () => {
    const { snapshot: baseline } = await reader.capture({ cloud: 'gcp', account: PROJECT }, []);
    const harness = await pipelineWith([baseline], { adapters: [logEntryAdapter], readers: { gcp: reader } });
    try {
      // The request says "on" (a stale or forged payload); the live read says "off", and wins.
      fake.put(SUBNET, { network: `${API}${NETWORK}`, privateIpGoogleAccess: false });
      const outcome = await harness.pipeline.handle(auditLog('compute.subnetworks.patch'));

      expect(outcome.records[0]?.opened.map((f) => [f.rule, f.severity])).toEqual([['subnet.private-access-changed', 'high']]);
    } finally {
      await harness.close();
    }
  });
});

describe('capture of an organisation through Cloud Asset Inventory', () => {
  it('finds every project of the organisation with a watched resource and reads each through Compute and DNS', async () => {
    fake.put('projects/acme-shared/global/networks/shared-vpc', {});
    fake.put('projects/acme-shared/global/routes/shared-default', { network: `${API}projects/acme-shared/global/networks/shared-vpc`, destRange: '0.0.0.0/0', priority: 1000, nextHopGateway: `${API}projects/acme-shared/global/gateways/default-internet-gateway` });
    fake.put('projects/outsider/global/networks/other', {});
    fake.ancestors.set(PROJECT, ['folders/42', 'organizations/1234']);
    fake.ancestors.set('acme-shared', ['organizations/1234']);
    const progress: string[] = [];

    const { snapshots, failures } = await captureThroughAssets(reader, {
      scope: 'organizations/1234', regions: ['europe-west1'], clientConfig: { endpoint: fake.url, authClient: auth },
      onProgress: (project, done, total) => progress.push(`${project} ${done}/${total}`),
    });

    expect(failures).toEqual([]);
    expect(progress).toEqual([`${PROJECT} 1/2`, 'acme-shared 2/2']);
    expect(snapshots.map((s) => s.scope.account)).toEqual([PROJECT, 'acme-shared']);
    const direct = await reader.capture({ cloud: 'gcp', account: PROJECT }, ['europe-west1']);
    expect(snapshots[0]?.resources).toEqual(direct.snapshot.resources);
    expect(snapshots[1]?.resources.map((r) => r.id)).toEqual(['projects/acme-shared/global/networks/shared-vpc']);
    expect(fake.requests.some((r) => r.includes('organizations/1234:searchAllResources'))).toBe(true);
  });

  it('a project the reader may not read fails alone', async () => {
    fake.put('projects/acme-shared/global/networks/shared-vpc', {});
    fake.ancestors.set(PROJECT, ['organizations/1234']);
    fake.ancestors.set('acme-shared', ['organizations/1234']);
    fake.fail({ path: /projects\/acme-shared\//, status: 403, times: 10 });

    const { snapshots, failures } = await captureThroughAssets(reader, { scope: 'organizations/1234', clientConfig: { endpoint: fake.url, authClient: auth } });

    expect(snapshots.map((s) => s.scope.account)).toEqual([PROJECT]);
    expect(failures).toEqual([{ project: 'acme-shared', error: expect.stringMatching(/permission denied/) }]);
  });
});
