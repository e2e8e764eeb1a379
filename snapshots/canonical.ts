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

/** Sorts by `keys`, then by the element's compact canonical JSON, so that ties cannot depend on input order. */
function sortBy(items: Json[], keys: (item: Json) => string[]): Json[] {
  const decorated = items.map((item) => ({ item, keys: [...keys(item), stringify(item, undefined)] }));
  decorated.sort((a, b) => {
    for (let i = 0; i < a.keys.length; i += 1) {
      const order = compareText(a.keys[i] ?? '', b.keys[i] ?? '');
      if (order !== 0) return order;
    }
    return 0;
  });
  return decorated.map((entry) => entry.item);
}

function canonicalResource(resource: JsonObject): JsonObject {
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
 * The canonical form of a snapshot (DESIGN.md, "Canonical form"): keys sorted at every depth,
 * resources sorted by `kind` then `id`, set fields (`SET_FIELDS`) sorted, routes sorted by
 * `name` (else `destination`), DNS records by `name` then `type`, associations by `id`.
 * Every other array keeps its order. Returns a new object; the input is not changed.
 */
export function canonicalSnapshot(snapshot: Snapshot): Snapshot {
  const document = plainJson(snapshot) as JsonObject;
  if (Array.isArray(document.resources)) {
    const resources = document.resources.map((resource) => (isObject(resource) ? canonicalResource(resource) : resource));
    document.resources = sortBy(resources, (resource) =>
      isObject(resource) ? [text(resource.kind), text(resource.id)] : [text(resource)]);
  }
  return sortKeys(document) as unknown as Snapshot;
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

/**
 * The snapshot as it is written to disk and reviewed in git: canonical form, 2-space indent,
 * a newline at the end.
 */
export function canonicalJson(snapshot: Snapshot): string {
  return stringify(canonicalSnapshot(snapshot) as unknown as Json, '  ') + '\n';
}

/** The snapshot without its top-level `approval` field: what its identity is computed over. */
export function withoutApproval(snapshot: Snapshot): Snapshot {
  const { approval: _approval, ...content } = snapshot;
  return content as Snapshot;
}

/**
 * The snapshot's identity: sha256 (hex) of its compact canonical JSON (no whitespace, keys
 * sorted) without the top-level `approval` field, so recording an approval does not change it.
 */
export function snapshotSha256(snapshot: Snapshot): string {
  const compact = stringify(canonicalSnapshot(withoutApproval(snapshot)) as unknown as Json, undefined);
  return createHash('sha256').update(compact, 'utf8').digest('hex');
}
