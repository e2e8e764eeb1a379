import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual, sharedSecretAuthenticator, signatureOf, signedHeaders, SIGNATURE_HEADER, TIMESTAMP_HEADER,
} from '../../../../functions/shared/auth/shared-secret.js';
import { authRequest } from './tokens.js';

const SECRET = 'k7Hq2-correct-horse-battery-staple';
const BODY = '{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"ReplaceRoute"}}';
const authenticate = sharedSecretAuthenticator({ secrets: [SECRET] });

describe('constantTimeEqual', () => {
  it('is true only for equal values, whatever their lengths', () => {
    expect(constantTimeEqual(SECRET, SECRET)).toBe(true);
    expect(constantTimeEqual(SECRET, `${SECRET}x`)).toBe(false);
    expect(constantTimeEqual('', SECRET)).toBe(false);
    expect(constantTimeEqual(Buffer.from(SECRET), SECRET)).toBe(true);
  });
});

describe('shared secret as a bearer token', () => {
  it('accepts the secret', async () => {
    const result = await authenticate(authRequest({ headers: { Authorization: `Bearer ${SECRET}` } }));

    expect(result).toEqual({ ok: true, principal: 'shared secret (bearer)' });
  });

  it('refuses a missing, malformed or wrong credential with a reason that does not echo it', async () => {
    const missing = await authenticate(authRequest());
    const basic = await authenticate(authRequest({ headers: { Authorization: 'Basic dXNlcjpwYXNz' } }));
    const wrong = await authenticate(authRequest({ headers: { Authorization: 'Bearer guessed-secret' } }));

    expect(missing).toEqual({ ok: false, reason: 'no credentials: send X-Netdrift-Signature and X-Netdrift-Timestamp, or Authorization: Bearer <secret>' });
    expect(basic).toEqual({ ok: false, reason: 'Authorization is not "Bearer <token>"' });
    expect(wrong.ok).toBe(false);
    expect(JSON.stringify(wrong)).not.toContain('guessed-secret');
  });

  it('accepts either secret while one is rotated', async () => {
    const rotating = sharedSecretAuthenticator({ secrets: ['old-secret', 'new-secret'] });

    const old = await rotating(authRequest({ headers: { Authorization: 'Bearer old-secret' } }));
    const fresh = await rotating(authRequest({ headers: { Authorization: 'Bearer new-secret' } }));

    expect([old.ok, fresh.ok]).toEqual([true, true]);
  });

  it('cannot be built without a secret', () => {
    expect(() => sharedSecretAuthenticator({ secrets: [''] })).toThrow('shared secret: no secret configured');
  });
});

describe('shared secret as an HMAC signature of the raw body', () => {
  it('accepts a body signed now', async () => {
    const result = await authenticate(authRequest({ headers: signedHeaders(SECRET, BODY), body: BODY }));

    expect(result).toEqual({ ok: true, principal: 'shared secret (signature)' });
  });

  it('refuses the signature of another body (the body was changed on the way)', async () => {
    const headers = signedHeaders(SECRET, BODY);

    const result = await authenticate(authRequest({ headers, body: BODY.replace('ReplaceRoute', 'CreateRoute') }));

    expect(result).toEqual({ ok: false, reason: 'X-Netdrift-Signature: does not match the body' });
  });

  it('refuses a signature made with another secret', async () => {
    const result = await authenticate(authRequest({ headers: signedHeaders('not the secret', BODY), body: BODY }));

    expect(result.ok).toBe(false);
  });

  it('refuses a correctly signed request older than five minutes (a replay)', async () => {
    const signedAt = Date.now() - 360_000;

    const result = await authenticate(authRequest({ headers: signedHeaders(SECRET, BODY, signedAt), body: BODY }));

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(/^X-Netdrift-Timestamp: 36[01] s away from now, more than 300 s \(replayed or clock skew\)$/);
  });

  it('accepts a request signed four minutes ago and refuses one dated six minutes ahead', async () => {
    const recent = await authenticate(authRequest({ headers: signedHeaders(SECRET, BODY, Date.now() - 240_000), body: BODY }));
    const ahead = await authenticate(authRequest({ headers: signedHeaders(SECRET, BODY, Date.now() + 360_000), body: BODY }));

    expect(recent.ok).toBe(true);
    expect(ahead.ok).toBe(false);
  });

  it('refuses a signature whose timestamp header is missing or was changed', async () => {
    const headers = signedHeaders(SECRET, BODY);
    const moved = { ...headers, [TIMESTAMP_HEADER]: String(Number(headers[TIMESTAMP_HEADER]) + 1) };

    const missing = await authenticate(authRequest({ headers: { [SIGNATURE_HEADER]: headers[SIGNATURE_HEADER] ?? '' }, body: BODY }));
    const changed = await authenticate(authRequest({ headers: moved, body: BODY }));

    expect(missing).toEqual({ ok: false, reason: 'X-Netdrift-Timestamp: expected Unix seconds, got ""' });
    expect(changed).toEqual({ ok: false, reason: 'X-Netdrift-Signature: does not match the body' });
  });

  it('refuses a signature header that is not v1=<hex>', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const hex = signatureOf(SECRET, timestamp, BODY).slice('v1='.length);

    const result = await authenticate(authRequest({ headers: { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: hex }, body: BODY }));

    expect(result).toEqual({ ok: false, reason: 'X-Netdrift-Signature: expected "v1=<64 hex digits>"' });
  });

  it('accepts a header with several signatures while the sender rotates its secret', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const both = `${signatureOf('retired-secret', timestamp, BODY)}, ${signatureOf(SECRET, timestamp, BODY)}`;

    const result = await authenticate(authRequest({ headers: { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: both }, body: BODY }));

    expect(result.ok).toBe(true);
  });

  it('signs what openssl signs: HMAC-SHA256 over "<timestamp>.<body>"', () => {
    // printf '%s' '1764648000.{}' | openssl dgst -sha256 -hmac 'k' -hex
    expect(signatureOf('k', 1764648000, '{}')).toBe('v1=13ae683584db13b4cf7eab0561357645c3ae714ca4d492ba7ad37f1199f88744');
  });
});
