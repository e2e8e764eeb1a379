import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../core/snapshot.js';
import { diffSnapshots } from '../../core/snapshot-diff.js';
import { canonicalJson, canonicalSnapshot, snapshotSha256 } from '../../snapshots/canonical.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { AWS_SCOPE, sampleSnapshot } from '../contract/samples.js';
import { runCli } from '../support/cli.js';

/** Every snapshot but an empty one is a folder: the built CLI's limit, lowered through its environment. */
const ENV = { NETDRIFT_SNAPSHOT_FILE_BYTES: '100' };
const SCOPE_ARGS = ['--cloud', 'aws', '--account', AWS_SCOPE.account];

function drifted(): Snapshot {
  const snapshot = sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z');
  const nat = snapshot.resources.find((r) => r.kind === 'nat-gateway') as { publicIps: string[] };
  nat.publicIps = ['198.51.100.99'];
  return snapshot;
}

describe('netdrift snapshot on folder snapshots (the built CLI)', () => {
  let dir: string;
  let store: FilesystemSnapshotStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netdrift-cli-folders-'));
    store = new FilesystemSnapshotStore(dir, { singleFileBytes: 100 });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('approve makes the folder candidate the baseline, with its approval in the manifest', async () => {
    await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());

    const approved = await runCli(['snapshot', 'approve', ...SCOPE_ARGS, '--baseline', dir, '--by', 'alice'], { env: ENV });

    expect(approved).toMatchObject({ code: 0, stdout: expect.stringContaining(`approved aws/${AWS_SCOPE.account}: sha256 ${snapshotSha256(sampleSnapshot())}\n`) as string, stderr: '' });
    const manifest = JSON.parse(await readFile(join(dir, 'aws', AWS_SCOPE.account, 'manifest.json'), 'utf8')) as { approval: { sha256: string; approvedBy: string } };
    expect(manifest.approval).toMatchObject({ sha256: snapshotSha256(sampleSnapshot()), approvedBy: 'alice' });
    expect(await store.get(AWS_SCOPE, 'candidate')).toBeUndefined();
  });

  it('diff of two folders prints the findings of the in-memory diff, named by the sha256 recorded in the manifest', async () => {
    await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    await store.put(AWS_SCOPE, 'candidate', drifted());

    const result = await runCli(['snapshot', 'diff', ...SCOPE_ARGS, '--baseline', dir, '--format', 'json', '--exit-code', 'medium'], { env: ENV });

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('drift at or above medium: 1 finding(s)\n');
    const findings = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { rule: string; resource: string; eventId: string });
    const expected = diffSnapshots(canonicalSnapshot(sampleSnapshot()), canonicalSnapshot(drifted()));
    expect(findings.map((f) => `${f.rule} ${f.resource}`)).toEqual(expected.map((d) => `${d.rule} ${d.resource}`));
    expect(findings[0]?.eventId).toBe(`candidate:${snapshotSha256(drifted()).slice(0, 12)}`);
  });

  it('show prints a folder snapshot as the one canonical document it stands for', async () => {
    await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());

    const shown = await runCli(['snapshot', 'show', ...SCOPE_ARGS, '--baseline', dir, '--candidate'], { env: ENV });

    expect(shown).toEqual({ code: 0, stdout: canonicalJson(sampleSnapshot()), stderr: '' });
  });
});
