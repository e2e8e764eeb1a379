import type { ParsedRecord, Selector } from './change.js';
import type { Finding } from './finding.js';
import type { Cloud, Resource, ResourceKind, ResourceRef, Scope } from './resource.js';
import type { Snapshot } from './snapshot.js';

/**
 * Turns one delivery format into audit records (EventBridge, Event Grid, Pub/Sub, ...).
 * `parse` never throws for bad input: each record it cannot read is `rejected` with a reason.
 */
export interface CloudAdapter {
  readonly name: string;
  readonly cloud: Cloud;
  /** A cheap type guard: is `raw` in this adapter's delivery format? */
  matches(raw: unknown): boolean;
  parse(raw: unknown): ParsedRecord[];
}

/** What a live read found. */
export type ReadResult = { exists: true; state: Resource } | { exists: false };

/** What a whole-account capture found; a region that failed is reported, the others kept. */
export interface CaptureResult {
  snapshot: Snapshot;
  failures: { region: string; error: string }[];
}

/**
 * Reads live state from the cloud (or, locally, from snapshot files).
 * Throws `TransientError` for failures a retry may fix and `PermanentReadError` otherwise.
 */
export interface StateReader {
  read(ref: ResourceRef): Promise<ReadResult>;
  /**
   * Ids of live resources of `kind` matching a selector (see `Selector` in change.ts), where the
   * reader can tell (an ARM reader reads the subnet's route table; a file reader scans).
   */
  select?(scope: Scope, kind: ResourceKind, selector: Selector): Promise<string[]>;
  capture?(scope: Scope, regions: readonly string[]): Promise<CaptureResult>;
}

export type SnapshotSlot = 'baseline' | 'candidate';

export interface StoredSnapshot {
  snapshot: Snapshot;
  /** Opaque version for optimistic concurrency (ETag, generation, version). */
  etag: string;
}

export interface HistoryEntry {
  /** sha256 of the snapshot's canonical form. */
  sha256: string;
  approvedAt: string;
  approvedBy?: string;
  /** Where the entry is kept (a file path, an object key). */
  location: string;
}

/**
 * Keeps snapshots per account with optimistic concurrency.
 * `ifMatch`: the etag the caller read (write only if unchanged), `null` (write only if absent),
 * or undefined (unconditional). A lost race throws `ConflictError`.
 */
export interface SnapshotStore {
  get(scope: Scope, slot: SnapshotSlot): Promise<StoredSnapshot | undefined>;
  put(scope: Scope, slot: SnapshotSlot, snapshot: Snapshot, options?: { ifMatch?: string | null }): Promise<string>;
  remove(scope: Scope, slot: SnapshotSlot, options?: { ifMatch?: string }): Promise<void>;
  /** Keeps an approved baseline in the account's history. */
  archive(scope: Scope, snapshot: Snapshot, entry: Omit<HistoryEntry, 'location'>): Promise<HistoryEntry>;
  history(scope: Scope): Promise<HistoryEntry[]>;
  /** Every account that has a baseline or a candidate. */
  list(): Promise<Scope[]>;
}

/** The last state of a resource the pipeline applied, and the event that produced it. */
export interface ObservedState {
  cloud: Cloud;
  account: string;
  kind: ResourceKind;
  id: string;
  region: string;
  /** `null` when the resource does not exist. */
  state: Resource | null;
  eventTime: string;
  eventId: string;
}

/** One alert waiting for one sink. */
export interface OutboxEntry {
  id: string;
  sink: string;
  finding: Finding;
  attempts: number;
  lastError?: string;
  createdAt: string;
}

/** Everything one event changes in the state store, written all or nothing. */
export interface StateCommit {
  processed: { key: string; expiresAt: string }[];
  observed: ObservedState[];
  /** Open findings are stored (replacing one with the same fingerprint); resolved ones leave the open set. */
  findings: Finding[];
  outbox: { sink: string; finding: Finding }[];
}

export interface FindingFilter {
  status?: 'open' | 'resolved';
  cloud?: Cloud;
  account?: string;
}

/**
 * The pipeline's memory: processed event ids (with a TTL), observed resource state,
 * findings, and the alert outbox.
 */
export interface StateStore {
  isProcessed(key: string): Promise<boolean>;
  getObserved(scope: Scope, kind: ResourceKind, id: string): Promise<ObservedState | undefined>;
  listObserved(scope: Scope, kind: ResourceKind): Promise<ObservedState[]>;
  /** Open findings on one resource. */
  openFindings(scope: Scope, kind: ResourceKind, id: string): Promise<Finding[]>;
  listFindings(filter?: FindingFilter): Promise<Finding[]>;
  commit(change: StateCommit): Promise<void>;
  pendingOutbox(limit?: number): Promise<OutboxEntry[]>;
  outboxDelivered(id: string): Promise<void>;
  outboxFailed(id: string, error: string): Promise<void>;
  /** Drops processed ids whose TTL passed; returns how many. */
  purgeExpired(now: Date): Promise<number>;
  close(): Promise<void>;
}

/**
 * Delivers alerts somewhere. `build` is pure (and tested against exact payloads);
 * `send` throws `DeliveryError` saying whether a retry may help.
 */
export interface AlertSink<P = unknown> {
  readonly name: string;
  build(finding: Finding): P;
  send(payload: P): Promise<void>;
}
