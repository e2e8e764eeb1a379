import { afterAll, beforeAll, expect, it } from 'vitest';
import { AZURITE_ACCOUNT, azuriteConnectionString, describeWithAzurite } from '../support/emulator-suites.js';
import { runCli } from '../support/cli.js';
import { RT, SUB } from '../adapters/azure/arm-fixtures.js';
import { asCloudEvent, EVENT_GRID_SECRET, eventGridWrite, eventsPath, ROUTING_KEY, SLACK_TOKEN, startAppWorld, type AppWorld } from '../functions/azure/app-setup.js';

/**
 * DESIGN.md's deployed path on Azure, through the BUILT app (dist/azure) in a fresh Node process,
 * its functions registered by the v4 programming model and invoked through the library's own
 * invocation model (test/functions/azure/functions-worker.mjs stands in for the Functions host):
 * refresh writes the candidate to Blob (Azurite), a person approves it with the built CLI, a route
 * to the internet is written on the fake ARM server and its ResourceWriteSuccess delivered in both
 * Event Grid schemas, the revert resolves it, and the reconcile timer finds a change no event told.
 */
let world: AppWorld;
const defaultRoute = `${RT}/routes/default-to-firewall`;
const pdEvents = () => world.pagerduty.requests.map((r) => r.body as { event_action: string; dedup_key: string; payload?: { class: string; severity: string } });
const slackTexts = () => world.slack.requests.map((r) => (r.body as { text: string }).text);

