import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../core/snapshot.js';
import { canonicalJson, canonicalSnapshot, snapshotSha256 } from '../../snapshots/canonical.js';
import { sampleSnapshot } from '../contract/samples.js';

/** The same object with every object's keys in reverse order. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, inner]) => [key, reverseKeys(inner)])) as T;
}

describe('canonicalSnapshot', () => {
  it('sorts resources by kind then id', () => {
    const snapshot = sampleSnapshot();
    snapshot.resources.push({ kind: 'internet-gateway', id: 'igw-00', region: 'eu-west-1' });

    const canonical = canonicalSnapshot(snapshot);

    expect(canonical.resources.map((r) => `${r.kind}:${r.id}`)).toEqual([
      'dns-zone:Z0EXAMPLE', 'internet-gateway:igw-00', 'internet-gateway:igw-01', 'nat-gateway:nat-01', 'route-table:rtb-0a1',
    ]);
  });

  it('sorts set fields, routes, records and associations by their identity', () => {
    const snapshot = sampleSnapshot();
    const table = structuredClone(snapshot.resources[0]) as Extract<Snapshot['resources'][number], { kind: 'route-table' }>;
    table.subnets = ['subnet-b', 'subnet-a'];
    table.routes = [
      { name: 'to-b', destination: '0.0.0.0/0', target: { type: 'internet' } },
      { name: 'to-a', destination: '10.0.0.0/8', target: { type: 'local' } },
    ];
    snapshot.resources = [table];

    const [canonical] = canonicalSnapshot(snapshot).resources as (typeof table)[];

    expect(canonical?.subnets).toEqual(['subnet-a', 'subnet-b']);
    expect(canonical?.routes.map((route) => route.name)).toEqual(['to-a', 'to-b']);
    expect(canonical?.associations?.map((association) => association.id)).toEqual(['rtbassoc-01', 'rtbassoc-02']);
  });

  it('keeps the order of arrays that are not sets', () => {
    const snapshot = sampleSnapshot();
    const zone = snapshot.resources[2] as Extract<Snapshot['resources'][number], { kind: 'dns-zone' }>;
    zone.records = [{ name: 'mx.internal.example.', type: 'MX', values: ['20 b.example.', '10 a.example.'] }];

    const canonical = canonicalSnapshot(snapshot);

    const records = (canonical.resources.find((r) => r.kind === 'dns-zone') as typeof zone).records;
    expect(records[0]?.values).toEqual(['20 b.example.', '10 a.example.']);
  });

  it('does not change its input', () => {
    const snapshot = sampleSnapshot();

    canonicalSnapshot(snapshot);

    expect(snapshot).toEqual(sampleSnapshot());
  });
});

describe('canonicalJson', () => {
  it('is indented by 2 spaces, keys sorted at every depth, with a newline at the end', () => {
    const snapshot = { ...sampleSnapshot(), resources: [{ kind: 'internet-gateway' as const, region: 'eu-west-1', id: 'igw-01' }] };

    const text = canonicalJson(snapshot);

    expect(text).toBe([
      '{', '  "capturedAt": "2026-11-26T00:00:00Z",', '  "resources": [', '    {', '      "id": "igw-01",',
      '      "kind": "internet-gateway",', '      "region": "eu-west-1"', '    }', '  ],',
      '  "schema": "netdrift/snapshot@1",', '  "scope": {', '    "account": "111122223333",', '    "cloud": "aws"', '  }', '}', '',
    ].join('\n'));
  });

  it('sorts integer-like keys as text too', () => {
    const snapshot = { ...sampleSnapshot(), resources: [], extra: { 10: 'ten', 9: 'nine', a: 'a' } };

    expect(canonicalJson(snapshot)).toContain('"10": "ten",\n    "9": "nine",\n    "a": "a"');
  });
});

describe('snapshotSha256', () => {
  it('is the same whatever the order of keys, resources and set fields', () => {
    const shuffled = reverseKeys(sampleSnapshot());
    shuffled.resources.reverse();
    const table = shuffled.resources.find((r) => r.kind === 'route-table') as Extract<Snapshot['resources'][number], { kind: 'route-table' }>;
    table.subnets.reverse();
    table.routes.reverse();
    table.associations?.reverse();

    expect(snapshotSha256(shuffled)).toBe(snapshotSha256(sampleSnapshot()));
  });

  it('changes when the content changes', () => {
    const changed = sampleSnapshot();
    (changed.resources[1] as { publicIps: string[] }).publicIps.push('203.0.113.11');

    expect(snapshotSha256(changed)).not.toBe(snapshotSha256(sampleSnapshot()));
  });

  it('ignores the top-level approval field', () => {
    const approved = { ...sampleSnapshot(), approval: { sha256: 'f'.repeat(64), approvedAt: '2026-11-26T12:00:00.000Z' } };

    expect(snapshotSha256(approved)).toBe(snapshotSha256(sampleSnapshot()));
  });

  it('is a 64-digit hex string', () => {
    expect(snapshotSha256(sampleSnapshot())).toMatch(/^[0-9a-f]{64}$/);
  });
});
