import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_FILTER_VALUES, azureCatalog, azureCatalogRow, azureEventGridFilter,
} from '../../../adapters/azure/index.js';
import { FIXTURES, changesOf, dataOf, eventGrid, fixtureName } from './fixtures.js';

const N = 'Microsoft.Network';
const writeAndDelete = (type: string) => [`${N}/${type}/write`, `${N}/${type}/delete`];
const REQUIRED = [
  'routeTables', 'routeTables/routes', 'virtualNetworks', 'virtualNetworks/subnets', 'virtualNetworks/virtualNetworkPeerings',
  'natGateways', 'privateEndpoints', 'privateEndpoints/privateDnsZoneGroups',
  'privateDnsZones', 'privateDnsZones/virtualNetworkLinks',
  'privateDnsZones/A', 'privateDnsZones/AAAA', 'privateDnsZones/CNAME', 'privateDnsZones/MX',
  'privateDnsZones/PTR', 'privateDnsZones/SRV', 'privateDnsZones/TXT',
  'dnsResolvers', 'dnsResolvers/outboundEndpoints',
  'dnsForwardingRulesets', 'dnsForwardingRulesets/forwardingRules', 'dnsForwardingRulesets/virtualNetworkLinks',
].flatMap(writeAndDelete);
const TOP_LEVEL_DELETES = [
  'routeTables', 'virtualNetworks/virtualNetworkPeerings', 'natGateways', 'privateEndpoints', 'privateDnsZones',
  'dnsResolvers', 'dnsForwardingRulesets',
].map((type) => `${N}/${type}/delete`);

const holders = (action: string) => [['route-table', action], ['nat-gateway', action]];
/** The kinds and actions of the rows whose changes are not one of the row's kind and action. */
const SPREAD: Record<string, string[][]> = {
  [`${N}/virtualNetworks/subnets/write`]: holders('update'),
  [`${N}/virtualNetworks/subnets/delete`]: holders('update'),
  [`${N}/virtualNetworks/write`]: [...holders('update'), ['peering', 'update']],
  [`${N}/virtualNetworks/delete`]: [...holders('update'), ['peering', 'delete']],
};

describe('azureCatalog', () => {
  it('has one row per operation', () => {
    const operations = azureCatalog.map((row) => row.operation);

    expect(new Set(operations).size).toBe(operations.length);
  });

  it('has a row for every watched operation, and no other', () => {
    expect(azureCatalog.map((row) => row.operation).sort()).toStrictEqual([...REQUIRED].sort());
  });

  it('names each row after its ARM operationName, from Microsoft.Network, with no payload', () => {
    for (const row of azureCatalog) {
      expect([row.cloud, row.source, row.name, row.payload]).toStrictEqual(['azure', N, row.operation, 'none']);
    }
  });

  it('deletes top-level resources and updates for everything else', () => {
    const deletes = azureCatalog.filter((row) => row.action === 'delete').map((row) => row.operation);

    expect(deletes.sort()).toStrictEqual([...TOP_LEVEL_DELETES].sort());
    expect(azureCatalog.filter((row) => row.action === 'create')).toStrictEqual([]);
  });

  it('finds a row by its operationName in any casing', () => {
    const row = azureCatalogRow(`${N}/routeTables/routes/write`);

    expect(azureCatalogRow('MICROSOFT.NETWORK/ROUTETABLES/ROUTES/WRITE')).toBe(row);
    expect(azureCatalogRow('microsoft.network/routetables/routes/write')).toBe(row);
    expect(azureCatalogRow(`${N}/networkSecurityGroups/write`)).toBeUndefined();
  });

  it('has an Event Grid fixture for every row, and no fixture without a row', () => {
    const files = readdirSync(join(FIXTURES, 'eventgrid')).sort();

    expect(files).toStrictEqual(azureCatalog.map((row) => `${fixtureName(row.operation)}.json`).sort());
    for (const row of azureCatalog) expect(dataOf(eventGrid(row.operation)).operationName).toBe(row.name);
  });

  it("yields, for every row's fixture, changes of the row's kind and action (or a subnet's or VNet's spread)", () => {
    for (const row of azureCatalog) {
      const changes = changesOf(eventGrid(row.operation));

      const expected = SPREAD[row.operation] ?? [[row.kind, row.action]];
      expect(changes.map((change) => [change.kind, change.action]), row.operation).toStrictEqual(expected);
      for (const change of changes) expect(change.operation).toBe(row.operation);
    }
  });
});

describe('azureEventGridFilter', () => {
  it('delivers every catalog operation, at most 25 names per event subscription', () => {
    const filters = azureEventGridFilter();

    const names = filters.flatMap((filter) => filter.advancedFilters.flatMap((advanced) => advanced.values));
    expect(names.sort()).toStrictEqual(azureCatalog.map((row) => row.name).sort());
    expect(filters).toHaveLength(Math.ceil(azureCatalog.length / MAX_FILTER_VALUES));
    for (const filter of filters) {
      expect(filter.advancedFilters.flatMap((advanced) => advanced.values).length).toBeLessThanOrEqual(MAX_FILTER_VALUES);
      expect(filter.advancedFilters.map((advanced) => [advanced.operatorType, advanced.key])).toStrictEqual([['StringIn', 'data.operationName']]);
    }
  });

  it('includes the Azure Resource Manager event types, failures and cancels included', () => {
    const [filter] = azureEventGridFilter();

    expect(filter?.includedEventTypes).toStrictEqual([
      'Microsoft.Resources.ResourceActionCancel', 'Microsoft.Resources.ResourceActionFailure', 'Microsoft.Resources.ResourceActionSuccess',
      'Microsoft.Resources.ResourceDeleteCancel', 'Microsoft.Resources.ResourceDeleteFailure', 'Microsoft.Resources.ResourceDeleteSuccess',
      'Microsoft.Resources.ResourceWriteCancel', 'Microsoft.Resources.ResourceWriteFailure', 'Microsoft.Resources.ResourceWriteSuccess',
    ]);
  });

  it('is generated from the catalog it is given', () => {
    const rows = azureCatalog.slice(0, 2);

    const filters = azureEventGridFilter(rows);

    expect(filters.map((filter) => filter.advancedFilters[0]?.values)).toStrictEqual([rows.map((row) => row.name).sort()]);
  });
});
