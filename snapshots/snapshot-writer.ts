import { createHash, randomBytes, type Hash } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ParseError } from '../core/errors.js';
import { syncFolder } from './atomic-write.js';
import type { compactJson} from './canonical.js';
import { compareResources, compareText, documentFrame, prettyElement, prettyJson, type DocumentFrame } from './canonical.js';
import { MANIFEST_FIELDS, MANIFEST_FILE, partFile, type Part } from './folder-layout.js';

type Json = Parameters<typeof compactJson>[0];
type JsonObject = { [key: string]: Json };

/** Where a slot lives in either layout: the single file and the folder (only one of them is kept). */
export interface SlotPaths {
  file: string;
  folder: string;
}

/**
 * A snapshot whose canonical text is at most this many bytes is one file, as before; a bigger
 * one is a folder of parts, one per region. 32 MiB keeps a file diffable in git hosting.
 */
export const SINGLE_FILE_BYTES = 32 * 1024 * 1024;

/** How much text a part collects before it is written out. */
const FLUSH_BYTES = 1 << 20;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** A file written in pieces, hashed as it goes, flushed to disk before it is renamed into place. */
class HashedFile {
  readonly hash: Hash = createHash('sha256');
  private pending: string[] = [];
  private pendingBytes = 0;
  count = 0;

  private constructor(readonly path: string, private readonly handle: FileHandle) {}

  static async create(path: string): Promise<HashedFile> {
    return new HashedFile(path, await open(path, 'wx'));
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  async close(): Promise<string> {
    await this.flush();
    await this.handle.sync();
    await this.handle.close();
    return this.hash.digest('hex');
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlink(this.path).catch(() => undefined);
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    this.hash.update(bytes);
    await this.handle.write(bytes);
  }
}

/** A resource given to a writer out of canonical order. */
export class OutOfOrderError extends Error {
  override name = 'OutOfOrderError';
}

/** What a writer wrote, not yet in place: `commit` moves it there (quickly: renames), `discard` drops it. */
export interface StagedSnapshot {
  /** The identity: sha256 of the compact canonical form without `approval`, computed as it was written. */
  sha256: string;
  resources: number;
  layout: 'file' | 'folder';
  /** sha256 of the file's bytes, or of the manifest's bytes for a folder: the filesystem store's etag. */
  etag: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Writes a snapshot resource by resource, never holding it whole: `add` takes each resource in
 * canonical form and order (kind, then id) with its compact JSON. Up to `singleFileBytes` of text
 * it is one file (`<account>.json`, byte for byte what `canonicalJson` gives); past that, a folder
 * of one part per region plus a manifest (folder-layout.ts). The identity is hashed as the
 * resources go by, so it is never recomputed. Everything is written to temporary files beside the
 * target first; `finish` returns a staged snapshot that a store commits under its lock.
 */
export class SnapshotWriter {
  private frame: DocumentFrame;
  private readonly identity = createHash('sha256');
  private buffered: string[] = [];
  private bufferedBytes = 0;
  private count = 0;
  private previous: Json | undefined;
  private folder: { temp: string; parts: Map<string, { region: string; file: HashedFile }> } | undefined;

  constructor(
    private readonly paths: SlotPaths,
    private header: JsonObject,
    private readonly singleFileBytes = SINGLE_FILE_BYTES,
  ) {
    this.frame = documentFrame(header);
    this.identity.update(this.frame.compactHead);
  }

  async add(resource: Json, compact: string): Promise<void> {
    if (this.previous !== undefined && compareResources(this.previous, resource) > 0) {
      throw new OutOfOrderError(`${this.paths.file}: resources must come in canonical order (kind, then id)`);
    }
    this.previous = resource;
    if (this.count > 0) this.identity.update(',');
    this.identity.update(compact);
    this.count += 1;
    if (this.folder) return this.toPart(resource);
    const text = prettyElement(resource, this.count - 1);
    this.buffered.push(text);
    this.bufferedBytes += text.length;
    if (this.bufferedBytes > this.singleFileBytes) await this.becomeFolder();
  }

  /**
   * Writes out what is left and stages the snapshot. `approve`, given the identity, returns the
   * `approval` to record with it: known only now, and outside the identity, so it can come last.
   */
  async finish(approve?: (sha256: string) => Json): Promise<StagedSnapshot> {
    const sha256 = this.identity.update(this.frame.compactTail).digest('hex');
    if (approve) {
      this.header = { ...this.header, approval: approve(sha256) };
      this.frame = documentFrame(this.header);
    }
    return this.folder ? this.finishFolder(sha256) : this.finishFile(sha256);
  }

  /** Drops whatever was written so far (a read of the source failed). */
  async abandon(): Promise<void> {
    this.buffered = [];
    const folder = this.folder;
    if (!folder) return;
    for (const part of folder.parts.values()) await part.file.discard();
    await rm(folder.temp, { recursive: true, force: true });
  }

