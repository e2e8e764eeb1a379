import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** A free TCP port on the loopback address. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** A running emulator: where it listens, and how to stop it. */
export interface Emulator {
  endpoint: string;
  stop(): Promise<void>;
}

/** A started process group: its leader, and the last lines it wrote (for a one-line failure). */
interface Group {
  child: ChildProcess;
  output: () => string;
}

/**
 * Starts `command` under a small shell that leads a process group of its own and watches this
 * process, so that a test run killed outright leaves no emulator behind. gcloud puts itself and its
 * Java child in a group of their own, so the shell forwards SIGTERM to the command's group as well.
 */
function startGroup(command: string, args: readonly string[]): Group {
  const watch = [
    '"$@" & emulator=$!',
    // A JVM that ignores SIGTERM for 5 s is killed.
    'stop() { kill -TERM -$emulator $emulator 2>/dev/null; ( sleep 5; kill -KILL -$emulator $emulator 2>/dev/null ) & }',
    'trap stop TERM',
    `( while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -TERM $$ ) & watcher=$!`,
    // `wait` returns early when the trap runs: wait again until the command has really gone.
    'while :; do wait $emulator; code=$?; kill -0 $emulator 2>/dev/null || break; done',
    'kill -KILL -$emulator $watcher 2>/dev/null',
    'exit $code',
  ].join('\n');
  const child = spawn('sh', ['-c', watch, 'sh', command, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => { tail = (tail + chunk.toString()).slice(-2000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => tail.trim().split('\n').slice(-3).join(' | ') };
}

/** Kills the whole group (gcloud's Python and its Java child alike); resolves once the leader has gone. */
function stopGroup({ child }: Group, graceMs = 10_000): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      // the group is gone already
    }
  };
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) { signal('SIGKILL'); done(); return; }
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      signal('SIGKILL'); // stragglers of the group
      child.stdout?.destroy();
      child.stderr?.destroy();
      done();
    });
    signal('SIGTERM');
  });
}

/** Waits until `url` answers below 500; fails with the emulator's last lines if it exits or takes longer than `timeoutMs`. */
async function waitForHttp(url: string, group: Group, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (group.child.exitCode !== null) throw new Error(`${url}: the emulator exited with ${group.child.exitCode}: ${group.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url}: not answering after ${timeoutMs} ms: ${group.output()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Starts one process group and waits until each URL answers; on failure the group is killed before the error is thrown. */
async function startServing(command: string, args: readonly string[], readyUrls: readonly string[], endpoint: string, timeoutMs: number): Promise<Emulator> {
  const group = startGroup(command, args);
  try {
    for (const url of readyUrls) await waitForHttp(url, group, timeoutMs);
  } catch (error) {
    await stopGroup(group);
    throw error;
  }
  return { endpoint, stop: () => stopGroup(group) };
}

/** Starts `moto_server` (Python moto: EC2, Route 53, S3, DynamoDB, SQS, ...) on a free loopback port. */
export async function startMoto(timeoutMs = 30_000): Promise<Emulator> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  return startServing('moto_server', ['-H', '127.0.0.1', '-p', String(port)], [`${endpoint}/moto-api/`], endpoint, timeoutMs);
}

/** Starts the Pub/Sub emulator; its endpoint is `host:port`, as `PUBSUB_EMULATOR_HOST` takes it. */
export async function startPubsubEmulator(timeoutMs = 60_000): Promise<Emulator> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  return startServing('gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, '--quiet'], [`http://${host}/`], host, timeoutMs);
}

/** Starts the Firestore emulator (native mode); its endpoint is `host:port`, as `FIRESTORE_EMULATOR_HOST` takes it. */
export async function startFirestoreEmulator(timeoutMs = 60_000): Promise<Emulator> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  return startServing('gcloud', ['emulators', 'firestore', 'start', `--host-port=${host}`, '--quiet'], [`http://${host}/`], host, timeoutMs);
}

/** Where Azurite's services listen (base URLs; the account, `devstoreaccount1`, is the first path segment). */
export interface AzuriteEndpoints {
  blob: string;
  table: string;
}

const AZURITE_BIN = resolve(import.meta.dirname, '../../node_modules/.bin');

/** Whether Azurite (a devDependency) is installed. */
export function azuriteInstalled(): boolean {
  return spawnSync(join(AZURITE_BIN, 'azurite-blob'), ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Starts Azurite's Blob and Table services (in memory, any API version, loose headers) on free loopback ports. */
export async function startAzurite(timeoutMs = 30_000): Promise<Emulator & { endpoints: AzuriteEndpoints }> {
  const [blobPort, tablePort] = await Promise.all([freePort(), freePort()]);
  const common = ['--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--silent', '--disableTelemetry'];
  const endpoints = { blob: `http://127.0.0.1:${blobPort}`, table: `http://127.0.0.1:${tablePort}` };
  const started = await Promise.allSettled([
    startServing(join(AZURITE_BIN, 'azurite-blob'), ['--blobHost', '127.0.0.1', '--blobPort', String(blobPort), '--extentMemoryLimit', '256', ...common], [endpoints.blob], endpoints.blob, timeoutMs),
    startServing(join(AZURITE_BIN, 'azurite-table'), ['--tableHost', '127.0.0.1', '--tablePort', String(tablePort), ...common], [endpoints.table], endpoints.table, timeoutMs),
  ]);
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => { await Promise.all(running.map((e) => e.stop())); };
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  return { endpoint: endpoints.blob, endpoints, stop };
}
