import { isAbsolute, resolve } from 'node:path';
import type { SnapshotStore } from '../core/ports.js';
import { FilesystemSnapshotStore } from '../snapshots/fs-store.js';
import { FIRESTORE_FORM, openFirestore } from './firestore-store-url.js';
import { UsageError } from './usage.js';

/** What opening a store may need besides its URL (cloud stores: where and how to connect). */
export interface StoreOpenOptions {
  /** The cloud region of the store's client (`--region`); default: the SDK's own chain. */
  region?: string;
  /** Points the store's cloud client elsewhere (`--endpoint`: moto, a VPC endpoint). */
  endpoint?: string;
  /** Relative folders are taken from here. */
  cwd: string;
}

/** A snapshot store and the URL that names it again (printed in hints such as `--store s3://…`). */
export interface OpenedStore {
  store: SnapshotStore;
  url: string;
}

interface StoreScheme {
  /** How a URL of the scheme is written, for usage lines. */
  form: string;
  /** Opens what follows `<scheme>://`; the cloud's SDK is imported only here. */
  open(location: string, url: string, options: StoreOpenOptions): Promise<OpenedStore>;
}

/** S3's bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/prefix`: the S3 store the deployed functions read and write. */
async function openS3(location: string, url: string, options: StoreOpenOptions): Promise<OpenedStore> {
  const slash = location.indexOf('/');
  const bucket = slash === -1 ? location : location.slice(0, slash);
  const prefix = slash === -1 ? '' : location.slice(slash + 1);
  if (!S3_BUCKET.test(bucket)) {
    throw new UsageError(`--store ${url}: "${bucket}" is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)`);
  }
  // Loaded here, not at the top: commands that never touch S3 do not load its SDK.
  const [{ S3Client }, { S3SnapshotStore }] = await Promise.all([
    import('@aws-sdk/client-s3'), import('../adapters/aws/s3-snapshot-store.js'),
  ]);
  const client = new S3Client({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    // A bucket in another region than the client's answers with a redirect; follow it.
    followRegionRedirects: true,
  });
  return { store: new S3SnapshotStore({ client, bucket, prefix }), url: `s3://${bucket}/${prefix}` };
}

/** Storage account and container naming rules (https://learn.microsoft.com/azure/storage/blobs/storage-blobs-introduction#naming-and-referencing-containers-blobs-and-metadata). */
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const AZURE_CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * `azblob://account/container/prefix`: the Blob store the Azure functions read and write. With
 * `AZURE_STORAGE_CONNECTION_STRING` set (Azurite, a key), that account; otherwise
 * `DefaultAzureCredential` (az login, a managed identity) on `https://<account>.blob.core.windows.net`
 * (or `--endpoint`).
 */
async function openAzureBlob(location: string, url: string, options: StoreOpenOptions): Promise<OpenedStore> {
  const [account = '', container = '', ...rest] = location.split('/');
  const prefix = rest.join('/');
  if (!AZURE_ACCOUNT.test(account)) throw new UsageError(`--store ${url}: "${account}" is not a storage account name (3-24 lowercase letters and digits)`);
  if (!AZURE_CONTAINER.test(container)) {
    throw new UsageError(`--store ${url}: "${container}" is not a container name (3-63 lowercase letters, digits and single hyphens); expected azblob://account/container/prefix`);
  }
  // Loaded here, not at the top: commands that never touch Blob storage do not load its SDK.
  const { openBlobSnapshotStore } = await import('../adapters/azure/storage-clients.js');
  const connectionString = process.env.AZURE_STORAGE_CONNECTION_STRING;
  const access = connectionString ? { connectionString } : { accountUrl: options.endpoint ?? `https://${account}.blob.core.windows.net` };
  const store = await openBlobSnapshotStore(access, container, prefix);
  if (store.account !== account) {
    const source = connectionString ? 'AZURE_STORAGE_CONNECTION_STRING' : `--endpoint ${options.endpoint}`;
    throw new UsageError(`--store ${url}: ${source} is for the account "${store.account}", not "${account}"`);
  }
  return { store, url: `azblob://${account}/${container}/${store.prefix}` };
}

/** `file://DIR` (`file:///abs/dir`, `file://rel/dir`): the same folder `--baseline DIR` names. */
async function openFolder(location: string, url: string, options: StoreOpenOptions): Promise<OpenedStore> {
  if (location === '') throw new UsageError(`--store ${url}: no folder after file://`);
  return folderStore(location, options.cwd);
}

/**
 * The stores `--store` can open, by URL scheme. A cloud's store is one more row here
 * (`azblob://account/container/prefix`, `gs://bucket/prefix`), nothing else changes.
 */
const SCHEMES: Readonly<Record<string, StoreScheme>> = {
  s3: { form: 's3://bucket/prefix', open: openS3 },
  azblob: { form: 'azblob://account/container/prefix', open: openAzureBlob },
  firestore: { form: FIRESTORE_FORM, open: openFirestore },
  file: { form: 'file://DIR', open: openFolder },
};

/** The filesystem store of a folder (`--baseline DIR`, a plain `--store` path). */
export function folderStore(dir: string, cwd: string): OpenedStore {
  const path = isAbsolute(dir) ? dir : resolve(cwd, dir);
  // NETDRIFT_SNAPSHOT_FILE_BYTES: the canonical size past which a snapshot is written as a folder (README, "Snapshot format").
  const limit = Number(process.env.NETDRIFT_SNAPSHOT_FILE_BYTES);
  return { store: new FilesystemSnapshotStore(path, Number.isInteger(limit) && limit > 0 ? { singleFileBytes: limit } : {}), url: dir };
}

/** How `--store` is written, for usage lines: every scheme, then a plain folder. */
export function storeForms(): string {
  return [...Object.values(SCHEMES).map((s) => s.form), 'a folder path'].join(', ');
}

/**
 * Opens the snapshot store a `--store` URL names: `<scheme>://…` by the scheme's row above, a
 * plain path as a folder. An unknown scheme or a malformed URL is a usage error in one line.
 */
export async function openSnapshotStore(url: string, options: StoreOpenOptions): Promise<OpenedStore> {
  if (url.trim() === '') throw new UsageError('--store: empty; expected one of ' + storeForms());
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url);
  if (!match) {
    // `s3:bucket` and the like: a scheme without `//` is a mistyped URL, not a folder name.
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(url)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme in SCHEMES) throw new UsageError(`--store ${url}: expected ${SCHEMES[scheme]?.form}`);
    return folderStore(url, options.cwd);
  }
  const [, scheme = '', location = ''] = match;
  const row = SCHEMES[scheme.toLowerCase()];
  if (!row) throw new UsageError(`--store ${url}: unknown scheme "${scheme}://"; known: ${storeForms()}`);
  return row.open(location, url, options);
}
