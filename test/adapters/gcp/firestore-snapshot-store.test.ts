import { randomUUID } from 'node:crypto';
import { DocumentReference, Firestore } from '@google-cloud/firestore';
import { expect, it, vi } from 'vitest';
import { FirestoreSnapshotStore } from '../../../adapters/gcp/firestore-snapshot-store.js';
import { BaselineCache } from '../../../core/baseline-cache.js';
import type { Resource, Scope } from '../../../core/resource.js';
import type { Snapshot } from '../../../core/snapshot.js';
import { canonicalJson } from '../../../snapshots/canonical.js';
import { describeSnapshotStoreContract } from '../../contract/snapshot-store-contract.js';
import { sampleSnapshot } from '../../contract/samples.js';
import { describeWithFirestore, firestoreEmulatorHost } from '../../support/emulator-suites.js';
import { emulatorFirestore } from '../../support/firestore.js';

/** A snapshot whose canonical JSON is far larger than one Firestore document (1 MiB). */
function bigSnapshot(scope: Scope): Snapshot {
  const resources: Resource[] = Array.from({ length: 6_000 }, (_, i) => ({
    kind: 'route-table', id: `projects/${scope.account}/global/networks/vpc-${String(i).padStart(5, '0')}`, region: 'global', subnets: [],
    routes: [{ name: `r-${i}`, destination: `10.${i % 250}.0.0/16`, priority: 1000, target: { type: 'nat', id: `nat-${i}` } }],
  }));
  return { ...sampleSnapshot(scope), resources };
}

/** The documents a client reads, one line per request: how many, from which collection, and which fields. */
function recordReads(firestore: Firestore): string[] {
  const read: string[] = [];
  const getAll = firestore.getAll.bind(firestore);
  // DocumentReference.get() reads through its Firestore's getAll too.
  vi.spyOn(firestore, 'getAll').mockImplementation((...args) => {
    const refs = args.filter((arg): arg is DocumentReference => arg instanceof DocumentReference);
    const fields = args.find((arg) => !(arg instanceof DocumentReference));
    read.push(`${refs.length} ${refs[0]?.parent.id ?? '?'}${fields ? ' (generation)' : ''}`);
    return getAll(...args);
  });
  return read;
}

describeWithFirestore('FirestoreSnapshotStore on the Firestore emulator', () => {
  describeSnapshotStoreContract('FirestoreSnapshotStore', async () => {
    const firestore = emulatorFirestore();
    return { store: new FirestoreSnapshotStore({ firestore }), cleanup: () => firestore.terminate() };
  });

  it('keeps a snapshot far larger than one Firestore document (1 MiB), split into parts, and reads it back whole', async () => {
    const firestore = emulatorFirestore();
    const store = new FirestoreSnapshotStore({ firestore });
    const scope = { cloud: 'gcp' as const, account: 'big-estate' };
    const snapshot = bigSnapshot(scope);
    try {
      const etag = await store.put(scope, 'baseline', snapshot);
      const stored = await store.get(scope, 'baseline');

      expect(canonicalJson(snapshot).length).toBeGreaterThan(1024 * 1024);
      expect(stored?.etag).toBe(etag);
      expect(stored && canonicalJson(stored.snapshot)).toBe(canonicalJson(snapshot));
      // The old generation's parts go when the slot is rewritten.
      await store.put(scope, 'baseline', sampleSnapshot(scope), { ifMatch: etag });
      const parts = await firestore.collection('netdrift-snapshot-parts').get();
      expect(parts.size).toBe(1);
    } finally {
      await firestore.terminate();
    }
  }, 60_000);

  it('revalidates a cached baseline of many parts by one field of its manifest, and reads its parts again only once it changed', async () => {
    // Two clients on one project: the approving process, and the warm function whose reads are recorded.
    process.env.FIRESTORE_EMULATOR_HOST = firestoreEmulatorHost();
    const projectId = `netdrift-test-${randomUUID().slice(0, 8)}`;
    const [firestore, reader] = [new Firestore({ projectId }), new Firestore({ projectId })];
    const approver = new FirestoreSnapshotStore({ firestore });
    const scope = { cloud: 'gcp' as const, account: 'big-estate' };
    try {
      await approver.put(scope, 'baseline', bigSnapshot(scope));
      const read = recordReads(reader);
      const cache = new BaselineCache(new FirestoreSnapshotStore({ firestore: reader }), 0);

      for (let i = 0; i < 4; i += 1) await cache.get(scope);
      await approver.put(scope, 'baseline', { ...bigSnapshot(scope), capturedAt: '2026-11-27T00:00:00Z' });
      await cache.get(scope);

      const whole = ['1 netdrift-snapshots', read[1]];
      const probe = '1 netdrift-snapshots (generation)';
      expect(read[1]).toMatch(/^[2-9] netdrift-snapshot-parts$/);
      expect(read).toEqual([...whole, probe, probe, probe, probe, ...whole]);
    } finally {
      await Promise.all([firestore.terminate(), reader.terminate()]);
    }
  }, 60_000);
});
