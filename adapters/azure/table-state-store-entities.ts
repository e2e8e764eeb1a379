import { createHash } from 'node:crypto';
import { z } from 'zod';
import { NetdriftError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import type { ObservedState, OutboxEntry } from '../../core/ports.js';
import { normalizeId, resourceKeyOf, type ResourceKind, type Scope } from '../../core/resource.js';

/**
 * The entities of the state table and their keys (the design is described on `TableStateStore`).
 * Everything a commit writes lives in one partition, so that one entity group transaction holds it.
 */
export const STATE_PARTITION = 'state';
/** The sinks' shared rate limits: written on every send, never by a commit, so kept apart. */
export const RATE_LIMIT_PARTITION = 'ratelimit';

/** A property value as the SDK writes it. */
export type Value = string | number | boolean;
export interface Entity {
  partitionKey: string;
  rowKey: string;
  [property: string]: Value;
}

/**
 * A string property holds at most 64 KiB, UTF-16 (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#property-types):
 * JSON is split across `json0`, `json1`, ... of at most this many UTF-16 code units each.
 */
export const MAX_PART_CHARS = 32_000;
/** An entity holds at most 1 MiB, keys and property names included; this leaves room for those. */
export const MAX_ENTITY_BYTES = 1_000_000;

/** Key characters kept as they are; anything else (`/ \ # ?` are forbidden in keys) is escaped as `!XX` per UTF-8 byte. */
const KEPT = /[A-Za-z0-9._:-]/;
/** A key component longer than this is replaced by its sha256 (a key holds at most 1 KiB). */
const MAX_COMPONENT = 200;

/** One component of a row key: escaped, so that `|` separates components and prefixes select exactly. */
export function keyPart(text: string): string {
  let out = '';
  for (const char of text) {
    if (KEPT.test(char)) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `!${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out.length <= MAX_COMPONENT ? out : `~sha256-${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

export const processedRow = (key: string) => `p|${keyPart(key)}`;
export const observedPrefix = (scope: Scope, kind: ResourceKind) => `o|${keyPart(scope.cloud)}|${keyPart(scope.account)}|${keyPart(kind)}|`;
export const observedRow = (scope: Scope, kind: ResourceKind, id: string) => observedPrefix(scope, kind) + keyPart(normalizeId(scope.cloud, id));
export const findingPrefix = (scope: Scope, kind: ResourceKind, id: string) => `f|${keyPart(resourceKeyOf(scope, kind, id))}|`;
export const findingRow = (f: Finding) => findingPrefix(f, f.kind, f.resource) + keyPart(f.fingerprint);
export const outboxRow = (id: string) => `q|${id}`;
export const rateLimitRow = (sink: string) => keyPart(sink);
/** The rows of each kind start with these; `j` is the journal epoch and `j|…` the journals of large commits. */
export const PREFIXES = { processed: 'p|', observed: 'o|', finding: 'f|', outbox: 'q|', journal: 'j' } as const;

/** The OData range that selects the row keys starting with `prefix` in a partition. */
export function prefixFilter(partition: string, prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  const end = prefix.slice(0, -1) + String.fromCharCode(last + 1);
  return `PartitionKey eq '${partition}' and RowKey ge '${prefix.replace(/'/g, "''")}' and RowKey lt '${end.replace(/'/g, "''")}'`;
}

/** JSON as `json0…jsonN` properties (see `MAX_PART_CHARS`), with their count in `jsonParts`. */
export function jsonProperties(value: unknown): Record<string, Value> {
  return textProperties(JSON.stringify(value));
}

/** Text as `json0…jsonN` properties of at most `MAX_PART_CHARS` each, with their count in `jsonParts`. */
export function textProperties(text: string): Record<string, Value> {
  const parts: Record<string, Value> = {};
  let count = 0;
  let at = 0;
  do {
    let end = Math.min(at + MAX_PART_CHARS, text.length);
    // Never split a surrogate pair: each part must be valid UTF-16 on its own.
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
    parts[`json${count}`] = text.slice(at, end);
    count += 1;
    at = end;
  } while (at < text.length);
  return { ...parts, jsonParts: count };
}

/** The JSON `jsonProperties` wrote, joined and parsed. */
export function jsonOf(entity: Record<string, unknown>, what: string): unknown {
  const text = textOf(entity, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw corrupt(entity, what, 'invalid JSON', cause);
  }
}

/** The text `textProperties` wrote, joined. */
export function textOf(entity: Record<string, unknown>, what: string): string {
  const count = entity.jsonParts;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) throw corrupt(entity, what, 'jsonParts missing');
  let text = '';
  for (let i = 0; i < count; i += 1) {
    const part = entity[`json${i}`];
    if (typeof part !== 'string') throw corrupt(entity, what, `json${i} missing`);
    text += part;
  }
  return text;
}

function corrupt(entity: Record<string, unknown>, what: string, detail: string, cause?: unknown): NetdriftError {
  return new NetdriftError(`state store: ${what} entity ${String(entity.rowKey)}: ${detail}`, { cause });
}

/** About how many bytes Table storage counts for an entity (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#total-entity-size). */
export function entitySize(entity: Entity): number {
  let size = 4 + (entity.partitionKey.length + entity.rowKey.length) * 2;
  for (const [name, value] of Object.entries(entity)) {
    if (name === 'partitionKey' || name === 'rowKey') continue;
    size += 8 + name.length * 2 + (typeof value === 'string' ? 4 + value.length * 2 : 8);
  }
  return size;
}

export function processedEntity(key: string, status: 'done' | 'in-progress', expiresAtMs: number, owner?: string): Entity {
  return {
    partitionKey: STATE_PARTITION, rowKey: processedRow(key), key, status,
    // ISO times as `toISOString` spells them sort as the times do: `purgeExpired` filters on them.
    expiresAt: new Date(expiresAtMs).toISOString(), ...(owner === undefined ? {} : { owner }),
  };
}

export function observedEntity(o: ObservedState): Entity {
  return { partitionKey: STATE_PARTITION, rowKey: observedRow(o, o.kind, o.id), ...jsonProperties(o) };
}

/** A resolved finding keeps its entity, marked resolved: `listFindings` shows what was and is no more. */
export function findingEntity(f: Finding): Entity {
  return {
    partitionKey: STATE_PARTITION, rowKey: findingRow(f), status: f.status, cloud: f.cloud, account: f.account, ...jsonProperties(f),
  };
}

export function outboxEntity(entry: OutboxEntry): Entity {
  return {
    partitionKey: STATE_PARTITION, rowKey: outboxRow(entry.id), id: entry.id, sink: entry.sink, state: entry.state,
    attempts: entry.attempts, createdAt: entry.createdAt,
    ...(entry.lastError === undefined ? {} : { lastError: entry.lastError }),
    ...(entry.nextAttemptAt === undefined ? {} : { nextAttemptAt: entry.nextAttemptAt }),
    ...(entry.leasedBy === undefined ? {} : { leaseOwner: entry.leasedBy }),
    ...jsonProperties(entry.finding),
  };
}

const ProcessedSchema = z.object({ status: z.enum(['done', 'in-progress']), expiresAt: z.string(), owner: z.string().optional(), etag: z.string() });
const OutboxSchema = z.object({
  id: z.string(), sink: z.string(), state: z.enum(['pending', 'rejected']), attempts: z.number().int(), createdAt: z.string(),
  lastError: z.string().optional(), nextAttemptAt: z.string().optional(), leaseOwner: z.string().optional(), etag: z.string(),
});

function parse<T>(schema: z.ZodType<T>, entity: Record<string, unknown>, what: string): T {
  const result = schema.safeParse(entity);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw corrupt(entity, what, `${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
}

/** A processed id's entity: done or a claim in progress, until when, by whom, at which etag. */
export function processedOf(entity: Record<string, unknown>): { status: 'done' | 'in-progress'; expiresAtMs: number; owner?: string; etag: string } {
  const p = parse(ProcessedSchema, entity, 'processed');
  return { status: p.status, expiresAtMs: Date.parse(p.expiresAt), ...(p.owner === undefined ? {} : { owner: p.owner }), etag: p.etag };
}

export function observedOf(entity: Record<string, unknown>): ObservedState {
  return jsonOf(entity, 'observed') as ObservedState;
}

export function findingOf(entity: Record<string, unknown>): Finding {
  return jsonOf(entity, 'finding') as Finding;
}

/** An outbox entry and the etag its conditional updates need. */
export function outboxOf(entity: Record<string, unknown>): { entry: OutboxEntry; etag: string } {
  const o = parse(OutboxSchema, entity, 'outbox');
  return {
    etag: o.etag,
    entry: {
      id: o.id, sink: o.sink, finding: jsonOf(entity, 'outbox') as Finding, attempts: o.attempts,
      ...(o.lastError === undefined ? {} : { lastError: o.lastError }), createdAt: o.createdAt, state: o.state,
      ...(o.nextAttemptAt === undefined ? {} : { nextAttemptAt: o.nextAttemptAt }),
      ...(o.leaseOwner === undefined ? {} : { leasedBy: o.leaseOwner }),
    },
  };
}
