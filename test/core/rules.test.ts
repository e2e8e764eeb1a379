import { describe, expect, it } from 'vitest';
import type { Drift } from '../../core/finding.js';
import type { Resource } from '../../core/resource.js';
import { diffResource } from '../../core/rules/index.js';
import { base } from './base-resources.js';

const aws = { cloud: 'aws' } as const;
const brief = (drifts: Drift[]) => drifts.map((d) => [d.rule, d.severity, d.item]);
const diff = (b: Resource | undefined, o: Resource | undefined) => brief(diffResource(b, o, aws));

describe('route rules', () => {
  it('a new default route to an internet gateway is critical', () => {
    const observed = base('route-table');
    observed.routes.push({ destination: '::/0', target: { type: 'internet', id: 'igw-01' } });
    expect(diff(base('route-table'), observed)).toEqual([['route.default-added', 'critical', '::/0']]);
  });

  it('a half-default route to an appliance is high', () => {
    const observed = base('route-table');
    observed.routes.push({ destination: '128.0.0.0/1', target: { type: 'appliance', id: 'eni-01' } });
    expect(diff(base('route-table'), observed)).toEqual([['route.default-added', 'high', '128.0.0.0/1']]);
  });

  it('a baseline route pointed at an internet gateway is a critical target change', () => {
    const observed = base('route-table');
    observed.routes[1] = { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } };
    expect(diff(base('route-table'), observed)).toEqual([['route.target-changed', 'critical', '0.0.0.0/0']]);
  });

  it('a baseline route pointed at a transit gateway is a high target change', () => {
    const observed = base('route-table');
    observed.routes[2] = { destination: '172.20.0.0/16', target: { type: 'transit', id: 'tgw-01' } };
    expect(diff(base('route-table'), observed)).toEqual([['route.target-changed', 'high', '172.20.0.0/16']]);
  });

  it('another route to a NAT is high, to a peering medium', () => {
    const observed = base('route-table');
    observed.routes.push({ destination: '198.51.100.0/24', target: { type: 'nat', id: 'nat-01' } });
    observed.routes.push({ destination: '10.9.0.0/16', target: { type: 'peering', id: 'pcx-02' } });
    expect(diff(base('route-table'), observed)).toEqual([
      ['route.added', 'high', '198.51.100.0/24'], ['route.added', 'medium', '10.9.0.0/16'],
    ]);
  });

  it('a removed baseline route is high', () => {
    const observed = base('route-table');
    observed.routes.splice(2, 1);
    expect(diff(base('route-table'), observed)).toEqual([['route.removed', 'high', '172.20.0.0/16']]);
  });

  it('named routes (GCP, Azure) are identified by name, not destination', () => {
    const baseline = base('route-table');
    baseline.routes = [{ name: 'to-onprem', destination: '10.50.0.0/16', target: { type: 'vpn', id: 'gw' } }];
    const observed = structuredClone(baseline);
    observed.routes[0] = { name: 'to-onprem', destination: '10.50.0.0/16', target: { type: 'internet' } };
    expect(diff(baseline, observed)).toEqual([['route.target-changed', 'critical', 'to-onprem']]);
  });

  it('subnet association changes are reported per subnet', () => {
    const observed = base('route-table');
    observed.subnets = ['subnet-02'];
    expect(diff(base('route-table'), observed)).toEqual([
      ['route-table.association-changed', 'high', 'subnet-02'], ['route-table.association-changed', 'high', 'subnet-01'],
    ]);
  });

  it('VPN route propagation turned off is reported', () => {
    const observed = base('route-table');
    observed.propagations = [];
    expect(diff(base('route-table'), observed)).toEqual([['route-table.propagation-changed', 'high', 'vgw-01']]);
  });

  it('a deleted table is high and says nothing of its routes', () => {
    expect(diff(base('route-table'), undefined)).toEqual([['route-table.deleted', 'high', '']]);
  });

  it('a new table is low, and its default route is still critical (local routes aside)', () => {
    const observed = base('route-table');
    observed.id = 'rtb-new';
    observed.subnets = [];
    observed.propagations = [];
    observed.routes = [{ destination: '10.0.0.0/16', target: { type: 'local' } }, { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } }];
    expect(diff(undefined, observed)).toEqual([['route-table.created', 'low', ''], ['route.default-added', 'critical', '0.0.0.0/0']]);
  });

  it('a table equal to the baseline has no drift', () => {
    const observed = base('route-table');
    observed.routes.reverse();
    expect(diff(base('route-table'), observed)).toEqual([]);
  });
});

describe('gateway rules', () => {
  it('an internet gateway attached is critical, detached medium', () => {
    const detached = base('internet-gateway');
    delete detached.network;
    expect(diff(detached, base('internet-gateway'))).toEqual([['internet-gateway.attached', 'critical', 'vpc-01']]);
    expect(diff(base('internet-gateway'), detached)).toEqual([['internet-gateway.detached', 'medium', 'vpc-01']]);
  });

  it('a new egress-only gateway (created attached) is an attachment', () => {
    expect(diff(undefined, { kind: 'internet-gateway', id: 'eigw-01', region: 'eu-west-1', network: 'vpc-01' }))
      .toEqual([['internet-gateway.attached', 'critical', 'vpc-01']]);
  });

  it('a created, unattached internet gateway is no drift yet', () => {
    expect(diff(undefined, { kind: 'internet-gateway', id: 'igw-02', region: 'eu-west-1' })).toEqual([]);
  });

  it('NAT created, deleted and changed', () => {
    const changed = base('nat-gateway');
    changed.publicIps = ['198.51.100.7'];
    expect(diff(undefined, base('nat-gateway'))).toEqual([['nat.created', 'high', '']]);
    expect(diff(base('nat-gateway'), undefined)).toEqual([['nat.deleted', 'medium', '']]);
    expect(diff(base('nat-gateway'), changed)).toEqual([['nat.changed', 'medium', '']]);
  });
});

