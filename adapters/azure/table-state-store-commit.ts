import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { NetdriftError, TransientError } from '../../core/errors.js';
import type { OutboxEntry, StateCommit } from '../../core/ports.js';
import { validateCommit } from '../../core/state-commit.js';
import {
  MAX_ENTITY_BYTES, MAX_PART_CHARS, PREFIXES, STATE_PARTITION, entitySize, findingEntity, observedEntity, outboxEntity,
  prefixFilter, textOf, textProperties, type Entity,
} from './table-state-store-entities.js';
import { errorCode, statusOf } from './storage-errors.js';

/** An entity group transaction holds at most 100 operations and 4 MiB, all in one partition (https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions). */
export const MAX_TRANSACTION_ACTIONS = 100;
/** Below the 4 MiB limit, with room for the batch's own framing. */
export const MAX_TRANSACTION_BYTES = 3_500_000;
/** Parts of a journal per row: each part is at most `MAX_PART_CHARS`, a row at most 1 MiB. */
const PARTS_PER_ROW = 14;
/** How many times a journal is read again after another worker moved it on, before giving up for now. */
const ROLL_ATTEMPTS = 20;

/** The table a store works on, and its name for messages. */
export interface TableRef {
  client: TableClient;
  table: string;
  /** The store's error for a failed request (`stateStoreError`, bound to the table). */
  fail(action: string, error: unknown): Error;
}

function refuse(reason: string): never {
  throw new NetdriftError(`state store: commit refused, nothing written: ${reason}`);
}

/** `2026-11-26T10:20:30.123Z` → `20261126T102030123Z`: outbox ids and journal ids sort as their times do. */
function compact(iso: string): string {
  return iso.replace(/[-:.]/g, '');
}

/** Orders the outbox entries of commits made in the same millisecond by one process. */
let sequence = 0;

/**
 * The entities a commit writes besides its processed ids (observed state, findings, outbox
 * entries), one per row key (the last wins, as in SQLite), each checked against the entity limit.
 * Outbox ids sort by creation: the commit's time, this process's sequence, the entry's place.
 */
export function commitEntities(change: StateCommit, createdAt: string): Entity[] {
  validateCommit(change);
  sequence += 1;
  const prefix = `${compact(createdAt)}.${String(sequence).padStart(12, '0')}`;
  const salt = randomBytes(4).toString('hex');
  const outbox = change.outbox.map((entry, index): OutboxEntry => ({
    id: `${prefix}.${String(index).padStart(6, '0')}.${salt}`, sink: entry.sink, finding: entry.finding, attempts: 0, createdAt, state: 'pending',
  }));
  const byRow = new Map<string, Entity>();
  for (const entity of [...change.observed.map(observedEntity), ...change.findings.map(findingEntity), ...outbox.map(outboxEntity)]) {
    const size = entitySize(entity);
    if (size > MAX_ENTITY_BYTES) refuse(`${entity.rowKey} is about ${size} bytes; a Table storage entity holds at most 1 MiB`);
    byRow.set(entity.rowKey, entity);
  }
  return [...byRow.values()];
}

/** Whether entities and `extra` actions fit one entity group transaction. */
export function fitsOneTransaction(entities: readonly Entity[], extra: number): boolean {
  return entities.length + extra <= MAX_TRANSACTION_ACTIONS
    && entities.reduce((sum, entity) => sum + entitySize(entity), 0) <= MAX_TRANSACTION_BYTES;
}

/** A conditional write or a transaction lost its race: the etag changed (412), or the entity is gone (404) or there (409). */
export function isLostRace(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409 || (status === 404 && errorCode(error) !== 'TableNotFound');
}

/** The journal epoch row: its etag changes whenever a journal lands, so a reader can tell one landed while it read. */
export const EPOCH_ROW = PREFIXES.journal;

/**
 * The rows that hold a large commit's entities until they are rolled forward: its JSON, gzipped, split over
 * rows of at most ~1 MiB; the first (`…|0000`) also keeps how far the roll got. Written in one
 * transaction with the commit's processed ids and the epoch row.
 */
export function journalRows(entities: readonly Entity[], createdAt: string): Entity[] {
  const id = `${compact(createdAt)}.${randomBytes(6).toString('hex')}`;
  // Gzipped (then base64): a storm's findings and alerts repeat each other, so the journal of a
  // 500-finding reconcile fits one transaction.
  const text = gzipSync(JSON.stringify(entities)).toString('base64');
  const perRow = PARTS_PER_ROW * MAX_PART_CHARS;
  const rows: Entity[] = [];
  for (let at = 0, n = 0; at < text.length; at += perRow, n += 1) {
    rows.push({ partitionKey: STATE_PARTITION, rowKey: `${PREFIXES.journal}|${id}|${String(n).padStart(4, '0')}`, ...textProperties(text.slice(at, at + perRow)) });
  }
  const head = rows[0] as Entity;
  Object.assign(head, { rows: rows.length, total: entities.length, progress: 0 });
  return rows;
}

