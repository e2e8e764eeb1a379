import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, ParseError } from '../core/errors.js';
import type { HistoryEntry, SnapshotSlot, SnapshotStore } from '../core/ports.js';
import { CLOUDS, type Scope } from '../core/resource.js';
import type { Snapshot } from '../core/snapshot.js';
import { quote } from '../core/reasons.js';
import { syncFolder } from './atomic-write.js';
import { canonicalHeader, canonicalResources, compareText, snapshotSha256 } from './canonical.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';
import { bytesIdentity, readApproval, type ReadStoredSnapshot } from './approval.js';
import { MANIFEST_FILE, ManifestSchema } from './folder-layout.js';
import { parseStoredSnapshot, validateSnapshot } from './parse.js';
import { SnapshotStream } from './snapshot-reader.js';
import { folderEtag, SINGLE_FILE_BYTES, SnapshotWriter, type SlotPaths, type StagedSnapshot } from './snapshot-writer.js';

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

/** `etagOf` a file, hashed as it is read: serve checks its baselines' etags every minute, and a big one read whole was that many bytes more in memory each time. */
async function fileEtagIfExists(path: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) hash.update(chunk as Buffer);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  return hash.digest('hex');
}

/** `2026-11-26T10:20:30.123Z` → `20261126T102030123Z`: sorts by time, safe in every file system. */
function compactTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) throw new ParseError(`history entry: approvedAt ${JSON.stringify(iso)} is not a date`);
  return time.toISOString().replace(/[-:.]/g, '');
}

/** Files up to this size are read whole (errors say line and column); bigger ones as a stream. */
const READ_WHOLE_BYTES = 64 * 1024 * 1024;

/** Options of the filesystem store. */
export interface FilesystemStoreOptions extends FileLockOptions {
  /** Canonical text size past which a snapshot is written as a folder of parts (default 32 MiB). */
  singleFileBytes?: number;
}

/**
 * The embedded `SnapshotStore` (DESIGN.md, "Snapshot format"): one canonical JSON file per account
 * and slot, `<dir>/<cloud>/<account>.json` (baseline) and `<account>.candidate.json`, with approved
 * baselines kept in `<account>.history/<approvedAt>-<sha12>.json`. A snapshot too big for one
 * reviewable file is a folder instead (`<account>/`, `<account>.candidate/`, a history folder):
 * a manifest and one part per region (folder-layout.ts). The ETag is the sha256 of the file's
 * bytes (of a folder's manifest and its parts' sizes and times), so an edit made by hand in git
 * is a change like any other.
 */
export class FilesystemSnapshotStore implements SnapshotStore {
  private readonly singleFileBytes: number;

  constructor(readonly dir: string, private readonly lockOptions: FilesystemStoreOptions = {}) {
    this.singleFileBytes = lockOptions.singleFileBytes ?? SINGLE_FILE_BYTES;
  }

  /** Where a slot of an account is kept (as one file; `slotPaths` gives its folder too). */
  pathOf(scope: Scope, slot: SnapshotSlot): string {
    return this.slotPaths(scope, slot).file;
  }

  /** Both places a slot may be kept: the file, and the folder it becomes when big. */
  slotPaths(scope: Scope, slot: SnapshotSlot): SlotPaths {
    const base = this.accountBase(scope) + (slot === 'candidate' ? '.candidate' : '');
    return { file: `${base}.json`, folder: base };
  }

  async get(scope: Scope, slot: SnapshotSlot): Promise<ReadStoredSnapshot | undefined> {
    const paths = this.slotPaths(scope, slot);
    const stream = await SnapshotStream.open(paths, scope);
    if (!stream) return undefined;
    if (stream.layout === 'file' && (await stat(paths.file)).size <= READ_WHOLE_BYTES) {
      const bytes = await readIfExists(paths.file);
      if (bytes === undefined) return undefined;
      const snapshot = parseStoredSnapshot(bytes.toString('utf8'), paths.file, scope);
      const bytesSha256 = bytesIdentity(bytes);
      return { snapshot, etag: etagOf(bytes), location: paths.file, ...(bytesSha256 ? { bytesSha256 } : {}) };
    }
    let read = await this.readStream(stream);
    // A part that does not match the manifest: a write was under way, or a person edited it. Under the lock, no write is.
    if (read.changed) read = await withFileLock(`${paths.file}.lock`, async () => this.readStream(await SnapshotStream.open(paths, scope) ?? stream), this.lockOptions);
    return read.stored;
  }

