import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, tempTree } from '../support/cli.js';
import { baseline } from './aws-events.js';

/** Issue 13: a supervisor can trust `serve` — it ends with exit 2 when it cannot work, and /healthz says when it can. */
const READY = /serving on (http:\/\/[\d.]+:\d+)/;
const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/secretpart0123';

let dir = '';
let child: ChildProcess | undefined;
let blocker: Server | undefined;
afterEach(async () => {
  child?.kill('SIGTERM');
  child = undefined;
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function timed(args: string[]) {
  const start = Date.now();
  const result = await runCli(args);
  return { ...result, ms: Date.now() - start };
}

const healthz = async (base: string) => {
  const answer = await fetch(`${base}/healthz`);
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
};

describe('netdrift serve: exits 2 with one line when it cannot work', () => {
  it('ends when its port is taken, within 1 s of starting up', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;

    // What starting the CLI costs on this machine, measured at the same time: a usage error ends right after start-up.
    const [startup, busy] = await Promise.all([
      timed(['serve', '--port', 'eighty']),
      timed(['serve', '--port', String(port), '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')]),
    ]);

    expect(startup.code).toBe(2);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toBe(`netdrift: cannot listen on 127.0.0.1:${port}: port ${port} is in use by another process: stop it, or give serve another --port\n`);
    expect(busy.ms - startup.ms).toBeLessThan(1000);
  });

  it('ends when --host is not an address of this machine', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });

    const result = await runCli(['serve', '--host', '192.0.2.1', '--port', '0', '--secret', 'serve-secret-1', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('netdrift: --host 192.0.2.1: not an address of this machine: give one of its addresses (127.0.0.1 for loopback, 0.0.0.0 for all)\n');
  });

  it('ends when the baselines folder does not exist, creating nothing', async () => {
    dir = await tempTree({});
    const missing = join(dir, 'no-such-dir');

    const result = await runCli(['serve', '--port', '0', '--baseline', missing, '--state', join(dir, 'state.sqlite')]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`netdrift: --baseline ${missing}: no such folder: give the folder of approved baselines (<cloud>/<account>.json, written by netdrift snapshot approve)\n`);
    expect(existsSync(join(dir, 'state.sqlite'))).toBe(false);
  });

  it('ends when the state file cannot be opened', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'taken.txt': 'a file, not a folder' });
    const state = join(dir, 'taken.txt', 'state.sqlite');

    const result = await runCli(['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', state]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^netdrift: state file ${state.replace(/[.]/g, '\\.')}: cannot open it \\(.*\\): give --state a file serve may create and write\\n$`));
  });
});

describe('netdrift serve: /healthz and the startup summary', () => {
  it('is ready once its baselines and state are loaded, and says so in one summary line without a secret', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    const started = await startCli(['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')], READY, { NETDRIFT_SLACK_WEBHOOK_URL: SLACK_URL });
    child = started.child;
    const base = started.match[1] ?? '';

    const summary = await waitFor(() => /^serve: .*$/m.exec(started.stderr())?.[0]);
    const health = await healthz(base);

    expect(summary).toBe(`serve: baselines aws/111122223333 (1 in ${join(dir, 'baselines')}); state ${join(dir, 'state.sqlite')}; sinks slack; `
      + 'endpoints POST /aws/events (open: loopback), POST /azure/events (open: loopback), POST /gcp/pubsub (open: loopback), GET /healthz, GET /metrics');
    expect(started.stderr()).not.toContain('secretpart');
    expect(health).toEqual({ status: 200, body: { ok: true, ready: true, baselines: ['aws/111122223333'] } });
  });

  it('answers 503 naming a baseline that cannot be used, and 200 once it is fixed', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': '{"schema": "netdrift/snapshot@1", "scope": ' });
    const file = join(dir, 'baselines/aws/111122223333.json');
    const started = await startCli(['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')], READY);
    child = started.child;
    const base = started.match[1] ?? '';

    const summary = await waitFor(() => /^serve: .*$/m.exec(started.stderr())?.[0]);
    const broken = await healthz(base);
    await writeFile(file, JSON.stringify(baseline));
    const fixed = await waitFor(async () => { const h = await healthz(base); return h.status === 200 ? h : undefined; });

    expect(broken.status).toBe(503);
    expect(broken.body).toMatchObject({ ok: false, ready: false });
    expect(broken.body.reason).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}: invalid JSON: .* — fix: correct or restore ${file.replace(/[.]/g, '\\.')} \\(netdrift snapshot capture, then approve\\)$`));
    expect(summary).toMatch(new RegExp(`^serve: baselines NOT READY \\(/healthz answers 503\\): ${file.replace(/[.]/g, '\\.')}: invalid JSON: .*; state `));
    expect(fixed.body).toEqual({ ok: true, ready: true, baselines: ['aws/111122223333'] });
  });

  it('answers 503 when the folder holds no approved baseline', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.candidate.json': baseline });
    const started = await startCli(['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')], READY);
    child = started.child;

    await waitFor(() => /^serve: .*$/m.exec(started.stderr())?.[0]);
    const health = await healthz(started.match[1] ?? '');

    expect(health).toEqual({
      status: 503,
      body: { ok: false, ready: false, reason: `no approved baseline in ${join(dir, 'baselines')}: events yield no findings until one is (netdrift snapshot capture, then approve)` },
    });
  });
});
