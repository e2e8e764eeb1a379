import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempTree } from '../support/cli.js';
import { baseline } from './aws-events.js';

let dir = '';
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); dir = ''; });

describe('netdrift demo', () => {
  it('runs on embedded defaults and shows findings opened and resolved', async () => {
    const result = await runCli(['demo']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/OPEN\s+CRITICAL\s+route\.target-changed/);
    expect(result.stdout).toMatch(/RESOLVED\s+CRITICAL\s+route\.target-changed/);
    // A resolved row says what the resource is now, not the drift it had.
    expect(result.stdout).toMatch(/RESOLVED\s+CRITICAL\s+route\.target-changed\s+\S+\s+rtb-0private01\s+route 0\.0\.0\.0\/0 on rtb-0private01 points to nat:nat-0demo01 again, as in the baseline/);
    expect(result.stdout).toMatch(/OPEN\s+HIGH\s+private-endpoint\.deleted/);
    expect(result.stdout).toMatch(/OPEN\s+CRITICAL\s+route\.target-changed\s+azure:\S+\s+rt-spoke-app/);
    expect(result.stdout).toMatch(/OPEN\s+HIGH\s+dns-zone\.network-unlinked\s+azure:/);
    expect(result.stdout).toMatch(/OPEN\s+CRITICAL\s+route\.default-added\s+gcp:acme-net-prod\s+prod-vpc/);
    expect(result.stdout).toMatch(/RESOLVED\s+CRITICAL\s+route\.default-added\s+gcp:acme-net-prod/);
    expect(result.stdout).toMatch(/OPEN\s+CRITICAL\s+dns-forwarding\.changed\s+gcp:/);
    expect(result.stdout).toMatch(/2 duplicate deliveries skipped/);
  });
});

describe('netdrift catalog', () => {
  it('lists the watched operations as JSON lines', async () => {
    const result = await runCli(['catalog', '--cloud', 'aws', '--format', 'json']);

    expect(result.code).toBe(0);
    const rows = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { operation: string; cloud: string });
    expect(rows.every((r) => r.cloud === 'aws')).toBe(true);
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.map((r) => r.operation)).toEqual(expect.arrayContaining(['ec2:CreateRoute', 'route53:ChangeResourceRecordSets', 'ec2:DeleteVpcEndpoints']));
  });

  it('lists all three clouds', async () => {
    const result = await runCli(['catalog', '--format', 'json']);
    const clouds = new Set(result.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { cloud: string }).cloud));
    expect([...clouds].sort()).toEqual(['aws', 'azure', 'gcp']);
  });

  it('prints each cloud\'s delivery filter generated from the catalog', async () => {
    const aws = await runCli(['catalog', '--cloud', 'aws', '--format', 'filter']);
    const azure = await runCli(['catalog', '--cloud', 'azure', '--format', 'filter']);
    const gcp = await runCli(['catalog', '--cloud', 'gcp', '--format', 'filter']);
    const pattern = JSON.parse(aws.stdout) as { 'detail-type': string[]; detail: { eventName: string[] } };
    expect(pattern['detail-type']).toEqual(['AWS API Call via CloudTrail']);
    expect(pattern.detail.eventName).toContain('CreateRoute');
    expect(JSON.stringify(JSON.parse(azure.stdout))).toContain('Microsoft.Network/routeTables/write');
    expect(gcp.stdout).toMatch(/^logName:"cloudaudit\.googleapis\.com%2Factivity" AND protoPayload\.methodName=\(/);
    expect(await runCli(['catalog', '--format', 'filter'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--format filter needs --cloud/) });
  });

  it('prints a table by default', async () => {
    const result = await runCli(['catalog']);
    expect(result.stdout).toMatch(/^CLOUD\s+OPERATION\s+KIND\s+ACTION\s+PAYLOAD/);
    expect(result.stdout).toMatch(/aws\s+ec2:CreateRoute\s+route-table\s+update\s+delta/);
  });
});

describe('netdrift snapshot', () => {
  const candidate = () => {
    const c = structuredClone(baseline);
    c.capturedAt = '2026-11-26T00:00:00Z';
    c.resources = c.resources.filter((r) => r.kind !== 'private-endpoint');
    return c;
  };

  it('diff prints the candidate\'s drift from the baseline as findings', async () => {
    dir = await tempTree({ 'aws/111122223333.json': baseline, 'aws/111122223333.candidate.json': candidate() });

    const result = await runCli(['snapshot', 'diff', '--baseline', dir, '--cloud', 'aws', '--account', '111122223333', '--format', 'json']);

    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { rule: string }).rule)).toEqual(['private-endpoint.deleted']);
  });

  it('approve promotes the candidate, and show prints the canonical baseline', async () => {
    dir = await tempTree({ 'aws/111122223333.json': baseline, 'aws/111122223333.candidate.json': candidate() });

    const approved = await runCli(['snapshot', 'approve', '--baseline', dir, '--cloud', 'aws', '--account', '111122223333', '--by', 'carol']);
    const shown = await runCli(['snapshot', 'show', '--baseline', dir, '--cloud', 'aws', '--account', '111122223333']);

    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^approved aws\/111122223333: sha256 [0-9a-f]{64}$/m);
    const doc = JSON.parse(shown.stdout) as { resources: unknown[]; approval: { approvedBy: string } };
    expect(doc.resources).toHaveLength(1);
    expect(doc.approval.approvedBy).toBe('carol');
    expect(shown.stdout).toBe(await readFile(join(dir, 'aws/111122223333.json'), 'utf8'));
  });

  it('approve without a candidate fails with a reason', async () => {
    dir = await tempTree({ 'aws/111122223333.json': baseline });
    const result = await runCli(['snapshot', 'approve', '--baseline', dir, '--cloud', 'aws', '--account', '111122223333']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no candidate snapshot to approve/);
  });

  it('a baseline that does not parse names the file and the path', async () => {
    const bad = structuredClone(baseline) as unknown as { resources: { routes?: { target: { type: string } }[] }[] };
    const route = bad.resources[0]?.routes?.[1];
    if (route) route.target.type = 'gateway';
    dir = await tempTree({ 'aws/111122223333.json': bad });

    const result = await runCli(['snapshot', 'show', '--baseline', dir, '--cloud', 'aws', '--account', '111122223333']);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/111122223333\.json: resources\[0\]\.routes\[1\]\.target\.type/);
  });

  it('a missing --account is a usage error', async () => {
    const result = await runCli(['snapshot', 'show', '--cloud', 'aws']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--account is required/);
  });
});
