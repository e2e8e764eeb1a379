import { describe, expect, it } from 'vitest';
import { configFromEnvironment } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';

const SLACK = 'https://hooks.slack.com/services/T0/B0/xyz';

describe('configFromEnvironment: the NETDRIFT_* settings the CLI reads', () => {
  it('the sinks\' thresholds, as the functions read them', () => {
    const config = configFromEnvironment({
      NETDRIFT_SLACK_WEBHOOK_URL: SLACK, NETDRIFT_SLACK_MIN_SEVERITY: 'medium',
      NETDRIFT_PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEY', NETDRIFT_PAGERDUTY_MIN_SEVERITY: 'critical',
    });

    expect(config.sinks.slack).toMatchObject({ type: 'slack', webhookUrl: SLACK, minSeverity: 'medium' });
    expect(config.sinks.pagerduty).toMatchObject({ type: 'pagerduty', routingKey: 'R0UT1NGKEY', minSeverity: 'critical' });
  });

  it('override the config file\'s, for the sinks named slack and pagerduty', () => {
    const config = configFromEnvironment({ NETDRIFT_SLACK_MIN_SEVERITY: 'low' }, {
      sinks: { slack: { webhookUrl: SLACK, minSeverity: 'high' }, 'slack-dns': { type: 'slack', webhookUrl: SLACK, minSeverity: 'high' } },
    }, 'config netdrift.yaml');

    expect(config.sinks.slack?.minSeverity).toBe('low');
    expect(config.sinks['slack-dns']?.minSeverity).toBe('high');
  });

  it('a threshold without its sink adds no sink', () => {
    expect(configFromEnvironment({ NETDRIFT_PAGERDUTY_MIN_SEVERITY: 'high' }).sinks).toEqual({});
  });

  it('NETDRIFT_EVENT_TTL_HOURS sets how long event ids are remembered; an empty value is unset', () => {
    expect(configFromEnvironment({ NETDRIFT_EVENT_TTL_HOURS: '12' }).eventTtlHours).toBe(12);
    expect(configFromEnvironment({ NETDRIFT_EVENT_TTL_HOURS: '', NETDRIFT_SLACK_MIN_SEVERITY: '' }).eventTtlHours).toBe(48);
  });

  it('a bad value is a ConfigError naming the variable and what it takes', () => {
    expect(() => configFromEnvironment({ NETDRIFT_SLACK_MIN_SEVERITY: 'urgent' })).toThrow(new ConfigError(
      'environment NETDRIFT_SLACK_MIN_SEVERITY: expected one of info, low, medium, high, critical, got "urgent"; correct or unset it'));
    expect(() => configFromEnvironment({ NETDRIFT_EVENT_TTL_HOURS: '-1' })).toThrow(/^environment NETDRIFT_EVENT_TTL_HOURS: expected a positive number of hours, got "-1"/);
  });

  it('never repeats a secret\'s value', () => {
    const secret = 'T0/B0/this-is-a-secret-token';
    let message = '';
    try {
      configFromEnvironment({ NETDRIFT_SLACK_WEBHOOK_URL: secret });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toBe('environment NETDRIFT_SLACK_WEBHOOK_URL: expected a Slack incoming-webhook URL, got something else (value not shown); correct or unset it');
    expect(message).not.toContain('secret-token');
  });
});
