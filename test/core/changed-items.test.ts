import { describe, expect, it } from 'vitest';
import { applyDeltas, type AppliedDelta } from '../../core/delta.js';
import type { Finding } from '../../core/finding.js';
import { findingTransitions, touchedBy, type Provenance, type Transitions } from '../../core/finding-transitions.js';
import type { Cloud, DnsZone, Resource, RouteTable } from '../../core/resource.js';
import { diffChangedItems } from '../../core/rules/changed-items.js';
import { diffResource } from '../../core/rules/index.js';

const NOW = '2026-11-26T10:00:01Z';
const from = (eventId: string): Provenance => ({ operation: 'test:Write', eventId, actor: { principal: 'bob' }, eventTime: '2026-11-26T10:00:00Z' });

/** The event path's comparison of the whole resource (what every event did before). */
function wholeResource(cloud: Cloud, baseline: Resource, before: Resource, after: Resource, open: Finding[], eventId: string): Transitions {
  const scope = { cloud, account: '111122223333' };
  return findingTransitions(scope, diffResource(baseline, after, { cloud }), open, from(eventId), NOW, true, undefined, touchedBy(cloud, before, after));
}

/** The same through `diffChangedItems` where it applies. */
function changedItems(cloud: Cloud, baseline: Resource, before: Resource, after: Resource, open: Finding[], eventId: string): Transitions {
  const changed = diffChangedItems(baseline, before, after, { cloud });
  if (!changed) return wholeResource(cloud, baseline, before, after, open, eventId);
  const scope = { cloud, account: '111122223333' };
  return findingTransitions(scope, changed.drifts, open.filter(changed.covers), from(eventId), NOW, true, undefined, changed.touches);
}

/** What the store keeps open after a commit of `t`. */
function stillOpen(open: Finding[], t: Transitions): Finding[] {
  const gone = new Set([...t.resolved, ...t.touched].map((f) => f.fingerprint));
  return [...open.filter((f) => !gone.has(f.fingerprint)), ...t.touched, ...t.opened];
}

const brief = (t: Transitions) => ({
  opened: t.opened.map((f) => `${f.rule} ${f.item} ${f.severity} ${f.summary}`),
  resolved: t.resolved.map((f) => `${f.rule} ${f.item} ${f.eventIds.join(',')}`),
  touched: t.touched.map((f) => `${f.rule} ${f.item} ${f.eventIds.join(',')}`),
});

/** A deterministic generator (mulberry32), so a failure is reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One random route-table write, as the AWS adapter's deltas make them (put, remove, association). */
function routeDelta(next: () => number): AppliedDelta[] {
  const destination = `10.${Math.floor(next() * 12)}.0.0/16`;
  const roll = next();
  if (roll < 0.45) {
    const target = next() < 0.2 ? { type: 'internet', id: 'igw-1' } : { type: 'transit', id: `tgw-${Math.floor(next() * 3)}` };
    return [{ op: 'put-item', field: 'routes', key: ['destination'], item: { destination: next() < 0.1 ? '0.0.0.0/0' : destination, target } }];
  }
  if (roll < 0.75) return [{ op: 'remove-item', field: 'routes', match: { destination } }];
  if (roll < 0.85) return [{ op: 'add', field: 'subnets', values: [`subnet-${Math.floor(next() * 4)}`] }];
  if (roll < 0.95) return [{ op: 'remove', field: 'subnets', values: [`subnet-${Math.floor(next() * 4)}`] }];
  return []; // a repeat: nothing changes
}

