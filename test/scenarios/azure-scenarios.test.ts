import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { azureAdapters } from '../../adapters/azure/index.js';
import { matchesSelector } from '../../core/observed-state.js';
import type { StateReader } from '../../core/ports.js';
import { resourceKey, type Resource } from '../../core/resource.js';
import { SNAPSHOT_SCHEMA } from '../../core/snapshot.js';
import { pipelineWith } from '../support/pipeline-harness.js';

/**
 * Azure end to end: Event Grid deliveries (fixtures written by us) through the real adapters
 * and pipeline, every write read back from a live state the test controls, as ARM would answer.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/azure/eventgrid');
const SUB = 'c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13';
const NET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network`;
const RT = `${NET}/routeTables/rt-app`;
const RT2 = `${NET}/routeTables/rt-other`;
const SNET = `${NET}/virtualNetworks/vnet-hub/subnets/snet-app`;
const NG = `${NET}/natGateways/ng-egress`;
const PE = `${NET}/privateEndpoints/pe-stcontoso-blob`;
const ZONE = `${NET}/privateDnsZones/internal.contoso.com`;
const BLOB_ZONE = `${NET}/privateDnsZones/privatelink.blob.core.windows.net`;
const FRS = `${NET}/dnsForwardingRulesets/frs-corp`;
const PEERING = `${NET}/virtualNetworks/vnet-hub/virtualNetworkPeerings/hub-to-spoke`;
const HUB = `${NET}/virtualNetworks/vnet-hub`;

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));

const BASELINE: Resource[] = [
  { kind: 'route-table', id: RT.toLowerCase(), region: 'westeurope', subnets: [SNET], routes: [{ name: 'default-to-firewall', destination: '0.0.0.0/0', target: { type: 'appliance', id: '10.0.0.4' } }] },
  { kind: 'route-table', id: RT2, region: 'westeurope', subnets: [], routes: [] },
  { kind: 'nat-gateway', id: NG, region: 'westeurope', subnets: [], publicIps: [`${NET}/publicIPAddresses/pip-egress`] },
  { kind: 'private-endpoint', id: PE, region: 'westeurope', network: HUB, service: `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stcontoso`, privateDns: true, subnets: [SNET] },
  { kind: 'dns-zone', id: ZONE, region: 'global', name: 'internal.contoso.com.', private: true, networks: [HUB], records: [{ name: 'www.internal.contoso.com.', type: 'A', ttl: 3600, values: ['10.0.1.4'] }] },
  { kind: 'dns-zone', id: BLOB_ZONE, region: 'global', name: 'privatelink.blob.core.windows.net.', private: true, networks: [HUB], records: [] },
  { kind: 'dns-forwarding', id: FRS, region: 'westeurope', domain: 'corp.contoso.com.', targets: ['10.10.0.4'], networks: [HUB] },
];

const change = <R extends Resource>(id: string, edit: (r: R) => R): Resource[] => BASELINE.map((r) => (r.id.toLowerCase() === id.toLowerCase() ? edit(structuredClone(r) as R) : r));

/** A reader answering from a list of resources, as ARM would. */
function liveReader(resources: Resource[]): StateReader {
  const byKey = new Map(resources.map((r) => [resourceKey({ cloud: 'azure', account: SUB, kind: r.kind, id: r.id }), r]));
  return {
    read: async (ref) => {
      const found = byKey.get(resourceKey(ref));
      return found ? { exists: true, state: found } : { exists: false };
    },
    select: async (_scope, kind, selector) => resources.filter((r) => r.kind === kind && matchesSelector('azure', r, selector)).map((r) => r.id),
  };
}

let harness: Awaited<ReturnType<typeof pipelineWith>> | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

async function replay(live: Resource[] | undefined, ...events: unknown[]) {
  harness = await pipelineWith(
    [{ schema: SNAPSHOT_SCHEMA, scope: { cloud: 'azure', account: SUB }, capturedAt: '2026-11-25T00:00:00Z', resources: structuredClone(BASELINE) }],
    { adapters: azureAdapters, ...(live ? { reader: liveReader(live) } : {}) },
  );
  const findings = [];
  for (const event of events) for (const record of (await harness.pipeline.handle(event)).records) findings.push(...record.opened, ...record.resolved);
  return findings.map((f) => [f.status, f.rule, f.severity, f.resource.split('/').slice(-1)[0], f.item.split('/').slice(-1)[0]]);
}

