import { afterEach, describe, expect, it } from 'vitest';
import { gcpAdapters, gcpCatalog } from '../../../adapters/gcp/index.js';
import type { Resource } from '../../../core/resource.js';
import { SNAPSHOT_SCHEMA } from '../../../core/snapshot.js';
import { pipelineWith } from '../../support/pipeline-harness.js';
import { NETWORK, PROJECT, ROUTER, SHARED_NETWORK, SUBNET, auditLog, base64Json, load, pushWith, setPath, type Doc } from './fixtures.js';

/**
 * Every catalog row end to end: its fixture, delivered as Pub/Sub pushes it, through the real
 * adapters and pipeline (no reader: payloads are applied) against a baseline, down to the findings.
 */
const ZONE = `projects/${PROJECT}/managedZones/corp-internal`;
const POLICY = `projects/${PROJECT}/policies/corp-forwarding`;
const PSC = `projects/${PROJECT}/regions/europe-west1/forwardingRules/psc-payments`;
const GPSC = `projects/${PROJECT}/global/forwardingRules/pscapis`;
const PEERING = `${NETWORK}/peerings/to-shared-svc`;
const nat = (name: string, subnets: string[]): Resource =>
  ({ kind: 'nat-gateway', id: `${ROUTER}/nats/${name}`, region: 'europe-west1', network: NETWORK, subnets, publicIps: [] });

const network: Resource = {
  kind: 'route-table', id: NETWORK, region: 'global', subnets: [],
  routes: [{ name: 'to-onprem-10-50', destination: '10.50.0.0/16', priority: 1000,
    target: { type: 'vpn', id: `projects/${PROJECT}/regions/europe-west1/vpnTunnels/to-dc` } }],
};
const natLegacy = nat('nat-legacy', ['*']);
const natApp: Resource = { ...nat('nat-app', [SUBNET]), publicIps: [`projects/${PROJECT}/regions/europe-west1/addresses/nat-ip-1`] };
const psc: Resource = { kind: 'private-endpoint', id: PSC, region: 'europe-west1', network: NETWORK,
  service: 'projects/payments-prod-4411/regions/europe-west1/serviceAttachments/payments-api' };
const gpsc: Resource = { kind: 'private-endpoint', id: GPSC, region: 'global', network: NETWORK, service: 'all-apis' };
const peering: Resource = { kind: 'peering', id: PEERING, region: 'global', network: NETWORK, peerNetwork: SHARED_NETWORK };
const subnet: Resource = { kind: 'subnet', id: SUBNET, region: 'europe-west1', network: NETWORK, privateAccess: true };
const zone: Resource = {
  kind: 'dns-zone', id: ZONE, region: 'global', name: 'corp.acme.internal.', private: true, networks: [NETWORK],
  records: [{ name: 'db.corp.acme.internal.', type: 'A', ttl: 300, values: ['10.20.0.14'] }],
};
const policy: Resource = { kind: 'dns-forwarding', id: POLICY, region: 'global', targets: ['10.200.0.2', '10.200.0.3'], networks: [NETWORK] };

const EVERYTHING = [network, natLegacy, natApp, psc, gpsc, peering, subnet, zone, policy];
const without = (...ids: string[]) => EVERYTHING.filter((r) => !ids.includes(r.id));

type Expected = [rule: string, severity: string, resource: string, item: string];
const SCENARIOS: Record<string, { baseline: Resource[]; expect: Expected[] }> = {
  'compute.routes.insert': { baseline: EVERYTHING, expect: [['route.default-added', 'critical', NETWORK, 'egress-bypass']] },
  'compute.routes.delete': { baseline: EVERYTHING, expect: [['route.removed', 'high', NETWORK, 'to-onprem-10-50']] },
  'compute.routers.insert': { baseline: without(natLegacy.id, natApp.id), expect: [['nat.created', 'high', `${ROUTER}/nats/nat-all`, '']] },
  'compute.routers.patch': { baseline: without(natApp.id), expect: [
    ['nat.created', 'high', natApp.id, ''], ['nat.deleted', 'medium', natLegacy.id, ''],
  ] },
  'compute.routers.update': { baseline: EVERYTHING, expect: [
    ['nat.created', 'high', `${ROUTER}/nats/nat-db`, ''], ['nat.deleted', 'medium', natLegacy.id, ''],
  ] },
  'compute.routers.delete': { baseline: EVERYTHING, expect: [['nat.deleted', 'medium', natApp.id, ''], ['nat.deleted', 'medium', natLegacy.id, '']] },
  'compute.forwardingRules.insert': { baseline: without(PSC), expect: [['private-endpoint.created', 'low', PSC, '']] },
  'compute.forwardingRules.delete': { baseline: EVERYTHING, expect: [['private-endpoint.deleted', 'high', PSC, '']] },
  'compute.globalForwardingRules.insert': { baseline: without(GPSC), expect: [['private-endpoint.created', 'low', GPSC, '']] },
  'compute.globalForwardingRules.delete': { baseline: EVERYTHING, expect: [['private-endpoint.deleted', 'high', GPSC, '']] },
  'compute.networks.addPeering': { baseline: without(PEERING), expect: [['peering.added', 'high', PEERING, SHARED_NETWORK]] },
  'compute.networks.removePeering': { baseline: EVERYTHING, expect: [['peering.removed', 'medium', PEERING, SHARED_NETWORK]] },
  'compute.subnetworks.patch': { baseline: [{ ...subnet, privateAccess: false }], expect: [['subnet.private-access-changed', 'low', SUBNET, '']] },
  'compute.subnetworks.setPrivateIpGoogleAccess': { baseline: EVERYTHING, expect: [['subnet.private-access-changed', 'high', SUBNET, '']] },
  'dns.managedZones.create': { baseline: without(ZONE), expect: [['dns-zone.created', 'medium', ZONE, '']] },
  'dns.managedZones.patch': { baseline: EVERYTHING, expect: [['dns-zone.network-linked', 'medium', ZONE, SHARED_NETWORK]] },
  'dns.managedZones.update': { baseline: EVERYTHING, expect: [['dns-zone.network-unlinked', 'high', ZONE, NETWORK]] },
  'dns.managedZones.delete': { baseline: EVERYTHING, expect: [['dns-zone.deleted', 'high', ZONE, '']] },
  'dns.changes.create': { baseline: EVERYTHING, expect: [
    ['dns-record.changed', 'high', ZONE, 'db.corp.acme.internal. A'], ['dns-record.added', 'medium', ZONE, 'api.corp.acme.internal. CNAME'],
  ] },
  'dns.policies.create': { baseline: without(POLICY), expect: [['dns-forwarding.changed', 'high', POLICY, '']] },
  'dns.policies.patch': { baseline: EVERYTHING, expect: [['dns-forwarding.changed', 'critical', POLICY, '']] },
  'dns.policies.update': { baseline: EVERYTHING, expect: [['dns-forwarding.changed', 'high', POLICY, '']] },
  'dns.policies.delete': { baseline: EVERYTHING, expect: [] },
};

