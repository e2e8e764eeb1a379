/**
 * Wording shared by every sink, built from a `Finding` alone (pure). Sinks decide layout
 * and escaping; this module decides what is said.
 */
import type { Actor } from '../core/change.js';
import type { Finding, RuleId } from '../core/finding.js';
import type { FindingGroup } from '../core/ports.js';
import { severityRank, type Severity } from '../core/severity.js';

import { resolvedState } from './resolve-wording.js';

export { consoleLinkLabel, consoleUrl } from './console-link.js';
export { resolvedState } from './resolve-wording.js';

/** Longest rendering of one baseline or observed value before it is truncated. */
export const VALUE_MAX_CHARS = 500;

/** What a resolve that only an event payload vouches for says about itself (DESIGN.md, "Trust"). */
export const PAYLOAD_RESOLVE_NOTE = 'resolved by event payload, not verified';

/**
 * `[CRITICAL] route.default-added` for an open finding, `Resolved: route.default-added` for a resolved
 * one, `Resolved: route.default-added (resolved by event payload, not verified)` when no reader confirmed it.
 */
export function alertTitle(finding: Finding): string {
  if (finding.status === 'open') return `[${finding.severity.toUpperCase()}] ${finding.rule}`;
  return finding.resolvedBy === 'payload' ? `Resolved: ${finding.rule} (${PAYLOAD_RESOLVE_NOTE})` : `Resolved: ${finding.rule}`;
}

/**
 * What a finding says in one line: the drift for an open one
 * (`route 0.0.0.0/0 on rtb-0a1 now points to internet (was nat:nat-01)`), what the resource is now
 * for a resolved one (`route 0.0.0.0/0 on rtb-0a1 points to nat:nat-01 again, as in the baseline`).
 */
export function findingLine(finding: Finding): string {
  return finding.status === 'resolved' ? resolvedState(finding) : finding.summary || finding.rule;
}

/**
 * The times of a finding as an on-call engineer reads them: netdrift's own (processing) times,
 * each with the time of the change behind it. `opened`/`resolved` are when netdrift saw it;
 * `changedAt` is when the change that opened (`openChangedAt`) or resolved it happened.
 */
export interface FindingTimes {
  opened: string;
  /** When the opening change happened; unknown for a resolve recorded before netdrift kept it. */
  openChangedAt?: string;
  resolved?: string;
  resolveChangedAt?: string;
}

export function findingTimes(finding: Finding): FindingTimes {
  if (finding.status === 'open') return { opened: finding.openedAt, openChangedAt: finding.eventTime };
  return {
    opened: finding.openedAt,
    ...(finding.opening ? { openChangedAt: finding.opening.eventTime } : {}),
    resolved: finding.resolvedAt ?? finding.eventTime,
    resolveChangedAt: finding.eventTime,
  };
}

/** How hints from the rules and the stores name the baseline commands, without the account. */
const GENERIC_BASELINE_COMMANDS = ['(netdrift snapshot approve)', '(netdrift snapshot capture, then approve)'];

/**
 * The exact commands that make a new baseline for the finding's account: capture a candidate, then
 * approve it (`netdrift snapshot capture --cloud azure --account SUB, then netdrift snapshot approve
 * --cloud azure --account SUB`). AWS capture needs the regions the baseline covers: every one watched.
 */
export function baselineCommands(finding: Finding): string {
  const account = `--cloud ${finding.cloud} --account ${finding.account}`;
  const regions = finding.cloud === 'aws' ? ' --regions <every watched region>' : '';
  return `netdrift snapshot capture ${account}${regions}, then netdrift snapshot approve ${account}`;
}

/** The finding's hint, with the baseline commands it names spelt out for its account (`baselineCommands`). */
export function hintText(finding: Finding): string {
  const generic = GENERIC_BASELINE_COMMANDS.find((text) => finding.hint.includes(text));
  return generic ? finding.hint.replace(generic, `(${baselineCommands(finding)})`) : finding.hint;
}

/** Whether a finding is about netdrift's own setup for an account (no resource of the account). */
export function isMisconfigured(finding: Finding): boolean {
  return finding.rule === 'netdrift.misconfigured';
}