describe('Azure scenarios, read back', () => {
  it('a route pointed at the internet', async () => {
    const live = change<Extract<Resource, { kind: 'route-table' }>>(RT, (r) => ({ ...r, routes: [{ name: 'default-to-firewall', destination: '0.0.0.0/0', target: { type: 'internet' } }] }));
    expect(await replay(live, fixture('routeTables-routes-write'))).toEqual([['open', 'route.target-changed', 'critical', 'rt-app', 'default-to-firewall']]);
  });

  it('a route deleted, then put back: resolved', async () => {
    let live = change<Extract<Resource, { kind: 'route-table' }>>(RT, (r) => ({ ...r, routes: [] }));
    const reader: StateReader = { read: (ref) => liveReader(live).read(ref) };
    const putBack = Object.assign(structuredClone(fixture('routeTables-routes-write')) as object, { id: 'put-back', eventTime: '2026-11-27T00:00:00Z' });
    harness = await pipelineWith(
      [{ schema: SNAPSHOT_SCHEMA, scope: { cloud: 'azure', account: SUB }, capturedAt: '2026-11-25T00:00:00Z', resources: structuredClone(BASELINE) }],
      { adapters: azureAdapters, reader },
    );

    const removed = await harness.pipeline.handle(fixture('routeTables-routes-delete'));
    live = BASELINE;
    const restored = await harness.pipeline.handle(putBack);

    expect(removed.records[0]?.opened.map((f) => f.rule)).toEqual(['route.removed']);
    expect(restored.records[0]?.resolved.map((f) => f.rule)).toEqual(['route.removed']);
  });

  it('a route table deleted needs no read', async () => {
    expect(await replay([], fixture('routeTables-delete'))).toEqual([['open', 'route-table.deleted', 'high', 'rt-app', '']]);
  });

  it('a subnet moved to another route table is reported on both', async () => {
    const live = BASELINE.map((r) => (r.kind === 'route-table' ? { ...r, subnets: r.id === RT2 ? [SNET] : [] } : r));
    expect((await replay(live, fixture('virtualNetworks-subnets-write'))).sort()).toEqual([
      ['open', 'route-table.association-changed', 'high', 'rt-app', 'snet-app'],
      ['open', 'route-table.association-changed', 'high', 'rt-other', 'snet-app'],
    ]);
  });

  it('a subnet given a NAT gateway', async () => {
    const live = change<Extract<Resource, { kind: 'nat-gateway' }>>(NG, (r) => ({ ...r, subnets: [SNET.toUpperCase()] }));
    expect(await replay(live, fixture('virtualNetworks-subnets-write'))).toEqual([['open', 'nat.changed', 'medium', 'ng-egress', '']]);
  });

  it('a DNS zone group removed turns private DNS off on the endpoint', async () => {
    const live = change<Extract<Resource, { kind: 'private-endpoint' }>>(PE, (r) => ({ ...r, privateDns: false }));
    expect(await replay(live, fixture('privateEndpoints-privateDnsZoneGroups-delete'))).toEqual([['open', 'private-endpoint.changed', 'high', 'pe-stcontoso-blob', '']]);
  });

  it('a private endpoint deleted', async () => {
    expect(await replay(BASELINE, fixture('privateEndpoints-delete'))).toEqual([['open', 'private-endpoint.deleted', 'high', 'pe-stcontoso-blob', '']]);
  });

  it('a zone unlinked from a network', async () => {
    const live = change<Extract<Resource, { kind: 'dns-zone' }>>(BLOB_ZONE, (r) => ({ ...r, networks: [] }));
    expect(await replay(live, fixture('privateDnsZones-virtualNetworkLinks-delete'))).toEqual([['open', 'dns-zone.network-unlinked', 'high', 'privatelink.blob.core.windows.net', 'vnet-hub']]);
  });

  it('a record re-pointed in a private zone', async () => {
    const live = change<Extract<Resource, { kind: 'dns-zone' }>>(ZONE, (r) => ({ ...r, records: [{ name: 'www.internal.contoso.com.', type: 'A', ttl: 3600, values: ['203.0.113.80'] }] }));
    expect(await replay(live, fixture('privateDnsZones-A-write'))).toEqual([['open', 'dns-record.changed', 'high', 'internal.contoso.com', 'www.internal.contoso.com. A']]);
  });

  it('a forwarding rule sending queries to a public resolver is critical', async () => {
    const live = change<Extract<Resource, { kind: 'dns-forwarding' }>>(FRS, (r) => ({ ...r, targets: ['8.8.8.8'] }));
    expect(await replay(live, fixture('dnsForwardingRulesets-forwardingRules-write'))).toEqual([['open', 'dns-forwarding.changed', 'critical', 'frs-corp', '']]);
  });

  it('a new VNet peering', async () => {
    const live: Resource[] = [...BASELINE, { kind: 'peering', id: PEERING, region: 'westeurope', network: HUB, peerNetwork: `${NET}/virtualNetworks/vnet-partner` }];
    expect(await replay(live, fixture('virtualNetworks-virtualNetworkPeerings-write'))).toEqual([['open', 'peering.added', 'high', 'hub-to-spoke', 'vnet-partner']]);
  });

  it('a write read back equal to the baseline is no finding', async () => {
    expect(await replay(BASELINE, fixture('natGateways-write'), fixture('routeTables-write'))).toEqual([]);
  });
});

describe('Azure scenarios without live state', () => {
  it('a write is change.unverified, naming the operation, never silence', async () => {
    const findings = await replay(undefined, fixture('natGateways-write'));
    expect(findings).toEqual([['open', 'change.unverified', 'high', 'ng-egress', '']]);
    expect(harness && (await harness.state.listFindings())[0]?.summary).toContain('Microsoft.Network/natGateways/write');
  });

  it('a top-level delete needs no read', async () => {
    expect(await replay(undefined, fixture('natGateways-delete'))).toEqual([['open', 'nat.deleted', 'medium', 'ng-egress', '']]);
  });

  it('a failed write is not drift', async () => {
    const failed = structuredClone(fixture('natGateways-write')) as { eventType: string };
    failed.eventType = 'Microsoft.Resources.ResourceWriteFailure';
    expect(await replay(undefined, failed)).toEqual([]);
  });
});
