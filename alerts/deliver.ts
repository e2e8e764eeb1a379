import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DeliveryError, oneLine } from '../core/errors.js';
import type { Finding, RuleId } from '../core/finding.js';
import type { Severity } from '../core/severity.js';
import type { RateLimit } from '../core/leases.js';
import type { AlertSink, OutboxEntry, StateStore } from '../core/ports.js';
import { SharedRateLimits } from './rate-limiter.js';
import { deliveryUnits, type DeliveryUnit, type StormPolicy } from './storm.js';

/** One outbox entry whose send failed; unless rejected, it stays for a later pass. */
export interface DeliveryFailure {
  sink: string;
  fingerprint: string;
  rule: RuleId;
  /** One line, free of secrets. */
  error: string;
  /** False when the entry is now `rejected` (listed, redrivable). */
  retryable: boolean;
  retryAfterMs?: number;
}

/** One message a sink took: a finding's alert, or a storm's message naming many. */
export interface DeliveredAlert {
  sink: string;
  rule: RuleId;
  /** The (first) finding's: a storm message names its first member. */
  fingerprint: string;
  severity: Severity;
  status: Finding['status'];
  /** How many findings the message carried (more than one: a storm). */
  findings: number;
}

/** What one pass over the outbox did. */
export interface DeliveryReport {
  /** Entries delivered (a storm message delivers all of its entries). */
  sent: number;
  /** Each message sent, for its log line. */
  delivered: DeliveredAlert[];
  failed: DeliveryFailure[];
  /** Entries not tried because an earlier one for the same finding and sink failed. */
  deferred: number;
  /** Storm messages sent. */
  groups: number;
  /** Entries left for a later pass unsent: their sink's rate limit is used up, or it is failing right now. */
  waiting: number;
}

/** The delivery policy written once around every sink (DESIGN.md, "Delivery semantics"). */
export interface RetryPolicy {
  /** Backoff before the next try of a failed entry, doubling per attempt up to `maxDelayMs` (with jitter). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Tries of an entry whose building or sending throws a bug (not the sink's own failure); then it is rejected. */
  maxAttempts: number;
  /** Tries of an entry the sink keeps failing (429, 5xx, timeouts); then it is rejected, listed and redrivable. */
  maxTransientAttempts: number;
  /** `drain` stops when the next entry is due later than this. */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 300_000, maxAttempts: 5, maxTransientAttempts: 50, maxWaitMs: 30_000 };

export interface DeliverOptions {
  /**
   * At most this many outbox entries leased by one sink's lane in one pass: small, so that a pass
   * inside an event's invocation stays short whatever waits in the outbox (default 20).
   */
  limit?: number;
  /** The same for a lane whose sink sends storms as one message: the storm's entries go together (default 500). */
  groupLimit?: number;
  retry?: RetryPolicy;
  storm?: StormPolicy;
  /** Which sinks get storms as one message (Slack and the like; PagerDuty only if configured). */
  groupsStorms?: (sink: string) => boolean;
  /** Rate limits that replace the sinks' own, by sink name. */
  rateLimits?: Readonly<Record<string, RateLimit>>;
  /** How long a lane holds the entries it leased; it gives back what it has not sent by half of it. */
  leaseMs?: number;
  /** Longest wait for one send, whatever the sink's own timeout. */
  sendTimeoutMs?: number;
  now?: () => number;
  random?: () => number;
}

const DEFAULT_STORM: StormPolicy = { threshold: 10, windowMs: 300_000 };
const DEFAULT_LIMIT = 20;
const DEFAULT_GROUP_LIMIT = 500;
const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_SEND_TIMEOUT_MS = 15_000;
/** Time kept at the end of a lease for settling the entry after its send. */
const LEASE_MARGIN_MS = 5_000;

/** The lane of entries whose sink is not configured (renamed or removed): each is rejected, naming it. */
export const UNKNOWN_SINKS = '*';

/** Exponential backoff with jitter (half fixed, half random) for the n-th retry. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export function emptyReport(): DeliveryReport {
  return { sent: 0, delivered: [], failed: [], deferred: 0, groups: 0, waiting: 0 };
}

export function addReport(total: DeliveryReport, part: DeliveryReport): DeliveryReport {
  total.sent += part.sent;
  total.delivered.push(...part.delivered);
  total.failed.push(...part.failed);
  total.deferred += part.deferred;
  total.groups += part.groups;
  total.waiting += part.waiting;
  return total;
}

type Attempt = { ok: true } | { ok: false; error: DeliveryError; bug: boolean };

function withTimeout(send: Promise<void>, ms: number, sink: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryError(`${sink}: timed out after ${ms} ms`, true)), ms);
    timer.unref();
  });
  return Promise.race([send, timeout]).finally(() => clearTimeout(timer));
}

/** Builds and sends one unit; whatever either throws fails this unit only. */
async function attempt(sink: AlertSink, unit: DeliveryUnit, timeoutMs: number): Promise<Attempt> {
  let payload: unknown;
  try {
    payload = unit.group && sink.buildGroup ? sink.buildGroup(unit.group) : sink.build((unit.entries[0] as OutboxEntry).finding);
  } catch (error) {
    return { ok: false, error: new DeliveryError(`${sink.name}: building the alert failed: ${oneLine(error)}`, true), bug: true };
  }
  try {
    await withTimeout(sink.send(payload), timeoutMs, sink.name);
    return { ok: true };
  } catch (thrown) {
    if (thrown instanceof DeliveryError) return { ok: false, error: thrown, bug: false };
    return { ok: false, error: new DeliveryError(`${sink.name}: ${oneLine(thrown)}`, true), bug: true };
  }
}

