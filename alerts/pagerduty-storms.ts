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
 * change (its principal; without one, the opening event's id) and the fixed window
 * (`storm.windowSeconds`) the storm's first change fell in:
 *
 *   dedup_key = "storm-" + sha256(cloud, account, principal | event, floor(first change's time / window))[0..24]
 *
 * A resolved finding keeps its opening actor and time in `opening` (its own `actor` and
 * `eventTime` are the resolving change's). A storm lasts at most one window (storm.ts), so its
 * members lie in its first window and the next. Only the members of one account and opener that
 * are more than `threshold` are paged as a storm; fewer (a storm spread over accounts) are paged
 * one by one under their fingerprints.
 *
 * When a finding resolves, it is resolved under its fingerprint (harmless when it was paged in a
 * storm, needed when it was paged alone); then, for a storm that may have started in its window or
 * the one before, the state store says whether that storm may exist (some finding of that opener
 * starts there, and more than `threshold` lie in it and the next window) and whether it is over
 * (none of them is open): then its incident is resolved. The check reads the store after the
 * resolve was committed, so of two members resolved at once by two workers the later commit always
 * sees the other resolved, and the incident is resolved at least once. It is conservative: an
 * opener's other findings in those windows keep the incident open until they resolve too.
 */

/**
 * One delivery: events to send in order (each with the `once` that identifies it, so that a
 * delivery retried after a 429 halfway does not send again what went), then storm incidents to
 * resolve if they may exist and none of their findings is open.
 */
export interface PagerDutyStormPayload {
  events: { event: PagerDutyEvent; once?: string }[];
  incidents: StormOrigin[];
}

/** Where a storm starts: its account, who made its changes, and the window of its first one. */
interface StormOrigin {
  scope: Scope;
  who: string;
  window: number;
}

/** Who made the change that opened a finding: its principal, else (none known) the opening event. */
function openerOf(finding: Finding): string {
  const actor = finding.status === 'open' ? finding.actor : finding.opening?.actor;
  return actor?.principal ? `principal ${actor.principal}` : `event ${finding.eventIds[0] ?? finding.eventId}`;
}

/** The storm window the opening change's time falls in. */
function windowOf(finding: Finding, windowMs: number): number {
  const time = Date.parse((finding.status === 'open' ? finding.eventTime : finding.opening?.eventTime) ?? finding.openedAt);
  return Number.isNaN(time) ? 0 : Math.floor(time / windowMs);
}

function incidentKey(origin: StormOrigin): string {
  const text = [origin.scope.cloud, origin.scope.account, origin.who, String(origin.window)].join('\u0000');
  return `storm-${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}

/** The `dedup_key` of a storm that starts in the window of this finding's opening change (see above). */
export function stormIncidentKey(finding: Finding, windowMs: number): string {
  return incidentKey({ scope: { cloud: finding.cloud, account: finding.account }, who: openerOf(finding), window: windowOf(finding, windowMs) });
}

/** How many events already sent are remembered, so a delivery retried after a 429 does not send them again. */
const SENT_MEMORY = 10_000;

/** A PagerDuty sink that sends storms as one incident per storm key, and resolves it with its last finding. */
export class PagerDutyStorms implements AlertSink<PagerDutyStormPayload> {
  readonly name: string;
  readonly rateLimit: AlertSink['rateLimit'];
  /** Events sent (by finding, action and time), oldest first: a retried storm skips them. */
  readonly #sent = new Set<string>();

  constructor(
    private readonly pagerDuty: PagerDutySink,
    private readonly store: Pick<StateStore, 'listFindings'>,
    private readonly windowMs: number,
    private readonly threshold: number,
  ) {
    this.name = pagerDuty.name;
    this.rateLimit = pagerDuty.rateLimit;
  }

  /** A finding alone: its trigger, or its resolve and its storm incident's. */
  build(finding: Finding): PagerDutyStormPayload {
    if (finding.status === 'open') return { events: [{ event: this.pagerDuty.build(finding) }], incidents: [] };
    return this.resolves([finding]);
  }

  /**
   * A storm: one trigger per storm key among its open findings with more than `threshold` of them
   * (usually one key, all of them), the others one by one; resolves for its resolved findings.
   */
  buildGroup(group: FindingGroup): PagerDutyStormPayload {
    const byOpener = new Map<string, Finding[]>();
    for (const finding of group.findings) {
      if (finding.status !== 'open') continue;
      const opener = [finding.cloud, finding.account, openerOf(finding)].join('\u0000');
      byOpener.set(opener, [...(byOpener.get(opener) ?? []), finding]);
    }
    const triggers: PagerDutyStormPayload['events'] = [];
    for (const findings of byOpener.values()) {
      const first = findings[0] as Finding;
      if (findings.length > this.threshold) {
        // A storm spans at most the window: its first window and the next. Keyed by the first.
        const window = Math.min(...findings.map((f) => windowOf(f, this.windowMs)));
        const key = incidentKey({ scope: { cloud: first.cloud, account: first.account }, who: openerOf(first), window });
        triggers.push({ event: this.pagerDuty.stormTrigger({ cause: group.cause, key, findings }), once: stormOnce(key, findings) });
      } else {
        triggers.push(...findings.map((f) => ({ event: this.pagerDuty.build(f), once: `${f.fingerprint} trigger ${f.openedAt}` })));
      }
    }
    const resolved = this.resolves(group.findings.filter((f) => f.status === 'resolved'));
    return { events: [...triggers, ...resolved.events], incidents: resolved.incidents };
  }

  async send(payload: PagerDutyStormPayload): Promise<void> {
    for (const { event, once } of payload.events) {
      if (once !== undefined && this.#sent.has(once)) continue;
      await this.pagerDuty.send(event);
      if (once !== undefined) this.remember(once);
    }
    for (const origin of payload.incidents) {
      const { scope, who, window } = origin;
      // Every finding a storm starting in this window could hold: same account and opener, this window or the next.
      const members = (await this.store.listFindings({ cloud: scope.cloud, account: scope.account }))
        .filter((f) => openerOf(f) === who && [window, window + 1].includes(windowOf(f, this.windowMs)));
      // None starts there, too few to have been paged as a storm, or not over yet.
      if (!members.some((f) => windowOf(f, this.windowMs) === window)) continue;
      if (members.length <= this.threshold || members.some((f) => f.status === 'open')) continue;
      await this.pagerDuty.send(this.pagerDuty.resolveEvent(incidentKey(origin)));
    }
  }

  /** Each finding's resolve, and the storms it may have been in: those starting in its window or the one before. */
  private resolves(findings: readonly Finding[]): PagerDutyStormPayload {
    const incidents = new Map<string, StormOrigin>();
    for (const finding of findings) {
      const window = windowOf(finding, this.windowMs);
      for (const start of [window - 1, window]) {
        const origin = { scope: { cloud: finding.cloud, account: finding.account }, who: openerOf(finding), window: start };
        incidents.set(incidentKey(origin), origin);
      }
    }
    return {
      // A finding that opens again resolves again under the same fingerprint: its resolve time tells them apart.
      events: findings.map((f) => ({ event: this.pagerDuty.build(f), once: `${f.fingerprint} resolve ${f.resolvedAt ?? f.eventTime}` })),
      incidents: [...incidents.values()],
    };
  }

  private remember(key: string): void {
    this.#sent.add(key);
    if (this.#sent.size > SENT_MEMORY) this.#sent.delete(this.#sent.values().next().value as string);
  }
}

/** Identifies one storm's trigger: a later storm under the same key (after the first resolved) is paged again. */
function stormOnce(key: string, findings: readonly Finding[]): string {
  const members = createHash('sha256').update(findings.map((f) => `${f.fingerprint} ${f.openedAt}`).join('\n')).digest('hex');
  return `${key} trigger ${members.slice(0, 24)}`;
}

/** deliver.ts's storm policy when none is configured. */
const DEFAULT_STORM = { threshold: 10, windowMs: 300_000 };

/**
 * The sinks with each PagerDuty sink that gets storms grouped (`groupsStorms`, default yes) wrapped
 * in `PagerDutyStorms`, which needs the state store to know when a storm's last finding resolved.
 */
export function withStormIncidents(
  sinks: ReadonlyMap<string, AlertSink>, store: Pick<StateStore, 'listFindings'>,
  options: Pick<DeliverOptions, 'groupsStorms' | 'storm'>,
): ReadonlyMap<string, AlertSink> {
  const { threshold, windowMs } = options.storm ?? DEFAULT_STORM;
  const wrapped = new Map<string, AlertSink>();
  for (const [name, sink] of sinks) {
    const grouped = sink instanceof PagerDutySink && (options.groupsStorms?.(name) ?? true);
    wrapped.set(name, grouped ? new PagerDutyStorms(sink, store, windowMs, threshold) as AlertSink : sink);
  }
  return wrapped;
}
