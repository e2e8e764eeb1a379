import type { Actor, ChangeEvent, Payload } from './change.js';
import type { Cloud } from './resource.js';

/**
 * Text from events made safe once, at the edge (DESIGN.md, "Errors: one meaning each"): ids are
 * checked against their cloud's grammar and length as each adapter parses, and free text that we
 * keep (who made a change, payload values) is escaped. Nothing past an adapter sees a control
 * character, a lone UTF-16 surrogate (`encodeURI` throws on one) or an id longer than its cloud allows.
 */

// C0 and C1 controls, DEL, and the line and paragraph separators that end a line in some readers.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE = new RegExp(`${CONTROL.source}|${LONE_SURROGATE.source}`, 'g');

/** Where text is quoted in a reason, it is cut to this many characters. */
export const MAX_PREVIEW = 40;
/** Free text we keep (principal, user agent, source IP) is cut to this many characters. */
export const MAX_KEPT_TEXT = 512;
/** A string inside a payload longer than this is not a value any cloud API takes. */
export const MAX_PAYLOAD_TEXT = 8192;
/** Payloads nest a few levels (a route's target); deeper is not a cloud's payload. */
export const MAX_PAYLOAD_DEPTH = 32;

function hex(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first unsafe character of `text` and where, e.g. `a control character (U+0007) at 12`; undefined when there is none. */
export function unsafeCharacter(text: string): string | undefined {
  UNSAFE.lastIndex = 0;
  const match = UNSAFE.exec(text);
  if (!match) return undefined;
  const what = CONTROL.test(match[0]) ? 'a control character' : 'a lone surrogate';
  return `${what} (${hex(match[0])}) at ${match.index}`;
}

function escaped(char: string): string {
  return `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}

/** `text` with each lone surrogate replaced by U+FFFD, as `String.prototype.toWellFormed` does (Node 20+, not in our TS lib). */
export function wellFormed(text: string): string {
  return text.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\ufffd');
}

/**
 * Whether `text` has no character `UNSAFE` could match (no control, separator or surrogate at all):
 * nearly every string of an event, told by one pass over its code units, without the regular
 * expression (its look-behind for lone surrogates made it the costliest step of parsing a record).
 */
function plainText(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && (c <= 0x9f || c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff)))) return false;
  }
  return true;
}

/** `text` with each control character written as `\uXXXX` and each lone surrogate as U+FFFD: one printable line. */
export function printable(text: string): string {
  if (plainText(text)) return text;
  return text.replace(UNSAFE, (char) => (CONTROL.test(char) ? escaped(char) : '\ufffd'));
}

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function cutAt(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** A short, quoted, printable rendering of an input string for a reason: `"rtb-0a1…"`, `"a\\u0007b"`. */
export function preview(text: string, max = MAX_PREVIEW): string {
  const cut = cutAt(text, max);
  // JSON.stringify escapes C0 controls and lone surrogates; DEL, C1 and the separators are left to us.
  return JSON.stringify(cut + (cut.length < text.length ? '…' : '')).replace(/[\u007f-\u009f\u2028\u2029]/g, escaped);
}

/** Free text from an event as we keep it: printable and cut to `max` characters. */
export function keptText(text: string, max = MAX_KEPT_TEXT): string {
  const safe = printable(text);
  return safe.length > max ? `${cutAt(safe, max)}…` : safe;
}

/** A cloud's grammar for one kind of id, with how people say it. */
interface Grammar {
  pattern: RegExp;
  says: string;
}

const ACCOUNTS: Readonly<Record<Cloud, Grammar>> = {
  aws: { pattern: /^\d{12}$/, says: 'an AWS account id (12 digits)' },
  azure: { pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, says: 'an Azure subscription id (a GUID)' },
  // https://cloud.google.com/resource-manager/docs/creating-managing-projects: 6–30 characters; legacy
  // domain-scoped projects carry their domain, `example.com:my-project`.
  gcp: { pattern: /^(?:[a-z0-9][a-z0-9.-]{0,62}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, says: 'a GCP project id' },
};

const REGIONS: Readonly<Record<Cloud, Grammar>> = {
  aws: { pattern: /^(?:global|[a-z]{2,4}(?:-[a-z]+)+-\d{1,2})$/, says: 'an AWS region' },
  azure: { pattern: /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, says: 'an Azure location' },
  gcp: { pattern: /^(?:global|[a-z][a-z0-9-]{0,62})$/, says: 'a GCP region or zone' },
};

// AWS ids are a prefix and a suffix (`rtb-0a1`, `tgw-rtb-0a1`, `rslvr-rr-01`), hosted zones upper-case
// letters and digits; ARM ids are long paths, checked only for length (the adapter parses them);
// GCP ids are paths of short segments (`projects/P/global/networks/N`).
const RESOURCES: Readonly<Record<Cloud, Grammar>> = {
  aws: { pattern: /^(?:(?:[a-z][a-z0-9]*-)+[A-Za-z0-9]{1,40}|[A-Z0-9]{1,40})$/, says: 'an AWS resource id' },
  azure: { pattern: /^\/subscriptions\/[^/]{1,64}(?:\/[^/]{1,260}){1,40}$/i, says: 'an ARM resource id' },
  gcp: { pattern: /^projects\/[^/]{1,100}(?:\/[A-Za-z0-9._~:@-]{1,128}){1,12}$/, says: 'a GCP resource path' },
};

/** The longest ARM id, GCP path or AWS id accepted, and the longest event id. */
const MAX_RESOURCE_ID = 1024;
const MAX_EVENT_ID = 2048;

function grammarProblem(what: string, value: string, grammar: Grammar, max: number): string | undefined {
  if (value.length > max) return `${what} ${preview(value)} is too long (${value.length} characters, at most ${max})`;
  const unsafe = unsafeCharacter(value);
  if (unsafe) return `${what} ${preview(value)} holds ${unsafe}`;
  return grammar.pattern.test(value) ? undefined : `${what} ${preview(value)} is not ${grammar.says}`;
}

/** Why `account` is not an account id of `cloud`; undefined when it is one. */
export function accountProblem(cloud: Cloud, account: string): string | undefined {
  return grammarProblem('account', account, ACCOUNTS[cloud], 128);
}

/** Why `id` is not a resource id of `cloud`; undefined when it is one. */
export function resourceIdProblem(cloud: Cloud, id: string, what = 'resource id'): string | undefined {
  return grammarProblem(what, id, RESOURCES[cloud], MAX_RESOURCE_ID);
}

/** Why `value` cannot be an opaque id (an event's, an operation's): empty, too long, unsafe characters; undefined when it can. */
export function opaqueIdProblem(what: string, value: string, max = MAX_EVENT_ID): string | undefined {
  return grammarProblem(what, value, { pattern: /^\S/, says: `${what === 'event id' ? 'an' : 'a'} ${what}` }, max);
}

/** Why `eventId` cannot be an audit record's id; undefined when it can. */
export function eventIdProblem(eventId: string): string | undefined {
  return opaqueIdProblem('event id', eventId);
}

/** An id usable to name an ignored record or an operation, or undefined. */
export function usableEventId(value: unknown, max = MAX_EVENT_ID): string | undefined {
  return typeof value === 'string' && value !== '' && !opaqueIdProblem('id', value, max) ? value : undefined;
}

/** Who made a change, each field printable and cut short. */
export function safeActor(actor: Actor): Actor {
  const safe: Actor = {};
  if (actor.principal !== undefined) safe.principal = keptText(actor.principal);
  if (actor.sourceIp !== undefined) safe.sourceIp = keptText(actor.sourceIp, 64);
  if (actor.userAgent !== undefined) safe.userAgent = keptText(actor.userAgent);
  return safe;
}

/** Keys that would reach an object's prototype if a later step assigned them. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Checked<T> = { value: T } | { problem: string };

/** A payload value with its strings printable, prototype keys dropped; a problem when too long or too deep. */
/** Where a value sits in a payload, spelled only when a problem is reported (most payloads have none). */
type PathOf = () => string;

function safeValue(value: unknown, path: PathOf, depth: number): Checked<unknown> {
  if (typeof value === 'string') {
    if (value.length > MAX_PAYLOAD_TEXT) return { problem: `${path()}: too long (${value.length} characters, at most ${MAX_PAYLOAD_TEXT})` };
    return { value: printable(value) };
  }
  if (typeof value !== 'object' || value === null) return { value };
  if (depth >= MAX_PAYLOAD_DEPTH) return { problem: `${path()}: nested deeper than ${MAX_PAYLOAD_DEPTH} levels` };
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let index = 0; index < value.length; index += 1) {
      const checked = safeValue(value[index], () => `${path()}[${index}]`, depth + 1);
      if ('problem' in checked) return checked;
      items.push(checked.value);
    }
    return { value: items };
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_KEYS.has(key)) continue;
    const safeKey = printable(key);
    const checked = safeValue((value as Record<string, unknown>)[key], () => `${path()}.${safeKey.slice(0, 40)}`, depth + 1);
    if ('problem' in checked) return checked;
    // Assigned: the keys that would reach the prototype are skipped above (escaping cannot make one).
    out[safeKey] = checked.value;
  }
  return { value: out };
}

function selectorProblem(change: ChangeEvent): string | undefined {
  const texts = [
    ...Object.values(change.locate?.match ?? {}),
    change.select?.idPrefix, change.select?.contains, change.select?.containsPrefix, ...(change.select?.except ?? []),
  ];
  for (const text of texts) {
    if (typeof text !== 'string') continue;
    if (text.length > MAX_RESOURCE_ID) return `id ${preview(text)} is too long (${text.length} characters, at most ${MAX_RESOURCE_ID})`;
    const unsafe = unsafeCharacter(text);
    if (unsafe) return `id ${preview(text)} holds ${unsafe}`;
  }
  return undefined;
}

/** Why one change cannot be kept as it is; undefined when its ids fit their cloud's grammar. */
function changeProblem(change: ChangeEvent): string | undefined {
  const { cloud } = change;
  return accountProblem(cloud, change.account)
    ?? eventIdProblem(change.eventId)
    ?? grammarProblem('region', change.region, REGIONS[cloud], 64)
    ?? (change.id === '' && (change.select || change.locate) ? undefined : resourceIdProblem(cloud, change.id))
    ?? selectorProblem(change);
}

/**
 * The changes an adapter parsed, made safe to keep: every id checked against its cloud's grammar
 * and length (a problem, for a one-line rejection, when one is not), actor text and payload strings
 * made printable. Called by every adapter on what it parsed, before the pipeline sees it.
 */
export function safeChanges(changes: readonly ChangeEvent[]): Checked<ChangeEvent[]> {
  const safe: ChangeEvent[] = [];
  for (const change of changes) {
    const problem = changeProblem(change);
    if (problem) return { problem };
    const payload = safeValue(change.payload, () => 'payload', 0);
    if ('problem' in payload) return payload;
    safe.push({ ...change, actor: safeActor(change.actor), payload: payload.value as Payload });
  }
  return { value: safe };
}
