import { describe, expect, it } from 'vitest';
import type { Drift } from '../../core/finding.js';
import type { DnsZone, Resource, RouteTable } from '../../core/resource.js';
import { diffResource } from '../../core/rules/index.js';
import { diffSnapshots } from '../../core/snapshot-diff.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../core/snapshot.js';
import { canonicalSnapshot } from '../../snapshots/canonical.js';

const brief = (drifts: Drift[]) => drifts.map((d) => `${d.rule} ${d.item}`);

function table(routes: RouteTable['routes'], subnets: string[]): RouteTable {
  return { kind: 'route-table', id: 'rtb-01', region: 'eu-west-1', network: 'vpc-01', routes, subnets };
}

function zone(records: DnsZone['records']): DnsZone {
  return { kind: 'dns-zone', id: 'Z1', region: 'global', name: 'corp.internal.', private: true, networks: ['vpc-01'], records };
}

const to = (id: string) => ({ type: 'transit' as const, id });

describe('rules over unsorted inputs (event payloads, live reads)', () => {
  it('routes in any order pair by identity, and drifts come in the order of the input', () => {
    // prepare: the baseline is sorted, the observed state lists routes as a payload might
    const baseline = table([{ destination: '10.1.0.0/16', target: to('tgw-1') }, { destination: '10.2.0.0/16', target: to('tgw-1') },
      { destination: '10.3.0.0/16', target: to('tgw-1') }], ['subnet-a']);
    const observed = table([{ destination: '10.9.0.0/16', target: to('tgw-1') }, { destination: '10.3.0.0/16', target: to('tgw-2') },
      { destination: '10.1.0.0/16', target: to('tgw-1') }, { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-1' } }], ['subnet-a']);

    // act
    const drifts = diffResource(baseline, observed, { cloud: 'aws' });

    // assess
    expect(brief(drifts)).toEqual(['route.added 10.9.0.0/16', 'route.target-changed 10.3.0.0/16', 'route.default-added 0.0.0.0/0', 'route.removed 10.2.0.0/16']);
  });

  it('DNS records in any order and spelling (case, trailing dot) pair by name and type', () => {
    const baseline = zone([{ name: 'a.corp.internal.', type: 'A', ttl: 300, values: ['10.0.0.1'] }, { name: 'b.corp.internal.', type: 'A', ttl: 300, values: ['10.0.0.2'] }]);
    const observed = zone([{ name: 'C.corp.internal', type: 'a', ttl: 300, values: ['10.0.0.3'] }, { name: 'B.Corp.Internal', type: 'a', ttl: 300, values: ['10.0.0.2'] },
      { name: 'a.corp.internal.', type: 'A', ttl: 300, values: ['203.0.113.9'] }]);

    const drifts = diffResource(baseline, observed, { cloud: 'aws' });

    expect(brief(drifts)).toEqual(['dns-record.added c.corp.internal. A', 'dns-record.changed a.corp.internal. A']);
  });

  it('Azure ids in set fields compare case-insensitively whatever their order', () => {
    const baseline = table([], ['/subscriptions/s/Subnets/A', '/subscriptions/s/subnets/b']);
    const observed = table([], ['/subscriptions/s/subnets/B', '/subscriptions/s/subnets/a', '/subscriptions/s/subnets/c']);

    const drifts = diffResource(baseline, observed, { cloud: 'azure' });

    expect(brief(drifts)).toEqual(['route-table.association-changed /subscriptions/s/subnets/c']);
  });

  it('a whole-snapshot diff gives the same drifts for a snapshot and its canonical (sorted) form', () => {
    // prepare: resources and their items deliberately out of order
    const resources: Resource[] = [];
    for (let t = 12; t >= 0; t -= 1) {
      resources.push(table(Array.from({ length: 12 }, (_, r) => ({ destination: `10.${t}.${11 - r}.0/24`, target: to(t % 4 === 0 && r === 3 ? 'tgw-x' : 'tgw-1') })), [`subnet-${t}`]));
      resources[resources.length - 1]!.id = `rtb-${t}`;
    }
    const snap = (rs: Resource[]): Snapshot => ({ schema: SNAPSHOT_SCHEMA, scope: { cloud: 'aws', account: '111122223333' }, capturedAt: '2026-11-26T00:00:00Z', resources: rs });
    const baseline = snap(resources.map((r) => ({ ...r, routes: (r as RouteTable).routes.map((x) => ({ ...x, target: to('tgw-1') })) }) as Resource));
    const live = snap(resources);

    // act
    const unsorted = diffSnapshots(baseline, live);
    const sorted = diffSnapshots(canonicalSnapshot(baseline), canonicalSnapshot(live));

    // assess
    expect(unsorted).toHaveLength(4);
    expect(brief(unsorted).sort()).toEqual(brief(sorted).sort());
    expect(unsorted.map((d) => d.resource)).toEqual(['rtb-0', 'rtb-12', 'rtb-4', 'rtb-8']);
  });

  it('a table or zone that equals its baseline item for item yields nothing; one field the rules read, changed anywhere, is still found', () => {
    const routes = Array.from({ length: 30 }, (_, r) => ({ destination: `10.${r}.0.0/16`, target: to(`tgw-${r % 3}`) }));
    const records = Array.from({ length: 30 }, (_, r) => ({ name: `h${r}.corp.internal.`, type: 'A', ttl: 300, values: [`10.0.0.${r}`, `10.0.1.${r}`] }));
    const same = { ...table(structuredClone(routes), ['subnet-a', 'subnet-b']), propagations: ['vgw-1'] };
    const samezone = zone(structuredClone(records));
    expect(diffResource({ ...table(routes, ['subnet-a', 'subnet-b']), propagations: ['vgw-1'] }, same, { cloud: 'aws' })).toEqual([]);
    expect(diffResource(zone(records), samezone, { cloud: 'aws' })).toEqual([]);

    const changedTable: [string, (t: RouteTable) => void][] = [
      ['route.target-changed 10.29.0.0/16', (t) => { t.routes[29]!.target = to('tgw-9'); }],
      ['route.target-changed 10.0.0.0/16', (t) => { t.routes[0]!.target = { type: 'internet', id: 'tgw-0' }; }],
      ['route.removed 10.7.0.0/16', (t) => { t.routes.splice(7, 1); }],
      ['route-table.propagation-changed vgw-2', (t) => { t.propagations = ['vgw-1', 'vgw-2']; }],
      ['route-table.association-changed subnet-b', (t) => { t.subnets = ['subnet-a']; }],
    ];
    for (const [expected, change] of changedTable) {
      const observed = structuredClone(same);
      change(observed);
      expect(brief(diffResource({ ...table(routes, ['subnet-a', 'subnet-b']), propagations: ['vgw-1'] }, observed, { cloud: 'aws' }))).toEqual([expected]);
    }
    const changedZone: [string, (z: DnsZone) => void][] = [
      ['dns-record.changed h29.corp.internal. A', (z) => { z.records[29]!.ttl = 60; }],
      ['dns-record.changed h3.corp.internal. A', (z) => { z.records[3]!.values = [`10.0.0.3`]; }],
      ['dns-record.changed h4.corp.internal. A', (z) => { z.records[4]!.values[1] = '203.0.113.9'; }],
      ['dns-zone.network-linked vpc-02', (z) => { z.networks = ['vpc-01', 'vpc-02']; }],
    ];
    for (const [expected, change] of changedZone) {
      const observed = structuredClone(samezone);
      change(observed);
      expect(brief(diffResource(zone(records), observed, { cloud: 'aws' }))).toEqual([expected]);
    }
  });
});
