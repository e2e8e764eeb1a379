import { afterEach, describe, expect, it } from 'vitest';
import { PermanentReadError, TransientError } from '../../core/errors.js';
import type { StateReader } from '../../core/ports.js';
import type { Resource } from '../../core/resource.js';
import { awsChange, pipelineWith } from '../support/pipeline-harness.js';
import { awsBaseline, base } from './base-resources.js';

const toIgw = { op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } } } as const;
const toNat = { op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-01' } } } as const;
const rules = (findings: { rule: string; status: string }[]) => findings.map((f) => `${f.status} ${f.rule}`);

let harness: Awaited<ReturnType<typeof pipelineWith>> | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

describe('pipeline: event path', () => {
  it('applies a delta to the baseline and opens a finding with an outbox entry per sink', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const change = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });

    const outcome = await harness.pipeline.applyRecord(change.eventId, [change]);

    expect(outcome.status).toBe('applied');
    expect(outcome.opened.map((f) => [f.rule, f.severity, f.resource, f.item, f.eventId])).toEqual([
      ['route.target-changed', 'critical', 'rtb-0a1', '0.0.0.0/0', change.eventId],
    ]);
    expect((await harness.state.pendingOutbox()).map((e) => [e.sink, e.finding.rule])).toEqual([['console', 'route.target-changed']]);
  });

  it('a redelivered event id opens nothing twice', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const change = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });
    await harness.pipeline.applyRecord(change.eventId, [change]);

    const again = await harness.pipeline.applyRecord(change.eventId, [change]);

    expect(again.status).toBe('duplicate');
    expect(await harness.state.pendingOutbox()).toHaveLength(1);
  });

  it('the same drift from a second event is not opened again, but carries both event ids', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const first = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });
    const second = awsChange({ kind: 'route-table', id: 'rtb-0a1', time: '2026-11-26T10:01:00Z', payload: { kind: 'delta', deltas: [toIgw] } });
    await harness.pipeline.applyRecord(first.eventId, [first]);

    const outcome = await harness.pipeline.applyRecord(second.eventId, [second]);

    expect(outcome.opened).toEqual([]);
    expect((await harness.state.listFindings({ status: 'open' }))[0]?.eventIds).toEqual([first.eventId, second.eventId]);
  });

  it('a revert resolves the finding', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const drift = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });
    const revert = awsChange({ kind: 'route-table', id: 'rtb-0a1', time: '2026-11-26T10:05:00Z', payload: { kind: 'delta', deltas: [toNat] } });
    const opened = await harness.pipeline.applyRecord(drift.eventId, [drift]);

    const outcome = await harness.pipeline.applyRecord(revert.eventId, [revert]);

    expect(rules(outcome.resolved)).toEqual(['resolved route.target-changed']);
    expect(outcome.resolved[0]?.fingerprint).toBe(opened.opened[0]?.fingerprint);
    expect(await harness.state.listFindings({ status: 'open' })).toEqual([]);
  });

  it('an event older than the last applied one is not applied, but is marked processed', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const newer = awsChange({ kind: 'route-table', id: 'rtb-0a1', time: '2026-11-26T10:05:00Z', payload: { kind: 'delta', deltas: [toNat] } });
    const older = awsChange({ kind: 'route-table', id: 'rtb-0a1', time: '2026-11-26T10:00:00Z', payload: { kind: 'delta', deltas: [toIgw] } });
    await harness.pipeline.applyRecord(newer.eventId, [newer]);

    const outcome = await harness.pipeline.applyRecord(older.eventId, [older]);

    expect(outcome).toMatchObject({ status: 'stale', opened: [] });
    expect(await harness.state.isProcessed(`aws:${older.eventId}`)).toBe(true);
  });

  it('events with equal times apply in arrival order', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const a = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });
    const b = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toNat] } });
    await harness.pipeline.applyRecord(a.eventId, [a]);

    const outcome = await harness.pipeline.applyRecord(b.eventId, [b]);

    expect(rules(outcome.resolved)).toEqual(['resolved route.target-changed']);
  });

  it('a write with no state and no reader is change.unverified, resolved once the resource is seen equal', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const write = awsChange({ kind: 'nat-gateway', id: 'nat-01', operation: 'ec2:SomeWrite', payload: { kind: 'none' } });
    const seen = awsChange({ kind: 'nat-gateway', id: 'nat-01', time: '2026-11-26T10:05:00Z', payload: { kind: 'full', state: base('nat-gateway') } });

    const unverified = await harness.pipeline.applyRecord(write.eventId, [write]);
    const verified = await harness.pipeline.applyRecord(seen.eventId, [seen]);

    expect(unverified.opened.map((f) => [f.rule, f.severity])).toEqual([['change.unverified', 'high']]);
    expect(unverified.opened[0]?.summary).toContain('ec2:SomeWrite');
    expect(rules(verified.resolved)).toEqual(['resolved change.unverified']);
  });

  it('a top-level delete needs no read', async () => {
    const reads: string[] = [];
    harness = await pipelineWith([awsBaseline()], { reader: { read: async (ref) => { reads.push(ref.id); return { exists: true, state: base('private-endpoint') }; } } });
    const del = awsChange({ kind: 'private-endpoint', id: 'vpce-01', action: 'delete', payload: { kind: 'none' } });

    const outcome = await harness.pipeline.applyRecord(del.eventId, [del]);

    expect(rules(outcome.opened)).toEqual(['open private-endpoint.deleted']);
    expect(reads).toEqual([]);
  });
});

