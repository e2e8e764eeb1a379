import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createEventsHandler } from '../../../functions/aws/events.js';
import { describeWithMoto, MOTO_CREDENTIALS, motoClientConfig } from '../../support/moto.js';
import { cloudTrailRecord, eventBridgeEvent } from '../../e2e/aws-cloudtrail.js';

const message = (messageId: string, body: string): SQSRecord => ({
  messageId, receiptHandle: `rh-${messageId}`, body, attributes: {} as SQSRecord['attributes'], messageAttributes: {},
  md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:netdrift-events', awsRegion: 'eu-west-1',
});

const saved = { ...process.env };

describeWithMoto('events function: retry semantics', () => {
  beforeAll(() => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey });
  });
  afterAll(() => { process.env = saved; });

  it('acknowledges bad input and returns only the transiently failed messages as batchItemFailures', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    // The state table does not exist: every store call fails, as during an outage.
    const handler = createEventsHandler({
      AWS_REGION: 'eu-west-1', NETDRIFT_AWS_ENDPOINT: motoClientConfig().endpoint, NETDRIFT_LIVE_READS: 'false',
      NETDRIFT_SNAPSHOT_BUCKET: 'netdrift-no-such-bucket', NETDRIFT_STATE_TABLE: 'netdrift-no-such-table',
    });
    const valid = eventBridgeEvent(cloudTrailRecord('ec2.amazonaws.com', 'CreateRoute', { routeTableId: 'rtb-0abc', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }, { _return: true }));
    const event: SQSEvent = { Records: [message('m-bad-json', '{"truncated'), message('m-not-an-event', '42'), message('m-valid', JSON.stringify(valid))] };

    const result = await handler(event);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-valid' }] });
    const logged = [...warn.mock.calls, ...error.mock.calls].map((c) => String(c[0]));
    expect(logged.some((l) => l.includes('rejected SQS message m-bad-json: body is not JSON'))).toBe(true);
    expect(logged.some((l) => l.includes('rejected SQS message m-not-an-event: not an event: number'))).toBe(true);
    warn.mockRestore();
    error.mockRestore();
  });

  it('fails a direct EventBridge invocation on a transient failure, so EventBridge retries it', async () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const handler = createEventsHandler({
      AWS_REGION: 'eu-west-1', NETDRIFT_AWS_ENDPOINT: motoClientConfig().endpoint, NETDRIFT_LIVE_READS: 'false',
      NETDRIFT_SNAPSHOT_BUCKET: 'netdrift-no-such-bucket', NETDRIFT_STATE_TABLE: 'netdrift-no-such-table',
    });
    const valid = eventBridgeEvent(cloudTrailRecord('ec2.amazonaws.com', 'CreateRoute', { routeTableId: 'rtb-0abc', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }, { _return: true }));

    await expect(handler(valid as never)).rejects.toThrow(/transient failure/);
    quiet.mockRestore();
  });

  it('routing from NETDRIFT_ROUTING is validated like the config file, naming the bad key', async () => {
    const base = { AWS_REGION: 'eu-west-1', NETDRIFT_AWS_ENDPOINT: motoClientConfig().endpoint, NETDRIFT_SNAPSHOT_BUCKET: 'b-1', NETDRIFT_STATE_TABLE: 't-1', NETDRIFT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x' };
    const event = eventBridgeEvent(cloudTrailRecord('ec2.amazonaws.com', 'DescribeRouteTables', {}));
    await expect(createEventsHandler({ ...base, NETDRIFT_ROUTING: '{"routes": [' })(event as never)).rejects.toThrow(/^environment NETDRIFT_ROUTING: not JSON/);
    await expect(createEventsHandler({ ...base, NETDRIFT_ROUTING: '{"routs": []}' })(event as never)).rejects.toThrow('environment NETDRIFT_ROUTING: unknown key routs (routes, defaultSinks, suppressions, storm)');
    await expect(createEventsHandler({ ...base, NETDRIFT_ROUTING: '{"routes": [{"sinks": ["pagerduty"]}]}' })(event as never)).rejects.toThrow('environment routes.0.sinks.0: no sink named "pagerduty"');
    const ok = createEventsHandler({ ...base, NETDRIFT_ROUTING: JSON.stringify({ routes: [{ match: { rules: ['route.*'] }, sinks: ['slack'] }], suppressions: [{ principal: 'arn:aws:sts::*:assumed-role/terraform/*', until: '2099-01-01T00:00:00Z', reason: 'reviewed plans' }] }) });
    await expect(ok(event as never)).resolves.toMatchObject({ opened: 0, rejected: 0 });
  });

  it('a bad environment fails the cold start naming the variable', () => {
    expect(() => createEventsHandler({ AWS_REGION: 'eu-west-1', NETDRIFT_SNAPSHOT_BUCKET: 'b-1' })).toThrow('environment NETDRIFT_STATE_TABLE: required');
  });
});
