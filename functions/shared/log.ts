import type { DeliveryOutcome } from '../../core/pipeline.js';

/**
 * One JSON line per log entry (CloudWatch Logs Insights, Cloud Logging and Application Insights
 * all read the fields). Callers pass no secrets: sink errors are already redacted by the sinks.
 */
export function log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
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