describe('pipeline: live reads', () => {
  const readerOf = (read: StateReader['read']): StateReader => ({ read });

  it('prefers the live read over the payload', async () => {
    const live: Resource = { ...base('route-table'), routes: [...base('route-table').routes, { destination: '8.8.8.8/32', target: { type: 'internet', id: 'igw-01' } }] };
    harness = await pipelineWith([awsBaseline()], { reader: readerOf(async () => ({ exists: true, state: live })) });
    const change = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });

    const outcome = await harness.pipeline.applyRecord(change.eventId, [change]);

    expect(outcome.opened.map((f) => [f.rule, f.item])).toEqual([['route.added', '8.8.8.8/32']]);
  });

  it('a transient read error fails the record without marking it processed, so a retry works', async () => {
    let fail = true;
    harness = await pipelineWith([awsBaseline()], {
      adapters: [{ name: 'test', cloud: 'aws', matches: () => true, parse: () => [{ status: 'changes', eventId: change.eventId, changes: [change] }] }],
      reader: readerOf(async () => { if (fail) throw new TransientError('Throttling: rate exceeded'); return { exists: false }; }),
    });
    const change = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });

    const first = await harness.pipeline.handle({});
    fail = false;
    const retry = await harness.pipeline.handle({});

    expect(first.records[0]).toMatchObject({ status: 'failed', retryable: true, reason: 'Throttling: rate exceeded' });
    expect(retry.records[0]?.opened.map((f) => f.rule)).toEqual(['route-table.deleted']);
  });

  it('a permanent read error is change.unverified', async () => {
    harness = await pipelineWith([awsBaseline()], { reader: readerOf(async () => { throw new PermanentReadError('AccessDenied'); }) });
    const change = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });

    const outcome = await harness.pipeline.applyRecord(change.eventId, [change]);

    expect(outcome.opened.map((f) => f.rule)).toEqual(['change.unverified']);
    expect(outcome.opened[0]?.summary).toContain('AccessDenied');
  });
});

describe('pipeline: accounts, locating and moving', () => {
  it('an account without a baseline yields no finding and one warning', async () => {
    harness = await pipelineWith([]);
    const a = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });
    const b = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toNat] } });

    const outcomes = [await harness.pipeline.applyRecord(a.eventId, [a]), await harness.pipeline.applyRecord(b.eventId, [b])];

    expect(outcomes.map((o) => o.status)).toEqual(['no-baseline', 'no-baseline']);
    expect(harness.warnings).toHaveLength(1);
    expect(harness.warnings[0]).toContain('aws/111122223333');
  });

  it('locates a route table by its association id (DisassociateRouteTable)', async () => {
    const table = { ...base('route-table'), associations: [{ id: 'rtbassoc-01', subnet: 'subnet-01' }] };
    harness = await pipelineWith([awsBaseline([table])]);
    const change = awsChange({
      kind: 'route-table', id: '', locate: { field: 'associations', match: { id: 'rtbassoc-01' } },
      payload: { kind: 'delta', deltas: [{ op: 'remove-item', field: 'associations', match: { id: 'rtbassoc-01' }, cascade: { field: 'subnets', property: 'subnet' } }] },
    });

    const outcome = await harness.pipeline.applyRecord(change.eventId, [change]);

    expect(outcome.opened.map((f) => [f.rule, f.resource, f.item])).toEqual([['route-table.association-changed', 'rtb-0a1', 'subnet-01']]);
  });

  it('moves an association between tables and reports on both (ReplaceRouteTableAssociation)', async () => {
    const from = { ...base('route-table'), associations: [{ id: 'rtbassoc-01', subnet: 'subnet-01' }] };
    const to = { ...base('route-table'), id: 'rtb-0b2', routes: [], subnets: [], propagations: [], associations: [] };
    harness = await pipelineWith([awsBaseline([from, to])]);
    const change = awsChange({
      kind: 'route-table', id: 'rtb-0b2',
      payload: { kind: 'delta', deltas: [{ op: 'move-item', field: 'associations', match: { id: 'rtbassoc-01' }, set: { id: 'rtbassoc-02' }, cascade: { field: 'subnets', property: 'subnet' } }] },
    });

    const outcome = await harness.pipeline.applyRecord(change.eventId, [change]);

    expect(outcome.opened.map((f) => [f.rule, f.resource, f.item]).sort()).toEqual([
      ['route-table.association-changed', 'rtb-0a1', 'subnet-01'], ['route-table.association-changed', 'rtb-0b2', 'subnet-01'],
    ]);
  });

  it('an association nobody holds is change.unverified, not silence', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const change = awsChange({
      kind: 'route-table', id: '', locate: { field: 'associations', match: { id: 'rtbassoc-zz' } },
      payload: { kind: 'delta', deltas: [{ op: 'remove-item', field: 'associations', match: { id: 'rtbassoc-zz' } }] },
    });

    const outcome = await harness.pipeline.applyRecord(change.eventId, [change]);

    expect(outcome.opened.map((f) => [f.rule, f.resource])).toEqual([['change.unverified', 'rtbassoc-zz']]);
  });
});

