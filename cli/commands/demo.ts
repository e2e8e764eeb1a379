import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotFileReader } from '../../adapters/local/snapshot-file-reader.js';
import { parseConfig } from '../../core/config.js';
import type { StateReader } from '../../core/ports.js';
import type { Cloud } from '../../core/resource.js';
import type { Finding } from '../../core/finding.js';
import { SnapshotSchema } from '../../core/snapshot.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import awsBaseline from '../demo/aws-baseline.json' with { type: 'json' };
import awsEvents from '../demo/aws-events.json' with { type: 'json' };
import azureBaseline from '../demo/azure-baseline.json' with { type: 'json' };
import azureEvents from '../demo/azure-events.json' with { type: 'json' };
import azureLive from '../demo/azure-live.json' with { type: 'json' };
import gcpBaseline from '../demo/gcp-baseline.json' with { type: 'json' };
import gcpEvents from '../demo/gcp-events.json' with { type: 'json' };
import { findingsTable } from '../finding-output.js';
import { detail, EXIT, warn, type CommandIO } from '../io.js';
import { createRuntime } from '../runtime.js';
import { parseCommand } from '../usage.js';

interface Demo {
  baseline: unknown;
  events: unknown[];
  /** What a live read returns, for clouds whose events carry no state (Azure). */
  live?: unknown;
}

const DEMOS: Demo[] = [
  { baseline: awsBaseline, events: awsEvents },
  { baseline: azureBaseline, events: azureEvents, live: azureLive },
  { baseline: gcpBaseline, events: gcpEvents },
];

/**
 * `netdrift demo` (what `npm start` runs): bundled baselines and events written by us, through
 * the real pipeline on embedded stores (baselines in a temporary folder, state in memory).
 */
export async function demoCommand(args: string[], io: CommandIO): Promise<number> {
  parseCommand(args, {});
  const dir = await mkdtemp(join(tmpdir(), 'netdrift-demo-'));
  const findings: Finding[] = [];
  const counts = { events: 0, ignored: 0, duplicate: 0 };
  try {
    const store = new FilesystemSnapshotStore(join(dir, 'baselines'));
    const readers: Partial<Record<Cloud, StateReader>> = {};
    for (const demo of DEMOS) {
      const snapshot = SnapshotSchema.parse(demo.baseline);
      await store.put(snapshot.scope, 'baseline', snapshot);
      if (!demo.live) continue;
      const live = SnapshotSchema.parse(demo.live);
      await new FilesystemSnapshotStore(join(dir, 'live', live.scope.cloud)).put(live.scope, 'baseline', live);
      readers[live.scope.cloud] = await SnapshotFileReader.open(join(dir, 'live', live.scope.cloud));
    }
    const runtime = await createRuntime({
      config: parseConfig({ baselines: join(dir, 'baselines') }), send: false, readers,
      warn: (line) => warn(io, line),
    });
    try {
      for (const demo of DEMOS) {
        for (const event of demo.events) {
          const outcome = await runtime.pipeline.handle(event);
          for (const record of outcome.records) {
            counts.events += 1;
            detail(io, `demo: ${record.eventId ?? 'event'}: ${record.status}${record.reason ? ` (${record.reason})` : ''}`);
            if (record.status === 'ignored') counts.ignored += 1;
            if (record.status === 'duplicate') counts.duplicate += 1;
            findings.push(...record.opened, ...record.resolved);
          }
        }
      }
    } finally {
      await runtime.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  io.stdout.write('netdrift demo: sample baselines and audit events, replayed through the pipeline\n\n');
  io.stdout.write(findingsTable(findings, io.colour?.stdout));
  io.stdout.write(`\n${counts.events} events: ${findings.filter((f) => f.status === 'open').length} findings opened, `
    + `${findings.filter((f) => f.status === 'resolved').length} resolved by a revert, `
    + `${counts.duplicate} duplicate deliveries skipped, ${counts.ignored} ignored (failed or unwatched calls)\n`);
  io.stdout.write('Next: `netdrift replay --baseline DIR PATH...` on your own events; see README.md.\n');
  return EXIT.ok;
}
