import type {
  NatGateway as ArmNatGateway, Route as ArmRoute, RouteTable as ArmRouteTable, Subnet as ArmSubnet,
  VirtualNetwork, VirtualNetworkPeering,
} from '@azure/arm-network';
import type { NatGateway, Peering, Route, RouteTable, RouteTarget, Subnet, TargetType } from '../../core/resource.js';
import { compareText } from '../../snapshots/canonical.js';
import { armPathOf, type ArmClients } from './arm-clients.js';
import { armCall, armPages, unlessGone } from './arm-errors.js';

/** DESIGN.md, "Snapshot format": Azure `nextHopType` → target type. */
const NEXT_HOP: Readonly<Record<string, TargetType>> = {
  internet: 'internet', virtualappliance: 'appliance', vnetlocal: 'local', virtualnetworkgateway: 'vpn', none: 'blackhole',
};

const ids = (items: readonly { id?: string }[] | undefined): string[] =>
  (items ?? []).flatMap((item) => item.id ?? []).sort(compareText);

function routeFromArm(route: ArmRoute): Route | undefined {
  if (!route.name || !route.addressPrefix) return undefined;
  const type = NEXT_HOP[(route.nextHopType ?? '').toLowerCase()] ?? 'other';
  const target: RouteTarget = { type, ...(route.nextHopIpAddress ? { id: route.nextHopIpAddress } : {}) };
  return { name: route.name, destination: route.addressPrefix, target };
}

/** A route table in the snapshot format: its routes by `name` (their identity on Azure) and the subnets it is associated with. */
export function routeTableFromArm(table: ArmRouteTable): RouteTable {
  return {
    kind: 'route-table', id: table.id ?? '', region: table.location ?? 'unknown',
    routes: (table.routes ?? []).flatMap((route) => routeFromArm(route) ?? []).sort((a, b) => compareText(a.name ?? '', b.name ?? '')),
    subnets: ids(table.subnets),
  };
}

/** A NAT gateway: the subnets it serves and its public IP addresses and prefixes, by ARM id. */
export function natGatewayFromArm(nat: ArmNatGateway): NatGateway {
  const withV6 = nat as ArmNatGateway & { publicIpAddressesV6?: { id?: string }[]; publicIpPrefixesV6?: { id?: string }[] };
  return {
    kind: 'nat-gateway', id: nat.id ?? '', region: nat.location ?? 'unknown',
    subnets: ids(nat.subnets),
    publicIps: [...ids(nat.publicIpAddresses), ...ids(nat.publicIpPrefixes), ...ids(withV6.publicIpAddressesV6), ...ids(withV6.publicIpPrefixesV6)]
      .sort(compareText),
  };
}

/** A subnet: its network, and (kept, not judged) the route table and NAT gateway it points to. */
export function subnetFromArm(subnet: ArmSubnet, network: VirtualNetwork): Subnet {
  return {
    kind: 'subnet', id: subnet.id ?? '', region: network.location ?? 'unknown', network: network.id ?? '',
    ...(subnet.routeTable?.id ? { routeTable: subnet.routeTable.id } : {}),
    ...(subnet.natGateway?.id ? { natGateway: subnet.natGateway.id } : {}),
  };
}

/** A VNet peering: a resource of its own in netdrift, from its network to the remote one. */
export function peeringFromArm(peering: VirtualNetworkPeering, network: VirtualNetwork): Peering | undefined {
  const remote = peering.remoteVirtualNetwork?.id;
  if (!peering.id || !remote) return undefined;
  return {
    kind: 'peering', id: peering.id, region: network.location ?? 'unknown', network: network.id ?? '', peerNetwork: remote,
    ...(peering.peeringState ? { state: peering.peeringState } : {}),
  };
}

export async function readRouteTable(clients: ArmClients, id: string): Promise<RouteTable | undefined> {
  const path = armPathOf(id);
  const client = await clients.networkClient(path.subscription);
  const table = await unlessGone(() => armCall('GET route table', id, path.subscription,
    () => client.routeTables.get(path.resourceGroup, path.names[0] ?? '')));
  return table && routeTableFromArm(table);
}

export async function readNatGateway(clients: ArmClients, id: string): Promise<NatGateway | undefined> {
  const path = armPathOf(id);
  const client = await clients.networkClient(path.subscription);
  const nat = await unlessGone(() => armCall('GET NAT gateway', id, path.subscription,
    () => client.natGateways.get(path.resourceGroup, path.names[0] ?? '')));
  return nat && natGatewayFromArm(nat);
}

/** The VNet of an id (`…/virtualNetworks/v` or anything under it); undefined when it is gone. Subnets and peerings come inline. */
export async function readNetwork(clients: ArmClients, id: string): Promise<VirtualNetwork | undefined> {
  const path = armPathOf(id);
  const client = await clients.networkClient(path.subscription);
  return unlessGone(() => armCall('GET virtual network', id, path.subscription,
    () => client.virtualNetworks.get(path.resourceGroup, path.names[0] ?? '')));
}

const sameId = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

export async function readSubnet(clients: ArmClients, id: string): Promise<Subnet | undefined> {
  const network = await readNetwork(clients, id);
  const subnet = network?.subnets?.find((candidate) => sameId(candidate.id, id));
  return network && subnet && subnetFromArm(subnet, network);
}

export async function readPeering(clients: ArmClients, id: string): Promise<Peering | undefined> {
  const network = await readNetwork(clients, id);
  const peering = network?.virtualNetworkPeerings?.find((candidate) => sameId(candidate.id, id));
  return network && peering && peeringFromArm(peering, network);
}

/** What a subnet points to, read on the subnet (a subnet write moves it between route tables and NAT gateways). */
export async function subnetHolders(clients: ArmClients, subnetId: string): Promise<{ routeTable?: string; natGateway?: string }> {
  const path = armPathOf(subnetId);
  const client = await clients.networkClient(path.subscription);
  const subnet = await unlessGone(() => armCall('GET subnet', subnetId, path.subscription,
    () => client.subnets.get(path.resourceGroup, path.names[0] ?? '', path.names[1] ?? '')));
  return {
    ...(subnet?.routeTable?.id ? { routeTable: subnet.routeTable.id } : {}),
    ...(subnet?.natGateway?.id ? { natGateway: subnet.natGateway.id } : {}),
  };
}

export async function listRouteTables(clients: ArmClients, subscription: string): Promise<RouteTable[]> {
  const client = await clients.networkClient(subscription);
  const tables = await armPages('list route tables', `/subscriptions/${subscription}`, subscription, () => client.routeTables.listAll());
  return tables.map(routeTableFromArm);
}

export async function listNatGateways(clients: ArmClients, subscription: string): Promise<NatGateway[]> {
  const client = await clients.networkClient(subscription);
  const nats = await armPages('list NAT gateways', `/subscriptions/${subscription}`, subscription, () => client.natGateways.listAll());
  return nats.map(natGatewayFromArm);
}

export async function listNetworks(clients: ArmClients, subscription: string): Promise<VirtualNetwork[]> {
  const client = await clients.networkClient(subscription);
  return armPages('list virtual networks', `/subscriptions/${subscription}`, subscription, () => client.virtualNetworks.listAll());
}

/** Every peering of the subscription's VNets (inline in each VNet of the listing). */
export async function listPeerings(clients: ArmClients, subscription: string): Promise<Peering[]> {
  const networks = await listNetworks(clients, subscription);
  return networks.flatMap((network) => (network.virtualNetworkPeerings ?? []).flatMap((peering) => peeringFromArm(peering, network) ?? []));
}
