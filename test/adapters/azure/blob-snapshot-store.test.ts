import { randomUUID } from 'node:crypto';
import { BlobServiceClient, ContainerClient, newPipeline, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BlobSnapshotStore } from '../../../adapters/azure/blob-snapshot-store.js';
import { openBlobSnapshotStore } from '../../../adapters/azure/storage-clients.js';
import { BaselineCache } from '../../../core/baseline-cache.js';
import { ConflictError, OperatorError, ParseError, TransientError } from '../../../core/errors.js';
import { canonicalJson } from '../../../snapshots/canonical.js';
import { describeSnapshotStoreContract } from '../../contract/snapshot-store-contract.js';
import { AWS_SCOPE, AZURE_SCOPE, sampleSnapshot } from '../../contract/samples.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteConnectionString, azuriteEndpoints, describeWithAzurite } from '../../support/emulator-suites.js';

/** A container of its own for each test, so that tests stay independent. */
async function createContainer(): Promise<ContainerClient> {
  const container = BlobServiceClient.fromConnectionString(azuriteConnectionString()).getContainerClient(`netdrift-${randomUUID()}`);
  await container.create();
  return container;
}

async function blobText(container: ContainerClient, name: string): Promise<string> {
  return (await container.getBlockBlobClient(name).downloadToBuffer()).toString('utf8');
}

async function namesIn(container: ContainerClient): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

async function putRaw(container: ContainerClient, name: string, body: string): Promise<void> {
  await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
}

