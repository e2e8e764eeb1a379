import { describe, expect, it } from 'vitest';
import { keysOfJwks, staticKeys } from '../../../../functions/shared/auth/jwks.js';
import { pubsubPushAuthenticator } from '../../../../functions/shared/auth/pubsub-oidc.js';
import { authRequest, nowSeconds, pubsubClaims, signedToken, signingKey, unsignedToken } from './tokens.js';

const google = signingKey('google-2026-11');
const forger = signingKey('google-2026-11');
const authenticate = pubsubPushAuthenticator({
  audience: 'https://netdrift.example.com/gcp/pubsub',
  serviceAccount: 'push@netdrift-prod.iam.gserviceaccount.com',
  keys: staticKeys(keysOfJwks({ keys: [google.jwk] }, 'Google JWKS')),
});
const push = (token: string) => authRequest({ headers: { Authorization: `Bearer ${token}` }, body: '{"message":{"data":"e30=","messageId":"1"},"subscription":"s"}' });

describe('Pub/Sub push OIDC token', () => {
  it('accepts the token Pub/Sub signs for the push service account', async () => {
    const result = await authenticate(push(signedToken(google, pubsubClaims())));

    expect(result).toEqual({ ok: true, principal: 'Pub/Sub push (push@netdrift-prod.iam.gserviceaccount.com)' });
  });

  it('accepts the issuer spelled without its scheme', async () => {
    const result = await authenticate(push(signedToken(google, pubsubClaims({ iss: 'accounts.google.com' }))));

    expect(result.ok).toBe(true);
  });

  it.each([
    ['another audience', { aud: 'https://attacker.example/push' }, 'Pub/Sub token: token audience "https://attacker.example/push" is not accepted'],
    ['another service account', { email: 'someone@evil-project.iam.gserviceaccount.com' }, 'Pub/Sub token: email "someone@evil-project.iam.gserviceaccount.com" is not the push service account'],
    ['an unverified email', { email_verified: false }, 'Pub/Sub token: email_verified is not true'],
    ['no email', { email: undefined }, 'Pub/Sub token: email "" is not the push service account'],
    ['another issuer', { iss: 'https://securetoken.google.com/p' }, 'Pub/Sub token: token issuer "https://securetoken.google.com/p" is not accepted'],
  ])('refuses a token with %s', async (_case, change, reason) => {
    const result = await authenticate(push(signedToken(google, pubsubClaims(change))));

    expect(result).toEqual({ ok: false, reason });
  });

  it('refuses an expired token', async () => {
    const result = await authenticate(push(signedToken(google, pubsubClaims({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }))));

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(/^Pub\/Sub token: token expired 36\d\d s ago$/);
  });

  it('refuses a token signed by another key under Google\'s kid', async () => {
    const result = await authenticate(push(signedToken(forger, pubsubClaims())));

    expect(result).toEqual({ ok: false, reason: 'Pub/Sub token: token signature does not verify' });
  });

  it('refuses alg none and a push without a token', async () => {
    const unsigned = await authenticate(push(unsignedToken(pubsubClaims(), 'google-2026-11')));
    const missing = await authenticate(authRequest());

    expect(unsigned.ok).toBe(false);
    expect(missing).toEqual({ ok: false, reason: 'Pub/Sub token: no Authorization header' });
  });

  it('cannot be built without an audience or a service account', () => {
    expect(() => pubsubPushAuthenticator({ audience: '', serviceAccount: 'a@b', keys: () => Promise.resolve(undefined) }))
      .toThrow('Pub/Sub push: audience and service account are both required');
  });
});
