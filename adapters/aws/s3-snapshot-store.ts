import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand,
  type ListObjectsV2CommandOutput, type S3Client,
} from '@aws-sdk/client-s3';
import { ConflictError, NetdriftError, OperatorError, TransientError } from '../../core/errors.js';
import type { HistoryEntry, SnapshotSlot, SnapshotStore } from '../../core/ports.js';
import { CLOUDS, type Scope } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import {
  accountBase, accountOfKey, byApproval, byScope, checkedCanonicalJson, historyEntryOf, historyFolder, historyKey, historyKeys,
  HISTORY_READS, mapLimit, slotKey,
} from '../../snapshots/object-layout.js';
import { parseStoredSnapshot } from '../../snapshots/parse.js';
import { bytesIdentity, type ReadStoredSnapshot } from '../../snapshots/approval.js';

export interface S3SnapshotStoreOptions {
  client: S3Client;
  bucket: string;
  /** Where in the bucket the snapshots live, e.g. `baselines/`; a missing trailing `/` is added. */
  prefix?: string;
}

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** S3's error names that a retry may fix (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). */
const TRANSIENT_S3_ERRORS = new Set([
  'SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'RequestTimeTooSkewed',
  'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'TimeoutError',
]);
/** Node's socket errors: the endpoint was not reached or the connection dropped. */
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);

