import { findingFingerprint, type Finding } from '../../core/finding.js';
import type { FindingGroup } from '../../core/ports.js';

/**
 * The finding every alerts test starts from: a NAT default route added to rtb-0a1.
 * Tests take `structuredClone`s of it and change only what their case is about.
 */
export const OPEN_DEFAULT_ROUTE: Readonly<Finding> = Object.freeze({
  rule: 'route.default-added',
  severity: 'critical',
  kind: 'route-table',
  resource: 'rtb-0a1',
  region: 'eu-west-1',
  item: '0.0.0.0/0',
  summary: '0.0.0.0/0 → nat-0abc on rtb-0a1',
  hint: 'Delete the route: aws ec2 delete-route --route-table-id rtb-0a1 --destination-cidr-block 0.0.0.0/0',
  observed: { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' } },
  fingerprint: findingFingerprint({
    cloud: 'aws', account: '111122223333', rule: 'route.default-added', resource: 'rtb-0a1', item: '0.0.0.0/0',
  }),
  status: 'open',
  cloud: 'aws',
  account: '111122223333',
  operation: 'ec2:CreateRoute',
  eventId: 'ev-create-1',
  eventIds: ['ev-create-1'],
  actor: {
    principal: 'arn:aws:iam::111122223333:user/alice',
    sourceIp: '203.0.113.7',
    userAgent: 'aws-cli/2.15.0 Python/3.11.6',
  },
  eventTime: '2026-11-26T10:00:00Z',
  openedAt: '2026-11-26T10:00:02Z',
});

/** A fresh, mutable copy of the open finding. */
export function openFinding(): Finding {
  return structuredClone(OPEN_DEFAULT_ROUTE) as Finding;
}

/** The same finding resolved: bob deleted the route five minutes later (alice's change kept as `opening`). */
export function resolvedFinding(): Finding {
  const finding = openFinding();
  finding.opening = { actor: finding.actor, eventTime: finding.eventTime };
  finding.status = 'resolved';
  finding.operation = 'ec2:DeleteRoute';
  finding.eventId = 'ev-delete-2';
  finding.eventIds = ['ev-create-1', 'ev-delete-2'];
  finding.actor = { principal: 'arn:aws:iam::111122223333:user/bob', sourceIp: '198.51.100.9', userAgent: 'console.amazonaws.com' };
  finding.eventTime = '2026-11-26T10:05:00Z';
  finding.resolvedAt = '2026-11-26T10:05:01Z';
  return finding;
}

/** Another open finding from the same event: a medium route added to rtb-0b2. */
export function addedRouteFinding(): Finding {
  const finding = openFinding();
  finding.rule = 'route.added';
  finding.severity = 'medium';
  finding.resource = 'rtb-0b2';
  finding.item = '10.1.0.0/16';
  finding.summary = '10.1.0.0/16 → pcx-01 on rtb-0b2';
  finding.observed = { destination: '10.1.0.0/16', target: { type: 'peering', id: 'pcx-01' } };
  finding.fingerprint = findingFingerprint({
    cloud: 'aws', account: '111122223333', rule: 'route.added', resource: 'rtb-0b2', item: '10.1.0.0/16',
  });
  return finding;
}

/** A high finding on rtb-0c3 that the same storm resolved. */
export function resolvedAddedRouteFinding(): Finding {
  const finding = addedRouteFinding();
  finding.severity = 'high';
  finding.resource = 'rtb-0c3';
  finding.summary = '10.2.0.0/16 → pcx-02 on rtb-0c3';
  finding.item = '10.2.0.0/16';
  finding.observed = { destination: '10.2.0.0/16', target: { type: 'peering', id: 'pcx-02' } };
  finding.opening = { actor: finding.actor, eventTime: finding.eventTime };
  finding.status = 'resolved';
  finding.eventTime = '2026-11-26T10:05:00Z';
  finding.resolvedAt = '2026-11-26T10:05:01Z';
  finding.fingerprint = findingFingerprint({
    cloud: 'aws', account: '111122223333', rule: 'route.added', resource: 'rtb-0c3', item: '10.2.0.0/16',
  });
  return finding;
}

/** A storm of three, listed least urgent first: a resolved high, an open medium, an open critical. */
export function smallStorm(): FindingGroup {
  return {
    cause: 'event ev-create-1',
    key: 'storm:event:ev-create-1',
    findings: [resolvedAddedRouteFinding(), addedRouteFinding(), openFinding()],
  };
}
