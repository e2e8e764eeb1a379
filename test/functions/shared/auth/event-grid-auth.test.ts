import { describe, expect, it } from 'vitest';
import { eventGridAuthenticator } from '../../../../functions/shared/auth/event-grid-auth.js';
import { keysOfJwks, staticKeys } from '../../../../functions/shared/auth/jwks.js';
import { authRequest, entraClaims, EVENT_GRID_APP_ID, nowSeconds, signedToken, signingKey, TENANT, unsignedToken } from './tokens.js';

const key = signingKey('entra-key-1');
const forger = signingKey('entra-key-1');
const keys = staticKeys(keysOfJwks({ keys: [key.jwk] }, 'Entra JWKS'));
const entra = { tenant: TENANT, audiences: ['api://netdrift-webhook'], keys };
const bearer = (token: string) => authRequest({ headers: { Authorization: `Bearer ${token}` } });

describe('Event Grid query secret', () => {
  const authenticate = eventGridAuthenticator({ secrets: ['eg-secret-1'] });

  it('accepts the subscription secret in ?code=', async () => {
    const result = await authenticate(authRequest({ query: 'code=eg-secret-1' }));

    expect(result).toEqual({ ok: true, principal: 'Event Grid (?code= secret)' });
  });

  it('refuses a wrong or missing secret', async () => {
    const wrong = await authenticate(authRequest({ query: 'code=eg-secret-2' }));
    const missing = await authenticate(authRequest({ query: 'other=eg-secret-1' }));

    expect(wrong).toEqual({ ok: false, reason: '?code= does not match' });
    expect(missing).toEqual({ ok: false, reason: 'no ?code= secret' });
  });

  it('reads a configured parameter name and accepts old and new secrets during a rotation', async () => {
    const rotating = eventGridAuthenticator({ secrets: ['old', 'new'], secretParameter: 'token' });

    const results = await Promise.all(['token=old', 'token=new', 'code=new'].map((query) => rotating(authRequest({ query }))));

    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
  });

  it('cannot be built with nothing to check', () => {
    expect(() => eventGridAuthenticator({})).toThrow('Event Grid: configure a query secret or an Entra tenant and audience');
  });
});

describe('Event Grid Entra ID token', () => {
  const authenticate = eventGridAuthenticator({ entra });

  it('accepts a v1 token of the tenant for the webhook app', async () => {
    const result = await authenticate(bearer(signedToken(key, entraClaims())));

    expect(result).toEqual({ ok: true, principal: `Event Grid (Entra token, app ${EVENT_GRID_APP_ID})` });
  });

  it('accepts a v2 token (login.microsoftonline.com issuer, client id audience) when that audience is configured', async () => {
    const both = eventGridAuthenticator({ entra: { ...entra, audiences: ['api://netdrift-webhook', '6f3c8e0a-1111-4a4a-9b9b-0123456789ab'] } });
    const claims = entraClaims({ iss: `https://login.microsoftonline.com/${TENANT}/v2.0`, aud: '6f3c8e0a-1111-4a4a-9b9b-0123456789ab', ver: '2.0', appid: undefined, azp: EVENT_GRID_APP_ID });

    const result = await both(bearer(signedToken(key, claims)));

    expect(result.ok).toBe(true);
  });

  it.each([
    ['another tenant', { iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/' }, 'issuer'],
    ['the common endpoint', { iss: 'https://login.microsoftonline.com/common/v2.0' }, 'issuer'],
    ['another audience', { aud: 'https://management.azure.com/' }, 'audience'],
    ['an expired token', { exp: nowSeconds() - 3600 }, 'expired'],
  ])('refuses a token of %s', async (_case, change, word) => {
    const result = await authenticate(bearer(signedToken(key, entraClaims(change))));

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(new RegExp(`^Entra token: token ${word}`));
  });

  it('refuses a valid token of the tenant held by another app or a user, not by Event Grid', async () => {
    const otherApp = await authenticate(bearer(signedToken(key, entraClaims({ appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' }))));
    const noApp = await authenticate(bearer(signedToken(key, entraClaims({ appid: undefined }))));

    expect(otherApp).toEqual({ ok: false, reason: 'Entra token: issued to "04b07795-8ddb-461a-bbee-02f9e1bf7b46", not to Event Grid' });
    expect(noApp).toEqual({ ok: false, reason: 'Entra token: issued to "no app", not to Event Grid' });
  });

  it('refuses a token with a bad signature, an unsigned one, and none at all', async () => {
    const forged = await authenticate(bearer(signedToken(forger, entraClaims())));
    const unsigned = await authenticate(bearer(unsignedToken(entraClaims(), 'entra-key-1')));
    const missing = await authenticate(authRequest());

    expect(forged).toEqual({ ok: false, reason: 'Entra token: token signature does not verify' });
    expect(unsigned.ok).toBe(false);
    expect(missing).toEqual({ ok: false, reason: 'Entra token: no Authorization header' });
  });
});

describe('Event Grid with both a query secret and Entra ID', () => {
  const authenticate = eventGridAuthenticator({ secrets: ['eg-secret-1'], entra });

  it('accepts either one', async () => {
    const bySecret = await authenticate(authRequest({ query: 'code=eg-secret-1' }));
    const byToken = await authenticate(bearer(signedToken(key, entraClaims())));

    expect([bySecret.ok, byToken.ok]).toEqual([true, true]);
  });

  it('refuses with what each method found wrong', async () => {
    const result = await authenticate(authRequest({ query: 'code=nope' }));

    expect(result).toEqual({ ok: false, reason: '?code= does not match; Entra token: no Authorization header' });
  });
});
