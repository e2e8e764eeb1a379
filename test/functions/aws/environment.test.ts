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

  it('accepts Secrets Manager ARNs for the sink secrets', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:netdrift/slack-AbCdEf';
    expect(parseAwsFunctionEnvironment({ ...BASE, NETDRIFT_SLACK_WEBHOOK_URL: arn }).NETDRIFT_SLACK_WEBHOOK_URL).toBe(arn);
  });
});
