import { describe, expect, it } from 'vitest';
import { azureCatalog } from '../../../adapters/azure/index.js';
import { NET, changesOf, eventGrid, provenance } from './fixtures.js';

const RT = `${NET}/routeTables/rt-app`;
const VNET = `${NET}/virtualNetworks/vnet-hub`;
const SUBNET = `${NET}/virtualNetworks/vnet-hub/subnets/snet-app`;
const PEERING = `${NET}/virtualNetworks/vnet-hub/virtualNetworkPeerings/hub-to-spoke`;
const NAT = `${NET}/natGateways/ng-egress`;
const PE = `${NET}/privateEndpoints/pe-stcontoso-blob`;
const ZONE = `${NET}/privateDnsZones/privatelink.blob.core.windows.net`;
const RECORDS = `${NET}/privateDnsZones/internal.contoso.com`;
const REVERSE = `${NET}/privateDnsZones/1.10.in-addr.arpa`;
const RESOLVER = `${NET}/dnsResolvers/dnsr-hub`;
const RULESET = `${NET}/dnsForwardingRulesets/frs-corp`;

type Expected = { kind: string; id: string; action: string; select?: unknown }[];
const update = (kind: string, id: string): Expected => [{ kind, id, action: 'update' }];
const remove = (kind: string, id: string): Expected => [{ kind, id, action: 'delete' }];
const holders: Expected = ['route-table', 'nat-gateway'].map((kind) =>
  ({ kind, id: '', action: 'update', select: { field: 'subnets', contains: SUBNET } }));
/** A VNet write or delete: the route tables and NAT gateways holding any of its subnets, and its peerings. */
const contents = (peerings: 'update' | 'delete'): Expected => [
  ...['route-table', 'nat-gateway'].map((kind) =>
    ({ kind, id: '', action: 'update', select: { field: 'subnets', containsPrefix: `${VNET}/subnets/` } })),
  { kind: 'peering', id: '', action: peerings, select: { idPrefix: `${VNET}/virtualNetworkPeerings/` } },
];

/** What each catalog row's fixture must yield, written out (not derived from the catalog). */
const EXPECTED: Record<string, { region?: string; changes: Expected }> = {
  'routeTables/write': { changes: update('route-table', RT) },
  'routeTables/delete': { changes: remove('route-table', RT) },
  'routeTables/routes/write': { changes: update('route-table', RT) },
  'routeTables/routes/delete': { changes: update('route-table', RT) },
  'virtualNetworks/write': { changes: contents('update') },
  'virtualNetworks/delete': { changes: contents('delete') },
  'virtualNetworks/subnets/write': { changes: holders },
  'virtualNetworks/subnets/delete': { changes: holders },
  'virtualNetworks/virtualNetworkPeerings/write': { changes: update('peering', PEERING) },
  'virtualNetworks/virtualNetworkPeerings/delete': { changes: remove('peering', PEERING) },
  'natGateways/write': { changes: update('nat-gateway', NAT) },
  'natGateways/delete': { changes: remove('nat-gateway', NAT) },
  'privateEndpoints/write': { changes: update('private-endpoint', PE) },
  'privateEndpoints/delete': { changes: remove('private-endpoint', PE) },
  'privateEndpoints/privateDnsZoneGroups/write': { changes: update('private-endpoint', PE) },
  'privateEndpoints/privateDnsZoneGroups/delete': { changes: update('private-endpoint', PE) },
  'privateDnsZones/write': { region: 'global', changes: update('dns-zone', ZONE) },
  'privateDnsZones/delete': { region: 'global', changes: remove('dns-zone', ZONE) },
  'privateDnsZones/virtualNetworkLinks/write': { region: 'global', changes: update('dns-zone', ZONE) },
  'privateDnsZones/virtualNetworkLinks/delete': { region: 'global', changes: update('dns-zone', ZONE) },
  'privateDnsZones/A/write': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/A/delete': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/AAAA/write': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/AAAA/delete': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/CNAME/write': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/CNAME/delete': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/MX/write': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/MX/delete': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/PTR/write': { region: 'global', changes: update('dns-zone', REVERSE) },
  'privateDnsZones/PTR/delete': { region: 'global', changes: update('dns-zone', REVERSE) },
  'privateDnsZones/SRV/write': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/SRV/delete': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/TXT/write': { region: 'global', changes: update('dns-zone', RECORDS) },
  'privateDnsZones/TXT/delete': { region: 'global', changes: update('dns-zone', RECORDS) },
  'dnsResolvers/write': { changes: update('dns-forwarding', RESOLVER) },
  'dnsResolvers/delete': { changes: remove('dns-forwarding', RESOLVER) },
  'dnsResolvers/outboundEndpoints/write': { changes: update('dns-forwarding', RESOLVER) },
  'dnsResolvers/outboundEndpoints/delete': { changes: update('dns-forwarding', RESOLVER) },
  'dnsForwardingRulesets/write': { changes: update('dns-forwarding', RULESET) },
  'dnsForwardingRulesets/delete': { changes: remove('dns-forwarding', RULESET) },
  'dnsForwardingRulesets/forwardingRules/write': { changes: update('dns-forwarding', RULESET) },
  'dnsForwardingRulesets/forwardingRules/delete': { changes: update('dns-forwarding', RULESET) },
  'dnsForwardingRulesets/virtualNetworkLinks/write': { changes: update('dns-forwarding', RULESET) },
  'dnsForwardingRulesets/virtualNetworkLinks/delete': { changes: update('dns-forwarding', RULESET) },
};

describe('Event Grid events of every catalog row', () => {
  it('have an expectation for every row, and a row for every expectation', () => {
    expect(Object.keys(EXPECTED).map((type) => `Microsoft.Network/${type}`).sort())
      .toStrictEqual(azureCatalog.map((row) => row.operation).sort());
  });

  it.each(Object.entries(EXPECTED))('Microsoft.Network/%s', (type, expected) => {
    const event = eventGrid(`Microsoft.Network/${type}`);

    const changes = changesOf(event);

    expect(changes).toStrictEqual(expected.changes.map((change) => ({ ...provenance(event, expected.region), ...change })));
  });
});
