import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { firestoreEmulatorHost } from './emulator-suites.js';

/** A Firestore client on the emulator, in a project of its own, so that stores never see each other's documents. */
export function emulatorFirestore(): Firestore {
  process.env.FIRESTORE_EMULATOR_HOST = firestoreEmulatorHost();
  return new Firestore({ projectId: `netdrift-test-${randomUUID().slice(0, 8)}`, ignoreUndefinedProperties: true });
}
