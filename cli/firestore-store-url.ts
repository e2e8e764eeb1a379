import type { OpenedStore, StoreOpenOptions } from './snapshot-store-url.js';
import { UsageError } from './usage.js';

/** https://cloud.google.com/resource-manager/docs/creating-managing-projects#before_you_begin */
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** https://cloud.google.com/firestore/docs/manage-databases#database_id */
const DATABASE_ID = /^(\(default\)|[a-z][a-z0-9-]{2,61}[a-z0-9])$/;
/** The collection names start with it (`<prefix>-snapshots`): letters, digits, `-` and `_`, as the functions' NETDRIFT_FIRESTORE_PREFIX. */
const PREFIX = /^[A-Za-z0-9_-]{1,100}$/;

export const FIRESTORE_FORM = 'firestore://PROJECT[/DATABASE][?prefix=P]';

/**
 * `firestore://PROJECT[/DATABASE][?prefix=P]`: the snapshot store the GCP functions read and write
 * (adapters/gcp/firestore-snapshot-store.ts), in the project's `(default)` database unless another
 * is named, under collections `<prefix>-snapshots…` (prefix `netdrift` unless given, as the
 * functions' `NETDRIFT_FIRESTORE_PREFIX`). Credentials: Application Default Credentials; with
 * `FIRESTORE_EMULATOR_HOST` set, that emulator. The Firestore SDK loads here, on first use.
 */
export async function openFirestore(location: string, url: string, _options: StoreOpenOptions): Promise<OpenedStore> {
  const [path = '', query = '', ...extra] = location.split('?');
  const [project = '', database = '(default)', ...rest] = path.replace(/\/+$/, '').split('/');
  const expected = `expected ${FIRESTORE_FORM}`;
  if (extra.length > 0 || rest.length > 0) throw new UsageError(`--store ${url}: ${expected}`);
  if (!PROJECT_ID.test(project)) throw new UsageError(`--store ${url}: "${project}" is not a GCP project id (6-30 lowercase letters, digits and hyphens); ${expected}`);
  if (!DATABASE_ID.test(database)) throw new UsageError(`--store ${url}: "${database}" is not a Firestore database id; ${expected}`);
  const params = new URLSearchParams(query);
  const unknown = [...params.keys()].find((key) => key !== 'prefix');
  if (unknown !== undefined) throw new UsageError(`--store ${url}: unknown parameter "${unknown}"; ${expected}`);
  const prefix = params.get('prefix') ?? 'netdrift';
  if (!PREFIX.test(prefix)) throw new UsageError(`--store ${url}: prefix "${prefix}" is not a collection name prefix (letters, digits, - and _)`);
  const [{ Firestore }, { FirestoreSnapshotStore }] = await Promise.all([
    import('@google-cloud/firestore'), import('../adapters/gcp/firestore-snapshot-store.js'),
  ]);
  // The client reads FIRESTORE_EMULATOR_HOST itself (and then sends no credentials).
  const firestore = new Firestore({ projectId: project, databaseId: database, ignoreUndefinedProperties: true });
  const store = new FirestoreSnapshotStore({ firestore, prefix });
  return { store, url: `firestore://${project}/${database}?prefix=${prefix}` };
}
