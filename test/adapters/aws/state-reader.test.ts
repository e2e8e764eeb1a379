import {
  AllocateAddressCommand, AssociateRouteTableCommand, AttachInternetGatewayCommand, CreateEgressOnlyInternetGatewayCommand,
  CreateInternetGatewayCommand, CreateNatGatewayCommand, CreateNetworkInterfaceCommand, CreateRouteCommand, CreateRouteTableCommand,
  CreateSecurityGroupCommand, CreateSubnetCommand, CreateTransitGatewayCommand, CreateTransitGatewayRouteCommand,
  CreateTransitGatewayRouteTableCommand, CreateVpcCommand, CreateVpcEndpointCommand, CreateVpcPeeringConnectionCommand,
  DeleteNatGatewayCommand, DeleteVpcPeeringConnectionCommand, DescribeRouteTablesCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client, type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import {
  AssociateResolverRuleCommand, CreateResolverEndpointCommand, CreateResolverRuleCommand, Route53ResolverClient,
} from '@aws-sdk/client-route53resolver';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ResourceRef } from '../../../core/resource.js';
import { recordName, recordsFromSets } from '../../../adapters/aws/read-dns.js';
import { AwsStateReader } from '../../../adapters/aws/state-reader.js';
import { describeWithMoto, motoClientConfig, motoId, motoRef } from '../../support/moto.js';

// Resources made in moto with the real clients, read back by the reader. This suite keeps to
// eu-central-1 and its own CIDRs and names: moto is shared with the other suites.
const REGION = 'eu-central-1';
const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}';

const text = motoId;
const ref = (kind: ResourceRef['kind'], id: string, region = REGION): ResourceRef => motoRef(kind, id, region);

