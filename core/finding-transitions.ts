import { clockSkewNote, type Actor, type ClockSkew } from './change.js';
import { findingFingerprint, type Drift, type Finding } from './finding.js';
import { normalizeId, type Cloud, type Resource, type Scope } from './resource.js';
import { diffResource } from './rules/index.js';

/** Where a state came from: the audit record, or a reconcile run. */
export interface Provenance {
  operation: string;
  eventId: string;
  actor: Actor;
  eventTime: string;
  /** The record's own time was later than it arrived, so `eventTime` is when it was received. */
  clockSkew?: ClockSkew | undefined;
}

export interface Transitions {
  opened: Finding[];
  resolved: Finding[];
  /** Still open, now also carrying this event's id. */
  touched: Finding[];
}

/**
 * The open findings of one resource by rule, then item (as the cloud compares ids): what their
 * fingerprint is made of, looked up without building a key string or hashing per drift.
 */
class OpenIndex {
  private readonly byRule = new Map<string, Map<string, Finding>>();

  constructor(private readonly cloud: Cloud, open: readonly Finding[]) {
    for (const f of open) {
      let items = this.byRule.get(f.rule);
      if (!items) this.byRule.set(f.rule, items = new Map());
      items.set(normalizeId(cloud, f.item), f);
    }
  }

  get(drift: Drift): Finding | undefined {
    const found = this.byRule.get(drift.rule)?.get(normalizeId(this.cloud, drift.item));
    if (!found || found.resource === drift.resource) return found;
    return normalizeId(this.cloud, found.resource) === normalizeId(this.cloud, drift.resource) ? found : undefined;
  }
}

/**
 * Compares the drifts a resource has now with its open findings: drifts not yet open open,
 * open findings no longer drifting resolve (only when the state was verified: an unverified
 * write says nothing about what is still wrong). `resolvedBy: 'payload'` marks resolves that only
 * an event payload vouches for (no reader configured), so that the alert can say so.
 *
 * The open findings are indexed once by rule, resource and item (what their fingerprint is made
 * of), so only drifts that open a finding are fingerprinted. A still-open finding is touched (gets
 * this event's id) when `touches` says the event changed its item; without `touches`, every one is.
 */
export function findingTransitions(
  scope: Scope, drifts: readonly Drift[], open: readonly Finding[], from: Provenance, now: string, verified: boolean,
  resolvedBy?: Finding['resolvedBy'], touches?: (drift: Drift) => boolean,
): Transitions {
  const cloud = scope.cloud;
  const index = new OpenIndex(cloud, open);
  const current = new Set<Finding>();
  const openedNow = new Set<string>();
  const result: Transitions = { opened: [], resolved: [], touched: [] };
  for (const drift of drifts) {
    const existing = index.get(drift);
    if (existing) {
      if (current.has(existing)) continue;
      current.add(existing);
      if (!existing.eventIds.includes(from.eventId) && (touches === undefined || touches(drift))) {
        result.touched.push(Object.assign({}, existing, { eventIds: [...existing.eventIds, from.eventId] }));
      }
      continue;
    }
    const fingerprint = findingFingerprint({ cloud, account: scope.account, rule: drift.rule, resource: drift.resource, item: drift.item });
    if (openedNow.has(fingerprint)) continue;
    openedNow.add(fingerprint);
    // Object.assign, not spread: on Node 20 each property after a spread costs microseconds.
    result.opened.push(Object.assign({}, drift, {
      fingerprint, status: 'open' as const, cloud, account: scope.account,
      operation: from.operation, eventId: from.eventId, eventIds: [from.eventId], actor: from.actor,
      eventTime: from.eventTime, openedAt: now,
    }, from.clockSkew ? { clockSkew: from.clockSkew, summary: `${drift.summary} (${clockSkewNote(from.clockSkew)})` } : {}));
  }
  if (verified) {
    for (const finding of open) {
      if (current.has(finding)) continue;
      result.resolved.push(Object.assign({}, finding, {
        status: 'resolved' as const, operation: from.operation, eventId: from.eventId,
        eventIds: finding.eventIds.includes(from.eventId) ? finding.eventIds : [...finding.eventIds, from.eventId],
        actor: from.actor, eventTime: from.eventTime, resolvedAt: now,
        opening: finding.opening ?? { actor: finding.actor, eventTime: finding.eventTime },
      }, resolvedBy === undefined ? {} : { resolvedBy }));
    }
  }
  return result;
}

/**
 * Which still-open findings an event touched: those on the items it changed (the drifts of the
 * state before it against the state after it, by the same rules). An event that changed none
 * (a repeat of the same change) touches them all. Costs one sorted merge of the two states.
 */
export function touchedBy(cloud: Cloud, before: Resource | undefined, after: Resource | undefined): (drift: Drift) => boolean {
  const changed = diffResource(before, after, { cloud });
  if (changed.length === 0) return () => true;
  const items = new Set(changed.map((d) => normalizeId(cloud, d.item)));
  return (drift) => items.has(normalizeId(cloud, drift.item));
}

/** How findings become outbox entries: where each goes, and whether it is an expected change. */
export interface AlertPolicy {
  route: (finding: Finding) => readonly string[];
  /** The suppression a newly opened finding falls under, if any. */
  suppress?: (finding: Finding) => Finding['suppressed'];
}

/**
 * The outbox entries for findings just opened or resolved: one per finding and sink. A newly
 * opened finding under a suppression is marked (and so stored) as suppressed and not sent; its
 * resolve is not sent either.
 */
export function outboxEntries(opened: Finding[], resolved: readonly Finding[], policy: AlertPolicy): { sink: string; finding: Finding }[] {
  for (const finding of opened) {
    const suppressed = policy.suppress?.(finding);
    if (suppressed) finding.suppressed = suppressed;
  }
  const entries: { sink: string; finding: Finding }[] = [];
  for (const finding of [...opened, ...resolved]) {
    if (finding.suppressed) continue;
    for (const sink of policy.route(finding)) entries.push({ sink, finding });
  }
  return entries;
}
