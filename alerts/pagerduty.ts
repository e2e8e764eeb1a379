import { z } from 'zod';
import type { Actor } from '../core/change.js';
import { DeliveryError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import type { AlertSink } from '../core/ports.js';
import type { Severity } from '../core/severity.js';
import { httpDeliveryError, quoteBody, redact, requestFailureReason } from './http-failure.js';
import { consoleLinkLabel, consoleUrl, findingSource, renderValue, truncateText } from './message.js';

/** PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
export const PAGERDUTY_DEFAULT_TIMEOUT_MS = 10_000;

/** PagerDuty's limits: a 1024-character summary, a 512 KB event. */
const SUMMARY_MAX_CHARS = 1024;
const EVENT_MAX_BYTES = 500_000;
/** How much of a value is kept when the raw values would make the event too large. */
const OVERSIZE_VALUE_CHARS = 20_000;

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
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: {
      baseline: unknown;
      observed: unknown;
      actor: Actor;
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

export type PagerDutyEvent = PagerDutyTrigger | PagerDutyResolve;

export interface PagerDutySinkOptions {
  /** The integration's routing key. A secret: it never appears in an error or a log line. */
  routingKey: string;
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
 */
export class PagerDutySink implements AlertSink<PagerDutyEvent> {
  readonly name: string;
  readonly #routingKey: string;
  readonly #url: string;
  readonly #timeoutMs: number;

  constructor(options: PagerDutySinkOptions) {
    this.name = options.name ?? 'pagerduty';
    this.#routingKey = options.routingKey;
    this.#url = options.url ?? PAGERDUTY_EVENTS_URL;
    this.#timeoutMs = options.timeoutMs ?? PAGERDUTY_DEFAULT_TIMEOUT_MS;
  }

  /** The Events API v2 body for a finding (pure). */
  build(finding: Finding): PagerDutyEvent {
    const routing_key = this.#routingKey;
    const dedup_key = finding.fingerprint;
    if (finding.status === 'resolved') return { routing_key, event_action: 'resolve', dedup_key };
    const url = consoleUrl(finding);
    const event: PagerDutyTrigger = {
      routing_key,
      event_action: 'trigger',
      dedup_key,
      payload: {
        summary: truncateText(`${finding.rule}: ${finding.summary}`, SUMMARY_MAX_CHARS),
        source: findingSource(finding),
        severity: SEVERITY[finding.severity],
        timestamp: finding.eventTime,
        component: finding.resource,
        group: finding.kind,
        class: finding.rule,
        custom_details: {
          baseline: finding.baseline ?? null,
          observed: finding.observed ?? null,
          actor: finding.actor,
          eventIds: finding.eventIds,
          hint: finding.hint,
          fingerprint: finding.fingerprint,
        },
      },
      ...(url ? { links: [{ href: url, text: consoleLinkLabel(finding.cloud) }] } : {}),
    };
    return fitEventSize(event);
  }

  async send(event: PagerDutyEvent): Promise<void> {
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