describeWithAzurite('Azure Functions app (built) on the fake ARM and Azurite', () => {
  beforeAll(async () => {
    world = await startAppWorld();
  }, 60_000);
  afterAll(async () => {
    await world?.close();
  });

  it('registers events, refresh and reconcile as the host will bind them', () => {
    const byName = Object.fromEntries(world.host.functions.map((f) => [f.name, f.trigger]));

    expect(byName.events).toMatchObject({ type: 'httpTrigger', authLevel: 'anonymous', methods: ['POST', 'OPTIONS'], route: 'events' });
    expect(byName.refresh).toMatchObject({ type: 'httpTrigger', authLevel: 'function', methods: ['POST'], route: 'refresh' });
    expect(byName.reconcile).toMatchObject({ type: 'timerTrigger', schedule: '%NETDRIFT_RECONCILE_SCHEDULE%', runOnStartup: false });
  });

  it('refresh → candidate in Blob → approve --store azblob:// → a route to the internet alerts once, resolves on revert; reconcile finds a silent change', async () => {
    // Onboarding: refresh (with the function key) captures the subscription into a candidate; a person approves it.
    expect((await world.host.request('POST', '/api/refresh')).status).toBe(401);
    const refreshed = await world.host.request('POST', `/api/refresh?code=${world.host.functionKey}`);
    expect(refreshed.status).toBe(200);
    const store = `azblob://${AZURITE_ACCOUNT}/${world.container}/baselines/`;
    expect(refreshed.body).toMatchObject({ store, candidates: [{ subscription: SUB, resources: expect.any(Number) as number }] });
    const approved = await runCli(['snapshot', 'approve', '--cloud', 'azure', '--account', SUB, '--store', store, '--by', 'e2e'],
      { env: { AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString() } });
    expect(approved.code, approved.stderr).toBe(0);

    // The subscription handshakes: answered only when authenticated.
    const validation = [{ id: 'v-1', topic: `/subscriptions/${SUB}`, subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      eventTime: '2026-12-02T05:59:00Z', data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' }, dataVersion: '2', metadataVersion: '1' }];
    expect(await world.host.request('POST', eventsPath(), { body: validation })).toMatchObject({ status: 200, body: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' } });
    expect((await world.host.request('POST', eventsPath('wrong'), { body: validation })).status).toBe(401);
    const options = await world.host.request('OPTIONS', eventsPath(), { headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect([options.status, options.headers.get('webhook-allowed-origin')]).toEqual([200, 'eventgrid.azure.net']);
    const refusedOptions = await world.host.request('OPTIONS', eventsPath(null), { headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect([refusedOptions.status, refusedOptions.headers.get('webhook-allowed-origin')]).toEqual([401, null]);

    // The default route re-pointed at the internet, for real on the fake ARM; the event in both schemas.
    await world.fake.send('PUT', defaultRoute, { properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'Internet' } });
    const write = eventGridWrite(defaultRoute);
    const asEventGrid = await world.host.request('POST', eventsPath(), { body: [write] });
    const asCloudEvents = await world.host.request('POST', eventsPath(), {
      body: asCloudEvent(write), headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
    });

    expect(asEventGrid).toMatchObject({ status: 200, body: { opened: 1 } });
    expect(asCloudEvents).toMatchObject({ status: 200, body: { opened: 0 } });
    const [finding, ...others] = await (await world.state()).listFindings({ status: 'open' });
    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      rule: 'route.target-changed', severity: 'critical',
      baseline: { destination: '0.0.0.0/0', target: { type: 'appliance', id: '10.0.0.4' } },
      observed: { destination: '0.0.0.0/0', target: { type: 'internet' } },
    });
    expect(pdEvents().map((e) => [e.event_action, e.payload?.class, e.payload?.severity])).toEqual([['trigger', 'route.target-changed', 'critical']]);
    expect(slackTexts()).toHaveLength(1);
    expect(slackTexts()[0]).toMatch(/10\.0\.0\.4/);
    expect(slackTexts()[0]).toMatch(/internet/i);
    expect(slackTexts().join('\n')).not.toContain(SLACK_TOKEN);

    // The revert (delivered as a CloudEvents batch) resolves it under the same dedup key.
    await world.fake.send('PUT', defaultRoute, { properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.0.4' } });
    const revert = await world.host.request('POST', eventsPath(), {
      body: [asCloudEvent(eventGridWrite(defaultRoute))], headers: { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' },
    });
    expect(revert).toMatchObject({ status: 200, body: { resolved: 1 } });
    expect(pdEvents().slice(1)).toEqual([{ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: pdEvents()[0]?.dedup_key }]);
    expect(await (await world.state()).listFindings({ status: 'open' })).toEqual([]);

    // A change no event reports: the timer's reconcile finds it.
    await world.fake.send('PUT', `${RT}/routes/half-default`, { properties: { addressPrefix: '0.0.0.0/1', nextHopType: 'Internet' } });
    // Slack takes one message a second: past that since the first, the reconcile's outbox pass may send the resolve.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1_100 - (Date.now() - (world.slack.requests[0]?.receivedAt ?? 0)))));
    const reconciled = await world.host.run('reconcile');
    expect(reconciled).toMatchObject({ status: 202, body: { returnValue: { subscriptions: [{ subscription: SUB, compared: true, opened: 1, resolved: 0 }], failures: [] } } });
    expect(pdEvents().slice(2).map((e) => [e.event_action, e.payload?.class])).toEqual([['trigger', 'route.default-added']]);
    // Slack is sent through the outbox at most once a second and an invocation never waits: the
    // resolve went with the revert or with the next invocation, never twice.
    expect(slackTexts().filter((t) => t.startsWith('Resolved: route.target-changed'))).toHaveLength(1);
    expect(slackTexts().filter((t) => t.startsWith('[CRITICAL] route.target-changed'))).toHaveLength(1);
  }, 120_000);

  it('logs one JSON line per delivery: adapter, records, outcome counts, duration and the invocation id, no secret', async () => {
    const logged = world.host.logs.length;
    const unwatched = eventGridWrite(defaultRoute);
    unwatched.data = { ...(unwatched.data as Record<string, unknown>), operationName: 'Microsoft.Compute/virtualMachines/write' };

    const answer = await world.host.request('POST', eventsPath(), { body: [unwatched] });

    expect(answer.status).toBe(200);
    const lines = world.host.appLogs(logged).filter((l) => l.message === 'delivery');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({
      level: 'info', message: 'delivery', source: 'Event Grid', adapter: 'azure-event-grid', records: 1, outcomes: { ignored: 1 },
      opened: 0, resolved: 0, durationMs: expect.any(Number) as number, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
    });
    expect(world.host.logs.slice(logged).join('\n')).not.toContain(EVENT_GRID_SECRET);
  });

  it('a delivery without the Event Grid secret, or with a wrong one, is a 401 and changes nothing', async () => {
    const logged = world.host.logs.length;
    const before = { findings: await (await world.state()).listFindings(), slack: world.slack.requests.length, pagerduty: world.pagerduty.requests.length };
    await world.fake.send('PUT', `${RT}/routes/sneaky-exit`, { properties: { addressPrefix: '0.0.0.0/1', nextHopType: 'Internet' } });
    const event = eventGridWrite(`${RT}/routes/sneaky-exit`);

    const missing = await world.host.request('POST', eventsPath(null), { body: [event] });
    const wrong = await world.host.request('POST', eventsPath(`${EVENT_GRID_SECRET}x`), { body: [event] });

    expect([missing.status, wrong.status]).toEqual([401, 401]);
    expect(await (await world.state()).listFindings()).toEqual(before.findings);
    expect([world.slack.requests.length, world.pagerduty.requests.length]).toEqual([before.slack, before.pagerduty]);
    expect(world.host.appLogs(logged).filter((l) => String(l.message).startsWith('events: refused')).map((l) => l.message)).toEqual([
      'events: refused: no ?code= secret', 'events: refused: ?code= does not match',
    ]);
  });
});
