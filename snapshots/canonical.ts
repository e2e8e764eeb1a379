import { createHash } from 'node:crypto';
import { SET_FIELDS, type ResourceKind } from '../core/resource.js';
import type { Snapshot } from '../core/snapshot.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * Orders by UTF-16 code units: the same in every locale and runtime, unlike `localeCompare`,
 * so a baseline hashes the same on every machine.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Item arrays sorted by their identity (DESIGN.md, "Canonical form"); anything else keeps its order. */
const ITEM_ORDER: Readonly<Record<string, (item: JsonObject) => string[]>> = {
  routes: (route) => [text(route.name ?? route.destination)],
  records: (record) => [text(record.name), text(record.type)],
  associations: (association) => [text(association.id)],
};

function text(value: Json | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const sorted: JsonObject = {};
  for (const key of Object.keys(value).sort(compareText)) sorted[key] = sortKeys(value[key] as Json);
  return sorted;
}

/**
 * Sorts by `keys`, then by the element's compact canonical JSON, so that ties cannot depend on
 * input order. The compact JSON is computed only for elements whose keys tie (rarely): it is
 * the costly part.
 */
function sortBy(items: Json[], keys: (item: Json) => string[]): Json[] {
  const decorated = items.map((item) => ({ item, keys: keys(item), text: undefined as string | undefined }));
  const textOf = (entry: { item: Json; text: string | undefined }): string => (entry.text ??= stringify(entry.item, undefined));
  const compare = (a: (typeof decorated)[number], b: (typeof decorated)[number]): number => {
    for (let i = 0; i < a.keys.length; i += 1) {
      const order = compareText(a.keys[i] ?? '', b.keys[i] ?? '');
      if (order !== 0) return order;
    }
    return compareText(textOf(a), textOf(b));
  };
  // Stored snapshots are canonical already: one linear check, no sort.
  let sorted = true;
  for (let i = 1; i < decorated.length && sorted; i += 1) sorted = compare(decorated[i - 1] as (typeof decorated)[number], decorated[i] as (typeof decorated)[number]) <= 0;
  if (sorted) return items;
  decorated.sort(compare);
  return decorated.map((entry) => entry.item);
}

function canonicalResourceObject(resource: JsonObject): JsonObject {
  const out: JsonObject = { ...resource };
  const setFields = SET_FIELDS[resource.kind as ResourceKind] ?? [];
  for (const field of setFields) {
    const values = out[field];
    if (Array.isArray(values)) out[field] = sortBy(values, (value) => [text(value)]);
  }
  for (const [field, identity] of Object.entries(ITEM_ORDER)) {
    const items = out[field];
    if (Array.isArray(items)) out[field] = sortBy(items, (item) => (isObject(item) ? identity(item) : [text(item)]));
  }
  return out;
}

/** A deep copy with JSON's semantics: `undefined` fields dropped, `Date`s as strings, non-finite numbers as null. */
function plainJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

/**
 * One resource in canonical form (keys sorted, sets and item arrays sorted): a new object (its
 * arrays shared with the input when `plain`). What
 * the streaming writer applies to each resource it is given, so that no step needs the whole
 * snapshot as one value.
 */
export function canonicalResource(resource: unknown, options: { plain?: boolean } = {}): Json {
  // `plain`: the resource is plain JSON already (just parsed): no defensive copy is needed.
  const plain = options.plain ? resource as Json : plainJson(resource);
  return sortKeys(isObject(plain) ? canonicalResourceObject(plain) : plain);
}

/** The canonical order of resources: `kind`, then `id` (code units). Ties are broken by the caller. */
export function compareResources(a: Json, b: Json): number {
  const ka = isObject(a) ? [text(a.kind), text(a.id)] : [text(a), ''];
  const kb = isObject(b) ? [text(b.kind), text(b.id)] : [text(b), ''];
  return compareText(ka[0] ?? '', kb[0] ?? '') || compareText(ka[1] ?? '', kb[1] ?? '');
}

/** Resources in canonical form and order; each comes with its compact canonical JSON. */
export function canonicalResources(resources: readonly unknown[]): { resource: Json; compact: string }[] {
  const items = resources.map((resource) => {
    const canonical = canonicalResource(resource);
    return { resource: canonical, compact: compactJson(canonical) };
  });
  items.sort((a, b) => compareResources(a.resource, b.resource) || compareText(a.compact, b.compact));
  return items;
}

/** The top-level fields of a snapshot but `resources`, in canonical form (a plain copy, keys sorted). */
export function canonicalHeader(snapshot: Omit<Snapshot, 'resources'> & { resources?: unknown }): JsonObject {
  const { resources: _resources, ...header } = snapshot;
  return sortKeys(plainJson(header)) as JsonObject;
}

/**
 * The canonical form of a snapshot (DESIGN.md, "Canonical form"): keys sorted at every depth,
 * resources sorted by `kind` then `id`, set fields (`SET_FIELDS`) sorted, routes sorted by
 * `name` (else `destination`), DNS records by `name` then `type`, associations by `id`.
 * Every other array keeps its order. Returns a new object; the input is not changed.
 * Each resource is copied on its own, so no step serialises the whole snapshot at once.
 */
export function canonicalSnapshot(snapshot: Snapshot): Snapshot {
  const header = canonicalHeader(snapshot);
  const resources = Array.isArray(snapshot.resources) ? canonicalResources(snapshot.resources).map((item) => item.resource) : plainJson(snapshot.resources);
  return sortKeys({ ...header, resources: resources as Json }) as unknown as Snapshot;
}

/**
 * Whether `JSON.stringify` enumerates every object's keys of `value` in code-unit order already
 * (as `sortKeys` leaves them, unless a key looks like an array index: those come first).
 */
