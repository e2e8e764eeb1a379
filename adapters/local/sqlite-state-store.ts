import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { NetdriftError, TransientError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import type {
  FindingFilter, ObservedState, OutboxEntry, OutboxFailure, StateCommit, StateStore,
} from '../../core/ports.js';
import { resourceKey, resourceKeyOf, type Resource, type ResourceKind, type Scope } from '../../core/resource.js';
import { migrate } from './sqlite-schema.js';

interface ObservedRow {
  cloud: string; account: string; kind: string; id: string; region: string;
  state: string | null; event_time: string; event_id: string;
}
interface OutboxRow {
  id: number; sink: string; finding: string; attempts: number; last_error: string | null; created_at: string;
  state: OutboxEntry['state']; next_attempt_at: number | null;
}

/** SQLite reports a write it could not get the lock for as BUSY/LOCKED: another process is writing, try again. */
function storeError(error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) {
    return new TransientError(`state store busy: ${(error as Error).message}`, { cause: error });
  }
  return error;
}

function epochMs(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new NetdriftError(`state store: ${what} ${JSON.stringify(iso)} is not a date`);
  return ms;
}

function observedFromRow(row: ObservedRow): ObservedState {
  return {
    cloud: row.cloud as ObservedState['cloud'],
    account: row.account,
    kind: row.kind as ResourceKind,
    id: row.id,
    region: row.region,
    state: row.state === null ? null : (JSON.parse(row.state) as Resource),
    eventTime: row.event_time,
    eventId: row.event_id,
  };
}

function outboxFromRow(row: OutboxRow): OutboxEntry {
  return {
    id: String(row.id),
    sink: row.sink,
    finding: JSON.parse(row.finding) as Finding,
    attempts: row.attempts,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    createdAt: row.created_at,
    state: row.state,
    ...(row.next_attempt_at === null ? {} : { nextAttemptAt: new Date(row.next_attempt_at).toISOString() }),
  };
}

