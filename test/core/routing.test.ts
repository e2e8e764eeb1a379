import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config.js';
import type { Finding } from '../../core/finding.js';
import { routeFinding, suppressionOf } from '../../core/routing.js';

const FINDING: Finding = {
  rule: 'route.default-added', severity: 'critical', kind: 'route-table', resource: 'rtb-0a1', region: 'eu-west-1', item: '0.0.0.0/0',
  summary: 's', hint: 'h', fingerprint: 'f1', status: 'open', cloud: 'aws', account: '111122223333', operation: 'ec2:CreateRoute',
  eventId: 'e1', eventIds: ['e1'], actor: { principal: 'arn:aws:sts::111122223333:assumed-role/terraform-deploy/ci' },
  eventTime: '2026-11-26T10:00:00Z', openedAt: '2026-11-26T10:00:01Z', tags: { env: 'prod' },
};
const finding = (changes: Partial<Finding> = {}): Finding => ({ ...structuredClone(FINDING), ...changes });

const SINKS = {
  slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/x' },
  'slack-dns': { type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/y' },
  pagerduty: { routingKey: 'R0UTINGKEY' },
};

describe('routing', () => {
  it('with no routes, each sink takes what reaches its minSeverity', () => {
    const config = parseConfig({ sinks: SINKS });
    expect(routeFinding(config, finding())).toEqual(['slack', 'slack-dns', 'pagerduty']);
    expect(routeFinding(config, finding({ severity: 'medium' }))).toEqual(['slack', 'slack-dns']);
  });

  it('routes match on severity, cloud, account, rule glob, kind and tags; every matching route adds its sinks', () => {
    const config = parseConfig({
      sinks: SINKS,
      routes: [
        { match: { minSeverity: 'high', clouds: ['aws'], accounts: ['111122223333'], rules: ['route.*'], kinds: ['route-table'], tags: { env: 'prod' } }, sinks: ['pagerduty', 'slack'] },
        { match: { rules: ['dns-*'] }, sinks: ['slack-dns'] },
        { match: {}, sinks: ['slack'] },
      ],
    });
    expect(routeFinding(config, finding())).toEqual(['pagerduty', 'slack']);
    expect(routeFinding(config, finding({ tags: { env: 'dev' } }))).toEqual(['slack']);
    expect(routeFinding(config, finding({ rule: 'dns-record.changed', kind: 'dns-zone' }))).toEqual(['slack-dns', 'slack']);
  });

  it('stops at a matching final route', () => {
    const config = parseConfig({ sinks: SINKS, routes: [{ match: { rules: ['dns-*'] }, sinks: ['slack-dns'], final: true }, { match: {}, sinks: ['slack'] }] });
    expect(routeFinding(config, finding({ rule: 'dns-zone.deleted' }))).toEqual(['slack-dns']);
  });

  it('sends what no route matches to the default sinks', () => {
    const config = parseConfig({ sinks: SINKS, routes: [{ match: { clouds: ['gcp'] }, sinks: ['pagerduty'] }], defaultSinks: ['slack'] });
    expect(routeFinding(config, finding())).toEqual(['slack']);
  });

  it('a route naming an unknown sink is a config error naming the key', () => {
    expect(() => parseConfig({ sinks: SINKS, routes: [{ sinks: ['slack', 'teams'] }] })).toThrow('config routes.0.sinks.1: no sink named "teams"');
  });

  it('a bad sink names its key', () => {
    expect(() => parseConfig({ sinks: { audit: { type: 'webhook', url: 'https://x.example/hook', secret: 'short' } } })).toThrow(/^config sinks\.audit\.secret: at least 16 characters/);
    expect(() => parseConfig({ sinks: { pagerduty: { routingKey: 'k', region: 'ap' } } })).toThrow(/^config sinks\.pagerduty\.region: /);
  });
});

describe('suppressions', () => {
  const config = parseConfig({
    sinks: SINKS,
    suppressions: [
      { principal: 'arn:aws:sts::*:assumed-role/terraform-deploy/*', until: '2026-12-01T00:00:00Z', reason: 'Terraform applies reviewed plans' },
      { rule: 'dns-record.*', resource: 'Z0EXAMPLE', until: '2026-11-01T00:00:00Z', reason: 'expired window' },
    ],
  });

  it('match by principal glob until they expire', () => {
    expect(suppressionOf(config, finding(), new Date('2026-11-26T10:00:00Z'))).toEqual({ reason: 'Terraform applies reviewed plans', until: '2026-12-01T00:00:00Z' });
    expect(suppressionOf(config, finding(), new Date('2026-12-02T00:00:00Z'))).toBeUndefined();
  });

  it('an expired suppression does not match', () => {
    expect(suppressionOf(config, finding({ rule: 'dns-record.changed', resource: 'Z0EXAMPLE', actor: {} }), new Date('2026-11-26T00:00:00Z'))).toBeUndefined();
  });

  it('a suppression needs something to match', () => {
    expect(() => parseConfig({ suppressions: [{ until: '2026-12-01T00:00:00Z', reason: 'all' }] })).toThrow(/needs at least one of rule, resource, account, principal/);
  });
});
