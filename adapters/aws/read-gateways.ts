import {
  EC2Client,
  DescribeEgressOnlyInternetGatewaysCommand, DescribeInternetGatewaysCommand, DescribeNatGatewaysCommand,
  DescribeVpcEndpointsCommand, DescribeVpcPeeringConnectionsCommand,
  paginateDescribeEgressOnlyInternetGateways, paginateDescribeInternetGateways, paginateDescribeNatGateways,
  paginateDescribeVpcEndpoints, paginateDescribeVpcPeeringConnections,
  type EgressOnlyInternetGateway, type InternetGateway as Ec2InternetGateway, type InternetGatewayAttachment,
  type NatGateway as Ec2NatGateway, type VpcEndpoint, type VpcPeeringConnection,
} from '@aws-sdk/client-ec2';
import type { InternetGateway, NatGateway, Peering, PrivateEndpoint } from '../../core/resource.js';
import { compareText } from '../../snapshots/canonical.js';
import type { AwsClients } from './read-clients.js';
import { awsCall, awsPages } from './read-errors.js';

/** States in which a resource no longer exists (or never came to), compared lower-cased. */
const GONE_NAT = new Set(['deleting', 'deleted', 'failed']);
const GONE_ENDPOINT = new Set(['deleting', 'deleted', 'rejected', 'failed', 'expired']);
const GONE_PEERING = new Set(['deleting', 'deleted', 'rejected', 'failed', 'expired']);
/** DescribeInternetGateways reports an attached gateway as `available`, egress-only ones as `attached`. */
const ATTACHED = new Set(['available', 'attached']);

function state(value: string | undefined): string {
  return (value ?? '').toLowerCase();
}

function sorted(values: string[]): string[] {
  return values.sort(compareText);
}

function attachedNetwork(attachments: readonly InternetGatewayAttachment[] | undefined): string | undefined {
  return attachments?.find((attachment) => ATTACHED.has(state(attachment.State)) && attachment.VpcId)?.VpcId;
}

export function natGatewayFromDescribe(nat: Ec2NatGateway, region: string): NatGateway | undefined {
  if (!nat.NatGatewayId || GONE_NAT.has(state(nat.State))) return undefined;
  return {
    kind: 'nat-gateway', id: nat.NatGatewayId, region,
    ...(nat.VpcId ? { network: nat.VpcId } : {}),
    subnets: nat.SubnetId ? [nat.SubnetId] : [],
    publicIps: sorted((nat.NatGatewayAddresses ?? []).flatMap((address) => address.PublicIp ?? [])),
  };
}

/** A gateway endpoint has route tables and no subnets: its `subnets` are empty, as CreateVpcEndpoint's are. */
export function privateEndpointFromDescribe(endpoint: VpcEndpoint, region: string): PrivateEndpoint | undefined {
  if (!endpoint.VpcEndpointId || !endpoint.ServiceName || GONE_ENDPOINT.has(state(endpoint.State))) return undefined;
  return {
    kind: 'private-endpoint', id: endpoint.VpcEndpointId, region,
    ...(endpoint.VpcId ? { network: endpoint.VpcId } : {}),
    service: endpoint.ServiceName,
    subnets: sorted([...endpoint.SubnetIds ?? []]),
    ...(endpoint.PrivateDnsEnabled === undefined ? {} : { privateDns: endpoint.PrivateDnsEnabled }),
    ...(endpoint.PolicyDocument ? { policy: endpoint.PolicyDocument } : {}),
  };
}

export function internetGatewayFromDescribe(gateway: Ec2InternetGateway, region: string): InternetGateway | undefined {
  if (!gateway.InternetGatewayId) return undefined;
  const network = attachedNetwork(gateway.Attachments);
  return { kind: 'internet-gateway', id: gateway.InternetGatewayId, region, ...(network ? { network } : {}) };
}

/** An egress-only internet gateway is an `internet-gateway` (DESIGN.md). */
export function egressOnlyGatewayFromDescribe(gateway: EgressOnlyInternetGateway, region: string): InternetGateway | undefined {
  if (!gateway.EgressOnlyInternetGatewayId) return undefined;
  const network = attachedNetwork(gateway.Attachments);
  return { kind: 'internet-gateway', id: gateway.EgressOnlyInternetGatewayId, region, ...(network ? { network } : {}) };
}

/** The requester's VPC is the network and the accepter's the peer, from either side (as the events have it). */
export function peeringFromDescribe(connection: VpcPeeringConnection, region: string): Peering | undefined {
  const peerNetwork = connection.AccepterVpcInfo?.VpcId;
  if (!connection.VpcPeeringConnectionId || !peerNetwork || GONE_PEERING.has(state(connection.Status?.Code))) return undefined;
  const network = connection.RequesterVpcInfo?.VpcId;
  return { kind: 'peering', id: connection.VpcPeeringConnectionId, region, ...(network ? { network } : {}), peerNetwork };
}

function subject(id: string, region: string): string {
  return `${id} in ${region}`;
}

