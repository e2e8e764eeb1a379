import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateRouteCommand, CreateRouteTableCommand, CreateVpcCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AccountCredentials, REFRESH_AHEAD_MS } from '../../../adapters/aws/account-credentials.js';
import { awsAdapters } from '../../../adapters/aws/index.js';
import { S3SnapshotStore } from '../../../adapters/aws/s3-snapshot-store.js';
import { AwsStateReader, type AwsStateReaderOptions } from '../../../adapters/aws/state-reader.js';
import { ConfigError, PermanentReadError, TransientError } from '../../../core/errors.js';
import type { Finding } from '../../../core/finding.js';
import type { ResourceRef } from '../../../core/resource.js';
import { emptySnapshot } from '../../../core/snapshot.js';
import { createRefreshHandler } from '../../../functions/aws/refresh.js';
import { pipelineWith } from '../../support/pipeline-harness.js';
import { describeWithMoto, MOTO_ACCOUNT, MOTO_CREDENTIALS, motoClientConfig, motoId } from '../../support/moto.js';
import { cloudTrail, setPath } from './fixtures.js';

// Hub and spoke on moto: the hub is moto's default account (the test credentials); the member's
// resources are made with credentials of its role, which moto scopes to the role ARN's account.
const HUB = MOTO_ACCOUNT;
const MEMBER = '111111111111';
const ROLE = 'netdrift-reader';
const MEMBER_ROLE_ARN = `arn:aws:iam::${MEMBER}:role/${ROLE}`;
const REGION = 'eu-south-2'; // a region of this suite's own: moto is shared with other suites

/** The AWS STS AccessDenied answer for a role that does not exist or does not trust the caller. */
const ACCESS_DENIED = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::${HUB}:assumed-role/netdrift-events/netdrift-events is not authorized to perform: sts:AssumeRole on resource: ${MEMBER_ROLE_ARN}</Message></Error>
  <RequestId>4f1c7a2e-9d0b-4e55-8a61-2f3b4c5d6e7f</RequestId>
</ErrorResponse>`;

const THROTTLED = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
  <RequestId>5a2d8b3f-0e1c-4f66-9b72-3a4c5d6e7f80</RequestId>
</ErrorResponse>`;

