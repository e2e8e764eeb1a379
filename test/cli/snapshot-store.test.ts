import { AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateRouteCommand, CreateRouteTableCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3SnapshotStore } from '../../adapters/aws/s3-snapshot-store.js';
import { readApproval } from '../../snapshots/approval.js';
import { snapshotSha256 } from '../../snapshots/canonical.js';
import { runCli, tempTree } from '../support/cli.js';
import { bundlePath } from '../support/lambda-container.js';
import { startLambdaInvokeServer, type LambdaInvokeServer } from '../support/lambda-invoke-server.js';
import { describeWithMoto, motoClientConfig, motoId } from '../support/moto.js';

/**
 * The refresh → review → approve loop on the deployed store: the BUILT refresh bundle, invoked through
 * the real Lambda client by `netdrift snapshot refresh`, writes a candidate to S3 on moto; the built
 * CLI diffs it (`--exit-code` gates on severity) and approves it there, where the functions read it.
 * The account is one of moto's own (through an assumed role), so no other suite's resources mix in.
 */
const ACCOUNT = '246813579024';
const BUCKET = 'netdrift-cli-store-loop';
const STORE = `s3://${BUCKET}/baselines/`;
const REGION = 'eu-west-1';
const scope = ['--cloud', 'aws', '--account', ACCOUNT];

let lambda: LambdaInvokeServer;
let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
let cliEnv: Record<string, string>;
let ec2: EC2Client;
let routeTable = '';
let gateway = '';

const moto = () => inject('motoEndpoint') ?? '';
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { ...cliEnv, ...env } });
const s3 = () => new S3Client({ ...motoClientConfig(REGION), credentials });

