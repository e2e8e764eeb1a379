import fc from 'fast-check';

/**
 * Mutations of a JSON document, as fast-check values: each names what it does and where (`at`
 * picks one of the document's nodes, modulo their number), so a failing case shrinks to a few
 * readable steps. Applying one never changes its input.
 */

export type Mutation =
  | { op: 'drop'; at: number }
  | { op: 'retype'; at: number; value: unknown }
  | { op: 'huge-string'; at: number; length: number }
  | { op: 'huge-array'; at: number; length: number }
  | { op: 'deep'; at: number; depth: number }
  | { op: 'control'; at: number; char: string; position: number }
  | { op: 'surrogate'; at: number; char: string; position: number }
  | { op: 'long-id'; at: number; length: number }
  | { op: 'time'; when: string }
  | { op: 'proto'; at: number; key: string }
  | { op: 'bad-cidr'; cidr: string }
  | { op: 'foreign'; pick: number };

type Json = unknown;
type Path = (string | number)[];

const DAY = 86_400_000;

/** Event times people would not expect: far and near future, the epoch, impossible dates. */
export const timeArbitrary = fc.oneof(
  fc.constantFrom('2099-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '0001-01-01T00:00:00Z',
    '2026-02-30T10:00:00Z', '2026-11-26T25:61:00Z', 'yesterday', ''),
  fc.integer({ min: -400, max: 400 }).map((days) => new Date(Date.now() + days * DAY).toISOString()),
  fc.integer({ min: -20, max: 20 }).map((minutes) => new Date(Date.now() + minutes * 60_000).toISOString()),
);

const wrongValue = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constant([]), fc.constant({}),
  fc.array(fc.integer(), { maxLength: 3 }), fc.string({ maxLength: 12 }), fc.constant(''), fc.constant(' '),
);

const controlChar = fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f).map((c) => String.fromCharCode(c))
  .chain((c) => fc.constantFrom(c, '\u2028', '\u2029'));
const loneSurrogate = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map((c) => String.fromCharCode(c));

const BAD_CIDRS = ['999.1.1.1/33', '10.0.0.0/-1', '::/129', '0.0.0.0/0/0', 'abc', '', '10.0.0.0', '1.2.3.4/32 ', '0.0.0.0/00000000000000000001', 'fe80::1%eth0/64', '１０.0.0.0/8'];

/** One mutation, weighted towards the cases the brief names. */
export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('retype' as const), at: fc.nat(), value: wrongValue }),
  fc.record({ op: fc.constant('huge-string' as const), at: fc.nat(), length: fc.integer({ min: 5_000, max: 100_000 }) }),
  fc.record({ op: fc.constant('huge-array' as const), at: fc.nat(), length: fc.integer({ min: 200, max: 2_000 }) }),
  fc.record({ op: fc.constant('deep' as const), at: fc.nat(), depth: fc.integer({ min: 20, max: 3_000 }) }),
  fc.record({ op: fc.constant('control' as const), at: fc.nat(), char: controlChar, position: fc.nat() }),
  fc.record({ op: fc.constant('surrogate' as const), at: fc.nat(), char: loneSurrogate, position: fc.nat() }),
  fc.record({ op: fc.constant('long-id' as const), at: fc.nat(), length: fc.integer({ min: 256, max: 5_000 }) }),
  fc.record({ op: fc.constant('time' as const), when: timeArbitrary }),
  fc.record({ op: fc.constant('proto' as const), at: fc.nat(), key: fc.constantFrom('__proto__', 'constructor', 'prototype') }),
  fc.record({ op: fc.constant('bad-cidr' as const), cidr: fc.constantFrom(...BAD_CIDRS) }),
  fc.record({ op: fc.constant('foreign' as const), pick: fc.nat() }),
);

function isContainer(value: Json): value is Record<string, Json> | Json[] {
  return typeof value === 'object' && value !== null;
}

/** Mutations reach this deep; below lies what an earlier `deep` mutation put there. */
const MAX_WALK = 48;

interface Node {
  path: Path;
  value: Json;
}

/** Every node with its path, depth first; the root's path is `[]`. Long arrays are sampled, not walked. */
function nodesOf(value: Json, path: Path = [], out: Node[] = []): Node[] {
  out.push({ path, value });
  if (path.length >= MAX_WALK) return out;
  if (Array.isArray(value)) value.slice(0, 50).forEach((item, i) => nodesOf(item, [...path, i], out));
  else if (isContainer(value)) for (const [key, item] of Object.entries(value)) nodesOf(item, [...path, key], out);
  return out;
}

