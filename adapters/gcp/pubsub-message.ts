import { z } from 'zod';
import type { ParsedRecord } from '../../core/change.js';
import { parseLogEntry } from './log-entry.js';
import { clip, issueReason, quote } from '../../core/reasons.js';

/**
 * A Pub/Sub message in its JSON form (https://cloud.google.com/pubsub/docs/reference/rest/v1/PubsubMessage):
 * `data` is base64. Push deliveries may repeat the ids in snake_case (`message_id`, `publish_time`).
 */
export const PubsubMessageSchema = z.looseObject({
  data: z.string().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
  messageId: z.string().optional(),
  message_id: z.string().optional(),
  publishTime: z.string().optional(),
  publish_time: z.string().optional(),
});
export type PubsubMessage = z.infer<typeof PubsubMessageSchema>;

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The id a message is named by in reasons, cut to stay on one line. */
export function messageLabel(message: unknown): string {
  if (typeof message !== 'object' || message === null) return '';
  const { messageId, message_id: snake } = message as Record<string, unknown>;
  const id = typeof messageId === 'string' && messageId !== '' ? messageId : snake;
  return typeof id === 'string' && id !== '' ? ` ${clip(id, 64)}` : '';
}

/** Base64 (standard or URL-safe) → bytes, or undefined when it is not base64. */
function decodeBase64(data: string): Buffer | undefined {
  const text = data.replace(/\s+/g, '');
  if (!BASE64.test(text) || text.length % 4 === 1) return undefined;
  return Buffer.from(text, 'base64');
}

/** The bytes as text, or undefined when they are binary (not UTF-8, or control characters JSON never holds). */
function textOf(bytes: Buffer): string | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text) ? undefined : text;
}

/**
 * One Pub/Sub message from the Log Router sink → the LogEntry it carries, parsed. Anything else
 * (a feed's welcome text, binary data, JSON that is not an audit log entry) is one rejection,
 * since redelivering it can never help.
 */
export function parsePubsubMessage(raw: unknown, where: string): ParsedRecord {
  const parsed = PubsubMessageSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { status: 'rejected', reason: issueReason(where, parsed.error) };
  const { data } = parsed.data;
  if (data === undefined || data === '') return { status: 'rejected', reason: `${where}: data missing (a message with only attributes)` };
  const bytes = decodeBase64(data);
  if (!bytes) return { status: 'rejected', reason: `${where}: data is not base64 (got ${quote(data)})` };
  const text = textOf(bytes);
  if (text === undefined) return { status: 'rejected', reason: `${where}: data is binary (${bytes.length} bytes), not JSON text` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { status: 'rejected', reason: `${where}: data is not JSON (got ${quote(text.trim())})` };
  }
  return parseLogEntry(value, `${where}: LogEntry`);
}