describeWithMoto('netdrift snapshot on S3 (refresh function on moto, through the Lambda Invoke API)', () => {
  beforeAll(async () => {
    const assumed = await new STSClient(motoClientConfig(REGION)).send(new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/netdrift-cli-test`, RoleSessionName: 'snapshot-store',
    }));
    const c = assumed.Credentials;
    credentials = { accessKeyId: motoId(c?.AccessKeyId), secretAccessKey: motoId(c?.SecretAccessKey), sessionToken: motoId(c?.SessionToken) };
    ec2 = new EC2Client({ ...motoClientConfig(REGION), credentials });
    const vpc = motoId((await ec2.send(new CreateVpcCommand({ CidrBlock: '10.61.0.0/16' }))).Vpc?.VpcId);
    gateway = motoId((await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId);
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: gateway, VpcId: vpc }));
    routeTable = motoId((await ec2.send(new CreateRouteTableCommand({ VpcId: vpc }))).RouteTable?.RouteTableId);
    await s3().send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));

    const keys = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: credentials.sessionToken };
    const environment = {
      ...keys, AWS_REGION: REGION, NETDRIFT_AWS_ENDPOINT: moto(), NETDRIFT_REGIONS: REGION,
      NETDRIFT_SNAPSHOT_BUCKET: BUCKET, NETDRIFT_SNAPSHOT_PREFIX: 'baselines/', NETDRIFT_STATE_TABLE: 'netdrift-cli-store-state',
    };
    lambda = await startLambdaInvokeServer({
      'netdrift-refresh': { bundle: bundlePath('aws', 'refresh'), environment, account: ACCOUNT, region: REGION },
      // Deployed against a bucket that does not exist: every refresh fails in the function.
      'netdrift-refresh-broken': { bundle: bundlePath('aws', 'refresh'), environment: { ...environment, NETDRIFT_SNAPSHOT_BUCKET: 'netdrift-no-such-bucket' }, account: ACCOUNT, region: REGION },
    });
    cliEnv = { ...keys, AWS_REGION: REGION };
  });

  afterAll(async () => {
    await lambda?.close();
  });

  it('refresh writes a candidate to S3, diff shows it and gates on severity, approve makes it the baseline there', async () => {
    const first = await cli(['snapshot', 'refresh', ...scope, '--endpoint', lambda.url]);
    const onboarded = await cli(['snapshot', 'approve', ...scope, '--store', STORE, '--endpoint', moto(), '--by', 'bob']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(onboarded.code).toBe(0);

    // A route to the internet for one range (high), not a default route (critical).
    await ec2.send(new CreateRouteCommand({ RouteTableId: routeTable, DestinationCidrBlock: '198.51.100.0/24', GatewayId: gateway }));
    const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:netdrift-refresh`;
    const refreshed = await cli(['snapshot', 'refresh', ...scope, '--function', functionArn, '--regions', REGION, '--endpoint', lambda.url], { AWS_REGION: 'us-west-2' });
    const review = ['snapshot', 'diff', ...scope, '--store', STORE, '--endpoint', moto()];
    const [diff, gateAny, gateHigh, gateCritical] = await Promise.all([
      cli([...review, '--format', 'json']), cli([...review, '--exit-code']), cli([...review, '--exit-code', 'high']), cli([...review, '--exit-code=critical']),
    ]);
    const approved = await cli(['snapshot', 'approve', ...scope, '--store', STORE, '--endpoint', moto(), '--by', 'alice']);
    const shown = await cli(['snapshot', 'show', ...scope, '--store', STORE, '--endpoint', moto()]);

    // The baseline object in S3, read back as the functions read it.
    const store = new S3SnapshotStore({ client: s3(), bucket: BUCKET, prefix: 'baselines/' });
    const baseline = await store.get({ cloud: 'aws', account: ACCOUNT }, 'baseline');
    const approval = baseline && readApproval(baseline.snapshot);
    const sha256 = approval?.sha256;
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(refreshed.code).toBe(0);
    expect(refreshed.stdout.split('\n')).toEqual([
      `candidate aws/${ACCOUNT}: ${baseline?.snapshot.resources.length} resources, sha256 ${sha256} (${functionArn}, ${STORE})`,
      `review:  netdrift snapshot diff --cloud aws --account ${ACCOUNT} --store ${STORE}`,
      `approve: netdrift snapshot approve --cloud aws --account ${ACCOUNT} --store ${STORE} --by NAME`,
      '',
    ]);
    // The payload the function got, and the region the client signed for: the ARN's, not AWS_REGION.
    expect(lambda.invocations.at(-1)).toMatchObject({
      functionName: 'netdrift-refresh', payload: { account: ACCOUNT, regions: [REGION] }, signedFor: { region: REGION, service: 'lambda' }, status: 200,
    });
    expect(lambda.invocations[0]?.payload).toEqual({ account: ACCOUNT });
    expect(diff.code).toBe(0);
    expect(diff.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule: string; severity: string; resource: string }))
      .toMatchObject([{ rule: 'route.added', severity: 'high', resource: routeTable }]);
    expect(gateAny).toMatchObject({ code: 1, stderr: 'drift at or above info: 1 finding(s)\n' });
    expect(gateAny.stdout).toMatch(/HIGH\s+route\.added/);
    expect(gateHigh).toMatchObject({ code: 1, stderr: 'drift at or above high: 1 finding(s)\n' });
    expect(gateCritical).toMatchObject({ code: 0, stderr: '' });
    expect(approved).toMatchObject({ code: 0, stdout: expect.stringContaining(`approved aws/${ACCOUNT}: sha256 ${sha256}\n`) as string });

    expect(approval?.approvedBy).toBe('alice');
    expect(baseline?.snapshot.resources.find((r) => r.id === routeTable)).toMatchObject({
      routes: expect.arrayContaining([expect.objectContaining({ destination: '198.51.100.0/24' })]) as unknown,
    });
    expect(await store.get({ cloud: 'aws', account: ACCOUNT }, 'candidate')).toBeUndefined();
    const object = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: `baselines/aws/${ACCOUNT}.json` }));
    expect(shown).toMatchObject({ code: 0, stdout: await object.Body?.transformToString() });
  }, 60_000);

  it('a refresh with nothing changed since the approval passes the gate', async () => {
    await cli(['snapshot', 'refresh', ...scope, '--endpoint', lambda.url]);
    await cli(['snapshot', 'approve', ...scope, '--store', STORE, '--endpoint', moto()]);
    const refreshed = await cli(['snapshot', 'refresh', ...scope, '--endpoint', lambda.url]);
    const gate = await cli(['snapshot', 'diff', ...scope, '--store', STORE, '--endpoint', moto(), '--exit-code']);
    expect(refreshed.code).toBe(0);
    expect(gate).toMatchObject({ code: 0, stdout: 'no findings\n', stderr: '' });
  }, 40_000);

  it('a function error is one line and exit 1', async () => {
    const result = await cli(['snapshot', 'refresh', ...scope, '--function', 'netdrift-refresh-broken', '--endpoint', lambda.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^netdrift: refresh function netdrift-refresh-broken failed: \w+: put s3:\/\/netdrift-no-such-bucket\/baselines\/aws\/246813579024\.candidate\.json: NoSuchBucket: .+\n$/);
    expect(lambda.invocations.at(-1)).toMatchObject({ functionName: 'netdrift-refresh-broken', functionError: 'Unhandled' });
  });

  it('a function that does not exist is one line and exit 1', async () => {
    const result = await cli(['snapshot', 'refresh', ...scope, '--function', 'netdrift-nowhere', '--endpoint', lambda.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^netdrift: invoke netdrift-nowhere: ResourceNotFoundException: Function not found: .+\n$/);
  });

  it('refresh --local captures here into the S3 store (a prefix without its trailing slash names the same place)', async () => {
    const captured = await cli(['snapshot', 'refresh', ...scope, '--local', '--regions', REGION, '--endpoint', moto(), '--store', `s3://${BUCKET}/local`]);
    const shown = await cli(['snapshot', 'show', ...scope, '--candidate', '--endpoint', moto(), '--store', `s3://${BUCKET}/local/`]);

    expect(captured.code).toBe(0);
    const candidate = await new S3SnapshotStore({ client: s3(), bucket: BUCKET, prefix: 'local/' }).get({ cloud: 'aws', account: ACCOUNT }, 'candidate');
    expect(captured.stdout).toBe(`candidate aws/${ACCOUNT}: ${candidate?.snapshot.resources.length} resources, sha256 ${candidate && snapshotSha256(candidate.snapshot)}\n`);
    expect(candidate?.snapshot.resources.map((r) => r.id)).toContain(routeTable);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(JSON.parse(JSON.stringify(candidate?.snapshot)));
  });

  it('capture --role reads another account through its role (into a file:// store --baseline reads), and refuses it without one', async () => {
    const dir = await tempTree({ '.keep': '' });
    // moto's own account (123456789012): the member account is reachable only through a role.
    const hub = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SESSION_TOKEN: '' };
    const capture = ['snapshot', 'capture', ...scope, '--regions', REGION, '--endpoint', moto(), '--store', `file://${dir}`];
    try {
      const refused = await cli(capture, hub);
      const captured = await cli([...capture, '--role', 'netdrift-reader', '--external-id', 'cli-test'], hub);
      const shown = await cli(['snapshot', 'show', ...scope, '--candidate', '--baseline', dir]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(`netdrift: capture of ${ACCOUNT} refused: these credentials are account 123456789012; pass --role (NETDRIFT_READER_ROLE) or use that account's credentials\n`);
      expect(captured.code).toBe(0);
      const candidate = JSON.parse(shown.stdout) as { resources: { id: string }[] };
      expect(candidate.resources.map((r) => r.id)).toContain(routeTable);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('netdrift snapshot --store: usage errors', () => {
  const usage = async (args: string[]) => {
    const result = await runCli(['snapshot', ...args]);
    return { code: result.code, line: result.stderr.split('\n')[0], lines: result.stderr.trim().split('\n').length };
  };

  it.each([
    [['diff', ...scope, '--store', 'ftp://host/dir'], 'netdrift: --store ftp://host/dir: unknown scheme "ftp://"; known: s3://bucket/prefix, azblob://account/container/prefix, firestore://PROJECT[/DATABASE][?prefix=P], file://DIR, a folder path'],
    [['show', ...scope, '--store', 's3://My_Bucket/baselines'], 'netdrift: --store s3://My_Bucket/baselines: "My_Bucket" is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)'],
    [['approve', ...scope, '--store', 's3:my-bucket'], 'netdrift: --store s3:my-bucket: expected s3://bucket/prefix'],
    [['diff', ...scope, '--store', 's3://my-bucket/b', '--baseline', 'baselines'], 'netdrift: --store and --baseline both say where snapshots live: give one'],
    [['diff', ...scope, '--exit-code', 'severe'], 'netdrift: --exit-code: expected one of info, low, medium, high, critical, got "severe"'],
    [['show', ...scope, '--exit-code'], 'netdrift: snapshot show: --exit-code is not an option of show'],
    [['refresh', ...scope, '--store', 's3://my-bucket/b'], 'netdrift: snapshot refresh: --store only with --local (the function captures with its own role into its own store)'],
  ])('snapshot %j → exit 2', async (args, line) => {
    expect(await usage(args)).toEqual({ code: 2, line, lines: 1 });
  });

  it('refresh without a region says where to give one', async () => {
    const result = await runCli(['snapshot', 'refresh', ...scope, '--endpoint', 'http://127.0.0.1:9'], {
      env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' },
    });
    expect(result).toEqual({ code: 1, stdout: '', stderr: "netdrift: invoke netdrift-refresh: no AWS region: pass --region, set AWS_REGION, or give the function's ARN\n" });
  });
});
