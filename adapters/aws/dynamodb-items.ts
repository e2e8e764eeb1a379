import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { NetdriftError } from '../../core/errors.js';
import { outboxEntryId } from '../../core/state-commit.js';
import type { Finding } from '../../core/finding.js';
import type { ObservedState, OutboxEntry } from '../../core/ports.js';
import { normalizeId, resourceKeyOf, type Resource, type ResourceKind, type Scope } from '../../core/resource.js';

/**
 * The items of the state table and their keys (the design is described on `DynamoDbStateStore`).
 * Values are marshalled by hand: every attribute is a string or a number, and the finding and
 * resource documents are kept as JSON strings, which round-trip exactly (DynamoDB maps would drop
 * nothing, but turn every number into a decimal string and refuse empty sets).
 */
export type Item = Record<string, AttributeValue>;

/** The TTL attribute: epoch seconds (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html). */
export const TTL_ATTRIBUTE = 'expiresAt';
/** LSI over the outbox partitions, sorted by `outboxOrder`: alerts oldest first, read consistently. */
export const OUTBOX_ORDER_INDEX = 'outbox-order';
/** GSI `findingScope` (`<cloud>/<account>`) + `findingOrder` (`<openedAt>#<fingerprint>`): the findings of one account. */
export const FINDINGS_BY_ACCOUNT_INDEX = 'findings-by-account';
/**
 * The partition of each outbox state: pending alerts (few, read in order on every delivery) apart
 * from rejected ones (kept until redriven), so that rejected entries are never read to be skipped.
 */
export const OUTBOX_PARTITIONS = { pending: 'outbox', rejected: 'outbox#rejected' } as const satisfies Record<OutboxEntry['state'], string>;

export type ItemType = 'processed' | 'observed' | 'finding' | 'outbox' | 'ratelimit';

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });

export function processedKey(key: string): Item {
  return { pk: s(`processed#${key}`), sk: s('processed') };
}

export function observedPartition(scope: Scope, kind: ResourceKind): string {
  return `observed#${scope.cloud}/${scope.account}/${kind}`;
}

/** `observedPartition` + the normalised id spell `resourceKey`: Azure ids are found whatever their case. */
export function observedKey(scope: Scope, kind: ResourceKind, id: string): Item {
  return { pk: s(observedPartition(scope, kind)), sk: s(normalizeId(scope.cloud, id)) };
}

export function findingPartition(scope: Scope, kind: ResourceKind, id: string): string {
  return `finding#${resourceKeyOf(scope, kind, id)}`;
}

export function findingScope(scope: Scope): string {
  return `${scope.cloud}/${scope.account}`;
}

export function outboxKey(id: string, state: OutboxEntry['state'] = 'pending'): Item {
  return { pk: s(OUTBOX_PARTITIONS[state]), sk: s(`entry#${id}`) };
}

/**
 * The counter on an observed item that every commit touching the resource (its observed state or
 * its findings) adds one to, so that a reader that kept what it read (dynamodb-read-cache.ts) can
 * make its commit conditional on nothing having changed since. A resource with findings and no
 * observed state yet has an item holding only its key and this counter (see `isObservedItem`).
 */
export const REVISION_ATTRIBUTE = 'revision';

/** A resource's revision as its observed item has it; 0 when it has none (no item, or one written before revisions). */
export function revisionOf(item: Item | undefined): number {
  const value = item?.[REVISION_ATTRIBUTE]?.N;
  return value === undefined ? 0 : Number(value);
}

/** An observed item holding a state, not only a revision. */
export function isObservedItem(item: Item): boolean {
  return item.eventTime !== undefined;
}

/** The key of an item as one string (for maps keyed by item). */
export function keyText(item: Item): string {
  return `${item.pk?.S ?? ''}\u0000${item.sk?.S ?? ''}`;
}

export function processedItem(key: string, expiresAtMs: number): Item {
  // DynamoDB deletes an item some time after its TTL, never before: round up to the second.
  return {
    ...processedKey(key), itemType: s('processed'), status: s('done'),
    [TTL_ATTRIBUTE]: n(Math.ceil(expiresAtMs / 1000)), expiresAtMs: n(expiresAtMs),
  };
}

/** A claim in progress: the same item as the processed id, held by `owner` until `leaseUntilMs` (then taken over, or deleted by the TTL). */
export function claimItem(key: string, owner: string, leaseUntilMs: number): Item {
  return { ...processedItem(key, leaseUntilMs), status: s('in-progress'), claimOwner: s(owner) };
}

/** The row of one sink's shared rate limit: its recent sends, and a version for the conditional write. */
export function sendSlotsKey(sink: string): Item {
  return { pk: s(`ratelimit#${sink}`), sk: s('ratelimit') };
}

export function observedItem(o: ObservedState): Item {
  return {
    ...observedKey(o, o.kind, o.id), itemType: s('observed'),
    cloud: s(o.cloud), account: s(o.account), kind: s(o.kind), id: s(o.id), region: s(o.region),
    state: o.state === null ? { NULL: true } : s(JSON.stringify(o.state)),
    eventTime: s(o.eventTime), eventId: s(o.eventId),
  };
}

