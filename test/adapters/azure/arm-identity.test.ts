import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { armClientOptionsFromEnv, azureStateReader } from '../../../adapters/azure/index.js';
import { ConfigError } from '../../../core/errors.js';
import { startFakeArm, startIdentityEndpoint, type FakeArm } from '../../support/fake-arm.js';
import { RT, SUB, seedSubscription } from './arm-fixtures.js';

/**
 * The production credential path: no credential given, so `DefaultAzureCredential` is used, and on a Function App
 * it is the managed identity endpoint the platform announces in IDENTITY_ENDPOINT / IDENTITY_HEADER.
 */
const HEADER = 'f7d3a9c1-identity-header';
let fake: FakeArm;
let identity: Awaited<ReturnType<typeof startIdentityEndpoint>>;
const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeEach(async () => {
  fake = await startFakeArm();
  seedSubscription(fake);
  identity = await startIdentityEndpoint(HEADER);
  process.env.IDENTITY_ENDPOINT = identity.url;
  process.env.IDENTITY_HEADER = HEADER;
});
afterEach(async () => {
  for (const [name, value] of [['IDENTITY_ENDPOINT', saved.endpoint], ['IDENTITY_HEADER', saved.header]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await identity.close();
  await fake.close();
});

describe('the reader on a Function App', () => {
  it('signs with the managed identity\'s token, fetched once and reused', async () => {
    const reader = azureStateReader({ clientOptions: { ...armClientOptionsFromEnv({ NETDRIFT_ARM_ENDPOINT: `${fake.url}/` }), tlsCa: fake.clientOptions.tlsCa } });
    const ref = { cloud: 'azure' as const, account: SUB, kind: 'route-table' as const, id: RT, region: 'westeurope' };

    const first = await reader.read(ref);
    const second = await reader.read(ref);

    expect([first.exists, second.exists]).toEqual([true, true]);
    expect(identity.requests).toEqual([`GET /msi/token?resource=${fake.url}`]);
  });

  it('NETDRIFT_ARM_ENDPOINT must be an https URL; unset means ARM itself', () => {
    expect(() => armClientOptionsFromEnv({ NETDRIFT_ARM_ENDPOINT: 'http://127.0.0.1:1' })).toThrow(ConfigError);
    expect(armClientOptionsFromEnv({})).toEqual({});
  });
});
