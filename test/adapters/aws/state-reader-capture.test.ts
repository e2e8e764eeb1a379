import {
  AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateRouteCommand, CreateRouteTableCommand, CreateSubnetCommand,
  CreateVpcCommand, CreateVpcPeeringConnectionCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { beforeAll, expect, it } from 'vitest';
import type { Resource, Scope } from '../../../core/resource.js';
import { SNAPSHOT_SCHEMA } from '../../../core/snapshot.js';
import { AwsStateReader, type AwsStateReaderOptions } from '../../../adapters/aws/state-reader.js';
import { freePort } from '../../support/emulators.js';
import { describeWithMoto, MOTO_ACCOUNT, motoClientConfig } from '../../support/moto.js';

// Two regions of their own (moto is shared with other suites, which keep to eu-west-1), plus the
// global hosted zones, which other suites add to as well: assertions name this suite's resources.
const NORTH = 'eu-north-1';
const PARIS = 'eu-west-3';
const SCOPE: Scope = { cloud: 'aws', account: MOTO_ACCOUNT };
const STEPS_PER_REGION = 8;

function text(value: string | undefined): string {
  if (value === undefined) throw new Error('moto left out an id');
  return value;
}

function reader(options: Omit<AwsStateReaderOptions, 'clientConfig'> = {}): AwsStateReader {
  const { endpoint, credentials, maxAttempts } = motoClientConfig();
  return new AwsStateReader({ clientConfig: { endpoint, credentials, maxAttempts }, ...options });
}

function find(resources: readonly Resource[], kind: Resource['kind'], id: string): Resource[] {
  return resources.filter((resource) => resource.kind === kind && resource.id === id);
}

describeWithMoto('AwsStateReader.capture against moto', () => {
  const ids = {} as Record<'northVpc' | 'northIgw' | 'northTable' | 'parisVpc' | 'parisIgw' | 'parisTable' | 'crossPeering' | 'zone', string>;

  beforeAll(async () => {
    for (const [region, cidr] of [[NORTH, '10.81.0.0/16'], [PARIS, '10.82.0.0/16']] as const) {
      const ec2 = new EC2Client(motoClientConfig(region));
      const vpc = text((await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId);
      await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr.replace('0.0/16', '1.0/24') }));
      const igw = text((await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId);
      await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
      const table = text((await ec2.send(new CreateRouteTableCommand({ VpcId: vpc }))).RouteTable?.RouteTableId);
      await ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
      if (region === NORTH) Object.assign(ids, { northVpc: vpc, northIgw: igw, northTable: table });
      else Object.assign(ids, { parisVpc: vpc, parisIgw: igw, parisTable: table });
    }
    // Requested in eu-north-1, accepted in eu-west-3: both regions list it.
    ids.crossPeering = text((await new EC2Client(motoClientConfig(NORTH)).send(new CreateVpcPeeringConnectionCommand({
      VpcId: ids.northVpc, PeerVpcId: ids.parisVpc, PeerRegion: PARIS,
    }))).VpcPeeringConnection?.VpcPeeringConnectionId);
    const zone = await new Route53Client(motoClientConfig('us-east-1')).send(new CreateHostedZoneCommand({
      Name: 'capture.netdrift.example', CallerReference: `capture-${Date.now()}`,
      HostedZoneConfig: { PrivateZone: true }, VPC: { VPCId: ids.northVpc, VPCRegion: NORTH },
    }));
    ids.zone = text(zone.HostedZone?.Id).replace('/hostedzone/', '');
  });

  it('captures both regions and the hosted zones, each resource as read alone, sorted by kind then id', async () => {
    const aws = reader();
    const before = Date.now();

    const { snapshot, failures } = await aws.capture(SCOPE, [NORTH, PARIS]);

    expect(failures).toStrictEqual([]);
    expect(snapshot.schema).toBe(SNAPSHOT_SCHEMA);
    expect(snapshot.scope).toStrictEqual(SCOPE);
    expect(Date.parse(snapshot.capturedAt)).toBeGreaterThanOrEqual(before - 1000);
    const order = snapshot.resources.map((r) => `${r.kind} ${r.id}`);
    expect(order).toStrictEqual([...order].sort());
    expect(new Set(order).size).toBe(order.length);
    expect(new Set(snapshot.resources.map((r) => r.region))).toStrictEqual(new Set([NORTH, PARIS, 'global']));
    const mine: [Resource['kind'], string, string][] = [
      ['route-table', ids.northTable, NORTH], ['internet-gateway', ids.northIgw, NORTH],
      ['route-table', ids.parisTable, PARIS], ['internet-gateway', ids.parisIgw, PARIS],
      ['peering', ids.crossPeering, NORTH], ['dns-zone', ids.zone, 'global'],
    ];
    for (const [kind, id, region] of mine) {
      const read = await aws.read({ ...SCOPE, kind, id, region });
      expect(find(snapshot.resources, kind, id)).toStrictEqual([read.exists ? read.state : undefined]);
    }
  });

  it('keeps a peering between two captured regions once, in the requester region', async () => {
    const { snapshot } = await reader().capture(SCOPE, [NORTH, PARIS]);

    expect(find(snapshot.resources, 'peering', ids.crossPeering)).toStrictEqual([
      { kind: 'peering', id: ids.crossPeering, region: NORTH, network: ids.northVpc, peerNetwork: ids.parisVpc },
    ]);
  });

  it('reports progress after each resource type of each region, and once for the hosted zones', async () => {
    const progress: [string, number, number][] = [];

    await reader({ onProgress: (region, done, total) => progress.push([region, done, total]) }).capture(SCOPE, [NORTH, PARIS]);

    const steps = Array.from({ length: STEPS_PER_REGION }, (_, i) => i + 1);
    for (const region of [NORTH, PARIS]) {
      expect(progress.filter(([r]) => r === region)).toStrictEqual(steps.map((done) => [region, done, STEPS_PER_REGION]));
    }
    expect(progress.filter(([r]) => r === 'global')).toStrictEqual([['global', 1, 1]]);
  });

  it('reports a region it cannot reach in failures and keeps the other region and the zones', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const aws = reader({
      clients: { ec2: (region) => new EC2Client({ ...motoClientConfig(region), ...(region === PARIS ? { endpoint: closed } : {}) }) },
    });

    const { snapshot, failures } = await aws.capture(SCOPE, [NORTH, PARIS]);

    expect(failures).toStrictEqual([{ region: PARIS, error: expect.stringMatching(/^ec2:DescribeRouteTables eu-west-3: ECONNREFUSED/) }]);
    expect(snapshot.resources.filter((r) => r.region === PARIS)).toStrictEqual([]);
    expect(find(snapshot.resources, 'route-table', ids.northTable)).toHaveLength(1);
    expect(find(snapshot.resources, 'dns-zone', ids.zone)).toHaveLength(1);
  });
});
