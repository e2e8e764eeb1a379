import { describe, expect, it } from 'vitest';
import { awsAdapters, cloudTrailRecordAdapter } from '../../../adapters/aws/index.js';
import { changesOf, cloudTrail, parseRecord, setPath } from './fixtures.js';

describe('the account', () => {
  it('is recipientAccountId, even when the caller is from another account', () => {
    const record = setPath(cloudTrail('CreateRoute'), 'recipientAccountId', '444455556666');

    const [change] = changesOf(record);

    expect(change?.account).toBe('444455556666');
  });

  it("is the caller's userIdentity.accountId when nothing else names it", () => {
    const record = setPath(cloudTrail('CreateRoute'), 'recipientAccountId', undefined);
    setPath(record, 'userIdentity.accountId', '777788889999');

    const [change] = changesOf(record);

    expect(change?.account).toBe('777788889999');
  });

  it('missing everywhere rejects the record', () => {
    const record = setPath(cloudTrail('CreateRoute'), 'recipientAccountId', undefined);
    setPath(record, 'userIdentity', undefined);

    const parsed = parseRecord(record);

    expect(parsed).toStrictEqual({
      status: 'rejected',
      reason: 'CloudTrail record: account missing (no recipientAccountId, envelope account or userIdentity.accountId)',
    });
  });
});

describe('the region', () => {
  it('of Route 53 is global, though its events arrive in us-east-1', () => {
    const record = cloudTrail('ChangeResourceRecordSets');

    const [change] = changesOf(record);

    expect([record.awsRegion, change?.region]).toStrictEqual(['us-east-1', 'global']);
  });

  it('of Route 53 Resolver is the region of the call', () => {
    const record = setPath(cloudTrail('AssociateResolverRule'), 'awsRegion', 'ap-southeast-2');

    const [change] = changesOf(record);

    expect(change?.region).toBe('ap-southeast-2');
  });
});