/** The same container through a client that records each request's method and the bytes its answer had. */
function recordingClient(container: ContainerClient): { container: ContainerClient; sent: string[] } {
  const sent: string[] = [];
  const pipeline = newPipeline(new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
  pipeline.factories.unshift({
    create: (next) => ({
      sendRequest: async (request) => {
        const response = await next.sendRequest(request);
        // A HEAD's Content-Length is the blob's size, not an answer's body.
        sent.push(`${request.method}: ${request.method === 'HEAD' ? 0 : response.headers.get('content-length') ?? '?'} bytes`);
        return response;
      },
    }),
  });
  return { container: new ContainerClient(`${azuriteEndpoints().blob}/${AZURITE_ACCOUNT}/${container.containerName}`, pipeline), sent };
}

describeWithAzurite('BlobSnapshotStore on Azurite', () => {
  describeSnapshotStoreContract('BlobSnapshotStore', async () => {
    const container = await createContainer();
    return { store: new BlobSnapshotStore({ container, prefix: 'baselines/' }), cleanup: async () => { await container.delete(); } };
  });

  let container: ContainerClient;
  beforeEach(async () => {
    container = await createContainer();
  });
  afterEach(async () => {
    await container.deleteIfExists();
  });

  it('keeps canonical JSON under the filesystem layout, below the prefix', async () => {
    const store = new BlobSnapshotStore({ container, prefix: 'netdrift' });

    await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());
    const entry = await store.archive(AWS_SCOPE, sampleSnapshot(), { sha256: 'a'.repeat(64), approvedAt: '2026-11-26T10:20:30.123Z' });

    expect(await namesIn(container)).toEqual([
      'netdrift/aws/111122223333.candidate.json',
      'netdrift/aws/111122223333.history/20261126T102030123Z-aaaaaaaaaaaa.json',
      'netdrift/aws/111122223333.json',
    ]);
    expect(await blobText(container, 'netdrift/aws/111122223333.json')).toBe(canonicalJson(sampleSnapshot()));
    expect(entry.location).toBe(`azblob://${AZURITE_ACCOUNT}/${container.containerName}/netdrift/aws/111122223333.history/20261126T102030123Z-aaaaaaaaaaaa.json`);
  });

  it('opens on a container named with a connection string, and reads what another instance wrote', async () => {
    const opened = await openBlobSnapshotStore({ connectionString: azuriteConnectionString() }, container.containerName, 'baselines');

    const etag = await opened.put(AWS_SCOPE, 'baseline', sampleSnapshot());

    expect(opened.account).toBe(AZURITE_ACCOUNT);
    expect((await new BlobSnapshotStore({ container, prefix: 'baselines/' }).get(AWS_SCOPE, 'baseline'))?.etag).toBe(etag);
  });

  it('uses the ETag Blob storage gives as the etag', async () => {
    const store = new BlobSnapshotStore({ container });

    const etag = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

    expect(etag).toBe((await container.getBlockBlobClient('aws/111122223333.json').getProperties()).etag);
  });

  it('lets exactly one of two store instances writing with the same etag win', async () => {
    const first = new BlobSnapshotStore({ container });
    const second = new BlobSnapshotStore({ container: BlobServiceClient.fromConnectionString(azuriteConnectionString()).getContainerClient(container.containerName) });
    const etag = await first.put(AWS_SCOPE, 'baseline', sampleSnapshot());

    const results = await Promise.allSettled([
      first.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z'), { ifMatch: etag }),
      second.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-28T00:00:00Z'), { ifMatch: etag }),
    ]);

    const won = results.findIndex((result) => result.status === 'fulfilled');
    const lost = results.find((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(ConflictError);
    expect((await first.get(AWS_SCOPE, 'baseline'))?.snapshot.capturedAt).toBe(won === 0 ? '2026-11-27T00:00:00Z' : '2026-11-28T00:00:00Z');
  });

  it('lets exactly one of ten writers create a slot with ifMatch null', async () => {
    const stores = Array.from({ length: 10 }, () => new BlobSnapshotStore({ container }));

    const results = await Promise.allSettled(stores.map((store, i) =>
      store.put(AWS_SCOPE, 'candidate', sampleSnapshot(AWS_SCOPE, `2026-11-${String(10 + i)}T00:00:00Z`), { ifMatch: null })));

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const reasons = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    expect(reasons.every((reason) => reason instanceof ConflictError)).toBe(true);
    expect(String(reasons[0])).toMatch(/aws\/111122223333\.candidate\.json: already exists/);
  });

  it('refuses a remove with an etag once the slot is gone', async () => {
    const store = new BlobSnapshotStore({ container });
    const etag = await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());
    await store.remove(AWS_SCOPE, 'candidate');

    await expect(store.remove(AWS_SCOPE, 'candidate', { ifMatch: etag })).rejects.toBeInstanceOf(ConflictError);
  });

  it('reports a corrupt blob as an operator error naming it', async () => {
    const store = new BlobSnapshotStore({ container, prefix: 'baselines/' });
    await putRaw(container, 'baselines/aws/111122223333.json', '{"schema": "netdrift/snapshot@1",');
    const where = `azblob://${AZURITE_ACCOUNT}/${container.containerName}/baselines/aws/111122223333.json`;

    const read = store.get(AWS_SCOPE, 'baseline');

    await expect(read).rejects.toBeInstanceOf(OperatorError);
    await expect(read).rejects.toMatchObject({ code: 'baseline-invalid', location: where });
    await expect(read).rejects.toThrow(`${where}: invalid JSON`);
  });

  it('reports a baseline kept under another account as an operator error', async () => {
    const store = new BlobSnapshotStore({ container });
    await putRaw(container, 'azure/' + AZURE_SCOPE.account + '.json', canonicalJson(sampleSnapshot(AWS_SCOPE)));

    const read = store.get(AZURE_SCOPE, 'baseline');

    await expect(read).rejects.toMatchObject({ code: 'baseline-scope' });
    await expect(read).rejects.toThrow(`scope is aws/${AWS_SCOPE.account}, but the file is kept for azure/${AZURE_SCOPE.account}`);
  });

  it('refuses an account that cannot be a blob name', async () => {
    const store = new BlobSnapshotStore({ container });

    await expect(store.put({ cloud: 'aws', account: '../other' }, 'baseline', sampleSnapshot())).rejects.toBeInstanceOf(ParseError);
  });

  it('ignores blobs beside the snapshots when listing accounts', async () => {
    const store = new BlobSnapshotStore({ container });
    await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    await putRaw(container, 'aws/README.md', 'notes');
    await putRaw(container, 'gcp/p.history/20261126T000000000Z-aaaaaaaaaaaa.json', '{}');

    expect(await store.list()).toEqual([AWS_SCOPE]);
  });

  it('reports a missing container as an operator error naming the container to create', async () => {
    const missing = BlobServiceClient.fromConnectionString(azuriteConnectionString()).getContainerClient(`netdrift-missing-${randomUUID()}`);
    const store = new BlobSnapshotStore({ container: missing });

    const read = store.get(AWS_SCOPE, 'baseline');
    const write = store.put(AWS_SCOPE, 'candidate', sampleSnapshot(), { ifMatch: null });

    await expect(read).rejects.toBeInstanceOf(OperatorError);
    await expect(read).rejects.toMatchObject({ code: 'store-missing', fix: expect.stringContaining(`create the container azblob://${AZURITE_ACCOUNT}/${missing.containerName}`) });
    await expect(write).rejects.toMatchObject({ code: 'store-missing' });
  });

  it('revalidates a cached baseline by its properties alone, and downloads it again only once it changed', async () => {
    const approver = new BlobSnapshotStore({ container });
    await approver.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    const recording = recordingClient(container);
    const cache = new BaselineCache(new BlobSnapshotStore({ container: recording.container }), 0);

    for (let i = 0; i < 4; i += 1) await cache.get(AWS_SCOPE);
    await approver.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z'));
    await cache.get(AWS_SCOPE);

    const whole = `GET: ${Buffer.byteLength(canonicalJson(sampleSnapshot()))} bytes`;
    const probe = 'HEAD: 0 bytes';
    expect(recording.sent).toEqual([whole, probe, probe, probe, probe, whole]);
  });

  it('reports a missing container from the etag probe as get does, not as a missing baseline', async () => {
    const missing = BlobServiceClient.fromConnectionString(azuriteConnectionString()).getContainerClient(`netdrift-missing-${randomUUID()}`);
    const store = new BlobSnapshotStore({ container: missing });

    await expect(store.etag(AWS_SCOPE, 'baseline')).rejects.toMatchObject({ code: 'store-missing', fix: expect.stringContaining(`create the container azblob://${AZURITE_ACCOUNT}/${missing.containerName}`) });
  });

  it('reports a wrong account key as an operator error (access denied)', async () => {
    const wrongKey = azuriteConnectionString().replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from('not the key').toString('base64')}`);
    const store = new BlobSnapshotStore({ container: BlobServiceClient.fromConnectionString(wrongKey).getContainerClient(container.containerName) });

    await expect(store.get(AWS_SCOPE, 'baseline')).rejects.toMatchObject({ code: 'access-denied' });
    await expect(store.etag(AWS_SCOPE, 'baseline')).rejects.toMatchObject({ code: 'access-denied' });
  });

  it('reports an unreachable endpoint as transient', async () => {
    const unreachable = azuriteConnectionString().replace(/BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'BlobEndpoint=http://127.0.0.1:9');
    const client = BlobServiceClient.fromConnectionString(unreachable, { retryOptions: { maxTries: 1 } });
    const store = new BlobSnapshotStore({ container: client.getContainerClient(container.containerName) });

    await expect(store.get(AWS_SCOPE, 'baseline')).rejects.toBeInstanceOf(TransientError);
    await expect(store.etag(AWS_SCOPE, 'baseline')).rejects.toBeInstanceOf(TransientError);
  });
});
