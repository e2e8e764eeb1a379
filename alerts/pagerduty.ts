import { z } from 'zod';
import type { Actor } from '../core/change.js';
import { DeliveryError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import type { AlertSink, FindingGroup } from '../core/ports.js';
import type { Severity } from '../core/severity.js';
import { httpDeliveryError, quoteBody, redact, requestFailureReason } from './http-failure.js';
import {
  consoleLinkLabel, consoleUrl, findingSource, groupTitle, highestSeverity, hintText, mostUrgentFirst, renderValue, topRules,
  truncateText,
} from './message.js';

/**
 * PagerDuty Events API v2 endpoints by service region
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/): an account in the EU
 * service region sends to the EU endpoint.
 */
export const PAGERDUTY_EVENTS_URLS = {
  us: 'https://events.pagerduty.com/v2/enqueue',
  eu: 'https://events.eu.pagerduty.com/v2/enqueue',
} as const;
export type PagerDutyRegion = keyof typeof PAGERDUTY_EVENTS_URLS;
/** The US endpoint, PagerDuty's default. */
export const PAGERDUTY_EVENTS_URL = PAGERDUTY_EVENTS_URLS.us;
export const PAGERDUTY_DEFAULT_TIMEOUT_MS = 10_000;

/** The Events API's rate limit, per routing key (one sink has one): 120 events a minute. */
export const PAGERDUTY_RATE_LIMIT = { count: 120, intervalMs: 60_000 } as const;

/** PagerDuty's limits: a 1024-character summary, a 512 KB event. */
const SUMMARY_MAX_CHARS = 1024;
const EVENT_MAX_BYTES = 500_000;
/** How much of a value is kept when the raw values would make the event too large. */
const OVERSIZE_VALUE_CHARS = 20_000;
/** A storm's list of findings stays under this many bytes of JSON: far below the event limit. */
const STORM_DETAILS_MAX_BYTES = 64_000;
/** Longest resource id or summary in a storm's list of findings. */
const STORM_TEXT_MAX_CHARS = 300;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

const SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

/** An open finding: opens (or updates) the incident keyed by the finding's fingerprint. */
export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    /** When netdrift opened the finding (its processing time, as Slack's "Opened at"). */
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: {
      baseline: unknown;
      observed: unknown;
      actor: Actor;
      /** When the change that opened the finding happened (the audit record's time). */
      changedAt: string;
      eventIds: string[];
      hint: string;
      fingerprint: string;
    };
  };
  links?: { href: string; text: string }[];
}

/** A resolved finding: resolves the incident; PagerDuty needs nothing else. */
export interface PagerDutyResolve {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

/** One finding of a storm, as listed in its event's details. */
export interface PagerDutyStormLine {
  fingerprint: string;
  rule: string;
  severity: Severity;
  status: Finding['status'];
  resource: string;
  summary: string;
}

/** A storm: one incident for many findings that share a cause, keyed by the group's key. */
export interface PagerDutyStormTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    /** When netdrift opened the storm's earliest finding. */
    timestamp?: string;
    class: 'storm';
    custom_details: {
      cause: string;
      /** When the storm's earliest change happened. */
      changedAt?: string;
      count: number;
      /** The most urgent findings first; as many as fit, the rest counted in `omitted`. */
      findings: PagerDutyStormLine[];
      omitted: number;
    };
  };
}

export type PagerDutyEvent = PagerDutyTrigger | PagerDutyResolve | PagerDutyStormTrigger;
/** What one delivery sends: one event, or (a storm with resolves in it) several, in order. */
export type PagerDutyPayload = PagerDutyEvent | PagerDutyEvent[];

export interface PagerDutySinkOptions {
  /** The integration's routing key. A secret: it never appears in an error or a log line. */
  routingKey: string;
  /** The account's service region, choosing the endpoint; `us` unless given. */
  region?: PagerDutyRegion;
  /** The endpoint, overriding `region` (a proxy, a test receiver). */
  url?: string;
  timeoutMs?: number;
  /** The sink's name in routes and the outbox. */
  name?: string;
}

