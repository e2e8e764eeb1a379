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

/** A store that tells a slot's current etag without reading its resources (FilesystemSnapshotStore does). */
interface EtagProbe {
  etag(scope: Scope, slot: 'baseline'): Promise<string | undefined>;
}

function hasEtagProbe(store: SnapshotStore): store is SnapshotStore & EtagProbe {
  return typeof (store as Partial<EtagProbe>).etag === 'function';
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
 * untrusted one is never cached, so the next read sees the fix.
 */
export class BaselineCache {
  private readonly entries = new Map<string, { at: number; baseline: IndexedBaseline | undefined }>();

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
    // Revalidated by its etag alone where the store can tell it: an unchanged baseline is not read
    // and parsed again every `ttlMs` (in serve, that was a second copy of it on the heap each minute).
    if (cached && hasEtagProbe(this.store) && await this.store.etag(scope, 'baseline') === cached.baseline?.etag) {
      cached.at = this.clock();
      return cached.baseline;
    }
    const stored = await this.store.get(scope, 'baseline');
    let baseline: IndexedBaseline | undefined;
    if (stored && cached?.baseline?.etag === stored.etag) baseline = cached.baseline;
    else if (stored) {
      this.trust?.(stored);
      baseline = indexBaseline(stored);
    }
    this.entries.set(key, { at: this.clock(), baseline });
    return baseline;
  }
}
