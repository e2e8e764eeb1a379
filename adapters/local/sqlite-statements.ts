import type Database from 'better-sqlite3';
import type { Finding } from '../../core/finding.js';
import type { OutboxEntry } from '../../core/ports.js';

/** The rows of the embedded state store (schema in sqlite-schema.ts) and the statements that read and write them. */
export interface OutboxRow {
  id: number; sink: string; fingerprint: string; finding: string; attempts: number; last_error: string | null; created_at: string;
  state: OutboxEntry['state']; next_attempt_at: number | null; lease_owner: string | null;
}
export interface ProcessedRow {
  status: 'in-progress' | 'done'; owner: string | null; expires_at: number;
}

export function outboxFromRow(row: OutboxRow): OutboxEntry {
  return {
    id: String(row.id),
    sink: row.sink,
    finding: JSON.parse(row.finding) as Finding,
    attempts: row.attempts,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    createdAt: row.created_at,
    state: row.state,
    ...(row.next_attempt_at === null ? {} : { nextAttemptAt: new Date(row.next_attempt_at).toISOString() }),
    ...(row.lease_owner === null ? {} : { leasedBy: row.lease_owner }),
  };
}

export function prepareStatements(db: Database.Database) {
  return {
    isProcessed: db.prepare<[string, number], { one: number }>(
      "SELECT 1 AS one FROM processed WHERE key = ? AND status = 'done' AND expires_at > ?"),
    getProcessed: db.prepare<[string], ProcessedRow>('SELECT status, owner, expires_at FROM processed WHERE key = ?'),
    putProcessed: db.prepare<[string, number]>(
      `INSERT INTO processed (key, expires_at, status, owner) VALUES (?, ?, 'done', NULL)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, status = 'done', owner = NULL`),
    putClaim: db.prepare<[string, number, string]>(
      `INSERT INTO processed (key, expires_at, status, owner) VALUES (?, ?, 'in-progress', ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, status = 'in-progress', owner = excluded.owner`),
    release: db.prepare<[string, string]>("DELETE FROM processed WHERE key = ? AND status = 'in-progress' AND owner = ?"),
    purge: db.prepare<[number]>('DELETE FROM processed WHERE expires_at <= ?'),
    openFindings: db.prepare<[string], { json: string }>(
      "SELECT json FROM findings WHERE resource_key = ? AND status = 'open' ORDER BY opened_at, fingerprint"),
    // Of one resource: those under the rules of the first list (one index seek each), and those with one of the
    // fingerprints of the second, looked up by primary key (`+` keeps the planner off the resource's index).
    openFindingsSelected: db.prepare<[string, string, string, string], { json: string }>(
      `SELECT json, opened_at, fingerprint FROM findings
         WHERE resource_key = ? AND status = 'open' AND rule IN (SELECT value FROM json_each(?))
       UNION ALL
       SELECT json, opened_at, fingerprint FROM findings
         WHERE fingerprint IN (SELECT value FROM json_each(?)) AND +resource_key = ? AND +status = 'open'
       ORDER BY opened_at, fingerprint`),
    putFinding: db.prepare<[string, string, string, string, string, string, string, string, string | null, string]>(
      `INSERT OR REPLACE INTO findings (fingerprint, status, cloud, account, kind, resource_key, json, opened_at, resolved_at, rule)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    putOutbox: db.prepare<[string, string, string, string]>(
      'INSERT INTO outbox (sink, fingerprint, finding, created_at) VALUES (?, ?, ?, ?)'),
    pendingOutbox: db.prepare<[number, number], OutboxRow>(
      `SELECT * FROM outbox WHERE state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
       ORDER BY created_at, id LIMIT ?`),
    pendingOfSink: db.prepare<[string], OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' AND sink = ? ORDER BY created_at, id"),
    pendingAll: db.prepare<[], OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' ORDER BY created_at, id"),
    lease: db.prepare<[string, number, number]>('UPDATE outbox SET lease_owner = ?, next_attempt_at = ? WHERE id = ?'),
    listOutbox: db.prepare<[], OutboxRow>('SELECT * FROM outbox ORDER BY created_at, id'),
    listOutboxInState: db.prepare<[string], OutboxRow>('SELECT * FROM outbox WHERE state = ? ORDER BY created_at, id'),
    // Without an owner (`NULL`), unconditional; with one, only while that owner holds the lease.
    outboxDelivered: db.prepare<[number, string | null, string | null]>(
      'DELETE FROM outbox WHERE id = ? AND (? IS NULL OR lease_owner = ?)'),
    // Only a pending entry is sent, so only a pending one fails: a rejected one stays as it is until redriven.
    outboxFailed: db.prepare<[string, string, number | null, number, string | null, string | null]>(
      `UPDATE outbox SET attempts = attempts + 1, last_error = ?, state = ?, next_attempt_at = ?, lease_owner = NULL
       WHERE id = ? AND state = 'pending' AND (? IS NULL OR lease_owner = ?)`),
    outboxReleased: db.prepare<[number | null, number, string]>(
      "UPDATE outbox SET lease_owner = NULL, next_attempt_at = ? WHERE id = ? AND state = 'pending' AND lease_owner = ?"),
    redriveRejected: db.prepare<[]>(
      "UPDATE outbox SET state = 'pending', next_attempt_at = NULL, attempts = 0, lease_owner = NULL WHERE state = 'rejected'"),
    // An entry leased right now is being sent: redriving it would send it twice.
    redriveOne: db.prepare<[number, number]>(
      `UPDATE outbox SET state = 'pending', next_attempt_at = NULL, attempts = 0, lease_owner = NULL
       WHERE id = ? AND (state = 'rejected' OR lease_owner IS NULL OR next_attempt_at IS NULL OR next_attempt_at <= ?)`),
    getSlots: db.prepare<[string], { sent: string }>('SELECT sent FROM send_slots WHERE sink = ?'),
    putSlots: db.prepare<[string, string]>(
      'INSERT INTO send_slots (sink, sent) VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET sent = excluded.sent'),
  };
}
export type Statements = ReturnType<typeof prepareStatements>;