/** One pass of one lane's settings, resolved. */
interface Lane {
  store: StateStore;
  owner: string;
  options: DeliverOptions;
  retry: RetryPolicy;
  now: () => number;
  report: DeliveryReport;
}

/** Records a failed unit on each of its entries; gives when the entries may be tried again (absent: rejected). */
async function settleFailure(lane: Lane, name: string, unit: DeliveryUnit, result: Extract<Attempt, { ok: false }>): Promise<number | undefined> {
  const { error, bug } = result;
  const now = lane.now();
  let due: number | undefined;
  for (const entry of unit.entries) {
    const attempts = entry.attempts + 1;
    const exhausted = error.retryable && attempts >= (bug ? lane.retry.maxAttempts : lane.retry.maxTransientAttempts);
    const retryable = error.retryable && !exhausted;
    const text = exhausted ? `${oneLine(error)} (rejected after ${attempts} attempts)` : oneLine(error);
    const notBefore = retryable ? now + (error.retryAfterMs ?? backoffMs(attempts, lane.retry, lane.options.random ?? Math.random)) : undefined;
    await lane.store.outboxFailed(entry.id, {
      error: text, retryable, ...(notBefore === undefined ? {} : { notBefore: new Date(notBefore).toISOString() }),
    }, lane.owner);
    if (notBefore !== undefined) due = Math.max(due ?? 0, notBefore);
    lane.report.failed.push({
      sink: name, fingerprint: entry.finding.fingerprint, rule: entry.finding.rule, error: text, retryable,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  }
  return due;
}

async function release(lane: Lane, unit: DeliveryUnit, at: number | undefined): Promise<void> {
  const notBefore = at === undefined || at <= lane.now() ? undefined : new Date(at).toISOString();
  for (const entry of unit.entries) await lane.store.outboxReleased(entry.id, lane.owner, notBefore);
}

/**
 * One pass of one sink's lane: leases its due entries, then sends them in order (storms as one
 * message where the sink groups them), each after taking a slot of the sink's shared rate limit.
 * It never waits: when the limit is used up, or the sink fails in a way that says "not now" (429,
 * 5xx, a timeout), the rest are given back, due when the sink may take them. A failure fails its
 * own entries only (backoff, or `rejected` after bounded attempts), and the later entries of the
 * same finding wait for it, so a resolve never overtakes its trigger.
 */
export async function deliverLane(
  store: StateStore, sinks: ReadonlyMap<string, AlertSink>, name: string, options: DeliverOptions = {},
): Promise<DeliveryReport> {
  const lane = laneOf(store, options, deliveryOwner());
  const started = lane.now();
  const scope = name === UNKNOWN_SINKS ? { exceptSinks: [...sinks.keys()] } : { sink: name };
  const sink = sinks.get(name);
  const grouped = Boolean(sink?.buildGroup) && (options.groupsStorms?.(name) ?? true);
  const limit = grouped ? options.groupLimit ?? DEFAULT_GROUP_LIMIT : options.limit ?? DEFAULT_LIMIT;
  const leased = await store.leaseOutbox(limit, { leaseMs: lane.leaseMs, owner: lane.owner, now: new Date(started), ...scope });
  await sendLeased(lane, sink, name, leased, started);
  return lane.report;
}

/** A name for one worker's leases: the host, the process and a random part. */
export function deliveryOwner(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

/** How long a lane's lease holds with these options (the lease a commit must take for `deliverLeased`). */
export function leaseMsOf(options: DeliverOptions): number {
  return options.leaseMs ?? DEFAULT_LEASE_MS;
}

function laneOf(store: StateStore, options: DeliverOptions, owner: string): Lane & { leaseMs: number } {
  return {
    store, options, owner, now: options.now ?? Date.now, retry: options.retry ?? DEFAULT_RETRY, report: emptyReport(),
    leaseMs: leaseMsOf(options),
  };
}

/**
 * Sends entries a commit leased to `owner` (`StateStore.commitLeasing`), each sink's apart as
 * `deliverLane` sends what it leased — but without the lease, so without reading the outbox: an
 * event's invocation sends its own alerts at the cost of the sends. What cannot go now is given
 * back as `deliverLane` gives it back; what a crash leaves is due again when the lease ends.
 * `options.leaseMs` must be the lease the commit took.
 */
export async function deliverLeased(
  store: StateStore, sinks: ReadonlyMap<string, AlertSink>, entries: readonly OutboxEntry[], owner: string, options: DeliverOptions = {},
): Promise<DeliveryReport> {
  const bySink = new Map<string, OutboxEntry[]>();
  for (const entry of entries) {
    const name = sinks.has(entry.sink) ? entry.sink : UNKNOWN_SINKS;
    bySink.set(name, [...(bySink.get(name) ?? []), entry]);
  }
  const settled = await Promise.allSettled([...bySink].map(async ([name, leased]) => {
    const lane = laneOf(store, options, owner);
    // The lease began when the commit took it: its end is what every send must finish well inside.
    const ends = leased.flatMap((e) => (e.nextAttemptAt === undefined ? [] : [Date.parse(e.nextAttemptAt)]));
    const started = ends.length > 0 ? Math.min(...ends) - lane.leaseMs : lane.now();
    const sink = sinks.get(name);
    await sendLeased(lane, sink, name, leased, started);
    return lane.report;
  }));
  const report = emptyReport();
  for (const lane of settled) {
    if (lane.status === 'rejected') throw lane.reason;
    addReport(report, lane.value);
  }
  return report;
}

/** The sending half of a lane's pass, over entries `lane.owner` holds the lease of since `started`. */
async function sendLeased(lane: Lane & { leaseMs: number }, sink: AlertSink | undefined, name: string, leased: readonly OutboxEntry[], started: number): Promise<void> {
  const { options, now, leaseMs, store } = lane;
  const sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const grouped = Boolean(sink?.buildGroup) && (options.groupsStorms?.(name) ?? true);
  if (!sink) {
    const unknown = { ok: false as const, bug: false };
    for (const entry of leased) {
      await settleFailure(lane, entry.sink, { entries: [entry] }, { ...unknown, error: new DeliveryError(`unknown sink "${entry.sink}": not configured`, false) });
    }
    return;
  }
  const limits = new SharedRateLimits(store, options.rateLimits);
  const units = deliveryUnits([...leased], options.storm ?? DEFAULT_STORM, grouped);
  const waitingOn = new Map<string, number | undefined>();
  let pausedUntil: number | undefined;
  let paused = false;
  for (const unit of units) {
    // Entries still unsent at half the lease go back, well before another worker may take them.
    if (!paused && now() - started > leaseMs / 2) paused = true;
    if (paused) {
      await release(lane, unit, pausedUntil);
      lane.report.waiting += unit.entries.length;
      continue;
    }
    const behind = unit.entries.find((e) => waitingOn.has(e.finding.fingerprint));
    if (behind) {
      await release(lane, unit, waitingOn.get(behind.finding.fingerprint));
      lane.report.deferred += unit.entries.length;
      continue;
    }
    const retryAt = await limits.take(sink, now());
    // A send must end well inside the lease, or another worker may take the entry and send it too.
    const late = now() + sendTimeoutMs + Math.min(LEASE_MARGIN_MS, leaseMs / 10) > started + leaseMs;
    if (retryAt !== undefined || late) {
      [paused, pausedUntil] = [true, retryAt];
      await release(lane, unit, retryAt);
      lane.report.waiting += unit.entries.length;
      continue;
    }
    const result = await attempt(sink, unit, sendTimeoutMs);
    if (result.ok) {
      await store.outboxDelivered(unit.entries.map((entry) => entry.id), lane.owner);
      lane.report.sent += unit.entries.length;
      if (unit.group) lane.report.groups += 1;
      const [first] = unit.entries;
      if (first) {
        const { rule, fingerprint, severity, status } = first.finding;
        lane.report.delivered.push({ sink: name, rule, fingerprint, severity, status, findings: unit.entries.length });
      }
      continue;
    }
    const due = await settleFailure(lane, name, unit, result);
    for (const entry of unit.entries) waitingOn.set(entry.finding.fingerprint, due);
    // The sink said "not now" (429, 5xx, a timeout): the rest wait a moment, or as long as it asked.
    if (result.error.retryable && !result.bug) {
      [paused, pausedUntil] = [true, now() + (result.error.retryAfterMs ?? lane.retry.baseDelayMs)];
    }
  }
}

/** The lanes of a pass: one per configured sink, and one for entries no configured sink takes. */
export function laneNames(sinks: ReadonlyMap<string, AlertSink>): string[] {
  return [...sinks.keys(), UNKNOWN_SINKS];
}

/**
 * One pass over the outbox, without waiting for anything but the sends themselves: every sink's
 * lane at once (a hung Slack never holds PagerDuty back), each as `deliverLane` says. Delivered
 * entries leave the outbox; what cannot go now stays, due later, for the next pass (the next
 * invocation, `serve`'s loop, `drain`). An alert is never silently dropped. A store failure in a
 * lane is thrown once every lane has finished.
 */
export async function deliverOutbox(store: StateStore, sinks: ReadonlyMap<string, AlertSink>, options: DeliverOptions = {}): Promise<DeliveryReport> {
  const settled = await Promise.allSettled(laneNames(sinks).map((name) => deliverLane(store, sinks, name, options)));
  const report = emptyReport();
  for (const lane of settled) {
    if (lane.status === 'rejected') throw lane.reason;
    addReport(report, lane.value);
  }
  return report;
}
