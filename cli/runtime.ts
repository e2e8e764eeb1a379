import { statSync } from 'node:fs';
import { allAdapters } from '../adapters/index.js';
import { SnapshotFileReader } from '../adapters/local/snapshot-file-reader.js';
import { SqliteStateStore } from '../adapters/local/sqlite-state-store.js';
import type { DeliveryReport } from '../alerts/deliver.js';
import { outboxDeliverer, sinksFromConfig } from '../alerts/sinks.js';
import { alertPolicy } from '../core/routing.js';
import { ConfigError, NetdriftError, oneLine } from '../core/errors.js';
import type { Config } from '../core/config.js';
import { Pipeline } from '../core/pipeline.js';
import type { AlertSink, SnapshotStore, StateReader, StateStore } from '../core/ports.js';
import type { Cloud } from '../core/resource.js';
import { baselineApprovalCheck } from '../snapshots/approval.js';
import { FilesystemSnapshotStore } from '../snapshots/fs-store.js';
import { UsageError } from './usage.js';

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

/**
 * The state file of a command that works on what `serve` or `replay --state` stored (findings,
 * outbox): it must exist, so that a mistyped path is an error naming the fix, never a new empty
 * database; `readonly` for the commands that only read. `source` says where the path came from.
 */
export function openStateFile(file: string, source: string, options: { readonly: boolean }): SqliteStateStore {
  const stat = statSync(file, { throwIfNoEntry: false });
  const reason = !stat ? 'no such file' : stat.isFile() ? undefined : 'not a file';
  if (reason) {
    const message = `${source} ${file}: ${reason}; give --state the file that serve or replay --state wrote`;
    throw source === '--state' ? new UsageError(message) : new ConfigError(message);
  }
  try {
    return new SqliteStateStore(file, options);
  } catch (error) {
    // Not a database, another netdrift's schema, no permission: still the operator's to fix (exit 2).
    const message = error instanceof NetdriftError ? oneLine(error) : `${source} ${file}: cannot open (${oneLine(error)})`;
    throw source === '--state' ? new UsageError(message, { cause: error }) : new ConfigError(message, { cause: error });
  }
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

/** Where a command's state file path came from, for its errors: the flag, the variable, or the config. */
export function stateSource(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) return '--state';
  return env.NETDRIFT_STATE ? 'NETDRIFT_STATE' : 'state file';
}
