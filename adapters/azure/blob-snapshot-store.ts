import type { BlobDownloadResponseParsed, ContainerClient } from '@azure/storage-blob';
import { ConflictError, NetdriftError } from '../../core/errors.js';
import type { HistoryEntry, SnapshotSlot, SnapshotStore } from '../../core/ports.js';
import { CLOUDS, type Scope } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import {
  accountBase, accountOfKey, byApproval, byScope, checkedCanonicalJson, historyEntryOf, historyFolder, historyKey, historyKeys,
  HISTORY_READS, mapLimit, slotKey,
} from '../../snapshots/object-layout.js';
import { parseStoredSnapshot } from '../../snapshots/parse.js';
import { bytesIdentity, type ReadStoredSnapshot } from '../../snapshots/approval.js';
import { azureStorageError, errorCode, statusOf } from './storage-errors.js';

/** The same account names as the filesystem and S3 stores, so that a container and a folder hold the same accounts. */
const CONTENT_TYPE = 'application/json; charset=utf-8';

export interface BlobSnapshotStoreOptions {
  /** The container's client (`BlobServiceClient.getContainerClient`): a connection string, or an account URL with `DefaultAzureCredential`. */
  container: ContainerClient;
  /** Where in the container the snapshots live, e.g. `baselines/`; a missing trailing `/` is added. */
  prefix?: string;
}

