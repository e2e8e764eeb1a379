import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../core/errors.js';
import type { SnapshotSlot, SnapshotStore } from '../../core/ports.js';
import type { Scope } from '../../core/resource.js';
import { emptySnapshot } from '../../core/snapshot.js';
import type { ReadStoredSnapshot } from '../../snapshots/approval.js';
import { canonicalSnapshot, snapshotSha256 } from '../../snapshots/canonical.js';
import { AWS_SCOPE, AZURE_SCOPE, sampleSnapshot } from './samples.js';

/** A store under test and how to dispose of it (delete its folder, bucket, table). */
export interface SnapshotStoreFixture {
  store: SnapshotStore;
  cleanup(): Promise<void>;
}

/** A slot's current etag, told without reading it: what `BaselineCache` revalidates by (its `EtagProbe`). */
type EtagProbe = (scope: Scope, slot: SnapshotSlot) => Promise<string | undefined>;

/** Every store has the probe: without it a warm function downloads and parses its baseline again every minute. */
function probeOf(store: SnapshotStore): EtagProbe {
  const etag = (store as SnapshotStore & { etag?: EtagProbe }).etag;
  if (typeof etag !== 'function') throw new Error(`${store.constructor.name} has no etag(scope, slot)`);
  return etag.bind(store);
}

/** How an emulator falls short of the service it stands in for. */
export interface ContractOptions {
  /**
   * Retries of the write race: moto checks S3's conditional writes without a lock (both writers
   * won once in 300 races), where S3 decides atomically. Never set for a store's own backend.
   */
  raceRetries?: number;
}

/**
 * The `SnapshotStore` contract: every implementation (filesystem, S3, Blob storage, ...) must
 * pass it. `makeStore` gives an empty store for each test.
 */
