import { spawnSync } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import {
  AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateRouteCommand, CreateRouteTableCommand, CreateVpcCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDbStateStore } from '../adapters/aws/dynamodb-state-store.js';
import { S3SnapshotStore } from '../adapters/aws/s3-snapshot-store.js';
import { approveCandidate } from '../snapshots/lifecycle.js';
import { commandExists, startMoto, type Emulator } from '../test/support/emulators.js';
import { bundlePath, LambdaContainer } from '../test/support/lambda-container.js';
import { startPagerDutyReceiver, type Receiver } from '../test/support/receivers.js';

/**
 * The built `events` bundle on moto, as Lambda runs it: cold start (process start → first event
 * processed with a live read) against a fresh process making one bare SDK call; warm cost per event
 * against a bare DescribeRouteTables; requests per event (counted by a proxy in front of moto);
 * memory. Two sizes, so that a cost growing faster than the work shows. Then alerting events: each
 * adds a route to an internet gateway (made in moto, so that the live read sees it), opening one
 * finding that goes to PagerDuty (a local receiver): what an event costs when it alerts.
 */
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SESSION_TOKEN: 'testing' };

/** `PutItem 1 (4 ms), Query 2.5 (6 ms)`: requests per event by operation, with moto's mean time to answer each. */
function breakdown(counts: ReadonlyMap<string, number>, events: number, ms?: ReadonlyMap<string, number>): string {
  return [...counts].map(([op, n]) => {
    const mean = ms?.get(op);
    return `${op.replace(/^DynamoDB_\d+\./, '')} ${Number((n / events).toFixed(2))}${mean === undefined ? '' : ` (${(mean / n).toFixed(0)} ms)`}`;
  }).join(', ');
}

/** Forwards to moto and counts requests by operation (X-Amz-Target, else the query's Action, else method + path). */
function countingProxy(target: string): Promise<{ server: Server; url: string; counts: Map<string, number>; ms: Map<string, number>; total(): number }> {
  const counts = new Map<string, number>();
  const ms = new Map<string, number>();
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = /Action=([A-Za-z]+)/.exec(body.toString('latin1'))?.[1];
      const op = String(incoming.headers['x-amz-target'] ?? action ?? `${incoming.method} ${(incoming.url ?? '').split('?')[0]?.split('/')[1] ?? ''}`);
      counts.set(op, (counts.get(op) ?? 0) + 1);
      const sent = performance.now();
      const forward = request({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('end', () => ms.set(op, (ms.get(op) ?? 0) + performance.now() - sent));
        answer.pipe(outgoing);
      });
      forward.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    resolve({ server, url: `http://127.0.0.1:${port}`, counts, ms, total: () => [...counts.values()].reduce((a, b) => a + b, 0) });
  }));
}

function replaceRoute(table: string, i: number, target: Record<string, string>, destination = `10.${200 + (i % 50)}.0.0/16`): Record<string, unknown> {
  const detail = {
    eventVersion: '1.09', userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/bench`, accountId: ACCOUNT },
    eventTime: new Date(Date.UTC(2026, 10, 26, 12, 0, 0, i)).toISOString(), eventSource: 'ec2.amazonaws.com', eventName: 'CreateRoute',
    awsRegion: REGION, sourceIPAddress: '198.51.100.7', userAgent: 'bench', requestParameters: { routeTableId: table, destinationCidrBlock: destination, ...target },
    responseElements: { _return: true }, eventID: `bench0000-0000-4000-8000-${String(i).padStart(12, '0')}`, eventType: 'AwsApiCall', recipientAccountId: ACCOUNT,
  };
  return { version: '0', id: `eb-${i}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: ACCOUNT, time: detail.eventTime, region: REGION, resources: [], detail };
}

