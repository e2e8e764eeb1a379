import type { KnownSystemEventTypes } from '@azure/eventgrid';
import type { CatalogRow } from '../../core/catalog.js';
import type { ResourceKind } from '../../core/resource.js';

const NETWORK = 'Microsoft.Network';

/**
 * What a change to an ARM resource type is reported on (DESIGN.md, "Resource ids"):
 * - `itself`: a top-level resource, or a peering (a child in ARM, a resource of its own in netdrift);
 * - `parent`: a child (route, record set, link, zone group, rule, endpoint) is an update of its top-level parent;
 * - `subnet-holders`: a subnet write may move the subnet between route tables and NAT gateways, so it is an
 *   update of every route table and NAT gateway whose `subnets` hold it, before or after;
 * - `network-contents`: a VNet write (Terraform and Bicep declare subnets and peerings inline) or delete may
 *   change any of its subnets' route table and NAT associations and its peerings, so it is an update of every
 *   route table and NAT gateway holding one of its subnets, and of its peerings.
 */
export type ReportedOn = 'itself' | 'parent' | 'subnet-holders' | 'network-contents';

/** An ARM resource type netdrift watches: its writes and deletes are catalog rows. */
export interface WatchedArmType {
  /** `Microsoft.Network/routeTables/routes`, as ARM spells it (matched case-insensitively). */
  type: string;
  /** The kind reported on; for `subnet-holders`, the first of the kinds reported on. */
  kind: ResourceKind;
  on: ReportedOn;
  /** Lives in no region (private DNS zones are `global` in ARM). */
  global?: boolean;
}

/** The route tables and NAT gateways a subnet write is reported on. */
export const SUBNET_HOLDER_KINDS: readonly ResourceKind[] = ['route-table', 'nat-gateway'];

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'PTR', 'SRV', 'TXT'] as const;

/**
 * The watched Microsoft.Network resource types (DESIGN.md, "The catalog"). A forwarding ruleset is one
 * `dns-forwarding` resource, its rules and virtual network links included; a DNS resolver is one too,
 * its outbound endpoints included.
 */
export const azureWatchedTypes: readonly WatchedArmType[] = [
  { type: `${NETWORK}/routeTables`, kind: 'route-table', on: 'itself' },
  { type: `${NETWORK}/routeTables/routes`, kind: 'route-table', on: 'parent' },
  { type: `${NETWORK}/virtualNetworks`, kind: 'route-table', on: 'network-contents' },
  { type: `${NETWORK}/virtualNetworks/subnets`, kind: 'route-table', on: 'subnet-holders' },
  { type: `${NETWORK}/virtualNetworks/virtualNetworkPeerings`, kind: 'peering', on: 'itself' },
  { type: `${NETWORK}/natGateways`, kind: 'nat-gateway', on: 'itself' },
  { type: `${NETWORK}/privateEndpoints`, kind: 'private-endpoint', on: 'itself' },
  { type: `${NETWORK}/privateEndpoints/privateDnsZoneGroups`, kind: 'private-endpoint', on: 'parent' },
  { type: `${NETWORK}/privateDnsZones`, kind: 'dns-zone', on: 'itself', global: true },
  { type: `${NETWORK}/privateDnsZones/virtualNetworkLinks`, kind: 'dns-zone', on: 'parent', global: true },
  ...RECORD_TYPES.map((record): WatchedArmType =>
    ({ type: `${NETWORK}/privateDnsZones/${record}`, kind: 'dns-zone', on: 'parent', global: true })),
  { type: `${NETWORK}/dnsResolvers`, kind: 'dns-forwarding', on: 'itself' },
  { type: `${NETWORK}/dnsResolvers/outboundEndpoints`, kind: 'dns-forwarding', on: 'parent' },
  { type: `${NETWORK}/dnsForwardingRulesets`, kind: 'dns-forwarding', on: 'itself' },
  { type: `${NETWORK}/dnsForwardingRulesets/forwardingRules`, kind: 'dns-forwarding', on: 'parent' },
  { type: `${NETWORK}/dnsForwardingRulesets/virtualNetworkLinks`, kind: 'dns-forwarding', on: 'parent' },
];

