import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** An RSA key pair made for a test, its public half as a JWK the way Google and Entra publish them. */
export interface TestSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: Record<string, unknown>;
}

export function signingKey(kid: string): TestSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWT signed RS256 with `key` (header `kid` is the key's unless `header` says otherwise). */
export function signedToken(key: TestSigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const signingInput = `${segment({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })}.${segment(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url')}`;
}

/** An `alg: none` token: claims with no signature at all, as a forger would send them. */
export function unsignedToken(claims: Record<string, unknown>, kid = 'k1'): string {
  return `${segment({ alg: 'none', typ: 'JWT', kid })}.${segment(claims)}.`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims of the OIDC token Pub/Sub push sends, valid for an hour. */
export function pubsubClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return {
    aud: 'https://netdrift.example.com/gcp/pubsub', azp: '113774264463038321964', email: 'push@netdrift-prod.iam.gserviceaccount.com',
    email_verified: true, exp: now + 3600, iat: now, iss: 'https://accounts.google.com', sub: '113774264463038321964',
    ...overrides,
  };
}

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** Event Grid's first-party application id, the `appid` of the tokens it gets for a secure webhook. */
export const EVENT_GRID_APP_ID = '4962773b-9cdb-44cf-a8bf-237846a00ab7';

/** Claims of a v1 Entra ID access token Event Grid gets for the webhook app, valid for an hour. */
export function entraClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return {
    aud: 'api://netdrift-webhook', iss: `https://sts.windows.net/${TENANT}/`, iat: now, nbf: now, exp: now + 3600,
    appid: EVENT_GRID_APP_ID, roles: ['AzureEventGridSecureWebhookSubscriber'], tid: TENANT, ver: '1.0',
    ...overrides,
  };
}

/** An AuthRequest the way a server builds it. */
export function authRequest(options: { headers?: Record<string, string>; query?: string; body?: string } = {}) {
  return {
    headers: Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    query: new URLSearchParams(options.query ?? ''),
    body: Buffer.from(options.body ?? ''),
  };
}
