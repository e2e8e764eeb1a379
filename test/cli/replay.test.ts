import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempTree } from '../support/cli.js';
import { baseline, cloudTrail, eventBridge } from './aws-events.js';

const toIgw = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }));
const toNat = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-0abc' }, { eventTime: '2026-11-26T12:05:00Z' }));
const lines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

let dir = '';
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); dir = ''; });

describe('netdrift replay', () => {
  it('prints one JSON line per finding opened or resolved, and a revert resolves', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'events/1-drift.json': toIgw(), 'events/2-revert.json': toNat() });

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--format', 'json', join(dir, 'events')]);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const [opened, resolved] = lines(result.stdout);
    expect(opened).toMatchObject({
      status: 'open', rule: 'route.target-changed', severity: 'critical', cloud: 'aws', account: '111122223333',
      region: 'eu-west-1', kind: 'route-table', resource: 'rtb-0private01', actor: { principal: 'arn:aws:sts::111122223333:assumed-role/Ops/bob', sourceIp: '198.51.100.77' },
    });
    expect(opened?.summary).toContain('0.0.0.0/0');
    expect(typeof opened?.fingerprint).toBe('string');
    expect(opened?.link).toBe('https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#RouteTableDetails:RouteTableId=rtb-0private01');
    expect(typeof opened?.eventId).toBe('string');
    expect(resolved).toMatchObject({ status: 'resolved', rule: 'route.target-changed', fingerprint: opened?.fingerprint });
  });

  it('reads a JSON array and JSON lines, and counts a redelivery once', async () => {
    const event = toIgw();
    dir = await tempTree({
      'baselines/aws/111122223333.json': baseline,
      'array.json': [event, event],
      'lines.jsonl': `${JSON.stringify(event)}\n${JSON.stringify(toNat())}\n`,
    });

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--format', 'json', join(dir, 'array.json'), join(dir, 'lines.jsonl')]);

    expect(result.code).toBe(0);
    expect(lines(result.stdout).map((l) => `${l.status} ${l.rule}`)).toEqual(['open route.target-changed', 'resolved route.target-changed']);
  });

  it('rejects bad input with one stderr line each, processes the rest, and exits 3', async () => {
    dir = await tempTree({
      'baselines/aws/111122223333.json': baseline,
      'events/a-truncated.json': '{"version": "0", "detail-type": "AWS API Call',
      'events/b-number.json': '42',
      'events/c-good.json': toIgw(),
      'events/d-mixed.jsonl': `${JSON.stringify({ hello: 'world' })}\n{not json\n`,
    });

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--format', 'json', join(dir, 'events')]);

    expect(result.code).toBe(3);
    const stderr = result.stderr.trim().split('\n');
    expect(stderr).toHaveLength(4);
    expect(stderr[0]).toMatch(/^rejected .*a-truncated\.json: invalid JSON/);
    expect(stderr[1]).toMatch(/^rejected .*b-number\.json: not an event: number$/);
    expect(stderr[2]).toMatch(/^rejected .*d-mixed\.jsonl#0: not a recognised event \(keys: hello\)$/);
    expect(stderr[3]).toMatch(/^rejected .*d-mixed\.jsonl#1: invalid JSON/);
    expect(lines(result.stdout).map((l) => l.rule)).toEqual(['route.target-changed']);
  });

  it('an unwatched operation and a failed call are not errors', async () => {
    const failed = eventBridge(cloudTrail('CreateRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '1.2.3.0/24', gatewayId: 'igw-0abc' }, { errorCode: 'UnauthorizedOperation', errorMessage: 'no' }));
    dir = await tempTree({
      'baselines/aws/111122223333.json': baseline,
      'e.json': [eventBridge(cloudTrail('DescribeRouteTables', {})), failed],
    });

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'e.json')]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no findings');
    expect(result.stdout).toContain('1 ignored (not watched), 1 ignored (failed calls)');
  });

  it('reads live state from --observed, where a missing resource does not exist', async () => {
    const observed = structuredClone(baseline);
    observed.resources = observed.resources.filter((r) => r.kind !== 'private-endpoint');
    dir = await tempTree({
      'baselines/aws/111122223333.json': baseline,
      'observed/aws/111122223333.json': observed,
      'e.json': eventBridge(cloudTrail('ModifyVpcEndpoint', { ModifyVpcEndpointRequest: { VpcEndpointId: 'vpce-0s301', PrivateDnsEnabled: true } })),
    });

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--observed', join(dir, 'observed'), '--format', 'json', join(dir, 'e.json')]);

    expect(result.code).toBe(0);
    expect(lines(result.stdout).map((l) => l.rule)).toEqual(['private-endpoint.deleted']);
  });

  it('an account without a baseline gives one warning and no finding', async () => {
    dir = await tempTree({ 'baselines/.keep': '', 'e.json': [toIgw(), toNat()] });

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--format', 'json', join(dir, 'e.json')]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^warning: no approved baseline for aws\/111122223333/)]);
  });

  it.each([
    [['replay'], /needs at least one PATH/],
    [['replay', '--format', 'xml', 'x'], /--format: expected one of text, json, got "xml"/],
    [['replay', '--bogus', 'x'], /nknown option '?--bogus/],
    [['replay', 'no/such/file.json'], /no such file or folder: no\/such\/file\.json/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('usage error %j exits 2', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('a bad config file names the bad key and exits 2', async () => {
    dir = await tempTree({ 'netdrift.yaml': 'sinks:\n  slack:\n    webhookUrl: not-a-url\n' });

    const result = await runCli(['replay', '--config', join(dir, 'netdrift.yaml'), dir]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^netdrift: config .*netdrift\.yaml sinks\.slack\.webhookUrl: /);
  });
});
