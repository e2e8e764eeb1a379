import { FirestoreStateStore } from '../../../adapters/gcp/firestore-state-store.js';
import { describeStateStoreContract } from '../../contract/state-store-contract.js';
import { describeWithFirestore } from '../../support/emulator-suites.js';
import { emulatorFirestore } from '../../support/firestore.js';

describeWithFirestore('FirestoreStateStore on the Firestore emulator', () => {
  describeStateStoreContract('FirestoreStateStore', async () => {
    const store = new FirestoreStateStore({ firestore: emulatorFirestore() });
    return { store, cleanup: () => store.close() };
  });
});
