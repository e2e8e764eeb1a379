import { ParseError } from '../core/errors.js';
import type { HistoryEntry, SnapshotSlot } from '../core/ports.js';
import { CLOUDS, type Scope } from '../core/resource.js';
import type { Snapshot } from '../core/snapshot.js';
import { readApproval } from './approval.js';
import { canonicalJson, compareText, snapshotSha256 } from './canonical.js';
import { parseSnapshot } from './parse.js';

/**
 * The layout every object store keeps snapshots in (S3, Blob storage), the filesystem store's
 * folder as keys: `<prefix><cloud>/<account>.json` (baseline), `<account>.candidate.json`, and
 * approved baselines in `<account>.history/<approvedAt-compact>-<sha12>.json`. Written once; each
 * store brings only its requests and its errors.
 */

/** The same account names as the filesystem store, so that a bucket, a container and a folder hold the same accounts. */
export const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** How many history objects a store reads at once. */
export const HISTORY_READS = 8;

/** `<prefix><cloud>/<account>`: where an account's keys start; `kind` names the store's objects in the error. */
export function accountBase(prefix: string, scope: Scope, kind: 'an object' | 'a blob'): string {
  const { account } = scope;
  if (!ACCOUNT_NAME.test(account) || /\.(candidate|history)$/.test(account)) {
    throw new ParseError(`snapshot store: account ${JSON.stringify(account)} cannot be ${kind} name`);
  }
  if (!(CLOUDS as readonly string[]).includes(scope.cloud)) {
    throw new ParseError(`snapshot store: unknown cloud ${JSON.stringify(scope.cloud)}`);
  }
  return `${prefix}${scope.cloud}/${account}`;
}

export function slotKey(base: string, slot: SnapshotSlot): string {
  return base + (slot === 'candidate' ? '.candidate.json' : '.json');
}

/** `2026-11-26T10:20:30.123Z` → `20261126T102030123Z`, as the filesystem store names history files. */
function compactTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) throw new ParseError(`history entry: approvedAt ${JSON.stringify(iso)} is not a date`);
  return time.toISOString().replace(/[-:.]/g, '');
}

export function historyFolder(base: string): string {
  return `${base}.history/`;
}

export function historyKey(base: string, entry: Omit<HistoryEntry, 'location'>): string {
  return `${historyFolder(base)}${compactTime(entry.approvedAt)}-${entry.sha256.slice(0, 12)}.json`;
}

/** The history objects among `names` (keys under `folder`): JSON files directly in it, none hidden. */
export function historyKeys(folder: string, names: readonly string[]): string[] {
  return names.filter((name) => {
    const rest = name.slice(folder.length);
    return rest.endsWith('.json') && !rest.startsWith('.') && !rest.includes('/');
  }).sort(compareText);
}

/** The account a key directly under `<prefix><cloud>/` names (its baseline or candidate), if any. */
export function accountOfKey(name: string): string | undefined {
  const account = /^(.+?)(?:\.candidate)?\.json$/.exec(name)?.[1];
  return account && ACCOUNT_NAME.test(account) && !account.endsWith('.candidate') ? account : undefined;
}

/** A history entry from the snapshot kept at `location` (its approval, else its own sha256 and capture time). */
export function historyEntryOf(snapshot: Snapshot, location: string): HistoryEntry {
  const approval = readApproval(snapshot);
  return {
    sha256: approval?.sha256 ?? snapshotSha256(snapshot),
    approvedAt: approval?.approvedAt ?? snapshot.capturedAt,
    ...(approval?.approvedBy === undefined ? {} : { approvedBy: approval.approvedBy }),
    ...(approval?.reason === undefined ? {} : { reason: approval.reason }),
    location,
  };
}

export function byApproval(a: HistoryEntry, b: HistoryEntry): number {
  return compareText(a.approvedAt, b.approvedAt) || compareText(a.location, b.location);
}

export function byScope(a: Scope, b: Scope): number {
  return compareText(a.cloud, b.cloud) || compareText(a.account, b.account);
}

/** Canonical JSON, refused (with the same one-line error) if `get` could not read it back: a bad baseline would stall the pipeline. */
export function checkedCanonicalJson(snapshot: Snapshot, where: string): string {
  const text = canonicalJson(snapshot);
  const check = parseSnapshot(text, where);
  if (!check.ok) throw new ParseError(check.error);
  return text;
}

/** `action` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, action: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await action(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
