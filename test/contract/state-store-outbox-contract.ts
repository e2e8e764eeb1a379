import { beforeEach, describe, expect, it } from 'vitest';
import type { OutboxEntry, StateStore } from '../../core/ports.js';
import { commitOf, inHours } from './commits.js';
import { sampleFinding } from './samples.js';

const RETRY = { error: 'slack: 429 Too Many Requests', retryable: true } as const;
const REJECTION = { error: 'slack: 400 invalid_blocks', retryable: false } as const;

/** The outbox part of the `StateStore` contract (state-store-contract.ts), on the store of each test. */
export function describeOutboxContract(current: () => StateStore): void {
  let store: StateStore;
  beforeEach(() => {
    store = current();
  });

  describe('outbox', () => {
    it('gives pending alerts oldest first, up to the limit', async () => {
      const first = sampleFinding({ resource: 'rtb-1' });
      const second = sampleFinding({ resource: 'rtb-2' });
      await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: first }, { sink: 'pagerduty', finding: first }] }));
      await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: second }] }));

      const pending = await store.pendingOutbox(2);

      expect(pending.map((entry) => [entry.sink, entry.finding.resource])).toEqual([['slack', 'rtb-1'], ['pagerduty', 'rtb-1']]);
      expect(pending[0]).toMatchObject({ attempts: 0, finding: first, state: 'pending' });
      expect(pending[0]?.nextAttemptAt).toBeUndefined();
      expect(Number.isNaN(Date.parse(pending[0]?.createdAt ?? ''))).toBe(false);
      expect((await store.pendingOutbox()).map((entry) => entry.finding.resource)).toEqual(['rtb-1', 'rtb-1', 'rtb-2']);
    });

    it('drops a delivered alert', async () => {
      await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }, { sink: 'pagerduty', finding: sampleFinding() }] }));
      const [delivered] = await store.pendingOutbox();

      await store.outboxDelivered(delivered?.id ?? '');

      expect((await store.pendingOutbox()).map((entry) => entry.sink)).toEqual(['pagerduty']);
    });

    it('drops every entry of a storm message delivered in one write, and only the lease holder\'s', async () => {
      const findings = ['rtb-1', 'rtb-2', 'rtb-3'].map((resource) => sampleFinding({ resource }));
      await store.commit(commitOf({ outbox: [...findings.map((finding) => ({ sink: 'slack', finding })), { sink: 'pagerduty', finding: sampleFinding() }] }));
      const leased = await store.leaseOutbox(10, { leaseMs: 60_000, owner: 'worker-a', sink: 'slack' });

      await store.outboxDelivered(leased.map((entry) => entry.id), 'worker-b');
      expect((await store.pendingOutbox(10, new Date(Date.now() + 120_000))).map((e) => e.sink).sort()).toEqual(['pagerduty', 'slack', 'slack', 'slack']);
      await store.outboxDelivered(leased.map((entry) => entry.id), 'worker-a');

      expect(leased).toHaveLength(3);
      expect((await store.listOutbox()).map((entry) => entry.sink)).toEqual(['pagerduty']);
    });

    it('counts failed attempts and keeps the last error', async () => {
      await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }] }));
      const [entry] = await store.pendingOutbox();

      await store.outboxFailed(entry?.id ?? '', RETRY);
      await store.outboxFailed(entry?.id ?? '', { error: 'slack: 503 Service Unavailable', retryable: true });

      expect(await store.pendingOutbox()).toEqual([{ ...entry, attempts: 2, lastError: 'slack: 503 Service Unavailable' }]);
    });

    it('keeps an entry pending after a retryable failure, due at the time it gives', async () => {
      await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }] }));
      const [entry] = await store.pendingOutbox();
      const notBefore = inHours(1);

      await store.outboxFailed(entry?.id ?? '', { ...RETRY, notBefore });

      expect(await store.listOutbox()).toEqual([{ ...entry, attempts: 1, lastError: RETRY.error, state: 'pending', nextAttemptAt: notBefore }]);
    });

    it('gives only the entries due at `now`, a retry time included', async () => {
      const [late, onTime] = [sampleFinding({ resource: 'rtb-late' }), sampleFinding({ resource: 'rtb-on-time' })];
      await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: late }, { sink: 'slack', finding: onTime }] }));
      const [entry] = await store.pendingOutbox();
      const notBefore = inHours(1);
      await store.outboxFailed(entry?.id ?? '', { ...RETRY, notBefore });

      const resources = async (now?: Date) => (await store.pendingOutbox(100, now)).map((e) => e.finding.resource);

      expect(await resources()).toEqual(['rtb-on-time']);
      expect(await resources(new Date(Date.parse(notBefore) - 1))).toEqual(['rtb-on-time']);
      expect(await resources(new Date(notBefore))).toEqual(['rtb-late', 'rtb-on-time']);
    });

    it('makes an entry due now after a retryable failure without a time', async () => {
      await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }] }));
      const [entry] = await store.pendingOutbox();
      await store.outboxFailed(entry?.id ?? '', { ...RETRY, notBefore: inHours(1) });

      await store.outboxFailed(entry?.id ?? '', RETRY);

      expect(await store.pendingOutbox()).toEqual([{ ...entry, attempts: 2, lastError: RETRY.error }]);
    });

    it('refuses a retry time that is not a date, leaving the entry as it was', async () => {
      await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }] }));
      const [entry] = await store.pendingOutbox();

      await expect(store.outboxFailed(entry?.id ?? '', { ...RETRY, notBefore: 'in a minute' })).rejects.toThrow(/not a date/);

      expect(await store.listOutbox()).toEqual([entry]);
    });

    it('rejects an entry after a permanent failure: listed as rejected, never pending', async () => {
      const [refused, other] = [sampleFinding({ resource: 'rtb-refused' }), sampleFinding({ resource: 'rtb-other' })];
      await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: refused }, { sink: 'slack', finding: other }] }));
      const [entry] = await store.pendingOutbox();

      await store.outboxFailed(entry?.id ?? '', REJECTION);

      expect((await store.pendingOutbox(100, new Date(inHours(24 * 365)))).map((e) => e.finding.resource)).toEqual(['rtb-other']);
      expect(await store.listOutbox({ state: 'rejected' })).toEqual([{ ...entry, attempts: 1, lastError: REJECTION.error, state: 'rejected' }]);
      expect((await store.listOutbox({ state: 'pending' })).map((e) => e.finding.resource)).toEqual(['rtb-other']);
    });

    it('lists every entry oldest first, whatever its state', async () => {
      for (const resource of ['rtb-1', 'rtb-2', 'rtb-3']) {
        await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding({ resource }) }] }));
      }
      const [, second, third] = await store.pendingOutbox();
      await store.outboxFailed(second?.id ?? '', REJECTION);
      await store.outboxFailed(third?.id ?? '', { ...RETRY, notBefore: inHours(1) });

      const listed = await store.listOutbox();

      expect(listed.map((e) => [e.finding.resource, e.state])).toEqual([['rtb-1', 'pending'], ['rtb-2', 'rejected'], ['rtb-3', 'pending']]);
    });

    describe('redrive', () => {
      /** Three entries: rtb-1 and rtb-3 rejected (rtb-1 after a retry), rtb-2 waiting an hour. */
      async function rejectedAndWaiting(): Promise<OutboxEntry[]> {
        const findings = ['rtb-1', 'rtb-2', 'rtb-3'].map((resource) => sampleFinding({ resource }));
        await store.commit(commitOf({ outbox: findings.map((finding) => ({ sink: 'slack', finding })) }));
        const entries = await store.pendingOutbox();
        const [first, second, third] = entries.map((e) => e.id);
        await store.outboxFailed(first ?? '', RETRY);
        await store.outboxFailed(first ?? '', REJECTION);
        await store.outboxFailed(second ?? '', { ...RETRY, notBefore: inHours(1) });
        await store.outboxFailed(third ?? '', REJECTION);
        return entries;
      }

      it('makes every rejected entry pending and due now, its attempts counted afresh', async () => {
        await rejectedAndWaiting();

        const redriven = await store.redriveOutbox();

        expect(redriven).toBe(2);
        expect(await store.listOutbox({ state: 'rejected' })).toEqual([]);
        const pending = await store.pendingOutbox();
        expect(pending.map((e) => [e.finding.resource, e.state, e.attempts])).toEqual([['rtb-1', 'pending', 0], ['rtb-3', 'pending', 0]]);
        expect(pending.map((e) => e.nextAttemptAt)).toEqual([undefined, undefined]);
      });

      it('makes only the given entries pending and due now, counting those it found', async () => {
        const [, second, third] = await rejectedAndWaiting();

        const redriven = await store.redriveOutbox([second?.id ?? '', third?.id ?? '', 'no-such-entry']);

        expect(redriven).toBe(2);
        expect((await store.listOutbox({ state: 'rejected' })).map((e) => e.finding.resource)).toEqual(['rtb-1']);
        expect((await store.pendingOutbox()).map((e) => [e.finding.resource, e.attempts, e.nextAttemptAt]))
          .toEqual([['rtb-2', 0, undefined], ['rtb-3', 0, undefined]]);
      });

      it('redrives nothing when nothing was rejected', async () => {
        await store.commit(commitOf({ outbox: [{ sink: 'slack', finding: sampleFinding() }] }));

        expect(await store.redriveOutbox()).toBe(0);
        expect(await store.pendingOutbox()).toHaveLength(1);
      });
    });
  });
}
