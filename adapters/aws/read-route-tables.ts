import {
  EC2Client, DescribeRegionsCommand,
  DescribeRouteTablesCommand, DescribeTransitGatewayRouteTablesCommand, SearchTransitGatewayRoutesCommand,
  paginateDescribeRouteTables, paginateDescribeTransitGatewayRouteTables,
  type RouteTable as Ec2RouteTable, type TransitGatewayRoute, type TransitGatewayRouteTable,
} from '@aws-sdk/client-ec2';
import { PermanentReadError } from '../../core/errors.js';
import type { Route, RouteTable } from '../../core/resource.js';
import { compareText } from '../../snapshots/canonical.js';
import type { AwsClients } from './read-clients.js';
import { awsCall, awsPages, unlessGone } from './read-errors.js';
import { routeDestination, routeTargetFromAws } from './targets.js';

/** Routes VPN gateway propagation adds: learned, not configured (the propagation itself is kept). */
const PROPAGATED_ORIGIN = 'EnableVgwRoutePropagation';
const LIVE_ASSOCIATION = new Set(['associating', 'associated']);
const GONE_TRANSIT_TABLE = new Set(['deleting', 'deleted']);
const GONE_TRANSIT_ROUTE = new Set(['deleting', 'deleted']);
/** SearchTransitGatewayRoutes has no page token: one call returns at most (and by default) this many routes. */
const MAX_TRANSIT_ROUTES = 1000;

function byDestination(a: Route, b: Route): number {
  return compareText(a.destination, b.destination);
}

function sorted(values: string[]): string[] {
  return values.sort(compareText);
}

/**
 * An EC2 route table from DescribeRouteTables, in the snapshot format, as CreateRouteTable and the
 * route and association events build it: a route in state `blackhole` keeps its target (targets.ts).
 */
export function routeTableFromDescribe(table: Ec2RouteTable, region: string): RouteTable {
  const id = table.RouteTableId ?? '';
  const routes = (table.Routes ?? []).flatMap((route): Route[] => {
    if (route.Origin === PROPAGATED_ORIGIN) return [];
    const destination = routeDestination({ ...route });
    return destination === undefined ? [] : [{ destination, target: routeTargetFromAws({ ...route }) }];
  });
  const live = (table.Associations ?? []).filter((association) =>
    association.RouteTableAssociationId !== undefined
    && LIVE_ASSOCIATION.has(association.AssociationState?.State ?? 'associated'));
  const associations = live.map((association) => ({
    id: association.RouteTableAssociationId ?? '',
    ...(association.SubnetId ? { subnet: association.SubnetId } : {}),
    ...(association.GatewayId ? { gateway: association.GatewayId } : {}),
  })).sort((a, b) => compareText(a.id, b.id));
  const main = live.some((association) => association.Main === true);
  return {
    kind: 'route-table', id, region,
    ...(table.VpcId ? { network: table.VpcId } : {}),
    routes: routes.sort(byDestination),
    subnets: sorted(associations.flatMap((association) => association.subnet ?? [])),
    associations,
    propagations: sorted((table.PropagatingVgws ?? []).flatMap((vgw) => vgw.GatewayId ?? [])),
    ...(main ? { main } : {}),
  };
}

/**
 * A transit gateway route table with its static routes: the transit gateway is its network and
 * the attachment each route points to its target (CreateTransitGatewayRoute names the attachment).
 */
export function transitRouteTableFromDescribe(
  table: TransitGatewayRouteTable, staticRoutes: readonly TransitGatewayRoute[], region: string,
): RouteTable {
  const routes = staticRoutes.flatMap((route): Route[] => {
    if (GONE_TRANSIT_ROUTE.has(route.State ?? '')) return [];
    const destination = route.DestinationCidrBlock ?? route.PrefixListId;
    if (destination === undefined) return [];
    const attachment = route.TransitGatewayAttachments?.find((item) => item.TransitGatewayAttachmentId)?.TransitGatewayAttachmentId;
    const target = routeTargetFromAws({ State: route.State, ...(attachment ? { TransitGatewayAttachmentId: attachment } : {}) });
    return [{ destination, target }];
  });
  return {
    kind: 'route-table', id: table.TransitGatewayRouteTableId ?? '', region,
    ...(table.TransitGatewayId ? { network: table.TransitGatewayId } : {}),
    routes: routes.sort(byDestination),
    subnets: [],
  };
}

