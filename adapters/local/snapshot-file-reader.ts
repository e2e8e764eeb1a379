import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParseError } from '../../core/errors.js';
import type { CaptureResult, ReadResult, StateReader } from '../../core/ports.js';
import type { Selector } from '../../core/change.js';
import { matchesSelector } from '../../core/observed-state.js';
import { resourceKey, type Resource, type ResourceKind, type ResourceRef, type Scope } from '../../core/resource.js';
import { emptySnapshot, type Snapshot } from '../../core/snapshot.js';
import { compareText } from '../../snapshots/canonical.js';
import { parseSnapshot } from '../../snapshots/parse.js';

/** `*.json` snapshot files under `dir`, in a stable order; candidates and history folders are not live state. */
async function snapshotFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => compareText(a.name, b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.endsWith('.history') && !entry.name.startsWith('.')) files.push(...await snapshotFiles(path));
    } else if (entry.name.endsWith('.json') && !entry.name.endsWith('.candidate.json') && !entry.name.startsWith('.')) {
      files.push(path);
    }
  }
  return files;
}

interface Located {
  resource: Resource;
  file: string;
}

/**
 * Live state read from snapshot files, for `replay --observed DIR`: a resource is as the files
 * under DIR describe it, and a resource they lack does not exist (DESIGN.md, step 3).
 * Azure ids match case-insensitively, as everywhere.
 */
export class SnapshotFileReader implements StateReader {
  private constructor(
    private readonly resources: ReadonlyMap<string, Located>,
    private readonly snapshots: ReadonlyMap<string, Snapshot>,
  ) {}

  /**
   * Reads every snapshot file under `dir` (recursively). A file that does not parse, or two files
   * describing the same resource, throw `ParseError` naming the files.
   */
  static async open(dir: string): Promise<SnapshotFileReader> {
    const resources = new Map<string, Located>();
    const snapshots = new Map<string, Snapshot>();
    for (const file of await snapshotFiles(dir)) {
      const parsed = parseSnapshot(await readFile(file, 'utf8'), file);
      if (!parsed.ok) throw new ParseError(parsed.error);
      const { snapshot } = parsed;
      const scopeKey = `${snapshot.scope.cloud}/${snapshot.scope.account}`;
      const seen = snapshots.get(scopeKey);
      snapshots.set(scopeKey, seen ? { ...seen, resources: [...seen.resources, ...snapshot.resources] } : snapshot);
      for (const resource of snapshot.resources) {
        const key = resourceKey({ ...snapshot.scope, kind: resource.kind, id: resource.id });
        const other = resources.get(key);
        if (other) throw new ParseError(`${file}: ${resource.kind} ${resource.id} is also in ${other.file}`);
        resources.set(key, { resource, file });
      }
    }
    return new SnapshotFileReader(resources, snapshots);
  }

  /** How many resources the files describe. */
  get size(): number {
    return this.resources.size;
  }

  async read(ref: ResourceRef): Promise<ReadResult> {
    const found = this.resources.get(resourceKey(ref));
    return found ? { exists: true, state: structuredClone(found.resource) } : { exists: false };
  }

  async select(scope: Scope, kind: ResourceKind, selector: Selector): Promise<string[]> {
    const resources = this.snapshots.get(`${scope.cloud}/${scope.account}`)?.resources ?? [];
    return resources.filter((r) => r.kind === kind && matchesSelector(scope.cloud, r, selector)).map((r) => r.id);
  }

  /**
   * The account as the files describe it, limited to `regions` (and `global`, where DNS lives);
   * no regions means all of them. An account the files lack is empty.
   */
  async capture(scope: Scope, regions: readonly string[]): Promise<CaptureResult> {
    const found = this.snapshots.get(`${scope.cloud}/${scope.account}`);
    const snapshot = structuredClone(found ?? emptySnapshot(scope, new Date().toISOString()));
    if (regions.length > 0) {
      const wanted = new Set([...regions, 'global']);
      snapshot.resources = snapshot.resources.filter((resource) => wanted.has(resource.region));
    }
    return { snapshot, failures: [] };
  }
}
