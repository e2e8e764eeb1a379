import { describe, expect, it } from 'vitest';
import { findingFingerprint, type Finding } from '../../core/finding.js';
import { findingTransitions, touchedBy, type Provenance } from '../../core/finding-transitions.js';
import type { RouteTable } from '../../core/resource.js';
import { diffResource } from '../../core/rules/index.js';

const scope = { cloud: 'aws', account: '111122223333' } as const;
const from = (eventId: string): Provenance => ({ operation: 'ec2:CreateRoute', eventId, actor: { principal: 'bob' }, eventTime: '2026-11-26T10:00:00Z' });
const NOW = '2026-11-26T10:00:01Z';
const baseline: RouteTable = { kind: 'route-table', id: 'rtb-busy', region: 'eu-west-1', routes: [], subnets: [] };

function withRoutes(count: number, skip = -1): RouteTable {
  const routes = Array.from({ length: count }, (_, i) => ({ destination: `10.${i >> 8}.${i & 255}.0/24`, target: { type: 'transit' as const, id: 'tgw-1' } }));
  return { ...baseline, routes: routes.filter((_, i) => i !== skip) };
}

/** The findings 500 earlier events left open on one table, one per added route. */
function openFindings(count: number): Finding[] {
  const drifts = diffResource(baseline, withRoutes(count), scope);
  return findingTransitions(scope, drifts, [], from('ev-open'), NOW, true).opened;
}

describe('open findings indexed per resource (many open on one route table)', () => {
  it('one more route opens exactly one finding, touches none of the 500 others, resolves none', () => {
    const open = openFindings(500);
    const before = withRoutes(500);
    const after = withRoutes(501);

    const t = findingTransitions(scope, diffResource(baseline, after, scope), open, from('ev-501'), NOW, true, undefined, touchedBy('aws', before, after));

    expect(t.opened.map((f) => f.item)).toEqual(['10.1.244.0/24']);
    expect(t.opened[0]?.fingerprint).toBe(findingFingerprint({ ...scope, rule: 'route.added', resource: 'rtb-busy', item: '10.1.244.0/24' }));
    expect(t.touched).toEqual([]);
    expect(t.resolved).toEqual([]);
  });

  it('removing one of 500 routes resolves exactly its finding', () => {
    const open = openFindings(500);
    const after = withRoutes(500, 123);

    const t = findingTransitions(scope, diffResource(baseline, after, scope), open, from('ev-del'), NOW, true, undefined, touchedBy('aws', withRoutes(500), after));

    expect(t.resolved.map((f) => [f.item, f.status, f.eventIds])).toEqual([['10.0.123.0/24', 'resolved', ['ev-open', 'ev-del']]]);
    expect(t.opened).toEqual([]);
    expect(t.touched).toEqual([]);
  });

  it('retargeting one of 500 routes touches only its finding; a repeat of the same state touches all', () => {
    const open = openFindings(500);
    const before = withRoutes(500);
    const after = { ...before, routes: before.routes.map((r, i) => (i === 7 ? { ...r, target: { type: 'transit' as const, id: 'tgw-2' } } : r)) };
    const drifts = diffResource(baseline, after, scope);

    const changed = findingTransitions(scope, drifts, open, from('ev-7'), NOW, true, undefined, touchedBy('aws', before, after));
    const repeat = findingTransitions(scope, drifts, open, from('ev-again'), NOW, true, undefined, touchedBy('aws', after, after));

    expect(changed.touched.map((f) => [f.item, f.eventIds])).toEqual([['10.0.7.0/24', ['ev-open', 'ev-7']]]);
    expect(changed.opened).toEqual([]);
    expect(repeat.touched).toHaveLength(500);
    expect(repeat.opened.length + repeat.resolved.length).toBe(0);
  });
});