/** A resolved finding keeps its item, marked resolved: `listFindings` shows what was and is no more. */
export function findingItem(f: Finding): Item {
  return {
    pk: s(findingPartition(f, f.kind, f.resource)), sk: s(f.fingerprint), itemType: s('finding'),
    status: s(f.status), cloud: s(f.cloud), account: s(f.account), openedAt: s(f.openedAt),
    findingScope: s(findingScope(f)), findingOrder: s(`${f.openedAt}#${f.fingerprint}`),
    finding: s(JSON.stringify(f)),
  };
}

/**
 * The id of an outbox entry, the same every time the same event yields the same alert for the
 * same sink, so that a commit redone after a crash overwrites its entries instead of adding them.
 */
export function outboxId(eventKeys: readonly string[], sink: string, finding: Finding): string {
  return outboxEntryId(eventKeys, sink, finding);
}

export function outboxItem(id: string, sink: string, finding: Finding, createdAt: string, order: string): Item {
  return {
    ...outboxKey(id), itemType: s('outbox'), outboxOrder: s(order),
    id: s(id), sink: s(sink), finding: s(JSON.stringify(finding)), attempts: n(0), createdAt: s(createdAt),
  };
}

/**
 * The same entry in the partition of `state`, its `outboxOrder` kept (the outbox is listed by
 * creation whatever happened since), with `changes`; `nextAttemptAt` and any lease are dropped: a moved entry is due now.
 */
export function movedOutboxItem(item: Item, state: OutboxEntry['state'], changes: Item): Item {
  const { nextAttemptAt: _dropped, leaseOwner: _owner, ...rest } = item;
  return { ...rest, pk: s(OUTBOX_PARTITIONS[state]), ...changes };
}

/** A time given to the store (ISO 8601), as `toISOString` spells it: such strings sort as the times do. */
export function normalizedTime(iso: string, what: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new NetdriftError(`state store: ${what} ${JSON.stringify(iso)} is not a date`);
  return new Date(ms).toISOString();
}

const S = z.object({ S: z.string() });
const N = z.object({ N: z.string().regex(/^-?\d+(\.\d+)?$/) });
const NULL = z.object({ NULL: z.literal(true) });

const ObservedItemSchema = z.object({
  cloud: S, account: S, kind: S, id: S, region: S, state: z.union([S, NULL]), eventTime: S, eventId: S,
});
const FindingItemSchema = z.object({ finding: S });
const OutboxItemSchema = z.object({
  pk: S, id: S, sink: S, finding: S, attempts: N, lastError: S.optional(), createdAt: S, nextAttemptAt: S.optional(),
  leaseOwner: S.optional(),
});
// Items written before claims existed have no status: they are done.
const ProcessedItemSchema = z.object({ expiresAtMs: N, status: S.optional() });

/** Items are read back with a schema: a table shared with something else, or edited by hand, fails with one line. */
function parseItem<T>(schema: z.ZodType<T>, item: Item, what: string): T {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = `${item.pk?.S ?? '?'} / ${item.sk?.S ?? '?'}`;
  throw new NetdriftError(`state store: ${what} item ${where}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
}

export function observedFromItem(item: Item): ObservedState {
  const o = parseItem(ObservedItemSchema, item, 'observed');
  return {
    cloud: o.cloud.S as ObservedState['cloud'], account: o.account.S, kind: o.kind.S as ResourceKind, id: o.id.S,
    region: o.region.S, state: 'S' in o.state ? (JSON.parse(o.state.S) as Resource) : null,
    eventTime: o.eventTime.S, eventId: o.eventId.S,
  };
}

export function findingFromItem(item: Item): Finding {
  return JSON.parse(parseItem(FindingItemSchema, item, 'finding').finding.S) as Finding;
}

export function outboxFromItem(item: Item): OutboxEntry {
  const o = parseItem(OutboxItemSchema, item, 'outbox');
  return {
    id: o.id.S, sink: o.sink.S, finding: JSON.parse(o.finding.S) as Finding, attempts: Number(o.attempts.N),
    ...(o.lastError === undefined ? {} : { lastError: o.lastError.S }), createdAt: o.createdAt.S,
    // The partition says the state: entries written before rejection existed are all in the pending one.
    state: o.pk.S === OUTBOX_PARTITIONS.rejected ? 'rejected' : 'pending',
    ...(o.nextAttemptAt === undefined ? {} : { nextAttemptAt: o.nextAttemptAt.S }),
    ...(o.leaseOwner === undefined ? {} : { leasedBy: o.leaseOwner.S }),
  };
}

/** A processed id's item: done or in progress (a claim), until when. */
export function processedFromItem(item: Item): { status: 'done' | 'in-progress'; expiresAtMs: number } {
  const p = parseItem(ProcessedItemSchema, item, 'processed');
  return { status: p.status?.S === 'in-progress' ? 'in-progress' : 'done', expiresAtMs: Number(p.expiresAtMs.N) };
}

/** About how many bytes DynamoDB counts for an item: names and values in UTF-8 (numbers: about one byte per two digits). */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name, 'utf8');
    if (value.S !== undefined) size += Buffer.byteLength(value.S, 'utf8');
    else if (value.N !== undefined) size += Math.ceil(value.N.length / 2) + 1;
    else size += 1;
  }
  return size;
}
