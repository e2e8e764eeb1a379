import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AzureStateReader } from '../../../adapters/azure/arm-state-reader.js';
import type { Resource } from '../../../core/resource.js';
import { startFakeArm, type FakeArm } from '../../support/fake-arm.js';
import { expectedSnapshot, HUB, NET, RT, RT2, SNET, SUB, seedSubscription } from './arm-fixtures.js';

/** The ARM reader through the real @azure/arm-* clients against the fake ARM server (test/support/fake-arm.ts). */
let fake: FakeArm;
let reader: AzureStateReader;

beforeEach(async () => {
  fake = await startFakeArm();
  seedSubscription(fake);
  reader = new AzureStateReader({ clientOptions: fake.clientOptions });
});
afterEach(async () => { await fake.close(); });

const expected = (): Resource[] => expectedSnapshot().resources;
const ref = (resource: Pick<Resource, 'kind' | 'id'>) => ({ cloud: 'azure' as const, account: SUB, region: 'unknown', kind: resource.kind, id: resource.id });

describe('AzureStateReader.read', () => {
  it.each(expected().map((resource) => [`${resource.kind} ${resource.id.split('/').slice(-1)[0] ?? ''}`, resource] as const))(
    'reads %s back in the snapshot format', async (_name, resource) => {
      const read = await reader.read(ref(resource));

      expect(read).toEqual({ exists: true, state: resource });
    });

  it('reads a subnet with its network and what it points to', async () => {
    const read = await reader.read(ref({ kind: 'subnet', id: SNET }));

    expect(read).toEqual({ exists: true, state: {
      kind: 'subnet', id: SNET, region: 'westeurope', network: HUB, routeTable: RT, natGateway: `${NET}/natGateways/ng-egress`,
    } });
  });

  it('finds a resource however its id is cased', async () => {
    const read = await reader.read(ref({ kind: 'route-table', id: RT.toUpperCase().replace(`/SUBSCRIPTIONS/${SUB.toUpperCase()}`, `/subscriptions/${SUB}`) }));

    expect(read.exists && read.state.id).toBe(RT);
  });

  it('a resource ARM answers 404 for does not exist', async () => {
    const read = await reader.read(ref({ kind: 'route-table', id: `${NET}/routeTables/rt-gone` }));

    expect(read).toEqual({ exists: false });
    expect(fake.requests.at(-1)).toBe(`GET ${NET}/routeTables/rt-gone`);
  });

  it('a route deleted on the server is gone from the next read', async () => {
    const deleted = await fake.send('DELETE', `${RT}/routes/to-onprem`);

    const read = await reader.read(ref({ kind: 'route-table', id: RT }));

    expect(deleted.status).toBe(200);
    expect(read.exists && read.state.kind === 'route-table' && read.state.routes.map((route) => route.name)).toEqual(['default-to-firewall']);
  });

  it('refuses an id of another subscription or of another kind', async () => {
    const foreign = RT.replace(SUB, '00000000-0000-4000-8000-000000000000');

    await expect(reader.read(ref({ kind: 'route-table', id: foreign }))).rejects.toThrow(/is not in subscription/);
    await expect(reader.read(ref({ kind: 'nat-gateway', id: RT }))).rejects.toThrow(/is not the id of a nat-gateway/);
    expect(fake.requests).toEqual([]);
  });
});

describe('AzureStateReader.select', () => {
  const scope = { cloud: 'azure' as const, account: SUB };

  it('a subnet is held by the route table and NAT gateway it points to, read on the subnet', async () => {
    const tables = await reader.select(scope, 'route-table', { field: 'subnets', contains: SNET.toUpperCase().replace(SUB.toUpperCase(), SUB) });
    const nats = await reader.select(scope, 'nat-gateway', { field: 'subnets', contains: SNET });

    expect(tables).toEqual([RT]);
    expect(nats).toEqual([`${NET}/natGateways/ng-egress`]);
    expect(fake.requests.map((line) => line.toLowerCase())).toEqual([`GET ${SNET}`, `GET ${SNET}`].map((line) => line.toLowerCase()));
  });

  it('after a subnet write that moved it, the subnet is held by its new route table', async () => {
    const subnet: Record<string, unknown> = fake.store.get(SNET) ?? {};
    await fake.send('PUT', SNET, { ...subnet, properties: { ...(subnet.properties as object), routeTable: { id: RT2 } } });

    expect(await reader.select(scope, 'route-table', { field: 'subnets', contains: SNET })).toEqual([RT2]);
  });

  it('a VNet\'s subnets are held by what they point to; its peerings are listed inline', async () => {
    const tables = await reader.select(scope, 'route-table', { field: 'subnets', containsPrefix: `${HUB}/subnets/` });
    const peerings = await reader.select(scope, 'peering', { idPrefix: `${HUB}/virtualNetworkPeerings/` });

    expect(tables).toEqual([RT]);
    expect(peerings).toEqual([`${HUB}/virtualNetworkPeerings/hub-to-spoke`]);
  });

  it('a subnet of another subscription is not read: nothing selected, the pipeline keeps the holders it knows', async () => {
    const foreign = SNET.replace(SUB, '00000000-0000-4000-8000-000000000000');

    expect(await reader.select(scope, 'route-table', { field: 'subnets', contains: foreign })).toEqual([]);
    expect(fake.requests).toEqual([]);
  });

  it('a deleted VNet or subnet holds nothing', async () => {
    await fake.send('DELETE', HUB);

    expect(await reader.select(scope, 'route-table', { field: 'subnets', containsPrefix: `${HUB}/subnets/` })).toEqual([]);
    expect(await reader.select(scope, 'nat-gateway', { field: 'subnets', contains: SNET })).toEqual([]);
    expect(await reader.select(scope, 'peering', { idPrefix: `${HUB}/virtualNetworkPeerings/` })).toEqual([]);
  });
});
