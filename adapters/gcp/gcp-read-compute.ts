import type { NatGateway, Peering, PrivateEndpoint, Route, RouteTable, Subnet } from '../../core/resource.js';
import { isPrivateServiceConnectTarget } from './extract-endpoints.js';
import { natPublicIps, natSubnets } from './extract-routing.js';
import type { GcpClients } from './gcp-clients.js';
import { readApi, readOrMissing } from './gcp-read-errors.js';
import { gcpResourcePath, nameOfPath, projectOfPath, qualifiedPath, regionOfPath } from './resource-path.js';
import { routeTargetFromGcp, type GcpNextHop } from './route-targets.js';

/**
 * Compute Engine resources in the snapshot format, read through `@google-cloud/compute`
 * (https://cloud.google.com/compute/docs/reference/rest/v1): the VPC network is the route table,
 * a Cloud NAT is one NAT config of a router, a Private Service Connect endpoint is a forwarding
 * rule whose target is a Google API bundle or a service attachment.
 */

type Text = string | null | undefined;
interface ApiRoute extends Record<keyof GcpNextHop, Text> { name?: Text; network?: Text; destRange?: Text; priority?: number | null; tags?: string[] | null }
interface ApiNat {
  name?: Text; sourceSubnetworkIpRangesToNat?: Text; natIpAllocateOption?: Text;
  subnetworks?: { name?: Text }[] | null; natIps?: string[] | null;
}
interface ApiRouter { name?: Text; network?: Text; nats?: ApiNat[] | null }
interface ApiPeering { name?: Text; network?: Text }
interface ApiNetwork { name?: Text; selfLink?: Text; peerings?: ApiPeering[] | null }
interface ApiSubnet { name?: Text; network?: Text; region?: Text; privateIpGoogleAccess?: boolean | null }
interface ApiForwardingRule { name?: Text; target?: Text; network?: Text; subnetwork?: Text; region?: Text }

const API_HOST = 'https://www.googleapis.com/compute/v1/';
const DEFAULT_PRIORITY = 1000;

function parts(path: string): { project: string; region: string; name: string } {
  return { project: projectOfPath(path) ?? '', region: regionOfPath(path), name: nameOfPath(path) };
}

/** A route as the audit-log parser writes it; a system subnet route (next hop: its own network) is `local`. */
export function routeFromApi(route: ApiRoute, network: string, project: string): Route {
  const ownNetwork = route.nextHopNetwork && gcpResourcePath(route.nextHopNetwork) === network;
  const hops = Object.fromEntries(Object.entries(route).filter(([key, value]) => key.startsWith('nextHop') && typeof value === 'string' && value !== '')) as GcpNextHop;
  const tags = route.tags ?? [];
  return {
    name: route.name ?? '', destination: route.destRange ?? '',
    target: ownNetwork ? { type: 'local' } : routeTargetFromGcp(hops, project),
    priority: route.priority ?? DEFAULT_PRIORITY,
    ...(tags.length > 0 ? { tags: [...tags] } : {}),
  };
}

