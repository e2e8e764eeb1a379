import { compareText } from '../../snapshots/canonical.js';
import type { Finding } from '../../core/finding.js';
import type { ObservedState } from '../../core/ports.js';

/**
 * What one container last knew of a resource: its revision (a counter on its observed item that
 * every commit touching the resource's observed state or findings adds one to), its observed state
 * (undefined: none), and its open findings once they were read.
 */
export interface CachedResource {
  revision: number;
  observed: ObservedState | undefined;
  open?: readonly Finding[];
  /** Fingerprints of every finding item the resource has, open or resolved (read with `open`). */
  known?: ReadonlySet<string>;
  /** When it was read from the table (epoch ms). */
  at: number;
}

export interface ReadCacheOptions {
  /** At most this many resources are kept; the least recently used go first. */
  maxEntries?: number;
  /** A resource is read from the table again after this long, whatever its commits say. */
  ttlMs?: number;
  clock?: () => number;
}

export function byOpened(a: Finding, b: Finding): number {
  return compareText(a.openedAt, b.openedAt) || compareText(a.fingerprint, b.fingerprint);
}

/**
 * The per-container cache of `DynamoDbStateStore` (option `cacheReads`): a warm Lambda container
 * that sees one resource change again and again reads its observed state and open findings from
 * the table once, not on every event. Being stale is allowed, being wrong is not: every resource
 * served from here is remembered with the revision it had (`guards`), and the next commit is
 * conditional on each of those revisions being unchanged. When another worker committed in
 * between, the commit is refused whole (`ConflictError`), the cache is emptied, and the record
 * is redone on fresh reads (core/pipeline.ts). Keys are the observed item's `pk` + `sk`.
 *
 * Meant for one record at a time per store (a Lambda container): the guards collected since the
 * last commit all go into the next one.
 */
export class ReadCache {
  private readonly entries = new Map<string, CachedResource>();
  private guarded = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  readonly clock: () => number;

  constructor(options: ReadCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 5_000;
    this.ttlMs = options.ttlMs ?? 300_000;
    this.clock = options.clock ?? Date.now;
  }

  get(key: string): CachedResource | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.clock() - entry.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Map order is insertion order: re-inserting keeps the most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CachedResource): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  drop(key: string): void {
    this.entries.delete(key);
  }

  /** After a refused or unsure commit: nothing cached can be trusted. */
  clear(): void {
    this.entries.clear();
    this.guarded.clear();
  }

  /** A read served with `revision`: the next commit holds only while the resource still has it. */
  guard(key: string, revision: number): void {
    // The first revision a record read is what its decisions rest on.
    if (!this.guarded.has(key)) this.guarded.set(key, revision);
  }

  /** The guards collected since the last commit, handed to it (and forgotten here). */
  takeGuards(): Map<string, number> {
    const taken = this.guarded;
    this.guarded = new Map();
    return taken;
  }

  /**
   * After a commit landed: the resources it wrote on a guard now have the next revision, their
   * new observed state and open findings (opened ones replaced by fingerprint, resolved ones
   * gone), as the table has them; those it wrote without a guard are read again next time.
   */
  committed(written: ReadonlyMap<string, { guard: number | undefined; observed?: ObservedState; findings: readonly Finding[] }>): void {
    for (const [key, write] of written) {
      const entry = this.entries.get(key);
      if (write.guard === undefined || entry === undefined || entry.revision !== write.guard) {
        this.entries.delete(key);
        continue;
      }
      let open = entry.open;
      const known = entry.known && new Set([...entry.known, ...write.findings.map((f) => f.fingerprint)]);
      if (open !== undefined && write.findings.length > 0) {
        const byFingerprint = new Map(open.map((f) => [f.fingerprint, f]));
        for (const f of write.findings) {
          if (f.status === 'open') byFingerprint.set(f.fingerprint, f);
          else byFingerprint.delete(f.fingerprint);
        }
        open = [...byFingerprint.values()].sort(byOpened);
      }
      this.set(key, { ...entry, revision: entry.revision + 1, ...(write.observed ? { observed: write.observed } : {}), ...(open ? { open } : {}), ...(known ? { known } : {}) });
    }
  }
}
