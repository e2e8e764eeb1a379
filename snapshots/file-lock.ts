import { randomBytes } from 'node:crypto';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { TransientError } from '../core/errors.js';

/** How a lock is waited for and when a left-over one is broken. */
export interface FileLockOptions {
  /** A lock older than this is taken to be left by a crashed process and is broken. Default 10 s. */
  staleMs?: number;
  /** Give up (with `TransientError`) after waiting this long. Default: twice `staleMs`. */
  timeoutMs?: number;
}

const DEFAULT_STALE_MS = 10_000;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Breaks a stale lock without breaking a fresh one that replaced it meanwhile: the lock is
 * renamed aside (atomic), and if what was moved is not the stale file we saw, it is put back
 * with `link`, which fails rather than overwrite a lock someone created since.
 */
async function breakStaleLock(path: string, staleIno: number): Promise<void> {
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  try {
    const moved = await stat(aside);
    if (moved.ino !== staleIno) await link(aside, path).catch(() => undefined);
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

/**
 * Runs `action` holding an exclusive lock file at `path`, created with `open(path, 'wx')` so that
 * only one process (on any host sharing the folder) can hold it; the lock is removed afterwards,
 * whatever `action` does.
 */
export async function withFileLock<T>(path: string, action: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const deadline = Date.now() + (options.timeoutMs ?? staleMs * 2);
  let delay = 2;
  let ino: number;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      try {
        ino = (await handle.stat()).ino;
        await handle.writeFile(`${process.pid}@${hostname()} ${new Date().toISOString()}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const held = await stat(path).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    });
    if (held && Date.now() - held.mtimeMs > staleMs) {
      await breakStaleLock(path, held.ino);
      continue;
    }
    if (Date.now() > deadline) throw new TransientError(`${path}: still locked after ${options.timeoutMs ?? staleMs * 2} ms`);
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
  try {
    return await action();
  } finally {
    // Past `staleMs` another process may have broken this lock and taken its own: leave that one.
    const current = await stat(path).catch(() => undefined);
    if (current?.ino === ino) await unlink(path).catch(() => undefined);
  }
}
