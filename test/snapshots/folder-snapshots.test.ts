import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OperatorError } from '../../core/errors.js';
import type { Snapshot } from '../../core/snapshot.js';
import { diffSnapshots } from '../../core/snapshot-diff.js';
import { approvalHmac, checkBaselineApproval, type ReadStoredSnapshot } from '../../snapshots/approval.js';
import { CaptureSink } from '../../snapshots/capture-sink.js';
import { canonicalJson, canonicalSnapshot, snapshotSha256 } from '../../snapshots/canonical.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { SnapshotScanner } from '../../snapshots/json-scan.js';
import { approveCandidateStream, saveCandidate } from '../../snapshots/lifecycle.js';
import { diffSnapshotStreams } from '../../snapshots/stream-diff.js';
import { describeSnapshotStoreContract } from '../contract/snapshot-store-contract.js';
import { AWS_SCOPE, sampleSnapshot } from '../contract/samples.js';

const KEY = 'approval-key-held-by-the-approvers';

/** A store that writes every snapshot but an empty one as a folder (the limit is a few bytes). */
const folderStore = (dir: string) => new FilesystemSnapshotStore(dir, { singleFileBytes: 10 });

describeSnapshotStoreContract('FilesystemSnapshotStore, folder layout', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'netdrift-folders-'));
  return { store: folderStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

/** The sample with the NAT gateway's public IP changed and a route table added in another region. */
function drifted(): Snapshot {
  const snapshot = sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z');
  const nat = snapshot.resources.find((r) => r.kind === 'nat-gateway') as { publicIps: string[] };
  nat.publicIps = ['198.51.100.99'];
  snapshot.resources.push({ kind: 'route-table', id: 'rtb-0b2', region: 'us-east-1', network: 'vpc-02', routes: [{ destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-02' } }], subnets: [] });
  return snapshot;
}

describe('folder snapshots', () => {
  let dir: string;
  let store: FilesystemSnapshotStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netdrift-folders-'));
    store = folderStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a manifest and one canonical part per region, with the identity and each part digest recorded', async () => {
    await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());

    const folder = join(dir, 'aws', `${AWS_SCOPE.account}.candidate`);
    expect((await readdir(folder)).sort()).toEqual(['eu-west-1.json', 'global.json', 'manifest.json']);
    const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as { sha256: string; parts: { file: string; count: number; sha256: string }[] };
    expect(manifest.sha256).toBe(snapshotSha256(sampleSnapshot()));
    for (const part of manifest.parts) {
      const bytes = await readFile(join(folder, part.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(part.sha256);
      expect((JSON.parse(bytes.toString('utf8')) as unknown[]).length).toBe(part.count);
    }
    const eu = JSON.parse(await readFile(join(folder, 'eu-west-1.json'), 'utf8')) as { kind: string; id: string }[];
    expect(eu.map((r) => `${r.kind}:${r.id}`)).toEqual(['internet-gateway:igw-01', 'nat-gateway:nat-01', 'route-table:rtb-0a1']);
  });

  it('reads back what one file would, with the digest of its bytes equal to the identity', async () => {
    const etag = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

    const stored = await store.get(AWS_SCOPE, 'baseline') as ReadStoredSnapshot;

    expect(stored.snapshot).toEqual(canonicalSnapshot(sampleSnapshot()));
    expect(stored.etag).toBe(etag);
    expect(stored.bytesSha256).toBe(snapshotSha256(sampleSnapshot()));
  });

  it('goes back to one file when the snapshot shrinks, and lists the account once either way', async () => {
    await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

    await new FilesystemSnapshotStore(dir).put(AWS_SCOPE, 'baseline', sampleSnapshot());

    expect(await readdir(join(dir, 'aws'))).toEqual([`${AWS_SCOPE.account}.json`]);
    expect(await readFile(join(dir, 'aws', `${AWS_SCOPE.account}.json`), 'utf8')).toBe(canonicalJson(sampleSnapshot()));
    expect(await store.list()).toEqual([AWS_SCOPE]);
  });

  it('diffs two folder snapshots as streams with the drifts of the in-memory diff', async () => {
    await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    await store.put(AWS_SCOPE, 'candidate', drifted());
    const [baseline, candidate] = await Promise.all([store.openStream(AWS_SCOPE, 'baseline'), store.openStream(AWS_SCOPE, 'candidate')]);

    const drifts = baseline && candidate ? await diffSnapshotStreams('aws', baseline, candidate) : undefined;

    expect(drifts).toEqual(diffSnapshots(canonicalSnapshot(sampleSnapshot()), canonicalSnapshot(drifted())));
    expect(drifts?.map((d) => d.rule).sort()).toEqual(['nat.changed', 'route-table.created', 'route.default-added']);
  });

  it('approves a folder candidate as a stream: the baseline carries the approval, history a copy, the candidate is gone', async () => {
    await saveCandidate(store, sampleSnapshot());

    const result = await approveCandidateStream(store, AWS_SCOPE, { approvedBy: 'alice', hmacKey: KEY, now: new Date('2026-11-27T09:00:00Z') });

    expect(result?.approval).toEqual({ sha256: snapshotSha256(sampleSnapshot()), approvedAt: '2026-11-27T09:00:00.000Z', approvedBy: 'alice', hmac: approvalHmac(snapshotSha256(sampleSnapshot()), KEY) });
    const stored = await store.get(AWS_SCOPE, 'baseline');
    expect(stored?.snapshot.approval).toEqual(result?.approval);
    expect(() => stored && checkBaselineApproval(stored, KEY)).not.toThrow();
    expect(await store.get(AWS_SCOPE, 'candidate')).toBeUndefined();
    expect(await store.history(AWS_SCOPE)).toEqual([{ sha256: snapshotSha256(sampleSnapshot()), approvedAt: '2026-11-27T09:00:00.000Z', approvedBy: 'alice', location: result?.history.location }]);
    expect(await readdir(result?.history.location ?? '')).toContain('manifest.json');
  });

  it('refuses a baseline whose part was edited by hand, even with the part digest and sha256 rewritten (HMAC)', async () => {
    await saveCandidate(store, sampleSnapshot());
    await approveCandidateStream(store, AWS_SCOPE, { hmacKey: KEY });
    const folder = join(dir, 'aws', AWS_SCOPE.account);
    const part = join(folder, 'eu-west-1.json');
    const edited = (await readFile(part, 'utf8')).replace('"type": "nat"', '"type": "internet"').replace('"id": "nat-01"', '"id": "igw-01"');
    await writeFile(part, edited);
    const manifestPath = join(folder, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { sha256: string; approval: { sha256: string }; parts: { file: string; sha256: string }[] };
    for (const p of manifest.parts) if (p.file === 'eu-west-1.json') p.sha256 = createHash('sha256').update(edited).digest('hex');
    const content = await store.get(AWS_SCOPE, 'baseline');
    manifest.approval.sha256 = content ? snapshotSha256(content.snapshot) : '';
    manifest.sha256 = manifest.approval.sha256;
    await writeFile(manifestPath, JSON.stringify(manifest, null, 2));

    const stored = await store.get(AWS_SCOPE, 'baseline');

    expect(() => stored && checkBaselineApproval(stored, KEY)).toThrow(OperatorError);
    expect(() => stored && checkBaselineApproval(stored, KEY)).toThrow(/approval hmac does not match/);
  });

  it('refuses, without a key, a part edited by hand; and reads a part laid out on one line through the byte scanner', async () => {
    await saveCandidate(store, sampleSnapshot());
    await approveCandidateStream(store, AWS_SCOPE, {});
    const part = join(dir, 'aws', AWS_SCOPE.account, 'eu-west-1.json');
    const resources = JSON.parse(await readFile(part, 'utf8')) as { id: string; publicIps?: string[] }[];
    await writeFile(part, JSON.stringify(resources));
    const same = await store.get(AWS_SCOPE, 'baseline');
    expect(() => same && checkBaselineApproval(same)).not.toThrow();

    (resources.find((r) => r.id === 'nat-01') as { publicIps: string[] }).publicIps = ['198.51.100.1'];
    await writeFile(part, JSON.stringify(resources));
    const edited = await store.get(AWS_SCOPE, 'baseline');

    expect(() => edited && checkBaselineApproval(edited)).toThrow(/content changed since approval/);
  });
});

describe('SnapshotScanner', () => {
  it('gives the same compact resources and digest whatever the chunks', () => {
    const text = Buffer.from(canonicalJson({ ...sampleSnapshot(), approval: { sha256: '0'.repeat(64), approvedAt: 'x' } }), 'utf8');
    const scan = (size: number) => {
      const hash = createHash('sha256');
      const elements: string[] = [];
      const scanner = new SnapshotScanner('document', (compact) => elements.push(compact.toString('utf8')), 'test', hash);
      for (let at = 0; at < text.length; at += size) scanner.write(text.subarray(at, at + size));
      scanner.end();
      return { elements, digest: hash.digest('hex') };
    };

    const whole = scan(text.length);

    expect(scan(1)).toEqual(whole);
    expect(scan(7)).toEqual(whole);
    expect(whole.digest).toBe(snapshotSha256(sampleSnapshot()));
    expect(whole.elements.map((e) => JSON.parse(e) as unknown)).toEqual(canonicalSnapshot(sampleSnapshot()).resources);
  });
});

describe('CaptureSink', () => {
  it('merges what regions added into one canonical candidate, the first of a resource found twice kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netdrift-capture-'));
    try {
      const store = new FilesystemSnapshotStore(dir);
      const [table, nat, zone, igw] = sampleSnapshot().resources;
      const sink = new CaptureSink(store, AWS_SCOPE, '2026-11-26T00:00:00Z');

      await sink.add([igw, table, zone].filter((r) => r !== undefined));
      await sink.add([nat, { ...zone, name: 'seen.twice.' } as typeof zone].filter((r) => r !== undefined));
      const saved = await sink.finish();

      expect(saved).toMatchObject({ sha256: snapshotSha256(sampleSnapshot()), resources: 4 });
      expect(await readFile(store.pathOf(AWS_SCOPE, 'candidate'), 'utf8')).toBe(canonicalJson(sampleSnapshot()));
      expect((await readdir(join(dir, 'aws'))).filter((name) => name.startsWith('.'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