const callerIdentity = (account: string) => `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
  <Arn>arn:aws:sts::${account}:assumed-role/${ROLE}/netdrift-${account}</Arn><UserId>AROAEXAMPLEROLEID0001:netdrift</UserId><Account>${account}</Account>
</GetCallerIdentityResult><ResponseMetadata><RequestId>6b3e9c4a-1f2d-4a77-8c83-4b5d6e7f8091</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

interface StsCall { action: string; params: URLSearchParams }
type Canned = (call: StsCall) => { status: number; body: string } | undefined;

const servers: Server[] = [];

/**
 * moto behind a recording proxy: every query-protocol call (STS's) is recorded, and `canned` may
 * answer one instead of moto, as STS would answer a denied or throttled call.
 */
async function recordingMoto(canned: Canned = () => undefined): Promise<{ endpoint: string; calls: StsCall[] }> {
  const upstream = new URL(motoClientConfig().endpoint);
  const calls: StsCall[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const params = new URLSearchParams(body.toString('utf8'));
      const action = params.get('Action');
      const call = action ? { action, params } : undefined;
      if (call) calls.push(call);
      const answer = call && canned(call);
      if (answer) {
        response.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
        return;
      }
      const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (reply) => {
        response.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(response);
      });
      forwarded.on('error', (error) => response.writeHead(502).end(String(error)));
      forwarded.end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

function reader(endpoint: string, options: Omit<AwsStateReaderOptions, 'clientConfig'> = {}): AwsStateReader {
  const { credentials } = motoClientConfig();
  return new AwsStateReader({ clientConfig: { endpoint, credentials, maxAttempts: 2, region: REGION }, ...options });
}

const ref = (account: string, kind: ResourceRef['kind'], id: string): ResourceRef => ({ cloud: 'aws', account, kind, id, region: REGION });
const assumeRoles = (calls: readonly StsCall[]) => calls.filter((call) => call.action === 'AssumeRole').map((call) => call.params.get('RoleArn'));
const rules = (findings: readonly Finding[]) => findings.map((f) => `${f.rule} ${f.account} ${f.resource} ${f.item}`);

describeWithMoto('AwsStateReader across accounts (hub and spoke)', () => {
  const ids = {} as Record<'table' | 'igw' | 'hubTable', string>;
  /** The member's route table before the default route was added: the approved baseline. */
  let baselineTable: unknown;

  beforeAll(async () => {
    const { endpoint, credentials } = motoClientConfig(REGION);
    const sts = new STSClient({ endpoint, credentials, region: REGION });
    const assumed = (await sts.send(new AssumeRoleCommand({ RoleArn: MEMBER_ROLE_ARN, RoleSessionName: 'member-admin' }))).Credentials;
    const member = new EC2Client({
      endpoint, region: REGION,
      credentials: { accessKeyId: motoId(assumed?.AccessKeyId), secretAccessKey: motoId(assumed?.SecretAccessKey), sessionToken: assumed?.SessionToken },
    });
    const vpc = motoId((await member.send(new CreateVpcCommand({ CidrBlock: '10.91.0.0/16' }))).Vpc?.VpcId);
    ids.igw = motoId((await member.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId);
    await member.send(new AttachInternetGatewayCommand({ InternetGatewayId: ids.igw, VpcId: vpc }));
    ids.table = motoId((await member.send(new CreateRouteTableCommand({ VpcId: vpc }))).RouteTable?.RouteTableId);
    const { state } = await reader(endpoint, { assumeRole: { roleName: ROLE } }).read(ref(MEMBER, 'route-table', ids.table)) as { state: unknown };
    baselineTable = state;
    await member.send(new CreateRouteCommand({ RouteTableId: ids.table, DestinationCidrBlock: '0.0.0.0/0', GatewayId: ids.igw }));
    const hub = new EC2Client(motoClientConfig(REGION));
    const hubVpc = motoId((await hub.send(new CreateVpcCommand({ CidrBlock: '10.92.0.0/16' }))).Vpc?.VpcId);
    ids.hubTable = motoId((await hub.send(new CreateRouteTableCommand({ VpcId: hubVpc }))).RouteTable?.RouteTableId);
  });

  const savedEnv = { ...process.env };
  afterAll(async () => {
    process.env = savedEnv;
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it("reads the member's resources through the member's role, and each account only its own", async () => {
    const moto = await recordingMoto();
    const aws = reader(moto.endpoint, { assumeRole: { roleName: ROLE } });

    const member = await aws.read(ref(MEMBER, 'route-table', ids.table));
    const hubSide = await aws.read(ref(HUB, 'route-table', ids.table));
    const hubOwn = await aws.read(ref(HUB, 'route-table', ids.hubTable));

    expect(member).toMatchObject({ exists: true, state: { kind: 'route-table', id: ids.table, region: REGION } });
    expect(hubSide).toStrictEqual({ exists: false });
    expect(hubOwn).toMatchObject({ exists: true, state: { id: ids.hubTable } });
    expect(assumeRoles(moto.calls)).toStrictEqual([MEMBER_ROLE_ARN, `arn:aws:iam::${HUB}:role/${ROLE}`]);
    expect(moto.calls.find((call) => call.action === 'AssumeRole')?.params.get('RoleSessionName')).toBe(`netdrift-${MEMBER}`);
  });

  /** The CloudTrail record of the member's CreateRoute, as an organisation trail delivers it to the hub. */
  function memberCreateRoute(eventId: string) {
    const record = cloudTrail('CreateRoute');
    for (const [path, value] of Object.entries({
      eventID: eventId, awsRegion: REGION, recipientAccountId: MEMBER, 'userIdentity.accountId': MEMBER,
      'requestParameters.routeTableId': ids.table, 'requestParameters.natGatewayId': undefined, 'requestParameters.gatewayId': ids.igw,
    })) setPath(record, path, value);
    return record;
  }

  async function findingsOf(aws: AwsStateReader, eventId: string): Promise<Finding[]> {
    const baseline = { ...emptySnapshot({ cloud: 'aws', account: MEMBER }, '2026-11-20T00:00:00Z'), resources: [baselineTable as never] };
    const harness = await pipelineWith([baseline], { adapters: awsAdapters, readers: { aws } });
    try {
      const outcome = await harness.pipeline.handle(memberCreateRoute(eventId));
      return outcome.records.flatMap((record) => [...record.opened, ...record.resolved]);
    } finally {
      await harness.close();
    }
  }

  it("an event of the member account is read with the member's role: the route it added is found", async () => {
    const moto = await recordingMoto();

    const findings = await findingsOf(reader(moto.endpoint, { assumeRole: { roleName: ROLE } }), 'b7e1c1a2-0d9e-4c3f-9a51-0c0ffee00001');

    expect(rules(findings)).toStrictEqual([`route.default-added ${MEMBER} ${ids.table} 0.0.0.0/0`]);
    expect(findings[0]?.severity).toBe('critical');
    expect(assumeRoles(moto.calls)).toStrictEqual([MEMBER_ROLE_ARN]);
  });

  it('with no role configured, an event of the member account is change.unverified with the reason, never a deletion', async () => {
    const moto = await recordingMoto();

    const findings = await findingsOf(reader(moto.endpoint), 'b7e1c1a2-0d9e-4c3f-9a51-0c0ffee00002');

    expect(rules(findings)).toStrictEqual([`change.unverified ${MEMBER} ${ids.table} `]);
    expect(findings[0]?.summary).toContain(`account ${MEMBER}: no reader role configured (set NETDRIFT_READER_ROLE or --role) — not read with the credentials of account ${HUB}`);
    expect(moto.calls.map((call) => call.action)).toStrictEqual(['GetCallerIdentity']);
  });

  it("with no role configured, the caller's own account is read with its own credentials, asking STS once", async () => {
    const moto = await recordingMoto();
    const aws = reader(moto.endpoint);

    const [first, second] = await Promise.all([aws.read(ref(HUB, 'route-table', ids.hubTable)), aws.read(ref(HUB, 'route-table', ids.hubTable))]);
    const third = await aws.read(ref(HUB, 'route-table', ids.hubTable));

    for (const result of [first, second, third]) expect(result).toMatchObject({ exists: true, state: { id: ids.hubTable } });
    expect(moto.calls.filter((call) => call.action === 'GetCallerIdentity')).toHaveLength(1);
    expect(assumeRoles(moto.calls)).toStrictEqual([]);
  });

  it("assumes each account's role once for many reads, concurrent ones included", async () => {
    const moto = await recordingMoto();
    const aws = reader(moto.endpoint, { assumeRole: { roleName: ROLE, externalId: 'org-7f3a' } });

    await Promise.all([
      aws.read(ref(MEMBER, 'route-table', ids.table)), aws.read(ref(MEMBER, 'internet-gateway', ids.igw)),
      aws.read(ref(MEMBER, 'route-table', ids.table)),
    ]);
    await aws.read(ref(MEMBER, 'internet-gateway', ids.igw));

    expect(assumeRoles(moto.calls)).toStrictEqual([MEMBER_ROLE_ARN]);
    expect(moto.calls.find((call) => call.action === 'AssumeRole')?.params.get('ExternalId')).toBe('org-7f3a');
  });

  it('renews assumed credentials shortly before they expire, sharing one AssumeRole among concurrent callers', async () => {
    const moto = await recordingMoto();
    let now = Date.now();
    const credentials = new AccountCredentials({
      clientConfig: { endpoint: moto.endpoint, credentials: motoClientConfig().credentials, region: REGION }, assumeRole: { roleName: ROLE }, now: () => now,
    });
    const provider = credentials.provider(MEMBER);

    const concurrent = await Promise.all([provider(), provider(), provider()]);
    const expiration = concurrent[0]?.expiration?.getTime() ?? 0;
    now = expiration - REFRESH_AHEAD_MS - 1_000;
    const beforeWindow = await provider();
    now = expiration - REFRESH_AHEAD_MS + 1_000;
    const renewed = await provider();

    expect(new Set(concurrent.map((c) => c.accessKeyId)).size).toBe(1);
    expect(beforeWindow.accessKeyId).toBe(concurrent[0]?.accessKeyId);
    expect(renewed.accessKeyId).not.toBe(concurrent[0]?.accessKeyId);
    expect(assumeRoles(moto.calls)).toStrictEqual([MEMBER_ROLE_ARN, MEMBER_ROLE_ARN]);
    credentials.destroy();
  });

  it('a denied AssumeRole is a PermanentReadError naming the role, and the event is change.unverified with it', async () => {
    const moto = await recordingMoto((call) => (call.action === 'AssumeRole' ? { status: 403, body: ACCESS_DENIED } : undefined));
    const reason = `sts:AssumeRole ${MEMBER_ROLE_ARN}: AccessDenied (HTTP 403) — the spoke role is missing or does not trust this function`;

    const error = await reader(moto.endpoint, { assumeRole: { roleName: ROLE } }).read(ref(MEMBER, 'route-table', ids.table)).catch((e: unknown) => e);
    const findings = await findingsOf(reader(moto.endpoint, { assumeRole: { roleName: ROLE } }), 'b7e1c1a2-0d9e-4c3f-9a51-0c0ffee00003');

    expect(error).toBeInstanceOf(PermanentReadError);
    expect((error as Error).message).toBe(reason);
    expect(rules(findings)).toStrictEqual([`change.unverified ${MEMBER} ${ids.table} `]);
    expect(findings[0]?.summary).toContain(reason);
  });

  it('a throttled AssumeRole is a TransientError once the retries are spent, so the delivery is retried', async () => {
    const moto = await recordingMoto((call) => (call.action === 'AssumeRole' ? { status: 400, body: THROTTLED } : undefined));

    const error = await reader(moto.endpoint, { assumeRole: { roleName: ROLE } }).read(ref(MEMBER, 'route-table', ids.table)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(`sts:AssumeRole ${MEMBER_ROLE_ARN}: Throttling (HTTP 400), after 2 attempts`);
    expect(assumeRoles(moto.calls)).toHaveLength(2);
  });

  it("refuses to capture an account that the credentials are not, and lists nothing", async () => {
    const moto = await recordingMoto();

    const error = await reader(moto.endpoint).capture({ cloud: 'aws', account: MEMBER }, [REGION]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `capture of ${MEMBER} refused: these credentials are account ${HUB}; pass --role (NETDRIFT_READER_ROLE) or use that account's credentials`);
    expect(moto.calls.map((call) => call.action)).toStrictEqual(['GetCallerIdentity']);
  });

  it("captures the member through its role, checking whose credentials the role gave", async () => {
    const moto = await recordingMoto();

    const { snapshot, failures } = await reader(moto.endpoint, { assumeRole: { roleName: ROLE } }).capture({ cloud: 'aws', account: MEMBER }, [REGION]);

    expect(failures).toStrictEqual([]);
    expect(snapshot.scope).toStrictEqual({ cloud: 'aws', account: MEMBER });
    const tables = snapshot.resources.filter((r) => r.kind === 'route-table').map((r) => r.id);
    expect(tables).toContain(ids.table);
    expect(tables).not.toContain(ids.hubTable);
    expect(moto.calls.slice(0, 2).map((call) => call.action)).toStrictEqual(['AssumeRole', 'GetCallerIdentity']);
  });

  it('refuses a capture when the role gave credentials of another account', async () => {
    const moto = await recordingMoto((call) => (call.action === 'GetCallerIdentity' ? { status: 200, body: callerIdentity('999999999999') } : undefined));

    const error = await reader(moto.endpoint, { assumeRole: { roleName: ROLE } }).capture({ cloud: 'aws', account: MEMBER }, [REGION]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`capture of ${MEMBER} refused: role ${MEMBER_ROLE_ARN} gave credentials of account 999999999999`);
    expect(moto.calls.map((call) => call.action)).toStrictEqual(['AssumeRole', 'GetCallerIdentity']);
  });

  it('a denied AssumeRole fails the capture, naming the role', async () => {
    const moto = await recordingMoto((call) => (call.action === 'AssumeRole' ? { status: 403, body: ACCESS_DENIED } : undefined));

    const capture = reader(moto.endpoint, { assumeRole: { roleName: ROLE } }).capture({ cloud: 'aws', account: MEMBER }, [REGION]);

    await expect(capture).rejects.toThrow(PermanentReadError);
    await expect(capture).rejects.toThrow(`sts:AssumeRole ${MEMBER_ROLE_ARN}: AccessDenied (HTTP 403) — the spoke role is missing or does not trust this function`);
  });

  it('the refresh function reads the member through NETDRIFT_READER_ROLE, and without it saves nothing', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey });
    const moto = await recordingMoto();
    const bucket = 'netdrift-accounts-refresh';
    const s3 = new S3Client(motoClientConfig(REGION));
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    const environment = {
      AWS_REGION: REGION, NETDRIFT_AWS_ENDPOINT: moto.endpoint, NETDRIFT_REGIONS: REGION,
      NETDRIFT_SNAPSHOT_BUCKET: bucket, NETDRIFT_STATE_TABLE: 'netdrift-accounts-unused',
    };

    const refused = await createRefreshHandler(environment)({ account: MEMBER }).catch((e: unknown) => e);
    const store = new S3SnapshotStore({ client: s3, bucket, prefix: '' });
    const nothing = await store.get({ cloud: 'aws', account: MEMBER }, 'candidate');
    const result = await createRefreshHandler({ ...environment, NETDRIFT_READER_ROLE: ROLE, NETDRIFT_READER_EXTERNAL_ID: 'org-7f3a' })({ account: MEMBER });
    const saved = await store.get({ cloud: 'aws', account: MEMBER }, 'candidate');

    expect((refused as Error).message).toBe(
      `capture of ${MEMBER} refused: these credentials are account ${HUB}; pass --role (NETDRIFT_READER_ROLE) or use that account's credentials`);
    expect(nothing).toBeUndefined();
    expect(result).toMatchObject({ account: MEMBER, failures: [] });
    const tables = saved?.snapshot.resources.filter((r) => r.kind === 'route-table').map((r) => r.id);
    expect(tables).toContain(ids.table);
    expect(tables).not.toContain(ids.hubTable);
    const assumed = moto.calls.filter((call) => call.action === 'AssumeRole');
    expect(assumed.map((call) => [call.params.get('RoleArn'), call.params.get('ExternalId')])).toStrictEqual([[MEMBER_ROLE_ARN, 'org-7f3a']]);
  });
});
