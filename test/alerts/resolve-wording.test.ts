import { describe, expect, it } from 'vitest';
import { resolvedState } from '../../alerts/message.js';
import type { Finding } from '../../core/finding.js';
import { findingTransitions } from '../../core/finding-transitions.js';
import type { Resource } from '../../core/resource.js';
import { diffResource } from '../../core/rules/index.js';

const SCOPE = { cloud: 'aws', account: '111122223333' } as const;
const at = (eventId: string, eventTime: string) => ({ operation: 'test', eventId, actor: { principal: 'alice' }, eventTime });

/** Drifted from the baseline by the real rules, then back: the findings as they resolve. */
function resolvedBy(baseline: Resource | undefined, drifted: Resource | undefined): Finding[] {
  const { opened } = findingTransitions(SCOPE, diffResource(baseline, drifted, SCOPE), [], at('ev-1', '2026-12-02T09:00:00Z'), '2026-12-02T09:00:01Z', true);
  const { resolved } = findingTransitions(SCOPE, diffResource(baseline, baseline, SCOPE), opened, at('ev-2', '2026-12-02T09:05:00Z'), '2026-12-02T09:05:01Z', true);
  expect(resolved).toHaveLength(opened.length);
  return resolved;
}

const LOCAL = { destination: '10.0.0.0/16', target: { type: 'local' } } as const;
const RTB: Resource = {
  kind: 'route-table', id: 'rtb-0a1', region: 'eu-west-1', network: 'vpc-01', subnets: ['subnet-01'],
  routes: [LOCAL, { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-01' } }],
};
const ZONE: Resource = {
  kind: 'dns-zone', id: 'Z0EXAMPLE', region: 'global', name: 'internal.example.', private: true, networks: ['vpc-01'],
  records: [{ name: 'db.internal.example.', type: 'A', ttl: 300, values: ['10.0.1.5'] }],
};
const FORWARDING: Resource = { kind: 'dns-forwarding', id: 'rslvr-rr-01', region: 'eu-west-1', domain: 'corp.example.', targets: ['10.1.0.2'], networks: ['vpc-01'] };

describe('what a resolve says the resource is now, by rule', () => {
  it.each<[string, Resource | undefined, Resource | undefined, string[]]>([
    ['route.target-changed', RTB, { ...RTB, routes: [LOCAL, { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } }] } as Resource,
      ['route.target-changed: route 0.0.0.0/0 on rtb-0a1 points to nat:nat-01 again, as in the baseline']],
    ['route.removed and a subnet unassociated', RTB, { ...RTB, routes: [LOCAL], subnets: [] } as Resource, [
      'route.removed: route 0.0.0.0/0 → nat:nat-01 is back on rtb-0a1, as in the baseline',
      'route-table.association-changed: subnet subnet-01 is associated with rtb-0a1 again, as in the baseline',
    ]],
    ['dns-record.changed', ZONE, { ...ZONE, records: [{ name: 'db.internal.example.', type: 'A', ttl: 300, values: ['198.51.100.7'] }] } as Resource,
      ['dns-record.changed: record db.internal.example. A in zone Z0EXAMPLE is 10.0.1.5 again, as in the baseline']],
    ['dns-zone.network-unlinked', ZONE, { ...ZONE, networks: [] } as Resource,
      ['dns-zone.network-unlinked: zone Z0EXAMPLE is linked to vpc-01 again, as in the baseline']],
    ['dns-forwarding.changed', FORWARDING, { ...FORWARDING, targets: ['8.8.8.8'] } as Resource,
      ['dns-forwarding.changed: DNS forwarding rslvr-rr-01 forwards to 10.1.0.2 for vpc-01 again, as in the baseline']],
    ['nat.created', undefined, { kind: 'nat-gateway', id: 'nat-09', region: 'eu-west-1', network: 'vpc-01', subnets: ['subnet-02'], publicIps: [] },
      ['nat.created: NAT gateway nat-09 no longer exists, as in the baseline']],
  ])('%s', (_name, baseline, drifted, expected) => {
    // A resource that should not exist resolves when it is gone; every other one when it is back to its baseline.
    const resolved = baseline ? resolvedBy(baseline, drifted) : resolvedCreated(drifted as Resource);

    expect(resolved.map((f) => `${f.rule}: ${resolvedState(f)}`)).toEqual(expected);
  });
});

function resolvedCreated(created: Resource): Finding[] {
  const { opened } = findingTransitions(SCOPE, diffResource(undefined, created, SCOPE), [], at('ev-1', '2026-12-02T09:00:00Z'), '2026-12-02T09:00:01Z', true);
  return findingTransitions(SCOPE, [], opened, at('ev-2', '2026-12-02T09:05:00Z'), '2026-12-02T09:05:01Z', true).resolved;
}