/** PagerDuty's answer to a rejected event: `{ status, message, errors: [...] }`. */
const ErrorBodySchema = z.looseObject({
  message: z.string().optional(),
  errors: z.array(z.string()).optional(),
});

function errorDetail(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return quoteBody(body);
  }
  const result = ErrorBodySchema.safeParse(parsed);
  if (!result.success) return quoteBody(body);
  const text = [result.data.message, ...(result.data.errors ?? [])].filter(Boolean).join(': ');
  return quoteBody(text || body);
}

/**
 * Sends findings to PagerDuty Events API v2: an open finding triggers, a resolved one resolves,
 * both keyed by the finding's fingerprint (`dedup_key`). `send` throws `DeliveryError`:
 * 429, 5xx and network failures are retryable; 400 is not, and quotes PagerDuty's errors.
 * A storm may be sent as one incident instead (`buildGroup`).
 */
export class PagerDutySink implements AlertSink<PagerDutyPayload> {
  readonly name: string;
  readonly rateLimit = PAGERDUTY_RATE_LIMIT;
  readonly #routingKey: string;
  readonly #url: string;
  readonly #timeoutMs: number;

  constructor(options: PagerDutySinkOptions) {
    this.name = options.name ?? 'pagerduty';
    this.#routingKey = options.routingKey;
    this.#url = options.url ?? PAGERDUTY_EVENTS_URLS[options.region ?? 'us'];
    this.#timeoutMs = options.timeoutMs ?? PAGERDUTY_DEFAULT_TIMEOUT_MS;
  }

  /** The Events API v2 body for a finding (pure). */
  build(finding: Finding): PagerDutyEvent {
    const routing_key = this.#routingKey;
    const dedup_key = finding.fingerprint;
    if (finding.status === 'resolved') return this.resolveEvent(dedup_key);
    const url = consoleUrl(finding);
    const event: PagerDutyTrigger = {
      routing_key,
      event_action: 'trigger',
      dedup_key,
      payload: {
        summary: truncateText(`${finding.rule}: ${finding.summary}`, SUMMARY_MAX_CHARS),
        source: findingSource(finding),
        severity: SEVERITY[finding.severity],
        timestamp: finding.openedAt,
        component: finding.resource,
        group: finding.kind,
        class: finding.rule,
        custom_details: {
          baseline: finding.baseline ?? null,
          observed: finding.observed ?? null,
          actor: finding.actor,
          changedAt: finding.eventTime,
          eventIds: finding.eventIds,
          hint: hintText(finding),
          fingerprint: finding.fingerprint,
        },
      },
      ...(url ? { links: [{ href: url, text: consoleLinkLabel(finding.cloud) }] } : {}),
    };
    return fitEventSize(event);
  }