describe('endpoint, subnet and peering rules', () => {
  it('private endpoint deleted is high, created low', () => {
    expect(diff(base('private-endpoint'), undefined)).toEqual([['private-endpoint.deleted', 'high', '']]);
    expect(diff(undefined, base('private-endpoint'))).toEqual([['private-endpoint.created', 'low', '']]);
  });

  it('private endpoint private DNS turned off is a change', () => {
    const observed = base('private-endpoint');
    observed.privateDns = false;
    expect(diff(base('private-endpoint'), observed)).toEqual([['private-endpoint.changed', 'high', '']]);
  });

  it('a policy formatted differently is the same policy', () => {
    const baseline = { ...base('private-endpoint'), policy: '{"Statement":[{"Effect":"Allow","Action":"*"}]}' };
    const observed = { ...base('private-endpoint'), policy: '{ "Statement": [ { "Action": "*", "Effect": "Allow" } ] }' };
    expect(diff(baseline, observed)).toEqual([]);
  });

  it('private Google access off is high, on is low', () => {
    const off = { ...base('subnet'), privateAccess: false };
    expect(diff(base('subnet'), off)).toEqual([['subnet.private-access-changed', 'high', '']]);
    expect(diff(off, base('subnet'))).toEqual([['subnet.private-access-changed', 'low', '']]);
  });

  it('peering added is high, removed medium', () => {
    expect(diff(undefined, base('peering'))).toEqual([['peering.added', 'high', 'vpc-99']]);
    expect(diff(base('peering'), undefined)).toEqual([['peering.removed', 'medium', 'vpc-99']]);
  });
});

describe('DNS rules', () => {
  it('zone deleted is high; a new zone is one medium finding, its links and records included', () => {
    expect(diff(base('dns-zone'), undefined)).toEqual([['dns-zone.deleted', 'high', '']]);
    expect(diff(undefined, base('dns-zone'))).toEqual([['dns-zone.created', 'medium', '']]);
  });

  it('network unlinked is high, linked medium', () => {
    expect(diff(base('dns-zone'), { ...base('dns-zone'), networks: [] })).toEqual([['dns-zone.network-unlinked', 'high', 'vpc-01']]);
    expect(diff(base('dns-zone'), { ...base('dns-zone'), networks: ['vpc-01', 'vpc-02'] })).toEqual([['dns-zone.network-linked', 'medium', 'vpc-02']]);
  });

  it('records in a private zone: changed and removed high, added medium', () => {
    const changed = base('dns-zone');
    changed.records = [{ name: 'DB.internal.example', type: 'A', ttl: 300, values: ['198.51.100.9'] }, { name: 'new.internal.example.', type: 'CNAME', values: ['x.example.com.'] }];
    expect(diff(base('dns-zone'), changed)).toEqual([
      ['dns-record.changed', 'high', 'db.internal.example. A'], ['dns-record.added', 'medium', 'new.internal.example. CNAME'],
    ]);
    expect(diff(base('dns-zone'), { ...base('dns-zone'), records: [] })).toEqual([['dns-record.removed', 'high', 'db.internal.example. A']]);
  });

  it('records in a public zone are not watched', () => {
    const pub = { ...base('dns-zone'), private: false };
    expect(diff(pub, { ...pub, records: [] })).toEqual([]);
  });

  it('forwarding to a public resolver is critical, to a private one high', () => {
    expect(diff(base('dns-forwarding'), { ...base('dns-forwarding'), targets: ['8.8.8.8'] })).toEqual([['dns-forwarding.changed', 'critical', '']]);
    expect(diff(undefined, base('dns-forwarding'))).toEqual([['dns-forwarding.changed', 'high', '']]);
    expect(diff(base('dns-forwarding'), { ...base('dns-forwarding'), networks: ['vpc-01', 'vpc-02'] })).toEqual([['dns-forwarding.changed', 'high', '']]);
  });

  it('a forwarding rule unlinked or deleted is no drift', () => {
    expect(diff(base('dns-forwarding'), { ...base('dns-forwarding'), networks: [] })).toEqual([]);
    expect(diff(base('dns-forwarding'), undefined)).toEqual([]);
  });
});

describe('Azure ids', () => {
  it('compare case-insensitively', () => {
    const id = '/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/natGateways/ng';
    const baseline: Resource = { kind: 'nat-gateway', id, region: 'westeurope', network: `${id}/vnet`, subnets: [`${id}/SUB`], publicIps: [] };
    const observed: Resource = { ...structuredClone(baseline), id: id.toLowerCase(), subnets: [`${id}/sub`.toLowerCase()], network: `${id}/VNET` };
    expect(diffResource(baseline, observed, { cloud: 'azure' })).toEqual([]);
  });
});
