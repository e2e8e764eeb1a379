import { describe, expect, it } from 'vitest';
import { captureRegions, parseAwsFunctionEnvironment } from '../../../functions/aws/environment.js';

const BASE = { NETDRIFT_SNAPSHOT_BUCKET: 'netdrift-snapshots', NETDRIFT_STATE_TABLE: 'netdrift-state', AWS_REGION: 'eu-west-1' };

describe('Lambda environment', () => {
  it('applies defaults', () => {
    const env = parseAwsFunctionEnvironment(BASE);
    expect(env).toMatchObject({ NETDRIFT_LIVE_READS: 'true', NETDRIFT_EVENT_TTL_HOURS: 48, NETDRIFT_PAGERDUTY_MIN_SEVERITY: 'high' });
    expect(captureRegions(env)).toEqual(['eu-west-1']);
  });

  it('lists capture regions', () => {
    expect(captureRegions(parseAwsFunctionEnvironment({ ...BASE, NETDRIFT_REGIONS: 'eu-west-1, us-east-1,' }))).toEqual(['eu-west-1', 'us-east-1']);
  });

  it.each([
    [{ ...BASE, NETDRIFT_STATE_TABLE: undefined }, 'environment NETDRIFT_STATE_TABLE: required'],
    [{ ...BASE, NETDRIFT_SLACK_WEBHOOK_URL: 'hooks.slack.com/no-scheme' }, 'environment NETDRIFT_SLACK_WEBHOOK_URL: expected a URL or a Secrets Manager ARN'],
    [{ ...BASE, NETDRIFT_EVENT_TTL_HOURS: 'soon' }, /^environment NETDRIFT_EVENT_TTL_HOURS: /],
    [{ ...BASE, NETDRIFT_LIVE_READS: 'yes' }, /^environment NETDRIFT_LIVE_READS: /],
    [{ ...BASE, NETDRIFT_READER_ROLE: 'arn:aws:iam::111111111111:role/netdrift-reader' }, 'environment NETDRIFT_READER_ROLE: expected an IAM role name (netdrift-reader), not an ARN or path'],
    [{ ...BASE, NETDRIFT_READER_ROLE: 'netdrift-reader', NETDRIFT_READER_EXTERNAL_ID: 'x' }, /^environment NETDRIFT_READER_EXTERNAL_ID: expected 2 to 1224 characters/],
    [{ ...BASE, NETDRIFT_READER_EXTERNAL_ID: 'org-7f3a' }, 'environment NETDRIFT_READER_EXTERNAL_ID: set without NETDRIFT_READER_ROLE (the role it is for)'],
  ])('a bad environment names the variable (%#)', (env, message) => {
    expect(() => parseAwsFunctionEnvironment(env)).toThrow(message);
  });

  it('never echoes a value', () => {
    const secret = 'https://hooks.slack.com/services/T000/B000/SECRET' + ' '.repeat(3);
    try {
      parseAwsFunctionEnvironment({ ...BASE, NETDRIFT_PAGERDUTY_URL: secret });
    } catch (error) {
      expect(String(error)).not.toContain('SECRET');
    }
  });

  it('takes the spoke role to read accounts through, and its external id', () => {
    const env = parseAwsFunctionEnvironment({ ...BASE, NETDRIFT_READER_ROLE: 'netdrift-reader', NETDRIFT_READER_EXTERNAL_ID: 'org-7f3a:netdrift' });

    expect(env).toMatchObject({ NETDRIFT_READER_ROLE: 'netdrift-reader', NETDRIFT_READER_EXTERNAL_ID: 'org-7f3a:netdrift' });
    expect(parseAwsFunctionEnvironment(BASE).NETDRIFT_READER_ROLE).toBeUndefined();
  });

  it('accepts Secrets Manager ARNs for the sink secrets', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:netdrift/slack-AbCdEf';
    expect(parseAwsFunctionEnvironment({ ...BASE, NETDRIFT_SLACK_WEBHOOK_URL: arn }).NETDRIFT_SLACK_WEBHOOK_URL).toBe(arn);
  });
});
