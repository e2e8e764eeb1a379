import { describe, expect, it } from 'vitest';
import { changesOf, cloudTrail, provenance } from './fixtures.js';

const RTB = 'rtb-0a1b2c3d4e5f60718';
const TGW_RTB = 'tgw-rtb-0123cd602be10b00a';
const CASCADE = { field: 'subnets', property: 'subnet' };

describe('route table operations', () => {
  it('CreateRoute puts the route for its destination', () => {
    const record = cloudTrail('CreateRoute');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: RTB, action: 'update',
      payload: { kind: 'delta', deltas: [{
        op: 'put-item', field: 'routes', key: ['destination'],
        item: { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0f1e2d3c4b5a69788' } },
      }] },
    }]);
  });

  it('ReplaceRoute puts the route with its new target', () => {
    const record = cloudTrail('ReplaceRoute');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: RTB, action: 'update',
      payload: { kind: 'delta', deltas: [{
        op: 'put-item', field: 'routes', key: ['destination'],
        item: { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-0c1d2e3f4a5b6c7d8' } },
      }] },
    }]);
  });

  it('DeleteRoute removes the route with its destination', () => {
    const record = cloudTrail('DeleteRoute');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: RTB, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'remove-item', field: 'routes', match: { destination: '::/0' } }] },
    }]);
  });

  it('CreateRouteTable yields the whole table from the response', () => {
    const record = cloudTrail('CreateRouteTable');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: 'rtb-0b2c3d4e5f6071829', action: 'create',
      payload: { kind: 'full', state: {
        kind: 'route-table', id: 'rtb-0b2c3d4e5f6071829', region: 'eu-west-1', network: 'vpc-0123456789abcdef0',
        routes: [
          { destination: '10.20.0.0/16', target: { type: 'local' } },
          { destination: '2a05:d018:1c4:de00::/56', target: { type: 'local' } },
        ],
        subnets: [], associations: [], propagations: [],
      } },
    }]);
  });

  it('DeleteRouteTable deletes the table', () => {
    const record = cloudTrail('DeleteRouteTable');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: 'rtb-0b2c3d4e5f6071829', action: 'delete', payload: { kind: 'none' },
    }]);
  });

  it('AssociateRouteTable adds the subnet and its association', () => {
    const record = cloudTrail('AssociateRouteTable');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: RTB, action: 'update',
      payload: { kind: 'delta', deltas: [
        { op: 'add', field: 'subnets', values: ['subnet-0aa11bb22cc33dd44'] },
        { op: 'put-item', field: 'associations', key: ['id'],
          item: { id: 'rtbassoc-0123abcd4567ef890', subnet: 'subnet-0aa11bb22cc33dd44' } },
      ] },
    }]);
  });

  it('DisassociateRouteTable locates the table by its association and removes it with its subnet', () => {
    const record = cloudTrail('DisassociateRouteTable');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: '', action: 'update',
      locate: { field: 'associations', match: { id: 'rtbassoc-0123abcd4567ef890' } },
      payload: { kind: 'delta', deltas: [{
        op: 'remove-item', field: 'associations', match: { id: 'rtbassoc-0123abcd4567ef890' }, cascade: CASCADE,
      }] },
    }]);
  });

  it('ReplaceRouteTableAssociation moves the association to the new table under its new id', () => {
    const record = cloudTrail('ReplaceRouteTableAssociation');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: 'rtb-0b2c3d4e5f6071829', action: 'update',
      payload: { kind: 'delta', deltas: [{
        op: 'move-item', field: 'associations', match: { id: 'rtbassoc-0123abcd4567ef890' },
        set: { id: 'rtbassoc-0fedcba9876543210' }, cascade: CASCADE,
      }] },
    }]);
  });

  it('EnableVgwRoutePropagation adds the gateway to the propagations', () => {
    const record = cloudTrail('EnableVgwRoutePropagation');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: RTB, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'add', field: 'propagations', values: ['vgw-0a9b8c7d6e5f40312'] }] },
    }]);
  });

  it('DisableVgwRoutePropagation removes the gateway from the propagations', () => {
    const record = cloudTrail('DisableVgwRoutePropagation');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: RTB, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'remove', field: 'propagations', values: ['vgw-0a9b8c7d6e5f40312'] }] },
    }]);
  });
});

describe('transit gateway route table operations', () => {
  it('CreateTransitGatewayRoute puts a route to the attachment', () => {
    const record = cloudTrail('CreateTransitGatewayRoute');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: TGW_RTB, action: 'update',
      payload: { kind: 'delta', deltas: [{
        op: 'put-item', field: 'routes', key: ['destination'],
        item: { destination: '10.50.0.0/16', target: { type: 'transit', id: 'tgw-attach-0a1b2c3d4e5f60718' } },
      }] },
    }]);
  });

  it('ReplaceTransitGatewayRoute with Blackhole puts a blackhole route', () => {
    const record = cloudTrail('ReplaceTransitGatewayRoute');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: TGW_RTB, action: 'update',
      payload: { kind: 'delta', deltas: [{
        op: 'put-item', field: 'routes', key: ['destination'],
        item: { destination: '10.50.0.0/16', target: { type: 'blackhole' } },
      }] },
    }]);
  });

  it('DeleteTransitGatewayRoute removes the route', () => {
    const record = cloudTrail('DeleteTransitGatewayRoute');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: TGW_RTB, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'remove-item', field: 'routes', match: { destination: '10.50.0.0/16' } }] },
    }]);
  });

  it('CreateTransitGatewayRouteTable yields an empty route table of the transit gateway', () => {
    const record = cloudTrail('CreateTransitGatewayRouteTable');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: TGW_RTB, action: 'create',
      payload: { kind: 'full', state: {
        kind: 'route-table', id: TGW_RTB, region: 'eu-west-1', network: 'tgw-0a13743bd6c1f5fcb', routes: [], subnets: [],
      } },
    }]);
  });

  it('DeleteTransitGatewayRouteTable deletes the table', () => {
    const record = cloudTrail('DeleteTransitGatewayRouteTable');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'route-table', id: TGW_RTB, action: 'delete', payload: { kind: 'none' },
    }]);
  });
});
