import type { Drift, RuleId } from '../finding.js';
import { normalizeId, type Cloud, type Resource, type RouteTarget } from '../resource.js';
import type { Severity } from '../severity.js';

/** What every rule needs besides the two states: which cloud's id rules apply. */
export interface RuleContext {
  cloud: Cloud;
}

/** A differ for one kind: the drifts between its baseline and observed state (either may be absent). */
export type KindDiffer<R extends Resource> = (baseline: R | undefined, observed: R | undefined, ctx: RuleContext) => Drift[];

/** Builds a drift for a resource, taking id and region from the baseline when it has them. */
export function driftOf(
  resource: Resource,
  rule: RuleId,
  severity: Severity,
  fields: { item?: string; summary: string; hint: string; baseline?: unknown; observed?: unknown },
): Drift {
  return {
    rule, severity, kind: resource.kind, resource: resource.id, region: resource.region,
    item: fields.item ?? '', summary: fields.summary, hint: fields.hint,
    ...(fields.baseline !== undefined ? { baseline: fields.baseline } : {}),
    ...(fields.observed !== undefined ? { observed: fields.observed } : {}),
    ...tagsOf(resource),
  };
}

/** A resource's `tags` (an extra field of the snapshot format), when it is a map of strings. */
function tagsOf(resource: Resource): { tags?: Record<string, string> } {
  const tags = (resource as { tags?: unknown }).tags;
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) return {};
  const entries = Object.entries(tags).filter((e): e is [string, string] => typeof e[1] === 'string');
  return entries.length > 0 ? { tags: Object.fromEntries(entries) } : {};
}

/**
 * Whether two lists hold the same ids in the same order (as the cloud compares ids): the common
 * case of two canonical (sorted) snapshots that agree, checked without allocating.
 */
export function sameList(cloud: Cloud, a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y && (cloud !== 'azure' || normalizeId(cloud, x) !== normalizeId(cloud, y))) return false;
  }
  return true;
}

/** Values of `after` missing from `before`, compared as the cloud compares ids. */
export function added(cloud: Cloud, before: readonly string[], after: readonly string[]): string[] {
  if (after.length === 0 || sameList(cloud, before, after)) return [];
  const seen = new Set(before.map((v) => normalizeId(cloud, v)));
  return after.filter((v) => !seen.has(normalizeId(cloud, v)));
}

export function sameSet(cloud: Cloud, a: readonly string[], b: readonly string[]): boolean {
  if (sameList(cloud, a, b)) return true;
  return added(cloud, a, b).length === 0 && added(cloud, b, a).length === 0;
}

export function sameId(cloud: Cloud, a: string | undefined, b: string | undefined): boolean {
  return normalizeId(cloud, a ?? '') === normalizeId(cloud, b ?? '');
}

/**
 * How a resource is named in one-line summaries: the last segment of an ARM id or GCP path
 * (`rt-spoke`, not `/subscriptions/…/routeTables/rt-spoke`); the full id stays in `resource`.
 */
export function shortName(id: string): string {
  const trimmed = id.endsWith('/') ? id.replace(/\/+$/, '') : id;
  const at = trimmed.lastIndexOf('/');
  return at >= 0 && at < trimmed.length - 1 ? trimmed.slice(at + 1) : trimmed;
}

/** `nat:nat-01`, `internet:igw-01`, `local`. */
export function describeTarget(target: RouteTarget): string {
  return target.id ? `${target.type}:${shortName(target.id)}` : target.type;
}

export function toInternetOrNat(target: RouteTarget): boolean {
  return target.type === 'internet' || target.type === 'nat';
}

/** `approve a new baseline` is the other way out of every finding: said once here. */
export const OR_APPROVE = 'or, if intended, approve a new baseline (netdrift snapshot approve)';
