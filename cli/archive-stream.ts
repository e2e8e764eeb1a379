import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** gzip's magic bytes (RFC 1952, section 2.3.1): a file is gunzipped by what it holds, whatever its name. */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === GZIP_MAGIC[0] && buffer[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/**
 * Bytes per chunk the reader is handed: large, so the per-chunk cost (a zlib call, a stream turn, the
 * scanner's carried remainder) is paid every megabyte, not every few kilobytes; small beside what a
 * replay may hold (issue 12: 256 MB).
 */
const CHUNK = 1 << 20;

/**
 * A file's bytes as a stream of Buffer chunks, gunzipped when it starts with gzip's magic bytes
 * (CloudTrail writes `.json.gz`; a concatenation of gzip members reads as one). The gunzip runs on
 * libuv's threads, a chunk or two ahead of the reader. Memory holds a few chunks, never the file.
 */
export async function openBytes(file: string): Promise<Readable> {
  const gzip = await isGzip(file);
  const raw = createReadStream(file, { highWaterMark: gzip ? 1 << 16 : CHUNK });
  if (!gzip) return raw;
  const gunzip = createGunzip({ chunkSize: CHUNK });
  raw.on('error', (error) => gunzip.destroy(error));
  gunzip.on('close', () => raw.destroy());
  raw.pipe(gunzip);
  return gunzip;
}

/** Why a file could not be read, in one line: a broken gzip stream, or the system's error code. */
export function readError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
  if (typeof code === 'string' && code.startsWith('Z_')) return `not a readable gzip file (${message})`;
  return `cannot read: ${code ?? message}`;
}
