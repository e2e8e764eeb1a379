import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { NetdriftError } from '../../core/errors.js';
import type { StateCommit } from '../../core/ports.js';
import { validateCommit } from '../../core/state-commit.js';
import {
  findingItem, itemSize, keyText, n, observedItem, observedKey, outboxId, outboxItem, processedItem, REVISION_ATTRIBUTE, s, type Item,
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
  /** `reserved`: places kept for condition checks that are not items of the commit. */
  constructor(private readonly reserved = 0) {}
  fits(items: readonly Item[]): boolean {
    const bytes = items.reduce((sum, item) => sum + itemSize(item), 0);
    return this.reserved + this.items.length + items.length <= MAX_TRANSACTION_ITEMS && this.bytes + bytes <= MAX_TRANSACTION_BYTES;
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
  /** Places kept free in the first transaction, for the checks of what the commit read (`transactItems`). */
  reserve?: number;
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
  // Every resource whose findings change gets a new revision, whether or not its observed state does
  // (the observed item, written after, replaces the bare key where there is one).
  const touched = change.findings.map((f) => observedKey(f, f.kind, f.resource));
  const rest = unique([...outbox, ...touched, ...change.observed.map(observedItem), ...change.findings.map(findingItem)]);
  const processed = unique(change.processed.map((entry) => processedItem(entry.key, Date.parse(entry.expiresAt))));
  for (const item of [...rest, ...processed]) {
    const size = itemSize(item);
    if (size > MAX_ITEM_BYTES) refuse(`${item.pk?.S} / ${item.sk?.S} is about ${size} bytes; a DynamoDB item holds at most 400 KB`);
  }
  if (processed.length > MAX_TRANSACTION_ITEMS) refuse(`${processed.length} processed ids: at most ${MAX_TRANSACTION_ITEMS} fit the last transaction`);

  const batches: Batch[] = [new Batch(context.reserve)];
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

/** Observed items (and bare revision keys) are updated, never put: their revision counts on. */
function isRevisioned(item: Item): boolean {
  return item.pk?.S?.startsWith('observed#') === true;
}

/** `#revision = guard`, or no revision yet for guard 0 (no item, or one written before revisions). */
function revisionCondition(guard: number): { ConditionExpression: string; values: Item } {
  return guard === 0
    ? { ConditionExpression: `attribute_not_exists(#revision)`, values: {} }
    : { ConditionExpression: `#revision = :revision`, values: { ':revision': n(guard) } };
}

/** An observed item's attributes set and its revision counted on (ADD makes a missing one 1), on condition of `guard`. */
function revisionUpdate(table: string, item: Item, guard: number | undefined): NonNullable<TransactWriteItem['Update']> {
  const { pk, sk, ...rest } = item;
  const names: Record<string, string> = { '#revision': REVISION_ATTRIBUTE };
  const values: Item = { ':one': n(1) };
  const sets = Object.entries(rest).map(([name, value], i) => {
    names[`#a${i}`] = name;
    values[`:a${i}`] = value;
    return `#a${i} = :a${i}`;
  });
  const condition = guard === undefined ? undefined : revisionCondition(guard);
  return {
    TableName: table, Key: { pk: pk ?? s(''), sk: sk ?? s('') },
    UpdateExpression: `${sets.length > 0 ? `SET ${sets.join(', ')} ` : ''}ADD #revision :one`,
    ExpressionAttributeNames: names, ExpressionAttributeValues: { ...values, ...condition?.values },
    ...(condition ? { ConditionExpression: condition.ConditionExpression } : {}),
  };
}

export interface TransactOptions {
  table: string;
  /** Owners of the claims a processed item may only be written under, by the item's `pk`. */
  claims: ReadonlyMap<string | undefined, string>;
  /**
   * Revisions the commit's reads rest on, by `keyText`: an item written here is written on
   * condition of its guard, and every other guard becomes a `ConditionCheck`. Only for the first
   * transaction of a commit (so a refusal writes nothing).
   */
  guards?: ReadonlyMap<string, number>;
  /** Items (by `keyText`) put only where none is yet: a finding opened for the first time, its alerts leased by the commit. */
  absent?: ReadonlySet<string>;
}

/**
 * The requests of one transaction: observed items as revision-counting updates, other items as
 * puts (a claimed processed id only while the claim holds), and the guards' checks. `guarded`:
 * the places whose condition is a guard, to tell a stale read from a lost claim when it fails.
 */
export function transactItems(items: readonly Item[], options: TransactOptions): { items: TransactWriteItem[]; guarded: Set<number> } {
  const { table, claims } = options;
  const guards = new Map(options.guards ?? []);
  const guarded = new Set<number>();
  const out: TransactWriteItem[] = items.map((Item, index) => {
    if (isRevisioned(Item)) {
      const key = keyText(Item);
      const guard = guards.get(key);
      guards.delete(key);
      if (guard !== undefined) guarded.add(index);
      return { Update: revisionUpdate(table, Item, guard) };
    }
    const owner = claims.get(Item.pk?.S);
    if (options.absent?.has(keyText(Item))) {
      guarded.add(index);
      return { Put: { TableName: table, Item, ConditionExpression: 'attribute_not_exists(pk)' } };
    }
    return {
      Put: {
        TableName: table, Item,
        ...(owner === undefined ? {} : {
          ConditionExpression: '#status = :claimed AND claimOwner = :owner',
          ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':claimed': s('in-progress'), ':owner': s(owner) },
        }),
      },
    };
  });
  for (const [key, guard] of guards) {
    const [pk = '', sk = ''] = key.split('\u0000');
    const condition = revisionCondition(guard);
    guarded.add(out.length);
    out.push({
      ConditionCheck: {
        TableName: table, Key: { pk: s(pk), sk: s(sk) }, ConditionExpression: condition.ConditionExpression,
        ExpressionAttributeNames: { '#revision': REVISION_ATTRIBUTE },
        ...(Object.keys(condition.values).length > 0 ? { ExpressionAttributeValues: condition.values } : {}),
      },
    });
  }
  return { items: out, guarded };
}
