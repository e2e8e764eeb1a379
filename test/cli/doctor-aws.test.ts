import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { DynamoDbStateStore } from '../../adapters/aws/dynamodb-state-store.js';
import type { Snapshot } from '../../core/snapshot.js';
import { approveCandidate, saveCandidate } from '../../snapshots/lifecycle.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { runCli, tempTree } from '../support/cli.js';
import { describeWithMoto, MOTO_ACCOUNT, MOTO_CREDENTIALS, motoClientConfig } from '../support/moto.js';
import { baseline } from './aws-events.js';

/**
 * `netdrift doctor` against moto through the built CLI: the AWS reader's two calls
 * (sts:GetCallerIdentity, ec2:DescribeRouteTables) without credentials and with them, and the
 * DynamoDB state store missing and present. The region comes from the baseline (eu-west-1).
 */
const REGION = 'eu-west-1';
const TABLE = 'netdrift-doctor-state';

let dir = '';
const moto = () => inject('motoEndpoint') ?? '';

/** No credential anywhere the SDK's chain looks, and no probe of the EC2 metadata service. */
const NO_CREDENTIALS = {
  HOME: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const CREDENTIALS = {
  ...NO_CREDENTIALS,
  AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: MOTO_CREDENTIALS.sessionToken,
};

const doctor = (env: Record<string, string>, ...args: string[]) => runCli(['doctor', '--endpoint', moto(), ...args], { cwd: dir, env });
const lines = (stdout: string) => stdout.trimEnd().split('\n');

describeWithMoto('netdrift doctor on moto', () => {
  beforeAll(async () => {
    dir = await tempTree({ 'netdrift.json': { baselines: 'baselines', state: 'state.sqlite' } });
    const store = new FilesystemSnapshotStore(join(dir, 'baselines'));
    await saveCandidate(store, { ...structuredClone(baseline), scope: { cloud: 'aws', account: MOTO_ACCOUNT } } as Snapshot);
    await approveCandidate(store, { cloud: 'aws', account: MOTO_ACCOUNT }, { approvedBy: 'alice' });
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('without credentials, the reader fails and says how to sign in', async () => {
    const result = await doctor(NO_CREDENTIALS, '--skip', 'sink,state');

    expect(lines(result.stdout).slice(3)).toEqual([
      'ok   snapshots baselines  1 account',
      expect.stringMatching(new RegExp(`^ok   baseline aws/${MOTO_ACCOUNT}  2 resources, approved by alice`)),
      'FAIL reader aws  sts:GetCallerIdentity: no AWS credentials found: sign in (aws sso login, or AWS_PROFILE), '
      + 'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is attached',
      '1 of 4 checks failed',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
  });

  it('with credentials, the reader names who it is and the calls allowed, in the baseline\'s region', async () => {
    const result = await doctor(CREDENTIALS, '--skip', 'sink,state');

    expect(lines(result.stdout).slice(5)).toEqual([
      `ok   reader aws  arn:aws:sts::${MOTO_ACCOUNT}:user/moto: sts:GetCallerIdentity, ec2:DescribeRouteTables in ${REGION} allowed`,
      'all 4 checks passed',
    ]);
    expect(result.code).toBe(0);
  });

  it('--clouds aws checks the reader even with no baseline to say so, in AWS_REGION', async () => {
    const result = await doctor({ ...CREDENTIALS, AWS_REGION: 'us-west-2' }, '--skip', 'sink,state,baseline', '--clouds', 'aws', '--baseline', 'nowhere');

    expect(lines(result.stdout).slice(4)).toEqual([
      `ok   reader aws  arn:aws:sts::${MOTO_ACCOUNT}:user/moto: sts:GetCallerIdentity, ec2:DescribeRouteTables in us-west-2 allowed`,
      'all 2 checks passed',
    ]);
    expect(result.code).toBe(0);
  });

  it('a DynamoDB state table that does not exist fails with the fix; once created it passes', async () => {
    const missing = await doctor({ ...CREDENTIALS, AWS_REGION: REGION }, '--skip', 'sink,baseline,reader', '--state', 'dynamodb://netdrift-doctor-missing');

    expect(lines(missing.stdout)[2]).toBe(
      'FAIL state dynamodb://netdrift-doctor-missing  state store listOutbox (DynamoDB table netdrift-doctor-missing): ResourceNotFoundException: '
      + 'Requested resource not found: create the DynamoDB table netdrift-doctor-missing or set NETDRIFT_STATE_TABLE to the one that exists',
    );
    expect(missing.code).toBe(1);

    await DynamoDbStateStore.createTable(new DynamoDBClient(motoClientConfig(REGION)), TABLE);
    const present = await doctor({ ...CREDENTIALS, AWS_REGION: REGION }, '--skip', 'sink,baseline,reader', '--state', `dynamodb://${TABLE}`);

    expect(lines(present.stdout)[2]).toBe(`ok   state dynamodb://${TABLE}  0 alerts in the outbox`);
    expect(present.code).toBe(0);
  });

  it('an S3 snapshot store whose bucket does not exist fails with the fix, and its baselines are not checked', async () => {
    const result = await doctor({ ...CREDENTIALS, AWS_REGION: REGION }, '--skip', 'sink,state,reader', '--store', 's3://netdrift-doctor-no-bucket/baselines/');

    expect(lines(result.stdout).slice(3)).toEqual([
      'FAIL snapshots s3://netdrift-doctor-no-bucket/baselines/  list s3://netdrift-doctor-no-bucket/baselines/aws/: NoSuchBucket: The specified bucket does not exist: '
      + 'create the bucket s3://netdrift-doctor-no-bucket or set NETDRIFT_SNAPSHOT_BUCKET to the one that holds the baselines',
      'skip baseline  not checked: the snapshot store cannot be listed',
      'skip reader  skipped (--skip)',
      '1 of 2 checks failed',
    ]);
    expect(result.code).toBe(1);
  });
});
