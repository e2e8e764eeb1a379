import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../../core/errors.js';
import { keysFromJwksFile, keysOfJwks, remoteJwks } from '../../../../functions/shared/auth/jwks.js';
import { tempTree } from '../../../support/cli.js';
import { signingKey } from './tokens.js';

const current = signingKey('current');
const next = signingKey('next');

describe('keysOfJwks', () => {
  it('keeps RSA signing keys by kid and leaves out encryption keys, other algorithms and keys without kid', () => {
    const ec = { kty: 'EC', kid: 'ec', crv: 'P-256', x: 'AA', y: 'AA', use: 'sig' };
    const document = { keys: [current.jwk, { ...next.jwk, use: 'enc' }, { ...next.jwk, kid: 'ps', alg: 'PS256' }, { ...next.jwk, kid: undefined }, ec] };

    const keys = keysOfJwks(document, 'test JWKS');

    expect([...keys.keys()]).toEqual(['current']);
    expect(keys.get('current')?.asymmetricKeyType).toBe('rsa');
  });

  it('names the document that is not a JWKS, and the key that is not a key', () => {
    expect(() => keysOfJwks({ kid: 'current' }, 'JWKS file keys.json')).toThrow('JWKS file keys.json: not a JWKS document ({"keys": [...]})');
    expect(() => keysOfJwks({ keys: [{ ...current.jwk, e: undefined }] }, 'test JWKS')).toThrow(/^test JWKS: key current is not a valid RSA public key/);
    expect(() => keysOfJwks({ keys: [{ ...current.jwk, n: 'AQAB' }] }, 'test JWKS')).toThrow('test JWKS: key current has 17 bits, fewer than 2048');
  });
});

describe('keysFromJwksFile', () => {
  let dir = '';
  afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); dir = ''; });

  it('resolves keys from the file by kid', async () => {
    dir = await tempTree({ 'jwks.json': { keys: [current.jwk, next.jwk] } });

    const resolve = await keysFromJwksFile(`${dir}/jwks.json`);

    expect((await resolve('next'))?.equals(next.publicKey)).toBe(true);
    expect(await resolve('gone')).toBeUndefined();
  });

  it('fails with a configuration error naming a missing or broken file', async () => {
    dir = await tempTree({ 'broken.json': '{"keys": [' });

    await expect(keysFromJwksFile(`${dir}/missing.json`)).rejects.toThrow(/^JWKS file .*missing\.json: ENOENT/);
    await expect(keysFromJwksFile(`${dir}/broken.json`)).rejects.toThrow(/^JWKS file .*broken\.json: not JSON/);
  });
});

describe('remoteJwks (against a key endpoint on loopback)', () => {
  let server: Server | undefined;
  afterEach(async () => { server?.closeAllConnections(); await new Promise((r) => server?.close(r) ?? r(undefined)); server = undefined; });

  async function keyEndpoint(answers: (() => { status: number; body: unknown })[]) {
    const hits: number[] = [];
    server = createServer((_request, response) => {
      hits.push(Date.now());
      const answer = (answers[hits.length - 1] ?? answers[answers.length - 1] ?? (() => ({ status: 500, body: {} })))();
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`, hits };
  }

  it('fetches once and serves known kids from its cache', async () => {
    const endpoint = await keyEndpoint([() => ({ status: 200, body: { keys: [current.jwk] } })]);
    const resolve = remoteJwks(endpoint.url);

    const first = await resolve('current');
    const second = await resolve('current');

    expect(first?.equals(current.publicKey)).toBe(true);
    expect(second?.equals(current.publicKey)).toBe(true);
    expect(endpoint.hits).toHaveLength(1);
  });

  it('fetches again for a kid it does not know (a rotation), at most once per interval', async () => {
    let clock = 1_000_000;
    const endpoint = await keyEndpoint([() => ({ status: 200, body: { keys: [current.jwk] } }), () => ({ status: 200, body: { keys: [current.jwk, next.jwk] } })]);
    const resolve = remoteJwks(endpoint.url, { now: () => clock });
    await resolve('current');

    const tooSoon = await resolve('next');
    clock += 61_000;
    const rotated = await resolve('next');
    const forged = await resolve('forged-kid');

    expect(tooSoon).toBeUndefined();
    expect(rotated?.equals(next.publicKey)).toBe(true);
    expect(forged).toBeUndefined();
    expect(endpoint.hits).toHaveLength(2);
  });

  it('fails transiently when the key endpoint answers 5xx, so the delivery is retried', async () => {
    const endpoint = await keyEndpoint([() => ({ status: 503, body: {} })]);
    const resolve = remoteJwks(endpoint.url);

    const failure = await resolve('current').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toBe(`JWKS ${endpoint.url}: HTTP 503`);
  });
});
