import type { CloudEvent, Request, Response } from '@google-cloud/functions-framework';
import { statusOf } from '../../cli/http-server.js';
import { TransientError } from '../../core/errors.js';
import { clip } from '../../core/reasons.js';
import { cloudLoggingLog as log, logDelivery, reportOutcome, totalsOf, type DeliveryTotals } from '../shared/log.js';
import type { GcpFunctionEnvironment } from './environment.js';
import { authenticated, pushAuthenticator } from './http.js';
import type { GcpRuntime } from './wiring.js';

/** A CloudEvent's data as the adapter reads it: JSON text or bytes (a binary-mode event of another content type) parsed. */
function dataOf(data: unknown): unknown {
  const text = data instanceof Uint8Array ? Buffer.from(data).toString('utf8') : data;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The Eventarc function: `google.cloud.audit.log.v1.written` (the LogEntry itself) and
 * `google.cloud.pubsub.topic.v1.messagePublished` (the Log Router sink's topic), binary or
 * structured, as the Functions Framework hands them over. Bad input is logged and acknowledged;
 * a transient failure, a misconfiguration or a bug throws, so Eventarc retries the event.
 */
export function createEventarcHandler(runtime: () => Promise<GcpRuntime>) {
  return async (event: CloudEvent<unknown>): Promise<DeliveryTotals> => {
    const { pipeline, deliver } = await runtime();
    const raw = { ...event, data: dataOf(event.data) };
    const started = performance.now();
    const outcome = await pipeline.handle(raw);
    const retry = reportOutcome(outcome, `Eventarc event ${clip(String(event.id ?? ''), 64)}`, log);
    logDelivery(outcome, { source: 'Eventarc', requestId: clip(String(event.id ?? ''), 64), durationMs: performance.now() - started }, log);
    await deliver();
    if (retry) throw new TransientError('a transient failure, a misconfiguration or a bug: the event is retried by Eventarc');
    return totalsOf([outcome]);
  };
}

/** The push body: what the framework parsed as JSON, else the raw bytes parsed here; `undefined` with why when it is not JSON. */
function bodyOf(req: Request): { body: unknown } | { notJson: string } {
  if (req.body !== undefined && !(req.body instanceof Uint8Array) && typeof req.body !== 'string') return { body: req.body };
  const raw: unknown = req.rawBody;
  const text = raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : typeof req.body === 'string' ? req.body : '';
  try {
    return { body: JSON.parse(text) as unknown };
  } catch (error) {
    return { notJson: `body is not JSON (${clip((error as Error).message, 120)})` };
  }
}

/**
 * The Pub/Sub push function: OIDC-authenticated (401 otherwise). What can never be processed is
 * answered 202, so Pub/Sub stops redelivering it; a transient failure, a misconfiguration or a bug
 * 503, so Pub/Sub redelivers it (https://cloud.google.com/pubsub/docs/push#receive_push). The
 * status is `netdrift serve`'s for the same route (cli/http-server.ts, `statusOf`).
 */
export function createPushHandler(env: GcpFunctionEnvironment, runtime: () => Promise<GcpRuntime>) {
  const authenticator = pushAuthenticator(env);
  return (req: Request, res: Response): Promise<void> => authenticated(req, res, authenticator, async () => {
    const parsed = bodyOf(req);
    if ('notJson' in parsed) {
      log('warn', `rejected Pub/Sub push: ${parsed.notJson}`);
      return { status: 202, body: { error: parsed.notJson } };
    }
    const { pipeline, deliver } = await runtime();
    const started = performance.now();
    const outcome = await pipeline.handle(parsed.body);
    const messageId = clip(String((parsed.body as { message?: { messageId?: unknown } } | null)?.message?.messageId ?? ''), 64);
    reportOutcome(outcome, `Pub/Sub push message ${messageId}`, log);
    // Cloud Run's trace header ties the line to the request's own log entry; the message id names the delivery.
    const trace = req.get('x-cloud-trace-context')?.split('/', 1)[0];
    logDelivery(outcome, { source: `Pub/Sub push message ${messageId}`, requestId: clip(trace ?? messageId, 64), durationMs: performance.now() - started }, log);
    await deliver();
    return statusOf(outcome, 202);
  });
}
