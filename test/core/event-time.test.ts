import { describe, expect, it } from 'vitest';
import { MAX_CLOCK_SKEW_MS, trustedTime } from '../../core/change.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../core/snapshot.js';
import { awsChange, pipelineWith } from '../support/pipeline-harness.js';
import { base } from './base-resources.js';

const toIgw = { op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } } } as const;
const toNat = { op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-01' } } } as const;
const baseline: Snapshot = { schema: SNAPSHOT_SCHEMA, scope: { cloud: 'aws', account: '111122223333' }, capturedAt: '2026-11-25T00:00:00Z', resources: [base('route-table')] };

describe('event times later than their arrival', () => {
  it('are clamped to the receive time, past the allowed skew only', () => {
    const received = new Date('2026-11-26T10:00:00Z');
    const within = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'none' }, time: new Date(received.getTime() + MAX_CLOCK_SKEW_MS).toISOString() });
    const beyond = awsChange({ kind: 'route-table', id: 'rtb-0a1', payload: { kind: 'none' }, time: '2099-01-01T00:00:00Z' });

    expect(trustedTime(within, received)).toBe(within);
    expect(trustedTime(beyond, received)).toMatchObject({
      time: '2026-11-26T10:00:00.000Z', clockSkew: { claimed: '2099-01-01T00:00:00Z', receivedAt: '2026-11-26T10:00:00.000Z' },
    });
  });

  it('cannot blind a resource: a forged change dated 2099 opens a finding that says so, and a genuine later change still applies', async () => {
    let now = new Date('2026-11-26T10:00:00Z');
    const harness = await pipelineWith([baseline], { now: () => now });
    try {
      const forged = await harness.pipeline.applyRecord('forged', [awsChange({
        kind: 'route-table', id: 'rtb-0a1', time: '2099-01-01T00:00:00Z', payload: { kind: 'delta', deltas: [toIgw] },
      })]);
      now = new Date('2026-11-26T10:10:00Z');
      const genuine = await harness.pipeline.applyRecord('genuine', [awsChange({
        kind: 'route-table', id: 'rtb-0a1', time: '2026-11-26T10:05:00Z', payload: { kind: 'delta', deltas: [toNat] },
      })]);

      expect(forged.status).toBe('applied');
      expect(forged.opened).toHaveLength(1);
      expect(forged.opened[0]).toMatchObject({
        rule: 'route.target-changed', eventTime: '2026-11-26T10:00:00.000Z',
        clockSkew: { claimed: '2099-01-01T00:00:00Z', receivedAt: '2026-11-26T10:00:00.000Z' },
        summary: expect.stringMatching(/\(event dated 2099-01-01T00:00:00Z, later than it arrived: ordered by its receive time 2026-11-26T10:00:00.000Z\)$/) as unknown,
      });
      expect(genuine.status).toBe('applied');
      expect(genuine.resolved.map((f) => f.rule)).toEqual(['route.target-changed']);
    } finally {
      await harness.close();
    }
  });
});