let harness: Awaited<ReturnType<typeof pipelineWith>> | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

async function deliver(baseline: Resource[], ...entries: Doc[]) {
  harness = await pipelineWith([{
    schema: SNAPSHOT_SCHEMA, scope: { cloud: 'gcp', account: PROJECT }, capturedAt: '2026-11-25T00:00:00Z', resources: structuredClone(baseline),
  }], { adapters: gcpAdapters });
  const outcomes = [];
  for (const entry of entries) outcomes.push(await harness.pipeline.handle(pushWith(base64Json(entry))));
  return outcomes;
}

const findingsOf = (outcomes: Awaited<ReturnType<typeof deliver>>) =>
  outcomes.flatMap((o) => o.records.flatMap((r) => [...r.opened, ...r.resolved]));

describe('GCP scenarios: each catalog row, end to end', () => {
  it('has a scenario for every catalog row', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(gcpCatalog.map((row) => row.name).sort());
  });

  it.each(Object.entries(SCENARIOS))('%s', async (name, scenario) => {
    const findings = findingsOf(await deliver(scenario.baseline, auditLog(name)));

    expect(findings.map((f) => [f.rule, f.severity, f.resource, f.item]).sort()).toEqual([...scenario.expect].sort());
    for (const f of findings) expect(f.actor.principal).toBe('alice@acme.example');
  });
});

describe('GCP scenarios: a long-running operation logged twice', () => {
  it('the successful last entry is a duplicate of the first', async () => {
    const outcomes = await deliver(EVERYTHING, auditLog('compute.routes.insert'), load('operation', 'compute.routes.insert-last'));

    expect(outcomes.map((o) => o.records[0]?.status)).toEqual(['applied', 'duplicate']);
    expect(findingsOf(outcomes).map((f) => `${f.status} ${f.rule}`)).toEqual(['open route.default-added']);
  });

  it('a failed last entry resolves what the first opened', async () => {
    const outcomes = await deliver(EVERYTHING, auditLog('compute.routes.insert'), load('operation', 'compute.routes.insert-last-failed'));

    expect(findingsOf(outcomes).map((f) => `${f.status} ${f.rule}`)).toEqual(['open route.default-added', 'resolved route.default-added']);
  });

  it('a route delete whose first entry never arrived is applied from its last entry alone, not left unverified', async () => {
    const last = setPath(auditLog('compute.routes.delete'), 'operation', { id: 'operation-delete-lost-first', producer: 'compute.googleapis.com', last: true });
    setPath(last, 'protoPayload.request', undefined);

    const findings = findingsOf(await deliver(EVERYTHING, last));

    expect(findings.map((f) => [f.rule, f.severity, f.item])).toEqual([['route.removed', 'high', 'to-onprem-10-50']]);
  });

  it('a call refused outright yields nothing', async () => {
    const outcomes = await deliver(EVERYTHING, load('failed', 'compute.routes.insert-permission-denied'));

    expect(outcomes[0]?.records).toMatchObject([{ status: 'ignored', reason: 'failed-call: compute.routes.insert failed: status 7 (PERMISSION_DENIED)' }]);
  });

  it('a message that can never be parsed is one rejection', async () => {
    harness = await pipelineWith([], { adapters: gcpAdapters });

    const outcome = await harness.pipeline.handle(pushWith(Buffer.from('Welcome!').toString('base64')));

    expect(outcome).toMatchObject({ adapter: 'gcp-pubsub-push', records: [{ status: 'rejected' }] });
  });
});