export function describeSnapshotStoreContract(name: string, makeStore: () => Promise<SnapshotStoreFixture>, options: ContractOptions = {}): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    let fixture: SnapshotStoreFixture;
    let store: SnapshotStore;
    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('gives nothing for a slot never written', async () => {
      expect(await store.get(AWS_SCOPE, 'baseline')).toBeUndefined();
    });

    it('gives back what was put (in any order of sets), with the etag put returned', async () => {
      const snapshot = sampleSnapshot();

      const etag = await store.put(AWS_SCOPE, 'baseline', snapshot);

      const stored = await store.get(AWS_SCOPE, 'baseline');
      expect(stored?.etag).toBe(etag);
      expect(canonicalSnapshot(stored?.snapshot ?? emptySnapshot(AWS_SCOPE, ''))).toEqual(canonicalSnapshot(snapshot));
    });

    it('keeps extra fields and the approval field', async () => {
      const snapshot = { ...sampleSnapshot(), note: 'reviewed in CHG-42', approval: { sha256: 'd'.repeat(64), approvedAt: '2026-11-26T12:00:00.000Z' } };

      await store.put(AWS_SCOPE, 'baseline', snapshot);

      const stored = await store.get(AWS_SCOPE, 'baseline');
      expect(stored?.snapshot).toMatchObject({ note: snapshot.note, approval: snapshot.approval });
    });

    it('gives the digest of the bytes it read, equal to the identity for a snapshot it wrote (the approval check needs no re-hash)', async () => {
      await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

      const stored = await store.get(AWS_SCOPE, 'baseline') as ReadStoredSnapshot | undefined;

      expect(stored?.bytesSha256).toBe(snapshotSha256(sampleSnapshot()));
    });

    it('keeps the baseline and the candidate apart', async () => {
      await store.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-01T00:00:00Z'));

      await store.put(AWS_SCOPE, 'candidate', sampleSnapshot(AWS_SCOPE, '2026-11-02T00:00:00Z'));

      expect((await store.get(AWS_SCOPE, 'baseline'))?.snapshot.capturedAt).toBe('2026-11-01T00:00:00Z');
      expect((await store.get(AWS_SCOPE, 'candidate'))?.snapshot.capturedAt).toBe('2026-11-02T00:00:00Z');
    });

    it('gives a new etag when the content changes', async () => {
      const first = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

      const second = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z'));

      expect(second).not.toBe(first);
    });

    it('writes with the current etag as ifMatch', async () => {
      const etag = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

      const next = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z'), { ifMatch: etag });

      expect((await store.get(AWS_SCOPE, 'baseline'))?.etag).toBe(next);
    });

    it('refuses a write with a stale etag and keeps the newer content', async () => {
      const stale = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
      await store.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z'), { ifMatch: stale });

      const write = store.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-28T00:00:00Z'), { ifMatch: stale });

      await expect(write).rejects.toBeInstanceOf(ConflictError);
      expect((await store.get(AWS_SCOPE, 'baseline'))?.snapshot.capturedAt).toBe('2026-11-27T00:00:00Z');
    });

    it('refuses ifMatch null when the slot exists', async () => {
      await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

      const write = store.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z'), { ifMatch: null });

      await expect(write).rejects.toBeInstanceOf(ConflictError);
    });

    it('writes with ifMatch null when the slot is empty', async () => {
      const etag = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot(), { ifMatch: null });

      expect((await store.get(AWS_SCOPE, 'baseline'))?.etag).toBe(etag);
    });

    it('refuses an etag for a slot that does not exist', async () => {
      const etag = await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());

      const write = store.put(AWS_SCOPE, 'baseline', sampleSnapshot(), { ifMatch: etag });

      await expect(write).rejects.toBeInstanceOf(ConflictError);
    });

    it('lets exactly one of two writers with the same etag win', { retry: options.raceRetries ?? 0 }, async () => {
      const etag = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

      const results = await Promise.allSettled(['2026-11-27T00:00:00Z', '2026-11-28T00:00:00Z'].map((capturedAt) =>
        store.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, capturedAt), { ifMatch: etag })));

      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((result) => result.status === 'rejected');
      expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(ConflictError);
    });

    it('removes a slot', async () => {
      const etag = await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());

      await store.remove(AWS_SCOPE, 'candidate', { ifMatch: etag });

      expect(await store.get(AWS_SCOPE, 'candidate')).toBeUndefined();
    });

    it('removes unconditionally, and quietly when there is nothing', async () => {
      await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());

      await store.remove(AWS_SCOPE, 'candidate');
      await store.remove(AWS_SCOPE, 'candidate');

      expect(await store.get(AWS_SCOPE, 'candidate')).toBeUndefined();
    });

    it('refuses a remove with a stale etag and keeps the slot', async () => {
      const stale = await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());
      await store.put(AWS_SCOPE, 'candidate', sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z'));

      const remove = store.remove(AWS_SCOPE, 'candidate', { ifMatch: stale });

      await expect(remove).rejects.toBeInstanceOf(ConflictError);
      expect(await store.get(AWS_SCOPE, 'candidate')).toBeDefined();
    });

    it('keeps approved baselines in history, oldest first', async () => {
      const first = { sha256: 'a'.repeat(64), approvedAt: '2026-11-01T09:00:00.000Z', approvedBy: 'alice' };
      const second = { sha256: 'b'.repeat(64), approvedAt: '2026-11-02T09:00:00.000Z' };
      await store.archive(AWS_SCOPE, sampleSnapshot(AWS_SCOPE, '2026-11-02T00:00:00Z'), second);

      const entry = await store.archive(AWS_SCOPE, sampleSnapshot(AWS_SCOPE, '2026-11-01T00:00:00Z'), first);

      expect(entry).toMatchObject(first);
      expect(entry.location).not.toBe('');
      const history = await store.history(AWS_SCOPE);
      expect(history.map(({ location: _location, ...rest }) => rest)).toEqual([first, second]);
      expect(history[0]?.location).toBe(entry.location);
    });

    it('has an empty history for an account never approved', async () => {
      expect(await store.history(AWS_SCOPE)).toEqual([]);
    });

    it('lists the accounts having a baseline or a candidate', async () => {
      await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
      await store.put(AZURE_SCOPE, 'candidate', sampleSnapshot(AZURE_SCOPE));
      await store.archive({ cloud: 'gcp', account: 'history-only' }, sampleSnapshot({ cloud: 'gcp', account: 'history-only' }),
        { sha256: 'c'.repeat(64), approvedAt: '2026-11-01T09:00:00.000Z' });

      const scopes = await store.list();

      const names = scopes.map((scope) => `${scope.cloud}/${scope.account}`).sort();
      expect(names).toEqual([`aws/${AWS_SCOPE.account}`, `azure/${AZURE_SCOPE.account}`]);
    });

    it('lists an account once when it has both slots, and not after both are removed', async () => {
      await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
      await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());
      expect(await store.list()).toEqual([AWS_SCOPE]);

      await store.remove(AWS_SCOPE, 'baseline');
      await store.remove(AWS_SCOPE, 'candidate');

      expect(await store.list()).toEqual([]);
    });

    it('tells a slot\'s etag without reading it, the same etag get gives', async () => {
      await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

      const etag = await probeOf(store)(AWS_SCOPE, 'baseline');

      expect(etag).toBe((await store.get(AWS_SCOPE, 'baseline'))?.etag);
    });

    it('tells a new etag once the slot is written again', async () => {
      const first = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

      const second = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z'));

      const etag = await probeOf(store)(AWS_SCOPE, 'baseline');
      expect(etag).not.toBe(first);
      expect(etag).toBe(second);
      expect(etag).toBe((await store.get(AWS_SCOPE, 'baseline'))?.etag);
    });

    it('tells no etag for a slot never written or removed', async () => {
      await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());
      await store.remove(AWS_SCOPE, 'candidate');

      expect(await probeOf(store)(AWS_SCOPE, 'baseline')).toBeUndefined();
      expect(await probeOf(store)(AWS_SCOPE, 'candidate')).toBeUndefined();
    });
  });
}