export async function readNatGateway(clients: AwsClients, region: string, id: string): Promise<NatGateway | undefined> {
  const output = await awsCall('ec2:DescribeNatGateways', subject(id, region),
    () => clients.ec2(region, EC2Client).send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] })));
  const nat = output.NatGateways?.find((item) => item.NatGatewayId === id);
  return nat && natGatewayFromDescribe(nat, region);
}

export async function readPrivateEndpoint(clients: AwsClients, region: string, id: string): Promise<PrivateEndpoint | undefined> {
  const output = await awsCall('ec2:DescribeVpcEndpoints', subject(id, region),
    () => clients.ec2(region, EC2Client).send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] })));
  const endpoint = output.VpcEndpoints?.find((item) => item.VpcEndpointId === id);
  return endpoint && privateEndpointFromDescribe(endpoint, region);
}

export async function readInternetGateway(clients: AwsClients, region: string, id: string): Promise<InternetGateway | undefined> {
  const output = await awsCall('ec2:DescribeInternetGateways', subject(id, region),
    () => clients.ec2(region, EC2Client).send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] })));
  const gateway = output.InternetGateways?.find((item) => item.InternetGatewayId === id);
  return gateway && internetGatewayFromDescribe(gateway, region);
}

export async function readEgressOnlyGateway(clients: AwsClients, region: string, id: string): Promise<InternetGateway | undefined> {
  const output = await awsCall('ec2:DescribeEgressOnlyInternetGateways', subject(id, region),
    () => clients.ec2(region, EC2Client).send(new DescribeEgressOnlyInternetGatewaysCommand({ EgressOnlyInternetGatewayIds: [id] })));
  const gateway = output.EgressOnlyInternetGateways?.find((item) => item.EgressOnlyInternetGatewayId === id);
  return gateway && egressOnlyGatewayFromDescribe(gateway, region);
}

export async function readPeering(clients: AwsClients, region: string, id: string): Promise<Peering | undefined> {
  const output = await awsCall('ec2:DescribeVpcPeeringConnections', subject(id, region),
    () => clients.ec2(region, EC2Client).send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [id] })));
  const connection = output.VpcPeeringConnections?.find((item) => item.VpcPeeringConnectionId === id);
  return connection && peeringFromDescribe(connection, region);
}

function present<T>(items: readonly (T | undefined)[]): T[] {
  return items.filter((item): item is T => item !== undefined);
}

export async function listNatGateways(clients: AwsClients, region: string): Promise<NatGateway[]> {
  const nats = await awsPages('ec2:DescribeNatGateways', region,
    paginateDescribeNatGateways({ client: clients.ec2(region, EC2Client) }, {}), (page) => page.NatGateways);
  return present(nats.map((nat) => natGatewayFromDescribe(nat, region)));
}

export async function listPrivateEndpoints(clients: AwsClients, region: string): Promise<PrivateEndpoint[]> {
  const endpoints = await awsPages('ec2:DescribeVpcEndpoints', region,
    paginateDescribeVpcEndpoints({ client: clients.ec2(region, EC2Client) }, {}), (page) => page.VpcEndpoints);
  return present(endpoints.map((endpoint) => privateEndpointFromDescribe(endpoint, region)));
}

export async function listInternetGateways(clients: AwsClients, region: string): Promise<InternetGateway[]> {
  const gateways = await awsPages('ec2:DescribeInternetGateways', region,
    paginateDescribeInternetGateways({ client: clients.ec2(region, EC2Client) }, {}), (page) => page.InternetGateways);
  return present(gateways.map((gateway) => internetGatewayFromDescribe(gateway, region)));
}

export async function listEgressOnlyGateways(clients: AwsClients, region: string): Promise<InternetGateway[]> {
  const gateways = await awsPages('ec2:DescribeEgressOnlyInternetGateways', region,
    paginateDescribeEgressOnlyInternetGateways({ client: clients.ec2(region, EC2Client) }, {}), (page) => page.EgressOnlyInternetGateways);
  return present(gateways.map((gateway) => egressOnlyGatewayFromDescribe(gateway, region)));
}

/**
 * Every live peering of a region's VPCs. A peering between two regions of the account is listed in
 * both; it is kept in the requester's region when that region is captured too, so it appears once.
 */
export async function listPeerings(clients: AwsClients, region: string, context: { account: string; regions: readonly string[] }): Promise<Peering[]> {
  const connections = await awsPages('ec2:DescribeVpcPeeringConnections', region,
    paginateDescribeVpcPeeringConnections({ client: clients.ec2(region, EC2Client) }, {}), (page) => page.VpcPeeringConnections);
  return present(connections.map((connection) => {
    const requester = connection.RequesterVpcInfo;
    const elsewhere = requester?.OwnerId === context.account && requester.Region !== undefined
      && requester.Region !== region && context.regions.includes(requester.Region);
    return elsewhere ? undefined : peeringFromDescribe(connection, region);
  }));
}
