import { NetdriftError } from '../../core/errors.js';
import type { StateCommit } from '../../core/ports.js';
import { validateCommit } from '../../core/state-commit.js';
import {
  findingItem, itemSize, observedItem, outboxId, outboxItem, processedItem, type Item,
} from './dynamodb-items.js';

/** TransactWriteItems takes at most 100 items and 4 MB (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html). */
export const MAX_TRANSACTION_ITEMS = 100;
/** Below the 4 MB limit, with room for what `itemSize` does not count. */
export const MAX_TRANSACTION_BYTES = 3_500_000;
/** An item holds at most 400 KB (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). */
export const MAX_ITEM_BYTES = 400 * 1024;

function refuse(reason: string): never {
  throw new NetdriftError(`state store: commit refused, nothing written: ${reason}`);
}

/** One item per key, the last write winning as it would in SQLite: a transaction may not touch an item twice. */
function unique(items: Item[]): Item[] {
  const byKey = new Map<string, Item>();
  for (const item of items) byKey.set(`${item.pk?.S}\u0000${item.sk?.S}`, item);
  return [...byKey.values()];
}

/** The items of one transaction, kept within its limits. */
class Batch {
  readonly items: Item[] = [];
  private bytes = 0;
  fits(items: readonly Item[]): boolean {
    const bytes = items.reduce((sum, item) => sum + itemSize(item), 0);
    return this.items.length + items.length <= MAX_TRANSACTION_ITEMS && this.bytes + bytes <= MAX_TRANSACTION_BYTES;
  }
  add(items: readonly Item[]): void {
    for (const item of items) {
      this.items.push(item);
      this.bytes += itemSize(item);
    }
  }
}

export interface CommitContext {
  /** When the outbox entries are created (ISO). */
  createdAt: string;
  /** Orders the outbox entries of commits made in the same millisecond by this store. */
  sequence: number;
}

/**
 * The transactions that write one `StateCommit`, in order. Usually one. A commit larger than a
 * transaction is split so that a crash between two transactions is redone safely when the event
 * is redelivered: outbox entries first (their ids are deterministic, so a redo overwrites them),
 * then observed state, then findings (once written, a redo no longer sees them open, so the alerts
 * they open must already be in the outbox), and the processed ids in the LAST transaction (until
 * it lands, the event is not processed and its redelivery redoes everything).
 */
export function planCommit(change: StateCommit, context: CommitContext): Item[][] {
  validateCommit(change);
  const eventKeys = change.processed.map((entry) => entry.key);
  const order = (index: number) =>
    `${context.createdAt}#${String(context.sequence).padStart(12, '0')}#${String(index).padStart(6, '0')}`;
  const outbox = change.outbox.map((entry, index) =>
    outboxItem(outboxId(eventKeys, entry.sink, entry.finding), entry.sink, entry.finding, context.createdAt, order(index)));
  const rest = unique([...outbox, ...change.observed.map(observedItem), ...change.findings.map(findingItem)]);
  const processed = unique(change.processed.map((entry) => processedItem(entry.key, Date.parse(entry.expiresAt))));
  for (const item of [...rest, ...processed]) {
    const size = itemSize(item);
    if (size > MAX_ITEM_BYTES) refuse(`${item.pk?.S} / ${item.sk?.S} is about ${size} bytes; a DynamoDB item holds at most 400 KB`);
  }
  if (processed.length > MAX_TRANSACTION_ITEMS) refuse(`${processed.length} processed ids: at most ${MAX_TRANSACTION_ITEMS} fit the last transaction`);

  const batches: Batch[] = [new Batch()];
  const current = () => batches[batches.length - 1] as Batch;
  for (const item of rest) {
    if (!current().fits([item])) batches.push(new Batch());
    current().add([item]);
  }
  // The processed ids join the last batch when they fit in it, else they get one of their own.
  if (!current().fits(processed)) batches.push(new Batch());
  current().add(processed);
  return batches.map((batch) => batch.items).filter((items) => items.length > 0);
}
