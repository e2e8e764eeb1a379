import { describe, expect, it } from 'vitest';
import { applyDeltas, emptyResource } from '../../core/delta.js';
import { base } from './base-resources.js';

describe('applyDeltas', () => {
  it('put-item replaces the item with the same key and keeps the rest', () => {
    const table = base('route-table');
    const next = applyDeltas(table, [{ op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } } }]);
    expect(next.kind === 'route-table' && next.routes.map((r) => `${r.destination}>${r.target.type}`))
      .toEqual(['10.0.0.0/16>local', '172.20.0.0/16>peering', '0.0.0.0/0>internet']);
    expect(table.routes[1]?.target.type).toBe('nat');
  });

  it('remove-item with a cascade removes the association and its subnet', () => {
    const table = { ...base('route-table'), associations: [{ id: 'rtbassoc-01', subnet: 'subnet-01' }] };
    const next = applyDeltas(table, [{ op: 'remove-item', field: 'associations', match: { id: 'rtbassoc-01' }, cascade: { field: 'subnets', property: 'subnet' } }]);
    expect(next).toMatchObject({ associations: [], subnets: [] });
  });

  it('add and remove treat the field as a set, case-insensitively for Azure', () => {
    const zone = base('dns-zone');
    const added = applyDeltas(zone, [{ op: 'add', field: 'networks', values: ['vpc-01', 'vpc-02'] }]);
    expect(added).toMatchObject({ networks: ['vpc-01', 'vpc-02'] });
    const removed = applyDeltas(added, [{ op: 'remove', field: 'networks', values: ['VPC-02'] }], true);
    expect(removed).toMatchObject({ networks: ['vpc-01'] });
  });

  it('set with undefined clears a field', () => {
    const next = applyDeltas(base('internet-gateway'), [{ op: 'set', field: 'network', value: undefined }]);
    expect(next).toEqual({ kind: 'internet-gateway', id: 'igw-01', region: 'eu-west-1' });
  });

  it('empty resources exist only for kinds a delta can complete', () => {
    expect(emptyResource('route-table', 'rtb-9', 'eu-west-1')).toEqual({ kind: 'route-table', id: 'rtb-9', region: 'eu-west-1', routes: [], subnets: [] });
    expect(emptyResource('dns-zone', 'Z9', 'global')).toBeUndefined();
  });
});