/** Where the finding lives, for sources and logs: `aws:111122223333/eu-west-1`. */
export function findingSource(finding: Finding): string {
  return `${finding.cloud}:${finding.account}/${finding.region}`;
}

/**
 * Cuts `text` to at most `max` characters, ending with an ellipsis and how much was left out:
 * `abc… (+19700 chars)`. Never splits a surrogate pair.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  // The omitted count has at most as many digits as the whole length: reserve that much.
  const reserved = `… (+${text.length} chars)`.length;
  if (max < reserved) return text.slice(0, keepable(text, max - 1)) + '…';
  const keep = keepable(text, max - reserved);
  return `${text.slice(0, keep)}… (+${text.length - keep} chars)`;
}

/**
 * Joins rendered items with `, `, keeping as many as fit in `max` characters and counting
 * the rest: `subnet-1, subnet-2, … (+498 more)`.
 */
export function joinWithin(items: readonly string[], max: number): string {
  const all = items.join(', ');
  if (all.length <= max) return all;
  const kept: string[] = [];
  let length = 0;
  for (const item of items) {
    const suffix = `, … (+${items.length - kept.length - 1} more)`;
    const next = length + (kept.length ? 2 : 0) + item.length;
    if (next + suffix.length > max) break;
    kept.push(item);
    length = next;
  }
  if (!kept.length) return truncateText(all, max);
  return `${kept.join(', ')}, … (+${items.length - kept.length} more)`;
}

interface RouteLike {
  destination: string;
  target: { type: string; id?: unknown };
  name?: unknown;
}

function isRouteLike(value: object): value is RouteLike {
  const route = value as Partial<RouteLike>;
  return typeof route.destination === 'string'
    && typeof route.target === 'object' && route.target !== null
    && typeof route.target.type === 'string';
}

interface RecordLike {
  name: string;
  type: string;
  values: unknown[];
}

function isRecordLike(value: object): value is RecordLike {
  const record = value as Partial<RecordLike>;
  return typeof record.name === 'string' && typeof record.type === 'string' && Array.isArray(record.values);
}

/**
 * One value of a finding (`baseline`, `observed`) as short text: a route as
 * `0.0.0.0/0 → nat:nat-0abc`, a DNS record as `db.internal.example. A 10.0.1.5`, strings as
 * they are, arrays joined, anything else as compact JSON; at most `max` characters.
 */
export function renderValue(value: unknown, max = VALUE_MAX_CHARS): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value === 'string') return truncateText(value, max);
  if (typeof value !== 'object') return truncateText(String(value), max);
  if (Array.isArray(value)) {
    if (!value.length) return '(empty)';
    return joinWithin(value.map((item) => renderValue(item, max)), max);
  }
  if (isRouteLike(value)) {
    const target = typeof value.target.id === 'string' ? `${value.target.type}:${value.target.id}` : value.target.type;
    const name = typeof value.name === 'string' ? ` (${value.name})` : '';
    return truncateText(`${value.destination} → ${target}${name}`, max);
  }
  if (isRecordLike(value)) {
    return truncateText(`${value.name} ${value.type} ${value.values.map(String).join(', ')}`, max);
  }
  return truncateText(compactJson(value), max);
}

/** The baseline and observed values of a finding, rendered. */
export function changeLines(finding: Finding, max = VALUE_MAX_CHARS): { baseline: string; observed: string } {
  return { baseline: renderValue(finding.baseline, max), observed: renderValue(finding.observed, max) };
}

/** Who made the change, one line each: principal, `from <ip>`, `via <user agent>`; `unknown` if nothing is known. */
export function actorLines(actor: Actor): string[] {
  const lines: string[] = [];
  if (actor.principal) lines.push(actor.principal);
  if (actor.sourceIp) lines.push(`from ${actor.sourceIp}`);
  if (actor.userAgent) lines.push(`via ${actor.userAgent}`);
  return lines.length ? lines : ['unknown'];
}

