import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import type { ChangeEvent } from '../../core/change.js';
import { Pipeline, type PipelineOptions } from '../../core/pipeline.js';
import type { Snapshot } from '../../core/snapshot.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';

/** A pipeline on the embedded stores: a baseline in a temporary folder, state in memory. */
export async function pipelineWith(baselines: Snapshot[], options: Partial<PipelineOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'netdrift-test-'));
  const snapshots = new FilesystemSnapshotStore(dir);
  for (const baseline of baselines) await snapshots.put(baseline.scope, 'baseline', baseline);
  const state = new SqliteStateStore(':memory:');
  const warnings: string[] = [];
  const pipeline = new Pipeline({
    adapters: [], snapshots, state, route: () => ['console'], warn: (line) => warnings.push(line), ...options,
  });
  return {
    pipeline, state, snapshots, warnings, dir,
    async close() {
      await state.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let sequence = 0;

/** A change event to the AWS demo account, with a fresh event id unless one is given. */
export function awsChange(fields: Partial<ChangeEvent> & Pick<ChangeEvent, 'kind' | 'id' | 'payload'>): ChangeEvent {
  sequence += 1;
  return {
    cloud: 'aws', account: '111122223333', region: 'eu-west-1', eventId: `evt-${sequence}`,
    operation: 'ec2:Test', time: '2026-11-26T10:00:00Z', actor: { principal: 'arn:aws:iam::111122223333:user/alice' },
    action: 'update', ...fields,
  };
}
