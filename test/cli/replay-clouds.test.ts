import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempTree } from '../support/cli.js';

const fixture = (path: string): unknown => JSON.parse(readFileSync(join(ROOT, 'test/fixtures', path), 'utf8'));
const lines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

const SUB = 'c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13';
const NET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network`;
const azureBaseline = {
  schema: 'netdrift/snapshot@1', scope: { cloud: 'azure', account: SUB }, capturedAt: '2026-11-25T00:00:00Z',
  resources: [{ kind: 'nat-gateway', id: `${NET}/natGateways/ng-egress`, region: 'westeurope', subnets: [], publicIps: ['pip-1'] }],
};

let dir = '';
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); dir = ''; });

describe('netdrift replay: Azure and GCP', () => {
  it('reads an Azure write back from --observed', async () => {
    const observed = structuredClone(azureBaseline);
    observed.resources[0]!.publicIps = ['pip-1', 'pip-2'];
    dir = await tempTree({
      'baselines/azure/c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13.json': azureBaseline,
      'observed/now.json': observed,
      'events.json': fixture('azure/eventgrid/natGateways-write.json'),
    });

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--observed', join(dir, 'observed'), '--format', 'json', join(dir, 'events.json')]);

    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toMatchObject([{ status: 'open', rule: 'nat.changed', severity: 'medium', cloud: 'azure', account: SUB, kind: 'nat-gateway', resource: `${NET}/natGateways/ng-egress` }]);
  });

  it('without --observed an Azure write is change.unverified', async () => {
    dir = await tempTree({ 'baselines/azure/c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13.json': azureBaseline, 'events.json': fixture('azure/eventgrid/natGateways-write.json') });

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--format', 'json', join(dir, 'events.json')]);

    expect(lines(result.stdout).map((l) => [l.rule, l.severity])).toEqual([['change.unverified', 'high']]);
    expect(lines(result.stdout)[0]?.summary).toContain('Microsoft.Network/natGateways/write');
  });

  it('reads GCP Pub/Sub push envelopes; a welcome text is rejected, the rest processed', async () => {
    const baseline = {
      schema: 'netdrift/snapshot@1', scope: { cloud: 'gcp', account: 'acme-net-prod' }, capturedAt: '2026-11-25T00:00:00Z',
      resources: [{ kind: 'route-table', id: 'projects/acme-net-prod/global/networks/prod-vpc', region: 'global', routes: [], subnets: [] }],
    };
    const welcome = { message: { data: Buffer.from('Welcome to Cloud Asset feeds!').toString('base64'), messageId: '1' }, subscription: 'projects/acme-net-prod/subscriptions/s' };
    dir = await tempTree({
      'baselines/gcp/acme-net-prod.json': baseline,
      'events.jsonl': [welcome, fixture('gcp/pubsub/push.json')].map((e) => JSON.stringify(e)).join('\n'),
    });

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--format', 'json', join(dir, 'events.jsonl')]);

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^rejected .*events\.jsonl#0: .+/);
    expect(lines(result.stdout).map((l) => [l.rule, l.severity, l.resource, l.cloud])).toEqual([
      ['route.default-added', 'critical', 'projects/acme-net-prod/global/networks/prod-vpc', 'gcp'],
    ]);
  });
});