export async function readRouteTable(clients: AwsClients, region: string, id: string): Promise<RouteTable | undefined> {
  const output = await awsCall('ec2:DescribeRouteTables', `${id} in ${region}`,
    () => clients.ec2(region, EC2Client).send(new DescribeRouteTablesCommand({ RouteTableIds: [id] })));
  const table = output.RouteTables?.find((item) => item.RouteTableId === id);
  return table ? routeTableFromDescribe(table, region) : undefined;
}

export async function listRouteTables(clients: AwsClients, region: string): Promise<RouteTable[]> {
  const tables = await awsPages('ec2:DescribeRouteTables', region,
    paginateDescribeRouteTables({ client: clients.ec2(region, EC2Client) }, {}), (page) => page.RouteTables);
  return tables.filter((table) => table.RouteTableId).map((table) => routeTableFromDescribe(table, region));
}

async function staticRoutes(clients: AwsClients, region: string, id: string): Promise<TransitGatewayRoute[]> {
  const output = await awsCall('ec2:SearchTransitGatewayRoutes', `${id} in ${region}`,
    () => clients.ec2(region, EC2Client).send(new SearchTransitGatewayRoutesCommand({
      TransitGatewayRouteTableId: id,
      Filters: [{ Name: 'type', Values: ['static'] }],
    })));
  if (output.AdditionalRoutesAvailable === true) {
    // Reading a partial table would report every unread route as removed.
    throw new PermanentReadError(
      `ec2:SearchTransitGatewayRoutes ${id} in ${region}: more than ${MAX_TRANSIT_ROUTES} static routes, which one call cannot return`);
  }
  return output.Routes ?? [];
}

async function withRoutes(clients: AwsClients, region: string, table: TransitGatewayRouteTable): Promise<RouteTable | undefined> {
  const id = table.TransitGatewayRouteTableId;
  if (id === undefined || GONE_TRANSIT_TABLE.has(table.State ?? '')) return undefined;
  return transitRouteTableFromDescribe(table, await staticRoutes(clients, region, id), region);
}

export async function readTransitRouteTable(clients: AwsClients, region: string, id: string): Promise<RouteTable | undefined> {
  const output = await awsCall('ec2:DescribeTransitGatewayRouteTables', `${id} in ${region}`,
    () => clients.ec2(region, EC2Client).send(new DescribeTransitGatewayRouteTablesCommand({ TransitGatewayRouteTableIds: [id] })));
  const table = output.TransitGatewayRouteTables?.find((item) => item.TransitGatewayRouteTableId === id);
  return table ? withRoutes(clients, region, table) : undefined;
}

/** Every transit gateway route table of a region; one deleted between the list and its routes is left out. */
export async function listTransitRouteTables(clients: AwsClients, region: string): Promise<RouteTable[]> {
  const tables = await awsPages('ec2:DescribeTransitGatewayRouteTables', region,
    paginateDescribeTransitGatewayRouteTables({ client: clients.ec2(region, EC2Client) }, {}), (page) => page.TransitGatewayRouteTables);
  const found: RouteTable[] = [];
  for (const table of tables) {
    const read = await unlessGone(() => withRoutes(clients, region, table));
    if (read) found.push(read);
  }
  return found;
}

/** The regions enabled for the account (any region answers DescribeRegions). */
export async function listEnabledRegions(clients: AwsClients, region: string): Promise<string[]> {
  const output = await awsCall('ec2:DescribeRegions', region, () => clients.ec2(region, EC2Client).send(new DescribeRegionsCommand({})));
  return (output.Regions ?? []).flatMap((r) => r.RegionName ?? []).sort(compareText);
}
