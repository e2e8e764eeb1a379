import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OperatorError } from '../core/errors.js';
import { safeParseResource, type Resource } from '../core/resource.js';
import { SnapshotSchema, type Snapshot } from '../core/snapshot.js';
import { canonicalHeader, compareText, documentFrame } from './canonical.js';
import { headerOfManifest, MANIFEST_FILE, ManifestSchema, type Manifest, type Part } from './folder-layout.js';
import { SnapshotScanner } from './json-scan.js';
import { describeIssues, parseStoredSnapshot } from './parse.js';
import type { SlotPaths } from './snapshot-writer.js';
import type { Scope } from '../core/resource.js';

/** A resource as read, and (when asked for) its compact JSON as the file holds it: what its bytes hash over. */
export interface ResourceItem {
  resource: Resource;
  compact?: string;
}

/** The snapshot's top-level fields but `resources`. */
export type SnapshotHeader = Pick<Snapshot, 'schema' | 'scope' | 'capturedAt'> & Record<string, unknown>;

/** What reading the whole stream found. */
export interface ReadSummary {
  header: SnapshotHeader;
  resources: number;
  /**
   * sha256 of the compact form of the bytes as read, in the order read, without `approval`: the
   * identity when the snapshot is stored in canonical form (as netdrift writes it), a different
   * digest when it is not. A match with a recorded identity proves the content; a mismatch
   * proves nothing and is settled by canonicalising (approval.ts). Empty for a folder read
   * without `identity`.
   */
  bytesSha256: string;
  /** Whether resources came strictly in canonical order (kind, then id); merges need it. */
  ordered: boolean;
  /** Parts whose bytes are not what the manifest says they were when written. */
  changedParts: string[];
  /** sha256 of a one-file snapshot's bytes (the filesystem store's etag); empty for a folder. */
  fileSha256: string;
}

const CHUNK = 1 << 16;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function byKindAndId(a: Resource, b: Resource): number {
  return compareText(a.kind, b.kind) || compareText(a.id, b.id);
}

/** Parses and validates one resource, or throws a one-line error naming its index. */
function parseResource(text: string, index: number, where: string): { resource: Resource; raw: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`${where}: resources[${index}]: invalid JSON: ${error instanceof Error ? error.message : String(error)}`, where);
  }
  const result = safeParseResource(value);
  if (result.success) return { resource: result.data, raw: value };
  throw invalid(`${where}: ${describeIssues(result.error.issues, value, ['resources', index])}`, where);
}

/** A stored snapshot that does not read: a person must fix it (as `parseStoredSnapshot` says). */
function invalid(message: string, where: string): OperatorError {
  return new OperatorError('baseline-invalid', message, `correct or restore ${where} (netdrift snapshot capture, then approve)`, { location: where });
}

interface ScanSink {
  hash: Hash;
  bytes: Hash;
  header?: Buffer;
  count: number;
}

/** Reads a one-file snapshot through the scanner; yields the resources of each chunk as they complete. */
async function* scanFile(path: string, where: string, sink: ScanSink): AsyncGenerator<ResourceItem[]> {
  let batch: ResourceItem[] = [];
  const scanner = new SnapshotScanner('document', (compact, index) => {
    const text = compact.toString('utf8');
    batch.push({ resource: parseResource(text, index, where).resource, compact: text });
  }, where, sink.hash);
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    sink.bytes.update(chunk as Buffer);
    scanner.write(chunk as Buffer);
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  sink.header = Buffer.from(scanner.end());
  sink.count = scanner.count;
  if (batch.length > 0) yield batch;
}

const PART_OPEN = Buffer.from('[\n  {');
const PART_NEXT = Buffer.from(',\n  {');
const PART_CLOSE = Buffer.from('\n]');
const ELEMENT_END = Buffer.from('\n  }');

