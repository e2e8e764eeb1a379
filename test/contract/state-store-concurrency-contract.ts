import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../core/errors.js';
import type { OutboxEntry, StateCommit, StateStore } from '../../core/ports.js';
import { sampleFinding } from './samples.js';

/** Many workers on one store: `workers(n)` gives n stores sharing one backing (a file, a table), each its own connection where the store has one. */
export interface SharedStoreFixture {
  workers(count: number): Promise<StateStore[]>;
  cleanup(): Promise<void>;
}

const WORKERS = 20;
const KEYS = 50;
/** The cases with a thousand conditional writes: moto answers one request at a time. */
const HEAVY_MS = 120_000;
const T0 = Date.parse('2026-11-26T12:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

function commitOf(change: Partial<StateCommit>): StateCommit {
  return { processed: [], observed: [], findings: [], outbox: [], ...change };
}

/** `count` alerts for slack, each its own finding, committed in one go. */
function alerts(count: number, sink = 'slack'): StateCommit {
  const findings = Array.from({ length: count }, (_, i) => sampleFinding({ resource: `rtb-${String(i).padStart(3, '0')}` }));
  return commitOf({ findings, outbox: findings.map((finding) => ({ sink, finding })) });
}

/** A different order of the same items for each worker, so that they collide all along. */
function rotated<T>(items: readonly T[], by: number): T[] {
  return [...items.slice(by % items.length), ...items.slice(0, by % items.length)];
}

/**
 * The `StateStore`'s promises under many concurrent workers (DESIGN.md, "Concurrency"): of N
 * workers claiming the same key, exactly one wins; of N leasing the same outbox, each entry goes to
 * one; an expired claim or lease is taken over; a shared rate limit holds across all of them.
 */
export function describeStateStoreConcurrencyContract(name: string, open: () => Promise<SharedStoreFixture>): void {
  describe(`StateStore concurrency contract: ${name}`, () => {
    let fixture: SharedStoreFixture;
    beforeEach(async () => {
      fixture = await open();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it(`${WORKERS} workers claiming the same ${KEYS} keys at once: each key is claimed by exactly one`, async () => {
      const workers = await fixture.workers(WORKERS);
      const keys = Array.from({ length: KEYS }, (_, i) => `aws:evt-${i}`);

      const results = await Promise.all(workers.map(async (store, w) => {
        const claimed: string[] = [];
        for (const key of rotated(keys, w * 3)) {
          if (await store.claim(key, { leaseMs: 60_000, owner: `worker-${w}`, now: at(0) }) === 'claimed') claimed.push(key);
        }
        return claimed;
      }));

      const all = results.flat();
      expect(all).toHaveLength(KEYS);
      expect(new Set(all).size).toBe(KEYS);
    }, HEAVY_MS);

    it('tells a claim in progress from one done, and makes the commit turn it into done', async () => {
      const [a, b] = await fixture.workers(2) as [StateStore, StateStore];
      await a.claim('aws:evt-1', { leaseMs: 60_000, owner: 'a', now: at(0) });

      expect(await b.claim('aws:evt-1', { leaseMs: 60_000, owner: 'b', now: at(1_000) })).toBe('in-progress');
      expect(await b.isProcessed('aws:evt-1')).toBe(false);
      await a.commit(commitOf({ processed: [{ key: 'aws:evt-1', expiresAt: at(3_600_000).toISOString(), claimedBy: 'a' }] }));
      expect(await b.claim('aws:evt-1', { leaseMs: 60_000, owner: 'b', now: at(2_000) })).toBe('done');
    });

    it('takes over a claim past its expiry, and refuses the commit of the worker that lost it', async () => {
      const [a, b] = await fixture.workers(2) as [StateStore, StateStore];
      await a.claim('aws:evt-1', { leaseMs: 1_000, owner: 'a', now: at(0) });

      const taken = await b.claim('aws:evt-1', { leaseMs: 1_000, owner: 'b', now: at(1_500) });
      const late = a.commit({ ...alerts(1), processed: [{ key: 'aws:evt-1', expiresAt: at(3_600_000).toISOString(), claimedBy: 'a' }] });

      expect(taken).toBe('claimed');
      await expect(late).rejects.toBeInstanceOf(ConflictError);
      expect(await b.listOutbox()).toEqual([]);
      await b.commit(commitOf({ processed: [{ key: 'aws:evt-1', expiresAt: at(3_600_000).toISOString(), claimedBy: 'b' }] }));
      expect(await a.claim('aws:evt-1', { leaseMs: 1_000, owner: 'a', now: at(2_000) })).toBe('done');
    });

    it('lets a released claim be claimed at once, and releases only its own', async () => {
      const [a, b] = await fixture.workers(2) as [StateStore, StateStore];
      await a.claim('aws:evt-1', { leaseMs: 60_000, owner: 'a', now: at(0) });

      await b.release('aws:evt-1', 'b');
      expect(await b.claim('aws:evt-1', { leaseMs: 60_000, owner: 'b', now: at(1) })).toBe('in-progress');
      await a.release('aws:evt-1', 'a');
      expect(await b.claim('aws:evt-1', { leaseMs: 60_000, owner: 'b', now: at(2) })).toBe('claimed');
    });

    it(`${WORKERS} workers leasing the same outbox at once: each entry is leased once`, async () => {
      const workers = await fixture.workers(WORKERS);
      await workers[0]?.commit(alerts(KEYS));

      const leased = await Promise.all(workers.map(async (store, w) => {
        const mine: OutboxEntry[] = [];
        for (let round = 0; round < 3; round += 1) mine.push(...await store.leaseOutbox(10, { leaseMs: 60_000, owner: `worker-${w}`, now: at(0) }));
        return mine;
      }));

      const ids = leased.flat().map((entry) => entry.id);
      expect(ids).toHaveLength(KEYS);
      expect(new Set(ids).size).toBe(KEYS);
      expect(leased.flat().every((entry) => entry.leasedBy !== undefined)).toBe(true);
    }, HEAVY_MS);

    it('leases an entry again once its lease expired; only the holder settles it', async () => {
      const [a, b] = await fixture.workers(2) as [StateStore, StateStore];
      await a.commit(alerts(2));
      const first = await a.leaseOutbox(10, { leaseMs: 1_000, owner: 'a', now: at(0) });

      const during = await b.leaseOutbox(10, { leaseMs: 1_000, owner: 'b', now: at(500) });
      const after = await b.leaseOutbox(10, { leaseMs: 1_000, owner: 'b', now: at(1_500) });
      await a.outboxDelivered(first[0]?.id ?? '', 'a');
      await a.outboxFailed(first[1]?.id ?? '', { error: 'slack: timed out', retryable: false }, 'a');

      expect(first).toHaveLength(2);
      expect(during).toEqual([]);
      expect(after.map((e) => e.id)).toEqual(first.map((e) => e.id));
      expect((await b.listOutbox()).map((e) => [e.state, e.leasedBy])).toEqual([['pending', 'b'], ['pending', 'b']]);
      await b.outboxDelivered(after[0]?.id ?? '', 'b');
      await b.outboxReleased(after[1]?.id ?? '', 'b');
      expect((await b.pendingOutbox(10, at(1_600))).map((e) => e.id)).toEqual([after[1]?.id]);
    });

    it('keeps a resolve behind its trigger while another worker holds the trigger', async () => {
      const [a, b] = await fixture.workers(2) as [StateStore, StateStore];
      const trigger = sampleFinding();
      await a.commit(commitOf({ outbox: [{ sink: 'pagerduty', finding: trigger }] }));
      await a.commit(commitOf({ outbox: [{ sink: 'pagerduty', finding: { ...trigger, status: 'resolved', resolvedAt: '2026-11-26T11:00:00Z' } }] }));

      const held = await a.leaseOutbox(1, { leaseMs: 60_000, owner: 'a', now: at(0) });
      const other = await b.leaseOutbox(10, { leaseMs: 60_000, owner: 'b', now: at(0) });

      expect(held.map((e) => e.finding.status)).toEqual(['open']);
      expect(other).toEqual([]);
    });

    it('leaves an entry being sent alone when it is redriven', async () => {
      const [a, b] = await fixture.workers(2) as [StateStore, StateStore];
      await a.commit(alerts(1));
      const [entry] = await a.leaseOutbox(1, { leaseMs: 60_000, owner: 'a', now: new Date() });

      expect(await b.redriveOutbox([entry?.id ?? ''])).toBe(0);
      expect(await b.leaseOutbox(1, { leaseMs: 60_000, owner: 'b' })).toEqual([]);
    });

    it(`holds a rate limit across ${WORKERS} workers: never more than its count in one window`, async () => {
      const workers = await fixture.workers(WORKERS);
      const limit = { count: 5, intervalMs: 1_000 };

      // Every worker asks at each tick of a clock they share (a quarter of the window apart).
      const times: number[] = [];
      for (let ms = 0; ms <= 2_000; ms += 250) {
        const slots = await Promise.all(workers.map((store) => store.takeSendSlot('slack', { ...limit, now: at(ms) })));
        times.push(...slots.filter((slot) => slot.ok).map(() => ms));
      }

      for (let i = limit.count; i < times.length; i += 1) expect((times[i] ?? 0) - (times[i - limit.count] ?? 0)).toBeGreaterThanOrEqual(limit.intervalMs);
      expect(times).toEqual([0, 0, 0, 0, 0, 1_000, 1_000, 1_000, 1_000, 1_000, 2_000, 2_000, 2_000, 2_000, 2_000]);
      const refused = await workers[0]?.takeSendSlot('slack', { ...limit, now: at(2_100) });
      expect(refused).toEqual({ ok: false, retryAt: at(3_000).toISOString() });
    }, HEAVY_MS);
  });
}
