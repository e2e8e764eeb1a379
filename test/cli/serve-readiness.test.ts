import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import { createHttpServer } from '../../cli/http-server.js';
import { ServeReadiness } from '../../cli/serve-readiness.js';
import { BaselineCache } from '../../core/baseline-cache.js';
import type { SnapshotSlot } from '../../core/ports.js';
import type { Scope } from '../../core/resource.js';
import { baselineApprovalCheck } from '../../snapshots/approval.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { tempTree } from '../support/cli.js';
import { baseline } from './aws-events.js';

/** The filesystem store, with each read held until the test lets it finish: "still loading" made observable. */
class GatedStore extends FilesystemSnapshotStore {
  open!: () => void;
  private readonly gate = new Promise<void>((resolve) => { this.open = resolve; });

  override async get(scope: Scope, slot: SnapshotSlot) {
    await this.gate;
    return super.get(scope, slot);
  }

  override async openStream(scope: Scope, slot: SnapshotSlot) {
    await this.gate;
    return super.openStream(scope, slot);
  }
}

/** Readiness loading through a baseline cache, as serve's does through its pipeline's. */
function readinessOf(store: FilesystemSnapshotStore, state: SqliteStateStore): ServeReadiness {
  const cache = new BaselineCache(store, 60_000, () => Date.now(), baselineApprovalCheck());
  return new ServeReadiness(store, (scope) => cache.get(scope), state, 'baselines');
}

let dir = '';
let server: Server | undefined;
let state: SqliteStateStore | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await state?.close();
  state = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

async function listening(readiness: ServeReadiness): Promise<string> {
  server = createHttpServer([], () => undefined, undefined, readiness.health);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const healthz = async (base: string) => {
  const answer = await fetch(`${base}/healthz`);
  return { status: answer.status, body: (await answer.json()) as unknown };
};

describe('serve readiness (/healthz)', () => {
  it('answers 503 while the baselines load, 200 once they are, and 503 when the state store stops answering', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    const store = new GatedStore(join(dir, 'baselines'));
    state = new SqliteStateStore(join(dir, 'state.sqlite'));
    const readiness = readinessOf(store, state);
    const base = await listening(readiness);

    const loading = readiness.load();
    const whileLoading = await healthz(base);
    store.open();
    await loading;
    const loaded = await healthz(base);
    await state.close();
    const stateGone = await healthz(base);

    expect(whileLoading).toEqual({ status: 503, body: { ok: false, ready: false, reason: 'loading the baselines in baselines' } });
    expect(loaded).toEqual({ status: 200, body: { ok: true, ready: true, baselines: ['aws/111122223333'] } });
    expect(stateGone).toEqual({ status: 503, body: { ok: false, ready: false, reason: 'state store: The database connection is not open' } });
  });

  it('names an account whose baseline does not match its approval', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': { ...baseline, approval: { sha256: '0'.repeat(64), approvedAt: '2026-11-25T01:00:00Z' } } });
    state = new SqliteStateStore(join(dir, 'state.sqlite'));
    const readiness = readinessOf(new FilesystemSnapshotStore(join(dir, 'baselines')), state);
    const base = await listening(readiness);

    await readiness.load();
    const health = await healthz(base);

    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ ok: false, ready: false, reason: expect.stringMatching(new RegExp(`^${join(dir, 'baselines/aws/111122223333.json')}: refused: .* — fix: restore `)) });
    expect(readiness.summary()).toMatch(/^baselines NOT READY \(\/healthz answers 503\): .*111122223333\.json: refused: /);
  });
});
