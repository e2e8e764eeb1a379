import type { SnapshotStore } from './ports.js';
import { normalizeId, type Resource, type ResourceKind, type Scope } from './resource.js';
import type { Snapshot } from './snapshot.js';

/** An approved baseline with its resources indexed by kind and (normalised) id. */
export interface IndexedBaseline {
  snapshot: Snapshot;
  etag: string;
  resource(kind: ResourceKind, id: string): Resource | undefined;
  ofKind(kind: ResourceKind): Resource[];
}

function indexBaseline(snapshot: Snapshot, etag: string): IndexedBaseline {
  const cloud = snapshot.scope.cloud;
  const byId = new Map<string, Resource>();
  for (const r of snapshot.resources) byId.set(`${r.kind}/${normalizeId(cloud, r.id)}`, r);
  return {
    snapshot, etag,
    resource: (kind, id) => byId.get(`${kind}/${normalizeId(cloud, id)}`),
    ofKind: (kind) => snapshot.resources.filter((r) => r.kind === kind),
  };
}

/**
 * Baselines read through a SnapshotStore, kept for `ttlMs` (a warm function re-reads an
 * approved baseline at most that often; a replay reads each once).
 */
export class BaselineCache {
  private readonly entries = new Map<string, { at: number; baseline: IndexedBaseline | undefined }>();

  constructor(private readonly store: SnapshotStore, private readonly ttlMs = 60_000, private readonly clock = () => Date.now()) {}

  async get(scope: Scope): Promise<IndexedBaseline | undefined> {
    const key = `${scope.cloud}/${scope.account}`;
    const cached = this.entries.get(key);
    if (cached && this.clock() - cached.at < this.ttlMs) return cached.baseline;
    const stored = await this.store.get(scope, 'baseline');
    const baseline = stored && (cached?.baseline?.etag === stored.etag ? cached.baseline : indexBaseline(stored.snapshot, stored.etag));
    this.entries.set(key, { at: this.clock(), baseline });
    return baseline;
  }
}
