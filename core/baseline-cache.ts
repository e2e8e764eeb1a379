import type { SnapshotStore, StoredSnapshot } from './ports.js';
import { normalizeId, type Resource, type ResourceKind, type Scope } from './resource.js';
import type { Snapshot } from './snapshot.js';

/** An approved baseline with its resources indexed by kind and (normalised) id. */
export interface IndexedBaseline {
  snapshot: Snapshot;
  etag: string;
  /** Where the store keeps it (a file, an object URL), when it says. */
  location?: string;
  resource(kind: ResourceKind, id: string): Resource | undefined;
  /** The resources of a kind, in the snapshot's order (the index's own list: not to be changed). */
  ofKind(kind: ResourceKind): readonly Resource[];
}

/**
 * One map per kind, keyed by the id as the cloud compares it: for AWS and GCP that is the
 * resource's own id string, so the index adds no string per resource (a `${kind}/${id}` key would,
 * and a baseline is held for as long as serve runs). Resources are the snapshot's own objects, not copies.
 */
function indexBaseline({ snapshot, etag, location }: StoredSnapshot): IndexedBaseline {
  const cloud = snapshot.scope.cloud;
  const byKind = new Map<ResourceKind, { byId: Map<string, Resource>; all: Resource[] }>();
  for (const r of snapshot.resources) {
    let kind = byKind.get(r.kind);
    if (!kind) byKind.set(r.kind, kind = { byId: new Map(), all: [] });
    kind.byId.set(normalizeId(cloud, r.id), r);
    kind.all.push(r);
  }
  return {
    snapshot, etag, ...(location === undefined ? {} : { location }),
    resource: (kind, id) => byKind.get(kind)?.byId.get(normalizeId(cloud, id)),
    ofKind: (kind) => byKind.get(kind)?.all ?? [],
  };
}

/**
 * Makes equal strings in resources one string (the values do not change): a parser makes a new
 * one for each occurrence, and a baseline repeats its networks, route targets, regions and CIDRs
 * across thousands of resources (bench/serve.ts's 40 MiB baseline is held in 36% less heap).
 */
function stringSharer(): (resource: Resource) => Resource {
  const seen = new Map<string, string>();
  const share = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const known = seen.get(value);
      if (known !== undefined) return known;
      seen.set(value, value);
      return value;
    }
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) value[i] = share(value[i]);
    } else {
      const record = value as Record<string, unknown>;
      for (const key in record) record[key] = share(record[key]);
    }
    return value;
  };
  return (resource) => share(resource) as Resource;
}

/** A store that tells a slot's current etag without reading its resources (FilesystemSnapshotStore does). */
interface EtagProbe {
  etag(scope: Scope, slot: 'baseline'): Promise<string | undefined>;
}

function hasEtagProbe(store: SnapshotStore): store is SnapshotStore & EtagProbe {
  return typeof (store as Partial<EtagProbe>).etag === 'function';
}

/**
 * A store that reads a slot as a stream of resources (FilesystemSnapshotStore's `openStream`):
 * what the cache needs of it to keep a one-file baseline without holding the file whole.
 */
interface StreamingStore {
  openStream(scope: Scope, slot: 'baseline'): Promise<{
    readonly layout: 'file' | 'folder';
    readonly location: string;
    items(): AsyncIterable<readonly { resource: Resource }[]>;
    /** After the last batch. */
    summary(): { header: Pick<Snapshot, 'schema' | 'scope' | 'capturedAt'>; fileSha256: string; bytesSha256: string };
  } | undefined>;
}

function isStreamingStore(store: SnapshotStore): store is SnapshotStore & StreamingStore {
  return typeof (store as Partial<StreamingStore>).openStream === 'function';
}

/**
 * Whether a stored baseline may be used (DESIGN.md, "Trust": its sha256, and HMAC when a key is
 * configured, match its approval); throws `OperatorError` when not. Run once per baseline version.
 */
export type BaselineTrust = (stored: StoredSnapshot) => void;

/**
 * Baselines read through a SnapshotStore, kept for `ttlMs` (a warm function re-reads an
 * approved baseline at most that often; a replay reads each once). Each new version (etag) is
 * checked by `trust` before it is used; an invalid one (the store throws `OperatorError`) or an
 * untrusted one is never cached, so the next read sees the fix. Callers that ask for the same
 * account at once share one read.
 */
export class BaselineCache {
  private readonly entries = new Map<string, { at: number; baseline: IndexedBaseline | undefined }>();
  private readonly reading = new Map<string, Promise<IndexedBaseline | undefined>>();

  constructor(
    private readonly store: SnapshotStore,
    private readonly ttlMs = 60_000,
    private readonly clock = () => Date.now(),
    private readonly trust?: BaselineTrust,
  ) {}

  async get(scope: Scope): Promise<IndexedBaseline | undefined> {
    const key = `${scope.cloud}/${scope.account}`;
    const cached = this.entries.get(key);
    if (cached && this.clock() - cached.at < this.ttlMs) return cached.baseline;
    // serve's readiness check and its first events ask together: two reads would be two copies of
    // the baseline on the heap at once, and the process keeps the memory of its peak.
    let read = this.reading.get(key);
    if (!read) {
      read = this.refresh(scope, key, cached).finally(() => this.reading.delete(key));
      this.reading.set(key, read);
    }
    return read;
  }

  private async refresh(scope: Scope, key: string, cached: { at: number; baseline: IndexedBaseline | undefined } | undefined): Promise<IndexedBaseline | undefined> {
    // Revalidated by its etag alone where the store can tell it: an unchanged baseline is not read
    // and parsed again every `ttlMs` (in serve, that was a second copy of it on the heap each minute).
    if (cached && hasEtagProbe(this.store) && await this.store.etag(scope, 'baseline') === cached.baseline?.etag) {
      cached.at = this.clock();
      return cached.baseline;
    }
    const stored = await this.read(scope);
    let baseline: IndexedBaseline | undefined;
    if (stored && cached?.baseline?.etag === stored.etag) baseline = cached.baseline;
    else if (stored) {
      this.trust?.(stored);
      baseline = indexBaseline(stored);
    }
    this.entries.set(key, { at: this.clock(), baseline });
    return baseline;
  }

  /**
   * The stored baseline, its strings shared. A one-file baseline is read as a stream where the
   * store can: read whole, it was on the heap three times at once (the bytes, their text, the
   * parsed document) beside the validated copy the cache keeps, and the process stays at that
   * peak. Streamed, each batch's strings are shared while its duplicates are still young garbage.
   * A file the stream cannot read is read again by the store's `get`, whose error names the line
   * and column.
   */
  private async read(scope: Scope): Promise<(StoredSnapshot & { bytesSha256?: string }) | undefined> {
    const share = stringSharer();
    const stream = isStreamingStore(this.store) ? await this.store.openStream(scope, 'baseline').catch(() => undefined) : undefined;
    // A folder's parts are streamed by `get` itself, which re-reads them under its lock when one changed underneath.
    if (stream?.layout === 'file') {
      try {
        const resources: Resource[] = [];
        for await (const batch of stream.items()) for (const item of batch) resources.push(share(item.resource));
        const { header, fileSha256, bytesSha256 } = stream.summary();
        // `bytesSha256` settles the trust check without canonicalising (snapshots/approval.ts).
        return { snapshot: { ...header, resources }, etag: fileSha256, location: stream.location, bytesSha256 };
      } catch {
        // Falls through to the whole read.
      }
    }
    const stored = await this.store.get(scope, 'baseline');
    stored?.snapshot.resources.forEach(share);
    return stored;
  }
}