/** The journals waiting to be rolled forward, oldest first, and the epoch row's etag. */
export async function journalState(t: TableRef): Promise<{ epoch: string | undefined; journals: string[] }> {
  const journals = new Set<string>();
  let epoch: string | undefined;
  try {
    const rows = t.client.listEntities({ queryOptions: { filter: prefixFilter(STATE_PARTITION, PREFIXES.journal), select: ['RowKey'] } });
    for await (const row of rows) {
      if (row.rowKey === EPOCH_ROW) epoch = row.etag;
      else journals.add((row.rowKey ?? '').split('|')[1] ?? '');
    }
  } catch (error) {
    throw t.fail('read journals', error);
  }
  return { epoch, journals: [...journals].sort() };
}

/**
 * Writes a landed journal's entities into place, in transactions of at most 99 of them plus the
 * journal's head row, updated (`If-Match`) to say how far the roll got: of two workers rolling
 * the same journal, only one moves it on at each step, and a worker that fell behind can never
 * write an entity again once the journal moved past it or was deleted. Then deletes the journal.
 */
export async function rollJournal(t: TableRef, id: string): Promise<void> {
  const filter = prefixFilter(STATE_PARTITION, `${PREFIXES.journal}|${id}|`);
  for (let attempt = 1; attempt <= ROLL_ATTEMPTS; attempt += 1) {
    const rows: (Record<string, unknown> & { rowKey?: string; etag: string })[] = [];
    try {
      for await (const row of t.client.listEntities({ queryOptions: { filter } })) rows.push(row);
    } catch (error) {
      throw t.fail('read journal', error);
    }
    const head = rows[0];
    if (head === undefined) return;
    const entities = JSON.parse(gunzipSync(Buffer.from(rows.map((row) => textOf(row, 'journal')).join(''), 'base64')).toString('utf8')) as Entity[];
    const headEntity = (progress: number): Entity => ({
      partitionKey: STATE_PARTITION, rowKey: head.rowKey ?? '', rows: Number(head.rows), total: entities.length, progress,
      ...textProperties(textOf(head, 'journal')),
    });
    let progress = Number(head.progress);
    let etag = head.etag;
    try {
      while (progress < entities.length) {
        const batch = entities.slice(progress, progress + MAX_TRANSACTION_ACTIONS - 1);
        const actions: TransactionAction[] = [
          ...batch.map((entity): TransactionAction => ['upsert', entity, 'Replace']),
          ['update', headEntity(progress + batch.length), 'Replace', { etag }],
        ];
        const result = await t.client.submitTransaction(actions);
        progress += batch.length;
        etag = result.getResponseForEntity(head.rowKey ?? '')?.etag ?? '';
      }
      await t.client.submitTransaction(rows.map((row): TransactionAction => ['delete', { partitionKey: STATE_PARTITION, rowKey: row.rowKey ?? '' }]));
      return;
    } catch (error) {
      if (!isLostRace(error)) throw t.fail('roll journal', error);
    }
  }
  throw new TransientError(`state store (Azure table ${t.table}): journal ${id} kept changing while being rolled forward`);
}

/** Rolls forward every journal waiting; gives the epoch seen once none is left. */
export async function settleJournals(t: TableRef): Promise<string | undefined> {
  for (let attempt = 1; attempt <= ROLL_ATTEMPTS; attempt += 1) {
    const state = await journalState(t);
    if (state.journals.length === 0) return state.epoch;
    for (const id of state.journals) await rollJournal(t, id);
  }
  throw new TransientError(`state store (Azure table ${t.table}): large commits kept landing while reading`);
}

/**
 * Runs `read` so that it sees each large commit whole or not at all: journals are rolled forward
 * first, and the read is done again if one landed meanwhile (the epoch row changed).
 */
export async function consistentRead<T>(t: TableRef, read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; attempt <= ROLL_ATTEMPTS; attempt += 1) {
    const before = await settleJournals(t);
    const result = await read();
    const after = await journalState(t);
    if (after.epoch === before && after.journals.length === 0) return result;
  }
  throw new TransientError(`state store (Azure table ${t.table}): large commits kept landing while reading`);
}
