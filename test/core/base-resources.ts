import type { Resource, ResourceOf, ResourceKind } from '../../core/resource.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../core/snapshot.js';

/** One resource of every kind, as an AWS (or, for subnets, GCP) baseline holds them. */
export const BASE: { [K in ResourceKind]: ResourceOf<K> } = {
  'route-table': {
    kind: 'route-table', id: 'rtb-0a1', region: 'eu-west-1', network: 'vpc-01',
    routes: [
      { destination: '10.0.0.0/16', target: { type: 'local' } },
      { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-01' } },
      { destination: '172.20.0.0/16', target: { type: 'peering', id: 'pcx-01' } },
    ],
    subnets: ['subnet-01'], propagations: ['vgw-01'],
  },
  'nat-gateway': { kind: 'nat-gateway', id: 'nat-01', region: 'eu-west-1', network: 'vpc-01', subnets: ['subnet-02'], publicIps: ['203.0.113.10'] },
  'private-endpoint': { kind: 'private-endpoint', id: 'vpce-01', region: 'eu-west-1', network: 'vpc-01', service: 'com.amazonaws.eu-west-1.s3', privateDns: true },
  'internet-gateway': { kind: 'internet-gateway', id: 'igw-01', region: 'eu-west-1', network: 'vpc-01' },
  'dns-zone': {
    kind: 'dns-zone', id: 'Z0EXAMPLE', region: 'global', name: 'internal.example.', private: true, networks: ['vpc-01'],
    records: [{ name: 'db.internal.example.', type: 'A', ttl: 300, values: ['10.0.1.5'] }],
  },
  'dns-forwarding': { kind: 'dns-forwarding', id: 'rslvr-rr-01', region: 'eu-west-1', domain: 'corp.example.', targets: ['10.1.0.2'], networks: ['vpc-01'] },
  subnet: { kind: 'subnet', id: 'projects/p/regions/europe-west1/subnetworks/sn-1', region: 'europe-west1', network: 'projects/p/global/networks/vpc-1', privateAccess: true },
  peering: { kind: 'peering', id: 'pcx-01', region: 'eu-west-1', network: 'vpc-01', peerNetwork: 'vpc-99' },
};

export function base<K extends ResourceKind>(kind: K): ResourceOf<K> {
  return structuredClone(BASE[kind]);
}

export const ACCOUNT = '111122223333';

export function awsBaseline(resources: Resource[] = Object.values(BASE)): Snapshot {
  return { schema: SNAPSHOT_SCHEMA, scope: { cloud: 'aws', account: ACCOUNT }, capturedAt: '2026-11-26T00:00:00Z', resources: structuredClone(resources) };
}
