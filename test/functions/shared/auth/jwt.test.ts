import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keysOfJwks, staticKeys } from '../../../../functions/shared/auth/jwks.js';
import { verifyRs256, type JwtExpectations } from '../../../../functions/shared/auth/jwt.js';
import { nowSeconds, signedToken, signingKey, unsignedToken } from './tokens.js';

const key = signingKey('k1');
const other = signingKey('k1');
const keys = staticKeys(keysOfJwks({ keys: [key.jwk] }, 'test JWKS'));
const expectations: JwtExpectations = { keys, issuers: ['https://issuer.example'], audiences: ['https://netdrift.example/hook'] };
const claims = () => ({ iss: 'https://issuer.example', aud: 'https://netdrift.example/hook', exp: nowSeconds() + 600, iat: nowSeconds(), sub: 'x' });

describe('verifyRs256', () => {
  it('accepts a token signed by a known key, for us, in date, and returns its claims', async () => {
    const result = await verifyRs256(signedToken(key, claims()), expectations);

    expect(result.ok).toBe(true);
    expect(result.ok && result.claims.sub).toBe('x');
  });

  it('accepts an audience list holding ours', async () => {
    const result = await verifyRs256(signedToken(key, { ...claims(), aud: ['someone-else', 'https://netdrift.example/hook'] }), expectations);

    expect(result.ok).toBe(true);
  });

  it.each([
    ['another issuer', { iss: 'https://evil.example' }, 'token issuer "https://evil.example" is not accepted'],
    ['another audience', { aud: 'https://other.example' }, 'token audience "https://other.example" is not accepted'],
    ['an expiry past the skew', { exp: nowSeconds() - 120 }, /^token expired 12\d s ago$/],
    ['a not-before ahead of the skew', { nbf: nowSeconds() + 600 }, /^token not valid for another (599|600) s$/],
    ['no expiry', { exp: undefined }, 'token claims: exp missing or not the expected type'],
  ])('refuses %s', async (_case, change, reason) => {
    const result = await verifyRs256(signedToken(key, { ...claims(), ...change }), expectations);

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('tolerates a minute of clock skew on the expiry', async () => {
    const result = await verifyRs256(signedToken(key, { ...claims(), exp: nowSeconds() - 30 }), expectations);

    expect(result.ok).toBe(true);
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const result = await verifyRs256(signedToken(other, claims()), expectations);

    expect(result).toEqual({ ok: false, reason: 'token signature does not verify' });
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, , signature] = signedToken(key, claims()).split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims(), sub: 'admin' })).toString('base64url');

    const result = await verifyRs256(`${header}.${forged}.${signature}`, expectations);

    expect(result).toEqual({ ok: false, reason: 'token signature does not verify' });
  });

  it('refuses alg none, even with valid claims', async () => {
    const result = await verifyRs256(unsignedToken(claims()), expectations);

    expect(result).toEqual({ ok: false, reason: 'token is not a signed JWT (header.payload.signature)' });
  });

  it('refuses alg none with a signature segment present', async () => {
    const result = await verifyRs256(`${unsignedToken(claims())}c2ln`, expectations);

    expect(result).toEqual({ ok: false, reason: 'token algorithm "none" is not accepted (RS256 only)' });
  });

  it('refuses HS256 made with the public key as the HMAC secret (algorithm confusion)', async () => {
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' });
    const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'k1' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
    const token = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;

    const result = await verifyRs256(token, expectations);

    expect(result).toEqual({ ok: false, reason: 'token algorithm "HS256" is not accepted (RS256 only)' });
  });

  it('refuses an unknown kid and a token without kid', async () => {
    const unknown = await verifyRs256(signedToken(key, claims(), { kid: 'rotated-away' }), expectations);
    const none = await verifyRs256(signedToken(key, claims(), { kid: undefined }), expectations);

    expect(unknown).toEqual({ ok: false, reason: 'no verification key with kid "rotated-away"' });
    expect(none).toEqual({ ok: false, reason: 'token header has no "kid"' });
  });

  it('refuses a key that is not RSA even under RS256', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const result = await verifyRs256(signedToken(key, claims()), { ...expectations, keys: () => Promise.resolve(ec.publicKey) });

    expect(result).toEqual({ ok: false, reason: 'key "k1" is not an RSA key' });
  });

  it.each([
    ['not a JWT', 'hello'],
    ['a header that is not JSON', 'bm90IGpzb24.e30.c2ln'],
    ['an oversized token', `${'a'.repeat(17_000)}.e30.c2ln`],
  ])('refuses %s without throwing', async (_case, token) => {
    const result = await verifyRs256(token, expectations);

    expect(result.ok).toBe(false);
  });
});