function keysInOrder(value: Json): boolean {
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null && !keysInOrder(item)) return false;
    return true;
  }
  if (!isObject(value)) return true;
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && compareText(previous, key) >= 0) return false;
    previous = key;
    const inner = value[key] as Json;
    if (typeof inner === 'object' && inner !== null && !keysInOrder(inner)) return false;
  }
  return true;
}

/**
 * Serialises with object keys in code-unit order. `JSON.stringify` alone cannot: it always puts
 * integer-like keys (`"10"`, `"9"`) first, whatever their insertion order.
 */
function stringify(value: Json, indent: string | undefined, depth = 0): string {
  if (!Array.isArray(value) && !isObject(value)) return JSON.stringify(value);
  const open = Array.isArray(value) ? '[' : '{';
  const close = Array.isArray(value) ? ']' : '}';
  const parts = Array.isArray(value)
    ? value.map((item) => stringify(item, indent, depth + 1))
    : Object.keys(value).sort(compareText).map((key) =>
      `${JSON.stringify(key)}:${indent === undefined ? '' : ' '}${stringify(value[key] as Json, indent, depth + 1)}`);
  if (parts.length === 0) return open + close;
  if (indent === undefined) return open + parts.join(',') + close;
  const inner = '\n' + indent.repeat(depth + 1);
  return open + inner + parts.join(',' + inner) + '\n' + indent.repeat(depth) + close;
}

/** A resource as a file holds it: canonical JSON, 2-space indent, as if nested `depth` levels deep. */
export function prettyJson(value: Json, depth: number): string {
  if (!keysInOrder(value)) return stringify(value, '  ', depth);
  // JSON.stringify's indentation is the canonical one: native, then shifted right by `depth` levels.
  const text = JSON.stringify(value, null, 2);
  return depth === 0 ? text : text.replaceAll('\n', '\n' + '  '.repeat(depth));
}

/** Compact canonical JSON (no whitespace, keys sorted): what the identity is computed over. */
export function compactJson(value: Json): string {
  return keysInOrder(value) ? JSON.stringify(value) : stringify(value, undefined);
}

/**
 * The canonical document around its resources, so that a writer can put the resources between
 * them one by one: `{…, "resources": [` and `], …}`, pretty (as written) and compact (as hashed,
 * without `approval`). The tails depend on whether any resource was written.
 */
export interface DocumentFrame {
  prettyHead: string;
  prettyTail(empty: boolean): string;
  compactHead: string;
  compactTail: string;
}

export function documentFrame(header: JsonObject): DocumentFrame {
  const keys = [...Object.keys(header).filter((key) => key !== 'resources'), 'resources'].sort(compareText);
  const at = keys.indexOf('resources');
  const pretty = (key: string) => `${JSON.stringify(key)}: ${stringify(header[key] as Json, '  ', 1)}`;
  const compact = keys.filter((key) => key !== 'approval' && key !== 'resources').map((key) => ({ key, text: `${JSON.stringify(key)}:${stringify(header[key] as Json, undefined)}` }));
  const before = keys.slice(0, at).map(pretty);
  const after = keys.slice(at + 1).map(pretty);
  const compactBefore = compact.filter((member) => compareText(member.key, 'resources') < 0).map((member) => member.text);
  const compactAfter = compact.filter((member) => compareText(member.key, 'resources') > 0).map((member) => member.text);
  return {
    prettyHead: `{\n${[...before, '"resources": ['].map((line) => `  ${line}`).join(',\n')}`,
    prettyTail: (empty) => `${empty ? ']' : '\n  ]'}${after.map((line) => `,\n  ${line}`).join('')}\n}\n`,
    compactHead: `{${[...compactBefore, '"resources":['].join(',')}`,
    compactTail: `]${compactAfter.map((member) => `,${member}`).join('')}}`,
  };
}

/** Where a resource goes in a pretty document: after the head or after the previous resource. */
export function prettyElement(resource: Json, index: number): string {
  return `${index === 0 ? '\n    ' : ',\n    '}${prettyJson(resource, 2)}`;
}

/**
 * The snapshot as it is written to disk and reviewed in git: canonical form, 2-space indent,
 * a newline at the end. One string: for small snapshots (the stores write big ones as streams).
 */
export function canonicalJson(snapshot: Snapshot): string {
  const frame = documentFrame(canonicalHeader(snapshot));
  const resources = canonicalResources(Array.isArray(snapshot.resources) ? snapshot.resources : []);
  return frame.prettyHead + resources.map((item, i) => prettyElement(item.resource, i)).join('') + frame.prettyTail(resources.length === 0);
}

/** The snapshot without its top-level `approval` field: what its identity is computed over. */
export function withoutApproval(snapshot: Snapshot): Snapshot {
  const { approval: _approval, ...content } = snapshot;
  return content as Snapshot;
}

/**
 * The snapshot's identity: sha256 (hex) of its compact canonical JSON (no whitespace, keys
 * sorted) without the top-level `approval` field, so recording an approval does not change it.
 * Hashed resource by resource: no single string of the whole snapshot is built. Writers compute
 * the same digest as they write (snapshot-writer.ts); this is for snapshots held in memory.
 */
export function snapshotSha256(snapshot: Snapshot): string {
  const frame = documentFrame(canonicalHeader(snapshot));
  const hash = createHash('sha256').update(frame.compactHead);
  canonicalResources(Array.isArray(snapshot.resources) ? snapshot.resources : []).forEach((item, i) => {
    if (i > 0) hash.update(',');
    hash.update(item.compact);
  });
  return hash.update(frame.compactTail).digest('hex');
}
