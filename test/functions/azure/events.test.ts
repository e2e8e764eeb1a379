import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlobSnapshotStore } from '../../../adapters/azure/storage-clients.js';
import { approveCandidate } from '../../../snapshots/lifecycle.js';
import { azuriteConnectionString, describeWithAzurite } from '../../support/emulator-suites.js';
import { denied, throttled } from '../../support/fake-arm.js';
import { RT, SUB } from '../../adapters/azure/arm-fixtures.js';
import { entraClaims, signedToken, signingKey, TENANT } from '../shared/auth/tokens.js';
import { eventGridWrite, eventsPath, startAppWorld, type AppWorld } from './app-setup.js';
import { FunctionsHost } from './functions-host.js';

/**
 * The built app's Event Grid webhook and refresh, by what Event Grid and a caller see: 200 for what
 * was handled (or ignored), 400 for what can never be (dead-lettered, not retried), 503 for what a
 * retry may fix, 401 for anyone without the secret or an Entra token from Event Grid.
 */
const key = signingKey('netdrift-test-key');
const AUDIENCE = 'api://netdrift-webhook';
const REFRESH_AUDIENCE = 'api://netdrift-refresh';
const CALLER = '0b5c4a11-1d2e-4f3a-9b8c-7d6e5f4a3b2c';
let world: AppWorld;
const route = `${RT}/routes/default-to-firewall`;

describeWithAzurite('the built app\'s webhook answers', () => {
  beforeAll(async () => {
    const jwks = join(mkdtempSync(join(tmpdir(), 'netdrift-jwks-')), 'jwks.json');
    writeFileSync(jwks, JSON.stringify({ keys: [key.jwk] }));
    world = await startAppWorld({
      NETDRIFT_ENTRA_TENANT: TENANT, NETDRIFT_ENTRA_AUDIENCE: AUDIENCE, NETDRIFT_OIDC_JWKS_FILE: jwks,
      NETDRIFT_REFRESH_AUDIENCE: REFRESH_AUDIENCE, NETDRIFT_REFRESH_CALLERS: CALLER,
    });
    const bearer = `Bearer ${signedToken(key, entraClaims({ aud: REFRESH_AUDIENCE, appid: CALLER }))}`;
    expect((await world.host.request('POST', '/api/refresh', { headers: { authorization: bearer } })).status).toBe(200);
    const store = await openBlobSnapshotStore({ connectionString: azuriteConnectionString() }, world.container, 'baselines');
    await approveCandidate(store, { cloud: 'azure', account: SUB }, { approvedBy: 'test' });
  }, 60_000);
  afterAll(async () => {
    await world?.close();
  });

  it('400 for a body that is not JSON or not an event (Event Grid dead-letters it)', async () => {
    const notJson = await world.host.request('POST', eventsPath(), { body: '[{"id": ' });
    const notAnEvent = await world.host.request('POST', eventsPath(), { body: [{ id: 'x', eventType: 'Microsoft.Resources.ResourceWriteSuccess' }] });

    expect(notJson).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^invalid JSON/) as string } });
    expect(notAnEvent.status).toBe(400);
  });

  it('503 while ARM throttles or denies the read (retried), then 200 and one alert once it answers', async () => {
    await world.fake.send('PUT', route, { properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'Internet' } });
    const event = eventGridWrite(route);
    world.fake.failNext(/^GET .*\/routeTables\/rt-app/i, throttled(120), 1);
    const whileThrottled = await world.host.request('POST', eventsPath(), { body: [event] });
    world.fake.failNext(/^GET .*\/routeTables\/rt-app/i, denied(RT), 1);
    const whileDenied = await world.host.request('POST', eventsPath(), { body: [event] });
    const retried = await world.host.request('POST', eventsPath(), { body: [event] });

    expect([whileThrottled.status, whileDenied.status, retried.status]).toEqual([503, 503, 200]);
    expect(retried.body).toMatchObject({ opened: 1 });
    // One page for the drift; the 403 paged the operator (the identity lacks Reader) and resolved once ARM answered.
    const pages = world.pagerduty.requests.map((r) => r.body as { event_action: string; dedup_key: string; payload?: { class: string } });
    expect(pages.map((e) => `${e.event_action} ${e.payload?.class ?? ''}`.trim())).toEqual([
      'trigger netdrift.misconfigured', 'trigger route.target-changed', 'resolve',
    ]);
    expect(pages[2]?.dedup_key).toBe(pages[0]?.dedup_key);
  });

  it('an unwatched operation is acknowledged with 200 and no finding', async () => {
    const event = eventGridWrite(`/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Web/sites/shop`);
    Object.assign(event.data as Record<string, unknown>, { operationName: 'Microsoft.Web/sites/write' });

    const answer = await world.host.request('POST', eventsPath(), { body: [event] });

    expect(answer).toMatchObject({ status: 200, body: { opened: 0, records: [{ status: 'ignored' }] } });
  });

  it('an Entra ID token of Event Grid is accepted, for the handshake too; another app\'s token is a 401', async () => {
    const validation = [{ id: 'v-2', topic: `/subscriptions/${SUB}`, subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      eventTime: new Date().toISOString(), data: { validationCode: 'c0de-2' }, dataVersion: '2', metadataVersion: '1' }];
    const fromEventGrid = `Bearer ${signedToken(key, entraClaims({ aud: AUDIENCE }))}`;
    const fromAnotherApp = `Bearer ${signedToken(key, entraClaims({ aud: AUDIENCE, appid: CALLER }))}`;

    const accepted = await world.host.request('POST', eventsPath(null), { body: validation, headers: { authorization: fromEventGrid } });
    const refused = await world.host.request('POST', eventsPath(null), { body: validation, headers: { authorization: fromAnotherApp } });

    expect(accepted).toMatchObject({ status: 200, body: { validationResponse: 'c0de-2' } });
    expect(refused.status).toBe(401);
  });

  it('refresh with Entra ID: registered anonymous to the host, a 401 without a token of an allowed caller', async () => {
    const eventGridToken = `Bearer ${signedToken(key, entraClaims({ aud: REFRESH_AUDIENCE }))}`;

    const noToken = await world.host.request('POST', '/api/refresh');
    const notACaller = await world.host.request('POST', '/api/refresh', { headers: { authorization: eventGridToken } });

    expect(world.host.functions.find((f) => f.name === 'refresh')?.trigger.authLevel).toBe('anonymous');
    expect([noToken.status, notACaller.status]).toEqual([401, 401]);
  });
});

