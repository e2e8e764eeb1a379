import type { z } from 'zod';

const MAX_QUOTED = 40;
const MAX_REASON = 300;

/** Cuts a text to `max` characters, marking the cut, and keeps it on one line. */
export function clip(text: string, max = MAX_REASON): string {
  const line = text.replace(/[\r\n]+/g, ' ');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** A short rendering of an input value for a reason: strings quoted and cut, containers named. */
export function quote(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value);
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Joins a path as people write it: `protoPayload.request.nats[0].name`. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return text === '' ? String(part) : `${text}.${String(part)}`;
  }, '');
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  const missing = !('input' in issue) || input === undefined;
  switch (issue.code) {
    case 'invalid_type':
      return missing ? 'missing' : `expected ${issue.expected}, got ${quote(input)}`;
    case 'invalid_value':
      return missing ? 'missing' : `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}, got ${quote(input)}`;
    case 'invalid_format':
      return issue.format === 'datetime'
        ? `expected an RFC 3339 timestamp, got ${quote(input)}`
        : `expected ${issue.format}, got ${quote(input)}`;
    case 'too_small':
      return issue.origin === 'string' ? 'empty' : `too small, got ${quote(input)}`;
    case 'too_big':
      return issue.origin === 'string' && typeof input === 'string' ? `too long (${input.length} characters)` : 'too big';
    default:
      return clip(issue.message, 80);
  }
}

/** One line naming the first issue of a failed parse and where it is, without the `where` prefix. */
export function issueText(error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = pathText([...prefix, ...issue.path]);
  const what = describeIssue(issue);
  if (path === '') return what;
  return what === 'missing' || what === 'empty' ? `${path} ${what}` : `${path}: ${what}`;
}

/**
 * One line naming what was wrong and where, e.g.
 * `Pub/Sub push message 42: LogEntry: protoPayload.methodName missing`.
 */
export function issueReason(where: string, error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  return clip(`${where}: ${issueText(error, prefix)}`);
}
