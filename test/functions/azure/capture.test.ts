import { afterEach, expect, it } from 'vitest';
import { openBlobSnapshotStore } from '../../../adapters/azure/storage-clients.js';
import { azuriteConnectionString, describeWithAzurite } from '../../support/emulator-suites.js';
import { denied } from '../../support/fake-arm.js';
import { SUB } from '../../adapters/azure/arm-fixtures.js';
import { startAppWorld, type AppWorld } from './app-setup.js';

/**
 * refresh and reconcile of the built app over more than one subscription: a management group
 * through Azure Resource Graph, and a subscription the identity may not read (nothing saved,
 * the invocation fails so the platform's monitoring sees it).
 */
let world: AppWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describeWithAzurite('the built app capturing subscriptions', () => {
  it('NETDRIFT_MANAGEMENT_GROUP: refresh asks Resource Graph for the group\'s resources and saves one candidate per subscription', async () => {
    world = await startAppWorld({ NETDRIFT_SUBSCRIPTIONS: '', NETDRIFT_MANAGEMENT_GROUP: 'mg-network' });
    world.fake.managementGroups.set('mg-network', [SUB]);

    const refreshed = await world.host.request('POST', `/api/refresh?code=${world.host.functionKey}`);

    expect(refreshed).toMatchObject({ status: 200, body: { candidates: [{ subscription: SUB }] } });
    expect((refreshed.body as { candidates: { resources: number }[] }).candidates[0]?.resources).toBeGreaterThan(0);
    expect(world.fake.requests).toContain('POST /providers/Microsoft.ResourceGraph/resources');
  }, 60_000);

  it('a subscription the identity cannot read: refresh saves nothing (503), reconcile fails the invocation', async () => {
    world = await startAppWorld();
    world.fake.failNext(/^GET \/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/routeTables$/i, denied(`/subscriptions/${SUB}`), 2);

    const refreshed = await world.host.request('POST', `/api/refresh?code=${world.host.functionKey}`);
    const reconciled = await world.host.run('reconcile');

    expect(refreshed).toMatchObject({ status: 503, body: { error: expect.stringMatching(/^candidate not saved: c5a1f3d2/) as string } });
    expect(reconciled.status).toBe(500);
    expect(world.host.logs.some((line) => line.includes('reconcile: 1 subscription(s) not captured'))).toBe(true);
    const store = await openBlobSnapshotStore({ connectionString: azuriteConnectionString() }, world.container, 'baselines');
    expect(await store.get({ cloud: 'azure', account: SUB }, 'candidate')).toBeUndefined();
  }, 60_000);
});
