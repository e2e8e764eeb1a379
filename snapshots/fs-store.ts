import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, ParseError } from '../core/errors.js';
import type { HistoryEntry, SnapshotSlot, SnapshotStore, StoredSnapshot } from '../core/ports.js';
import { CLOUDS, type Scope } from '../core/resource.js';
import type { Snapshot } from '../core/snapshot.js';
import { quote } from '../core/reasons.js';
import { writeFileAtomic, syncFolder } from './atomic-write.js';
import { canonicalJson, compareText, snapshotSha256 } from './canonical.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';
import { readApproval } from './approval.js';
import { parseSnapshot, parseStoredSnapshot } from './parse.js';

/**
 * AWS account ids, Azure subscription ids and GCP project ids (legacy ones include `example.com:`)
 * all fit; a `/` or `..` could not escape the folder, and `.candidate` or `.history` endings
 * would collide with another account's files.
 */
// At most 128 characters: longer is no cloud's account and would fail as ENAMETOOLONG, not as bad input.
const ACCOUNT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function etagOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `2026-11-26T10:20:30.123Z` → `20261126T102030123Z`: sorts by time, safe in every file system. */
function compactTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) throw new ParseError(`history entry: approvedAt ${JSON.stringify(iso)} is not a date`);
  return time.toISOString().replace(/[-:.]/g, '');
}

/**
 * The embedded `SnapshotStore` (DESIGN.md, "Snapshot format"): one canonical JSON file per account
 * and slot, `<dir>/<cloud>/<account>.json` (baseline) and `<account>.candidate.json`, with approved
 * baselines kept in `<account>.history/<approvedAt>-<sha12>.json`. The ETag is the sha256 of the
 * file's bytes, so an edit made by hand in git is a change like any other.
 */
export class FilesystemSnapshotStore implements SnapshotStore {
  constructor(readonly dir: string, private readonly lockOptions: FileLockOptions = {}) {}

  /** Where a slot of an account is kept. */
  pathOf(scope: Scope, slot: SnapshotSlot): string {
    return this.accountBase(scope) + (slot === 'candidate' ? '.candidate.json' : '.json');
  }

  async get(scope: Scope, slot: SnapshotSlot): Promise<StoredSnapshot | undefined> {
    const path = this.pathOf(scope, slot);
    const bytes = await readIfExists(path);
    if (bytes === undefined) return undefined;
    return { snapshot: parseStoredSnapshot(bytes.toString('utf8'), path, scope), etag: etagOf(bytes), location: path };
  }

  async put(scope: Scope, slot: SnapshotSlot, snapshot: Snapshot, options: { ifMatch?: string | null } = {}): Promise<string> {
    const path = this.pathOf(scope, slot);
    const bytes = Buffer.from(this.serialize(path, snapshot), 'utf8');
    await mkdir(join(this.dir, scope.cloud), { recursive: true });
    await this.underLock(path, options.ifMatch, () => writeFileAtomic(path, bytes));
    return etagOf(bytes);
  }

  async remove(scope: Scope, slot: SnapshotSlot, options: { ifMatch?: string } = {}): Promise<void> {
    const path = this.pathOf(scope, slot);
    await mkdir(join(this.dir, scope.cloud), { recursive: true });
    await this.underLock(path, options.ifMatch, async () => {
      await unlink(path).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
      await syncFolder(join(this.dir, scope.cloud));
    });
  }

  async archive(scope: Scope, snapshot: Snapshot, entry: Omit<HistoryEntry, 'location'>): Promise<HistoryEntry> {
    const folder = this.accountBase(scope) + '.history';
    const location = join(folder, `${compactTime(entry.approvedAt)}-${entry.sha256.slice(0, 12)}.json`);
    // The file must say who approved it even when the snapshot came without its approval.
    const approval = snapshot.approval ?? { sha256: entry.sha256, approvedAt: entry.approvedAt, approvedBy: entry.approvedBy };
    await mkdir(folder, { recursive: true });
    await writeFileAtomic(location, this.serialize(location, { ...snapshot, approval }));
    return { ...entry, location };
  }

  /** Approved baselines of an account, oldest first. */
  async history(scope: Scope): Promise<HistoryEntry[]> {
    const folder = this.accountBase(scope) + '.history';
    const names = await readdir(folder).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    });
    const entries: HistoryEntry[] = [];
    for (const name of names.filter((file) => file.endsWith('.json') && !file.startsWith('.')).sort(compareText)) {
      const location = join(folder, name);
      const bytes = await readIfExists(location);
      if (bytes === undefined) continue;
      const snapshot = parseStoredSnapshot(bytes.toString('utf8'), location, scope);
      const approval = readApproval(snapshot);
      entries.push({
        sha256: approval?.sha256 ?? snapshotSha256(snapshot),
        approvedAt: approval?.approvedAt ?? snapshot.capturedAt,
        ...(approval?.approvedBy === undefined ? {} : { approvedBy: approval.approvedBy }),
        location,
      });
    }
    return entries.sort((a, b) => compareText(a.approvedAt, b.approvedAt) || compareText(a.location, b.location));
  }

  async list(): Promise<Scope[]> {
    const scopes = new Map<string, Scope>();
    for (const cloud of CLOUDS) {
      const names = await readdir(join(this.dir, cloud)).catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return [];
        throw error;
      });
      for (const name of names) {
        const match = /^(.+?)(?:\.candidate)?\.json$/.exec(name);
        const account = match?.[1];
        if (!account || !ACCOUNT_FILE_NAME.test(account) || account.endsWith('.candidate')) continue;
        scopes.set(`${cloud}/${account}`, { cloud, account });
      }
    }
    return [...scopes.values()].sort((a, b) => compareText(a.cloud, b.cloud) || compareText(a.account, b.account));
  }

  private accountBase(scope: Scope): string {
    const { account } = scope;
    if (!ACCOUNT_FILE_NAME.test(account) || /\.(candidate|history)$/.test(account)) {
      throw new ParseError(`snapshot store: account ${quote(account)} cannot be a file name`);
    }
    if (!(CLOUDS as readonly string[]).includes(scope.cloud)) {
      throw new ParseError(`snapshot store: unknown cloud ${JSON.stringify(scope.cloud)}`);
    }
    return join(this.dir, scope.cloud, account);
  }

  /** Canonical JSON, refused (with the same one-line error) if `get` could not read it back: a bad baseline would stall the pipeline. */
  private serialize(path: string, snapshot: Snapshot): string {
    const text = canonicalJson(snapshot);
    const check = parseSnapshot(text, path);
    if (!check.ok) throw new ParseError(check.error);
    return text;
  }

  /** Checks `ifMatch` against the file's current bytes and acts, with no other writer in between. */
  private async underLock(path: string, ifMatch: string | null | undefined, action: () => Promise<void>): Promise<void> {
    await withFileLock(`${path}.lock`, async () => {
      if (ifMatch === undefined) return action();
      const current = await readIfExists(path);
      if (ifMatch === null && current !== undefined) throw new ConflictError(`${path}: already exists`);
      if (ifMatch !== null && (current === undefined || etagOf(current) !== ifMatch)) {
        throw new ConflictError(`${path}: changed since it was read (etag ${ifMatch.slice(0, 12)}…)`);
      }
      return action();
    }, this.lockOptions);
  }
}
