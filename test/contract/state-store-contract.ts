import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../core/finding.js';
import type { ObservedState, OutboxEntry, StateCommit, StateStore } from '../../core/ports.js';
import type { Route, RouteTable } from '../../core/resource.js';
import {
  AWS_SCOPE, AZURE_ROUTE_TABLE_ID, AZURE_SCOPE, sampleFinding, sampleObserved, sampleRouteTable,
} from './samples.js';

/** A store under test and how to dispose of it (close it, delete its file or table). */
export interface StateStoreFixture {
  store: StateStore;
  cleanup(): Promise<void>;
}

const HOUR = 3_600_000;

function commitOf(change: Partial<StateCommit>): StateCommit {
  return { processed: [], observed: [], findings: [], outbox: [], ...change };
}

function inHours(hours: number): string {
  return new Date(Date.now() + hours * HOUR).toISOString();
}

const RETRY = { error: 'slack: 429 Too Many Requests', retryable: true } as const;
const REJECTION = { error: 'slack: 400 invalid_blocks', retryable: false } as const;

/**
 * The `StateStore` contract: every implementation (SQLite, DynamoDB, Table storage, Firestore)
 * must pass it. `makeStore` gives an empty store for each test.
 * A commit is all or nothing; a store must refuse (throw, writing nothing) an outbox finding
 * without a fingerprint and a processed id whose `expiresAt` is not a date.
 */
