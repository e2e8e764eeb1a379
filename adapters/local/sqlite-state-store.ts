import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConflictError, NetdriftError, TransientError } from '../../core/errors.js';
import { findingFingerprint, RULE_IDS, type Finding } from '../../core/finding.js';
import { leasable, slidingWindowSlot } from '../../core/leases.js';
import type {
  ClaimOptions, ClaimResult, FindingFilter, FindingSelection, LeaseOptions, ObservedState, OutboxEntry, OutboxFailure, SendSlot, StateCommit, StateStore,
} from '../../core/ports.js';
import { resourceKey, resourceKeyOf, type ResourceKind, type Scope } from '../../core/resource.js';
import { SqliteObservedStates } from './sqlite-observed.js';
import { migrate, SCHEMA_VERSION } from './sqlite-schema.js';
import { outboxFromRow, prepareStatements, type Statements } from './sqlite-statements.js';

/** SQLite reports a write it could not get the lock for as BUSY/LOCKED: another process is writing, try again. */
function storeError(error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) {
    return new TransientError(`state store busy: ${(error as Error).message}`, { cause: error });
  }
  return error;
}

/** A file opened read-only is used as it is: it must be a state store this netdrift writes (no migration). */
function checkSchema(db: Database.Database, file: string): void {
  let version: number;
  try {
    version = db.pragma('user_version', { simple: true }) as number;
  } catch (error) {
    throw new NetdriftError(`state file ${file}: not a SQLite database (${(error as Error).message})`, { cause: error });
  }
  if (version === 0) throw new NetdriftError(`state file ${file}: not a netdrift state file (no schema)`);
  if (version !== SCHEMA_VERSION) {
    throw new NetdriftError(`state file ${file}: schema version ${version}, this netdrift reads ${SCHEMA_VERSION}: `
      + (version > SCHEMA_VERSION ? 'upgrade netdrift' : 'let a command that writes it (serve, replay --state) upgrade it first'));
  }
}

function epochMs(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new NetdriftError(`state store: ${what} ${JSON.stringify(iso)} is not a date`);
  return ms;
}

