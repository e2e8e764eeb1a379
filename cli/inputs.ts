import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { CLOUDTRAIL_FIELDS, cloudTrailElementWanted, unwatchedRecord } from './archive-prefilter.js';
import { ArchiveScanner, type ScanEvent } from './archive-scanner.js';
import { openBytes, readError } from './archive-stream.js';
import { isObject } from '../core/reasons.js';

/** One delivery read from a file, records dropped unvalidated because nobody watches them (how many), or why it could not be read. */
export type InputItem =
  | { source: string; value: unknown }
  | { source: string; ignored: number }
  | { source: string; error: string };

/**
 * Folders that hold no event: CloudTrail's digest files (hashes of the log files, for integrity
 * validation: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html).
 */
const NOT_EVENTS = new Set(['CloudTrail-Digest']);

/**
 * Every file under the given paths, folders walked recursively in name order (so the dated
 * layouts of archives, `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`, `y=YYYY/m=MM/d=DD/h=HH/`,
 * `YYYY/MM/DD/HH:00:00_HH:59:59_S0.json`, read in time order), dotfiles and digest folders skipped.
 */
export async function listInputFiles(paths: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = async (path: string, top: boolean): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (!info) { missing.push(path); return; }
    if (!info.isDirectory()) { files.push(path); return; }
    const names = (await readdir(path)).filter((n) => !n.startsWith('.') && (top || !NOT_EVENTS.has(n))).sort();
    for (const name of names) await walk(join(path, name), false);
  };
  for (const path of paths) await walk(path, true);
  return { files, missing };
}

function jsonError(error: unknown): string {
  return `invalid JSON: ${(error instanceof Error ? error.message : String(error)).split('\n', 1)[0]}`;
}

