import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotFileReader } from '../../adapters/local/snapshot-file-reader.js';
import { allAdapters } from '../../adapters/index.js';
import { slackMessage } from '../../alerts/slack-message.js';
import { findingRecord } from '../../cli/finding-output.js';
import type { Finding } from '../../core/finding.js';
import type { StateReader } from '../../core/ports.js';
import { baseline, cloudTrail, eventBridge } from '../cli/aws-events.js';
import { tempTree } from '../support/cli.js';
import { pipelineWith } from '../support/pipeline-harness.js';

const toIgw = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }));
/** The forgery: a "route put back" event nobody made, dated after the real change. */
const forgedPutBack = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-0abc' }, {
  eventTime: '2026-11-26T12:05:00Z', userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/intruder', accountId: '111122223333' },
}));
const rules = (findings: readonly Finding[]) => findings.map((f) => `${f.status} ${f.rule}`);

/** Live state as the reader sees it: the default route still goes to the internet gateway. */
const live = {
  ...baseline,
  resources: baseline.resources.map((r) => (r.id === 'rtb-0private01'
    ? { ...r, routes: [{ destination: '10.0.0.0/16', target: { type: 'local' } }, { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-0abc' } }] }
    : r)),
};

let harness: Awaited<ReturnType<typeof pipelineWith>> | undefined;
let observed = '';
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  if (observed) await rm(observed, { recursive: true, force: true });
  observed = '';
});

describe('resolves come only from the reader (DESIGN.md, "Trust")', () => {
  it('with a reader, a forged "route put back" event cannot resolve the open finding', async () => {
    observed = await tempTree({ 'aws/111122223333.json': live });
    harness = await pipelineWith([baseline as never], { adapters: allAdapters, reader: await SnapshotFileReader.open(observed) });
    const drift = await harness.pipeline.handle(toIgw());

    const forged = await harness.pipeline.handle(forgedPutBack());

    expect(rules(drift.records[0]?.opened ?? [])).toEqual(['open route.target-changed']);
    expect(forged.records[0]).toMatchObject({ status: 'applied', resolved: [], opened: [] });
    expect(rules(await harness.state.listFindings({ status: 'open' }))).toEqual(['open route.target-changed']);
    expect((await harness.state.pendingOutbox()).map((e) => `${e.finding.status} ${e.finding.rule}`)).toEqual(['open route.target-changed']);
  });

  it('with a reader, a resolve that the reader sees is not marked as payload-only', async () => {
    observed = await tempTree({ 'drifted/aws/111122223333.json': live, 'restored/aws/111122223333.json': baseline });
    let current = await SnapshotFileReader.open(`${observed}/drifted`);
    const reader: StateReader = { read: (ref) => current.read(ref) };
    harness = await pipelineWith([baseline as never], { adapters: allAdapters, reader });
    await harness.pipeline.handle(toIgw());
    current = await SnapshotFileReader.open(`${observed}/restored`);

    const putBack = await harness.pipeline.handle(forgedPutBack());

    expect(rules(putBack.records[0]?.resolved ?? [])).toEqual(['resolved route.target-changed']);
    expect(putBack.records[0]?.resolved[0]?.resolvedBy).toBeUndefined();
  });

  it('without a reader, a resolve only the event payload vouches for is marked, and the Slack alert says so', async () => {
    harness = await pipelineWith([baseline as never], { adapters: allAdapters });
    await harness.pipeline.handle(toIgw());

    const putBack = await harness.pipeline.handle(forgedPutBack());

    const resolved = putBack.records[0]?.resolved ?? [];
    expect(rules(resolved)).toEqual(['resolved route.target-changed']);
    expect(resolved[0]?.resolvedBy).toBe('payload');
    const [stored] = await harness.state.listFindings({ status: 'resolved' });
    expect(stored?.resolvedBy).toBe('payload');
    expect(findingRecord(stored as Finding)).toMatchObject({ status: 'resolved', resolvedBy: 'payload' });
    const message = slackMessage(resolved[0] as Finding);
    expect(message.text).toMatch(/^Resolved: route\.target-changed \(resolved by event payload, not verified\)/);
    expect(message.blocks[1]).toMatchObject({ type: 'section', text: { text: expect.stringContaining('_resolved by event payload, not verified: no reader read the resource back._') } });
  });
});
