import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CLOUDTRAIL_FIELDS, cloudTrailElementWanted, unwatchedRecord } from './archive-prefilter.js';
import { ArchiveScanner, type ScanEvent } from './archive-scanner.js';
import { openText, readError } from './archive-stream.js';
import { isObject } from '../core/reasons.js';

/** One delivery read from a file, a record dropped unvalidated because nobody watches it, or why it could not be read. */
export type InputItem =
  | { source: string; value: unknown }
  | { source: string; ignored: true }
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
  return unwatchedRecord(value) ? { source, ignored: true } : { source, value };
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

/** JSON lines: one delivery per line, `file#line`; a file of one line is `file`. A bad line is one error. */
async function* linesOf(file: string, chunks: AsyncIterable<string>): AsyncGenerator<InputItem[]> {
  let carry = '';
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
    carry += chunk;
    const batch: InputItem[] = [];
    let from = 0;
    for (let nl = carry.indexOf('\n'); nl >= 0; nl = carry.indexOf('\n', from)) {
      take(carry.slice(from, nl), batch);
      from = nl + 1;
    }
    carry = carry.slice(from);
    if (batch.length > 0) yield batch;
  }
  const last: InputItem[] = [];
  take(carry, last);
  if (held) last.push(item(many ? `${file}#${held.line}` : file, held.text));
  yield last;
}

/**
 * One document, streamed: each element of a top-level array or of a `Records`/`records` array is
 * `file#index` (a CloudTrail log file's unwatched records dropped unparsed), any other value is
 * `file` (`file#n` when the file holds several).
 */
async function* documentOf(file: string, chunks: AsyncIterable<string>): AsyncGenerator<InputItem[]> {
  const scanner = new ArchiveScanner(CLOUDTRAIL_FIELDS, cloudTrailElementWanted);
  const ignored: InputItem = { source: file, ignored: true };
  let values = 0;
  let held: string | undefined;
  const add = (event: ScanEvent, batch: InputItem[]): void => {
    if (event.kind === 'element') {
      if (event.text === undefined) { batch.push(ignored); return; }
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

/**
 * The deliveries in one file, a batch per chunk read, as a stream (gzip or not, by its magic bytes) with memory
 * bounded by the largest record, not the file: a JSON document (one value, an array, a CloudTrail
 * log file `{"Records": [...]}`), or JSON lines (Azure's `PT1H.json`, GCP's hourly Cloud Storage
 * exports). A file that cannot be read, or stops being readable, gives one error naming it.
 */
export async function* readDeliveries(file: string): AsyncGenerator<InputItem[]> {
  let stream;
  try {
    stream = await openText(file);
  } catch (error) {
    yield [{ source: file, error: readError(error) }];
    return;
  }
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<string>;
  try {
    // Read until the first line ends (or the head shows a streamed document): enough to tell the shape.
    // Chunks are kept apart and joined once; re-reading a growing string per chunk is quadratic garbage.
    const parts: string[] = [];
    let length = 0;
    let done = false;
    let content = -1;
    let lineEnded = false;
    let checked = false;
    let streamed = false;
    for (;;) {
      const next = await iterator.next();
      if (next.done) { done = true; break; }
      const chunk = next.value;
      parts.push(chunk);
      if (content < 0) { const at = chunk.search(/[^\s\uFEFF]/); if (at >= 0) content = length + at; }
      length += chunk.length;
      if (content >= 0 && chunk.includes('\n', Math.max(0, content - (length - chunk.length)))) lineEnded = true;
      if (!checked && content >= 0 && length - content >= 64) {
        checked = true;
        streamed = STREAMED_HEAD.test(parts.join('').slice(content, content + 64));
      }
      if (lineEnded || streamed || length >= HEAD_LIMIT) break;
    }
    const text = parts.join('').replace(/^\uFEFF/, '').trimStart();
    if (text === '' && done) { yield [{ source: file, error: 'empty file' }]; return; }
    const newline = text.indexOf('\n');
    const lines = newline >= 0 && !STREAMED_HEAD.test(text) && parses(text.slice(0, newline));
    async function* rest(): AsyncGenerator<string> {
      yield text;
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
