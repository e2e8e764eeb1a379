import type { z } from 'zod';
import type { ParsedRecord } from './change.js';
import { cutAt, preview, printable } from './safe-text.js';

// One-line rejection reasons, shared by every cloud's adapters: what was wrong and where, e.g.
// `CloudTrail record: eventTime: expected an ISO 8601 date-time, got "yesterday"`.

const MAX_QUOTED = 40;
const MAX_REASON = 300;

/**
 * Cuts a text to `max` characters, marking the cut, and keeps it on one printable line: line breaks
 * become spaces, other control characters `\uXXXX`, lone surrogates U+FFFD (core/safe-text.ts).
 */
export function clip(text: string, max = MAX_REASON): string {
  const line = printable(text.replace(/[\r\n]+/g, ' '));
  return line.length > max ? `${cutAt(line, max)}…` : line;
}

/** A short rendering of an input value for a reason: strings quoted, cut and printable, containers named. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return preview(value, MAX_QUOTED);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Joins a path as people write it: `Records[2].detail.eventTime`, `protoPayload.request.nats[0].name`. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return text === '' ? String(part) : `${text}.${String(part)}`;
  }, '');
}

type Issue = z.core.$ZodIssue;

/** An expected value is ours, not the input, so it is shown in full. */
function expectedText(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function describeIssue(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  const missing = !('input' in issue) || input === undefined;
  switch (issue.code) {
    case 'invalid_type':
      return missing ? 'missing' : `expected ${issue.expected}, got ${quote(input)}`;
    case 'invalid_value':
      return missing ? 'missing' : `expected ${issue.values.map(expectedText).join(' or ')}, got ${quote(input)}`;
    case 'invalid_format':
      // RFC 3339 (Google's and Azure's timestamps) is a profile of ISO 8601, so one wording fits every cloud.
      return issue.format === 'datetime'
        ? `expected an ISO 8601 date-time, got ${quote(input)}`
        : `expected ${issue.format}, got ${quote(input)}`;
    case 'too_small':
      return issue.origin === 'string' ? 'empty' : `too small, got ${quote(input)}`;
    case 'too_big': {
      const bound = `${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
      return typeof input === 'string'
        ? `too long (${input.length} characters, ${bound})`
        : `too big (${bound}), got ${quote(input)}`;
    }
    default:
      return clip(issue.message, 80);
  }
}

/**
 * The first issue of a failed parse and where it is, without a `where` prefix, e.g.
 * `detail.eventTime: expected string, got 42` or `eventID missing`. `prefix` is the path of the
 * parsed value inside the delivery, as keys or as dotted text (`'detail'`, `['protoPayload', 'request']`).
 */
export function issueText(error: z.ZodError, prefix: readonly PropertyKey[] | string = []): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const keys = typeof prefix === 'string' ? prefix.split('.').filter(Boolean) : prefix;
  const path = pathText([...keys, ...issue.path]);
  const what = describeIssue(issue);
  if (path === '') return what;
  return what === 'missing' || what === 'empty' ? `${path} ${what}` : `${path}: ${what}`;
}

/**
 * One line naming what was wrong and where, from the first issue of a failed parse, e.g.
 * `EventBridge event: detail.eventTime: expected string, got 42` or `Activity Log record: resourceId missing`.
 */
export function issueReason(where: string, error: z.ZodError, prefix: readonly PropertyKey[] | string = []): string {
  return clip(`${where}: ${issueText(error, prefix)}`);
}

/** A record rejected with a one-line reason. */
export function rejected(reason: string): ParsedRecord {
  return { status: 'rejected', reason: clip(reason) };
}

/** The record of one member of a delivery array, carrying its position when it is rejected. */
export function withIndex(record: ParsedRecord, index: number): ParsedRecord {
  return record.status === 'rejected' ? { ...record, index } : record;
}

/** Is `raw` a JSON object (not an array, not null)? */
export function isObject(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}
