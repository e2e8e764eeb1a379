import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AzureStateReader } from '../../../adapters/azure/arm-state-reader.js';
import { captureWithResourceGraph } from '../../../adapters/azure/resource-graph-capture.js';
import { ConfigError } from '../../../core/errors.js';
import { SnapshotSchema } from '../../../core/snapshot.js';
import { startFakeArm, type FakeArm } from '../../support/fake-arm.js';
import { expectedSnapshot, RT, SUB, seedSubscription } from './arm-fixtures.js';

/** Capture of one subscription through ARM's paged lists, and of many through Resource Graph. */
let fake: FakeArm;

beforeEach(async () => {
  fake = await startFakeArm({ pageSize: 1 });
  seedSubscription(fake);
});
afterEach(async () => { await fake.close(); });

const SUB2 = '8f0e2b7a-3c1d-4e5f-9a6b-7c8d9e0f1a2b';
const SUB3 = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const rtOf = (subscription: string) => RT.replace(SUB, subscription);

describe('capture of a subscription', () => {
  it('lists every watched kind, page by page, into the snapshot format, with progress per resource type', async () => {
    const progress: string[] = [];
    const reader = new AzureStateReader({ clientOptions: fake.clientOptions, onProgress: (type, done, total, found) => progress.push(`${done}/${total} ${type} ${found}`) });

    const { snapshot, failures } = await reader.capture({ cloud: 'azure', account: SUB }, []);

    expect(SnapshotSchema.parse(snapshot)).toEqual(snapshot);
    expect(snapshot.resources).toEqual(expectedSnapshot().resources);
    expect(snapshot.scope).toEqual({ cloud: 'azure', account: SUB });
    expect(failures).toEqual([]);
    expect(progress).toEqual([
      '1/6 Microsoft.Network/routeTables 2', '2/6 Microsoft.Network/natGateways 1',
      '3/6 Microsoft.Network/virtualNetworks/virtualNetworkPeerings 1', '4/6 Microsoft.Network/privateEndpoints 1',
      '5/6 Microsoft.Network/privateDnsZones 2', '6/6 Microsoft.Network/dnsForwardingRulesets 2',
    ]);
    // One item per page: the SDK followed nextLink to the second route table.
    expect(fake.requests.filter((line) => line === `GET /subscriptions/${SUB}/providers/Microsoft.Network/routeTables`)).toHaveLength(2);
  });

  it('keeps to the regions asked for; private DNS zones are global and always kept', async () => {
    const reader = new AzureStateReader({ clientOptions: fake.clientOptions });

    const { snapshot } = await reader.capture({ cloud: 'azure', account: SUB }, ['northeurope']);

    expect(snapshot.resources.map((r) => [r.kind, r.region])).toEqual([['dns-zone', 'global'], ['dns-zone', 'global']]);
  });

  it('refuses an account that is not a subscription id, reading nothing', async () => {
    const reader = new AzureStateReader({ clientOptions: fake.clientOptions });

    await expect(reader.capture({ cloud: 'azure', account: 'rg-net' }, [])).rejects.toThrow(ConfigError);
    expect(fake.requests).toEqual([]);
  });
});

describe('capture through Resource Graph', () => {
  beforeEach(() => {
    const table = fake.store.get(RT) ?? { id: RT };
    fake.store.put({ ...table, id: rtOf(SUB2), properties: { routes: [] } });
    fake.managementGroups.set('mg-platform', [SUB, SUB2, SUB3]);
  });

  it('a management group: one snapshot per subscription, ids paged with $skipToken, each resource read through ARM', async () => {
    const done: string[] = [];

    const result = await captureWithResourceGraph({ managementGroups: ['mg-platform'] }, [], {
      clientOptions: fake.clientOptions, pageSize: 2, onSubscription: (subscription, n, total) => done.push(`${n}/${total} ${subscription}`),
    });

    expect(result.failures).toEqual([]);
    expect(result.snapshots.map((s) => [s.scope.account, s.resources.length])).toEqual([[SUB3, 0], [SUB2, 1], [SUB, 9]].sort());
    expect(result.snapshots.find((s) => s.scope.account === SUB)?.resources).toEqual(expectedSnapshot().resources);
    expect(result.snapshots.find((s) => s.scope.account === SUB2)?.resources).toEqual([
      { kind: 'route-table', id: rtOf(SUB2), region: 'westeurope', routes: [], subnets: [] },
    ]);
    // 11 rows of watched resources and 3 subscriptions, two per page.
    expect(fake.requests.filter((line) => line.startsWith('POST /providers/Microsoft.ResourceGraph/resources'))).toHaveLength(6 + 2);
    expect(done).toEqual([SUB, SUB2, SUB3].sort().map((s, i) => `${i + 1}/3 ${s}`));
  });

  it('named subscriptions: only those', async () => {
    const result = await captureWithResourceGraph({ subscriptions: [SUB2] }, [], { clientOptions: fake.clientOptions });

    expect(result.snapshots.map((s) => s.scope.account)).toEqual([SUB2]);
  });

  it('a resource gone between the query and its read is left out', async () => {
    fake.failNext(/^GET .*\/routeTables\/rt-other$/i, { status: 404, body: { error: { code: 'ResourceNotFound', message: 'gone' } } });

    const result = await captureWithResourceGraph({ subscriptions: [SUB] }, [], { clientOptions: fake.clientOptions });

    expect(result.snapshots[0]?.resources.filter((r) => r.kind === 'route-table').map((r) => r.id)).toEqual([RT]);
  });
});