describeWithMoto('AwsStateReader.read against moto', () => {
  const ec2 = () => new EC2Client(motoClientConfig(REGION));
  const reader = () => {
    const { endpoint, credentials, maxAttempts } = motoClientConfig();
    return new AwsStateReader({ clientConfig: { endpoint, credentials, maxAttempts } });
  };
  const ids = {} as Record<
    'vpc' | 'peerVpc' | 'subnetA' | 'subnetB' | 'igw' | 'detachedIgw' | 'eigw' | 'nat' | 'natIp' | 'eni' | 'pcx'
    | 'table' | 'associationA' | 'associationB' | 'edgeTable' | 'edgeAssociation' | 'mainTable' | 'mainAssociation'
    | 'gatewayEndpoint' | 'interfaceEndpoint' | 'tgw' | 'tgwTable' | 'zone' | 'rule' | 'resolverEndpoint', string>;

  beforeAll(async () => {
    const client = ec2();
    ids.vpc = text((await client.send(new CreateVpcCommand({ CidrBlock: '10.61.0.0/16' }))).Vpc?.VpcId);
    ids.peerVpc = text((await client.send(new CreateVpcCommand({ CidrBlock: '10.62.0.0/16' }))).Vpc?.VpcId);
    ids.subnetA = text((await client.send(new CreateSubnetCommand({ VpcId: ids.vpc, CidrBlock: '10.61.1.0/24', AvailabilityZone: `${REGION}a` }))).Subnet?.SubnetId);
    ids.subnetB = text((await client.send(new CreateSubnetCommand({ VpcId: ids.vpc, CidrBlock: '10.61.2.0/24', AvailabilityZone: `${REGION}b` }))).Subnet?.SubnetId);
    ids.igw = text((await client.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId);
    await client.send(new AttachInternetGatewayCommand({ InternetGatewayId: ids.igw, VpcId: ids.vpc }));
    ids.detachedIgw = text((await client.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId);
    ids.eigw = text((await client.send(new CreateEgressOnlyInternetGatewayCommand({ VpcId: ids.vpc }))).EgressOnlyInternetGateway?.EgressOnlyInternetGatewayId);
    const address = await client.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const nat = (await client.send(new CreateNatGatewayCommand({ SubnetId: ids.subnetA, AllocationId: address.AllocationId }))).NatGateway;
    ids.nat = text(nat?.NatGatewayId);
    ids.natIp = text(nat?.NatGatewayAddresses?.[0]?.PublicIp);
    ids.eni = text((await client.send(new CreateNetworkInterfaceCommand({ SubnetId: ids.subnetB }))).NetworkInterface?.NetworkInterfaceId);
    ids.pcx = text((await client.send(new CreateVpcPeeringConnectionCommand({ VpcId: ids.vpc, PeerVpcId: ids.peerVpc }))).VpcPeeringConnection?.VpcPeeringConnectionId);

    ids.table = text((await client.send(new CreateRouteTableCommand({ VpcId: ids.vpc }))).RouteTable?.RouteTableId);
    for (const route of [
      { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: ids.nat },
      { DestinationCidrBlock: '198.51.100.0/24', GatewayId: ids.igw },
      { DestinationCidrBlock: '10.62.0.0/16', VpcPeeringConnectionId: ids.pcx },
      { DestinationCidrBlock: '192.168.0.0/16', NetworkInterfaceId: ids.eni },
      { DestinationIpv6CidrBlock: '::/0', EgressOnlyInternetGatewayId: ids.eigw },
    ]) await client.send(new CreateRouteCommand({ RouteTableId: ids.table, ...route }));
    ids.associationA = text((await client.send(new AssociateRouteTableCommand({ RouteTableId: ids.table, SubnetId: ids.subnetA }))).AssociationId);
    ids.associationB = text((await client.send(new AssociateRouteTableCommand({ RouteTableId: ids.table, SubnetId: ids.subnetB }))).AssociationId);
    ids.edgeTable = text((await client.send(new CreateRouteTableCommand({ VpcId: ids.vpc }))).RouteTable?.RouteTableId);
    ids.edgeAssociation = text((await client.send(new AssociateRouteTableCommand({ RouteTableId: ids.edgeTable, GatewayId: ids.igw }))).AssociationId);
    const main = (await client.send(new DescribeRouteTablesCommand({
      Filters: [{ Name: 'vpc-id', Values: [ids.vpc] }, { Name: 'association.main', Values: ['true'] }],
    }))).RouteTables?.[0];
    ids.mainTable = text(main?.RouteTableId);
    ids.mainAssociation = text(main?.Associations?.[0]?.RouteTableAssociationId);

    ids.gatewayEndpoint = text((await client.send(new CreateVpcEndpointCommand({
      VpcId: ids.vpc, ServiceName: `com.amazonaws.${REGION}.s3`, RouteTableIds: [ids.table],
    }))).VpcEndpoint?.VpcEndpointId);
    ids.interfaceEndpoint = text((await client.send(new CreateVpcEndpointCommand({
      VpcId: ids.vpc, VpcEndpointType: 'Interface', ServiceName: `com.amazonaws.${REGION}.sts`,
      SubnetIds: [ids.subnetB, ids.subnetA], PrivateDnsEnabled: true, PolicyDocument: POLICY,
    }))).VpcEndpoint?.VpcEndpointId);

    ids.tgw = text((await client.send(new CreateTransitGatewayCommand({}))).TransitGateway?.TransitGatewayId);
    ids.tgwTable = text((await client.send(new CreateTransitGatewayRouteTableCommand({ TransitGatewayId: ids.tgw })))
      .TransitGatewayRouteTable?.TransitGatewayRouteTableId);
    await client.send(new CreateTransitGatewayRouteCommand({ TransitGatewayRouteTableId: ids.tgwTable, DestinationCidrBlock: '10.64.0.0/16', Blackhole: true }));

    const route53 = new Route53Client(motoClientConfig('us-east-1'));
    const zone = await route53.send(new CreateHostedZoneCommand({
      Name: 'reader.netdrift.example', CallerReference: `reader-${Date.now()}`,
      HostedZoneConfig: { PrivateZone: true }, VPC: { VPCId: ids.vpc, VPCRegion: REGION },
    }));
    ids.zone = text(zone.HostedZone?.Id).replace('/hostedzone/', '');
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: ids.zone,
      ChangeBatch: {
        Changes: ([
          { Name: 'db.reader.netdrift.example', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '10.61.1.5' }, { Value: '10.61.1.6' }] },
          { Name: 'WWW.reader.netdrift.example.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'db.reader.netdrift.example' }] },
          { Name: 'lb.reader.netdrift.example.', Type: 'A', AliasTarget: { HostedZoneId: 'Z215JYRZR1TBD5', DNSName: 'internal-lb-1.eu-central-1.elb.amazonaws.com.', EvaluateTargetHealth: false } },
          { Name: 'api.reader.netdrift.example.', Type: 'A', TTL: 60, SetIdentifier: 'blue', Weight: 90, ResourceRecords: [{ Value: '10.61.1.20' }] },
          { Name: 'api.reader.netdrift.example.', Type: 'A', TTL: 60, SetIdentifier: 'green', Weight: 10, ResourceRecords: [{ Value: '10.61.2.20' }] },
        ] satisfies ResourceRecordSet[]).map((set) => ({ Action: 'CREATE' as const, ResourceRecordSet: set })),
      },
    }));

    const resolver = new Route53ResolverClient(motoClientConfig(REGION));
    const group = text((await client.send(new CreateSecurityGroupCommand({ GroupName: 'reader-resolver', Description: 'resolver', VpcId: ids.vpc }))).GroupId);
    ids.resolverEndpoint = text((await resolver.send(new CreateResolverEndpointCommand({
      CreatorRequestId: 'reader-endpoint', Direction: 'OUTBOUND', SecurityGroupIds: [group],
      IpAddresses: [{ SubnetId: ids.subnetA }, { SubnetId: ids.subnetB }],
    }))).ResolverEndpoint?.Id);
    ids.rule = text((await resolver.send(new CreateResolverRuleCommand({
      CreatorRequestId: 'reader-rule', RuleType: 'FORWARD', DomainName: 'Corp.Reader.Example', ResolverEndpointId: ids.resolverEndpoint,
      TargetIps: [{ Ip: '192.0.2.1', Port: 53 }, { Ip: '10.1.0.2', Port: 53 }],
    }))).ResolverRule?.Id);
    await resolver.send(new AssociateResolverRuleCommand({ ResolverRuleId: ids.rule, VPCId: ids.vpc }));
  });

  it('reads a route table: routes by target, subnet associations, no main flag', async () => {
    const result = await reader().read(ref('route-table', ids.table));

    expect(result).toStrictEqual({
      exists: true,
      state: {
        kind: 'route-table', id: ids.table, region: REGION, network: ids.vpc,
        routes: [
          { destination: '0.0.0.0/0', target: { type: 'nat', id: ids.nat } },
          { destination: '10.61.0.0/16', target: { type: 'local' } },
          { destination: '10.62.0.0/16', target: { type: 'peering', id: ids.pcx } },
          { destination: '192.168.0.0/16', target: { type: 'appliance', id: ids.eni } },
          { destination: '198.51.100.0/24', target: { type: 'internet', id: ids.igw } },
          { destination: '::/0', target: { type: 'internet', id: ids.eigw } },
          { destination: expect.stringMatching(/^pl-/), target: { type: 'private-endpoint', id: ids.gatewayEndpoint } },
        ],
        subnets: [ids.subnetA, ids.subnetB].sort(),
        associations: [{ id: ids.associationA, subnet: ids.subnetA }, { id: ids.associationB, subnet: ids.subnetB }]
          .sort((a, b) => (a.id < b.id ? -1 : 1)),
        propagations: [],
      },
    });
  });

  it('reads the main route table with its main association', async () => {
    const result = await reader().read(ref('route-table', ids.mainTable));

    expect(result).toStrictEqual({
      exists: true,
      state: {
        kind: 'route-table', id: ids.mainTable, region: REGION, network: ids.vpc,
        routes: [{ destination: '10.61.0.0/16', target: { type: 'local' } }],
        subnets: [], associations: [{ id: ids.mainAssociation }], propagations: [], main: true,
      },
    });
  });

  it('reads a gateway (edge) association as an association without a subnet', async () => {
    const result = await reader().read(ref('route-table', ids.edgeTable));

    expect(result).toMatchObject({ exists: true, state: { subnets: [], associations: [{ id: ids.edgeAssociation, gateway: ids.igw }] } });
  });

  it('reads a transit gateway route table: the transit gateway is its network', async () => {
    const result = await reader().read(ref('route-table', ids.tgwTable));

    expect(result).toStrictEqual({
      exists: true,
      state: {
        kind: 'route-table', id: ids.tgwTable, region: REGION, network: ids.tgw,
        routes: [{ destination: '10.64.0.0/16', target: { type: 'blackhole' } }], subnets: [],
      },
    });
  });

  it('reads a NAT gateway', async () => {
    const result = await reader().read(ref('nat-gateway', ids.nat));

    expect(result).toStrictEqual({
      exists: true,
      state: { kind: 'nat-gateway', id: ids.nat, region: REGION, network: ids.vpc, subnets: [ids.subnetA], publicIps: [ids.natIp] },
    });
  });

  it('reads an interface endpoint with its subnets, policy and private DNS', async () => {
    const result = await reader().read(ref('private-endpoint', ids.interfaceEndpoint));

    expect(result).toStrictEqual({
      exists: true,
      state: {
        kind: 'private-endpoint', id: ids.interfaceEndpoint, region: REGION, network: ids.vpc,
        service: `com.amazonaws.${REGION}.sts`, subnets: [ids.subnetA, ids.subnetB].sort(), privateDns: true, policy: POLICY,
      },
    });
  });

  it('reads a gateway endpoint with no subnets', async () => {
    const result = await reader().read(ref('private-endpoint', ids.gatewayEndpoint));

    expect(result).toMatchObject({ exists: true, state: { service: `com.amazonaws.${REGION}.s3`, subnets: [], network: ids.vpc } });
  });

  it('reads internet gateways: attached, detached, egress-only', async () => {
    const aws = reader();

    const results = await Promise.all([ids.igw, ids.detachedIgw, ids.eigw].map((id) => aws.read(ref('internet-gateway', id))));

    expect(results).toStrictEqual([
      { exists: true, state: { kind: 'internet-gateway', id: ids.igw, region: REGION, network: ids.vpc } },
      { exists: true, state: { kind: 'internet-gateway', id: ids.detachedIgw, region: REGION } },
      { exists: true, state: { kind: 'internet-gateway', id: ids.eigw, region: REGION, network: ids.vpc } },
    ]);
  });

  it('reads a peering: the requester is the network, the accepter the peer', async () => {
    const result = await reader().read(ref('peering', ids.pcx));

    expect(result).toStrictEqual({
      exists: true, state: { kind: 'peering', id: ids.pcx, region: REGION, network: ids.vpc, peerNetwork: ids.peerVpc },
    });
  });

  it('reads a private hosted zone: VPCs, records lower-cased, aliases, weighted sets merged, no apex SOA/NS', async () => {
    const result = await reader().read(ref('dns-zone', ids.zone, 'global'));

    expect(result).toStrictEqual({
      exists: true,
      state: {
        kind: 'dns-zone', id: ids.zone, region: 'global', name: 'reader.netdrift.example.', private: true, networks: [ids.vpc],
        records: [
          { name: 'api.reader.netdrift.example.', type: 'A', ttl: 60, values: ['10.61.1.20', '10.61.2.20'] },
          { name: 'db.reader.netdrift.example.', type: 'A', ttl: 300, values: ['10.61.1.5', '10.61.1.6'] },
          { name: 'lb.reader.netdrift.example.', type: 'A', values: ['internal-lb-1.eu-central-1.elb.amazonaws.com.'] },
          { name: 'www.reader.netdrift.example.', type: 'CNAME', ttl: 60, values: ['db.reader.netdrift.example'] },
        ],
      },
    });
  });

  it('reads a zone by the id Route 53 returns, /hostedzone/ and all', async () => {
    const result = await reader().read(ref('dns-zone', `/hostedzone/${ids.zone}`, 'global'));

    expect(result).toMatchObject({ exists: true, state: { id: ids.zone } });
  });

  it('reads a forwarding rule with its targets and associated VPCs', async () => {
    const result = await reader().read(ref('dns-forwarding', ids.rule));

    expect(result).toStrictEqual({
      exists: true,
      state: {
        kind: 'dns-forwarding', id: ids.rule, region: REGION, domain: 'corp.reader.example.',
        targets: ['10.1.0.2', '192.0.2.1'], networks: [ids.vpc],
      },
    });
  });

  it.each([
    ['route-table', 'rtb-0123456789abcdef0'],
    ['route-table', 'tgw-rtb-0123456789abcdef0'],
    ['nat-gateway', 'nat-0123456789abcdef0'],
    ['private-endpoint', 'vpce-0123456789abcdef0'],
    ['internet-gateway', 'igw-0123456789abcdef0'],
    ['internet-gateway', 'eigw-0123456789abcdef0'],
    ['peering', 'pcx-0123456789abcdef0'],
    ['dns-zone', 'Z0000000000000NOTHERE'],
    ['dns-forwarding', 'rslvr-rr-0123456789abcdef0'],
  ] as const)('a %s that is not there (%s) does not exist', async (kind, id) => {
    const result = await reader().read(ref(kind, id));

    expect(result).toStrictEqual({ exists: false });
  });

  it('a deleted peering or NAT gateway does not exist', async () => {
    const client = ec2();
    const pcx = text((await client.send(new CreateVpcPeeringConnectionCommand({ VpcId: ids.vpc, PeerVpcId: ids.peerVpc }))).VpcPeeringConnection?.VpcPeeringConnectionId);
    await client.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx }));
    const address = await client.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const nat = text((await client.send(new CreateNatGatewayCommand({ SubnetId: ids.subnetB, AllocationId: address.AllocationId }))).NatGateway?.NatGatewayId);
    await client.send(new DeleteNatGatewayCommand({ NatGatewayId: nat }));

    const results = await Promise.all([reader().read(ref('peering', pcx)), reader().read(ref('nat-gateway', nat))]);

    expect(results).toStrictEqual([{ exists: false }, { exists: false }]);
  });
});

