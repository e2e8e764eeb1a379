import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/cli/netdrift.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `netdrift` as a user would (the bundle `npm run build` makes). */
/**
 * What every CLI child gets besides the test's own variables: PATH, and no probe of the GCE metadata
 * server (Google's auth library looks for it at 169.254.169.254; a test's traffic stays on 127.0.0.1).
 */
const CHILD_ENV = { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none' };

export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT, env: { ...CHILD_ENV, ...options.env }, maxBuffer: 64 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running command (serve); resolves once a stderr line matches `ready`. */
export function startCli(args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<{ child: ChildProcess; match: RegExpMatchArray; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...CHILD_ENV, ...env } });
  let stderr = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`not ready after 10 s: ${stderr}`)), 10_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = ready.exec(stderr);
      if (match) { clearTimeout(timer); done({ child, match, stderr: () => stderr }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`exited ${code}: ${stderr}`)); });
  });
}

/** A temporary folder with the given files (path → JSON value or raw text). */
export async function tempTree(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'netdrift-cli-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}