describe('diffChangedItems: an event compares only the items it changed', () => {
  it('gives the same findings as comparing the whole route table, over 400 random writes of one to three changes', () => {
    // prepare
    const next = random(12);
    const baseline: RouteTable = {
      kind: 'route-table', id: 'rtb-01', region: 'eu-west-1', subnets: ['subnet-0'],
      routes: [0, 3, 6, 9].map((n) => ({ destination: `10.${n}.0.0/16`, target: { type: 'transit' as const, id: 'tgw-0' } })),
    };
    let state: Resource = baseline;
    let whole: Finding[] = [];
    let incremental: Finding[] = [];
    for (let i = 0; i < 400; i += 1) {
      // act
      const deltas = Array.from({ length: 1 + Math.floor(next() * 3) }, () => routeDelta(next)).flat();
      const after = applyDeltas(state, deltas);
      const expected = wholeResource('aws', baseline, state, after, whole, `ev-${i}`);
      const actual = changedItems('aws', baseline, state, after, incremental, `ev-${i}`);
      // assess
      expect(brief(actual), `write ${i}`).toEqual(brief(expected));
      whole = stillOpen(whole, expected);
      incremental = stillOpen(incremental, actual);
      state = after;
    }
    expect(incremental.length).toBeGreaterThan(3);
  });

  it('gives the same findings as comparing the whole private zone (Azure ids, any case)', () => {
    const next = random(7);
    const baseline: DnsZone = {
      kind: 'dns-zone', id: '/subscriptions/S/privateDnsZones/corp.internal', region: 'global', name: 'corp.internal.', private: true,
      networks: ['/subscriptions/S/virtualNetworks/vnet-1'],
      records: [{ name: 'db.corp.internal.', type: 'A', ttl: 300, values: ['10.0.1.5'] }],
    };
    let state: Resource = baseline;
    let whole: Finding[] = [];
    let incremental: Finding[] = [];
    for (let i = 0; i < 200; i += 1) {
      const name = `${['db', 'DB', 'api', 'web'][Math.floor(next() * 4)]}.corp.internal.`;
      const delta: AppliedDelta = next() < 0.6
        ? { op: 'put-item', field: 'records', key: ['name', 'type'], item: { name, type: next() < 0.5 ? 'A' : 'a', ttl: 300, values: [`10.0.1.${Math.floor(next() * 3)}`] } }
        : { op: 'remove-item', field: 'records', match: { name, type: 'A' } };
      const after = applyDeltas(state, [delta], true);
      const expected = wholeResource('azure', baseline, state, after, whole, `ev-${i}`);
      const actual = changedItems('azure', baseline, state, after, incremental, `ev-${i}`);
      expect(brief(actual), `write ${i}`).toEqual(brief(expected));
      whole = stillOpen(whole, expected);
      incremental = stillOpen(incremental, actual);
      state = after;
    }
  });

  it('leaves the findings on 500 untouched routes out of the comparison', () => {
    const baseline: RouteTable = { kind: 'route-table', id: 'rtb-01', region: 'eu-west-1', routes: [], subnets: [] };
    const before = { ...baseline, routes: Array.from({ length: 500 }, (_, i) => ({ destination: `10.${i >> 8}.${i & 255}.0/24`, target: { type: 'transit' as const } })) };
    const after = applyDeltas(before, [{ op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '10.9.0.0/24', target: { type: 'transit' } } }]);

    const changed = diffChangedItems(baseline, before, after, { cloud: 'aws' });

    expect(changed?.drifts.map((d) => `${d.rule} ${d.item}`)).toEqual(['route.added 10.9.0.0/24']);
    expect(changed?.covers({ rule: 'route.added', item: '10.0.7.0/24' })).toBe(false);
    expect(changed?.covers({ rule: 'route.added', item: '10.9.0.0/24' })).toBe(true);
    expect(changed?.covers({ rule: 'change.unverified', item: '' })).toBe(true);
  });

  it('finds an item put in the middle of the list (a payload in canonical order), not only at its end', () => {
    const route = (n: number) => ({ destination: `10.${n}.0.0/16`, target: { type: 'transit' as const, id: 'tgw-0' } });
    const baseline: RouteTable = { kind: 'route-table', id: 'rtb-01', region: 'eu-west-1', routes: [route(1), route(3)], subnets: [] };
    const after = { ...baseline, routes: [baseline.routes[0] as RouteTable['routes'][number], route(2), baseline.routes[1] as RouteTable['routes'][number]] };

    const changed = diffChangedItems(baseline, baseline, after, { cloud: 'aws' });

    expect(changed?.drifts.map((d) => `${d.rule} ${d.item}`)).toEqual(['route.added 10.2.0.0/16']);
    expect(changed?.covers({ rule: 'route.added', item: '10.1.0.0/16' })).toBe(false);
  });

  it('defers to the whole resource where an event can have changed all of it', () => {
    const baseline: RouteTable = { kind: 'route-table', id: 'rtb-01', region: 'eu-west-1', routes: [{ destination: '10.0.0.0/16', target: { type: 'local' } }], subnets: [] };
    const added = applyDeltas(baseline, [{ op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '10.1.0.0/16', target: { type: 'nat', id: 'nat-1' } } }]);
    const ctx = { cloud: 'aws' as const };

    expect(diffChangedItems(baseline, baseline, added, ctx)).toBeDefined();
    expect(diffChangedItems(undefined, added, added, ctx), 'a table the baseline lacks').toBeUndefined();
    expect(diffChangedItems(baseline, undefined, added, ctx), 'created').toBeUndefined();
    expect(diffChangedItems(baseline, added, undefined, ctx), 'deleted').toBeUndefined();
    expect(diffChangedItems(baseline, added, structuredClone(added), ctx), 'read afresh: nothing shared').toBeUndefined();
    expect(diffChangedItems(baseline, added, { ...added }, ctx), 'a repeat touches every finding').toBeUndefined();
  });
});