describe('Route 53 records in the snapshot format', () => {
  it('decodes the octal escapes Route 53 returns and lower-cases with a trailing dot', () => {
    expect(recordName('\\052.Corp.Example.com.')).toBe('*.corp.example.com.');
    expect(recordName('under\\137score.example.com')).toBe('under_score.example.com.');
  });

  it('leaves out only the apex SOA and NS records', () => {
    const sets: ResourceRecordSet[] = [
      { Name: 'corp.example.com.', Type: 'SOA', TTL: 900, ResourceRecords: [{ Value: 'ns-1.awsdns-01.org. hostmaster 1 7200 900 1209600 86400' }] },
      { Name: 'corp.example.com.', Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-1.awsdns-01.org.' }] },
      { Name: 'sub.corp.example.com.', Type: 'NS', TTL: 300, ResourceRecords: [{ Value: 'ns1.sub.corp.example.com.' }] },
      { Name: 'corp.example.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"v=spf1 -all"' }] },
    ];

    const records = recordsFromSets('corp.example.com.', sets);

    expect(records).toStrictEqual([
      { name: 'corp.example.com.', type: 'TXT', ttl: 300, values: ['"v=spf1 -all"'] },
      { name: 'sub.corp.example.com.', type: 'NS', ttl: 300, values: ['ns1.sub.corp.example.com.'] },
    ]);
  });
});