function startsWith(buffer: Buffer, at: number, prefix: Buffer): boolean | undefined {
  if (buffer.length - at < prefix.length) return undefined;
  return buffer.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/**
 * Reads a part file. A part as netdrift writes it has each resource between a line `  {` and a
 * line `  }`; a raw newline occurs in JSON only between tokens, so those lines are found with
 * `indexOf` and each resource goes to `JSON.parse` as it is, whitespace and all, with no pass over
 * its bytes in JavaScript. A part laid out any other way (or a piece that does not parse whole)
 * continues through the byte scanner from that resource on. With `identity`, each resource's
 * compact JSON is kept (`JSON.stringify` of it as parsed) for the digest.
 */
async function* scanPart(path: string, where: string, sink: ScanSink, identity: boolean): AsyncGenerator<ResourceItem[]> {
  let batch: ResourceItem[] = [];
  let index = 0;
  let scanner: SnapshotScanner | undefined;
  let state: 'open' | 'element' | 'between' | 'closed' = 'open';
  let carry: Buffer | undefined;
  const toScanner = (rest: Buffer, opened: boolean) => {
    const offset = index;
    scanner = new SnapshotScanner('array', (compact, i) => {
      const text = compact.toString('utf8');
      batch.push({ resource: parseResource(text, offset + i, where).resource, compact: text });
    }, where);
    if (opened) scanner.write(Buffer.from('['));
    scanner.write(rest);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    sink.bytes.update(chunk as Buffer);
    if (scanner) scanner.write(chunk as Buffer);
    else {
      const buffer: Buffer = carry ? Buffer.concat([carry, chunk as Buffer]) : chunk as Buffer;
      let at = 0;
      for (;;) {
        if (state === 'open' || state === 'between') {
          const ok = startsWith(buffer, at, state === 'open' ? PART_OPEN : PART_NEXT);
          if (ok === true) {
            at += PART_OPEN.length - 1;
            state = 'element';
            continue;
          }
          const closes = state === 'between' && startsWith(buffer, at, PART_CLOSE);
          if (closes === true && buffer.subarray(at + PART_CLOSE.length).toString('latin1').trim() === '') {
            state = 'closed';
            at = buffer.length;
            break;
          }
          if (ok === undefined) break; // too few bytes yet to tell
          toScanner(buffer.subarray(at), state === 'between');
          at = buffer.length;
          break;
        }
        if (state === 'element') {
          const end = buffer.indexOf(ELEMENT_END, at);
          if (end < 0) break;
          const text = buffer.toString('utf8', at, end + ELEMENT_END.length);
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
            toScanner(buffer.subarray(at), true);
            at = buffer.length;
            break;
          }
          const result = safeParseResource(value);
          if (!result.success) throw invalid(`${where}: ${describeIssues(result.error.issues, value, ['resources', index])}`, where);
          batch.push(identity ? { resource: result.data, compact: JSON.stringify(value) } : { resource: result.data });
          index += 1;
          at = end + ELEMENT_END.length;
          state = 'between';
          continue;
        }
        at = buffer.length; // closed: only whitespace may follow
        break;
      }
      carry = at < buffer.length ? Buffer.from(buffer.subarray(at)) : undefined;
      if (scanner) carry = undefined;
    }
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  if (scanner) {
    scanner.end();
    sink.count = index + scanner.count;
  } else {
    if (state !== 'closed' && !(state === 'open' && carry?.toString('latin1').trim() === '[]')) {
      throw invalid(`${where}: invalid JSON: the part ends too early (truncated?)`, where);
    }
    sink.count = index;
  }
  if (batch.length > 0) yield batch;
}

/** The compact JSON of an item: as read when kept, else of the resource as parsed (two equal kind-and-id only). */
function compactOf(item: ResourceItem): string {
  return item.compact ??= JSON.stringify(item.resource);
}

/** A pull cursor over batches of a stream: `head` is the current item once `fill` has run. */
export class Cursor {
  private batch: ResourceItem[] = [];
  private at = 0;
  done = false;

  constructor(readonly source: AsyncGenerator<ResourceItem[]>, readonly name: string) {}

  get head(): ResourceItem | undefined {
    return this.batch[this.at];
  }

  async fill(): Promise<void> {
    while (!this.done && this.at >= this.batch.length) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        this.batch = next.value;
        this.at = 0;
      }
    }
  }

  advance(): void {
    this.at += 1;
  }
}

