import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command,
  PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { S3SnapshotStore } from '../../../adapters/aws/s3-snapshot-store.js';
import { BaselineCache } from '../../../core/baseline-cache.js';
import { ConflictError, OperatorError, ParseError, TransientError } from '../../../core/errors.js';
import { canonicalJson } from '../../../snapshots/canonical.js';
import { describeSnapshotStoreContract } from '../../contract/snapshot-store-contract.js';
import { AWS_SCOPE, sampleSnapshot } from '../../contract/samples.js';
import { describeWithMoto, motoClientConfig } from '../../support/moto.js';

/** A bucket of its own for each test, so that tests stay independent. */
async function createBucket(client: S3Client): Promise<string> {
  const bucket = `netdrift-test-${randomUUID()}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  return bucket;
}

async function deleteBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key }));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

async function objectText(client: S3Client, bucket: string, key: string): Promise<string> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf-8')) ?? '';
}

async function keysIn(client: S3Client, bucket: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (page.Contents ?? []).map((object) => object.Key ?? '').sort();
}

/** What a client sends, one line per request: the operation, its range, and how many bytes the answer's body had. */
function recordRequests(client: S3Client): string[] {
  const sent: string[] = [];
  client.middlewareStack.add((next, context) => async (args) => {
    const range = (args.input as { Range?: string }).Range;
    const result = await next(args);
    const bytes = (result.response as { headers?: Record<string, string> }).headers?.['content-length'];
    sent.push(`${String(context.commandName)}${range ? ` ${range}` : ''}: ${bytes ?? '?'} bytes`);
    return result;
  }, { step: 'deserialize', name: 'recordRequests' });
  return sent;
}

describeWithMoto('S3SnapshotStore on moto', () => {
  describeSnapshotStoreContract('S3SnapshotStore', async () => {
    const client = new S3Client(motoClientConfig());
    const bucket = await createBucket(client);
    return {
      store: new S3SnapshotStore({ client, bucket, prefix: 'baselines/' }),
      cleanup: async () => { await deleteBucket(client, bucket); client.destroy(); },
    };
  }, { raceRetries: 2 });

  let client: S3Client;
  let bucket: string;
  beforeEach(async () => {
    client = new S3Client(motoClientConfig());
    bucket = await createBucket(client);
  });
  afterEach(async () => {
    await deleteBucket(client, bucket);
    client.destroy();
  });

  it('keeps canonical JSON under the filesystem layout, below the prefix', async () => {
    const store = new S3SnapshotStore({ client, bucket, prefix: 'netdrift' });

    await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());
    const entry = await store.archive(AWS_SCOPE, sampleSnapshot(), { sha256: 'a'.repeat(64), approvedAt: '2026-11-26T10:20:30.123Z' });

    expect(await keysIn(client, bucket)).toEqual([
      'netdrift/aws/111122223333.candidate.json',
      'netdrift/aws/111122223333.history/20261126T102030123Z-aaaaaaaaaaaa.json',
      'netdrift/aws/111122223333.json',
    ]);
    expect(await objectText(client, bucket, 'netdrift/aws/111122223333.json')).toBe(canonicalJson(sampleSnapshot()));
    expect(entry.location).toBe(`s3://${bucket}/netdrift/aws/111122223333.history/20261126T102030123Z-aaaaaaaaaaaa.json`);
  });

  it('uses the ETag S3 gives as the etag', async () => {
    const store = new S3SnapshotStore({ client, bucket });

    const etag = await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());

    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'aws/111122223333.json' }));
    expect(etag).toBe(object.ETag);
  });

  /**
   * moto_server (threaded) checks a write's condition and then writes, without a lock: about one
   * race in 300 lets both writers win there, where S3 itself decides atomically. A retry keeps
   * these tests about the store, not about moto.
   */
  const MOTO_RACE = { retry: 2 };

  it('lets exactly one of two store instances writing with the same etag win', MOTO_RACE, async () => {
    const first = new S3SnapshotStore({ client, bucket });
    const second = new S3SnapshotStore({ client: new S3Client(motoClientConfig()), bucket });
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

  it('lets exactly one of two store instances create a slot with ifMatch null', MOTO_RACE, async () => {
    const first = new S3SnapshotStore({ client, bucket });
    const second = new S3SnapshotStore({ client: new S3Client(motoClientConfig()), bucket });

    const results = await Promise.allSettled([first, second].map((store) =>
      store.put(AWS_SCOPE, 'candidate', sampleSnapshot(), { ifMatch: null })));

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((result) => result.status === 'rejected');
    expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(ConflictError);
  });

  it('refuses a remove with an etag once the slot is gone', async () => {
    const store = new S3SnapshotStore({ client, bucket });
    const etag = await store.put(AWS_SCOPE, 'candidate', sampleSnapshot());
    await store.remove(AWS_SCOPE, 'candidate');

    const remove = store.remove(AWS_SCOPE, 'candidate', { ifMatch: etag });

    await expect(remove).rejects.toBeInstanceOf(ConflictError);
  });

  it('reports a corrupt object as an operator error naming its key', async () => {
    const store = new S3SnapshotStore({ client, bucket, prefix: 'baselines/' });
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'baselines/aws/111122223333.json', Body: '{"schema": "netdrift/snapshot@1",' }));

    const read = store.get(AWS_SCOPE, 'baseline');

    await expect(read).rejects.toBeInstanceOf(OperatorError);
    await expect(read).rejects.toMatchObject({ code: 'baseline-invalid', location: `s3://${bucket}/baselines/aws/111122223333.json` });
    await expect(read).rejects.toThrow(`s3://${bucket}/baselines/aws/111122223333.json: invalid JSON`);
  });

  it('reports an object that is not a snapshot with the path of what is wrong', async () => {
    const store = new S3SnapshotStore({ client, bucket });
    const broken = structuredClone(sampleSnapshot()) as unknown as { resources: { kind: string }[] };
    (broken.resources[0] as { kind: string }).kind = 'router';
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'aws/111122223333.candidate.json', Body: JSON.stringify(broken) }));

    await expect(store.get(AWS_SCOPE, 'candidate')).rejects.toThrow(/aws\/111122223333\.candidate\.json: resources\[0\]\.kind: invalid option "router"/);
  });

  it('refuses an account that cannot be an object name', async () => {
    const store = new S3SnapshotStore({ client, bucket });

    await expect(store.put({ cloud: 'aws', account: '../other' }, 'baseline', sampleSnapshot())).rejects.toBeInstanceOf(ParseError);
  });

  it('ignores objects beside the snapshots when listing accounts', async () => {
    const store = new S3SnapshotStore({ client, bucket });
    await store.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'aws/README.md', Body: 'notes' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'gcp/p.history/20261126T000000000Z-aaaaaaaaaaaa.json', Body: '{}' }));

    expect(await store.list()).toEqual([AWS_SCOPE]);
  });

  it('reports a missing bucket as an operator error naming the bucket to create', async () => {
    const missing = `netdrift-missing-${randomUUID()}`;
    const store = new S3SnapshotStore({ client, bucket: missing });

    const read = store.get(AWS_SCOPE, 'baseline');

    await expect(read).rejects.toBeInstanceOf(OperatorError);
    await expect(read).rejects.not.toBeInstanceOf(TransientError);
    await expect(read).rejects.toMatchObject({ code: 'store-missing', fix: expect.stringContaining(`create the bucket s3://${missing}`) });
  });

  it('revalidates a cached baseline by one byte of it, and reads it whole again only once it changed', async () => {
    const store = new S3SnapshotStore({ client, bucket });
    const approver = new S3SnapshotStore({ client: new S3Client(motoClientConfig()), bucket });
    await approver.put(AWS_SCOPE, 'baseline', sampleSnapshot());
    const sent = recordRequests(client);
    const cache = new BaselineCache(store, 0);

    for (let i = 0; i < 4; i += 1) await cache.get(AWS_SCOPE);
    await approver.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, '2026-11-27T00:00:00Z'));
    await cache.get(AWS_SCOPE);

    const whole = `GetObjectCommand: ${Buffer.byteLength(canonicalJson(sampleSnapshot()))} bytes`;
    const probe = 'GetObjectCommand bytes=0-0: 1 bytes';
    expect(sent).toEqual([whole, probe, probe, probe, probe, whole]);
  });

  it('tells the ETag of an empty object, which has no first byte to range over', async () => {
    const store = new S3SnapshotStore({ client, bucket });
    const written = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'aws/111122223333.json', Body: Buffer.alloc(0) }));

    expect(await store.etag(AWS_SCOPE, 'baseline')).toBe(written.ETag);
  });

  it('reports a missing bucket from the etag probe as get does, not as a missing baseline', async () => {
    const missing = `netdrift-missing-${randomUUID()}`;
    const store = new S3SnapshotStore({ client, bucket: missing });

    await expect(store.etag(AWS_SCOPE, 'baseline')).rejects.toMatchObject({ code: 'store-missing', fix: expect.stringContaining(`create the bucket s3://${missing}`) });
  });

  it('reports an unreachable endpoint as transient', async () => {
    const unreachable = new S3Client({ ...motoClientConfig(), endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const store = new S3SnapshotStore({ client: unreachable, bucket });

    await expect(store.get(AWS_SCOPE, 'baseline')).rejects.toBeInstanceOf(TransientError);
    await expect(store.etag(AWS_SCOPE, 'baseline')).rejects.toBeInstanceOf(TransientError);
    unreachable.destroy();
  });
});
