import { DeliveryError, oneLine } from '../core/errors.js';
import type { RuleId } from '../core/finding.js';
import type { AlertSink, OutboxEntry, StateStore } from '../core/ports.js';
import { RateLimiter } from './rate-limiter.js';
import { deliveryUnits, type DeliveryUnit, type StormPolicy } from './storm.js';

/** One outbox entry that could not be delivered; unless rejected, it stays for a later pass. */
export interface DeliveryFailure {
  sink: string;
  fingerprint: string;
  rule: RuleId;
  /** One line, free of secrets. */
  error: string;
  retryable: boolean;
  retryAfterMs?: number;
}

/** What one pass over the outbox did. */
export interface DeliveryReport {
  /** Entries delivered (a storm message delivers all of its entries). */
  sent: number;
  failed: DeliveryFailure[];
  /** Entries not tried because an earlier one for the same finding and sink failed. */
  deferred: number;
  /** Storm messages sent. */
  groups: number;
}

/** The delivery policy written once around every sink (DESIGN.md, "Delivery semantics"). */
export interface RetryPolicy {
  /** Tries of one send within a pass. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A wait (backoff or Retry-After) longer than this ends the pass for the entry: it is retried later. */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 30_000, maxWaitMs: 30_000 };

export interface DeliverOptions {
  /** At most this many outbox entries in one pass. */
  limit?: number;
  retry?: RetryPolicy;
  storm?: StormPolicy;
  /** Which sinks get storms as one message (Slack and the like; PagerDuty only if configured). */
  groupsStorms?: (sink: string) => boolean;
  /** Rate limiters by sink, kept across passes (serve's loop, a warm function). */
  limiters?: Map<string, RateLimiter>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const DEFAULT_STORM: StormPolicy = { threshold: 10, windowMs: 300_000 };

/** Exponential backoff with jitter (half fixed, half random) for the n-th retry. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

type Sent = { ok: true } | { ok: false; error: DeliveryError; notBefore?: number };

/** Sends one payload with the retry policy: 429/5xx/network retried with backoff, Retry-After honoured, 4xx never. */
async function sendWithRetry(sink: AlertSink, payload: unknown, attemptsSoFar: number, o: Required<Pick<DeliverOptions, 'retry' | 'now' | 'sleep' | 'random'>>): Promise<Sent> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await sink.send(payload);
      return { ok: true };
    } catch (thrown) {
      // A sink that throws something other than DeliveryError has a bug: a retry will not fix it.
      const error = thrown instanceof DeliveryError ? thrown : new DeliveryError(oneLine(thrown), false);
      if (!error.retryable) return { ok: false, error };
      const wait = error.retryAfterMs ?? backoffMs(attemptsSoFar + attempt, o.retry, o.random);
      if (attempt >= o.retry.attempts || wait > o.retry.maxWaitMs) return { ok: false, error, notBefore: o.now() + wait };
      await o.sleep(wait);
    }
  }
}

async function deliverLane(store: StateStore, name: string, sink: AlertSink | undefined, units: readonly DeliveryUnit[], options: DeliverOptions) {
  const o = {
    retry: options.retry ?? DEFAULT_RETRY, now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))), random: options.random ?? Math.random,
  };
  const report: DeliveryReport = { sent: 0, failed: [], deferred: 0, groups: 0 };
  const blocked = new Set<string>();
  const limit = sink?.rateLimit;
  let limiter = options.limiters?.get(name);
  if (!limiter && limit) {
    limiter = new RateLimiter(limit.count, limit.intervalMs, o.now, o.sleep);
    options.limiters?.set(name, limiter);
  }
  for (const unit of units) {
    if (unit.entries.some((e) => blocked.has(e.finding.fingerprint))) {
      report.deferred += unit.entries.length;
      continue;
    }
    let result: Sent;
    if (!sink) {
      result = { ok: false, error: new DeliveryError(`unknown sink "${name}": not configured`, false) };
    } else {
      await limiter?.take();
      const payload = unit.group && sink.buildGroup ? sink.buildGroup(unit.group) : sink.build(unit.entries[0]!.finding);
      result = await sendWithRetry(sink, payload, Math.max(...unit.entries.map((e) => e.attempts)), o);
    }
    if (result.ok) {
      for (const entry of unit.entries) await store.outboxDelivered(entry.id);
      report.sent += unit.entries.length;
      if (unit.group) report.groups += 1;
      continue;
    }
    const { error, notBefore } = result;
    for (const entry of unit.entries) {
      await store.outboxFailed(entry.id, {
        error: oneLine(error), retryable: error.retryable,
        ...(notBefore !== undefined ? { notBefore: new Date(notBefore).toISOString() } : {}),
      });
      blocked.add(entry.finding.fingerprint);
      report.failed.push({
        sink: name, fingerprint: entry.finding.fingerprint, rule: entry.finding.rule, error: oneLine(error), retryable: error.retryable,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      });
    }
  }
  return report;
}

/**
 * Delivers the outbox entries that are due: sinks served concurrently, each sink's entries in order
 * (oldest first), storms as one message where the sink groups them, every send rate-limited per sink
 * and retried by the policy. A delivered entry leaves the outbox; a failed one stays, due again after
 * its backoff or Retry-After, or — rejected by the sink (a 400) — kept as `rejected` for
 * `netdrift outbox redrive`. After a failure the later entries of the same finding wait, so a resolve
 * never overtakes its trigger. An alert is never silently dropped.
 */
export async function deliverOutbox(store: StateStore, sinks: ReadonlyMap<string, AlertSink>, options: DeliverOptions = {}): Promise<DeliveryReport> {
  const now = options.now ?? Date.now;
  const pending = await store.pendingOutbox(options.limit, new Date(now()));
  const ordered = [...pending].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const lanes = new Map<string, OutboxEntry[]>();
  for (const entry of ordered) lanes.set(entry.sink, [...(lanes.get(entry.sink) ?? []), entry]);
  const settled = await Promise.allSettled([...lanes].map(([name, entries]) => {
    const units = deliveryUnits(entries, options.storm ?? DEFAULT_STORM, Boolean(sinks.get(name)?.buildGroup) && (options.groupsStorms?.(name) ?? true));
    return deliverLane(store, name, sinks.get(name), units, options);
  }));
  const report: DeliveryReport = { sent: 0, failed: [], deferred: 0, groups: 0 };
  for (const lane of settled) {
    if (lane.status === 'rejected') throw lane.reason;
    report.sent += lane.value.sent;
    report.failed.push(...lane.value.failed);
    report.deferred += lane.value.deferred;
    report.groups += lane.value.groups;
  }
  return report;
}
