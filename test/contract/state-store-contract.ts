import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../core/finding.js';
import type { ObservedState, StateCommit, StateStore } from '../../core/ports.js';
import type { Route, RouteTable } from '../../core/resource.js';
import {
  AWS_SCOPE, AZURE_ROUTE_TABLE_ID, AZURE_SCOPE, sampleFinding, sampleObserved, sampleRouteTable,
} from './samples.js';
import { describeOutboxContract } from './state-store-outbox-contract.js';
import { commitOf, inHours } from './commits.js';

/** A store under test and how to dispose of it (close it, delete its file or table). */
export interface StateStoreFixture {
  store: StateStore;
  cleanup(): Promise<void>;
}


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

    describeOutboxContract(() => store);

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
