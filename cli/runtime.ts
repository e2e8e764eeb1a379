import { allAdapters } from '../adapters/index.js';
import { SnapshotFileReader } from '../adapters/local/snapshot-file-reader.js';
import { SqliteStateStore } from '../adapters/local/sqlite-state-store.js';
import type { DeliveryReport } from '../alerts/deliver.js';
import { outboxDeliverer, sinksFromConfig } from '../alerts/sinks.js';
import { alertPolicy } from '../core/routing.js';
import type { Config } from '../core/config.js';
import { Pipeline } from '../core/pipeline.js';
import type { AlertSink, SnapshotStore, StateReader, StateStore } from '../core/ports.js';
import type { Cloud } from '../core/resource.js';
import { baselineApprovalCheck } from '../snapshots/approval.js';
import { FilesystemSnapshotStore } from '../snapshots/fs-store.js';

/** The pipeline and what it runs on, wired from config for one CLI command. */
export interface Runtime {
  pipeline: Pipeline;
  state: StateStore;
  snapshots: SnapshotStore;
  sinks: ReadonlyMap<string, AlertSink>;
  /** Sends what waits in the outbox to the sinks. */
  deliver(): Promise<DeliveryReport>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  /** Baselines folder (default: the config's). */
  baselines?: string;
  /** SQLite file (default: an in-memory store, gone when the command ends). */
  stateFile?: string;
  /** A folder of snapshot files read as live state (replay `--observed`), for every cloud. */
  observed?: string;
  /** Live state per cloud. */
  readers?: Partial<Record<Cloud, StateReader>>;
  /** Route findings to the configured sinks (otherwise nothing is queued to send). */
  send: boolean;
  warn: (line: string) => void;
  /** Operator errors (one line naming the fix) and bugs (with their stack); default: `warn`. */
  error?: (line: string) => void;
  stdout?: NodeJS.WritableStream;
}

export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const snapshots = new FilesystemSnapshotStore(options.baselines ?? config.baselines);
  const reader: StateReader | undefined = options.observed ? await SnapshotFileReader.open(options.observed) : undefined;
  const state = new SqliteStateStore(options.stateFile ?? ':memory:');
  const sinks = options.send ? sinksFromConfig(config, options.stdout ? { stdout: options.stdout } : {}) : new Map<string, AlertSink>();
  const policy = alertPolicy(config);
  const pipeline = new Pipeline({
    adapters: allAdapters, snapshots, state, ...(reader ? { reader } : {}), ...(options.readers ? { readers: options.readers } : {}),
    ...policy,
    route: (finding) => (options.send ? policy.route(finding) : []),
    eventTtlHours: config.eventTtlHours, warn: options.warn, error: options.error ?? options.warn,
    // DESIGN.md, "Trust": the sha256 recorded at approval always; the HMAC too when a key is configured.
    trustBaseline: baselineApprovalCheck(config.approvalHmacKey),
  });
  return {
    pipeline, state, snapshots, sinks,
    deliver: outboxDeliverer(state, sinks, config),
    close: async () => {
      // Live readers holding connections (the GCP clients) let the process end.
      await Promise.all(Object.values(options.readers ?? {}).map((r) => (r as StateReader & { close?: () => Promise<void> }).close?.()));
      await state.close();
    },
  };
}
