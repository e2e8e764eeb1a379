import { randomUUID } from 'node:crypto';
import type { DeliveryOutcome } from '../core/pipeline.js';
import { logDelivery, type LogLevel } from '../functions/shared/log.js';
import type { DeliveryReport } from '../alerts/deliver.js';
import type { CommandIO } from './io.js';

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * What `serve` writes on stderr. `text` (the default) is for a person: one line per event worth
 * reading (startup, refusals, failures), and with `--verbose` a line per delivery and per alert
 * sent. `json` is for a log pipeline (`--log-format json`, NETDRIFT_LOG_FORMAT): every line one
 * JSON object with `level`, `time` and `message`, a line per delivery (adapter, records, outcome
 * counts, duration, request id) and per alert sent or not sent. Neither ever holds a secret: the
 * fields are counts, ids and one-line reasons the sinks have already redacted.
 */
export class ServeLog {
  constructor(private readonly io: CommandIO, readonly format: LogFormat) {}

  /** A line of serve's own (`warning: …` and `error: …` set the level in JSON). */
  line(text: string): void {
    const level: LogLevel = text.startsWith('error') ? 'error' : text.startsWith('warning: ') ? 'warn' : 'info';
    // --quiet: errors only (a supervisor still reads why serve stopped).
    if (this.io.quiet && level !== 'error') return;
    if (this.format === 'text') {
      this.io.stderr.write(`${text}\n`);
      return;
    }
    this.write(level, level === 'warn' ? text.slice('warning: '.length) : text, {});
  }

  /** One line per delivery: always in JSON, with `--verbose` in text. */
  delivery(outcome: DeliveryOutcome, source: string, durationMs: number): void {
    if (this.io.quiet) return;
    // A quiet text log prints only a failed delivery: nothing to count (or name) on the hot path otherwise.
    if (this.format === 'text' && !this.io.verbose && !outcome.records.some((r) => r.status === 'failed')) return;
    logDelivery(outcome, { source, requestId: randomUUID(), durationMs }, (level, message, fields = {}) => {
      if (this.format === 'json') this.write(level, message, fields);
      else if (this.io.verbose || level !== 'info') this.io.stderr.write(`${message}: ${describe(fields)}\n`);
    });
  }

  /** What an outbox pass sent and could not send: failures always, sends in JSON or with `--verbose`. */
  alerts(report: DeliveryReport): void {
    for (const sent of report.delivered) {
      if (this.format === 'json') this.write('info', `alert sent to ${sent.sink}`, { ...sent });
      else if (this.io.verbose) this.io.stderr.write(`alert sent to ${sent.sink}: ${sent.status} ${sent.rule} ${sent.fingerprint}${sent.findings > 1 ? ` (${sent.findings} findings)` : ''}\n`);
    }
    for (const f of report.failed) {
      if (this.format === 'json') this.write('warn', `alert not sent to ${f.sink}`, { rule: f.rule, fingerprint: f.fingerprint, error: f.error, retryable: f.retryable });
      else this.io.stderr.write(`alert not sent to ${f.sink} (${f.rule}): ${f.error}\n`);
    }
  }

  private write(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    this.io.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), message, ...fields })}\n`);
  }
}

/** `adapter=aws-eventbridge records=1 applied=1 opened=1 resolved=0 12 ms`. */
function describe(fields: Record<string, unknown>): string {
  const { outcomes, durationMs, requestId: _id, source, ...rest } = fields;
  const counts = Object.entries((outcomes ?? {}) as Record<string, number>).map(([status, n]) => `${status}=${n}`);
  const pairs = Object.entries(rest).map(([key, value]) => `${key}=${String(value)}`);
  return [String(source), ...pairs, ...counts, `${String(durationMs)} ms`].join(' ');
}
