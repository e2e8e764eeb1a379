import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, OperatorError, ParseError } from '../../core/errors.js';
import { canonicalJson } from '../../snapshots/canonical.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { describeSnapshotStoreContract } from '../contract/snapshot-store-contract.js';
import { AWS_SCOPE, sampleSnapshot } from '../contract/samples.js';

const run = promisify(execFile);

describeSnapshotStoreContract('FilesystemSnapshotStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'netdrift-fs-store-'));
  return { store: new FilesystemSnapshotStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FilesystemSnapshotStore', () => {
  let dir: string;
  let store: FilesystemSnapshotStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netdrift-fs-store-'));
    store = new FilesystemSnapshotStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the baseline and candidate as canonical JSON where people look for them', async () => {
    await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());

    const baseline = await readFile(join(dir, 'aws', '111122223333.json'), 'utf8');
    const candidate = await readFile(join(dir, 'aws', '111122223333.candidate.json'), 'utf8');
    expect(baseline).toBe(canonicalJson(sampleSnapshot()));
    expect(candidate).toBe(baseline);
  });

  it('leaves no temp or lock file behind', async () => {
    await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    await store.remove(AWS_SCOPE, 'candidate');

    expect(await readdir(join(dir, 'aws'))).toEqual(['111122223333.json']);
  });

  it('keeps history as <approvedAt>-<sha12>.json beside the baseline', async () => {
    const entry = await store.archive(AWS_SCOPE, sampleSnapshot(),
      { sha256: '0123456789abcdef'.repeat(4), approvedAt: '2026-11-26T10:20:30.123Z', approvedBy: 'alice' });

    expect(entry.location).toBe(join(dir, 'aws', '111122223333.history', '20261126T102030123Z-0123456789ab.json'));
    expect(JSON.parse(await readFile(entry.location, 'utf8'))).toMatchObject({ approval: { approvedBy: 'alice' } });
  });

  it('sees an edit made by hand as a new etag', async () => {
    const etag = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    const path = store.pathOf(AWS_SCOPE, 'baseline');
    await writeFile(path, (await readFile(path, 'utf8')).replace('203.0.113.10', '203.0.113.11'));

    const write = store.put(AWS_SCOPE, 'baseline', sampleSnapshot(), { ifMatch: etag });

    await expect(write).rejects.toBeInstanceOf(ConflictError);
  });

  it('reports a file that does not parse with its path and the bad field, as an operator error', async () => {
    const path = store.pathOf(AWS_SCOPE, 'baseline');
    const broken = JSON.parse(canonicalJson(sampleSnapshot()));
    broken.resources[3].routes[0].target.type = 'gateway';
    await mkdir(join(dir, 'aws'), { recursive: true });
    await writeFile(path, JSON.stringify(broken));

    const read = store.get(AWS_SCOPE, 'baseline');

    await expect(read).rejects.toBeInstanceOf(OperatorError);
    await expect(read).rejects.toMatchObject({ code: 'baseline-invalid', location: path });
    await expect(read).rejects.toThrow(`${path}: resources[3].routes[0].target.type: invalid option "gateway"`);
  });

  it('refuses to write a snapshot it could not read back', async () => {
    const bad = { ...sampleSnapshot(), schema: 'netdrift/snapshot@9' } as unknown as ReturnType<typeof sampleSnapshot>;

    await expect(store.put(AWS_SCOPE, 'baseline', bad)).rejects.toBeInstanceOf(ParseError);
    expect(await store.get(AWS_SCOPE, 'baseline')).toBeUndefined();
  });

  it('refuses an account id that is not a plain file name', async () => {
    const write = store.put({ cloud: 'aws', account: '../../etc/passwd' }, 'baseline', sampleSnapshot());

    await expect(write).rejects.toBeInstanceOf(ParseError);
  });

  it('breaks a lock left by a crashed process', async () => {
    const lock = `${store.pathOf(AWS_SCOPE, 'baseline')}.lock`;
    await mkdir(join(dir, 'aws'), { recursive: true });
    await writeFile(lock, '999999@gone\n');
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(lock, longAgo, longAgo);

    await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

    expect((await store.get(AWS_SCOPE, 'baseline'))?.snapshot.capturedAt).toBe(sampleSnapshot().capturedAt);
  });

  it('waits for a lock held by a live writer', async () => {
    const lock = `${store.pathOf(AWS_SCOPE, 'baseline')}.lock`;
    await mkdir(join(dir, 'aws'), { recursive: true });
    await writeFile(lock, 'busy\n');
    let done = false;

    const write = store.put(AWS_SCOPE, 'baseline', sampleSnapshot()).then(() => { done = true; });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done).toBe(false);
    await rm(lock);
    await write;

    expect(done).toBe(true);
  });

  it('lets exactly one of many store instances racing with the same etag win', async () => {
    for (let round = 0; round < 10; round += 1) {
      const etag = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
      const writers = Array.from({ length: 5 }, () => new FilesystemSnapshotStore(dir));

      const results = await Promise.allSettled(writers.map((writer, i) =>
        writer.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, `2026-11-27T00:00:0${i}Z`), { ifMatch: etag })));

      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConflictError);
    }
  });

  it('lets exactly one of several processes racing with the same etag win', async () => {
    const etag = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    const worker = fileURLToPath(new URL('./put-race-worker.ts', import.meta.url));
    const startAt = String(Date.now() + 3_000);

    const outputs = await Promise.all(Array.from({ length: 4 }, (_, i) =>
      run(process.execPath, ['--import', 'tsx', worker, dir, etag, `2026-11-27T00:00:0${i}Z`, startAt])));

    const lines = outputs.map((output) => output.stdout.trim()).sort();
    expect(lines).toEqual(['conflict', 'conflict', 'conflict', 'won']);
  });
});
