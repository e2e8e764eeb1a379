import type { DeliveryOutcome, RecordStatus } from '../../core/pipeline.js';

export type LogLevel = 'info' | 'warn' | 'error';

/** Where log entries go: one JSON line on the console unless a platform puts its own logger in. */
export type LogWriter = (level: LogLevel, message: string, fields: Record<string, unknown>) => void;

const consoleWriter: LogWriter = (level, message, fields) => {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
};

let writer: LogWriter = consoleWriter;

/**
 * Sends every log entry of this process to `next` (Lambda: Powertools' Logger, which adds the
 * request id and cold start). Called once, by a function's entry module, before its handler runs.
 */
export function useLogWriter(next: LogWriter): void {
  writer = next;
}

/**
 * One JSON line per log entry (CloudWatch Logs Insights, Cloud Logging and Application Insights
 * all read the fields). Callers pass no secrets: sink errors are already redacted by the sinks.
 */
export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  writer(level, message, fields);
}

/** The function's logger: the shared runtime takes one, so a platform may put its own in. */
export type Log = typeof log;

/** The same lines with Cloud Logging's `severity` field, which sets each entry's level (https://cloud.google.com/logging/docs/structured-logging). */
export const cloudLoggingLog: Log = (level, message, fields = {}) => log(level, message, { severity: level.toUpperCase(), ...fields });

/** What a delivery became, counted. */
export interface DeliveryTotals {
  opened: number;
  resolved: number;
  rejected: number;
}

/** Counts what a delivery opened, resolved and rejected. */
export function totalsOf(outcomes: readonly DeliveryOutcome[]): DeliveryTotals {
  const totals: DeliveryTotals = { opened: 0, resolved: 0, rejected: 0 };
  for (const outcome of outcomes) {
    for (const r of outcome.records) {
      totals.opened += r.opened.length;
      totals.resolved += r.resolved.length;
      if (r.status === 'rejected') totals.rejected += 1;
    }
  }
  return totals;
}

/**
 * Logs what a delivery became; true when part of it should be retried: transient and operator
 * errors and bugs (the pipeline has logged an operator error's fix and a bug's stack), never bad input.
 */
export function reportOutcome(outcome: DeliveryOutcome, where: string, logger: Log = log): boolean {
  const log = logger;
  for (const record of outcome.records) {
    if (record.status === 'rejected') log('warn', `rejected ${where}: ${record.reason}`);
    if (record.status === 'failed') log('error', `failed ${where}: ${record.reason}`, { eventId: record.eventId, class: record.class });
    for (const f of [...record.opened, ...record.resolved]) log('info', `${f.status} ${f.rule}`, { severity: f.severity, resource: f.resource, fingerprint: f.fingerprint, eventId: f.eventId });
  }
  return outcome.records.some((r) => r.status === 'failed');
}

/** How one delivery went, for its log line. */
export interface DeliveryContext {
  /** What the platform called it: `EventBridge event <id>`, `SQS message <id>`, `Event Grid delivery`. */
  source: string;
  /** The platform's id of this invocation (Lambda's is added by Powertools; Azure's invocation id; GCP's execution id). */
  requestId?: string;
  durationMs: number;
}

/**
 * The one line a delivery gets, whatever became of it: the adapter that read it, how many audit
 * records it held, what each became (`applied`, `duplicate`, `stale`, ...), findings opened and
 * resolved, and how long it took. Counts only: no payload, no secret.
 */
export function logDelivery(outcome: DeliveryOutcome, context: DeliveryContext, logger: Log = log): void {
  const outcomes: Partial<Record<RecordStatus, number>> = {};
  let opened = 0;
  let resolved = 0;
  for (const record of outcome.records) {
    outcomes[record.status] = (outcomes[record.status] ?? 0) + 1;
    opened += record.opened.length;
    resolved += record.resolved.length;
  }
  logger(outcome.records.some((r) => r.status === 'failed') ? 'warn' : 'info', 'delivery', {
    source: context.source, ...(outcome.adapter ? { adapter: outcome.adapter } : {}), records: outcome.records.length, outcomes, opened, resolved,
    durationMs: Math.round(context.durationMs), ...(context.requestId ? { requestId: context.requestId } : {}),
  });
}
