import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { azureAdapters } from '../../../adapters/azure/index.js';
import { AzureStateReader } from '../../../adapters/azure/arm-state-reader.js';
import type { Finding } from '../../../core/finding.js';
import { startFakeArm, type FakeArm } from '../../support/fake-arm.js';
import { loadFixture, type Doc } from '../../support/fixtures.js';
import { pipelineWith } from '../../support/pipeline-harness.js';
import { expectedSnapshot, HUB, NET, RT, RT2, SNET, seedSubscription } from './arm-fixtures.js';

/**
 * Azure end to end with live reads: the fake ARM server's state is changed as a person would change it, the
 * Event Grid event that ARM then sends goes through the real adapters and a Pipeline whose reader is the ARM
 * reader (real @azure/arm-* clients), and the findings are what a user would be alerted with.
 */
let fake: FakeArm;
let harness: Awaited<ReturnType<typeof pipelineWith>>;
let sequence = 0;

async function pipeline(withReader = true) {
  harness = await pipelineWith([expectedSnapshot()], {
    adapters: azureAdapters, ...(withReader ? { reader: new AzureStateReader({ clientOptions: fake.clientOptions }) } : {}),
  });
  return harness.pipeline;
}

beforeEach(async () => {
  fake = await startFakeArm();
  seedSubscription(fake);
});
afterEach(async () => {
  await harness.close();
  await fake.close();
});

