import { createHash } from 'node:crypto';
import type { Finding } from '../core/finding.js';
import type { AlertSink, FindingGroup, StateStore } from '../core/ports.js';
import type { Scope } from '../core/resource.js';
import type { DeliverOptions } from './deliver.js';
import { PagerDutySink, type PagerDutyEvent } from './pagerduty.js';

/**
 * A storm as one PagerDuty incident, resolved when the last of its findings resolves
 * (`storm.pagerDuty: grouped`, the default).
 *
 * The incident's `dedup_key` must be known again when each member resolves, long after the storm
 * was sent and without any record of which message it went out in. So it is computed from what
 * every member keeps from its opening to its resolve: the cloud and account, who made the opening
 * change (its principal; without one, the opening event's id) and the storm window that change
 * fell in (its time, in fixed windows of `storm.windowSeconds`):
 *
 *   dedup_key = "storm-" + sha256(cloud, account, principal | event, floor(opening time / window))[0..24]
 *
 * A resolved finding keeps its opening actor and time in `opening` (its own `actor` and
 * `eventTime` are the resolving change's). A storm spanning two windows or accounts becomes one
 * incident per window and account.
 *
 * Resolving: each resolved finding is resolved under its fingerprint (harmless when it was paged
 * as part of a storm, needed when it was paged alone), and its storm incident is resolved once no
 * open finding of the account maps to that key any more, checked in the state store after the
 * resolve was committed — so of two members resolved at once by two workers, the later commit
 * always sees the other resolved, and the incident is resolved at least once.
 */

/**
 * One delivery: events to send in order (a resolve with the `once` that identifies it, so that a
 * delivery retried after a 429 halfway does not send it again), then storm incidents to resolve
 * if none of their findings is open.
 */
export interface PagerDutyStormPayload {
  events: { event: PagerDutyEvent; once?: string }[];
  incidents: { key: string; scope: Scope }[];
}

/** The `dedup_key` of the storm incident a finding belongs to (see above). */
export function stormIncidentKey(finding: Finding, windowMs: number): string {
  const opening = finding.status === 'open' ? { actor: finding.actor, eventTime: finding.eventTime } : finding.opening;
  const principal = opening?.actor.principal;
  const who = principal ? `principal ${principal}` : `event ${finding.eventIds[0] ?? finding.eventId}`;
  const time = Date.parse(opening?.eventTime ?? finding.openedAt);
  const window = Number.isNaN(time) ? 0 : Math.floor(time / windowMs);
  const digest = createHash('sha256').update([finding.cloud, finding.account, who, String(window)].join('\u0000')).digest('hex');
  return `storm-${digest.slice(0, 24)}`;
}

/** How many resolves already sent are remembered, so a delivery retried after a 429 does not send them again. */
const SENT_MEMORY = 10_000;

/** A PagerDuty sink that sends storms as one incident per storm key, and resolves it with its last finding. */
export class PagerDutyStorms implements AlertSink<PagerDutyStormPayload> {
  readonly name: string;
  readonly rateLimit: AlertSink['rateLimit'];
  /** Resolves sent (by finding and resolve time), oldest first: a retried storm of resolves skips them. */
  readonly #sent = new Set<string>();

  constructor(
    private readonly pagerDuty: PagerDutySink,
    private readonly store: Pick<StateStore, 'listFindings'>,
    private readonly windowMs: number,
  ) {
    this.name = pagerDuty.name;
    this.rateLimit = pagerDuty.rateLimit;
  }

  /** A finding alone: its trigger, or its resolve and its storm incident's. */
  build(finding: Finding): PagerDutyStormPayload {
    if (finding.status === 'open') return { events: [{ event: this.pagerDuty.build(finding) }], incidents: [] };
    return this.resolves([finding]);
  }

  /** A storm: one trigger per storm key among its open findings (usually one), resolves for its resolved ones. */
  buildGroup(group: FindingGroup): PagerDutyStormPayload {
    const byKey = new Map<string, Finding[]>();
    for (const finding of group.findings) {
      if (finding.status !== 'open') continue;
      const key = stormIncidentKey(finding, this.windowMs);
      byKey.set(key, [...(byKey.get(key) ?? []), finding]);
    }
    const triggers = [...byKey].map(([key, findings]) => ({ event: this.pagerDuty.stormTrigger({ cause: group.cause, key, findings }) }));
    const resolved = this.resolves(group.findings.filter((f) => f.status === 'resolved'));
    return { events: [...triggers, ...resolved.events], incidents: resolved.incidents };
  }

  async send(payload: PagerDutyStormPayload): Promise<void> {
    for (const { event, once } of payload.events) {
      if (once !== undefined && this.#sent.has(once)) continue;
      await this.pagerDuty.send(event);
      if (once !== undefined) this.remember(once);
    }
    for (const { key, scope } of payload.incidents) {
      const open = await this.store.listFindings({ status: 'open', cloud: scope.cloud, account: scope.account });
      if (open.some((f) => stormIncidentKey(f, this.windowMs) === key)) continue;
      await this.pagerDuty.send(this.pagerDuty.resolveEvent(key));
    }
  }

  private resolves(findings: readonly Finding[]): PagerDutyStormPayload {
    const incidents = new Map<string, Scope>();
    for (const finding of findings) incidents.set(stormIncidentKey(finding, this.windowMs), { cloud: finding.cloud, account: finding.account });
    return {
      // A finding that opens again resolves again under the same fingerprint: its resolve time tells them apart.
      events: findings.map((f) => ({ event: this.pagerDuty.build(f), once: `${f.fingerprint} ${f.resolvedAt ?? f.eventTime}` })),
      incidents: [...incidents].map(([key, scope]) => ({ key, scope })),
    };
  }

  private remember(key: string): void {
    this.#sent.add(key);
    if (this.#sent.size > SENT_MEMORY) this.#sent.delete(this.#sent.values().next().value as string);
  }
}

/** deliver.ts's storm window when none is configured. */
const DEFAULT_WINDOW_MS = 300_000;

/**
 * The sinks with each PagerDuty sink that gets storms grouped (`groupsStorms`, default yes) wrapped
 * in `PagerDutyStorms`, which needs the state store to know when a storm's last finding resolved.
 */
export function withStormIncidents(
  sinks: ReadonlyMap<string, AlertSink>, store: Pick<StateStore, 'listFindings'>,
  options: Pick<DeliverOptions, 'groupsStorms' | 'storm'>,
): ReadonlyMap<string, AlertSink> {
  const windowMs = options.storm?.windowMs ?? DEFAULT_WINDOW_MS;
  const wrapped = new Map<string, AlertSink>();
  for (const [name, sink] of sinks) {
    const grouped = sink instanceof PagerDutySink && (options.groupsStorms?.(name) ?? true);
    wrapped.set(name, grouped ? new PagerDutyStorms(sink, store, windowMs) as AlertSink : sink);
  }
  return wrapped;
}
