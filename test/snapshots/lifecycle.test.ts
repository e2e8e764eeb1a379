import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../core/errors.js';
import { snapshotSha256 } from '../../snapshots/canonical.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { approveCandidate, saveCandidate, verifyApproval } from '../../snapshots/lifecycle.js';
import { AWS_SCOPE, sampleSnapshot } from '../contract/samples.js';

const NOW = new Date('2026-11-26T12:00:00.000Z');
const KEY = 'approvers-only-secret';

describe('snapshot lifecycle', () => {
  let dir: string;
  let store: FilesystemSnapshotStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netdrift-lifecycle-'));
    store = new FilesystemSnapshotStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves a capture as the candidate, without any approval it carries', async () => {
    const capture = { ...sampleSnapshot(), approval: { sha256: 'a'.repeat(64), approvedAt: '2026-01-01T00:00:00Z' } };

    const saved = await saveCandidate(store, capture);

    const candidate = await store.get(AWS_SCOPE, 'candidate');
    expect(candidate?.etag).toBe(saved.etag);
    expect(candidate?.snapshot.approval).toBeUndefined();
    expect(saved.sha256).toBe(snapshotSha256(sampleSnapshot()));
  });

  it('makes the candidate the baseline, with its approval, in history, and removes the candidate', async () => {
    await saveCandidate(store, sampleSnapshot());

    const result = await approveCandidate(store, AWS_SCOPE, { approvedBy: 'alice', now: NOW });

    const baseline = await store.get(AWS_SCOPE, 'baseline');
    expect(baseline?.snapshot.approval).toEqual({ sha256: snapshotSha256(sampleSnapshot()), approvedAt: NOW.toISOString(), approvedBy: 'alice' });
    expect(baseline?.etag).toBe(result.etag);
    expect(await store.get(AWS_SCOPE, 'candidate')).toBeUndefined();
    expect(result.candidateRemoved).toBe(true);
    expect(await store.history(AWS_SCOPE)).toEqual([result.history]);
    expect(result.history).toMatchObject({ sha256: result.approval.sha256, approvedAt: NOW.toISOString(), approvedBy: 'alice' });
  });

  it('replaces an earlier baseline', async () => {
    await saveCandidate(store, sampleSnapshot(AWS_SCOPE, '2026-11-01T00:00:00Z'));
    await approveCandidate(store, AWS_SCOPE, { now: new Date('2026-11-01T12:00:00Z') });
    await saveCandidate(store, sampleSnapshot(AWS_SCOPE, '2026-11-02T00:00:00Z'));

    await approveCandidate(store, AWS_SCOPE, { now: NOW });

    expect((await store.get(AWS_SCOPE, 'baseline'))?.snapshot.capturedAt).toBe('2026-11-02T00:00:00Z');
    expect((await store.history(AWS_SCOPE)).map((entry) => entry.approvedAt)).toEqual(['2026-11-01T12:00:00.000Z', NOW.toISOString()]);
  });

  it('fails when there is no candidate', async () => {
    await expect(approveCandidate(store, AWS_SCOPE)).rejects.toThrow(`aws/111122223333: no candidate snapshot to approve`);
  });

  it('lets one of two concurrent approvals win; the other changes nothing', async () => {
    const other = new FilesystemSnapshotStore(dir);
    for (let round = 0; round < 5; round += 1) {
      await saveCandidate(store, sampleSnapshot(AWS_SCOPE, `2026-11-0${round + 1}T00:00:00Z`));
      const at = new Date(NOW.getTime() + round * 1000);

      const results = await Promise.allSettled([
        approveCandidate(store, AWS_SCOPE, { approvedBy: 'alice', now: at }),
        approveCandidate(other, AWS_SCOPE, { approvedBy: 'bob', now: new Date(at.getTime() + 1) }),
      ]);

      const won = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toEqual([expect.any(ConflictError)]);
      expect((await store.get(AWS_SCOPE, 'baseline'))?.snapshot.approval).toEqual(won[0]?.approval);
      expect(await store.history(AWS_SCOPE)).toHaveLength(round + 1);
    }
  });

  it('refuses to approve again a candidate that is already the baseline', async () => {
    await saveCandidate(store, sampleSnapshot());
    const { approval } = await approveCandidate(store, AWS_SCOPE, { approvedBy: 'alice', now: NOW });
    await saveCandidate(store, sampleSnapshot());

    await expect(approveCandidate(store, AWS_SCOPE, { approvedBy: 'bob' })).rejects.toBeInstanceOf(ConflictError);
    expect((await store.get(AWS_SCOPE, 'baseline'))?.snapshot.approval).toEqual(approval);
  });

  it('keeps a candidate saved while the approval ran', async () => {
    await saveCandidate(store, sampleSnapshot());
    class RacingStore extends FilesystemSnapshotStore {
      override async remove(...args: Parameters<FilesystemSnapshotStore['remove']>): Promise<void> {
        await saveCandidate(store, sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z'));
        return super.remove(...args);
      }
    }
    const racing = new RacingStore(dir);

    const result = await approveCandidate(racing, AWS_SCOPE, { now: NOW });

    expect(result.candidateRemoved).toBe(false);
    expect((await store.get(AWS_SCOPE, 'candidate'))?.snapshot.capturedAt).toBe('2026-11-27T00:00:00Z');
  });
});

