import {
  AllocateAddressCommand, CreateEgressOnlyInternetGatewayCommand, CreateNatGatewayCommand, CreateRouteTableCommand,
  CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, CreateVpcEndpointCommand, CreateVpcPeeringConnectionCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateResolverEndpointCommand, CreateResolverRuleCommand, Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { beforeAll, expect, it } from 'vitest';
import type { ResourceRef } from '../../../core/resource.js';
import { AwsStateReader } from '../../../adapters/aws/state-reader.js';
import { describeWithMoto, motoClientConfig, motoId, motoRef } from '../../support/moto.js';
import { changesOf, cloudTrail, setPath } from './fixtures.js';

// An event-path state and a read-back state of the same resource must be equal, or every live
// read after an event would look like drift: each CloudTrail fixture of a creation, with the ids
// moto chose put in, against the reader's view of the resource moto made.
const REGION = 'eu-central-1';
const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}';

const text = motoId;
const ref = (kind: ResourceRef['kind'], id: string, region = REGION): ResourceRef => motoRef(kind, id, region);

/** The `full` state the CloudTrail adapter makes of a fixture event, with the fields moto chose put in. */
function eventState(name: string, region: string, edits: Record<string, unknown>): unknown {
  const record = setPath(cloudTrail(name), 'awsRegion', region);
  for (const [path, value] of Object.entries(edits)) setPath(record, path, value);
  const [change] = changesOf(record);
  if (change?.payload.kind !== 'full') throw new Error(`${name}: expected a full state`);
  return change.payload.state;
}