function prepareStatements(db: Database.Database) {
  return {
    isProcessed: db.prepare<[string, number], { one: number }>('SELECT 1 AS one FROM processed WHERE key = ? AND expires_at > ?'),
    putProcessed: db.prepare<[string, number]>(
      'INSERT INTO processed (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at'),
    purge: db.prepare<[number]>('DELETE FROM processed WHERE expires_at <= ?'),
    getObserved: db.prepare<[string], ObservedRow>('SELECT * FROM observed WHERE key = ?'),
    listObserved: db.prepare<[string, string, string], ObservedRow>(
      'SELECT * FROM observed WHERE cloud = ? AND account = ? AND kind = ? ORDER BY key'),
    putObserved: db.prepare<[string, string, string, string, string, string, string | null, string, string]>(
      `INSERT OR REPLACE INTO observed (key, cloud, account, kind, id, region, state, event_time, event_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    openFindings: db.prepare<[string], { json: string }>(
      "SELECT json FROM findings WHERE resource_key = ? AND status = 'open' ORDER BY opened_at, fingerprint"),
    putFinding: db.prepare<[string, string, string, string, string, string, string, string, string | null]>(
      `INSERT OR REPLACE INTO findings (fingerprint, status, cloud, account, kind, resource_key, json, opened_at, resolved_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    putOutbox: db.prepare<[string, string, string, string]>(
      'INSERT INTO outbox (sink, fingerprint, finding, created_at) VALUES (?, ?, ?, ?)'),
    pendingOutbox: db.prepare<[number, number], OutboxRow>(
      `SELECT * FROM outbox WHERE state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
       ORDER BY created_at, id LIMIT ?`),
    listOutbox: db.prepare<[], OutboxRow>('SELECT * FROM outbox ORDER BY created_at, id'),
    listOutboxInState: db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE state = ? ORDER BY created_at, id'),
    outboxDelivered: db.prepare<[number]>('DELETE FROM outbox WHERE id = ?'),
    // Only a pending entry is sent, so only a pending one fails: a rejected one stays as it is until redriven.
    outboxFailed: db.prepare<[string, string, number | null, number]>(
      "UPDATE outbox SET attempts = attempts + 1, last_error = ?, state = ?, next_attempt_at = ? WHERE id = ? AND state = 'pending'"),
    redriveRejected: db.prepare<[]>(
      "UPDATE outbox SET state = 'pending', next_attempt_at = NULL, attempts = 0 WHERE state = 'rejected'"),
    redriveOne: db.prepare<[number]>("UPDATE outbox SET state = 'pending', next_attempt_at = NULL, attempts = 0 WHERE id = ?"),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

/**
 * The embedded `StateStore`: one SQLite file (or `:memory:`), in WAL mode so that readers do not
 * block the writer. better-sqlite3 is synchronous; the port's methods are async so that every
 * store (DynamoDB, Table storage, Firestore) is used the same way.
 */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;
  private readonly statements: Statements;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Several processes (serve, a CLI replay) may share the file: wait for a writer instead of failing at once.
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.statements = prepareStatements(this.db);
  }


  async isProcessed(key: string): Promise<boolean> {
    return this.run(() => this.statements.isProcessed.get(key, Date.now()) !== undefined);
  }

  async getObserved(scope: Scope, kind: ResourceKind, id: string): Promise<ObservedState | undefined> {
    return this.run(() => {
      const row = this.statements.getObserved.get(resourceKeyOf(scope, kind, id));
      return row && observedFromRow(row);
    });
  }

  async listObserved(scope: Scope, kind: ResourceKind): Promise<ObservedState[]> {
    return this.run(() => this.statements.listObserved.all(scope.cloud, scope.account, kind).map(observedFromRow));
  }

  async openFindings(scope: Scope, kind: ResourceKind, id: string): Promise<Finding[]> {
    return this.run(() => this.statements.openFindings.all(resourceKeyOf(scope, kind, id))
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

  /** Writes everything in one transaction: if any part throws, nothing is written. */
  async commit(change: StateCommit): Promise<void> {
    const s = this.statements;
    const createdAt = new Date().toISOString();
    this.run(() => this.db.transaction(() => {
      for (const entry of change.processed) s.putProcessed.run(entry.key, epochMs(entry.expiresAt, 'expiresAt'));
      for (const o of change.observed) {
        s.putObserved.run(resourceKey(o), o.cloud, o.account, o.kind, o.id, o.region,
          o.state === null ? null : JSON.stringify(o.state), o.eventTime, o.eventId);
      }
      for (const f of change.findings) {
        // A resolved finding keeps its row, marked resolved: `listFindings` shows what was and is no more.
        s.putFinding.run(f.fingerprint, f.status, f.cloud, f.account, f.kind,
          resourceKey({ cloud: f.cloud, account: f.account, kind: f.kind, id: f.resource }),
          JSON.stringify(f), f.openedAt, f.status === 'resolved' ? (f.resolvedAt ?? f.eventTime) : null);
      }
      for (const entry of change.outbox) {
        s.putOutbox.run(entry.sink, entry.finding.fingerprint, JSON.stringify(entry.finding), createdAt);
      }
    }).immediate());
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

  async outboxDelivered(id: string): Promise<void> {
    this.run(() => this.statements.outboxDelivered.run(Number(id)));
  }

  async outboxFailed(id: string, failure: OutboxFailure): Promise<void> {
    const notBefore = failure.retryable && failure.notBefore !== undefined ? epochMs(failure.notBefore, 'notBefore') : null;
    this.run(() => this.statements.outboxFailed.run(failure.error, failure.retryable ? 'pending' : 'rejected', notBefore, Number(id)));
  }

  async redriveOutbox(ids?: readonly string[]): Promise<number> {
    const s = this.statements;
    if (ids === undefined) return this.run(() => s.redriveRejected.run().changes);
    return this.run(() => this.db.transaction(() =>
      [...new Set(ids)].reduce((count, id) => count + s.redriveOne.run(Number(id)).changes, 0)).immediate());
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
