import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../core/change.js';
import type { Resource } from '../../core/resource.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../core/snapshot.js';
import { pipelineWith } from '../support/pipeline-harness.js';

const SUB = '00000000-0000-0000-0000-000000000001';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network`;
const SUBNET = `${RG}/virtualNetworks/vnet1/subnets/app`;
const rtA: Resource = { kind: 'route-table', id: `${RG}/routeTables/rt-a`, region: 'westeurope', routes: [], subnets: [SUBNET] };
const rtB: Resource = { kind: 'route-table', id: `${RG}/routeTables/rt-b`, region: 'westeurope', routes: [], subnets: [] };

function azureBaseline(resources: Resource[]): Snapshot {
  return { schema: SNAPSHOT_SCHEMA, scope: { cloud: 'azure', account: SUB }, capturedAt: '2026-11-25T00:00:00Z', resources: structuredClone(resources) };
}

function subnetWrite(eventId: string): ChangeEvent {
  return {
    cloud: 'azure', account: SUB, region: 'westeurope', eventId, operation: 'Microsoft.Network/virtualNetworks/subnets/write',
    time: '2026-11-26T10:00:00Z', actor: { principal: 'alice@example.com' }, kind: 'route-table', id: '',
    select: { field: 'subnets', contains: SUBNET.toUpperCase() }, action: 'update', payload: { kind: 'none' },
  };
}

let harness: Awaited<ReturnType<typeof pipelineWith>> | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

describe('pipeline: selected resources', () => {
  it('a subnet moved between route tables is reported on both, read back through the reader', async () => {
    const live = new Map<string, Resource>([[rtA.id, { ...rtA, subnets: [] }], [rtB.id, { ...rtB, subnets: [SUBNET] }]]);
    harness = await pipelineWith([azureBaseline([rtA, rtB])], {
      reader: {
        read: async (ref) => { const r = live.get(ref.id); return r ? { exists: true, state: r } : { exists: false }; },
        select: async () => [rtB.id.toLowerCase()],
      },
    });

    const outcome = await harness.pipeline.applyRecord('eg-1', [subnetWrite('eg-1')]);

    expect(outcome.opened.map((f) => [f.rule, f.resource, f.item]).sort()).toEqual([
      ['route-table.association-changed', rtA.id, SUBNET], ['route-table.association-changed', rtB.id, SUBNET],
    ]);
  });

  it('without a reader, each known holder is change.unverified', async () => {
    harness = await pipelineWith([azureBaseline([rtA, rtB])]);

    const outcome = await harness.pipeline.applyRecord('eg-2', [subnetWrite('eg-2')]);

    expect(outcome.opened.map((f) => [f.rule, f.resource])).toEqual([['change.unverified', rtA.id]]);
  });

  it('without a reader or a known holder, the subnet itself is named unverified', async () => {
    harness = await pipelineWith([azureBaseline([rtB])]);

    const outcome = await harness.pipeline.applyRecord('eg-3', [subnetWrite('eg-3')]);

    expect(outcome.opened.map((f) => [f.rule, f.resource])).toEqual([['change.unverified', SUBNET.toUpperCase()]]);
  });
});

describe('pipeline: operations logged twice (GCP)', () => {
  const NET = 'projects/acme/global/networks/vpc-1';
  const network: Resource = { kind: 'route-table', id: NET, region: 'global', routes: [], subnets: [] };
  const insert = (eventId: string, time: string, extra: Partial<ChangeEvent> = {}): ChangeEvent => ({
    cloud: 'gcp', account: 'acme', region: 'global', eventId, operation: 'compute.routes.insert', time,
    actor: { principal: 'bob@acme.example' }, kind: 'route-table', id: NET, action: 'update',
    payload: { kind: 'delta', deltas: [{ op: 'put-item', field: 'routes', key: ['name'], item: { name: 'egress', destination: '0.0.0.0/0', target: { type: 'internet' } } }] },
    ...extra,
  });
  const gcpBaseline = (): Snapshot => ({ schema: SNAPSHOT_SCHEMA, scope: { cloud: 'gcp', account: 'acme' }, capturedAt: '2026-11-25T00:00:00Z', resources: [structuredClone(network)] });

  it('acts on the first entry; a successful last entry is a duplicate', async () => {
    harness = await pipelineWith([gcpBaseline()]);

    const first = await harness.pipeline.applyRecord('ins-1', [insert('ins-1', '2026-11-26T10:00:00Z')], { key: 'op-1', phase: 'first', failed: false });
    const last = await harness.pipeline.applyRecord('ins-2', [insert('ins-2', '2026-11-26T10:00:05Z', { payload: { kind: 'none' } })], { key: 'op-1', phase: 'last', failed: false });

    expect(first.opened.map((f) => f.rule)).toEqual(['route.default-added']);
    expect(last.status).toBe('duplicate');
  });

  it('a failed last entry re-checks what the first opened: without a reader, back to the baseline', async () => {
    harness = await pipelineWith([gcpBaseline()]);
    await harness.pipeline.applyRecord('ins-1', [insert('ins-1', '2026-11-26T10:00:00Z')], { key: 'op-1', phase: 'first', failed: false });

    const last = await harness.pipeline.applyRecord('ins-2', [insert('ins-2', '2026-11-26T10:00:05Z', { payload: { kind: 'none' }, rollback: true })], { key: 'op-1', phase: 'last', failed: true });

    expect(last.resolved.map((f) => f.rule)).toEqual(['route.default-added']);
  });

  it('a failed last entry seen before its first makes the first a failed call', async () => {
    harness = await pipelineWith([gcpBaseline()]);

    const last = await harness.pipeline.applyRecord('ins-2', [insert('ins-2', '2026-11-26T10:00:05Z', { payload: { kind: 'none' }, rollback: true })], { key: 'op-1', phase: 'last', failed: true });
    const first = await harness.pipeline.applyRecord('ins-1', [insert('ins-1', '2026-11-26T10:00:00Z')], { key: 'op-1', phase: 'first', failed: false });

    expect(last).toMatchObject({ status: 'ignored', opened: [] });
    expect(first).toMatchObject({ status: 'ignored', opened: [] });
    expect(first.reason).toMatch(/^failed-call: operation op-1 failed/);
  });
});