function get(value: Json, path: Path): Json {
  return path.reduce<Json>((node, key) => (isContainer(node) ? (node as Record<string | number, Json>)[key] : undefined), value);
}

/** A copy of `root` with the node at `path` replaced (or, with `remove`, deleted). */
function set(root: Json, path: Path, replacement: Json, remove = false): Json {
  if (path.length === 0) return replacement;
  const [key, ...rest] = path as [string | number, ...Path];
  if (Array.isArray(root)) {
    const copy = [...root];
    if (rest.length === 0 && remove) copy.splice(Number(key), 1);
    else copy[Number(key)] = set(copy[Number(key)], rest, replacement, remove);
    return copy;
  }
  const copy: Record<string, Json> = { ...(root as Record<string, Json>) };
  if (rest.length === 0 && remove) delete copy[key];
  else Object.defineProperty(copy, key, { value: set(copy[key], rest, replacement, remove), enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Applies `fn` to every string leaf that `test` accepts. */
function mapStrings(value: Json, test: (key: string, text: string) => boolean, fn: (text: string) => Json, key = '', depth = 0): Json {
  if (typeof value === 'string') return test(key, value) ? fn(value) : value;
  if (depth >= MAX_WALK) return value;
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, test, fn, key, depth + 1));
  if (!isContainer(value)) return value;
  const out: Record<string, Json> = {};
  for (const [k, item] of Object.entries(value)) Object.defineProperty(out, k, { value: mapStrings(item, test, fn, k, depth + 1), enumerable: true, writable: true, configurable: true });
  return out;
}

function nested(depth: number): Json {
  let value: Json = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

const TIME_KEY = /time(stamp)?$/i;
const CIDR = /^[0-9a-f:.]+\/\d{1,3}$/i;

/** `mutation` applied to `root`; `foreign` records (another cloud's) replace it whole. */
export function applyMutation(root: Json, mutation: Mutation, foreign: readonly Json[]): Json {
  const all = nodesOf(root);
  const nodes = all.map((node) => node.path);
  const pick = (at: number, accept: (node: Json, path: Path) => boolean): Path | undefined => {
    const fitting = all.filter((node) => accept(node.value, node.path));
    return fitting.length === 0 ? undefined : fitting[at % fitting.length]?.path;
  };
  const strings = (at: number) => pick(at, (node) => typeof node === 'string');
  const insert = (at: number, char: string, position: number) => {
    const path = strings(at);
    if (!path) return root;
    const text = get(root, path) as string;
    const p = position % (text.length + 1);
    return set(root, path, text.slice(0, p) + char + text.slice(p));
  };
  switch (mutation.op) {
    case 'drop': {
      const path = pick(mutation.at, (_node, p) => p.length > 0);
      return path ? set(root, path, undefined, true) : root;
    }
    case 'retype': return set(root, nodes[mutation.at % nodes.length] ?? [], mutation.value);
    case 'huge-string': {
      const path = strings(mutation.at);
      return path ? set(root, path, 'x'.repeat(mutation.length)) : root;
    }
    case 'huge-array': return set(root, nodes[mutation.at % nodes.length] ?? [], Array.from({ length: mutation.length }, (_, i) => `item-${i}`));
    case 'deep': return set(root, nodes[mutation.at % nodes.length] ?? [], nested(mutation.depth));
    case 'control': return insert(mutation.at, mutation.char, mutation.position);
    case 'surrogate': return insert(mutation.at, mutation.char, mutation.position);
    case 'long-id': {
      const path = strings(mutation.at);
      if (!path) return root;
      const text = get(root, path) as string;
      return set(root, path, text + 'a'.repeat(Math.max(0, mutation.length - text.length)));
    }
    case 'time': return mapStrings(root, (key) => TIME_KEY.test(key), () => mutation.when);
    case 'proto': {
      const path = pick(mutation.at, (node) => isContainer(node) && !Array.isArray(node));
      if (!path) return root;
      // JSON.parse makes `__proto__` an own key, as a delivery's body would have it.
      const withKey = JSON.parse(`{"${mutation.key}": {"polluted": true, "eventID": "proto"}}`) as Record<string, Json>;
      return set(root, path, Object.assign(withKey, get(root, path)));
    }
    case 'bad-cidr': return mapStrings(root, (_key, text) => CIDR.test(text), () => mutation.cidr);
    case 'foreign': return foreign.length === 0 ? root : foreign[mutation.pick % foreign.length];
  }
}

/** Which kinds of mutation were applied, for the summary. */
export function mutationNames(mutations: readonly Mutation[]): string[] {
  return [...new Set(mutations.map((m) => m.op))];
}
