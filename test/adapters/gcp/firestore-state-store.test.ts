import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { FirestoreStateStore } from '../../../adapters/gcp/firestore-state-store.js';
import { describeStateStoreContract } from '../../contract/state-store-contract.js';
import { describeWithFirestore, firestoreEmulatorHost } from '../../support/emulator-suites.js';

/** A Firestore client on the emulator, in a project of its own per store, so stores never see each other. */
export function emulatorFirestore(): Firestore {
  process.env.FIRESTORE_EMULATOR_HOST = firestoreEmulatorHost();
  return new Firestore({ projectId: `netdrift-test-${randomUUID().slice(0, 8)}`, ignoreUndefinedProperties: true });
}

describeWithFirestore('FirestoreStateStore on the Firestore emulator', () => {
  describeStateStoreContract('FirestoreStateStore', async () => {
    const store = new FirestoreStateStore({ firestore: emulatorFirestore() });
    return { store, cleanup: () => store.close() };
  });
});
