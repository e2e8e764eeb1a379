import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AzureStateReader } from '../../../adapters/azure/arm-state-reader.js';
import { captureWithResourceGraph } from '../../../adapters/azure/resource-graph-capture.js';
import { OperatorError, PermanentReadError, TransientError } from '../../../core/errors.js';
import { denied, startFakeArm, throttled, type FakeArm } from '../../support/fake-arm.js';
import { RT, SUB, seedSubscription } from './arm-fixtures.js';

/** How ARM's failures reach the pipeline: throttling and 5xx transient after bounded retries, 403 an operator error. */
let fake: FakeArm;
let reader: AzureStateReader;

beforeEach(async () => {
  fake = await startFakeArm();
  seedSubscription(fake);
  reader = new AzureStateReader({ clientOptions: fake.clientOptions });
});
afterEach(async () => { await fake.close(); });

const readTable = () => reader.read({ cloud: 'azure', account: SUB, kind: 'route-table', id: RT, region: 'westeurope' });
const tableReads = () => fake.requests.filter((line) => line === `GET ${RT}`).length;
const ROUTE_TABLE = /^GET .*\/routeTables\/rt-app$/;

describe('ARM throttling and outages', () => {
  it('a 429 with a short Retry-After is retried by the SDK, and the read succeeds', async () => {
    fake.failNext(ROUTE_TABLE, throttled(1));

    const read = await readTable();

    expect(read.exists).toBe(true);
    expect(tableReads()).toBe(2);
  });

  it('throttled on every attempt: TransientError after the bounded retries, naming the wait and what is left', async () => {
    fake.failNext(ROUTE_TABLE, throttled(1, '0'), 10);
    const started = Date.now();

    const error = await readTable().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(`GET route table ${RT}: TooManyRequests (HTTP 429): throttled, retry after 1 s, 0 subscription reads left`);
    expect(tableReads()).toBe(3);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a Retry-After longer than the bound is not waited for: TransientError at once', async () => {
    fake.failNext(ROUTE_TABLE, throttled(120), 10);
    const started = Date.now();

    const error = await readTable().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('retry after 120 s');
    expect(tableReads()).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a 503 on every attempt is transient after the retries', async () => {
    fake.failNext(ROUTE_TABLE, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } }, 10);

    const error = await readTable().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(tableReads()).toBe(3);
  });

  it('an unreachable ARM endpoint is transient', async () => {
    const closed = new AzureStateReader({ clientOptions: { ...fake.clientOptions, endpoint: 'https://127.0.0.1:9', maxRetries: 0 } });

    const error = await closed.read({ cloud: 'azure', account: SUB, kind: 'route-table', id: RT, region: 'westeurope' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
  });

  it('Resource Graph throttled beyond its bound is transient', async () => {
    fake.failNext(/^POST \/providers\/Microsoft.ResourceGraph/, throttled(1), 10);

    const error = await captureWithResourceGraph({ subscriptions: [SUB] }, [], { clientOptions: fake.clientOptions }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(fake.requests.filter((line) => line.startsWith('POST'))).toHaveLength(3);
  });
});

describe('ARM refusals', () => {
  it('403 AuthorizationFailed: an operator error saying the managed identity lacks Reader, not retried', async () => {
    fake.failNext(ROUTE_TABLE, denied(RT), 10);

    const error = await readTable().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OperatorError);
    expect(error).toMatchObject({ code: 'access-denied', location: `/subscriptions/${SUB}` });
    expect((error as Error).message).toBe(`GET route table ${RT}: AuthorizationFailed (HTTP 403): the reader's managed identity lacks Reader on /subscriptions/${SUB}`);
    expect((error as OperatorError).fix).toContain('Reader role');
    expect(tableReads()).toBe(1);
  });

  it('a capture denied on one resource type fails whole, never a partial snapshot', async () => {
    fake.failNext(/^GET \/subscriptions\/[^/]+\/providers\/Microsoft.Network\/privateEndpoints$/, denied(`/subscriptions/${SUB}`), 10);

    await expect(reader.capture({ cloud: 'azure', account: SUB }, [])).rejects.toThrow(OperatorError);
  });

  it('a 400 is a permanent read error (the event becomes change.unverified)', async () => {
    fake.failNext(ROUTE_TABLE, { status: 400, body: { error: { code: 'InvalidApiVersionParameter', message: 'no' } } });

    const error = await readTable().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentReadError);
    expect((error as Error).message).toBe(`GET route table ${RT}: InvalidApiVersionParameter (HTTP 400)`);
  });
});