/**
 * Where the finding is: `aws 111122223333 eu-west-1` and `route-table rtb-0a1`; for
 * `netdrift.misconfigured`, the account and what is at fault (`netdrift baselines/aws/1111.json`).
 */
export function whereLines(finding: Finding): [string, string] {
  if (isMisconfigured(finding)) {
    const location = (finding.observed as { location?: unknown } | undefined)?.location;
    return [`${finding.cloud} ${finding.account}`, `netdrift ${typeof location === 'string' ? location : 'setup'} (${finding.item})`];
  }
  return [`${finding.cloud} ${finding.account} ${finding.region}`, `${finding.kind} ${finding.resource}`];
}

/**
 * Text from outside (user agents, resource names) made safe for one line of a log or terminal:
 * line breaks become spaces and other control characters (escape sequences) are dropped.
 */
export function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

function compactJson(value: object): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** How many leading UTF-16 units to keep so that no surrogate pair is split. */
function keepable(text: string, keep: number): number {
  if (keep <= 0) return 0;
  const last = text.charCodeAt(keep - 1);
  return last >= 0xd800 && last <= 0xdbff ? keep - 1 : keep;
}

// Storms: findings that share a cause, sent as one message (see `FindingGroup`).

/** `3 findings from event ev-1`, `1 finding from principal arn:…`. */
export function groupTitle(group: FindingGroup): string {
  const count = group.findings.length;
  return singleLine(`${count} ${count === 1 ? 'finding' : 'findings'} from ${group.cause}`);
}

/** The loudest severity among the findings; `info` for none. */
export function highestSeverity(findings: readonly Finding[]): Severity {
  let highest: Severity = 'info';
  for (const finding of findings) {
    if (severityRank(finding.severity) > severityRank(highest)) highest = finding.severity;
  }
  return highest;
}

/**
 * The findings in the order a storm message lists them, so that what a size limit cuts off
 * matters least: open before resolved, then louder first, otherwise as given.
 */
export function mostUrgentFirst(findings: readonly Finding[]): Finding[] {
  const rank = (f: Finding): number => (f.status === 'open' ? 10 : 0) + severityRank(f.severity);
  return [...findings].sort((a, b) => rank(b) - rank(a));
}

/** How many findings each rule has, most first (ties by rule id): `[['route.removed', 480], …]`. */
export function rulesByCount(findings: readonly Finding[]): [RuleId, number][] {
  const counts = new Map<RuleId, number>();
  for (const finding of findings) counts.set(finding.rule, (counts.get(finding.rule) ?? 0) + 1);
  return [...counts].sort(([ra, a], [rb, b]) => b - a || (ra < rb ? -1 : ra > rb ? 1 : 0));
}

/** The most frequent rules with their counts: `route.removed (480), route.added (15), +2 more rules`. */
export function topRules(findings: readonly Finding[], top = 3): string {
  const rules = rulesByCount(findings);
  const shown = rules.slice(0, top).map(([rule, count]) => `${rule} (${count})`);
  const rest = rules.length - shown.length;
  return rest > 0 ? `${shown.join(', ')}, +${rest} more ${rest === 1 ? 'rule' : 'rules'}` : shown.join(', ');
}

/**
 * One finding of a storm on one line: `[CRITICAL] route.default-added — rtb-0a1: 0.0.0.0/0 → nat-0abc on rtb-0a1`;
 * a resolved one says what the resource is now (`Resolved: route.added — rtb-0b2: route … is gone from …`).
 */
export function groupFindingLine(finding: Finding): string {
  return singleLine(`${alertTitle(finding)} — ${finding.resource}: ${findingLine(finding)}`);
}

/** `[HIGH] 3 findings from event ev-1`; a storm of resolves only: `Resolved: 12 findings from event ev-2`. */
export function groupHeadline(group: FindingGroup): string {
  const resolvedOnly = group.findings.length > 0 && group.findings.every((f) => f.status === 'resolved');
  return resolvedOnly ? `Resolved: ${groupTitle(group)}` : `[${highestSeverity(group.findings).toUpperCase()}] ${groupTitle(group)}`;
}
