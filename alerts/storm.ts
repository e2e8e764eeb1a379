import { createHash } from 'node:crypto';
import type { FindingGroup, OutboxEntry } from '../core/ports.js';

/** What a delivery sends in one go: one entry, or a storm of them as one message. */
export interface DeliveryUnit {
  entries: OutboxEntry[];
  group?: FindingGroup;
}

export interface StormPolicy {
  /** More than this many findings from one cause make a storm. */
  threshold: number;
  /** How close in event time one principal's findings must be to count together. */
  windowMs: number;
}

function groupKey(status: string, cause: string, first: string): string {
  return `storm-${createHash('sha256').update(`${status}\u0000${cause}\u0000${first}`).digest('hex').slice(0, 24)}`;
}

/** Buckets of entries by one principal, each spanning at most the window in event time. */
function principalBuckets(entries: readonly OutboxEntry[], windowMs: number): Map<string, OutboxEntry[]> {
  const buckets = new Map<string, OutboxEntry[]>();
  const byTime = [...entries].sort((a, b) => Date.parse(a.finding.eventTime) - Date.parse(b.finding.eventTime));
  const open = new Map<string, { key: string; start: number }>();
  for (const entry of byTime) {
    const principal = entry.finding.actor.principal;
    if (!principal) continue;
    const time = Date.parse(entry.finding.eventTime);
    let current = open.get(principal);
    if (!current || time - current.start > windowMs) {
      current = { key: `${entry.finding.status}\u0000${principal}\u0000${time}`, start: time };
      open.set(principal, current);
    }
    buckets.set(current.key, [...(buckets.get(current.key) ?? []), entry]);
  }
  return buckets;
}

/**
 * Splits one sink's pending entries into what is sent: storms (more than `threshold` findings of the
 * same status from one event, else from one principal within the window) as one group each, the
 * rest one by one; in the order of their oldest entry. `grouped: false` sends everything singly.
 */
export function deliveryUnits(entries: readonly OutboxEntry[], policy: StormPolicy, grouped: boolean): DeliveryUnit[] {
  const units: DeliveryUnit[] = [];
  let rest = [...entries];
  if (grouped) {
    const byEvent = new Map<string, OutboxEntry[]>();
    for (const entry of rest) {
      const key = `${entry.finding.status}\u0000${entry.finding.eventId}`;
      byEvent.set(key, [...(byEvent.get(key) ?? []), entry]);
    }
    const taken = new Set<OutboxEntry>();
    const take = (members: OutboxEntry[], cause: string) => {
      const first = members[0];
      if (!first || members.length <= policy.threshold) return;
      members.forEach((m) => taken.add(m));
      units.push({ entries: members, group: { cause, key: groupKey(first.finding.status, cause, first.finding.fingerprint), findings: members.map((m) => m.finding) } });
    };
    for (const members of byEvent.values()) take(members, `event ${members[0]?.finding.eventId ?? ''}`);
    rest = rest.filter((e) => !taken.has(e));
    for (const members of principalBuckets(rest, policy.windowMs).values()) take(members, `principal ${members[0]?.finding.actor.principal ?? ''}`);
    rest = rest.filter((e) => !taken.has(e));
  }
  units.push(...rest.map((entry) => ({ entries: [entry] })));
  const oldest = (u: DeliveryUnit) => u.entries.reduce((min, e) => (e.createdAt < min ? e.createdAt : min), u.entries[0]?.createdAt ?? '');
  return units.sort((a, b) => (oldest(a) < oldest(b) ? -1 : oldest(a) > oldest(b) ? 1 : 0));
}
