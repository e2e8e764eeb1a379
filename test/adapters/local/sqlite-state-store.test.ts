import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../../adapters/local/sqlite-state-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../adapters/local/sqlite-schema.js';
import { describeStateStoreContract } from '../../contract/state-store-contract.js';
import { AWS_SCOPE, sampleFinding, sampleObserved } from '../../contract/samples.js';

describeStateStoreContract('SqliteStateStore (file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'netdrift-sqlite-'));
  const store = new SqliteStateStore(join(dir, 'state.sqlite'));
  return { store, cleanup: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
});

describeStateStoreContract('SqliteStateStore (:memory:)', async () => {
  const store = new SqliteStateStore(':memory:');
  return { store, cleanup: () => store.close() };
});

describe('SqliteStateStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netdrift-sqlite-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the parent folders, in WAL mode, with the schema version recorded', async () => {
    const file = join(dir, 'nested', '.netdrift', 'state.sqlite');

    await new SqliteStateStore(file).close();

    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('keeps what was committed across reopening', async () => {
    const file = join(dir, 'state.sqlite');
    const first = new SqliteStateStore(file);
    await first.commit({
      processed: [{ key: 'aws:evt-1', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }],
      observed: [sampleObserved()], findings: [sampleFinding()], outbox: [{ sink: 'slack', finding: sampleFinding() }],
    });
    await first.close();

    const second = new SqliteStateStore(file);

    expect(await second.isProcessed('aws:evt-1')).toBe(true);
    expect(await second.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual(sampleObserved());
    expect(await second.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual([sampleFinding()]);
    expect(await second.pendingOutbox()).toHaveLength(1);
    await second.close();
  });

  it('sees what another connection to the same file committed', async () => {
    const file = join(dir, 'state.sqlite');
    const writer = new SqliteStateStore(file);
    const reader = new SqliteStateStore(file);

    await writer.commit({ processed: [], observed: [], findings: [sampleFinding()], outbox: [] });

    expect(await reader.listFindings({ status: 'open' })).toHaveLength(1);
    await Promise.all([writer.close(), reader.close()]);
  });

  it('opens a database of schema version 1, its outbox rows pending and due', async () => {
    const file = join(dir, 'state.sqlite');
    const old = new Database(file);
    old.exec(MIGRATIONS[0] ?? '');
    old.pragma('user_version = 1');
    old.prepare('INSERT INTO outbox (sink, fingerprint, finding, attempts, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run('slack', sampleFinding().fingerprint, JSON.stringify(sampleFinding()), 2, 'slack: 503 Service Unavailable', '2026-11-26T10:00:02.000Z');
    old.close();

    const store = new SqliteStateStore(file);

    expect(await store.pendingOutbox()).toEqual([{
      id: '1', sink: 'slack', finding: sampleFinding(), attempts: 2, lastError: 'slack: 503 Service Unavailable',
      createdAt: '2026-11-26T10:00:02.000Z', state: 'pending',
    }]);
    expect(await store.listOutbox({ state: 'rejected' })).toEqual([]);
    await store.close();
    const migrated = new Database(file, { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    migrated.close();
  });

  it('refuses a file written by a newer netdrift', async () => {
    const file = join(dir, 'state.sqlite');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();

    expect(() => new SqliteStateStore(file)).toThrow(/newer than this netdrift/);
  });
});
