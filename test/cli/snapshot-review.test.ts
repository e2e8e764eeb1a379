import { readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempTree } from '../support/cli.js';
import { ACCOUNT, baseline } from './aws-events.js';

/** The candidate a reviewer is shown: the default route sent to the internet gateway. */
const candidate = {
  ...baseline,
  capturedAt: '2026-12-01T00:00:00Z',
  resources: [
    { ...baseline.resources[0], routes: [{ destination: '10.0.0.0/16', target: { type: 'local' } }, { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-0abc' } }] },
    baseline.resources[1],
  ],
};
const SUMMARY = [
  'summary: 1 finding(s): 1 critical',
  '  by kind: 1 route-table',
  '  by rule: 1 route.target-changed',
  '  critical: route.target-changed rtb-0private01: route 0.0.0.0/0 on rtb-0private01 now points to internet:igw-0abc (was nat:nat-0abc)',
];

let dir = '';
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); dir = ''; });
const where = () => ['--cloud', 'aws', '--account', ACCOUNT, '--baseline', join(dir, 'baselines')];

describe('reviewing before approving', () => {
  it('snapshot diff ends its table with the summary: counts per severity, kind and rule, the critical ones named', async () => {
    dir = await tempTree({ [`baselines/aws/${ACCOUNT}.json`]: baseline, [`baselines/aws/${ACCOUNT}.candidate.json`]: candidate });

    const result = await runCli(['snapshot', 'diff', ...where()]);

    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').slice(-4)).toEqual(SUMMARY);
  });

  it('snapshot diff --format markdown writes a pull request comment', async () => {
    dir = await tempTree({ [`baselines/aws/${ACCOUNT}.json`]: baseline, [`baselines/aws/${ACCOUNT}.candidate.json`]: candidate });

    const result = await runCli(['snapshot', 'diff', ...where(), '--format', 'markdown']);

    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`### netdrift snapshot diff: aws/${ACCOUNT}`);
    expect(lines).toContain('**1 finding(s):** 1 critical');
    expect(lines.filter((l) => l.startsWith('| open | critical | `route.target-changed` |'))).toHaveLength(1);
  });

  it('snapshot approve shows what it approves, records the OS user when --by is not given, and the reason', async () => {
    dir = await tempTree({ [`baselines/aws/${ACCOUNT}.json`]: baseline, [`baselines/aws/${ACCOUNT}.candidate.json`]: candidate });

    const result = await runCli(['snapshot', 'approve', ...where(), '--reason', 'CHG-1234: egress through the new IGW']);

    expect(result.code, result.stderr).toBe(0);
    const user = userInfo().username;
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual(SUMMARY);
    expect(lines[4]).toMatch(new RegExp(`^approved aws/${ACCOUNT}: sha256 [0-9a-f]{64}$`));
    expect(lines[5]).toBe(`  by ${user}: CHG-1234: egress through the new IGW`);
    const approved = JSON.parse(await readFile(join(dir, 'baselines', 'aws', `${ACCOUNT}.json`), 'utf8')) as { approval: Record<string, unknown> };
    expect(approved.approval).toMatchObject({ approvedBy: user, reason: 'CHG-1234: egress through the new IGW' });
  });

  it('snapshot history lists approvals oldest first with who, sha256 and why', async () => {
    dir = await tempTree({ [`baselines/aws/${ACCOUNT}.candidate.json`]: baseline });
    const first = await runCli(['snapshot', 'approve', ...where(), '--by', 'alice']);
    expect(first.stdout.split('\n')[0]).toBe(`approving the first baseline of aws/${ACCOUNT}`);
    await writeFile(join(dir, 'baselines', 'aws', `${ACCOUNT}.candidate.json`), JSON.stringify(candidate));
    await runCli(['snapshot', 'approve', ...where(), '--by', 'bob', '--reason', 'new IGW']);

    const text = await runCli(['snapshot', 'history', ...where()]);
    const json = await runCli(['snapshot', 'history', ...where(), '--format', 'json']);

    expect(text.code).toBe(0);
    const rows = text.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^APPROVED AT +BY +SHA256 +REASON$/);
    expect(rows.slice(1).map((r) => r.split(/ {2,}/).slice(1))).toEqual([
      ['alice', expect.stringMatching(/^[0-9a-f]{64}$/) as string],
      ['bob', expect.stringMatching(/^[0-9a-f]{64}$/) as string, 'new IGW'],
    ]);
    const entries = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.map((e) => [e.approvedBy, e.reason])).toEqual([['alice', undefined], ['bob', 'new IGW']]);
    expect(entries[1]?.sha256).not.toBe(entries[0]?.sha256);
  });

  it('an empty --reason is a usage error: exit 2, one line, nothing approved', async () => {
    dir = await tempTree({ [`baselines/aws/${ACCOUNT}.candidate.json`]: baseline });

    const result = await runCli(['snapshot', 'approve', ...where(), '--reason', ' ']);

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/--reason: give a reason, or leave the option out/)]);
  });
});