/** A parsed record, or ignored when the cheap check says nobody watches it. */
function item(source: string, text: string): InputItem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { source, error: jsonError(error) };
  }
  return unwatchedRecord(value) ? { source, ignored: 1 } : { source, value };
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Where the first chunks say the file is JSON lines (each line a value), not one document. */
const HEAD_LIMIT = 1 << 20;
const STREAMED_HEAD = /^(?:\[|\{\s*"(?:Records|records)"\s*:)/;
const NEWLINE = 0x0a;

/** JSON lines: one delivery per line, `file#line`; a file of one line is `file`. A bad line is one error. */
async function* linesOf(file: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<InputItem[]> {
  let carry: Buffer | undefined;
  let line = 0;
  let held: { text: string; line: number } | undefined;
  let many = false;
  const take = (text: string, batch: InputItem[]): void => {
    const at = line;
    line += 1;
    if (text.trim() === '') return;
    if (held) { many = true; batch.push(item(`${file}#${held.line}`, held.text)); }
    held = { text, line: at };
  };
  for await (const chunk of chunks) {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    const batch: InputItem[] = [];
    let from = 0;
    for (let nl = buf.indexOf(NEWLINE); nl >= 0; nl = buf.indexOf(NEWLINE, from)) {
      take(buf.toString('utf8', from, nl), batch);
      from = nl + 1;
    }
    carry = from < buf.length ? buf.subarray(from) : undefined;
    if (batch.length > 0) yield batch;
  }
  const last: InputItem[] = [];
  take(carry ? carry.toString('utf8') : '', last);
  if (held) last.push(item(many ? `${file}#${held.line}` : file, held.text));
  yield last;
}

/**
 * One document, streamed: each element of a top-level array or of a `Records`/`records` array is
 * `file#index` (a CloudTrail log file's unwatched records counted, never decoded or parsed), any other
 * value is `file` (`file#n` when the file holds several).
 */
async function* documentOf(file: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<InputItem[]> {
  const scanner = new ArchiveScanner(CLOUDTRAIL_FIELDS, cloudTrailElementWanted);
  let values = 0;
  let held: string | undefined;
  const add = (event: ScanEvent, batch: InputItem[]): void => {
    if (event.kind === 'skipped') {
      batch.push({ source: file, ignored: event.count });
    } else if (event.kind === 'element') {
      const parsed = item(`${file}#${event.index}`, event.text);
      // An SQS event's records are messages, read by the SQS adapter from their envelope.
      if ('value' in parsed && isObject(parsed.value) && parsed.value.eventSource === 'aws:sqs') parsed.value = { Records: [parsed.value] };
      batch.push(parsed);
    } else if (event.kind === 'empty') {
      batch.push({ source: file, value: JSON.parse(event.text) as unknown });
    } else if (event.kind === 'value') {
      if (held !== undefined) batch.push(item(`${file}#${values - 1}`, held));
      held = event.text;
      values += 1;
    } else {
      const source = event.index !== undefined ? `${file}#${event.index}` : values > 0 ? `${file}#${values}` : file;
      batch.push({ source, error: `invalid JSON: ${event.message}` });
    }
  };
  for await (const chunk of chunks) {
    const batch: InputItem[] = [];
    for (const event of scanner.push(chunk)) add(event, batch);
    if (batch.length > 0) yield batch;
  }
  const last: InputItem[] = [];
  for (const event of scanner.end()) add(event, last);
  if (held !== undefined) last.push(item(values > 1 ? `${file}#${values - 1}` : file, held));
  yield last;
}

/** Where a file's content starts: after a UTF-8 byte order mark and white space; -1 when none is in `head` yet. */
function contentStart(head: Buffer): number {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i += 1;
  return i < head.length ? i : -1;
}

/**
 * The deliveries in one opened file, a batch per chunk read, with memory bounded by the largest record,
 * not the file: a JSON document (one value, an array, a CloudTrail log file `{"Records": [...]}`), or
 * JSON lines (Azure's `PT1H.json`, GCP's hourly Cloud Storage exports). A file that cannot be read, or
 * stops being readable, gives one error naming it.
 */
async function* deliveriesOf(file: string, opened: Opened): AsyncGenerator<InputItem[]> {
  if ('error' in opened) { yield [{ source: file, error: readError(opened.error) }]; return; }
  const { stream } = opened;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    // Read until the first line ends (or the head shows a streamed document): enough to tell the shape.
    const parts: Buffer[] = [];
    let length = 0;
    let done = false;
    let head: Buffer = Buffer.alloc(0);
    let content = -1;
    let streamed = false;
    for (;;) {
      const next = await iterator.next();
      if (next.done) { done = true; break; }
      parts.push(next.value);
      length += next.value.length;
      head = parts.length === 1 ? next.value : Buffer.concat(parts, length);
      content = contentStart(head);
      if (content < 0) continue;
      streamed = length - content >= 64 && STREAMED_HEAD.test(head.toString('latin1', content, content + 64));
      if (streamed || head.indexOf(NEWLINE, content) >= 0 || length >= HEAD_LIMIT) break;
    }
    if (content < 0) {
      if (done) { yield [{ source: file, error: 'empty file' }]; return; }
      content = head.length;
    }
    if (!streamed) streamed = STREAMED_HEAD.test(head.toString('latin1', content, content + 64));
    const newline = head.indexOf(NEWLINE, content);
    const lines = newline >= 0 && !streamed && parses(head.toString('utf8', content, newline));
    async function* rest(): AsyncGenerator<Buffer> {
      yield head.subarray(content);
      if (done) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    }
    yield* lines ? linesOf(file, rest()) : documentOf(file, rest());
  } catch (error) {
    yield [{ source: file, error: readError(error) }];
  } finally {
    stream.destroy();
  }
}

type Opened = { stream: Readable } | { error: unknown };

function openFile(file: string): Promise<Opened> {
  return openBytes(file).then((stream) => ({ stream }), (error: unknown) => ({ error }));
}

/**
 * Each file's deliveries in turn (gzip or not, by its magic bytes): read one file's `batches` to the
 * end before asking for the next file. The next file is opened, and its first chunk gunzipped on
 * libuv's threads, while this one is read.
 */
export async function* readFiles(files: readonly string[]): AsyncGenerator<{ file: string; batches: AsyncGenerator<InputItem[]> }> {
  let next = files[0] !== undefined ? openFile(files[0]) : undefined;
  try {
    for (const [k, file] of files.entries()) {
      const current = await next!;
      const following = files[k + 1];
      next = following !== undefined ? openFile(following) : undefined;
      yield { file, batches: deliveriesOf(file, current) };
    }
  } finally {
    // A reader that stopped early: the file opened ahead is not read.
    void next?.then((opened) => { if ('stream' in opened) opened.stream.destroy(); });
  }
}
