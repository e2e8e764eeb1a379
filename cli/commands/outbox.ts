import { outboxDeliverer, sinksFromConfig } from '../../alerts/sinks.js';
import type { OutboxEntry } from '../../core/ports.js';
import { shortName } from '../../core/rules/context.js';
import { loadConfig } from '../config-file.js';
import { EXIT, type CommandIO } from '../io.js';
import { openStateFile, stateSource } from '../runtime.js';
import { oneOf, parseCommand, UsageError } from '../usage.js';

function entryRecord(entry: OutboxEntry): Record<string, unknown> {
  return {
    id: entry.id, sink: entry.sink, state: entry.state, attempts: entry.attempts, createdAt: entry.createdAt,
    ...(entry.nextAttemptAt ? { nextAttemptAt: entry.nextAttemptAt } : {}), ...(entry.lastError ? { lastError: entry.lastError } : {}),
    ...(entry.leasedBy ? { leasedBy: entry.leasedBy } : {}),
    status: entry.finding.status, rule: entry.finding.rule, severity: entry.finding.severity, resource: entry.finding.resource, fingerprint: entry.finding.fingerprint,
  };
}

/**
 * `netdrift outbox list|redrive`: the alerts waiting in the state file's outbox. `redrive` makes
 * rejected entries (or the given `--id`s) pending again and delivers everything due.
 */
export async function outboxCommand(args: string[], io: CommandIO): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'list' && action !== 'redrive') throw new UsageError(`outbox: expected list or redrive${action ? `, got "${action}"` : ''}`, { help: true });
  const { values } = parseCommand(rest, { state: { type: 'string' }, format: { type: 'string' }, rejected: { type: 'boolean' }, id: { type: 'string', multiple: true } });
  const format = oneOf('format', values.format, ['text', 'json'], 'text');
  const config = await loadConfig(values.config, io.env);
  const store = openStateFile(values.state ?? config.state, stateSource(values.state, io.env), { readonly: action === 'list' });
  try {
    if (action === 'list') {
      const entries = await store.listOutbox(values.rejected ? { state: 'rejected' } : undefined);
      if (format === 'json') for (const e of entries) io.stdout.write(`${JSON.stringify(entryRecord(e))}\n`);
      else {
        for (const e of entries) {
          io.stdout.write(`${e.state.padEnd(8)} ${e.sink.padEnd(12)} ${e.finding.status.padEnd(8)} ${e.finding.rule.padEnd(30)} ${shortName(e.finding.resource)}`
            + `  attempts ${e.attempts}${e.lastError ? `  last error: ${e.lastError}` : ''}`
            + `${e.leasedBy && Date.parse(e.nextAttemptAt ?? '') > Date.now() ? `  being sent by ${e.leasedBy} until ${e.nextAttemptAt}` : ''}\n`);
        }
        io.stdout.write(`${entries.length} outbox entries\n`);
      }
      return EXIT.ok;
    }
    const requeued = await store.redriveOutbox(values.id);
    const report = await outboxDeliverer(store, sinksFromConfig(config, { stdout: io.stdout }), config)();
    for (const failure of report.failed) io.stderr.write(`alert not sent to ${failure.sink} (${failure.rule}): ${failure.error}\n`);
    io.stdout.write(`${requeued} entries redriven; ${report.sent} alerts sent, ${report.failed.length} failed\n`);
    return report.failed.length > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    await store.close();
  }
}