function statusOf(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

function isTransient(error: unknown): boolean {
  const e = (error ?? {}) as SdkError;
  const status = statusOf(error);
  return (e.name !== undefined && TRANSIENT_S3_ERRORS.has(e.name))
    || (e.code !== undefined && NETWORK_ERRORS.has(e.code))
    || e.$retryable !== undefined
    || status === 429 || (status !== undefined && status >= 500);
}

/** Conditional writes that lost: 412 when the etag differs, 409 when another conditional write to the key is in flight. */
function isLostRace(error: unknown): boolean {
  const name = (error as SdkError | undefined)?.name;
  return statusOf(error) === 412 || statusOf(error) === 409 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict';
}

function isMissing(error: unknown): boolean {
  const name = (error as SdkError | undefined)?.name;
  return (statusOf(error) === 404 && name !== 'NoSuchBucket') || name === 'NoSuchKey' || name === 'NotFound';
}

/**
 * One line naming the request and the object, keeping the SDK's error as `cause`: transient when
 * a retry may fix it; an operator error when the bucket is missing or access is denied (a person
 * must fix the setup, and until then deliveries are retried).
 */
function storeError(action: string, where: string, error: unknown): Error {
  if (error instanceof NetdriftError) return error;
  const name = (error as SdkError | undefined)?.name ?? 'Error';
  const message = `${action} ${where}: ${name}: ${error instanceof Error ? error.message.split('\n', 1)[0] : String(error)}`;
  const bucket = /^s3:\/\/[^/]+/.exec(where)?.[0] ?? where;
  if (name === 'NoSuchBucket') {
    return new OperatorError('store-missing', message, `create the bucket ${bucket} or set NETDRIFT_SNAPSHOT_BUCKET to the one that holds the baselines`, { cause: error, location: where });
  }
  if (name === 'AccessDenied' || name === 'AllAccessDisabled' || statusOf(error) === 403) {
    return new OperatorError('access-denied', message, `allow s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on ${bucket} to the function's role`, { cause: error, location: where });
  }
  return isTransient(error) ? new TransientError(message, { cause: error }) : new NetdriftError(message, { cause: error });
}

/**
 * The `SnapshotStore` on S3, laid out as the filesystem store lays out its folder (DESIGN.md,
 * "Snapshot format"): `<prefix><cloud>/<account>.json` (baseline), `<account>.candidate.json`, and
 * approved baselines in `<account>.history/<approvedAt-compact>-<sha12>.json`. Bodies are canonical
 * JSON, so a bucket synced to git reviews like the folder. The etag is S3's ETag, and optimistic
 * concurrency is S3's conditional writes (`If-Match`, `If-None-Match: *`), so two writers racing
 * the same etag cannot both win
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
export class S3SnapshotStore implements SnapshotStore {
  private readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;

  constructor(options: S3SnapshotStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  /** The object key of a slot of an account. */
  keyOf(scope: Scope, slot: SnapshotSlot): string {
    return slotKey(this.accountBase(scope), slot);
  }

  async get(scope: Scope, slot: SnapshotSlot): Promise<ReadStoredSnapshot | undefined> {
    const key = this.keyOf(scope, slot);
    const object = await this.read(key);
    if (!object) return undefined;
    // The digest of the bytes as read lets the approval check skip re-canonicalising (snapshots/approval.ts).
    const bytesSha256 = bytesIdentity(Buffer.from(object.text, 'utf8'));
    return { snapshot: parseStoredSnapshot(object.text, this.where(key), scope), etag: object.etag, location: this.where(key), ...(bytesSha256 ? { bytesSha256 } : {}) };
  }

  /**
   * The slot's current ETag without its body, or undefined when it is absent: what the baseline
   * cache revalidates by (core/baseline-cache.ts). A GET of the first byte, not a HEAD: a HEAD's 404
   * has no body, so a missing bucket would pass for a missing baseline, where `get` names the bucket
   * to create. The ETag is the whole object's, whatever the range
   * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_ResponseSyntax).
   */
  async etag(scope: Scope, slot: SnapshotSlot): Promise<string | undefined> {
    const key = this.keyOf(scope, slot);
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: 'bytes=0-0' }));
      // Read to the end, or the connection stays taken.
      await output.Body?.transformToByteArray();
      return this.etagOf(key, output.ETag);
    } catch (error) {
      if (statusOf(error) !== 416) return this.absentOr('etag', key, error);
    }
    // An empty object has no first byte (416 InvalidRange); it exists, so a HEAD can tell its ETag unmistaken.
    try {
      return this.etagOf(key, (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ETag);
    } catch (error) {
      return this.absentOr('etag', key, error);
    }
  }

  async put(scope: Scope, slot: SnapshotSlot, snapshot: Snapshot, options: { ifMatch?: string | null } = {}): Promise<string> {
    const key = this.keyOf(scope, slot);
    const body = this.serialize(key, snapshot);
    const condition = options.ifMatch === undefined ? {} : options.ifMatch === null ? { IfNoneMatch: '*' } : { IfMatch: options.ifMatch };
    try {
      const output = await this.client.send(new PutObjectCommand({
        Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json; charset=utf-8', ...condition,
      }));
      if (!output.ETag) throw new NetdriftError(`put ${this.where(key)}: S3 answered without an ETag`);
      return output.ETag;
    } catch (error) {
      throw this.conditionalError('put', key, options.ifMatch, error);
    }
  }

  /**
   * Deletes a slot; with `ifMatch`, only if its ETag is still that one (S3 `DeleteObject` with
   * `If-Match`: https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html).
   */
  async remove(scope: Scope, slot: SnapshotSlot, options: { ifMatch?: string } = {}): Promise<void> {
    const key = this.keyOf(scope, slot);
    try {
      await this.client.send(new DeleteObjectCommand({
        Bucket: this.bucket, Key: key, ...(options.ifMatch === undefined ? {} : { IfMatch: options.ifMatch }),
      }));
    } catch (error) {
      throw this.conditionalError('remove', key, options.ifMatch, error);
    }
  }

  async archive(scope: Scope, snapshot: Snapshot, entry: Omit<HistoryEntry, 'location'>): Promise<HistoryEntry> {
    const key = historyKey(this.accountBase(scope), entry);
    // The object must say who approved it even when the snapshot came without its approval.
    const approval = snapshot.approval ?? { sha256: entry.sha256, approvedAt: entry.approvedAt, approvedBy: entry.approvedBy };
    const body = this.serialize(key, { ...snapshot, approval });
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json; charset=utf-8' }));
    } catch (error) {
      throw storeError('archive', this.where(key), error);
    }
    return { ...entry, location: this.where(key) };
  }

  /** Approved baselines of an account, oldest first. */
  async history(scope: Scope): Promise<HistoryEntry[]> {
    const folder = historyFolder(this.accountBase(scope));
    const names: string[] = [];
    for await (const page of this.listPages(folder)) for (const object of page.Contents ?? []) if (object.Key) names.push(object.Key);
    const read = await mapLimit(historyKeys(folder, names), HISTORY_READS, async (key) => {
      const object = await this.read(key);
      return object && historyEntryOf(parseStoredSnapshot(object.text, this.where(key), scope), this.where(key));
    });
    const entries = read.filter((entry): entry is HistoryEntry => entry !== undefined);
    return entries.sort(byApproval);
  }

  async list(): Promise<Scope[]> {
    const scopes = new Map<string, Scope>();
    for (const cloud of CLOUDS) {
      const folder = `${this.prefix}${cloud}/`;
      for await (const page of this.listPages(folder, '/')) {
        for (const object of page.Contents ?? []) {
          const account = accountOfKey(object.Key?.slice(folder.length) ?? '');
          if (account) scopes.set(`${cloud}/${account}`, { cloud, account });
        }
      }
    }
    return [...scopes.values()].sort(byScope);
  }

  private async read(key: string): Promise<{ text: string; etag: string } | undefined> {
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = (await output.Body?.transformToString('utf-8')) ?? '';
      if (!output.ETag) throw new NetdriftError(`get ${this.where(key)}: S3 answered without an ETag`);
      return { text, etag: output.ETag };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeError('get', this.where(key), error);
    }
  }

  private etagOf(key: string, etag: string | undefined): string {
    if (!etag) throw new NetdriftError(`etag ${this.where(key)}: S3 answered without an ETag`);
    return etag;
  }

  /** Undefined for an object that is not there; the store's error for anything else. */
  private absentOr(action: string, key: string, error: unknown): undefined {
    if (isMissing(error)) return undefined;
    throw storeError(action, this.where(key), error);
  }

  private async *listPages(prefix: string, delimiter?: string): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(new ListObjectsV2Command({
          Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, ...(delimiter ? { Delimiter: delimiter } : {}),
        }));
      } catch (error) {
        throw storeError('list', this.where(prefix), error);
      }
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** A lost condition is a conflict; so is `If-Match` on an object that is gone (S3 answers 404). */
  private conditionalError(action: string, key: string, ifMatch: string | null | undefined, error: unknown): Error {
    if (isLostRace(error)) {
      const why = ifMatch === null ? 'already exists' : `changed since it was read (etag ${ifMatch?.slice(0, 13)}…)`;
      return new ConflictError(`${action} ${this.where(key)}: ${why}`, { cause: error });
    }
    if (typeof ifMatch === 'string' && isMissing(error)) {
      return new ConflictError(`${action} ${this.where(key)}: gone since it was read`, { cause: error });
    }
    return storeError(action, this.where(key), error);
  }

  private accountBase(scope: Scope): string {
    return accountBase(this.prefix, scope, 'an object');
  }

  private where(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  private serialize(key: string, snapshot: Snapshot): string {
    return checkedCanonicalJson(snapshot, this.where(key));
  }
}