function routeTable(id: string, routes: Route[]): RouteTable {
  return { kind: 'route-table', id, region: 'global', routes: routes.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')), subnets: [] };
}

/** The routes of one network, by the network's path. */
async function routesOf(clients: GcpClients, project: string, network: string): Promise<Route[]> {
  const { routes, call } = await clients.computeClients();
  const found: Route[] = [];
  await readApi(`routes of ${network}`, async () => {
    for await (const route of routes.listAsync({ project, filter: `network = "${API_HOST}${network}"` }, call)) {
      found.push(routeFromApi(route as ApiRoute, network, project));
    }
  });
  return found;
}

export async function readRouteTable(clients: GcpClients, id: string): Promise<RouteTable | undefined> {
  const { project, name } = parts(id);
  const { networks, call } = await clients.computeClients();
  const network = await readOrMissing(id, async () => (await networks.get({ project, network: name }, call))[0]);
  return network ? routeTable(id, await routesOf(clients, project, id)) : undefined;
}

export function natFromApi(nat: ApiNat, router: string, network: string | undefined): NatGateway {
  const { project, region } = parts(router);
  const config = {
    name: nat.name ?? '',
    ...(nat.sourceSubnetworkIpRangesToNat ? { sourceSubnetworkIpRangesToNat: nat.sourceSubnetworkIpRangesToNat } : {}),
    ...(nat.natIpAllocateOption ? { natIpAllocateOption: nat.natIpAllocateOption } : {}),
    subnetworks: (nat.subnetworks ?? []).flatMap((s) => (s.name ? [{ name: s.name }] : [])),
    natIps: [...(nat.natIps ?? [])],
  };
  return {
    kind: 'nat-gateway', id: `${router}/nats/${config.name}`, region,
    ...(network ? { network } : {}),
    subnets: natSubnets(config, project, region), publicIps: natPublicIps(config, project, region),
  };
}

async function readRouter(clients: GcpClients, router: string): Promise<ApiRouter | undefined> {
  const { project, region, name } = parts(router);
  const { routers, call } = await clients.computeClients();
  return readOrMissing(router, async () => (await routers.get({ project, region, router: name }, call))[0] as ApiRouter);
}

function networkOf(reference: Text, project: string): string | undefined {
  return reference ? qualifiedPath(reference, project, 'global/networks') : undefined;
}

/** One Cloud NAT: `projects/P/regions/R/routers/ROUTER/nats/NAT`. */
export async function readNat(clients: GcpClients, id: string): Promise<NatGateway | undefined> {
  const router = id.replace(/\/nats\/[^/]+$/, '');
  const found = await readRouter(clients, router);
  const nat = found?.nats?.find((n) => n.name === nameOfPath(id));
  return found && nat ? natFromApi(nat, router, networkOf(found.network, parts(router).project)) : undefined;
}

/** The ids of a router's NATs (the catalog selects them for router writes and deletes). */
export async function natIdsOfRouter(clients: GcpClients, router: string): Promise<string[]> {
  const found = await readRouter(clients, router);
  return (found?.nats ?? []).flatMap((nat) => (nat.name ? [`${router}/nats/${nat.name}`] : []));
}

export async function readSubnet(clients: GcpClients, id: string): Promise<Subnet | undefined> {
  const { project, region, name } = parts(id);
  const { subnetworks, call } = await clients.computeClients();
  const subnet = await readOrMissing(id, async () => (await subnetworks.get({ project, region, subnetwork: name }, call))[0] as ApiSubnet);
  return subnet ? subnetFromApi(subnet, id, project) : undefined;
}

function subnetFromApi(subnet: ApiSubnet, id: string, project: string): Subnet {
  const network = networkOf(subnet.network, project);
  return { kind: 'subnet', id, region: regionOfPath(id), ...(network ? { network } : {}), privateAccess: subnet.privateIpGoogleAccess ?? false };
}

/** A forwarding rule as a Private Service Connect endpoint; a load balancer's rule is not one. */
function endpointFromApi(rule: ApiForwardingRule, id: string, project: string): PrivateEndpoint | undefined {
  if (!isPrivateServiceConnectTarget(rule.target)) return undefined;
  const region = regionOfPath(id);
  const target = rule.target.trim();
  const network = networkOf(rule.network, project);
  return {
    kind: 'private-endpoint', id, region,
    service: target.includes('/') ? gcpResourcePath(target) : target,
    ...(network ? { network } : {}),
    ...(rule.subnetwork ? { subnets: [qualifiedPath(rule.subnetwork, project, `regions/${region}/subnetworks`)] } : {}),
  };
}

export async function readPrivateEndpoint(clients: GcpClients, id: string): Promise<PrivateEndpoint | undefined> {
  const { project, region, name } = parts(id);
  const { forwardingRules, globalForwardingRules, call } = await clients.computeClients();
  const rule = await readOrMissing(id, async () => (region === 'global'
    ? (await globalForwardingRules.get({ project, forwardingRule: name }, call))[0]
    : (await forwardingRules.get({ project, region, forwardingRule: name }, call))[0]) as ApiForwardingRule);
  return rule ? endpointFromApi(rule, id, project) : undefined;
}

function peeringsFromApi(network: ApiNetwork, id: string, project: string): Peering[] {
  return (network.peerings ?? []).flatMap((peering) => (peering.name && peering.network
    ? [{ kind: 'peering' as const, id: `${id}/peerings/${peering.name}`, region: 'global', network: id, peerNetwork: qualifiedPath(peering.network, project, 'global/networks') }]
    : []));
}

async function readNetwork(clients: GcpClients, id: string): Promise<ApiNetwork | undefined> {
  const { project, name } = parts(id);
  const { networks, call } = await clients.computeClients();
  return readOrMissing(id, async () => (await networks.get({ project, network: name }, call))[0] as ApiNetwork);
}

/** One peering: `projects/P/global/networks/N/peerings/NAME`. */
export async function readPeering(clients: GcpClients, id: string): Promise<Peering | undefined> {
  const network = id.replace(/\/peerings\/[^/]+$/, '');
  const found = await readNetwork(clients, network);
  return found ? peeringsFromApi(found, network, parts(network).project).find((p) => p.id === id) : undefined;
}

export async function peeringIdsOfNetwork(clients: GcpClients, network: string): Promise<string[]> {
  const found = await readNetwork(clients, network);
  return found ? peeringsFromApi(found, network, parts(network).project).map((p) => p.id) : [];
}

/** Every network of a project as a route table, with its peerings. */
export async function listNetworks(clients: GcpClients, project: string): Promise<(RouteTable | Peering)[]> {
  const { networks, routes, call } = await clients.computeClients();
  const found: (RouteTable | Peering)[] = [];
  const byNetwork = new Map<string, Route[]>();
  await readApi(`networks of project ${project}`, async () => {
    for await (const network of networks.listAsync({ project }, call)) {
      const id = `projects/${project}/global/networks/${network.name ?? ''}`;
      byNetwork.set(id, []);
      found.push(...peeringsFromApi(network as ApiNetwork, id, project));
    }
    for await (const route of routes.listAsync({ project }, call)) {
      const network = networkOf((route as ApiRoute).network, project);
      if (network) byNetwork.get(network)?.push(routeFromApi(route as ApiRoute, network, project));
    }
  });
  for (const [id, list] of byNetwork) found.push(routeTable(id, list));
  return found;
}

/** Walks a Compute aggregated list, keeping the scopes (`regions/R`) of the wanted regions. */
async function aggregated<T>(
  what: string, list: AsyncIterable<[string, Record<string, unknown>]>, field: string, regions: readonly string[],
  each: (item: T, region: string) => void,
): Promise<void> {
  await readApi(what, async () => {
    for await (const [scope, scoped] of list) {
      const region = scope.replace(/^regions\//, '');
      if (regions.length > 0 && !regions.includes(region)) continue;
      for (const item of (scoped[field] as T[] | null | undefined) ?? []) each(item, region);
    }
  });
}

export async function listNats(clients: GcpClients, project: string, regions: readonly string[]): Promise<NatGateway[]> {
  const { routers, call } = await clients.computeClients();
  const found: NatGateway[] = [];
  await aggregated<ApiRouter>(`routers of project ${project}`, routers.aggregatedListAsync({ project }, call) as AsyncIterable<[string, Record<string, unknown>]>, 'routers', regions, (router, region) => {
    const path = `projects/${project}/regions/${region}/routers/${router.name ?? ''}`;
    for (const nat of router.nats ?? []) found.push(natFromApi(nat, path, networkOf(router.network, project)));
  });
  return found;
}

export async function listSubnets(clients: GcpClients, project: string, regions: readonly string[]): Promise<Subnet[]> {
  const { subnetworks, call } = await clients.computeClients();
  const found: Subnet[] = [];
  await aggregated<ApiSubnet>(`subnetworks of project ${project}`, subnetworks.aggregatedListAsync({ project }, call) as AsyncIterable<[string, Record<string, unknown>]>, 'subnetworks', regions, (subnet, region) => {
    found.push(subnetFromApi(subnet, `projects/${project}/regions/${region}/subnetworks/${subnet.name ?? ''}`, project));
  });
  return found;
}

export async function listPrivateEndpoints(clients: GcpClients, project: string, regions: readonly string[]): Promise<PrivateEndpoint[]> {
  const { forwardingRules, globalForwardingRules, call } = await clients.computeClients();
  const found: PrivateEndpoint[] = [];
  await aggregated<ApiForwardingRule>(`forwarding rules of project ${project}`, forwardingRules.aggregatedListAsync({ project }, call) as AsyncIterable<[string, Record<string, unknown>]>, 'forwardingRules', regions, (rule, region) => {
    const endpoint = endpointFromApi(rule, `projects/${project}/regions/${region}/forwardingRules/${rule.name ?? ''}`, project);
    if (endpoint) found.push(endpoint);
  });
  await readApi(`global forwarding rules of project ${project}`, async () => {
    for await (const rule of globalForwardingRules.listAsync({ project }, call)) {
      const endpoint = endpointFromApi(rule as ApiForwardingRule, `projects/${project}/global/forwardingRules/${rule.name ?? ''}`, project);
      if (endpoint) found.push(endpoint);
    }
  });
  return found;
}
