import { expect, it } from 'vitest';
import { FirestoreSnapshotStore } from '../../../adapters/gcp/firestore-snapshot-store.js';
import type { Resource } from '../../../core/resource.js';
import type { Snapshot } from '../../../core/snapshot.js';
import { canonicalJson } from '../../../snapshots/canonical.js';
import { describeSnapshotStoreContract } from '../../contract/snapshot-store-contract.js';
import { sampleSnapshot } from '../../contract/samples.js';
import { describeWithFirestore } from '../../support/emulator-suites.js';
import { emulatorFirestore } from '../../support/firestore.js';

describeWithFirestore('FirestoreSnapshotStore on the Firestore emulator', () => {
  describeSnapshotStoreContract('FirestoreSnapshotStore', async () => {
    const firestore = emulatorFirestore();
    return { store: new FirestoreSnapshotStore({ firestore }), cleanup: () => firestore.terminate() };
  });

  it('keeps a snapshot far larger than one Firestore document (1 MiB), split into parts, and reads it back whole', async () => {
    const firestore = emulatorFirestore();
    const store = new FirestoreSnapshotStore({ firestore });
    const scope = { cloud: 'gcp' as const, account: 'big-estate' };
    const resources: Resource[] = Array.from({ length: 6_000 }, (_, i) => ({
      kind: 'route-table', id: `projects/big-estate/global/networks/vpc-${String(i).padStart(5, '0')}`, region: 'global', subnets: [],
      routes: [{ name: `r-${i}`, destination: `10.${i % 250}.0.0/16`, priority: 1000, target: { type: 'nat', id: `nat-${i}` } }],
    }));
    const snapshot: Snapshot = { ...sampleSnapshot(scope), resources };
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
});