describe('verifyApproval', () => {
  async function approved(hmacKey?: string) {
    const dir = await mkdtemp(join(tmpdir(), 'netdrift-verify-'));
    try {
      const store = new FilesystemSnapshotStore(dir);
      await saveCandidate(store, sampleSnapshot());
      return (await approveCandidate(store, AWS_SCOPE, { approvedBy: 'alice', now: NOW, ...(hmacKey ? { hmacKey } : {}) })).snapshot;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('accepts an approved baseline as it was approved', async () => {
    expect(verifyApproval(await approved())).toMatchObject({ ok: true, approval: { approvedBy: 'alice' } });
  });

  it('accepts it whatever the order of its keys and sets', async () => {
    const snapshot = await approved();
    snapshot.resources.reverse();

    expect(verifyApproval(snapshot).ok).toBe(true);
  });

  it('catches content changed after approval', async () => {
    const snapshot = await approved();
    (snapshot.resources.find((r) => r.kind === 'nat-gateway') as { publicIps: string[] }).publicIps.push('198.51.100.1');

    expect(verifyApproval(snapshot)).toMatchObject({ ok: false, reason: expect.stringMatching(/^content changed since approval/) });
  });

  it('refuses a snapshot never approved', () => {
    expect(verifyApproval(sampleSnapshot())).toEqual({ ok: false, reason: 'not approved: no approval field' });
  });

  it('accepts an HMAC made with the key', async () => {
    expect(verifyApproval(await approved(KEY), KEY).ok).toBe(true);
  });

  it('catches an approval rewritten without the key', async () => {
    const snapshot = await approved(KEY);
    (snapshot.resources.find((r) => r.kind === 'nat-gateway') as { publicIps: string[] }).publicIps.push('198.51.100.1');
    snapshot.approval = { ...(snapshot.approval as object), sha256: snapshotSha256(snapshot) };

    expect(verifyApproval(snapshot).ok).toBe(true);
    expect(verifyApproval(snapshot, KEY)).toMatchObject({ ok: false, reason: expect.stringMatching(/hmac does not match/) });
  });

  it('catches a wrong key', async () => {
    expect(verifyApproval(await approved(KEY), 'another-key').ok).toBe(false);
  });

  it('requires an HMAC when given a key', async () => {
    expect(verifyApproval(await approved(), KEY)).toEqual({ ok: false, reason: 'approval has no hmac' });
  });
});