/**
 * The embedded `StateStore`: one SQLite file (or `:memory:`), in WAL mode so that readers do not
 * block the writer. better-sqlite3 is synchronous; the port's methods are async so that every
 * store (DynamoDB, Table storage, Firestore) is used the same way.
 *
 * Many workers (processes, or several stores in one) may share the file: claims, leases and send
 * slots are each one `BEGIN IMMEDIATE` transaction (read, decide, write under the write lock), so
 * two of them never both win; a worker that cannot get the lock within the busy timeout gets a
 * `TransientError`. Observed states are kept element by element and cached parsed per store, each
 * checked against its row's revision before use (sqlite-observed.ts).
 */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;
  private readonly statements: Statements;
  private readonly observed: SqliteObservedStates;

  /**
   * `readonly`: for commands that only read (`findings list`, `outbox list`): the file must exist,
   * nothing is created or migrated, and a write throws (`query_only`). Not SQLite's read-only open:
   * that leaves a `-wal` and `-shm` file behind, which a connection allowed to write removes on close.
   */
  constructor(file: string, options: { readonly?: boolean } = {}) {
    if (options.readonly) {
      this.db = new Database(file, { fileMustExist: true });
      this.db.pragma('query_only = ON');
      this.db.pragma('busy_timeout = 5000');
      checkSchema(this.db, file);
      this.statements = prepareStatements(this.db);
      this.observed = new SqliteObservedStates(this.db);
      return;
    }
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Safe in WAL mode (no corruption, a crash of the process loses nothing); only a power cut may
    // lose the last commits. FULL would sync the disk on every lease, slot and delivered entry.
    this.db.pragma('synchronous = NORMAL');
    // Several processes (serve, a CLI replay) may share the file: wait for a writer instead of failing at once.
    this.db.pragma('busy_timeout = 5000');
    // SQLite's page cache, per connection: better-sqlite3 builds it with 16 MiB, which a long-running
    // serve fills as its file grows (RSS it never gives back). 2 MiB holds the hot pages; the OS caches the file.
    this.db.pragma('cache_size = -2000');
    migrate(this.db);
    this.statements = prepareStatements(this.db);
    this.observed = new SqliteObservedStates(this.db);
  }

  async isProcessed(key: string): Promise<boolean> {
    return this.run(() => this.statements.isProcessed.get(key, Date.now()) !== undefined);
  }

  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    const now = (options.now ?? new Date()).getTime();
    const s = this.statements;
    return this.run(() => this.db.transaction((): ClaimResult => {
      const row = s.getProcessed.get(key);
      if (row && row.expires_at > now) return row.status === 'done' ? 'done' : 'in-progress';
      s.putClaim.run(key, now + options.leaseMs, options.owner);
      return 'claimed';
    }).immediate());
  }

  async release(key: string, owner: string): Promise<void> {
    this.run(() => this.statements.release.run(key, owner));
  }

  async getObserved(scope: Scope, kind: ResourceKind, id: string): Promise<ObservedState | undefined> {
    return this.run(() => this.observed.get(resourceKeyOf(scope, kind, id)));
  }

  async listObserved(scope: Scope, kind: ResourceKind): Promise<ObservedState[]> {
    return this.run(() => this.observed.list(scope.cloud, scope.account, kind));
  }

  /** With `only`, reads the findings it selects by index (the rest of the resource's open findings are never parsed). */
  async openFindings(scope: Scope, kind: ResourceKind, id: string, only?: FindingSelection): Promise<Finding[]> {
    const key = resourceKeyOf(scope, kind, id);
    if (!only) return this.run(() => this.statements.openFindings.all(key).map((row) => JSON.parse(row.json) as Finding));
    const fingerprints = only.itemRules.flatMap((rule) => only.items.map((item) => findingFingerprint({ ...scope, rule, resource: id, item })));
    const otherRules = RULE_IDS.filter((rule) => !only.itemRules.includes(rule));
    return this.run(() => this.statements.openFindingsSelected.all(key, JSON.stringify(otherRules), JSON.stringify(fingerprints), key)
      .map((row) => JSON.parse(row.json) as Finding));
  }

  async listFindings(filter: FindingFilter = {}): Promise<Finding[]> {
    const where: string[] = [];
    const values: string[] = [];
    for (const [column, value] of [['status', filter.status], ['cloud', filter.cloud], ['account', filter.account]] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      values.push(value);
    }
    const sql = `SELECT json FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at, fingerprint`;
    return this.run(() => this.db.prepare<string[], { json: string }>(sql).all(...values)
      .map((row) => JSON.parse(row.json) as Finding));
  }

  /** Writes everything in one transaction: if any part throws, nothing is written (and nothing of it cached). */
  async commit(change: StateCommit): Promise<void> {
    const s = this.statements;
    const createdAt = new Date().toISOString();
    const committed = this.run(() => this.db.transaction(() => {
      for (const entry of change.processed) {
        if (entry.claimedBy !== undefined) {
          const claim = s.getProcessed.get(entry.key);
          if (claim?.status !== 'in-progress' || claim.owner !== entry.claimedBy) {
            throw new ConflictError(`state store: commit refused, nothing written: the claim on ${entry.key} is no longer held (${claim ? claim.status : 'released'})`);
          }
        }
        s.putProcessed.run(entry.key, epochMs(entry.expiresAt, 'expiresAt'));
      }
      const observedWritten = this.observed.write(change.observed);
      for (const f of change.findings) {
        // A resolved finding keeps its row, marked resolved: `listFindings` shows what was and is no more.
        s.putFinding.run(f.fingerprint, f.status, f.cloud, f.account, f.kind,
          resourceKey({ cloud: f.cloud, account: f.account, kind: f.kind, id: f.resource }),
          JSON.stringify(f), f.openedAt, f.status === 'resolved' ? (f.resolvedAt ?? f.eventTime) : null, f.rule);
      }
      for (const entry of change.outbox) {
        s.putOutbox.run(entry.sink, entry.finding.fingerprint, JSON.stringify(entry.finding), createdAt);
      }
      return observedWritten;
    }).immediate());
    committed();
  }

  /** Oldest first: by creation time, then insertion order. */
  async pendingOutbox(limit = 100, now = new Date()): Promise<OutboxEntry[]> {
    // SQLite reads a negative LIMIT as no limit at all.
    if (limit <= 0) return [];
    return this.run(() => this.statements.pendingOutbox.all(now.getTime(), limit).map(outboxFromRow));
  }

  async listOutbox(filter: { state?: OutboxEntry['state'] } = {}): Promise<OutboxEntry[]> {
    return this.run(() => (filter.state === undefined
      ? this.statements.listOutbox.all()
      : this.statements.listOutboxInState.all(filter.state)).map(outboxFromRow));
  }

  /** Due entries in order (see `leasable`), each given `owner` and due again when the lease ends, in one transaction. */
  async leaseOutbox(limit: number, options: LeaseOptions): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const now = (options.now ?? new Date()).getTime();
    const until = now + options.leaseMs;
    const s = this.statements;
    return this.run(() => this.db.transaction(() => {
      const except = new Set(options.exceptSinks ?? []);
      const rows = (options.sink === undefined ? s.pendingAll.all() : s.pendingOfSink.all(options.sink))
        .filter((row) => !except.has(row.sink));
      const taken = leasable(rows.map((row) => ({ row, sink: row.sink, fingerprint: row.fingerprint, dueAt: row.next_attempt_at ?? undefined })), limit, now);
      for (const { row } of taken) s.lease.run(options.owner, until, row.id);
      return taken.map(({ row }) => outboxFromRow({ ...row, lease_owner: options.owner, next_attempt_at: until }));
    }).immediate());
  }

  async outboxDelivered(ids: string | readonly string[], owner?: string): Promise<void> {
    const s = this.statements;
    this.run(() => this.db.transaction(() => {
      for (const id of typeof ids === 'string' ? [ids] : ids) s.outboxDelivered.run(Number(id), owner ?? null, owner ?? null);
    }).immediate());
  }

  async outboxFailed(id: string, failure: OutboxFailure, owner?: string): Promise<void> {
    const notBefore = failure.retryable && failure.notBefore !== undefined ? epochMs(failure.notBefore, 'notBefore') : null;
    this.run(() => this.statements.outboxFailed.run(
      failure.error, failure.retryable ? 'pending' : 'rejected', notBefore, Number(id), owner ?? null, owner ?? null));
  }

  async outboxReleased(id: string, owner: string, notBefore?: string): Promise<void> {
    const at = notBefore === undefined ? null : epochMs(notBefore, 'notBefore');
    this.run(() => this.statements.outboxReleased.run(at, Number(id), owner));
  }

  async redriveOutbox(ids?: readonly string[], now = new Date()): Promise<number> {
    const s = this.statements;
    if (ids === undefined) return this.run(() => s.redriveRejected.run().changes);
    return this.run(() => this.db.transaction(() =>
      [...new Set(ids)].reduce((count, id) => count + s.redriveOne.run(Number(id), now.getTime()).changes, 0)).immediate());
  }

  async takeSendSlot(sink: string, limit: { count: number; intervalMs: number; now?: Date }): Promise<SendSlot> {
    const now = (limit.now ?? new Date()).getTime();
    const s = this.statements;
    return this.run(() => this.db.transaction((): SendSlot => {
      const row = s.getSlots.get(sink);
      const decision = slidingWindowSlot(row ? (JSON.parse(row.sent) as number[]) : [], limit, now);
      if (!decision.ok) return { ok: false, retryAt: new Date(decision.retryAt).toISOString() };
      s.putSlots.run(sink, JSON.stringify(decision.sent));
      return { ok: true };
    }).immediate());
  }

  async purgeExpired(now: Date): Promise<number> {
    return this.run(() => this.statements.purge.run(now.getTime()).changes);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private run<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      throw storeError(error);
    }
  }
}