  /** A slot as a stream (resources in canonical order, never all in memory), or undefined. */
  openStream(scope: Scope, slot: SnapshotSlot): Promise<SnapshotStream | undefined> {
    return SnapshotStream.open(this.slotPaths(scope, slot), scope);
  }

  /** A writer for a slot: `add` resources in canonical order, `finish`, then `commit` the staged result. */
  writer(scope: Scope, slot: SnapshotSlot, header: Omit<Snapshot, 'resources'>): SnapshotWriter {
    return new SnapshotWriter(this.slotPaths(scope, slot), canonicalHeader(header), this.singleFileBytes);
  }

  /** Puts a staged snapshot in place, only if the slot's etag is still `ifMatch` (as `put`). Returns its etag. */
  async commit(scope: Scope, slot: SnapshotSlot, staged: StagedSnapshot, options: { ifMatch?: string | null } = {}, then?: () => Promise<void>): Promise<string> {
    const paths = this.slotPaths(scope, slot);
    await mkdir(join(this.dir, scope.cloud), { recursive: true });
    try {
      // `then` runs under the same lock: what it reads of the slot is what was just committed.
      await this.underLock(paths, options.ifMatch, async () => {
        await staged.commit();
        await then?.();
      });
    } catch (error) {
      await staged.discard();
      throw error;
    }
    return staged.etag;
  }

  /** The slot's current etag without reading its resources (a folder's is its manifest's), or undefined. */
  async etag(scope: Scope, slot: SnapshotSlot): Promise<string | undefined> {
    return this.currentEtag(this.slotPaths(scope, slot));
  }

  async put(scope: Scope, slot: SnapshotSlot, snapshot: Snapshot, options: { ifMatch?: string | null } = {}): Promise<string> {
    const paths = this.slotPaths(scope, slot);
    validateSnapshot(snapshot, paths.file);
    const writer = this.writer(scope, slot, snapshot);
    for (const item of canonicalResources(snapshot.resources)) await writer.add(item.resource, item.compact);
    return this.commit(scope, slot, await writer.finish(), options);
  }