describe('the built app\'s settings', () => {
  it('an app without Event Grid authentication does not start, naming the setting', async () => {
    const started = FunctionsHost.start({ NETDRIFT_STORAGE_ACCOUNT: 'netdriftdata', NETDRIFT_SNAPSHOT_CONTAINER: 'snapshots', NETDRIFT_STATE_TABLE: 'netdriftstate' });

    await expect(started).rejects.toThrow(/NETDRIFT_EVENT_GRID_SECRET: required/);
  });

  it('a Key Vault reference the platform could not resolve arrives as its text and fails the start, naming the setting', async () => {
    const started = FunctionsHost.start({
      NETDRIFT_STORAGE_ACCOUNT: 'netdriftdata', NETDRIFT_SNAPSHOT_CONTAINER: 'snapshots', NETDRIFT_STATE_TABLE: 'netdriftstate', NETDRIFT_EVENT_GRID_SECRET: 's',
      NETDRIFT_SLACK_WEBHOOK_URL: '@Microsoft.KeyVault(SecretUri=https://netdrift-kv.vault.azure.net/secrets/slack-webhook/)',
    });

    await expect(started).rejects.toThrow(/environment NETDRIFT_SLACK_WEBHOOK_URL: /);
  });

  it('a subscription that is not a GUID fails the start, without echoing other values', async () => {
    const started = FunctionsHost.start({
      NETDRIFT_STORAGE_ACCOUNT: 'netdriftdata', NETDRIFT_SNAPSHOT_CONTAINER: 'snapshots', NETDRIFT_STATE_TABLE: 'netdriftstate',
      NETDRIFT_EVENT_GRID_SECRET: 'do-not-echo-me', NETDRIFT_SUBSCRIPTIONS: 'prod',
    });

    await expect(started).rejects.toThrow(/NETDRIFT_SUBSCRIPTIONS: "prod" is not a subscription id/);
    await expect(started).rejects.not.toThrow(/do-not-echo-me/);
  });
});
