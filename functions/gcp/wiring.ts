import { gcpAdapters } from '../../adapters/gcp/index.js';
import type { GcpStateReader } from '../../adapters/gcp/gcp-state-reader.js';
import { cloudLoggingLog } from '../shared/log.js';
import { createRuntime, once, type AccountReader, type Runtime } from '../shared/runtime.js';
import type { SecretResolver } from '../shared/secrets.js';
import { SECRET_VERSION, captureRegions, type GcpFunctionEnvironment } from './environment.js';

/** Everything a Cloud Run function runs on, built once per instance: the shared runtime and the GCP parts. */
export interface GcpRuntime extends Runtime {
  env: GcpFunctionEnvironment;
  /** Regions a capture covers; empty: every region. */
  regions: string[];
  reader: AccountReader;
  /** Where snapshots are, as `netdrift snapshot diff|approve --store` takes it. */
  store: string;
}

/** The Compute and Cloud DNS reader, loaded on its first read (the Compute library is most of the load time). */
function lazyReader(env: GcpFunctionEnvironment): AccountReader {
  let reader: Promise<GcpStateReader> | undefined;
  const load = () => (reader ??= import('../../adapters/gcp/gcp-state-reader.js').then(({ GcpStateReader: Reader }) => new Reader({
    clientConfig: env.NETDRIFT_GCP_API_ENDPOINT ? { endpoint: env.NETDRIFT_GCP_API_ENDPOINT } : {},
  })));
  return {
    read: async (ref) => (await load()).read(ref),
    select: async (scope, kind, selector) => (await load()).select(scope, kind, selector),
    capture: async (scope, regions) => (await load()).capture(scope, regions),
  };
}

/** Secret Manager version names in the settings; resolved through the REST API when one is set. */
function secretManager(): SecretResolver {
  return {
    name: 'Secret Manager version',
    isReference: (value) => SECRET_VERSION.test(value),
    resolve: async (variable, reference) => (await import('./secrets.js')).secretManagerResolver().resolve(variable, reference),
  };
}

/**
 * Firestore holds both the state and the snapshots on GCP (adapters/gcp/firestore-snapshot-store.ts:
 * snapshots are split below the 1 MiB document limit). Application Default Credentials: the
 * function's service account; `FIRESTORE_EMULATOR_HOST` points the client at the emulator.
 */
async function buildRuntime(env: GcpFunctionEnvironment): Promise<GcpRuntime> {
  const [{ Firestore }, { FirestoreStateStore }, { FirestoreSnapshotStore }] = await Promise.all([
    import('@google-cloud/firestore'), import('../../adapters/gcp/firestore-state-store.js'), import('../../adapters/gcp/firestore-snapshot-store.js'),
  ]);
  const firestore = new Firestore({
    projectId: env.GOOGLE_CLOUD_PROJECT, databaseId: env.NETDRIFT_FIRESTORE_DATABASE, ignoreUndefinedProperties: true,
  });
  const prefix = env.NETDRIFT_FIRESTORE_PREFIX;
  const state = new FirestoreStateStore({ firestore, prefix });
  const snapshots = new FirestoreSnapshotStore({ firestore, prefix });
  const reader = lazyReader(env);
  const runtime = await createRuntime({
    env, adapters: gcpAdapters, stores: { state, snapshots }, readers: { gcp: reader }, secrets: secretManager(), log: cloudLoggingLog,
  });
  const store = `firestore://${env.GOOGLE_CLOUD_PROJECT}/${env.NETDRIFT_FIRESTORE_DATABASE}?prefix=${prefix}`;
  return { ...runtime, env, regions: captureRegions(env), reader, store };
}

/**
 * The runtime of one instance, from its validated environment: clients and secrets are set up on
 * first use and reused by every request; a failed set-up is retried by the next request.
 */
export function gcpRuntime(env: GcpFunctionEnvironment): () => Promise<GcpRuntime> {
  return once(() => buildRuntime(env));
}
