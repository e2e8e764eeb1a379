import type { z } from 'zod';
import { OperatorError, ParseError } from '../core/errors.js';
import { normalizeId, type Scope } from '../core/resource.js';
import { canonicalResources } from './canonical.js';
import { safeParseResource } from '../core/resource.js';
import { safeParseSnapshot, SnapshotSchema, type Snapshot } from '../core/snapshot.js';

/** The result of reading a snapshot document: the snapshot, or one line saying what is wrong and where. */
export type SnapshotParseResult = { ok: true; snapshot: Snapshot } | { ok: false; error: string };

/** `resources[2].routes[0].target.type`, as a reader of the file would look for it. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let value = document;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One issue as a short phrase; zod's own messages for enums list every option and lack the value. */
function describeIssue(issue: z.core.$ZodIssue, document: unknown): string {
  if (issue.code === 'invalid_value') {
    const options = issue.values.map((value) => String(value)).join(' | ');
    return `invalid option ${describeValue(valueAt(document, issue.path))} (expected ${options})`;
  }
  // zod 4 reports a bad discriminator (`kind`) as a union issue carrying the valid `options`.
  const discriminated = issue as { discriminator?: unknown; options?: unknown };
  if (issue.code === 'invalid_union' && discriminated.discriminator !== undefined && Array.isArray(discriminated.options)) {
    const options = (discriminated.options as unknown[]).map((value) => String(value)).join(' | ');
    return `invalid option ${describeValue(valueAt(document, issue.path))} (expected ${options})`;
  }
  if (issue.code === 'invalid_type' && valueAt(document, issue.path) === undefined) {
    return `missing (expected ${issue.expected})`;
  }
  return issue.message.split('\n', 1)[0] ?? 'invalid';
}

/**
 * Node reports JSON syntax errors by offset, or quotes the text around the error (newlines
 * included); people look for a line and column, on one line.
 */
function describeSyntaxError(text: string, error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  if (text.trim() === '') return 'the document is empty';
  if (/end of JSON input/.test(message)) return `the document ends too early (truncated?) at line ${lineColumn(text, text.length)}`;
  const match = /(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (!match?.[1] || !match[2]) return message;
  return `${match[1]} at line ${lineColumn(text, Number(match[2]))}`;
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length} column ${(before[before.length - 1]?.length ?? 0) + 1}`;
}

/**
 * Reads a `netdrift/snapshot@1` document. Never throws for bad input: the error is one line
 * naming `where` (usually the file) and the path, e.g.
 * `baselines/aws/111122223333.json: resources[2].routes[0].target.type: invalid option "gateway" (expected ...)`.
 */
export function parseSnapshot(text: string, where: string): SnapshotParseResult {
  let document: unknown;
  try {
    document = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    return { ok: false, error: `${where}: invalid JSON: ${describeSyntaxError(text, error)}` };
  }
  const result = safeParseSnapshot(document);
  if (result.success) return { ok: true, snapshot: result.data };
  return { ok: false, error: `${where}: ${describeIssues(result.error.issues, document, [])}` };
}

/**
 * The first issue as `path: what is wrong` (and how many more), for a value found at `prefix`
 * in its document (`['resources', 3]` when a resource is read on its own).
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], value: unknown, prefix: readonly PropertyKey[]): string {
  const [issue, ...others] = issues;
  if (!issue) return `${formatPath(prefix)}: invalid`;
  const more = others.length > 0 ? ` (and ${others.length} more)` : '';
  return `${formatPath([...prefix, ...issue.path])}: ${describeIssue(issue, value)}${more}`;
}

/**
 * Reads a snapshot a store holds for `scope`. A document that does not parse, or that belongs to
 * another account than the one it is kept for, is an operator error naming `where`: a person must
 * fix the file, and until then the account's events are retried rather than dropped.
 */
export function parseStoredSnapshot(text: string, where: string, scope: Scope): Snapshot {
  const result = parseSnapshot(text, where);
  if (!result.ok) {
    throw new OperatorError('baseline-invalid', result.error, `correct or restore ${where} (netdrift snapshot capture, then approve)`, { location: where });
  }
  const stored = result.snapshot.scope;
  if (stored.cloud !== scope.cloud || normalizeId(scope.cloud, stored.account) !== normalizeId(scope.cloud, scope.account)) {
    throw new OperatorError(
      'baseline-scope',
      `${where}: scope is ${stored.cloud}/${stored.account}, but the file is kept for ${scope.cloud}/${scope.account}`,
      `move ${where} to the file of ${stored.cloud}/${stored.account}, or restore ${scope.cloud}/${scope.account}'s own baseline`,
      { location: where },
    );
  }
  return result.snapshot;
}

/**
 * Throws `ParseError` (one line naming `where` and the path) unless the snapshot would read back:
 * what a store checks before writing, resource by resource, so that no step serialises it whole.
 * Resources are numbered in canonical order, as the written file has them.
 */
export function validateSnapshot(snapshot: Snapshot, where: string): void {
  const { resources, ...header } = snapshot as Snapshot & { resources: unknown };
  const document = { ...header, resources: [] };
  const result = SnapshotSchema.safeParse(document);
  if (!result.success) throw new ParseError(`${where}: ${describeIssues(result.error.issues, document, [])}`);
  if (!Array.isArray(resources)) throw new ParseError(`${where}: resources: expected array`);
  const ordered = canonicalResources(resources);
  ordered.forEach((item, index) => {
    const check = safeParseResource(item.resource);
    if (!check.success) throw new ParseError(`${where}: ${describeIssues(check.error.issues, item.resource, ['resources', index])}`);
  });
}
