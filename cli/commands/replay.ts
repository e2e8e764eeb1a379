import { stat } from 'node:fs/promises';
import { loadConfig } from '../config-file.js';
import { ReplayProgress } from '../archive-progress.js';
import { listInputFiles, readFiles } from '../inputs.js';
import { findingRecord, findingsTable } from '../finding-output.js';
import { detail as verboseDetail, EXIT, progressStream, warn as warnLine, type CommandIO } from '../io.js';
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
 * The folder baselines are read from must exist: a mistyped one would give "no findings" for every
 * event, which reads as "no drift".
 */
async function checkBaselines(given: string | undefined, configured: string): Promise<void> {
  const folder = given ?? configured;
  const info = await stat(folder).catch(() => undefined);
  if (info?.isDirectory()) return;
  const what = info ? 'not a folder' : 'no such folder';
  if (given !== undefined) throw new UsageError(`--baseline ${folder}: ${what} (give the folder of approved baselines, <cloud>/<account>.json)`);
  throw new UsageError(`baselines folder ${folder}: ${what} (give --baseline DIR, or set NETDRIFT_BASELINES or baselines in the config)`);
}

/** What a replay counts, for its summary line. */
interface ReplayCounts {
  events: number; rejected: number; failed: number; misconfigured: number;
  unwatched: number; failedCalls: number; duplicate: number; stale: number;
}

function summaryLine(counts: ReplayCounts, findings: readonly Finding[]): string {
  return `${counts.events} events: ${findings.filter((f) => f.status === 'open').length} findings opened, `
    + `${findings.filter((f) => f.status === 'resolved').length} resolved, ${counts.unwatched} ignored (not watched), `
    + `${counts.failedCalls} ignored (failed calls), ${counts.duplicate} duplicates, ${counts.stale} stale, ${counts.rejected} rejected\n`;
}

/**
 * `netdrift replay PATH...`: events in order through one pipeline with an embedded state
 * store, so a later revert resolves an earlier finding. Exit 0 when all input was understood,
 * 3 when some was rejected (the rest still processed), 1 when some failed or an alert could not be
 * sent, 2 on usage and setup errors (a missing baselines folder, `--send` with no sink) and when
 * netdrift is misconfigured for an account (an invalid baseline: one `error:` line names the fix;
 * its events are not marked processed, so a replay after the fix processes them).
 * `--verbose` names each record dropped as a duplicate or as stale.
 */
export async function replayCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    baseline: { type: 'string' }, observed: { type: 'string' }, state: { type: 'string' },
    format: { type: 'string' }, send: { type: 'boolean' }, 'live-reads': { type: 'string' },
  }, true);
  const format = oneOf('format', values.format, ['text', 'json'], 'text');
  if (positionals.length === 0) throw new UsageError('replay needs at least one PATH (a file or folder of events)');
  const config = await loadConfig(values.config, io.env);
  const liveReads = parseLiveReads(values['live-reads']);
  const { files, missing } = await listInputFiles(positionals);
  if (missing.length > 0) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
  await checkBaselines(values.baseline, config.baselines);
  if (values.send && Object.keys(config.sinks).length === 0) {
    throw new UsageError('--send: no sink configured (set NETDRIFT_SLACK_WEBHOOK_URL or NETDRIFT_PAGERDUTY_ROUTING_KEY, or sinks in the config file)');
  }
  // Live reads for the clouds named; `--observed` stays the live state of the others.
  const readers = await liveReaders(liveReads, io.env);
  const warn = (line: string) => warnLine(io, line);
  const error = (line: string) => io.stderr.write(`error: ${line}\n`);
  const runtime = await createRuntime({
    config, send: values.send ?? false, warn, error, stdout: io.stdout,
    ...(values.baseline ? { baselines: values.baseline } : {}),
    ...(values.state ? { stateFile: values.state } : {}),
    ...(values.observed ? { observed: values.observed } : {}), readers,
  });
  const counts: ReplayCounts = { events: 0, rejected: 0, failed: 0, misconfigured: 0, unwatched: 0, failedCalls: 0, duplicate: 0, stale: 0 };
  const findings: Finding[] = [];
  let sendFailures = 0;
  // Archives stream record by record; a progress line on a terminal only.
  const progress = new ReplayProgress(progressStream(io));
  const done = { files: 0, totalFiles: files.length, records: 0, ignored: 0, findings: 0 };
  const tell = (line: string) => { progress.clear(); io.stderr.write(line); };
  const detail = (line: string) => { if (io.verbose) { progress.clear(); verboseDetail(io, line); } };
  try {
    for await (const { batches } of readFiles(files)) {
      for await (const batch of batches) for (const item of batch) {
        done.records = counts.events; done.ignored = counts.unwatched + counts.failedCalls; done.findings = findings.length;
        progress.update(done);
        if ('ignored' in item) { counts.events += item.ignored; counts.unwatched += item.ignored; continue; }
        if ('error' in item) {
          counts.rejected += 1;
          tell(`rejected ${item.source}: ${item.error}\n`);
          continue;
        }
        const outcome = await runtime.pipeline.handle(item.value);
        for (const record of outcome.records) {
          counts.events += 1;
          const where = recordSource(item.source, record, outcome.records.length);
          const event = record.eventId ? `event ${record.eventId}` : 'event';
          if (record.status === 'rejected') { counts.rejected += 1; tell(`rejected ${where}: ${record.reason}\n`); }
          if (record.status === 'failed') {
            counts.failed += 1;
            if (record.class === 'operator') counts.misconfigured += 1;
            tell(`failed ${where}: ${record.reason}\n`);
          }
          if (record.status === 'ignored') {
            // A later log entry of an operation already acted on is a duplicate too (DESIGN.md, GCP's operations).
            if (record.reason?.startsWith('duplicate')) { counts.duplicate += 1; detail(`duplicate ${where}: ${record.reason}`); }
            else if (record.reason?.startsWith('failed-call')) counts.failedCalls += 1;
            else counts.unwatched += 1;
          }
          if (record.status === 'duplicate') { counts.duplicate += 1; detail(`duplicate ${where}: ${event} already processed`); }
          if (record.status === 'stale') {
            counts.stale += 1;
            detail(`stale ${where}: ${event} is older than the state it would change: not applied`);
          }
          const changed = [...record.opened, ...record.resolved];
          findings.push(...changed);
          if (format === 'json') for (const f of changed) io.stdout.write(`${JSON.stringify(findingRecord(f))}\n`);
        }
      }
      done.files += 1;
    }
    progress.finish({ ...done, records: counts.events, ignored: counts.unwatched + counts.failedCalls, findings: findings.length });
    if (values.send) {
      const report = await runtime.deliver();
      sendFailures = report.failed.length;
      for (const failure of report.failed) io.stderr.write(`alert not sent to ${failure.sink} (${failure.rule}): ${failure.error}\n`);
    }
  } finally {
    await runtime.close();
  }
  if (format === 'text') {
    io.stdout.write(findingsTable(findings));
    io.stdout.write(summaryLine(counts, findings));
  }
  if (counts.misconfigured > 0) return EXIT.usage;
  if (counts.failed > 0 || sendFailures > 0) return EXIT.failure;
  return counts.rejected > 0 ? EXIT.rejected : EXIT.ok;
}