export function describeStateStoreContract(name: string, makeStore: () => Promise<StateStoreFixture>): void {
  describe(`StateStore contract: ${name}`, () => {
    let fixture: StateStoreFixture;
    let store: StateStore;
    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('processed event ids', () => {
      it('remembers an id until it expires', async () => {
        await store.commit(commitOf({ processed: [{ key: 'aws:evt-1', expiresAt: inHours(1) }] }));

        expect(await store.isProcessed('aws:evt-1')).toBe(true);
        expect(await store.isProcessed('aws:evt-2')).toBe(false);
      });

      it('forgets an id whose TTL passed, even before it is purged', async () => {
        await store.commit(commitOf({ processed: [{ key: 'aws:evt-1', expiresAt: inHours(-1) }] }));

        expect(await store.isProcessed('aws:evt-1')).toBe(false);
      });

      it('purges only the expired ids and says how many', async () => {
        await store.commit(commitOf({ processed: [
          { key: 'old-1', expiresAt: inHours(-2) }, { key: 'old-2', expiresAt: inHours(-1) }, { key: 'live', expiresAt: inHours(1) },
        ] }));

        const purged = await store.purgeExpired(new Date());

        expect(purged).toBe(2);
        expect(await store.isProcessed('live')).toBe(true);
      });
    });

    describe('observed state', () => {
      it('gives back the observed state of a resource', async () => {
        const observed = sampleObserved();

        await store.commit(commitOf({ observed: [observed] }));

        expect(await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual(observed);
      });

      it('keeps a resource seen not to exist as null state', async () => {
        const gone = { ...sampleObserved(), state: null, eventId: 'evt-2' };

        await store.commit(commitOf({ observed: [gone] }));

        expect(await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual(gone);
      });

      it('replaces the observed state of the same resource', async () => {
        await store.commit(commitOf({ observed: [sampleObserved()] }));
        const later = { ...sampleObserved(), state: null, eventTime: '2026-11-26T11:00:00Z', eventId: 'evt-2' };

        await store.commit(commitOf({ observed: [later] }));

        expect(await store.listObserved(AWS_SCOPE, 'route-table')).toEqual([later]);
      });

      it('gives nothing for a resource never observed', async () => {
        expect(await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-none')).toBeUndefined();
      });

      it('lists the observed resources of one kind in one account', async () => {
        const nat = { ...sampleObserved(), kind: 'nat-gateway' as const, id: 'nat-01', state: null };
        const other = sampleObserved({ cloud: 'aws', account: '444455556666' });
        await store.commit(commitOf({ observed: [sampleObserved(AWS_SCOPE, 'rtb-1'), sampleObserved(AWS_SCOPE, 'rtb-2'), nat, other] }));

        const listed = await store.listObserved(AWS_SCOPE, 'route-table');

        expect(listed.map((observed) => observed.id).sort()).toEqual(['rtb-1', 'rtb-2']);
      });

      it('finds an Azure resource whatever the case of its id', async () => {
        const observed = { ...sampleObserved(AZURE_SCOPE, AZURE_ROUTE_TABLE_ID), state: { ...sampleRouteTable(AZURE_ROUTE_TABLE_ID) } };
        await store.commit(commitOf({ observed: [observed] }));

        const found = await store.getObserved(AZURE_SCOPE, 'route-table', AZURE_ROUTE_TABLE_ID.toUpperCase());

        expect(found).toEqual(observed);
      });

      it('gives back each state of a resource whole and in order as its items change (built on the one read, as core does)', async () => {
        const route = (n: number): Route => ({ destination: `10.${n}.0.0/16`, target: { type: 'transit', id: 'tgw-01' } });
        await store.commit(commitOf({ observed: [{ ...sampleObserved(), state: { ...sampleRouteTable(), routes: [route(1), route(2), route(3)] } }] }));
        const changes: ((routes: readonly Route[]) => Route[])[] = [
          (routes) => [...routes, route(4)], // one added
          (routes) => routes.filter((_, i) => i !== 1), // one removed from the middle
          (routes) => [...routes].reverse(), // reordered
          (routes) => [route(0), ...routes], // one put first
        ];

        for (const [i, change] of changes.entries()) {
          const table = (await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1'))?.state as RouteTable;
          const observed: ObservedState = { ...sampleObserved(), state: { ...table, routes: change(table.routes) }, eventId: `evt-${i + 2}` };
          await store.commit(commitOf({ observed: [observed] }));

          expect(await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual(observed);
        }
      });
    });

    describe('findings', () => {
      it('keeps an open finding on its resource', async () => {
        const finding = sampleFinding();

        await store.commit(commitOf({ findings: [finding] }));

        expect(await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual([finding]);
        expect(await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-other')).toEqual([]);
      });

      it('replaces an open finding with the same fingerprint', async () => {
        await store.commit(commitOf({ findings: [sampleFinding()] }));
        const again = { ...sampleFinding(), eventId: 'evt-2', eventIds: ['evt-1', 'evt-2'] };

        await store.commit(commitOf({ findings: [again] }));

        expect(await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual([again]);
      });

      it('moves a resolved finding out of the open set', async () => {
        await store.commit(commitOf({ findings: [sampleFinding()] }));
        const resolved: Finding = { ...sampleFinding(), status: 'resolved', resolvedAt: '2026-11-26T11:00:00Z', eventId: 'evt-2' };

        await store.commit(commitOf({ findings: [resolved] }));

        expect(await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual([]);
        expect(await store.listFindings({ status: 'resolved' })).toEqual([resolved]);
        expect(await store.listFindings({ status: 'open' })).toEqual([]);
      });

      it('keeps a finding\'s tags and suppression, in the findings and the outbox', async () => {
        const finding: Finding = {
          ...sampleFinding(), tags: { team: 'network', env: 'prod' },
          suppressed: { reason: 'CHG-1234: planned egress change', until: '2026-11-27T00:00:00Z' },
        };

        await store.commit(commitOf({ findings: [finding], outbox: [{ sink: 'slack', finding }] }));

        expect(await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual([finding]);
        expect((await store.pendingOutbox())[0]?.finding).toEqual(finding);
      });

      it('reopens a resolved finding', async () => {
        await store.commit(commitOf({ findings: [{ ...sampleFinding(), status: 'resolved', resolvedAt: '2026-11-26T11:00:00Z' }] }));
        const reopened = { ...sampleFinding(), eventId: 'evt-3', openedAt: '2026-11-26T12:00:00Z' };

        await store.commit(commitOf({ findings: [reopened] }));

        expect(await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual([reopened]);
      });

      it('finds the open findings of an Azure resource whatever the case of its id', async () => {
        const finding = sampleFinding({ cloud: 'azure', account: AZURE_SCOPE.account, resource: AZURE_ROUTE_TABLE_ID, item: 'default' });
        await store.commit(commitOf({ findings: [finding] }));

        const found = await store.openFindings(AZURE_SCOPE, 'route-table', AZURE_ROUTE_TABLE_ID.toLowerCase());

        expect(found).toEqual([finding]);
      });

      it('filters findings by status, cloud and account', async () => {
        const aws = sampleFinding();
        const otherAccount = sampleFinding({ account: '444455556666' });
        const azure = sampleFinding({ cloud: 'azure', account: AZURE_SCOPE.account, resource: AZURE_ROUTE_TABLE_ID, item: 'default' });
        const resolved: Finding = { ...sampleFinding({ resource: 'rtb-0b2' }), status: 'resolved', resolvedAt: '2026-11-26T11:00:00Z' };
        await store.commit(commitOf({ findings: [aws, otherAccount, azure, resolved] }));

        const fingerprints = async (filter: Parameters<StateStore['listFindings']>[0]) =>
          (await store.listFindings(filter)).map((finding) => finding.fingerprint).sort();

        expect(await fingerprints({})).toEqual([aws, otherAccount, azure, resolved].map((f) => f.fingerprint).sort());
        expect(await fingerprints({ cloud: 'azure' })).toEqual([azure.fingerprint]);
        expect(await fingerprints({ cloud: 'aws', account: AWS_SCOPE.account, status: 'open' })).toEqual([aws.fingerprint]);
        expect(await fingerprints({ status: 'resolved' })).toEqual([resolved.fingerprint]);
      });
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

    describe('commit', () => {
      const everything = (): StateCommit => commitOf({
        processed: [{ key: 'aws:evt-1', expiresAt: inHours(1) }],
        observed: [sampleObserved()],
        findings: [sampleFinding()],
        outbox: [{ sink: 'slack', finding: sampleFinding() }],
      });

      async function assertNothingWritten(): Promise<void> {
        expect(await store.isProcessed('aws:evt-1')).toBe(false);
        expect(await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toBeUndefined();
        expect(await store.listFindings()).toEqual([]);
        expect(await store.pendingOutbox()).toEqual([]);
      }

      it('writes processed ids, observed state, findings and outbox together', async () => {
        await store.commit(everything());

        expect(await store.isProcessed('aws:evt-1')).toBe(true);
        expect(await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toBeDefined();
        expect(await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1')).toHaveLength(1);
        expect(await store.pendingOutbox()).toHaveLength(1);
      });

      it('writes nothing when an outbox entry, the last part written, cannot be stored', async () => {
        const change = everything();
        const { fingerprint: _fingerprint, ...broken } = sampleFinding({ resource: 'rtb-broken' });
        change.outbox.push({ sink: 'slack', finding: broken as Finding });

        await expect(store.commit(change)).rejects.toThrow();

        await assertNothingWritten();
      });

      it('writes nothing when a processed id has an expiry that is not a date', async () => {
        const change = everything();
        change.processed.push({ key: 'aws:evt-bad', expiresAt: 'not a date' });

        await expect(store.commit(change)).rejects.toThrow();

        await assertNothingWritten();
      });
    });
  });
}