describe('the actor', () => {
  it('falls back from the ARN to the principal id, then to the invoking service', () => {
    const byPrincipal = setPath(cloudTrail('CreateRoute'), 'userIdentity.arn', undefined);
    const byService = setPath(cloudTrail('CreateRoute'), 'userIdentity',
      { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' });
    setPath(byService, 'sourceIPAddress', undefined);
    setPath(byService, 'userAgent', undefined);

    const actors = [byPrincipal, byService].map((record) => changesOf(record)[0]?.actor);

    expect(actors).toStrictEqual([
      { principal: 'AROA3EXAMPLEROLEID12:alice', sourceIp: '198.51.100.24', userAgent: byPrincipal.userAgent },
      { principal: 'cloudformation.amazonaws.com' },
    ]);
  });
});

describe('failed calls', () => {
  it('are ignored as failed-call', () => {
    const record = setPath(cloudTrail('CreateRoute'), 'errorCode', 'Client.RouteAlreadyExists');
    setPath(record, 'errorMessage', 'The route identified by 0.0.0.0/0 already exists.');
    setPath(record, 'responseElements', null);

    const parsed = parseRecord(record);

    expect(parsed).toStrictEqual({
      status: 'ignored', eventId: record.eventID, reason: 'failed-call', detail: 'ec2:CreateRoute failed: Client.RouteAlreadyExists',
    });
  });

  it.each([null, ''])('are not what an errorCode of %j says', (errorCode) => {
    const record = setPath(cloudTrail('CreateRoute'), 'errorCode', errorCode);

    expect(parseRecord(record).status).toBe('changes');
  });
});

describe('unwatched operations', () => {
  it.each([
    ['a read', 'ec2.amazonaws.com', 'DescribeRouteTables', 'ec2:DescribeRouteTables'],
    ['another service', 's3.amazonaws.com', 'PutBucketPolicy', 's3:PutBucketPolicy'],
    ['a namesake in another service', 'apigateway.amazonaws.com', 'CreateRoute', 'apigateway:CreateRoute'],
    ['an unwatched write', 'ec2.amazonaws.com', 'CreateTransitGateway', 'ec2:CreateTransitGateway'],
  ])('%s is ignored as unwatched', (_what, source, name, detail) => {
    const record = setPath(setPath(cloudTrail('CreateRoute'), 'eventSource', source), 'eventName', name);

    expect(parseRecord(record)).toStrictEqual({ status: 'ignored', eventId: record.eventID, reason: 'unwatched', detail });
  });

  it('include network activity events, even of a watched name', () => {
    const record = setPath(cloudTrail('CreateRoute'), 'eventType', 'AwsVpceEvent');
    setPath(record, 'eventCategory', 'NetworkActivity');

    expect(parseRecord(record)).toMatchObject({ status: 'ignored', reason: 'unwatched' });
  });

  it('are ignored without a full record: nothing about them matters', () => {
    const record = { eventSource: 's3.amazonaws.com', eventName: 'GetObject' };

    expect(parseRecord(record)).toStrictEqual({ status: 'ignored', reason: 'unwatched', detail: 's3:GetObject' });
  });
});

describe('bad input', () => {
  it.each([
    ['eventTime', 42, 'CloudTrail record: eventTime: expected string, got 42'],
    ['eventTime', 'yesterday', 'CloudTrail record: eventTime: expected an ISO 8601 date-time, got "yesterday"'],
    ['eventID', undefined, 'CloudTrail record: eventID missing'],
    ['eventID', '', 'CloudTrail record: eventID empty'],
    ['awsRegion', undefined, 'CloudTrail record: awsRegion missing'],
    ['recipientAccountId', 111122223333, 'CloudTrail record: recipientAccountId: expected string, got 111122223333'],
    ['requestParameters', 'rtb-0a1b2c3d4e5f60718', 'CloudTrail record: requestParameters: expected record, got "rtb-0a1b2c3d4e5f60718"'],
    ['requestParameters.routeTableId', undefined, 'CloudTrail record ec2:CreateRoute: requestParameters.routeTableId missing'],
    ['requestParameters.routeTableId', ['rtb-1'], 'CloudTrail record ec2:CreateRoute: requestParameters.routeTableId: expected string, got an array'],
    ['requestParameters.destinationCidrBlock', undefined,
      'CloudTrail record ec2:CreateRoute: requestParameters.destinationCidrBlock missing'],
  ])('%s = %j is rejected: %s', (path, value, reason) => {
    const record = setPath(cloudTrail('CreateRoute'), path, value);

    expect(parseRecord(record)).toStrictEqual({ status: 'rejected', reason });
  });

  it('a watched record missing its event name is rejected', () => {
    const record = setPath(cloudTrail('CreateRoute'), 'eventName', undefined);

    const parsed = cloudTrailRecordAdapter.parse(record);

    expect(parsed).toStrictEqual([{ status: 'rejected', reason: 'CloudTrail record: eventName missing' }]);
  });

  it('a huge string is cut in the reason, which stays one line', () => {
    const huge = `${'x'.repeat(1_000_000)}\n${'y'.repeat(1_000)}`;
    const badTime = setPath(cloudTrail('CreateRoute'), 'eventTime', huge);
    const badName = setPath(cloudTrail('CreateRoute'), 'eventName', huge);

    const reasons = [parseRecord(badTime), parseRecord(badName)].map((parsed) =>
      parsed.status === 'rejected' ? parsed.reason : parsed.status === 'ignored' ? parsed.detail : '');

    expect(reasons[0]).toBe(`CloudTrail record: eventTime: expected an ISO 8601 date-time, got "${'x'.repeat(40)}…"`);
    for (const reason of reasons) {
      expect(reason.length).toBeLessThan(310);
      expect(reason).not.toMatch(/\n/);
    }
  });

  it.each([[42], [[]], ['x'], [null], [true], [{}]])('%j is no delivery any adapter takes, and each rejects it in one line', (raw) => {
    for (const adapter of awsAdapters) {
      expect(adapter.matches(raw), adapter.name).toBe(false);

      const records = adapter.parse(raw);

      expect(records, adapter.name).toHaveLength(1);
      expect(records[0]).toMatchObject({ status: 'rejected' });
      const reason = records[0]?.status === 'rejected' ? records[0].reason : '';
      expect(reason).toMatch(/^(CloudTrail record|CloudTrail log file|EventBridge event|SQS event): \S.*$/);
    }
  });
});