  /** The resolve of the incident keyed `dedupKey`; PagerDuty needs nothing else. */
  resolveEvent(dedupKey: string): PagerDutyResolve {
    return { routing_key: this.#routingKey, event_action: 'resolve', dedup_key: dedupKey };
  }

  /**
   * A storm (pure): its open findings as one trigger keyed by the group's key, and a resolve for
   * each resolved one (keyed by its fingerprint, as it was opened unless it was in a storm: see
   * `PagerDutyStorms`). Just the trigger when nothing in the group is resolved.
   */
  buildGroup(group: FindingGroup): PagerDutyPayload {
    const open = group.findings.filter((f) => f.status === 'open');
    const resolves = group.findings.filter((f) => f.status === 'resolved').map((f) => this.build(f));
    if (resolves.length === 0) return this.stormTrigger(group);
    return open.length === 0 ? resolves : [this.stormTrigger({ ...group, findings: open }), ...resolves];
  }

  /**
   * One trigger for a storm (pure), keyed by the group's key: summary
   * `<N> findings from <cause>: <top rules>`, the group's highest severity, and the findings
   * (fingerprint, rule, severity, status, resource, summary) most urgent first, as many as fit
   * in a few tens of KB.
   */
  stormTrigger(group: FindingGroup): PagerDutyStormTrigger {
    const { findings, omitted } = stormLines(group.findings);
    const timestamp = earliestTime(group.findings, (f) => f.openedAt);
    const changedAt = earliestTime(group.findings, (f) => f.eventTime);
    return {
      routing_key: this.#routingKey,
      event_action: 'trigger',
      dedup_key: group.key,
      payload: {
        summary: truncateText(`${groupTitle(group)}: ${topRules(group.findings)}`, SUMMARY_MAX_CHARS),
        source: stormSource(group.findings),
        severity: SEVERITY[highestSeverity(group.findings)],
        ...(timestamp ? { timestamp } : {}),
        class: 'storm',
        custom_details: { cause: group.cause, ...(changedAt ? { changedAt } : {}), count: group.findings.length, findings, omitted },
      },
    };
  }

  /** Sends the event, or the events one after another; the first failure throws (resending is safe: all are keyed). */
  async send(payload: PagerDutyPayload): Promise<void> {
    for (const event of Array.isArray(payload) ? payload : [payload]) await this.sendOne(event);
  }

  private async sendOne(event: PagerDutyEvent): Promise<void> {
    const secrets = [this.#routingKey];
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(this.#timeoutMs),
        // A redirect would re-post the routing key elsewhere.
        redirect: 'error',
      });
    } catch (error) {
      // fetch's errors never see the body, where the routing key is: safe to keep as cause.
      const reason = requestFailureReason(error, this.#timeoutMs);
      throw new DeliveryError(redact(`${this.name}: ${reason}`, secrets), true, undefined, { cause: error });
    }
    const body = await response.text().catch(() => '');
    if (response.ok) return;
    throw httpDeliveryError(this.name, response.status, errorDetail(body), response.headers.get('retry-after'), secrets);
  }
}

/** Keeps a trigger under PagerDuty's size limit by rendering huge baseline/observed values as text. */
function fitEventSize(event: PagerDutyTrigger): PagerDutyTrigger {
  if (Buffer.byteLength(JSON.stringify(event)) <= EVENT_MAX_BYTES) return event;
  const details = event.payload.custom_details;
  return {
    ...event,
    payload: {
      ...event.payload,
      custom_details: {
        ...details,
        baseline: renderValue(details.baseline, OVERSIZE_VALUE_CHARS),
        observed: renderValue(details.observed, OVERSIZE_VALUE_CHARS),
      },
    },
  };
}

/** The findings of a storm as detail lines, most urgent first, as many as fit the byte budget. */
function stormLines(all: readonly Finding[]): { findings: PagerDutyStormLine[]; omitted: number } {
  const findings: PagerDutyStormLine[] = [];
  let bytes = 0;
  for (const finding of mostUrgentFirst(all)) {
    const line: PagerDutyStormLine = {
      fingerprint: finding.fingerprint,
      rule: finding.rule,
      severity: finding.severity,
      status: finding.status,
      resource: truncateText(finding.resource, STORM_TEXT_MAX_CHARS),
      summary: truncateText(finding.summary, STORM_TEXT_MAX_CHARS),
    };
    const size = Buffer.byteLength(JSON.stringify(line)) + 1;
    if (bytes + size > STORM_DETAILS_MAX_BYTES) break;
    findings.push(line);
    bytes += size;
  }
  return { findings, omitted: all.length - findings.length };
}

/** Where a storm happened: the findings' common source (`aws:1111…/eu-west-1`), else their common account, else `netdrift`. */
function stormSource(findings: readonly Finding[]): string {
  const sources = new Set(findings.map(findingSource));
  if (sources.size === 1) return [...sources][0] ?? 'netdrift';
  const accounts = new Set(findings.map((f) => `${f.cloud}:${f.account}`));
  return accounts.size === 1 ? ([...accounts][0] ?? 'netdrift') : 'netdrift';
}

/** The earliest of one time of the findings, as written; undefined when none can be read. */
function earliestTime(findings: readonly Finding[], timeOf: (finding: Finding) => string): string | undefined {
  let earliest: { time: number; text: string } | undefined;
  for (const finding of findings) {
    const text = timeOf(finding);
    const time = Date.parse(text);
    if (!Number.isNaN(time) && (!earliest || time < earliest.time)) earliest = { time, text };
  }
  return earliest?.text;
}
