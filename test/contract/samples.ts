import { findingFingerprint, type Finding, type RuleId } from '../../core/finding.js';
import type { ObservedState } from '../../core/ports.js';
import type { Resource, Scope } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';

/** Samples in the snapshot format's real shapes, for contract and unit tests. Clone before changing. */
export const AWS_SCOPE: Scope = { cloud: 'aws', account: '111122223333' };
export const AZURE_SCOPE: Scope = { cloud: 'azure', account: '00000000-0000-0000-0000-000000000001' };

export const AZURE_ROUTE_TABLE_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/net-rg/providers/Microsoft.Network/routeTables/rt-hub';

/** Every field the schema defaults is given, so what a store returns equals what was put. */
export function sampleSnapshot(scope: Scope = AWS_SCOPE, capturedAt = '2026-11-26T00:00:00Z'): Snapshot {
  return {
    schema: 'netdrift/snapshot@1',
    scope: { ...scope },
    capturedAt,
    resources: [
      {
        kind: 'route-table', id: 'rtb-0a1', region: 'eu-west-1', network: 'vpc-01',
        routes: [
          { destination: '10.0.0.0/16', target: { type: 'local' } },
          { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-01' } },
        ],
        subnets: ['subnet-01', 'subnet-03'],
        associations: [{ id: 'rtbassoc-02', subnet: 'subnet-03' }, { id: 'rtbassoc-01', subnet: 'subnet-01' }],
      },
      {
        kind: 'nat-gateway', id: 'nat-01', region: 'eu-west-1', network: 'vpc-01',
        subnets: ['subnet-02'], publicIps: ['203.0.113.10'],
      },
      {
        kind: 'dns-zone', id: 'Z0EXAMPLE', region: 'global', name: 'internal.example.', private: true,
        networks: ['vpc-01'],
        records: [{ name: 'db.internal.example.', type: 'A', ttl: 300, values: ['10.0.1.5'] }],
      },
      { kind: 'internet-gateway', id: 'igw-01', region: 'eu-west-1', network: 'vpc-01' },
    ],
  };
}

export function sampleRouteTable(id = 'rtb-0a1'): Resource {
  return {
    kind: 'route-table', id, region: 'eu-west-1', network: 'vpc-01',
    routes: [{ destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } }],
    subnets: ['subnet-01'],
  };
}

export function sampleObserved(scope: Scope = AWS_SCOPE, id = 'rtb-0a1'): ObservedState {
  const state = sampleRouteTable(id);
  return { ...scope, kind: 'route-table', id, region: state.region, state, eventTime: '2026-11-26T10:00:00Z', eventId: 'evt-1' };
}

/** An open finding on a route table; `overrides` may change any field (the fingerprint follows rule, resource and item). */
export function sampleFinding(overrides: Partial<Finding> = {}): Finding {
  const base = {
    rule: 'route.default-added' as RuleId, cloud: 'aws' as const, account: AWS_SCOPE.account,
    resource: 'rtb-0a1', item: '0.0.0.0/0', ...overrides,
  };
  return {
    severity: 'critical', kind: 'route-table', region: 'eu-west-1',
    summary: `0.0.0.0/0 → igw-01 on ${base.resource}`, hint: `aws ec2 delete-route --route-table-id ${base.resource}`,
    observed: { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } },
    status: 'open', operation: 'ec2:CreateRoute', eventId: 'evt-1', eventIds: ['evt-1'],
    actor: { principal: 'arn:aws:iam::111122223333:user/alice', sourceIp: '198.51.100.7' },
    eventTime: '2026-11-26T10:00:00Z', openedAt: '2026-11-26T10:00:01Z',
    fingerprint: findingFingerprint(base),
    ...base,
  };
}
