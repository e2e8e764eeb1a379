import type { ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../core/snapshot.js';
import { canonicalJson } from '../../snapshots/canonical.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { approveCandidate, saveCandidate } from '../../snapshots/lifecycle.js';
import { runCli, startCli, tempTree } from '../support/cli.js';
import { baseline, cloudTrail, eventBridge } from './aws-events.js';

const toIgw = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }));
const corrupt = () => canonicalJson(baseline as Snapshot).replace('"type": "nat"', '"type": "gateway"');
const jsonLines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status: string; rule: string; item: string; link?: string });
const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error: '));

let dir = '';
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGTERM');
  child = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

/** Replays the events folder on the baselines folder, keeping state in a file between runs. */
const replay = (env: Record<string, string> = {}) => runCli([
  'replay', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite'), '--format', 'json', join(dir, 'events'),
], { env });

describe('netdrift replay: operator errors', () => {
  it('a corrupt baseline exits 2 with one line naming the fix, loses no event, and a replay after the fix processes them', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': corrupt(), 'events/1.json': toIgw(), 'events/2.json': toIgw() });
    const path = join(dir, 'baselines/aws/111122223333.json');

    const broken = await replay();

    expect(broken.code).toBe(2);
    expect(errorLines(broken.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^error: netdrift\\.misconfigured aws/111122223333: ${path}: .*target\\.type: invalid option "gateway".* — fix: correct or restore ${path} `)),
    ]);
    expect(broken.stderr.split('\n').filter((l) => l.startsWith('failed '))).toHaveLength(2);
    expect(jsonLines(broken.stdout).map((f) => `${f.status} ${f.rule} ${f.item}`)).toEqual(['open netdrift.misconfigured baseline-invalid']);
    expect(jsonLines(broken.stdout)[0]?.link).toBeUndefined();

    await writeFile(path, canonicalJson(baseline as Snapshot));
    const fixed = await replay();

    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toBe('');
    expect(jsonLines(fixed.stdout).map((f) => `${f.status} ${f.rule}`)).toEqual(['open route.target-changed', 'resolved netdrift.misconfigured']);
  });

  it('a baseline file holding another account exits 2, naming the file', async () => {
    dir = await tempTree({
      'baselines/aws/111122223333.json': { ...baseline, scope: { cloud: 'aws', account: '444455556666' } },
      'events/1.json': toIgw(),
    });

    const result = await replay();

    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toEqual([expect.stringContaining(
      `${join(dir, 'baselines/aws/111122223333.json')}: scope is aws/444455556666, but the file is kept for aws/111122223333 — fix: move`,
    )]);
  });

  it('with NETDRIFT_APPROVAL_HMAC_KEY, a hand-edited approved baseline exits 2; the untouched one is used', async () => {
    dir = await tempTree({ 'events/1.json': toIgw() });
    const store = new FilesystemSnapshotStore(join(dir, 'baselines'));
    await saveCandidate(store, baseline as Snapshot);
    await approveCandidate(store, { cloud: 'aws', account: '111122223333' }, { hmacKey: 'the-approvers-key' });
    const path = store.pathOf({ cloud: 'aws', account: '111122223333' }, 'baseline');
    const approved = await readFile(path, 'utf8');
    await writeFile(path, approved.replace('"id": "nat-0abc",\n            "type": "nat"', '"id": "igw-0abc",\n            "type": "internet"'));
    expect(await readFile(path, 'utf8')).not.toBe(approved);

    const refused = await replay({ NETDRIFT_APPROVAL_HMAC_KEY: 'the-approvers-key' });
    await writeFile(path, approved);
    const used = await replay({ NETDRIFT_APPROVAL_HMAC_KEY: 'the-approvers-key' });

    expect(refused.code).toBe(2);
    expect(errorLines(refused.stderr)).toEqual([expect.stringContaining(`${path}: refused: content changed since approval`)]);
    expect(used.code).toBe(0);
    expect(jsonLines(used.stdout).map((f) => `${f.status} ${f.rule}`)).toEqual(['open route.target-changed', 'resolved netdrift.misconfigured']);
  });
});

describe('netdrift serve: operator errors', () => {
  it('answers 503 to an event of an account whose baseline is corrupt (so the platform retries), and logs the fix', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': corrupt() });
    const started = await startCli(['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')], /serving on (http:\/\/[\d.]+:\d+)/);
    child = started.child;

    const answer = await fetch(`${started.match[1] ?? ''}/aws/events`, { method: 'POST', body: JSON.stringify(toIgw()), headers: { 'content-type': 'application/json' } });

    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ opened: 1, records: [{ status: 'failed', class: 'operator' }] });
    expect(started.stderr()).toMatch(/^error: netdrift\.misconfigured aws\/111122223333: .* — fix: correct or restore /m);
  });
});