describe('pipeline: reconcile', () => {
  it('opens drift no event reported and resolves what was put back', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const change = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });
    await harness.pipeline.applyRecord(change.eventId, [change]);
    const live = awsBaseline();
    live.resources = live.resources.filter((r) => r.kind !== 'private-endpoint');

    const outcome = await harness.pipeline.reconcile(live);

    expect(rules(outcome.opened)).toEqual(['open private-endpoint.deleted']);
    expect(rules(outcome.resolved)).toEqual(['resolved route.target-changed']);
  });

  it('finds the same fingerprints as the event path', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const change = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });
    const byEvent = await harness.pipeline.applyRecord(change.eventId, [change]);
    const live = awsBaseline();
    const table = live.resources.find((r) => r.kind === 'route-table');
    if (table?.kind === 'route-table') table.routes[1] = { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } };

    const outcome = await harness.pipeline.reconcile(live);

    expect(outcome.opened).toEqual([]);
    expect(outcome.resolved).toEqual([]);
    expect((await harness.state.listFindings({ status: 'open' })).map((f) => f.fingerprint)).toEqual(byEvent.opened.map((f) => f.fingerprint));
  });
});

describe('pipeline: reconcile over part of an account', () => {
  it('leaves regions the capture could not read as they were', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const live = awsBaseline();
    live.resources = live.resources.filter((r) => r.region !== 'eu-west-1');

    const outcome = await harness.pipeline.reconcile(live, { regions: ['global', 'europe-west1'] });

    expect(outcome.opened).toEqual([]);
  });
});

describe('pipeline: suppressions', () => {
  it('records a suppressed finding without an outbox entry, and does not send its resolve', async () => {
    harness = await pipelineWith([awsBaseline()], { suppress: (f) => (f.rule === 'route.target-changed' ? { reason: 'change window CHG-1', until: '2026-12-01T00:00:00Z' } : undefined) });
    const drift = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'delta', deltas: [toIgw] } });
    const revert = awsChange({ kind: 'route-table', id: 'rtb-0a1', time: '2026-11-26T10:05:00Z', payload: { kind: 'delta', deltas: [toNat] } });

    const opened = await harness.pipeline.applyRecord(drift.eventId, [drift]);
    const stored = await harness.state.listFindings({ status: 'open' });
    const resolved = await harness.pipeline.applyRecord(revert.eventId, [revert]);

    expect(opened.opened[0]?.suppressed).toEqual({ reason: 'change window CHG-1', until: '2026-12-01T00:00:00Z' });
    expect(stored.map((f) => f.suppressed?.reason)).toEqual(['change window CHG-1']);
    expect(resolved.resolved.map((f) => f.rule)).toEqual(['route.target-changed']);
    expect(await harness.state.pendingOutbox()).toEqual([]);
  });
});

describe('pipeline: what no adapter accepts', () => {
  it('is rejected naming at most five of its keys, each cut short', async () => {
    harness = await pipelineWith([awsBaseline()]);
    const outcome = await harness.pipeline.handle({ ['k'.repeat(100_000)]: 1, b: 2 });
    expect(outcome.records).toMatchObject([{ status: 'rejected' }]);
    expect(outcome.records[0]?.reason?.length).toBeLessThan(120);
    expect(outcome.records[0]?.reason).toMatch(/^not a recognised event \(keys: k+…, b\)$/);
  });
});