  private async finishFile(sha256: string): Promise<StagedSnapshot> {
    const temp = tempName(this.paths.file);
    await mkdir(dirname(this.paths.file), { recursive: true });
    const file = await HashedFile.create(temp);
    let etag: string;
    try {
      await file.write(this.frame.prettyHead);
      for (const text of this.buffered) await file.write(text);
      await file.write(this.frame.prettyTail(this.count === 0));
      etag = await file.close();
    } catch (error) {
      await file.discard();
      throw error;
    }
    this.buffered = [];
    const { paths } = this;
    return {
      sha256, resources: this.count, layout: 'file', etag,
      commit: async () => {
        await rename(temp, paths.file);
        // The folder of the slot, if the snapshot was one: the manifest first, so a reader never sees a folder without it.
        await unlink(join(paths.folder, MANIFEST_FILE)).catch((error: unknown) => { if (errorCode(error) !== 'ENOENT') throw error; });
        await rm(paths.folder, { recursive: true, force: true });
        await syncFolder(dirname(paths.file));
      },
      discard: () => unlink(temp).catch(() => undefined),
    };
  }

  private async becomeFolder(): Promise<void> {
    const clash = MANIFEST_FIELDS.find((field) => field in this.header);
    if (clash) throw new ParseError(`${this.paths.folder}: the top-level field "${clash}" is reserved for folder snapshots (${MANIFEST_FILE}); this snapshot must stay one file, under ${this.singleFileBytes} bytes`);
    const temp = tempName(this.paths.folder);
    await mkdir(temp, { recursive: true });
    this.folder = { temp, parts: new Map() };
    // The buffered resources, in their order, to their parts (their text is re-indented for a part).
    const buffered = this.buffered;
    this.buffered = [];
    for (const text of buffered) await this.toPart(JSON.parse(text.slice(text.indexOf('{'))) as Json);
  }

  private async toPart(resource: Json): Promise<void> {
    const folder = this.folder;
    if (!folder) return;
    const region = typeof resource === 'object' && resource !== null && !Array.isArray(resource) && typeof resource.region === 'string' ? resource.region : '';
    const name = partFile(region);
    let part = folder.parts.get(name);
    if (!part) {
      part = { region, file: await HashedFile.create(join(folder.temp, name)) };
      folder.parts.set(name, part);
    } else if (part.region !== region) {
      throw new ParseError(`${this.paths.folder}: regions ${JSON.stringify(part.region)} and ${JSON.stringify(region)} would share ${name}`);
    }
    await part.file.write(`${part.file.count === 0 ? '[\n  ' : ',\n  '}${prettyJson(resource, 1)}`);
    part.file.count += 1;
  }

  private async finishFolder(sha256: string): Promise<StagedSnapshot> {
    const folder = this.folder;
    if (!folder) throw new Error('SnapshotWriter: no folder');
    const parts: Part[] = [];
    try {
      for (const [file, part] of folder.parts) {
        await part.file.write('\n]\n');
        parts.push({ count: part.file.count, file, region: part.region, sha256: await part.file.close() });
      }
    } catch (error) {
      await rm(folder.temp, { recursive: true, force: true });
      throw error;
    }
    parts.sort((a, b) => compareText(a.file, b.file));
    const manifest = { ...this.header, parts: parts as unknown as Json, sha256 };
    const manifestText = prettyManifest(manifest);
    const manifestFile = await HashedFile.create(join(folder.temp, MANIFEST_FILE));
    await manifestFile.write(manifestText);
    await manifestFile.close();
    // Renames keep a file's size and time: the etag computed here is the one the folder will have.
    const etag = await folderEtag(folder.temp, Buffer.from(manifestText, 'utf8'));
    const { paths } = this;
    return {
      sha256, resources: this.count, layout: 'folder', etag,
      commit: async () => {
        await mkdir(paths.folder, { recursive: true });
        // Parts first, the manifest last: a reader holding the old manifest sees a part that does
        // not match it and reads again under the lock (snapshot-reader.ts).
        for (const part of parts) await rename(join(folder.temp, part.file), join(paths.folder, part.file));
        await rename(join(folder.temp, MANIFEST_FILE), join(paths.folder, MANIFEST_FILE));
        const kept = new Set([MANIFEST_FILE, ...parts.map((part) => part.file)]);
        for (const name of await readdir(paths.folder)) {
          if (!kept.has(name) && name.endsWith('.json') && !name.startsWith('.')) await unlink(join(paths.folder, name));
        }
        await rm(folder.temp, { recursive: true, force: true });
        await unlink(paths.file).catch((error: unknown) => { if (errorCode(error) !== 'ENOENT') throw error; });
        await syncFolder(paths.folder);
        await syncFolder(dirname(paths.file));
      },
      discard: () => rm(folder.temp, { recursive: true, force: true }),
    };
  }
}

/**
 * A folder snapshot's version: its manifest's bytes (which carry every part's sha256 as written)
 * and each listed part's size and modification time, so that a part edited by hand is a new
 * version without hashing gigabytes to tell.
 */
export async function folderEtag(folder: string, manifest: Buffer): Promise<string> {
  const hash = createHash('sha256').update(manifest);
  let files: string[] = [];
  try {
    const parsed = JSON.parse(manifest.toString('utf8')) as { parts?: { file?: unknown }[] };
    files = (parsed.parts ?? []).map((part) => String(part.file));
  } catch {
    // An unreadable manifest: its bytes alone are the version (reading it reports the error).
  }
  for (const file of files) {
    const info = await stat(join(folder, file)).catch(() => undefined);
    hash.update(`\n${file}:${info ? `${info.size}:${info.mtimeMs}` : 'missing'}`);
  }
  return hash.digest('hex');
}

/** The manifest in canonical form (keys sorted, 2-space indent), as every canonical file is. */
function prettyManifest(manifest: JsonObject): string {
  return `${prettyJson(manifest, 0)}\n`;
}