  async remove(scope: Scope, slot: SnapshotSlot, options: { ifMatch?: string } = {}): Promise<void> {
    const paths = this.slotPaths(scope, slot);
    await mkdir(join(this.dir, scope.cloud), { recursive: true });
    await this.underLock(paths, options.ifMatch, async () => {
      await unlink(paths.file).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
      await unlink(join(paths.folder, MANIFEST_FILE)).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') throw error;
      });
      await rm(paths.folder, { recursive: true, force: true });
      await syncFolder(join(this.dir, scope.cloud));
    });
  }

  async archive(scope: Scope, snapshot: Snapshot, entry: Omit<HistoryEntry, 'location'>): Promise<HistoryEntry> {
    const paths = this.historyPaths(scope, entry);
    // The file must say who approved it even when the snapshot came without its approval.
    const approval = snapshot.approval ?? { sha256: entry.sha256, approvedAt: entry.approvedAt, approvedBy: entry.approvedBy, reason: entry.reason };
    const approved = { ...snapshot, approval };
    validateSnapshot(approved, paths.file);
    const writer = new SnapshotWriter(paths, canonicalHeader(approved), this.singleFileBytes);
    for (const item of canonicalResources(snapshot.resources)) await writer.add(item.resource, item.compact);
    const staged = await writer.finish();
    await staged.commit();
    return { ...entry, location: staged.layout === 'file' ? paths.file : paths.folder };
  }

  /**
   * Keeps the slot's current snapshot (approved, as `approveCandidateStream` leaves the baseline)
   * in history by copying its files, without reading them as JSON.
   */
  async archiveCopy(scope: Scope, slot: SnapshotSlot, entry: Omit<HistoryEntry, 'location'>): Promise<HistoryEntry> {
    const from = this.slotPaths(scope, slot);
    const to = this.historyPaths(scope, entry);
    const manifest = await readIfExists(join(from.folder, MANIFEST_FILE));
    if (manifest === undefined) {
      await mkdir(join(to.file, '..'), { recursive: true });
      await copyFile(from.file, to.file);
      return { ...entry, location: to.file };
    }
    await mkdir(to.folder, { recursive: true });
    const { parts } = ManifestSchema.parse(JSON.parse(manifest.toString('utf8')));
    for (const part of parts) await copyFile(join(from.folder, part.file), join(to.folder, part.file));
    await copyFile(join(from.folder, MANIFEST_FILE), join(to.folder, MANIFEST_FILE));
    await syncFolder(to.folder);
    return { ...entry, location: to.folder };
  }

  /** Approved baselines of an account, oldest first (a folder entry is read from its manifest alone). */
  async history(scope: Scope): Promise<HistoryEntry[]> {
    const folder = this.accountBase(scope) + '.history';
    const names = await readdir(folder).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    });
    const entries: HistoryEntry[] = [];
    for (const name of names.filter((file) => !file.startsWith('.')).sort(compareText)) {
      const location = join(folder, name);
      let snapshot: Snapshot | undefined;
      if (name.endsWith('.json')) {
        const bytes = await readIfExists(location);
        if (bytes !== undefined) snapshot = parseStoredSnapshot(bytes.toString('utf8'), location, scope);
      } else {
        const stream = await SnapshotStream.open({ file: `${location}.json`, folder: location }, scope);
        if (stream?.manifest) snapshot = { ...stream.manifest, resources: [] } as Snapshot;
      }
      if (!snapshot) continue;
      const approval = readApproval(snapshot);
      entries.push({
        sha256: approval?.sha256 ?? (snapshot as { sha256?: string }).sha256 ?? snapshotSha256(snapshot),
        approvedAt: approval?.approvedAt ?? snapshot.capturedAt,
        ...(approval?.approvedBy === undefined ? {} : { approvedBy: approval.approvedBy }),
        ...(approval?.reason === undefined ? {} : { reason: approval.reason }),
        location,
      });
    }
    return entries.sort((a, b) => compareText(a.approvedAt, b.approvedAt) || compareText(a.location, b.location));
  }

  async list(): Promise<Scope[]> {
    const scopes = new Map<string, Scope>();
    for (const cloud of CLOUDS) {
      const entries = await readdir(join(this.dir, cloud), { withFileTypes: true }).catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return [];
        throw error;
      });
      for (const entry of entries) {
        const name = entry.isDirectory() ? `${entry.name}.json` : entry.name;
        if (entry.isDirectory() && (await readIfExists(join(this.dir, cloud, entry.name, MANIFEST_FILE))) === undefined) continue;
        const match = /^(.+?)(?:\.candidate)?\.json$/.exec(name);
        const account = match?.[1];
        if (!account || !ACCOUNT_FILE_NAME.test(account) || account.endsWith('.candidate')) continue;
        scopes.set(`${cloud}/${account}`, { cloud, account });
      }
    }
    return [...scopes.values()].sort((a, b) => compareText(a.cloud, b.cloud) || compareText(a.account, b.account));
  }

  private historyPaths(scope: Scope, entry: Omit<HistoryEntry, 'location'>): SlotPaths {
    const base = join(this.accountBase(scope) + '.history', `${compactTime(entry.approvedAt)}-${entry.sha256.slice(0, 12)}`);
    return { file: `${base}.json`, folder: base };
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

  /** Reads a stream whole; `changed` when a part does not match its manifest. */
  private async readStream(stream: SnapshotStream): Promise<{ stored: ReadStoredSnapshot; changed: boolean }> {
    const snapshot = await stream.readAll();
    const summary = stream.summary();
    const etag = stream.layout === 'file' ? summary.fileSha256 : await this.currentEtag({ file: '', folder: stream.location }) ?? '';
    return { stored: { snapshot, etag, location: stream.location, bytesSha256: summary.bytesSha256 }, changed: summary.changedParts.length > 0 };
  }

  /** The etag of whichever layout holds the slot: the file's bytes, or the folder's (`folderEtag`). */
  private async currentEtag(paths: SlotPaths): Promise<string | undefined> {
    const manifest = await readIfExists(join(paths.folder, MANIFEST_FILE)).catch((error: unknown) => {
      if (errorCode(error) === 'ENOTDIR') return undefined;
      throw error;
    });
    if (manifest !== undefined) return folderEtag(paths.folder, manifest);
    if (paths.file === '') return undefined;
    return fileEtagIfExists(paths.file);
  }

  /** Checks `ifMatch` against the slot's current etag and acts, with no other writer in between. */
  private async underLock(paths: SlotPaths, ifMatch: string | null | undefined, action: () => Promise<void>): Promise<void> {
    await withFileLock(`${paths.file}.lock`, async () => {
      if (ifMatch === undefined) return action();
      const current = await this.currentEtag(paths);
      if (ifMatch === null && current !== undefined) throw new ConflictError(`${paths.file}: already exists`);
      if (ifMatch !== null && (current === undefined || current !== ifMatch)) {
        throw new ConflictError(`${paths.file}: changed since it was read (etag ${ifMatch.slice(0, 12)}…)`);
      }
      return action();
    }, this.lockOptions);
  }
}
