import { hash } from 'node:crypto';
import type { Actor, ClockSkew } from './change.js';
import { normalizeId, type Cloud, type ResourceKind } from './resource.js';
import type { Severity } from './severity.js';

/** The finding ids of DESIGN.md: a public contract that routes and suppressions name. */
export const RULE_IDS = [
  'route.default-added', 'route.target-changed', 'route.added', 'route.removed',
  'route-table.association-changed', 'route-table.propagation-changed',
  'route-table.created', 'route-table.deleted',
  'internet-gateway.attached', 'internet-gateway.detached',
  'nat.created', 'nat.deleted', 'nat.changed',
  'private-endpoint.deleted', 'private-endpoint.changed', 'private-endpoint.created',
  'dns-zone.deleted', 'dns-zone.created', 'dns-zone.network-unlinked', 'dns-zone.network-linked',
  'dns-record.changed', 'dns-record.removed', 'dns-record.added',
  'dns-forwarding.changed',
  'subnet.private-access-changed',
  'peering.added', 'peering.removed',
  'change.unverified',
  'netdrift.misconfigured',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** One way a resource differs from its baseline, as the rules see it. */
export interface Drift {
  rule: RuleId;
  severity: Severity;
  kind: ResourceKind;
  /** The resource id as the baseline spells it (as the event does when the baseline lacks it). */
  resource: string;
  region: string;
  /** The specific item: a route's destination or name, a record's name and type, a subnet, a network. */
  item: string;
  /** One line saying what changed, e.g. `0.0.0.0/0 → nat-0abc on rtb-01`. */
  summary: string;
  /** One line saying how to put it back. */
  hint: string;
  baseline?: unknown;
  observed?: unknown;
  /** The resource's tags (its `tags` field as a string map), for routing. */
  tags?: Record<string, string>;
}

/** A drift with its identity, status and provenance: what is stored, routed and alerted on. */
export interface Finding extends Drift {
  fingerprint: string;
  status: 'open' | 'resolved';
  cloud: Cloud;
  account: string;
  /** The operation that opened (or resolved) it, e.g. `ec2:CreateRoute`, or `reconcile`. */
  operation: string;
  /** The audit record that opened (or resolved) it. */
  eventId: string;
  /** Every audit record that touched it, oldest first. */
  eventIds: string[];
  actor: Actor;
  /** When the change that opened (or resolved) it happened. */
  eventTime: string;
  openedAt: string;
  resolvedAt?: string;
  /** Matched a suppression (an expected change): recorded and listed, not sent. */
  suppressed?: { reason: string; until: string };
  /** The opening event claimed a time later than it arrived; `eventTime` is when it was received. */
  clockSkew?: ClockSkew;
  /**
   * `payload`: resolved from what an event said, with no reader to confirm it (DESIGN.md, "Trust");
   * the alert says so. Absent when a reader or a reconcile saw the resource back to its baseline.
   */
  resolvedBy?: 'payload';
  /**
   * On a resolved finding: who made the change that opened it, and when (its `actor` and `eventTime`
   * are the resolving change's). Storm incidents are keyed on it (alerts/pagerduty-storms.ts).
   */
  opening?: { actor: Actor; eventTime: string };
}

/**
 * The stable identity of a finding: PagerDuty's `dedup_key`, the key for resolve,
 * suppression and storm grouping. Azure ids are fingerprinted lower-cased.
 */
export function findingFingerprint(parts: {
  cloud: Cloud; account: string; rule: RuleId; resource: string; item: string;
}): string {
  const resource = normalizeId(parts.cloud, parts.resource);
  const item = normalizeId(parts.cloud, parts.item);
  const text = [parts.cloud, parts.account, parts.rule, resource, item].join('\u0000');
  return hash('sha256', text, 'hex').slice(0, 32);
}
