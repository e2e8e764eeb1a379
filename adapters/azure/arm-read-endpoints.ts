import type { PrivateDnsZoneGroup, PrivateEndpoint as ArmPrivateEndpoint } from '@azure/arm-network';
import type { PrivateEndpoint } from '../../core/resource.js';
import { compareText } from '../../snapshots/canonical.js';
import { armPathOf, CAPTURE_CONCURRENCY, mapLimited, type ArmClients } from './arm-clients.js';
import { armCall, armPages, unlessGone } from './arm-errors.js';

/** `…/virtualNetworks/v/subnets/s` → `…/virtualNetworks/v`. */
function networkOfSubnet(subnet: string): string | undefined {
  const at = subnet.toLowerCase().lastIndexOf('/subnets/');
  return at > 0 ? subnet.slice(0, at) : undefined;
}

/**
 * A private endpoint in the snapshot format: `service` is the private link resource it connects to (a storage
 * account, a private link service), `subnets` its subnet, `network` that subnet's VNet, `privateDns` whether a DNS
 * zone group registers it in a private zone (`dnsZones` keeps which). Manual (pending approval) connections count
 * as the service when there is no automatic one.
 */
export function privateEndpointFromArm(endpoint: ArmPrivateEndpoint, groups: readonly PrivateDnsZoneGroup[]): PrivateEndpoint {
  const connections = [...(endpoint.privateLinkServiceConnections ?? []), ...(endpoint.manualPrivateLinkServiceConnections ?? [])];
  const service = connections.find((connection) => connection.privateLinkServiceId)?.privateLinkServiceId ?? '';
  const subnet = endpoint.subnet?.id;
  const network = subnet && networkOfSubnet(subnet);
  const dnsZones = [...new Set(groups.flatMap((group) => (group.privateDnsZoneConfigs ?? []).flatMap((config) => config.privateDnsZoneId ?? [])))]
    .sort(compareText);
  const groupIds = [...new Set(connections.flatMap((connection) => connection.groupIds ?? []))].sort(compareText);
  return {
    kind: 'private-endpoint', id: endpoint.id ?? '', region: endpoint.location ?? 'unknown',
    ...(network ? { network } : {}),
    service, privateDns: dnsZones.length > 0,
    subnets: subnet ? [subnet] : [],
    ...(groupIds.length > 0 ? { groupIds } : {}),
    ...(dnsZones.length > 0 ? { dnsZones } : {}),
  };
}

async function withZoneGroups(clients: ArmClients, endpoint: ArmPrivateEndpoint): Promise<PrivateEndpoint | undefined> {
  const id = endpoint.id ?? '';
  const path = armPathOf(id);
  const client = await clients.networkClient(path.subscription);
  const groups = await unlessGone(() => armPages('list private DNS zone groups of', id, path.subscription,
    () => client.privateDnsZoneGroups.list(path.names[0] ?? '', path.resourceGroup)));
  return groups && privateEndpointFromArm(endpoint, groups);
}

export async function readPrivateEndpoint(clients: ArmClients, id: string): Promise<PrivateEndpoint | undefined> {
  const path = armPathOf(id);
  const client = await clients.networkClient(path.subscription);
  const endpoint = await unlessGone(() => armCall('GET private endpoint', id, path.subscription,
    () => client.privateEndpoints.get(path.resourceGroup, path.names[0] ?? '')));
  return endpoint && withZoneGroups(clients, endpoint);
}

export async function listPrivateEndpoints(clients: ArmClients, subscription: string): Promise<PrivateEndpoint[]> {
  const client = await clients.networkClient(subscription);
  const endpoints = await armPages('list private endpoints', `/subscriptions/${subscription}`, subscription,
    () => client.privateEndpoints.listBySubscription());
  return (await mapLimited(endpoints, CAPTURE_CONCURRENCY, (endpoint) => withZoneGroups(clients, endpoint))).flatMap((pe) => pe ?? []);
}