/**
 * A stored snapshot read as a stream, in either layout (one file, or a folder of parts merged in
 * canonical order): resources come in batches and are validated one by one, so memory holds a
 * batch, never the snapshot. `summary()` after the last batch gives the header and the digests.
 */
export class SnapshotStream {
  private summaryValue: ReadSummary | undefined;

  private constructor(
    readonly layout: 'file' | 'folder',
    readonly location: string,
    private readonly scope: Scope,
    private readonly path: string,
    readonly manifest?: Manifest,
  ) {}

  /** The slot's snapshot (the folder when both exist: it is written before the file is removed), or undefined. */
  static async open(paths: SlotPaths, scope: Scope): Promise<SnapshotStream | undefined> {
    const manifestPath = join(paths.folder, MANIFEST_FILE);
    const manifestText = await readFile(manifestPath, 'utf8').catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined;
      throw error;
    });
    if (manifestText !== undefined) return new SnapshotStream('folder', paths.folder, scope, paths.folder, parseManifest(manifestText, manifestPath, scope));
    try {
      if (!(await stat(paths.file)).isFile()) return undefined;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    return new SnapshotStream('file', paths.file, scope, paths.file);
  }

  /** The identity recorded when the snapshot was written (folders), without reading it. */
  get recordedSha256(): string | undefined {
    return this.manifest?.sha256;
  }

  /** The resources in batches, in the stored order (a folder's parts merged in canonical order). */
  items(options: { identity?: boolean } = {}): AsyncGenerator<ResourceItem[]> {
    return this.manifest ? this.mergeParts(this.manifest, options.identity ?? false) : this.readFile();
  }

  /** What the read found; only after `items()` was read to its end. */
  summary(): ReadSummary {
    if (!this.summaryValue) throw new Error(`${this.location}: summary before the end of the stream`);
    return this.summaryValue;
  }

  /**
   * The header alone: a folder's manifest, or a pass over the file that parses no resource (in
   * canonical form `scope` and `schema` come after the resources, so the whole file is scanned).
   */
  async readHeader(): Promise<SnapshotHeader> {
    if (this.manifest) return headerOfManifest(this.manifest) as SnapshotHeader;
    const scanner = new SnapshotScanner('document', () => undefined, this.location);
    for await (const chunk of createReadStream(this.path, { highWaterMark: CHUNK })) scanner.write(chunk as Buffer);
    return this.parseHeader(Buffer.from(scanner.end()));
  }

  /** Reads the whole snapshot into memory (for callers that need it whole), with the digest of its bytes. */
  async readAll(): Promise<Snapshot> {
    const resources: Resource[] = [];
    for await (const batch of this.items({ identity: true })) for (const item of batch) resources.push(item.resource);
    return { ...this.summary().header, resources } as Snapshot;
  }

  private async *readFile(): AsyncGenerator<ResourceItem[]> {
    const sink: ScanSink = { hash: createHash('sha256'), bytes: createHash('sha256'), count: 0 };
    let previous: Resource | undefined;
    let ordered = true;
    for await (const batch of scanFile(this.path, this.location, sink)) {
      for (const item of batch) {
        if (previous && byKindAndId(previous, item.resource) >= 0) ordered = false;
        previous = item.resource;
      }
      yield batch;
    }
    const header = this.parseHeader(sink.header ?? Buffer.alloc(0));
    this.summaryValue = { header, resources: sink.count, bytesSha256: sink.hash.digest('hex'), ordered, changedParts: [], fileSha256: sink.bytes.digest('hex') };
  }

  private parseHeader(compact: Buffer): SnapshotHeader {
    const text = compact.toString('utf8');
    // The document without its resources: the usual one-line errors and the scope check apply.
    const snapshot = parseStoredSnapshot(text, this.location, this.scope);
    const { resources: _resources, ...header } = snapshot;
    return header;
  }

  private async *mergeParts(manifest: Manifest, withIdentity: boolean): AsyncGenerator<ResourceItem[]> {
    const header = headerOfManifest(manifest) as SnapshotHeader;
    const frame = documentFrame(canonicalHeader(header as Snapshot));
    const identity = createHash('sha256').update(frame.compactHead);
    const sinks = new Map<Part, ScanSink>();
    const cursors = manifest.parts.map((part) => {
      const sink: ScanSink = { hash: createHash('sha256'), bytes: createHash('sha256'), count: 0 };
      sinks.set(part, sink);
      const where = join(this.path, part.file);
      return new Cursor(scanPart(where, where, sink, withIdentity), part.file);
    });
    let ordered = true;
    let count = 0;
    let previous: ResourceItem | undefined;
    let out: ResourceItem[] = [];
    try {
      await Promise.all(cursors.map((cursor) => cursor.fill()));
      for (;;) {
        let best: Cursor | undefined;
        for (const cursor of cursors) {
          const head = cursor.head;
          if (!head) continue;
          if (!best || byKindAndId(head.resource, (best.head as ResourceItem).resource) < 0
            || (byKindAndId(head.resource, (best.head as ResourceItem).resource) === 0 && compareText(compactOf(head), compactOf(best.head as ResourceItem)) < 0)) best = cursor;
        }
        if (!best) break;
        const item = best.head as ResourceItem;
        if (previous && byKindAndId(previous.resource, item.resource) >= 0) ordered = false;
        previous = item;
        if (withIdentity) {
          if (count > 0) identity.update(',');
          identity.update(compactOf(item));
        }
        count += 1;
        out.push(item);
        best.advance();
        if (!best.head) {
          if (out.length > 0) {
            yield out;
            out = [];
          }
          await best.fill();
          // A part out of order within itself would merge wrongly: it is not canonical.
          const next = best.head as ResourceItem | undefined;
          if (next && byKindAndId(item.resource, next.resource) > 0) ordered = false;
        } else if (byKindAndId(item.resource, (best.head as ResourceItem).resource) > 0) ordered = false;
        if (out.length >= 1024) {
          yield out;
          out = [];
        }
      }
      if (out.length > 0) yield out;
    } finally {
      await Promise.all(cursors.map((cursor) => cursor.source.return(undefined)));
    }
    const changedParts = manifest.parts.filter((part) => sinks.get(part)?.bytes.digest('hex') !== part.sha256).map((part) => part.file);
    const parsedHeader = SnapshotSchema.omit({ resources: true }).safeParse(header);
    if (!parsedHeader.success) throw invalid(`${join(this.path, MANIFEST_FILE)}: ${describeIssues(parsedHeader.error.issues, header, [])}`, join(this.path, MANIFEST_FILE));
    this.summaryValue = { header, resources: count, bytesSha256: withIdentity ? identity.update(frame.compactTail).digest('hex') : '', ordered, changedParts, fileSha256: '' };
  }
}

function parseManifest(text: string, where: string, scope: Scope): Manifest {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new OperatorError('baseline-invalid', `${where}: invalid JSON: ${error instanceof Error ? error.message : String(error)}`, `correct or restore ${where}`, { location: where });
  }
  const result = ManifestSchema.safeParse(document);
  if (!result.success) {
    throw new OperatorError('baseline-invalid', `${where}: ${describeIssues(result.error.issues, document, [])}`, `correct or restore ${where}`, { location: where });
  }
  // The scope check of every stored snapshot, on the header alone.
  parseStoredSnapshot(JSON.stringify({ ...headerOfManifest(result.data), resources: [] }), where, scope);
  return result.data;
}

