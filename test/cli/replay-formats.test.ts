import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { CORPUS_DIR, corpusAvailable } from '../support/corpus.js';
import { runCli, tempTree } from '../support/cli.js';
import { ACCOUNT, baseline, cloudTrail } from './aws-events.js';

const summary = (stdout: string) => stdout.trim().split('\n').at(-1);
const toIgw = () => cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' });
const describeInstances = () => cloudTrail('DescribeInstances', { maxResults: 5 }, { readOnly: true });

/**
 * A CloudTrail Insights record as a trail writes it beside its API calls (written by us in the schema of
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-insights-events.html): no top-level
 * eventSource or eventName, those of the API whose rate changed sit in insightDetails.
 */
const insight = (state: 'Start' | 'End') => ({
  eventVersion: '1.08', eventTime: '2026-11-26T11:51:00Z', awsRegion: 'eu-west-1',
  eventID: `654ccbc0-ba0d-486a-9364-0000000cc3a${state === 'Start' ? 1 : 2}`, eventType: 'AwsCloudTrailInsight',
  recipientAccountId: ACCOUNT, sharedEventID: '12edc982-3348-4794-83d3-00000000123a',
  insightDetails: {
    state, eventSource: 'ec2.amazonaws.com', eventName: 'ReplaceRoute', insightType: 'ApiCallRateInsight',
    insightContext: {
      statistics: { baseline: { average: 0.0025 }, insight: { average: 4 }, insightDuration: 1, baselineDuration: 11459 },
      attributions: [{ attribute: 'userIdentityArn', insight: [{ value: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/bob`, average: 4 }], baseline: [] }],
    },
  },
  eventCategory: 'Insight',
});

async function put(dir: string, path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), content);
}

let dir = '';
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); dir = ''; });

describe('netdrift replay: formats as they come', () => {
  it('a trail log file holding CloudTrail Insights records: they are ignored and counted, the run exits 0', async () => {
    const records = [insight('Start'), describeInstances(), toIgw(), insight('End')];
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    await put(dir, `gz/AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/26/${ACCOUNT}_CloudTrail_eu-west-1_20261126T1200Z_a1.json.gz`, gzipSync(JSON.stringify({ Records: records })));
    await put(dir, 'pretty/trail.json', JSON.stringify({ Records: records }, null, 2));
    await put(dir, 'one/insight.json', JSON.stringify(insight('Start'), null, 2));

    const gz = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'gz')]);
    const pretty = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'pretty')]);
    const one = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'one')]);

    expect({ code: gz.code, stderr: gz.stderr }).toEqual({ code: 0, stderr: '' });
    expect(gz.stdout).toMatch(/route\.target-changed/);
    expect(summary(gz.stdout)).toBe('4 events: 1 findings opened, 0 resolved, 3 ignored (not watched), 0 ignored (failed calls), 0 duplicates, 0 stale, 0 rejected');
    expect(pretty).toEqual(gz);
    expect({ code: one.code, stderr: one.stderr, summary: summary(one.stdout) }).toEqual({
      code: 0, stderr: '', summary: '1 events: 0 findings opened, 0 resolved, 1 ignored (not watched), 0 ignored (failed calls), 0 duplicates, 0 stale, 0 rejected',
    });
  }, 60_000);

  it('the Activity Log REST list response {"value": [...], "nextLink": ...} replays as the events it holds (nextLink not followed)', async () => {
    if (!corpusAvailable()) return;
    const sub = 'c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13';
    const table = `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt-app`;
    // A real published event (an NSG write nobody watches), and the same event made a watched route table write.
    const nsg = JSON.parse(readFileSync(join(CORPUS_DIR, 'azure/activitylog-rest-networkSecurityGroups-write-msdocs.json'), 'utf8')) as Record<string, unknown>;
    const write = {
      ...structuredClone(nsg), subscriptionId: sub, resourceId: table, eventDataId: 'd0d36f97-b29c-4cd9-9d3d-ea2b92af3e01',
      operationName: { value: 'Microsoft.Network/routeTables/write', localizedValue: 'Microsoft.Network/routeTables/write' },
    };
    const page = { value: [nsg, write], nextLink: `https://management.azure.com/subscriptions/${sub}/providers/microsoft.insights/eventtypes/management/values?api-version=2015-04-01&$skipToken=abc` };
    dir = await tempTree({
      [`baselines/azure/${sub}.json`]: {
        schema: 'netdrift/snapshot@1', scope: { cloud: 'azure', account: sub }, capturedAt: '2026-11-25T00:00:00Z',
        resources: [{ kind: 'route-table', id: table, region: 'westeurope', routes: [], subnets: [] }],
      },
      'page.json': page, 'events.json': [nsg, write],
    });

    const listed = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'page.json')]);
    const plain = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'events.json')]);

    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(listed.stdout).toContain('change.unverified');
    expect(summary(listed.stdout)).toBe('2 events: 1 findings opened, 0 resolved, 1 ignored (not watched), 0 ignored (failed calls), 0 duplicates, 0 stale, 0 rejected');
    expect(listed.stdout).toBe(plain.stdout);
  }, 60_000);

  it('a truncated pretty-printed event is one rejection line, not one per line of it', async () => {
    const text = JSON.stringify(toIgw(), null, 2);
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'cut.json': text.slice(0, Math.floor(text.length * 0.6)) });

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'cut.json')]);

    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`rejected ${join(dir, 'cut.json')}: invalid JSON: unexpected end of JSON input\n`);
  });
});