const IDS: Record<ReportedOn, (type: string) => string> = {
  itself: () => 'data.resourceUri',
  parent: (type) => `data.resourceUri cut to the ${type.split('/').slice(0, 2).join('/')}`,
  'subnet-holders': () => 'the route tables and NAT gateways whose subnets hold data.resourceUri',
  'network-contents': () => 'the route tables and NAT gateways holding a subnet of data.resourceUri, and its peerings',
};

function row(watched: WatchedArmType, verb: 'write' | 'delete'): CatalogRow {
  const operation = `${watched.type}/${verb}`;
  const action = verb === 'delete' && watched.on === 'itself' ? 'delete' : 'update';
  return {
    cloud: 'azure', operation, source: NETWORK, name: operation, kind: watched.kind, action, payload: 'none',
    ids: IDS[watched.on](watched.type),
  };
}

/**
 * The Azure operations netdrift watches: a write and a delete per watched type. Event Grid carries no
 * resource body, so every payload is `none` and the resource is read back; a write is an `update`
 * (ARM PUT creates or replaces). `ids` names the Event Grid field; Activity Log records call it `resourceId`.
 */
export const azureCatalog: readonly CatalogRow[] = azureWatchedTypes.flatMap((watched) =>
  [row(watched, 'write'), row(watched, 'delete')]);

const rowsByName = new Map(azureCatalog.map((entry) => [entry.name.toLowerCase(), entry]));
const typesByName = new Map(azureWatchedTypes.map((watched) => [watched.type.toLowerCase(), watched]));

/** The catalog row of an ARM operationName, in any casing (`MICROSOFT.NETWORK/ROUTETABLES/WRITE`); undefined if unwatched. */
export function azureCatalogRow(operationName: string): CatalogRow | undefined {
  return rowsByName.get(operationName.trim().toLowerCase());
}

/** The watched type of an ARM resource type, in any casing; undefined if unwatched. */
export function watchedArmType(type: string): WatchedArmType | undefined {
  return typesByName.get(type.toLowerCase());
}

/** The watched type a catalog row is about (`…/routes/write` → `…/routes`). */
export function watchedTypeOfRow(entry: CatalogRow): WatchedArmType {
  const watched = watchedArmType(entry.name.slice(0, entry.name.lastIndexOf('/')));
  if (!watched) throw new Error(`catalog row ${entry.operation} has no watched type`);
  return watched;
}

/** The Azure Resource Manager event types of an Azure subscription's Event Grid system topic that netdrift reads. */
export const RESOURCE_EVENT_TYPES = [
  'Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess', 'Microsoft.Resources.ResourceActionSuccess',
  'Microsoft.Resources.ResourceWriteFailure', 'Microsoft.Resources.ResourceDeleteFailure', 'Microsoft.Resources.ResourceActionFailure',
  'Microsoft.Resources.ResourceWriteCancel', 'Microsoft.Resources.ResourceDeleteCancel', 'Microsoft.Resources.ResourceActionCancel',
] as const satisfies readonly KnownSystemEventTypes[];

/** An Event Grid event subscription filter (https://learn.microsoft.com/azure/event-grid/event-filtering). */
export interface AzureEventGridFilter {
  includedEventTypes: string[];
  advancedFilters: { operatorType: 'StringIn'; key: 'data.operationName'; values: string[] }[];
}

/**
 * Event Grid allows 25 filter values across all the advanced filters of one event subscription
 * (https://learn.microsoft.com/azure/event-grid/event-filtering#limitations), fewer than the catalog's names.
 */
export const MAX_FILTER_VALUES = 25;

/**
 * The filters of the Event Grid event subscriptions that deliver every catalog operation, generated from the
 * catalog so what is deployed and what is parsed cannot disagree: one event subscription per filter (all to
 * the same endpoint), since one holds at most 25 operation names. String filters compare case-insensitively.
 * Failed and canceled operations are delivered too, so the pipeline can count them.
 */
export function azureEventGridFilter(catalog: readonly CatalogRow[] = azureCatalog): AzureEventGridFilter[] {
  const names = [...new Set(catalog.map((entry) => entry.name))].sort();
  const filters: AzureEventGridFilter[] = [];
  for (let start = 0; start < names.length; start += MAX_FILTER_VALUES) {
    filters.push({
      includedEventTypes: [...RESOURCE_EVENT_TYPES].sort(),
      advancedFilters: [{ operatorType: 'StringIn', key: 'data.operationName', values: names.slice(start, start + MAX_FILTER_VALUES) }],
    });
  }
  return filters;
}
