import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT as REPO_ROOT } from '../../support/cli.js';

/** A free loopback port, as the OS hands one out. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * One function of the BUILT source (dist/gcp), served by the real Functions Framework in its own
 * Node process, as Cloud Run starts it: `functions-framework --source dist/gcp --target <fn>`.
 */
export class ServedFunction {
  readonly output: string[] = [];

  private constructor(private readonly child: ChildProcess, readonly url: string) {}

  static async start(target: string, signatureType: 'http' | 'cloudevent', env: Record<string, string>): Promise<ServedFunction> {
    const port = await freePort();
    const bin = join(REPO_ROOT, 'node_modules/.bin/functions-framework');
    const child = spawn(bin, ['--source', join(REPO_ROOT, 'dist/gcp'), '--target', target, '--signature-type', signatureType, '--port', String(port)], {
      cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const served = new ServedFunction(child, `http://127.0.0.1:${port}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${target} did not start: ${served.output.join('')}`)), 20_000);
      const collect = (chunk: Buffer) => {
        served.output.push(chunk.toString());
        if (served.output.join('').includes('URL: http://')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${target} exited (${code}): ${served.output.join('')}`));
      });
    });
    return served;
  }

  /** POSTs `body` (JSON unless a string) with `headers`; the status and the parsed answer. */
  async post(body: unknown, headers: Record<string, string> = {}, path = '/'): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch { /* not JSON: the text */ }
    return { status: response.status, body: parsed };
  }

  /** The JSON lines the function logged. */
  logLines(): { message?: string; level?: string }[] {
    return this.output.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { message?: string; level?: string });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
