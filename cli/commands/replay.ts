import { loadConfig } from '../config-file.js';
import { ReplayProgress } from '../archive-progress.js';
import { listInputFiles, readDeliveries } from '../inputs.js';
import { findingRecord, findingsTable } from '../finding-output.js';
import { EXIT, type CommandIO } from '../io.js';
import { liveReaders, parseLiveReads } from '../live-readers.js';
import { createRuntime } from '../runtime.js';
import { oneOf, parseCommand, UsageError } from '../usage.js';
import type { Finding } from '../../core/finding.js';
import type { RecordOutcome } from '../../core/pipeline.js';

/** Where a record sits: the file (and element), then its index inside an envelope. */
function recordSource(source: string, record: RecordOutcome, records: number): string {
  if (record.index === undefined || records === 1 && record.index === 0) return source;
  return source.includes('#') ? `${source}.${record.index}` : `${source}#${record.index}`;
}

/**
 * `netdrift replay PATH...`: events in order through one pipeline with an embedded state
 * store, so a later revert resolves an earlier finding. Exit 0 when all input was understood,
 * 3 when some was rejected (the rest still processed), 1 when some failed, 2 on usage errors and
 * when netdrift is misconfigured for an account (an invalid baseline: one `error:` line names the
 * fix; its events are not marked processed, so a replay after the fix processes them).
 */
export async function replayCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    baseline: { type: 'string' }, observed: { type: 'string' }, state: { type: 'string' },
    format: { type: 'string' }, send: { type: 'boolean' }, 'live-reads': { type: 'string' },
  }, true);
  const format = oneOf('format', values.format, ['text', 'json'], 'text');
  if (positionals.length === 0) throw new UsageError('replay needs at least one PATH (a file or folder of events)');
  const config = await loadConfig(values.config, io.env);
  // Live reads for the clouds named; `--observed` stays the live state of the others.
  const readers = await liveReaders(parseLiveReads(values['live-reads']), io.env);
  const { files, missing } = await listInputFiles(positionals);
  if (missing.length > 0) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
  const warn = (line: string) => io.stderr.write(`warning: ${line}\n`);
  const error = (line: string) => io.stderr.write(`error: ${line}\n`);
  const runtime = await createRuntime({
    config, send: values.send ?? false, warn, error, stdout: io.stdout,
    ...(values.baseline ? { baselines: values.baseline } : {}),
    ...(values.state ? { stateFile: values.state } : {}),
    ...(values.observed ? { observed: values.observed } : {}), readers,
  });
  const counts = { events: 0, rejected: 0, failed: 0, misconfigured: 0, ignored: 0, duplicate: 0 };
  const findings: Finding[] = [];
  // Archives stream record by record; a progress line on a terminal only.
  const progress = new ReplayProgress(io.stderr);
  const done = { files: 0, totalFiles: files.length, records: 0, ignored: 0, findings: 0 };
  const tell = (line: string) => { progress.clear(); io.stderr.write(line); };
  try {
    for (const file of files) {
      for await (const batch of readDeliveries(file)) for (const item of batch) {
        done.records = counts.events; done.ignored = counts.ignored; done.findings = findings.length;
        progress.update(done);
        if ('ignored' in item) { counts.events += 1; counts.ignored += 1; continue; }
        if ('error' in item) {
          counts.rejected += 1;
          tell(`rejected ${item.source}: ${item.error}\n`);
          continue;
        }
        const outcome = await runtime.pipeline.handle(item.value);
        for (const record of outcome.records) {
          counts.events += 1;
          const where = recordSource(item.source, record, outcome.records.length);
          if (record.status === 'rejected') { counts.rejected += 1; tell(`rejected ${where}: ${record.reason}\n`); }
          if (record.status === 'failed') {
            counts.failed += 1;
            if (record.class === 'operator') counts.misconfigured += 1;
            tell(`failed ${where}: ${record.reason}\n`);
          }
          if (record.status === 'ignored') counts.ignored += 1;
          if (record.status === 'duplicate') counts.duplicate += 1;
          const changed = [...record.opened, ...record.resolved];
          findings.push(...changed);
          if (format === 'json') for (const f of changed) io.stdout.write(`${JSON.stringify(findingRecord(f))}\n`);
        }
      }
      done.files += 1;
    }
    progress.finish({ ...done, records: counts.events, ignored: counts.ignored, findings: findings.length });
    if (values.send) {
      const report = await runtime.deliver();
      for (const failure of report.failed) io.stderr.write(`alert not sent to ${failure.sink} (${failure.rule}): ${failure.error}\n`);
    }
  } finally {
    await runtime.close();
  }
  if (format === 'text') {
    io.stdout.write(findingsTable(findings));
    io.stdout.write(`${counts.events} events: ${findings.filter((f) => f.status === 'open').length} findings opened, `
      + `${findings.filter((f) => f.status === 'resolved').length} resolved, ${counts.ignored} ignored, `
      + `${counts.duplicate} duplicates, ${counts.rejected} rejected\n`);
  }
  if (counts.misconfigured > 0) return EXIT.usage;
  if (counts.failed > 0) return EXIT.failure;
  return counts.rejected > 0 ? EXIT.rejected : EXIT.ok;
}
