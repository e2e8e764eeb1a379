import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { awsAdapters, awsCatalog } from '../../adapters/aws/index.js';
import type { Resource } from '../../core/resource.js';
import { SNAPSHOT_SCHEMA } from '../../core/snapshot.js';
import { pipelineWith } from '../support/pipeline-harness.js';

/**
 * Every catalog row end to end: its fixture (written by us in the real CloudTrail schema)
 * through the real adapters and pipeline against a baseline, down to the findings a user sees.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/aws/cloudtrail');
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, unknown>;

const VPC = 'vpc-0123456789abcdef0';
const RTB = 'rtb-0a1b2c3d4e5f60718';
const RTB2 = 'rtb-0b2c3d4e5f6071829';
const TGW_RTB = 'tgw-rtb-0123cd602be10b00a';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const RULE = 'rslvr-rr-0a1b2c3d4e5f60718';

const table: Resource = {
  kind: 'route-table', id: RTB, region: 'eu-west-1', network: VPC,
  routes: [
    { destination: '10.20.0.0/16', target: { type: 'local' } },
    { destination: '::/0', target: { type: 'internet', id: 'eigw-015e0e244e24dfe8a' } },
  ],
  subnets: ['subnet-0bb00bb00bb00bb00'], associations: [{ id: 'rtbassoc-0123abcd4567ef890', subnet: 'subnet-0bb00bb00bb00bb00' }],
  propagations: ['vgw-0a9b8c7d6e5f40312'],
};
const table2: Resource = { kind: 'route-table', id: RTB2, region: 'eu-west-1', network: VPC, routes: [{ destination: '10.20.0.0/16', target: { type: 'local' } }], subnets: [], associations: [] };
const tgwTable: Resource = { kind: 'route-table', id: TGW_RTB, region: 'eu-west-1', network: 'tgw-0a13743bd6c1f5fcb', routes: [{ destination: '10.50.0.0/16', target: { type: 'transit', id: 'tgw-attach-0a1b2c3d4e5f60718' } }], subnets: [] };
const igw: Resource = { kind: 'internet-gateway', id: 'igw-0c1d2e3f4a5b6c7d8', region: 'eu-west-1', network: VPC };
const eigw: Resource = { kind: 'internet-gateway', id: 'eigw-015e0e244e24dfe8a', region: 'eu-west-1', network: VPC };
const nat: Resource = { kind: 'nat-gateway', id: 'nat-0f1e2d3c4b5a69788', region: 'eu-west-1', network: VPC, subnets: ['subnet-0ee55ff66aa77bb88'], publicIps: ['203.0.113.10'] };
const endpoint = (id: string): Resource => ({ kind: 'private-endpoint', id, region: 'eu-west-1', network: VPC, service: 'com.amazonaws.eu-west-1.s3', privateDns: true, subnets: ['subnet-0aa11bb22cc33dd44', 'subnet-0ee55ff66aa77bb88'] });
const zone: Resource = {
  kind: 'dns-zone', id: ZONE, region: 'global', name: 'internal.example.com.', private: true, networks: [VPC, 'vpc-0fedcba9876543210'],
  records: [
    { name: 'db.internal.example.com.', type: 'A', ttl: 300, values: ['10.20.1.5'] },
    { name: 'legacy.internal.example.com.', type: 'CNAME', ttl: 60, values: ['old.example.net'] },
  ],
};
const forwarding: Resource = { kind: 'dns-forwarding', id: RULE, region: 'eu-west-1', domain: 'corp.example.com.', targets: ['10.1.0.2', '10.1.0.3'], networks: [VPC] };
const peering: Resource = { kind: 'peering', id: 'pcx-0a1b2c3d4e5f60718', region: 'eu-west-1', network: VPC, peerNetwork: 'vpc-0fedcba9876543210' };

const EVERYTHING = [table, table2, tgwTable, igw, eigw, nat, endpoint('vpce-0a1b2c3d4e5f60718'), endpoint('vpce-0b2c3d4e5f6071829'), zone, forwarding, peering];
const without = (...ids: string[]) => EVERYTHING.filter((r) => !ids.includes(r.id));

type Expected = [rule: string, severity: string, resource: string, item: string];
const SCENARIOS: Record<string, { baseline: Resource[]; expect: Expected[] }> = {
  CreateRoute: { baseline: EVERYTHING, expect: [['route.default-added', 'critical', RTB, '0.0.0.0/0']] },
  ReplaceRoute: { baseline: EVERYTHING, expect: [['route.default-added', 'critical', RTB, '0.0.0.0/0']] },
  DeleteRoute: { baseline: EVERYTHING, expect: [['route.removed', 'high', RTB, '::/0']] },
  CreateRouteTable: { baseline: without(RTB2), expect: [['route-table.created', 'low', RTB2, '']] },
  DeleteRouteTable: { baseline: EVERYTHING, expect: [['route-table.deleted', 'high', RTB2, '']] },
  AssociateRouteTable: { baseline: EVERYTHING, expect: [['route-table.association-changed', 'high', RTB, 'subnet-0aa11bb22cc33dd44']] },
  DisassociateRouteTable: { baseline: EVERYTHING, expect: [['route-table.association-changed', 'high', RTB, 'subnet-0bb00bb00bb00bb00']] },
  ReplaceRouteTableAssociation: {
    baseline: EVERYTHING,
    expect: [['route-table.association-changed', 'high', RTB, 'subnet-0bb00bb00bb00bb00'], ['route-table.association-changed', 'high', RTB2, 'subnet-0bb00bb00bb00bb00']],
  },
  EnableVgwRoutePropagation: { baseline: [{ ...table, propagations: [] }], expect: [['route-table.propagation-changed', 'high', RTB, 'vgw-0a9b8c7d6e5f40312']] },
  DisableVgwRoutePropagation: { baseline: EVERYTHING, expect: [['route-table.propagation-changed', 'high', RTB, 'vgw-0a9b8c7d6e5f40312']] },
  CreateInternetGateway: { baseline: without(igw.id), expect: [] },
  AttachInternetGateway: { baseline: [{ kind: 'internet-gateway', id: igw.id, region: 'eu-west-1' }], expect: [['internet-gateway.attached', 'critical', igw.id, VPC]] },
  DetachInternetGateway: { baseline: EVERYTHING, expect: [['internet-gateway.detached', 'medium', igw.id, VPC]] },
  DeleteInternetGateway: { baseline: EVERYTHING, expect: [['internet-gateway.detached', 'medium', igw.id, VPC]] },
  CreateEgressOnlyInternetGateway: { baseline: without(eigw.id), expect: [['internet-gateway.attached', 'critical', eigw.id, VPC]] },
  DeleteEgressOnlyInternetGateway: { baseline: EVERYTHING, expect: [['internet-gateway.detached', 'medium', eigw.id, VPC]] },
  CreateNatGateway: { baseline: without(nat.id), expect: [['nat.created', 'high', nat.id, '']] },
  DeleteNatGateway: { baseline: EVERYTHING, expect: [['nat.deleted', 'medium', nat.id, '']] },
  CreateVpcEndpoint: { baseline: without('vpce-0a1b2c3d4e5f60718'), expect: [['private-endpoint.created', 'low', 'vpce-0a1b2c3d4e5f60718', '']] },
  ModifyVpcEndpoint: { baseline: EVERYTHING, expect: [['private-endpoint.changed', 'high', 'vpce-0a1b2c3d4e5f60718', '']] },
  DeleteVpcEndpoints: {
    baseline: EVERYTHING,
    expect: [['private-endpoint.deleted', 'high', 'vpce-0a1b2c3d4e5f60718', ''], ['private-endpoint.deleted', 'high', 'vpce-0b2c3d4e5f6071829', '']],
  },
  CreateVpcPeeringConnection: { baseline: without(peering.id), expect: [['peering.added', 'high', peering.id, 'vpc-0fedcba9876543210']] },
  AcceptVpcPeeringConnection: { baseline: EVERYTHING, expect: [['peering.added', 'high', 'pcx-0fedcba9876543210', 'vpc-0123456789abcdef0']] },
  DeleteVpcPeeringConnection: { baseline: EVERYTHING, expect: [['peering.removed', 'medium', peering.id, 'vpc-0fedcba9876543210']] },
  CreateTransitGatewayRoute: { baseline: [{ ...tgwTable, routes: [] }], expect: [['route.added', 'medium', TGW_RTB, '10.50.0.0/16']] },
  ReplaceTransitGatewayRoute: { baseline: EVERYTHING, expect: [['route.target-changed', 'high', TGW_RTB, '10.50.0.0/16']] },
  DeleteTransitGatewayRoute: { baseline: EVERYTHING, expect: [['route.removed', 'high', TGW_RTB, '10.50.0.0/16']] },
  CreateTransitGatewayRouteTable: { baseline: without(TGW_RTB), expect: [['route-table.created', 'low', TGW_RTB, '']] },
  DeleteTransitGatewayRouteTable: { baseline: EVERYTHING, expect: [['route-table.deleted', 'high', TGW_RTB, '']] },
  CreateHostedZone: { baseline: without(ZONE), expect: [['dns-zone.created', 'medium', ZONE, '']] },
  DeleteHostedZone: { baseline: EVERYTHING, expect: [['dns-zone.deleted', 'high', ZONE, '']] },
  ChangeResourceRecordSets: {
    baseline: EVERYTHING,
    expect: [
      ['dns-record.added', 'medium', ZONE, 'api.internal.example.com. A'],
      ['dns-record.changed', 'high', ZONE, 'db.internal.example.com. A'],
      ['dns-record.removed', 'high', ZONE, 'legacy.internal.example.com. CNAME'],
    ],
  },
  AssociateVPCWithHostedZone: { baseline: [{ ...zone, networks: [VPC] }], expect: [['dns-zone.network-linked', 'medium', ZONE, 'vpc-0fedcba9876543210']] },
  DisassociateVPCFromHostedZone: { baseline: EVERYTHING, expect: [['dns-zone.network-unlinked', 'high', ZONE, 'vpc-0fedcba9876543210']] },
  // Private targets, applied to no VPC yet: it forwards nothing (README, "DNS forwarding").
  CreateResolverRule: { baseline: without(RULE), expect: [['dns-forwarding.changed', 'low', RULE, 'forwards-nothing']] },
  UpdateResolverRule: { baseline: EVERYTHING, expect: [['dns-forwarding.changed', 'critical', RULE, '']] },
  AssociateResolverRule: { baseline: [{ ...forwarding, networks: [] }], expect: [['dns-forwarding.changed', 'high', RULE, '']] },
  DisassociateResolverRule: { baseline: EVERYTHING, expect: [] },
  DeleteResolverRule: { baseline: EVERYTHING, expect: [] },
};

let harness: Awaited<ReturnType<typeof pipelineWith>> | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

async function replay(baseline: Resource[], ...events: unknown[]) {
  harness = await pipelineWith([{ schema: SNAPSHOT_SCHEMA, scope: { cloud: 'aws', account: '111122223333' }, capturedAt: '2026-11-25T00:00:00Z', resources: structuredClone(baseline) }], { adapters: awsAdapters });
  const findings = [];
  for (const event of events) {
    for (const record of (await harness.pipeline.handle(event)).records) findings.push(...record.opened, ...record.resolved);
  }
  return findings;
}

describe('AWS scenarios: each catalog row, end to end', () => {
  it('has a scenario for every catalog row', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(awsCatalog.map((row) => row.name).sort());
  });

  it.each(Object.entries(SCENARIOS))('%s', async (name, scenario) => {
    const findings = await replay(scenario.baseline, fixture(name));
    expect(findings.map((f) => [f.rule, f.severity, f.resource, f.item]).sort()).toEqual([...scenario.expect].sort());
    for (const f of findings) expect(f.actor.principal).toBeTruthy();
  });
});

describe('AWS scenarios: benign', () => {
  it('a failed call yields nothing', async () => {
    const failed = { ...fixture('ReplaceRoute'), errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized' };
    expect(await replay(EVERYTHING, failed)).toEqual([]);
  });

  it('a change equal to the baseline yields nothing', async () => {
    const same = fixture('CreateRoute');
    expect(await replay([{ ...table, routes: [...(table.kind === 'route-table' ? table.routes : []), { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0f1e2d3c4b5a69788' } }] }], same)).toEqual([]);
  });

  it('an unrelated event yields nothing', async () => {
    const unrelated = { ...fixture('CreateRoute'), eventSource: 'ec2.amazonaws.com', eventName: 'DescribeRouteTables', requestParameters: {}, responseElements: null };
    expect(await replay(EVERYTHING, unrelated)).toEqual([]);
  });

  it('a revert resolves: delete the route that was added', async () => {
    const added = fixture('CreateRoute');
    const removed = { ...fixture('DeleteRoute'), eventID: 'revert-1', eventTime: '2026-11-27T00:00:00Z', requestParameters: { routeTableId: RTB, destinationCidrBlock: '0.0.0.0/0' } };

    const findings = await replay(EVERYTHING, added, removed);

    expect(findings.map((f) => `${f.status} ${f.rule}`)).toEqual(['open route.default-added', 'resolved route.default-added']);
  });

  it('a revert resolves: re-attach a detached internet gateway', async () => {
    const detach = fixture('DetachInternetGateway');
    const attach = { ...fixture('AttachInternetGateway'), eventID: 'revert-2', eventTime: '2026-11-27T00:00:00Z' };

    const findings = await replay(EVERYTHING, detach, attach);

    expect(findings.map((f) => `${f.status} ${f.rule}`)).toEqual(['open internet-gateway.detached', 'resolved internet-gateway.detached']);
  });
});
