import { describe, inject } from 'vitest';
import type { AzuriteEndpoints } from './emulators.js';

/**
 * Suites that need a GCP or Azure emulator, as `describeWithMoto` is for moto: each runs when the
 * global setup started its emulator, and otherwise is skipped with one visible line (under CI=true
 * the global setup fails instead).
 */
function describeWhen(available: boolean, what: string, name: string, body: () => void): void {
  if (available) {
    describe(name, body);
    return;
  }
  console.warn(`skipping "${name}": ${what} is not running (not installed, or NETDRIFT_EMULATORS left it out)`);
  describe.skip(name, body);
}

/** A suite on the Pub/Sub emulator; `pubsubEmulatorHost()` says where it is. */
export function describeWithPubsub(name: string, body: () => void): void {
  describeWhen(inject('pubsubEmulatorHost') !== null, 'the Pub/Sub emulator', name, body);
}

/** A suite on the Firestore emulator; `firestoreEmulatorHost()` says where it is. */
export function describeWithFirestore(name: string, body: () => void): void {
  describeWhen(inject('firestoreEmulatorHost') !== null, 'the Firestore emulator', name, body);
}

/** A suite on Azurite (Blob and Table); `azuriteEndpoints()` says where it is. */
export function describeWithAzurite(name: string, body: () => void): void {
  describeWhen(inject('azuriteEndpoints') !== null, 'Azurite', name, body);
}

/** The Pub/Sub emulator as `host:port`, for `PUBSUB_EMULATOR_HOST` or the client's `apiEndpoint`. */
export function pubsubEmulatorHost(): string {
  const host = inject('pubsubEmulatorHost');
  if (!host) throw new Error('the Pub/Sub emulator is not running');
  return host;
}

/** The Firestore emulator as `host:port`, for `FIRESTORE_EMULATOR_HOST` or the client's `host`. */
export function firestoreEmulatorHost(): string {
  const host = inject('firestoreEmulatorHost');
  if (!host) throw new Error('the Firestore emulator is not running');
  return host;
}

/** Azurite's well-known development account (https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Azurite's Blob and Table base URLs (path-style: the account is the first path segment). */
export function azuriteEndpoints(): AzuriteEndpoints {
  const endpoints = inject('azuriteEndpoints');
  if (!endpoints) throw new Error('Azurite is not running');
  return endpoints;
}

/** A storage connection string for Azurite's Blob and Table services. */
export function azuriteConnectionString(): string {
  const { blob, table } = azuriteEndpoints();
  return [
    'DefaultEndpointsProtocol=http', `AccountName=${AZURITE_ACCOUNT}`, `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=${blob}/${AZURITE_ACCOUNT}`, `TableEndpoint=${table}/${AZURITE_ACCOUNT}`,
  ].join(';');
}
