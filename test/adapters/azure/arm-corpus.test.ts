import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureStateReader } from '../../../adapters/azure/arm-state-reader.js';
import type { Resource } from '../../../core/resource.js';
import { CORPUS_DIR, corpusAvailable } from '../../support/corpus.js';
import { startFakeArm, type FakeArm } from '../../support/fake-arm.js';
import { exampleBody } from './arm-fixtures.js';

/**
 * The published ARM REST examples (../shared/corpus/arm) served as they are by the fake ARM server and read
 * through the real clients: the shapes the reader maps are ARM's own. A few examples spell ids inconsistently
 * (noted in the corpus's SOURCES.md); those are served at the id the API would use, their bodies unchanged.
 */
const available = corpusAvailable();
const example = (name: string) => JSON.parse(readFileSync(join(CORPUS_DIR, 'arm', `${name}.json`), 'utf8')) as Record<string, unknown>;

let fake: FakeArm;
let reader: AzureStateReader;
const PE = '/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/privateEndpoints/testPe';
const ZONE = '/subscriptions/subscriptionId/resourceGroups/resourceGroup1/providers/Microsoft.Network/privateDnsZones/privatezone1.com';
const RULESET = '/subscriptions/abdd4249-9f34-4cc6-8e42-c2e32110603e/resourceGroups/sampleResourceGroup/providers/Microsoft.Network/dnsForwardingRulesets/sampleDnsForwardingRuleset';
const VNET1 = '/subscriptions/subid/resourceGroups/peerTest/providers/Microsoft.Network/virtualNetworks/vnet1';

describe.skipIf(!available)('published ARM examples read back', () => {
  beforeAll(async () => {
    fake = await startFakeArm();
    for (const name of ['RouteTableGet', 'NatGatewayGet', 'PrivateEndpointGet', 'PrivateZoneGet', 'RecordSetAGet', 'RecordSetCNAMEGet',
      'VirtualNetworkLinkGet', 'DnsForwardingRuleset_Get', 'ForwardingRule_Get', 'DnsResolver_Get', 'VirtualNetworkGet']) fake.store.put(exampleBody(example(name)));
    // Published with ids under `privateLinkServices/` and the singular `dnsForwardingRuleset/` (SOURCES.md).
    fake.store.put(exampleBody(example('PrivateEndpointDnsZoneGroupGet')), `${PE}/privateDnsZoneGroups/testPdnsgroup`);
    fake.store.put(exampleBody(example('VirtualNetworkLink_Get')), `${RULESET}/virtualNetworkLinks/sampleVirtualNetworkLink`);
    // The peering example's VNet (vnet1) has no example of its own: the VirtualNetworkGet body stands for it.
    fake.store.put({ ...exampleBody(example('VirtualNetworkGet')), id: VNET1, properties: {} });
    fake.store.put(exampleBody(example('VirtualNetworkPeeringGet')));
    reader = new AzureStateReader({ clientOptions: fake.clientOptions });
  });
  afterAll(async () => { await fake?.close(); });

  const read = async (kind: Resource['kind'], id: string) => {
    const result = await reader.read({ cloud: 'azure', account: id.split('/')[2] ?? '', kind, id, region: 'unknown' });
    if (!result.exists) throw new Error(`${id} not found`);
    return result.state;
  };

  it('RouteTableGet: a route to a VPN gateway', async () => {
    expect(await read('route-table', '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/routeTables/testrt')).toEqual({
      kind: 'route-table', id: '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/routeTables/testrt', region: 'westus',
      routes: [{ name: 'route1', destination: '10.0.3.0/24', target: { type: 'vpn' } }], subnets: [],
    });
  });

  it('NatGatewayGet: its subnet, public IP and prefix', async () => {
    const nat = await read('nat-gateway', '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/natGateways/test-natGateway');

    expect(nat).toMatchObject({
      region: 'westus', subnets: ['/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet/subnets/subnet1'],
      publicIps: ['/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/PublicIpAddress1',
        '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/publicIPPrefixes/PublicIpPrefix1'],
    });
  });

  it('PrivateEndpointGet with PrivateEndpointDnsZoneGroupGet: the service, its subnet, and private DNS on', async () => {
    expect(await read('private-endpoint', PE)).toMatchObject({
      service: '/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/privateLinkServices/testPls', privateDns: true,
      dnsZones: ['/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/privateDnsZones/zone1.com',
        '/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/privateDnsZones/zone2.com'],
      region: 'eastus', subnets: [expect.stringMatching(/\/subnets\//) as unknown as string],
    });
  });

  it('PrivateZoneGet with its link and record sets', async () => {
    expect(await read('dns-zone', ZONE)).toEqual({
      kind: 'dns-zone', id: ZONE, region: 'global', name: 'privatezone1.com.', private: true,
      networks: ['/subscriptions/virtualNetworkSubscriptionId/resourceGroups/virtualNetworkResourceGroup/providers/Microsoft.Network/virtualNetworks/virtualNetworkName'],
      records: [
        { name: 'recorda.privatezone1.com.', type: 'A', ttl: 3600, values: ['1.2.3.4'] },
        { name: 'recordcname.privatezone1.com.', type: 'CNAME', ttl: 3600, values: ['contoso.com'] },
      ],
    });
  });

  it('DnsForwardingRuleset_Get with its rule and link', async () => {
    expect(await read('dns-forwarding', RULESET)).toMatchObject({
      region: 'westus2', domain: 'contoso.com.', targets: ['10.0.0.1', '10.0.0.2'],
      networks: ['/subscriptions/0403cfa9-9659-4f33-9f30-1f191c51d111/resourceGroups/sampleVnetResourceGroupName/providers/Microsoft.Network/virtualNetworks/sampleVirtualNetwork'],
    });
  });

  it('DnsResolver_Get: the VNet it serves', async () => {
    const id = '/subscriptions/abdd4249-9f34-4cc6-8e42-c2e32110603e/resourceGroups/sampleResourceGroup/providers/Microsoft.Network/dnsResolvers/sampleDnsResolver';

    expect(await read('dns-forwarding', id)).toEqual({
      kind: 'dns-forwarding', id, region: 'westus2', targets: [], outboundEndpoints: [],
      networks: ['/subscriptions/cbb1387e-4b03-44f2-ad41-58d4677b9873/resourceGroups/virtualNetworkResourceGroup/providers/Microsoft.Network/virtualNetworks/sampleVirtualNetwork'],
    });
  });

  it('VirtualNetworkPeeringGet and VirtualNetworkGet: a peering and a subnet', async () => {
    expect(await read('peering', `${VNET1}/virtualNetworkPeerings/peer`)).toEqual({
      kind: 'peering', id: `${VNET1}/virtualNetworkPeerings/peer`, region: 'westus', network: VNET1,
      peerNetwork: '/subscriptions/subid/resourceGroups/peerTest/providers/Microsoft.Network/virtualNetworks/vnet2', state: 'Initiated',
    });
    expect(await read('subnet', '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet/subnets/subnet1')).toEqual({
      kind: 'subnet', id: '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet/subnets/subnet1',
      region: 'westus', network: '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet',
    });
  });
});
