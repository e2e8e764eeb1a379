import { describe, expect, it } from 'vitest';
import { armParentId, azureCatalog, parseArmId } from '../../../adapters/azure/index.js';
import { NET, SUB, changesOf, dataOf, eventGrid } from './fixtures.js';

const RT = `${NET}/routeTables/rt-app`;
const ZONE = `${NET}/privateDnsZones/internal.contoso.com`;
const RULESET = `${NET}/dnsForwardingRulesets/frs-corp`;

describe('armParentId', () => {
  it.each([
    ['a route table', RT, 'route-table', RT],
    ['a route, cut back to its route table', `${RT}/routes/default-to-firewall`, 'route-table', RT],
    ['a record set, cut back to its zone', `${ZONE}/A/www`, 'dns-zone', ZONE],
    ['an apex record set', `${ZONE}/TXT/@`, 'dns-zone', ZONE],
    ['a zone link', `${ZONE}/virtualNetworkLinks/link-hub`, 'dns-zone', ZONE],
    ['a DNS zone group, cut back to its endpoint', `${NET}/privateEndpoints/pe-1/privateDnsZoneGroups/default`, 'private-endpoint', `${NET}/privateEndpoints/pe-1`],
    ['a forwarding rule, cut back to its ruleset', `${RULESET}/forwardingRules/corp`, 'dns-forwarding', RULESET],
    ['a ruleset link, cut back to its ruleset', `${RULESET}/virtualNetworkLinks/spoke`, 'dns-forwarding', RULESET],
    ['an outbound endpoint, cut back to its resolver', `${NET}/dnsResolvers/dnsr/outboundEndpoints/out-1`, 'dns-forwarding', `${NET}/dnsResolvers/dnsr`],
    ['a peering, its own resource', `${NET}/virtualNetworks/vnet-hub/virtualNetworkPeerings/hub-to-spoke`, 'peering',
      `${NET}/virtualNetworks/vnet-hub/virtualNetworkPeerings/hub-to-spoke`],
    ['a NAT gateway with a trailing slash', `${NET}/natGateways/ng/`, 'nat-gateway', `${NET}/natGateways/ng`],
  ])('maps %s', (_what, id, kind, parent) => {
    expect(armParentId(id)).toStrictEqual({ kind, id: parent });
  });

  it('matches types in any casing and keeps the spelling of the id', () => {
    const id = `${RT}/routes/r1`.toUpperCase();

    expect(armParentId(id)).toStrictEqual({ kind: 'route-table', id: RT.toUpperCase() });
  });

  it.each([
    ['a subnet (reported on the route tables and NAT gateways that hold it)', `${NET}/virtualNetworks/vnet-hub/subnets/snet-app`],
    ['a virtual network (reported on the holders of its subnets, and its peerings)', `${NET}/virtualNetworks/vnet-hub`],
    ['a network security group', `${NET}/networkSecurityGroups/nsg`],
    ['a record type netdrift does not watch', `${ZONE}/SOA/@`],
    ['an extension resource on a route table', `${RT}/providers/Microsoft.Insights/diagnosticSettings/default`],
    ['a resource group', `/subscriptions/${SUB}/resourceGroups/rg-net`],
    ['a name, not an id', 'rt-app'],
    ['an id with an empty segment', `${NET}//routeTables/rt-app`],
  ])('is undefined for %s', (_what, id) => {
    expect(armParentId(id)).toBeUndefined();
  });

  it("agrees with the adapter's changes for every catalog row: their one resource, or none for a selection", () => {
    for (const row of azureCatalog) {
      const event = eventGrid(row.operation);
      const changes = changesOf(event);

      const parent = armParentId(String(dataOf(event).resourceUri));
      if (changes.every((change) => change.select !== undefined)) {
        expect(parent, row.operation).toBeUndefined();
      } else {
        expect(changes, row.operation).toHaveLength(1);
        expect(parent, row.operation).toStrictEqual({ kind: changes[0]?.kind, id: changes[0]?.id });
      }
    }
  });
});

describe('parseArmId', () => {
  it('takes a child id apart', () => {
    expect(parseArmId(`${RT}/routes/r1`)).toStrictEqual({
      id: `${RT}/routes/r1`, subscription: SUB, type: 'Microsoft.Network/routeTables/routes', topLevelId: RT,
    });
  });

  it('reads a subscription-level resource (no resource group)', () => {
    expect(parseArmId(`/subscriptions/${SUB}/providers/Microsoft.Network/natGateways/ng`)).toMatchObject({ type: 'Microsoft.Network/natGateways' });
  });
});
