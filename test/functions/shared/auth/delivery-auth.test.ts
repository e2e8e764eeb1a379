import { describe, expect, it } from 'vitest';
import { deliveryAuthenticators, deliveryAuthSettings } from '../../../../functions/shared/auth/delivery-auth.js';
import { keysOfJwks, staticKeys } from '../../../../functions/shared/auth/jwks.js';
import { signedHeaders } from '../../../../functions/shared/auth/shared-secret.js';
import { authRequest, entraClaims, pubsubClaims, signedToken, signingKey, TENANT } from './tokens.js';

const key = signingKey('k1');
const keys = staticKeys(keysOfJwks({ keys: [key.jwk] }, 'test JWKS'));
const bearer = (token: string) => authRequest({ headers: { Authorization: `Bearer ${token}` } });

describe('deliveryAuthSettings', () => {
  it('takes each flag over its environment variable, and the variable when the flag is absent', () => {
    const env = { NETDRIFT_SERVE_SECRET: 'from-env', NETDRIFT_ENTRA_TENANT: TENANT, NETDRIFT_ENTRA_AUDIENCE: 'api://a, 6f3c8e0a-1111' };

    const settings = deliveryAuthSettings({ secret: ['from-flag'], pubsubAudience: 'https://x/gcp/pubsub' }, env);

    expect(settings).toEqual({
      secrets: ['from-flag'], eventGridSecrets: [], entraTenant: TENANT, entraAudiences: ['api://a', '6f3c8e0a-1111'], pubsubAudience: 'https://x/gcp/pubsub',
    });
  });

  it('is empty when nothing is configured', () => {
    expect(deliveryAuthSettings({}, {})).toEqual({ secrets: [], eventGridSecrets: [], entraAudiences: [] });
  });
});

describe('deliveryAuthenticators', () => {
  it('leaves every route open when nothing is configured', async () => {
    expect(await deliveryAuthenticators(deliveryAuthSettings({}, {}))).toEqual({});
  });

  it('guards every route with the shared secret when only that is configured', async () => {
    const routes = await deliveryAuthenticators(deliveryAuthSettings({ secret: 's3cret' }, {}));
    const signed = authRequest({ headers: signedHeaders('s3cret', '{}'), body: '{}' });

    const answers = await Promise.all([routes.aws, routes.azure, routes.gcp].map((route) => route?.(signed)));

    expect(answers.map((a) => a?.ok)).toEqual([true, true, true]);
  });

  it('gives Event Grid and Pub/Sub their own methods when configured, the AWS route keeping the secret', async () => {
    const settings = deliveryAuthSettings({
      secret: 's3cret', eventGridSecret: 'eg-code', entraTenant: TENANT, entraAudience: 'api://netdrift-webhook',
      pubsubAudience: 'https://netdrift.example.com/gcp/pubsub', pubsubServiceAccount: 'push@netdrift-prod.iam.gserviceaccount.com',
    }, {});
    const routes = await deliveryAuthenticators(settings, keys);

    const azureByCode = await routes.azure?.(authRequest({ query: 'code=eg-code' }));
    const azureByToken = await routes.azure?.(bearer(signedToken(key, entraClaims())));
    const azureBySecret = await routes.azure?.(bearer('s3cret'));
    const gcpByToken = await routes.gcp?.(bearer(signedToken(key, pubsubClaims())));
    const gcpBySecret = await routes.gcp?.(bearer('s3cret'));
    const awsBySecret = await routes.aws?.(bearer('s3cret'));

    expect([azureByCode?.ok, azureByToken?.ok, azureBySecret?.ok]).toEqual([true, true, false]);
    expect([gcpByToken?.ok, gcpBySecret?.ok, awsBySecret?.ok]).toEqual([true, false, true]);
  });

  it('refuses half a configuration, naming both flags', async () => {
    await expect(deliveryAuthenticators(deliveryAuthSettings({ entraTenant: TENANT }, {}), keys))
      .rejects.toThrow('--entra-tenant and --entra-audience go together: set both or neither');
    await expect(deliveryAuthenticators(deliveryAuthSettings({ pubsubServiceAccount: 'a@b.iam.gserviceaccount.com' }, {}), keys))
      .rejects.toThrow('--pubsub-audience and --pubsub-service-account go together: set both or neither');
  });
});