/** An Event Grid event of `fixture` for `resourceUri`, with a fresh id and a later time each. */
function event(fixture: string, resourceUri: string): Doc {
  sequence += 1;
  const doc = loadFixture('azure', 'eventgrid', fixture);
  const data = doc.data as Doc;
  data.resourceUri = resourceUri;
  (data.authorization as Doc).scope = resourceUri;
  return { ...doc, subject: resourceUri, id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`, eventTime: `2026-12-01T10:${String(sequence % 60).padStart(2, '0')}:00Z` };
}

const summary = (findings: readonly Finding[]) => findings.map((f) => [f.status, f.rule, f.severity, f.resource.split('/').pop(), f.item.split('/').pop()]);

describe('Azure through a Pipeline with the ARM reader', () => {
  const route = `${RT}/routes/half-default`;

  it('a route to the internet written, then deleted: route.default-added opens with what ARM has, then resolves', async () => {
    const pipe = await pipeline();
    const written = await fake.send('PUT', route, { properties: { addressPrefix: '0.0.0.0/1', nextHopType: 'Internet' } });

    const opened = await pipe.handle(event('routeTables-routes-write', route));
    await fake.send('DELETE', route);
    const reverted = await pipe.handle(event('routeTables-routes-delete', route));

    expect(written.status).toBe(201);
    expect(summary(opened.records[0]?.opened ?? [])).toEqual([['open', 'route.default-added', 'critical', 'rt-app', 'half-default']]);
    expect(opened.records[0]?.opened[0]?.observed).toEqual({ name: 'half-default', destination: '0.0.0.0/1', target: { type: 'internet' } });
    expect(summary(reverted.records[0]?.resolved ?? [])).toEqual([['resolved', 'route.default-added', 'critical', 'rt-app', 'half-default']]);
    expect(await harness.state.listFindings({ status: 'open' })).toEqual([]);
  });

  it('the same write delivered in the CloudEvents schema opens the same finding', async () => {
    const pipe = await pipeline();
    await fake.send('PUT', route, { properties: { addressPrefix: '0.0.0.0/1', nextHopType: 'Internet' } });
    const cloudEvent = loadFixture('azure', 'cloudevents', 'routeTables-routes-write');
    Object.assign(cloudEvent, { subject: route, id: 'ce-half-default' });
    Object.assign(cloudEvent.data as Doc, { resourceUri: route });

    const outcome = await pipe.handle(cloudEvent);

    expect(summary(outcome.records[0]?.opened ?? [])).toEqual([['open', 'route.default-added', 'critical', 'rt-app', 'half-default']]);
  });

  it('a baseline route re-pointed at the internet: route.target-changed with baseline and observed', async () => {
    const pipe = await pipeline();
    await fake.send('PUT', `${RT}/routes/default-to-firewall`, { properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'Internet' } });

    const outcome = await pipe.handle(event('routeTables-routes-write', `${RT}/routes/default-to-firewall`));

    const finding = outcome.records[0]?.opened[0];
    expect(summary(outcome.records[0]?.opened ?? [])).toEqual([['open', 'route.target-changed', 'critical', 'rt-app', 'default-to-firewall']]);
    expect(finding?.baseline).toMatchObject({ destination: '0.0.0.0/0', target: { type: 'appliance', id: '10.0.0.4' } });
    expect(finding?.observed).toMatchObject({ destination: '0.0.0.0/0', target: { type: 'internet' } });
  });

  it('a subnet write re-associating a route table: route-table.association-changed on both, found via select', async () => {
    const pipe = await pipeline();
    const subnet: Record<string, unknown> = fake.store.get(SNET) ?? {};
    await fake.send('PUT', SNET, { ...subnet, properties: { ...(subnet.properties as Doc), routeTable: { id: RT2 } } });

    const outcome = await pipe.handle(event('virtualNetworks-subnets-write', SNET));

    expect(summary(outcome.records[0]?.opened ?? []).sort()).toEqual([
      ['open', 'route-table.association-changed', 'high', 'rt-app', 'snet-app'],
      ['open', 'route-table.association-changed', 'high', 'rt-other', 'snet-app'],
    ]);
  });

  it('a write that changed nothing the baseline has is no finding', async () => {
    const pipe = await pipeline();

    const outcome = await pipe.handle(event('natGateways-write', `${NET}/natGateways/ng-egress`));

    expect(outcome.records[0]).toMatchObject({ status: 'applied', opened: [], resolved: [] });
  });
});

describe('deleting a VNet no baseline mentions', () => {
  const sandbox = `${NET}/virtualNetworks/vnet-sandbox`;

  beforeEach(async () => {
    await fake.send('PUT', sandbox, { location: 'westeurope', properties: { addressSpace: { addressPrefixes: ['10.9.0.0/16'] },
      subnets: [{ name: 'default', id: `${sandbox}/subnets/default`, properties: { addressPrefix: '10.9.0.0/24' } }] } });
    await fake.send('DELETE', sandbox);
  });

  it('yields no finding with the ARM reader', async () => {
    const pipe = await pipeline();

    const outcome = await pipe.handle(event('virtualNetworks-delete', sandbox));

    expect(outcome.records[0]).toMatchObject({ status: 'applied', opened: [], resolved: [] });
    expect(fake.requests.filter((line) => line.startsWith('GET'))).toEqual([`GET ${sandbox}`, `GET ${sandbox}`, `GET ${sandbox}`]);
  });

  it('yields no finding without a reader either (no pseudo-resource …/subnets/)', async () => {
    const pipe = await pipeline(false);

    const outcome = await pipe.handle(event('virtualNetworks-delete', sandbox));

    expect(outcome.records[0]).toMatchObject({ status: 'applied', opened: [], resolved: [] });
    expect(await harness.state.listFindings()).toEqual([]);
  });

  it('a VNet of the baseline deleted re-checks the route tables holding its subnets', async () => {
    const pipe = await pipeline();
    await fake.send('DELETE', HUB);

    const outcome = await pipe.handle(event('virtualNetworks-delete', HUB));

    expect(summary(outcome.records[0]?.opened ?? []).sort()).toEqual([
      ['open', 'nat.changed', 'medium', 'ng-egress', ''],
      ['open', 'peering.removed', 'medium', 'hub-to-spoke', 'vnet-spoke'],
      ['open', 'route-table.association-changed', 'high', 'rt-app', 'snet-app'],
    ]);
  });
});
