import type { TableClient, TransactionAction } from '@azure/data-tables';
import { ConflictError, NetdriftError, TransientError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import type {
  ClaimOptions, ClaimResult, FindingFilter, LeaseOptions, ObservedState, OutboxEntry, OutboxFailure, SendSlot, StateCommit, StateStore,
} from '../../core/ports.js';
import type { ResourceKind, Scope } from '../../core/resource.js';
import { compareText } from '../../snapshots/canonical.js';
import { azureStorageError } from './storage-errors.js';
import { claimKey, conditional, leaseEntries, outboxEntries, releaseKey, takeSlot } from './table-state-store-claims.js';
import {
  EPOCH_ROW, commitEntities, consistentRead, fitsOneTransaction, isLostRace, journalRows, settleJournals, type TableRef,
} from './table-state-store-commit.js';
import {
  PREFIXES, STATE_PARTITION, findingOf, findingPrefix, observedOf, observedPrefix, observedRow, outboxEntity, outboxRow,
  outboxOf, prefixFilter, processedEntity, processedOf, processedRow, type Entity,
} from './table-state-store-entities.js';

export interface TableStateStoreOptions {
  /** The table's client (`TableClient.fromConnectionString`, or an account URL with `DefaultAzureCredential`). */
  client: TableClient;
  /** The clock: what `isProcessed` compares expiries with, and when outbox entries are created. */
  now?: () => Date;
}

/** The longest error text kept on an outbox entry: one line is what a person reads. */
const MAX_ERROR_LENGTH = 1000;
/** How many times an outbox entry that changed under an update is read again. */
const UPDATE_ATTEMPTS = 5;

function normalizedTime(iso: string, what: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new NetdriftError(`state store: ${what} ${JSON.stringify(iso)} is not a date`);
  return new Date(ms).toISOString();
}

function byOpened(a: Finding, b: Finding): number {
  return compareText(a.openedAt, b.openedAt) || compareText(a.fingerprint, b.fingerprint);
}

const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * The `StateStore` on one Azure Table (Table storage, `@azure/data-tables`). Everything a commit
 * writes lives in ONE partition (`state`), keyed by row-key prefixes (keys escaped, see `keyPart`):
 *
 * | row | key | properties |
 * |---|---|---|
 * | processed event id or claim | `p|<key>` | `status` (`done`, `in-progress`), `expiresAt` (ISO), `owner` |
 * | observed state | `o|<cloud>|<account>|<kind>|<id, lower-cased for Azure>` | the `ObservedState` as JSON |
 * | finding | `f|<resourceKey>|<fingerprint>` | `status`, `cloud`, `account`, the finding as JSON |
 * | outbox entry | `q|<id>` (ids sort by creation) | `sink`, `state`, `attempts`, `lastError`, `nextAttemptAt`, `leaseOwner`, the finding as JSON |
 * | journal of a large commit | `j|<id>|<n>`; `j` is the epoch row | the commit's entities as JSON, how far its roll got |
 *
 * A sink's rate limit is one row of partition `ratelimit`. JSON is split over properties of 32,000
 * UTF-16 units (a string holds 64 KiB); an entity over 1 MiB is refused before anything is written.
 *
 * **A commit is all or nothing from a reader's view.** A commit that fits one entity group
 * transaction (100 operations, 4 MiB) is one; the processed id of a claimed key is a `Replace`
 * with the claim's etag in the same transaction, so a claim taken over fails the whole commit. A
 * larger commit is written as a journal, in one transaction with its processed ids and the epoch
 * row (its commit point); it is then rolled forward into place in etag-guarded steps. Readers of
 * observed state, findings and the outbox roll any journal forward before they read, and read
 * again when the epoch row changed while they read; so each sees a large commit whole or not at all.
 *
 * Claims, leases and send slots are conditional writes (`createEntity` → 409; `Replace` with an
 * etag → 412). Table storage has no TTL: `isProcessed` compares `expiresAt` with the clock and
 * `purgeExpired` deletes (run it on a schedule). Throttling, 5xx and network failures throw
 * `TransientError`; a missing table or denied access an `OperatorError`.
 */
export class TableStateStore implements StateStore {
  private readonly client: TableClient;
  private readonly now: () => Date;
  private readonly t: TableRef;

  constructor(options: TableStateStoreOptions) {
    this.client = options.client;
    this.now = options.now ?? (() => new Date());
    const table = this.client.tableName;
    this.t = { client: this.client, table, fail: (action, error) => stateStoreError(action, table, error) };
  }

  /** Creates the table if it is missing. For tests and for documentation; deployments create it with IaC. */
  static async createTable(client: TableClient): Promise<void> {
    try {
      await client.createTable();
    } catch (error) {
      throw stateStoreError('createTable', client.tableName, error);
    }
  }

  async isProcessed(key: string): Promise<boolean> {
    const found = await this.entity('isProcessed', processedRow(key));
    if (found === undefined) return false;
    const processed = processedOf(found);
    return processed.status === 'done' && processed.expiresAtMs > this.now().getTime();
  }

  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    return claimKey(this.t, key, { ...options, now: options.now ?? this.now() });
  }

  async release(key: string, owner: string): Promise<void> {
    await releaseKey(this.t, key, owner);
  }

  async leaseOutbox(limit: number, options: LeaseOptions): Promise<OutboxEntry[]> {
    return leaseEntries(this.t, limit, { ...options, now: options.now ?? this.now() });
  }

  async takeSendSlot(sink: string, limit: { count: number; intervalMs: number; now?: Date }): Promise<SendSlot> {
    return takeSlot(this.t, sink, limit, limit.now ?? this.now());
  }

  async getObserved(scope: Scope, kind: ResourceKind, id: string): Promise<ObservedState | undefined> {
    const found = await consistentRead(this.t, () => this.entity('getObserved', observedRow(scope, kind, id)));
    return found && observedOf(found);
  }

  async listObserved(scope: Scope, kind: ResourceKind): Promise<ObservedState[]> {
    return (await this.rows('listObserved', prefixFilter(STATE_PARTITION, observedPrefix(scope, kind)))).map(observedOf);
  }

  async openFindings(scope: Scope, kind: ResourceKind, id: string): Promise<Finding[]> {
    const filter = `${prefixFilter(STATE_PARTITION, findingPrefix(scope, kind, id))} and status eq 'open'`;
    return (await this.rows('openFindings', filter)).map(findingOf).sort(byOpened);
  }

  async listFindings(filter: FindingFilter = {}): Promise<Finding[]> {
    const conditions = (['status', 'cloud', 'account'] as const)
      .flatMap((field) => (filter[field] === undefined ? [] : [`${field} eq ${quoted(filter[field])}`]));
    const rows = await this.rows('listFindings', [prefixFilter(STATE_PARTITION, PREFIXES.finding), ...conditions].join(' and '));
    return rows.map(findingOf).sort(byOpened);
  }

  async commit(change: StateCommit): Promise<void> {
    const createdAt = this.now().toISOString();
    const entities = commitEntities(change, createdAt);
    const claims = await this.heldClaims(change);
    const processed = change.processed.map((p): TransactionAction => {
      const entity = processedEntity(p.key, 'done', Date.parse(p.expiresAt));
      const etag = claims.get(p.key);
      return etag === undefined ? ['upsert', entity, 'Replace'] : ['update', entity, 'Replace', { etag }];
    });
    const unique = new Map(processed.map((action) => [action[1].rowKey, action]));
    // A journal that landed before this commit is rolled forward first, so that it cannot overwrite this one.
    await settleJournals(this.t);
    let actions: TransactionAction[];
    if (fitsOneTransaction(entities, unique.size)) {
      actions = [...entities.map((entity): TransactionAction => ['upsert', entity, 'Replace']), ...unique.values()];
    } else {
      const journal = journalRows(entities, createdAt);
      const epoch: Entity = { partitionKey: STATE_PARTITION, rowKey: EPOCH_ROW, landed: journal[0]?.rowKey ?? '' };
      if (!fitsOneTransaction(journal, unique.size + 1)) {
        throw new NetdriftError(`state store: commit refused, nothing written: ${entities.length} entities, ${unique.size} processed ids, more than one Table transaction can journal (100 operations, 4 MiB)`);
      }
      actions = [...journal.map((row): TransactionAction => ['create', row]), ['upsert', epoch, 'Replace'], ...unique.values()];
    }
    try {
      await this.client.submitTransaction(actions);
    } catch (error) {
      if (claims.size > 0 && isLostRace(error)) {
        throw new ConflictError(`state store commit (Azure table ${this.t.table}): refused, the claim on ${[...claims.keys()].join(', ')} is no longer held`, { cause: error });
      }
      throw stateStoreError('commit', this.t.table, error);
    }
    try {
      await settleJournals(this.t);
    } catch (error) {
      // The commit landed (its journal and processed ids): a roll cut short is finished by the next reader.
      if (!(error instanceof TransientError)) throw error;
    }
  }

  /** Oldest first, in the order they were committed. */
  async pendingOutbox(limit = 100, now = this.now()): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const due = (entry: OutboxEntry) => entry.nextAttemptAt === undefined || Date.parse(entry.nextAttemptAt) <= now.getTime();
    const pending = await outboxEntries(this.t, 'pendingOutbox', "state eq 'pending'");
    return pending.map(({ entry }) => entry).filter(due).slice(0, limit);
  }

  async listOutbox(filter: { state?: OutboxEntry['state'] } = {}): Promise<OutboxEntry[]> {
    const entries = await outboxEntries(this.t, 'listOutbox', filter.state === undefined ? undefined : `state eq ${quoted(filter.state)}`);
    return entries.map(({ entry }) => entry);
  }

  /** One entry, or every entry of a storm message sent in one write. */
  async outboxDelivered(ids: string | readonly string[], owner?: string): Promise<void> {
    for (const id of typeof ids === 'string' ? [ids] : ids) {
      const found = await this.outboxEntry('outboxDelivered', id);
      // Its lease ended and another worker holds it now: that worker settles it.
      if (found === undefined || (owner !== undefined && found.entry.leasedBy !== owner)) continue;
      await conditional(this.t, 'outboxDelivered', () => this.client.deleteEntity(STATE_PARTITION, outboxRow(id), { etag: found.etag }));
    }
  }

  async outboxReleased(id: string, owner: string, notBefore?: string): Promise<void> {
    const at = notBefore === undefined ? undefined : normalizedTime(notBefore, 'notBefore');
    await this.updateOutbox('outboxReleased', id, (entry) => {
      if (entry.state !== 'pending' || entry.leasedBy !== owner) return undefined;
      const { nextAttemptAt: _next, leasedBy: _owner, ...rest } = entry;
      return { ...rest, ...(at === undefined ? {} : { nextAttemptAt: at }) };
    });
  }

  /** Counts a failed attempt on a pending entry; an entry delivered meanwhile (by another worker) is not brought back. */
  async outboxFailed(id: string, failure: OutboxFailure, owner?: string): Promise<void> {
    const at = failure.retryable && failure.notBefore !== undefined ? normalizedTime(failure.notBefore, 'notBefore') : undefined;
    const lastError = (failure.error.split('\n', 1)[0] ?? '').slice(0, MAX_ERROR_LENGTH);
    await this.updateOutbox('outboxFailed', id, (entry) => {
      if (entry.state !== 'pending' || (owner !== undefined && entry.leasedBy !== owner)) return undefined;
      const { nextAttemptAt: _next, leasedBy: _owner, ...rest } = entry;
      return { ...rest, attempts: entry.attempts + 1, lastError, state: failure.retryable ? 'pending' : 'rejected', ...(at === undefined ? {} : { nextAttemptAt: at }) };
    });
  }

  /** Each entry is updated on its own: the count is of those found (and not being sent right now). */
  async redriveOutbox(ids?: readonly string[], now = this.now()): Promise<number> {
    const chosen = ids === undefined ? (await this.listOutbox({ state: 'rejected' })).map((entry) => entry.id) : [...new Set(ids)];
    let redriven = 0;
    for (const id of chosen) {
      const done = await this.updateOutbox('redriveOutbox', id, (entry) => {
        // An entry leased right now is being sent: redriving it would send it twice.
        const leased = entry.state === 'pending' && entry.leasedBy !== undefined && Date.parse(entry.nextAttemptAt ?? '') > now.getTime();
        if (leased) return undefined;
        const { nextAttemptAt: _next, leasedBy: _owner, ...rest } = entry;
        return { ...rest, state: 'pending', attempts: 0 };
      });
      if (done) redriven += 1;
    }
    return redriven;
  }

  async purgeExpired(now: Date): Promise<number> {
    const filter = `${prefixFilter(STATE_PARTITION, PREFIXES.processed)} and expiresAt le ${quoted(now.toISOString())}`;
    let purged = 0;
    for (const row of await this.query('purgeExpired', filter)) {
      // Conditional: an id committed again since the query, with a later expiry, stays.
      if (await conditional(this.t, 'purgeExpired', () => this.client.deleteEntity(STATE_PARTITION, String(row.rowKey), { etag: row.etag }))) purged += 1;
    }
    return purged;
  }

  /** The client belongs to the caller: nothing to release here. */
  async close(): Promise<void> {}

  /** The etag of each claim the commit names, checked to be still its owner's; otherwise nothing is written. */
  private async heldClaims(change: StateCommit): Promise<Map<string, string>> {
    const claims = new Map<string, string>();
    for (const p of change.processed) {
      if (p.claimedBy === undefined) continue;
      const found = await this.entity('commit', processedRow(p.key));
      const held = found && processedOf(found);
      if (held?.status !== 'in-progress' || held.owner !== p.claimedBy) {
        throw new ConflictError(`state store: commit refused, nothing written: the claim on ${p.key} is no longer held (${held ? held.status : 'released'})`);
      }
      claims.set(p.key, held.etag);
    }
    return claims;
  }

  /** Replaces an outbox entry with `change(entry)` under its etag (read again if it changed); false when gone or when `change` declines. */
  private async updateOutbox(action: string, id: string, change: (entry: OutboxEntry) => OutboxEntry | undefined): Promise<boolean> {
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt += 1) {
      const found = await this.outboxEntry(action, id);
      const next = found && change(found.entry);
      if (found === undefined || next === undefined) return false;
      if (await conditional(this.t, action, () => this.client.updateEntity(outboxEntity(next), 'Replace', { etag: found.etag }))) return true;
    }
    throw new TransientError(`state store ${action} (Azure table ${this.t.table}): outbox entry ${id} kept changing`);
  }

  private async outboxEntry(action: string, id: string): Promise<{ entry: OutboxEntry; etag: string } | undefined> {
    const found = await this.entity(action, outboxRow(id));
    return found && outboxOf(found);
  }

  private async entity(action: string, row: string): Promise<(Record<string, unknown> & { etag: string }) | undefined> {
    try {
      return await this.client.getEntity<Record<string, unknown>>(STATE_PARTITION, row);
    } catch (error) {
      if (isLostRace(error)) return undefined;
      throw stateStoreError(action, this.t.table, error);
    }
  }

  /** Rows of the state partition, read whole with respect to large commits. */
  private async rows(action: string, filter: string): Promise<Record<string, unknown>[]> {
    return consistentRead(this.t, () => this.query(action, filter));
  }

  private async query(action: string, filter: string): Promise<(Record<string, unknown> & { etag: string })[]> {
    const rows: (Record<string, unknown> & { etag: string })[] = [];
    try {
      for await (const row of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) rows.push(row);
    } catch (error) {
      throw stateStoreError(action, this.t.table, error);
    }
    return rows;
  }
}

/** One line naming the request and the table; a missing table and denied access are operator errors (README, Azure). */
export function stateStoreError(action: string, table: string, error: unknown): Error {
  return azureStorageError(`state store ${action} (Azure table ${table})`, error, {
    missing: ['TableNotFound'],
    missingFix: `create the table ${table} in the storage account or set NETDRIFT_STATE_TABLE to the one that exists`,
    deniedFix: `grant the function's identity "Storage Table Data Contributor" on the table ${table}`,
    credentialFix: 'give the Function App a managed identity (AZURE_CLIENT_ID for a user-assigned one), or open the store with a connection string',
    location: `Azure table ${table}`,
  });
}