/** Wall time of a fresh node process that loads the EC2 client from node_modules and makes one call. */
function bareSdkColdMs(endpoint: string, table: string): number {
  const script = `import { EC2Client, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
    const c = new EC2Client({ region: '${REGION}', endpoint: '${endpoint}' });
    await c.send(new DescribeRouteTablesCommand({ RouteTableIds: ['${table}'] }));`;
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...CREDENTIALS, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`bare SDK call failed: ${result.stderr.toString().split('\n', 1)[0]}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function lambdaBundleReport(): Promise<string[]> {
  if (!commandExists('moto_server')) return ['moto_server is not installed: the bundle bench on moto is skipped'];
  let moto: Emulator | undefined;
  const containers: LambdaContainer[] = [];
  let proxy: Awaited<ReturnType<typeof countingProxy>> | undefined;
  let pagerduty: Receiver | undefined;
  try {
    moto = await startMoto();
    const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, forcePathStyle: true };
    const ec2 = new EC2Client(config);
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.60.0.0/16' }))).Vpc?.VpcId ?? '';
    const table = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpc }))).RouteTable?.RouteTableId ?? '';
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId ?? '';
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
    pagerduty = await startPagerDutyReceiver();
    await new S3Client(config).send(new CreateBucketCommand({ Bucket: 'bench-snapshots', CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await DynamoDbStateStore.createTable(new DynamoDBClient(config), 'bench-state');
    proxy = await countingProxy(moto.endpoint);
    const environment = {
      ...CREDENTIALS, AWS_REGION: REGION, NETDRIFT_AWS_ENDPOINT: proxy.url, NETDRIFT_REGIONS: REGION,
      NETDRIFT_SNAPSHOT_BUCKET: 'bench-snapshots', NETDRIFT_STATE_TABLE: 'bench-state',
      NETDRIFT_PAGERDUTY_ROUTING_KEY: 'R0BENCHROUTINGKEY000000000000000', NETDRIFT_PAGERDUTY_URL: `${pagerduty.url}/v2/enqueue`,
    };
    const refresh = await LambdaContainer.start({ bundle: bundlePath('aws', 'refresh'), functionName: 'netdrift-refresh', environment });
    containers.push(refresh);
    await refresh.call({});
    await approveCandidate(new S3SnapshotStore({ client: new S3Client(config), bucket: 'bench-snapshots' }), { cloud: 'aws', account: ACCOUNT }, { approvedBy: 'bench' });

    const lines: string[] = [];
    const bare = bareSdkColdMs(moto.endpoint, table);
    const coldStart = process.hrtime.bigint();
    const events = await LambdaContainer.start({ bundle: bundlePath('aws', 'events'), functionName: 'netdrift-events', environment });
    containers.push(events);
    proxy.counts.clear();
    proxy.ms.clear();
    const first = await events.invoke(replaceRoute(table, 0, { gatewayId: 'local' }));
    if (first.error) throw new Error(`events bundle: ${first.error.errorMessage}`);
    const coldMs = Number(process.hrtime.bigint() - coldStart) / 1e6;
    lines.push(`events cold start (process start → first event processed with a live read): ${coldMs.toFixed(0)} ms `
      + `(init ${events.initMs.toFixed(0)} ms) = ${(coldMs / bare).toFixed(2)}x a fresh process making one bare DescribeRouteTables (${bare.toFixed(0)} ms); `
      + `first event: ${proxy.total()} requests (${breakdown(proxy.counts, 1)})`);

    // Warm: a bare DescribeRouteTables per event is the floor (one live read is the least an event costs).
    const bareClient = new EC2Client({ ...config, endpoint: moto.endpoint });
    const { DescribeRouteTablesCommand } = await import('@aws-sdk/client-ec2');
    let next = 1;
    for (const size of [50, 200]) {
      const bareStart = process.hrtime.bigint();
      for (let i = 0; i < size; i += 1) await bareClient.send(new DescribeRouteTablesCommand({ RouteTableIds: [table] }));
      const bareNs = Number(process.hrtime.bigint() - bareStart);
      proxy.counts.clear();
      proxy.ms.clear();
      let rss = 0;
      const runStart = process.hrtime.bigint();
      for (let i = 0; i < size; i += 1, next += 1) {
        const outcome = await events.invoke(replaceRoute(table, next, { gatewayId: 'local' }));
        if (outcome.error) throw new Error(`events bundle: ${outcome.error.errorMessage}`);
        rss = outcome.rss;
      }
      const runNs = Number(process.hrtime.bigint() - runStart);
      // moto's TransactWriteItems copies its tables to roll back, so its answers slow down as the table grows:
      // the time not spent waiting for moto is what the container's own work costs.
      const motoMs = [...proxy.ms.values()].reduce((a, b) => a + b, 0);
      lines.push(`warm, ${String(size).padStart(4)} events: ${(runNs / size / 1e6).toFixed(1)} ms/event (${((runNs / 1e6 - motoMs) / size).toFixed(1)} not waiting for moto) = ${(runNs / bareNs).toFixed(2)}x a bare DescribeRouteTables `
        + `(${(bareNs / size / 1e6).toFixed(1)} ms); ${(proxy.total() / size).toFixed(2)} requests/event (${breakdown(proxy.counts, size, proxy.ms)}); container RSS ${(rss / 1048576).toFixed(0)} MiB`);
    }

    // Alerting: each event opens one finding (a route to the internet the baseline lacks), sent to PagerDuty.
    const alerting = 20;
    proxy.counts.clear();
    proxy.ms.clear();
    const alertStart = process.hrtime.bigint();
    for (let i = 0; i < alerting; i += 1, next += 1) {
      const destination = `172.31.${i}.0/24`;
      await ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: destination, GatewayId: igw }));
      const outcome = await events.invoke(replaceRoute(table, next, { gatewayId: igw }, destination));
      if (outcome.error) throw new Error(`events bundle: ${outcome.error.errorMessage}`);
    }
    const alertNs = Number(process.hrtime.bigint() - alertStart);
    lines.push(`alerting, ${alerting} events (one new finding each, sent to PagerDuty in the invocation): ${(alertNs / alerting / 1e6).toFixed(1)} ms/event; `
      + `${(proxy.total() / alerting).toFixed(2)} requests/event (${breakdown(proxy.counts, alerting, proxy.ms)}); PagerDuty triggers received: ${pagerduty.requests.length}`);
    return lines;
  } finally {
    await Promise.all(containers.map((c) => c.stop()));
    await pagerduty?.close();
    proxy?.server.close();
    await moto?.stop();
  }
}