async function bodyText(response: BlobDownloadResponseParsed): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A write whose condition failed: 412 `ConditionNotMet` when the ETag differs, 409 `BlobAlreadyExists`
 * for `If-None-Match: *` on a blob that exists
 * (https://learn.microsoft.com/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations).
 */
function isLostRace(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || (status === 409 && errorCode(error) === 'BlobAlreadyExists');
}

function isMissingBlob(error: unknown): boolean {
  return statusOf(error) === 404 && errorCode(error) !== 'ContainerNotFound';
}

/**
 * The `SnapshotStore` on Azure Blob storage, laid out exactly as the filesystem and S3 stores lay
 * out theirs (DESIGN.md, "Snapshot format"): `<prefix><cloud>/<account>.json` (baseline),
 * `<account>.candidate.json`, and approved baselines in `<account>.history/<approvedAt-compact>-<sha12>.json`.
 * Bodies are canonical JSON. The etag is the blob's ETag, and optimistic concurrency is Blob
 * storage's conditional writes (`If-Match`, `If-None-Match: *`), decided atomically by the service.
 * A missing container or denied access is an `OperatorError`; throttling, 5xx and an unreachable
 * endpoint are transient.
 */
export class BlobSnapshotStore implements SnapshotStore {
  private readonly container: ContainerClient;
  readonly prefix: string;

  constructor(options: BlobSnapshotStoreOptions) {
    this.container = options.container;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  /** The storage account the container is in. */
  get account(): string {
    return this.container.accountName;
  }

  /** The blob name of a slot of an account. */
  keyOf(scope: Scope, slot: SnapshotSlot): string {
    return slotKey(this.accountBase(scope), slot);
  }

  async get(scope: Scope, slot: SnapshotSlot): Promise<ReadStoredSnapshot | undefined> {
    const key = this.keyOf(scope, slot);
    const blob = await this.read(key);
    if (!blob) return undefined;
    // The digest of the bytes as read lets the approval check skip re-canonicalising (snapshots/approval.ts).
    const bytesSha256 = bytesIdentity(Buffer.from(blob.text, 'utf8'));
    return { snapshot: parseStoredSnapshot(blob.text, this.where(key), scope), etag: blob.etag, location: this.where(key), ...(bytesSha256 ? { bytesSha256 } : {}) };
  }

  /**
   * The slot's current ETag from the blob's properties (a HEAD, no body), or undefined when it is
   * absent: what the baseline cache revalidates by (core/baseline-cache.ts). A HEAD's error still
   * names itself in `x-ms-error-code`, so a missing container is told from a missing blob, as in `get`.
   */
  async etag(scope: Scope, slot: SnapshotSlot): Promise<string | undefined> {
    const key = this.keyOf(scope, slot);
    try {
      const properties = await this.container.getBlockBlobClient(key).getProperties();
      if (!properties.etag) throw new NetdriftError(`etag ${this.where(key)}: Blob storage answered without an ETag`);
      return properties.etag;
    } catch (error) {
      if (isMissingBlob(error)) return undefined;
      throw this.storeError('etag', key, error);
    }
  }

  async put(scope: Scope, slot: SnapshotSlot, snapshot: Snapshot, options: { ifMatch?: string | null } = {}): Promise<string> {
    const key = this.keyOf(scope, slot);
    const body = this.serialize(key, snapshot);
    const conditions = options.ifMatch === undefined ? {} : options.ifMatch === null ? { ifNoneMatch: '*' } : { ifMatch: options.ifMatch };
    try {
      const output = await this.container.getBlockBlobClient(key).upload(body, Buffer.byteLength(body), {
        conditions, blobHTTPHeaders: { blobContentType: CONTENT_TYPE },
      });
      if (!output.etag) throw new NetdriftError(`put ${this.where(key)}: Blob storage answered without an ETag`);
      return output.etag;
    } catch (error) {
      throw this.conditionalError('put', key, options.ifMatch, error);
    }
  }

  /** Deletes a slot; with `ifMatch`, only if its ETag is still that one. Nothing there is not an error (unless `ifMatch` expected it). */
  async remove(scope: Scope, slot: SnapshotSlot, options: { ifMatch?: string } = {}): Promise<void> {
    const key = this.keyOf(scope, slot);
    try {
      await this.container.getBlockBlobClient(key).delete(options.ifMatch === undefined ? {} : { conditions: { ifMatch: options.ifMatch } });
    } catch (error) {
      if (options.ifMatch === undefined && isMissingBlob(error)) return;
      throw this.conditionalError('remove', key, options.ifMatch, error);
    }
  }

  async archive(scope: Scope, snapshot: Snapshot, entry: Omit<HistoryEntry, 'location'>): Promise<HistoryEntry> {
    const key = historyKey(this.accountBase(scope), entry);
    // The blob must say who approved it even when the snapshot came without its approval.
    const approval = snapshot.approval ?? { sha256: entry.sha256, approvedAt: entry.approvedAt, approvedBy: entry.approvedBy };
    const body = this.serialize(key, { ...snapshot, approval });
    try {
      await this.container.getBlockBlobClient(key).upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: CONTENT_TYPE } });
    } catch (error) {
      throw this.storeError('archive', key, error);
    }
    return { ...entry, location: this.where(key) };
  }

  /** Approved baselines of an account, oldest first. */
  async history(scope: Scope): Promise<HistoryEntry[]> {
    const folder = historyFolder(this.accountBase(scope));
    const read = await mapLimit(historyKeys(folder, await this.names(folder)), HISTORY_READS, async (key) => {
      const blob = await this.read(key);
      return blob && historyEntryOf(parseStoredSnapshot(blob.text, this.where(key), scope), this.where(key));
    });
    const entries = read.filter((entry): entry is HistoryEntry => entry !== undefined);
    return entries.sort(byApproval);
  }

  async list(): Promise<Scope[]> {
    const scopes = new Map<string, Scope>();
    for (const cloud of CLOUDS) {
      const folder = `${this.prefix}${cloud}/`;
      for (const name of await this.names(folder, '/')) {
        const account = accountOfKey(name.slice(folder.length));
        if (account) scopes.set(`${cloud}/${account}`, { cloud, account });
      }
    }
    return [...scopes.values()].sort(byScope);
  }

  private async read(key: string): Promise<{ text: string; etag: string } | undefined> {
    try {
      const response = await this.container.getBlockBlobClient(key).download();
      const text = await bodyText(response);
      if (!response.etag) throw new NetdriftError(`get ${this.where(key)}: Blob storage answered without an ETag`);
      return { text, etag: response.etag };
    } catch (error) {
      if (isMissingBlob(error)) return undefined;
      throw this.storeError('get', key, error);
    }
  }

  /** Blob names under `prefix`; with `delimiter`, only those directly in it (not in its "folders"). */
  private async names(prefix: string, delimiter?: string): Promise<string[]> {
    const names: string[] = [];
    try {
      if (delimiter === undefined) {
        for await (const blob of this.container.listBlobsFlat({ prefix })) names.push(blob.name);
      } else {
        for await (const item of this.container.listBlobsByHierarchy(delimiter, { prefix })) if (item.kind === 'blob') names.push(item.name);
      }
    } catch (error) {
      throw this.storeError('list', prefix, error);
    }
    return names;
  }

  /** A lost condition is a conflict; so is `If-Match` on a blob that is gone (404). */
  private conditionalError(action: string, key: string, ifMatch: string | null | undefined, error: unknown): Error {
    if (isLostRace(error)) {
      const why = ifMatch === null ? 'already exists' : `changed since it was read (etag ${ifMatch?.slice(0, 13)}…)`;
      return new ConflictError(`${action} ${this.where(key)}: ${why}`, { cause: error });
    }
    if (typeof ifMatch === 'string' && isMissingBlob(error)) {
      return new ConflictError(`${action} ${this.where(key)}: gone since it was read`, { cause: error });
    }
    return this.storeError(action, key, error);
  }

  private storeError(action: string, key: string, error: unknown): Error {
    const container = this.containerUrl();
    return azureStorageError(`${action} ${this.where(key)}`, error, {
      missing: ['ContainerNotFound'],
      missingFix: `create the container ${container} or set NETDRIFT_SNAPSHOT_CONTAINER to the one that holds the baselines`,
      deniedFix: `grant the function's identity "Storage Blob Data Contributor" on ${container}`,
      credentialFix: 'give the Function App a managed identity (AZURE_CLIENT_ID for a user-assigned one), run az login, or set AZURE_STORAGE_CONNECTION_STRING',
      location: this.where(key),
    });
  }

  private accountBase(scope: Scope): string {
    return accountBase(this.prefix, scope, 'a blob');
  }

  /** `azblob://<account>/<container>/<name>`, as `--store` names the container. */
  private where(key: string): string {
    return `${this.containerUrl()}/${key}`;
  }

  private containerUrl(): string {
    return `azblob://${this.container.accountName}/${this.container.containerName}`;
  }

  private serialize(key: string, snapshot: Snapshot): string {
    return checkedCanonicalJson(snapshot, this.where(key));
  }
}
