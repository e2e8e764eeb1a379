import type { ParsedRecord, Selector } from './change.js';
import type { Finding, RuleId } from './finding.js';
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
 * One account's capture written as it is read (issue 12): `add` takes each batch a reader lists, `finish`
 * keeps the account once it was read whole, `discard` drops it when it was not (a partial capture would
 * read as deletions). Calls are sequential: `add` is never called before the previous one settled.
 */
export interface CaptureTarget {
  add(resources: readonly Resource[]): Promise<void>;
  finish(): Promise<void>;
  discard(): Promise<void>;
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
  /** Where it is kept (a file path, an object URL), for messages that must name it. */
  location?: string;
}

export interface HistoryEntry {
  /** sha256 of the snapshot's canonical form. */
  sha256: string;
  approvedAt: string;
  approvedBy?: string;
  /** Why it was approved, when the approver said. */
  reason?: string;
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

/**
 * One alert for one sink. `pending` entries are sent when due; a sink's permanent rejection
 * (a 400) makes an entry `rejected`: kept and listed, never retried until redriven.
 */
export interface OutboxEntry {
  id: string;
  sink: string;
  finding: Finding;
  attempts: number;
  lastError?: string;
  createdAt: string;
  state: 'pending' | 'rejected';
  /**
   * Not to be sent before this time (backoff, Retry-After, or the end of a worker's lease);
   * absent means now.
   */
  nextAttemptAt?: string;
  /** The worker that leased the entry to send it (until `nextAttemptAt`), if one did. */
  leasedBy?: string;
}

/** What a failed send means for its outbox entry. */
export interface OutboxFailure {
  error: string;
  /** False for a permanent rejection: the entry becomes `rejected`. */
  retryable: boolean;
  /** When to try again (ISO 8601), for a retryable failure. */
  notBefore?: string;
}

/** Everything one event changes in the state store, written all or nothing. */
export interface StateCommit {
  /**
   * Keys marked done. `claimedBy`: the key was claimed (`StateStore.claim`) by this owner, and the
   * commit writes nothing (`ConflictError`) unless that claim is still the owner's.
   */
  processed: { key: string; expiresAt: string; claimedBy?: string }[];
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
 * The open findings of one resource an event needs (core/rules/changed-items.ts): under `itemRules`,
 * only those on one of `items` (as the cloud compares ids); under any other rule, all. A hint:
 * a store that cannot narrow its read returns them all, and the caller filters.
 */
export interface FindingSelection {
  itemRules: readonly RuleId[];
  items: readonly string[];
}

/** What claiming a key found: it is now the caller's, another worker finished it, or one holds it. */
export type ClaimResult = 'claimed' | 'done' | 'in-progress';

export interface ClaimOptions {
  /** How long the claim holds; a claim past it belongs to a worker presumed dead and is taken over. */
  leaseMs: number;
  /** Who claims (checked by `release` and by a commit's `claimedBy`). */
  owner: string;
  now?: Date;
}

export interface LeaseOptions {
  /** How long the entries are the caller's; after it they are due again (a worker killed mid-send). */
  leaseMs: number;
  owner: string;
  /** Only this sink's entries (each sink is its own delivery lane). */
  sink?: string;
  /** Only entries of sinks other than these (the entries no configured sink takes). */
  exceptSinks?: readonly string[];
  now?: Date;
}

/** What a shared rate limit allows: a send now, or none before `retryAt` (ISO 8601). */
export type SendSlot = { ok: true } | { ok: false; retryAt: string };

/**
 * The pipeline's memory: processed event ids (with a TTL), observed resource state,
 * findings, the alert outbox, and the sinks' rate limits. Every method is safe with many
 * workers on one store (DESIGN.md, "Concurrency"): claims, leases and send slots are
 * conditional writes, so exactly one worker wins each.
 */
export interface StateStore {
  /** Whether `key` was committed as processed (done) and has not expired. A claim in progress is not. */
  isProcessed(key: string): Promise<boolean>;
  /**
   * Claims `key` with a conditional write: `claimed` (in progress, the caller's until the lease
   * ends), `done` (committed as processed) or `in-progress` (another worker holds an unexpired
   * claim). An expired claim is taken over. A commit naming the key turns the claim into done.
   */
  claim(key: string, options: ClaimOptions): Promise<ClaimResult>;
  /** Drops `owner`'s claim in progress (a failed attempt), so a retry may claim it at once. */
  release(key: string, owner: string): Promise<void>;
  getObserved(scope: Scope, kind: ResourceKind, id: string): Promise<ObservedState | undefined>;
  listObserved(scope: Scope, kind: ResourceKind): Promise<ObservedState[]>;
  /** Open findings on one resource; with `only`, at least those it selects (a store may narrow its read to them). */
  openFindings(scope: Scope, kind: ResourceKind, id: string, only?: FindingSelection): Promise<Finding[]>;
  listFindings(filter?: FindingFilter): Promise<Finding[]>;
  /** Writes everything or nothing; a `claimedBy` no longer held throws `ConflictError`. */
  commit(change: StateCommit): Promise<void>;
  /**
   * Optional: `commit`, writing the outbox entries that no older entry of their finding and sink
   * can be waiting before (where the store can tell: a finding opened for the first time) already
   * leased to `lease.owner` for `lease.leaseMs`, and returning those — the caller sends them at
   * once, without a lease of its own; what it does not settle is due again when the lease ends.
   * Without it, callers `commit` and lease the outbox as usual.
   */
  commitLeasing?(change: StateCommit, lease: { owner: string; leaseMs: number; now?: Date }): Promise<OutboxEntry[]>;
  /** Pending entries due at `now` (default: the current time), oldest first, at most `limit`; leased ones are not due. */
  pendingOutbox(limit?: number, now?: Date): Promise<OutboxEntry[]>;
  /**
   * Leases due pending entries, oldest first, at most `limit`, each with a conditional update, so
   * two workers never hold the same entry. An entry waits while an older pending entry of the same
   * finding and sink is not due (so a resolve never overtakes its trigger).
   */
  leaseOutbox(limit: number, options: LeaseOptions): Promise<OutboxEntry[]>;
  /**
   * Removes delivered entries (one id, or the entries of a storm message, in one write where the
   * store can); with `owner`, only those that owner still holds the lease of (others stay as they are).
   */
  outboxDelivered(ids: string | readonly string[], owner?: string): Promise<void>;
  /**
   * Records a failed send: attempts + 1 and the error; retryable → due at `notBefore`, else
   * `rejected`. The lease ends. With `owner`, only while that owner holds the lease.
   */
  outboxFailed(id: string, failure: OutboxFailure, owner?: string): Promise<void>;
  /** Gives a leased entry back unsent, no attempt counted, due at `notBefore` (default now); only for its lease holder. */
  outboxReleased(id: string, owner: string, notBefore?: string): Promise<void>;
  /** Every entry (pending and rejected), oldest first, for `netdrift outbox list`. */
  listOutbox(filter?: { state?: OutboxEntry['state'] }): Promise<OutboxEntry[]>;
  /**
   * Makes the given entries (default: every rejected one) pending and due now; returns how many.
   * An entry leased by a worker right now is left to it (it is being sent).
   */
  redriveOutbox(ids?: readonly string[], now?: Date): Promise<number>;
  /**
   * Takes one send slot of `sink`'s rate limit, shared by every worker on the store: at most
   * `count` slots in any `intervalMs` (a sliding window). Never waits: a refusal says when to try again.
   */
  takeSendSlot(sink: string, limit: { count: number; intervalMs: number; now?: Date }): Promise<SendSlot>;
  /** Drops processed ids (and abandoned claims) whose TTL passed; returns how many. */
  purgeExpired(now: Date): Promise<number>;
  close(): Promise<void>;
}

/** A storm: many findings from one event or one principal, sent as one message where the sink can. */
export interface FindingGroup {
  /** What the findings share: `event <id>` or `principal <arn>`. */
  cause: string;
  /** A stable key for the group (a PagerDuty dedup_key when storms are grouped there). */
  key: string;
  findings: readonly Finding[];
}

/**
 * Delivers alerts somewhere. `build` is pure (and tested against exact payloads);
 * `send` throws `DeliveryError` saying whether a retry may help.
 */
export interface AlertSink<P = unknown> {
  readonly name: string;
  build(finding: Finding): P;
  send(payload: P): Promise<void>;
  /** One message for a storm of findings (pure), where the sink has such a form. */
  buildGroup?(group: FindingGroup): P;
  /** The service's rate limit for this sink's endpoint: at most `count` sends per `intervalMs`. */
  readonly rateLimit?: { count: number; intervalMs: number };
}