describeWithMoto('AwsStateReader reads back what the CloudTrail event of a creation says', () => {
  const ec2 = () => new EC2Client(motoClientConfig(REGION));
  const reader = () => {
    const { endpoint, credentials, maxAttempts } = motoClientConfig();
    return new AwsStateReader({ clientConfig: { endpoint, credentials, maxAttempts } });
  };
  const ids = {} as Record<'vpc' | 'peerVpc' | 'subnetA' | 'subnetB' | 'resolverEndpoint', string>;

  beforeAll(async () => {
    const client = ec2();
    ids.vpc = text((await client.send(new CreateVpcCommand({ CidrBlock: '10.65.0.0/16' }))).Vpc?.VpcId);
    ids.peerVpc = text((await client.send(new CreateVpcCommand({ CidrBlock: '10.66.0.0/16' }))).Vpc?.VpcId);
    ids.subnetA = text((await client.send(new CreateSubnetCommand({ VpcId: ids.vpc, CidrBlock: '10.65.1.0/24', AvailabilityZone: `${REGION}a` }))).Subnet?.SubnetId);
    ids.subnetB = text((await client.send(new CreateSubnetCommand({ VpcId: ids.vpc, CidrBlock: '10.65.2.0/24', AvailabilityZone: `${REGION}b` }))).Subnet?.SubnetId);
    const group = text((await client.send(new CreateSecurityGroupCommand({ GroupName: 'events-resolver', Description: 'resolver', VpcId: ids.vpc }))).GroupId);
    ids.resolverEndpoint = text((await new Route53ResolverClient(motoClientConfig(REGION)).send(new CreateResolverEndpointCommand({
      CreatorRequestId: 'events-endpoint', Direction: 'OUTBOUND', SecurityGroupIds: [group],
      IpAddresses: [{ SubnetId: ids.subnetA }, { SubnetId: ids.subnetB }],
    }))).ResolverEndpoint?.Id);
  });

  it('a route table', async () => {
    const table = text((await ec2().send(new CreateRouteTableCommand({ VpcId: ids.peerVpc }))).RouteTable?.RouteTableId);
    const response = 'responseElements.routeTable';

    const fromEvent = eventState('CreateRouteTable', REGION, {
      'requestParameters.vpcId': ids.peerVpc, [`${response}.routeTableId`]: table, [`${response}.vpcId`]: ids.peerVpc,
      [`${response}.routeSet.items`]: [{ destinationCidrBlock: '10.66.0.0/16', gatewayId: 'local', state: 'active', origin: 'CreateRouteTable' }],
    });

    expect(await reader().read(ref('route-table', table))).toStrictEqual({ exists: true, state: fromEvent });
  });

  it('a NAT gateway', async () => {
    const address = await ec2().send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const nat = (await ec2().send(new CreateNatGatewayCommand({ SubnetId: ids.subnetA, AllocationId: address.AllocationId }))).NatGateway;
    const response = 'responseElements.CreateNatGatewayResponse.natGateway';

    const fromEvent = eventState('CreateNatGateway', REGION, {
      'requestParameters.CreateNatGatewayRequest.SubnetId': ids.subnetA, [`${response}.natGatewayId`]: nat?.NatGatewayId,
      [`${response}.subnetId`]: ids.subnetA, [`${response}.vpcId`]: ids.vpc, [`${response}.natGatewayAddressSet.item.publicIp`]: nat?.NatGatewayAddresses?.[0]?.PublicIp,
    });

    expect(await reader().read(ref('nat-gateway', text(nat?.NatGatewayId)))).toStrictEqual({ exists: true, state: fromEvent });
  });

  it('an interface endpoint', async () => {
    const endpoint = text((await ec2().send(new CreateVpcEndpointCommand({
      VpcId: ids.vpc, VpcEndpointType: 'Interface', ServiceName: `com.amazonaws.${REGION}.sts`,
      SubnetIds: [ids.subnetB, ids.subnetA], PrivateDnsEnabled: true, PolicyDocument: POLICY,
    }))).VpcEndpoint?.VpcEndpointId);
    const response = 'responseElements.CreateVpcEndpointResponse.vpcEndpoint';

    const fromEvent = eventState('CreateVpcEndpoint', REGION, {
      'requestParameters.CreateVpcEndpointRequest.VpcId': ids.vpc, [`${response}.vpcEndpointId`]: endpoint,
      [`${response}.vpcId`]: ids.vpc, [`${response}.serviceName`]: `com.amazonaws.${REGION}.sts`, [`${response}.policyDocument`]: POLICY,
      [`${response}.subnetIdSet.item`]: [ids.subnetA, ids.subnetB].sort(),
    });

    expect(await reader().read(ref('private-endpoint', endpoint))).toStrictEqual({ exists: true, state: fromEvent });
  });

  it('an egress-only internet gateway', async () => {
    const eigw = text((await ec2().send(new CreateEgressOnlyInternetGatewayCommand({ VpcId: ids.vpc })))
      .EgressOnlyInternetGateway?.EgressOnlyInternetGatewayId);
    const response = 'responseElements.CreateEgressOnlyInternetGatewayResponse.egressOnlyInternetGateway';

    const fromEvent = eventState('CreateEgressOnlyInternetGateway', REGION, {
      'requestParameters.CreateEgressOnlyInternetGatewayRequest.VpcId': ids.vpc,
      [`${response}.egressOnlyInternetGatewayId`]: eigw, [`${response}.attachmentSet.item.vpcId`]: ids.vpc,
    });

    expect(await reader().read(ref('internet-gateway', eigw))).toStrictEqual({ exists: true, state: fromEvent });
  });

  it('a peering', async () => {
    const pcx = text((await ec2().send(new CreateVpcPeeringConnectionCommand({ VpcId: ids.vpc, PeerVpcId: ids.peerVpc })))
      .VpcPeeringConnection?.VpcPeeringConnectionId);

    const fromEvent = eventState('CreateVpcPeeringConnection', REGION, {
      'requestParameters.vpcId': ids.vpc, 'requestParameters.peerVpcId': ids.peerVpc,
      'responseElements.vpcPeeringConnection.vpcPeeringConnectionId': pcx,
      'responseElements.vpcPeeringConnection.requesterVpcInfo.vpcId': ids.vpc,
      'responseElements.vpcPeeringConnection.accepterVpcInfo.vpcId': ids.peerVpc,
    });

    expect(await reader().read(ref('peering', pcx))).toStrictEqual({ exists: true, state: fromEvent });
  });

  it('a private hosted zone', async () => {
    const zone = await new Route53Client(motoClientConfig('us-east-1')).send(new CreateHostedZoneCommand({
      Name: 'events.netdrift.example', CallerReference: `events-${Date.now()}`,
      HostedZoneConfig: { PrivateZone: true }, VPC: { VPCId: ids.peerVpc, VPCRegion: REGION },
    }));
    const id = text(zone.HostedZone?.Id);

    const fromEvent = eventState('CreateHostedZone', 'us-east-1', {
      'requestParameters.name': 'events.netdrift.example', 'requestParameters.vPC.vPCId': ids.peerVpc,
      'responseElements.hostedZone.id': id, 'responseElements.hostedZone.name': 'events.netdrift.example.',
      'responseElements.vPC.vPCId': ids.peerVpc,
    });

    expect(await reader().read(ref('dns-zone', id, 'global'))).toStrictEqual({ exists: true, state: fromEvent });
  });

  it('a forwarding rule', async () => {
    const rule = text((await new Route53ResolverClient(motoClientConfig(REGION)).send(new CreateResolverRuleCommand({
      CreatorRequestId: 'events-rule', RuleType: 'FORWARD', DomainName: 'Events.Netdrift.Example', ResolverEndpointId: ids.resolverEndpoint,
      TargetIps: [{ Ip: '10.1.0.2', Port: 53 }, { Ip: '10.1.0.3', Port: 53 }],
    }))).ResolverRule?.Id);

    const fromEvent = eventState('CreateResolverRule', REGION, {
      'requestParameters.domainName': 'Events.Netdrift.Example', 'responseElements.resolverRule.id': rule,
      'responseElements.resolverRule.domainName': 'events.netdrift.example.',
    });

    expect(await reader().read(ref('dns-forwarding', rule))).toStrictEqual({ exists: true, state: fromEvent });
  });
});
