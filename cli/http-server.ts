import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { DeliveryOutcome, Pipeline } from '../core/pipeline.js';

/** Event Grid and Pub/Sub push deliveries are at most 1 MB; more is not an event. */
const MAX_BODY_BYTES = 1024 * 1024;

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `invalid JSON: ${(error as Error).message.split('\n', 1)[0]}`);
  }
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/**
 * The HTTP answer to a processed delivery: 503 makes the sender retry; input that can never be
 * understood gets `rejectedStatus` — 400 where that stops retries (Event Grid dead-letters it),
 * 2xx where anything else means "redeliver forever" (Pub/Sub push).
 */
export function statusOf(outcome: DeliveryOutcome, rejectedStatus = 400): { status: number; body: Record<string, unknown> } {
  const failed = outcome.records.filter((r) => r.status === 'failed' && r.retryable);
  const rejected = outcome.records.filter((r) => r.status === 'rejected');
  const summary = {
    opened: outcome.records.reduce((n, r) => n + r.opened.length, 0),
    resolved: outcome.records.reduce((n, r) => n + r.resolved.length, 0),
    records: outcome.records.map((r) => ({ status: r.status, ...(r.eventId ? { eventId: r.eventId } : {}), ...(r.reason ? { reason: r.reason } : {}) })),
  };
  if (failed.length > 0) return { status: 503, body: { error: failed.map((r) => r.reason).join('; '), ...summary } };
  if (rejected.length === outcome.records.length) return { status: rejectedStatus, body: { error: rejected.map((r) => r.reason).join('; '), ...summary } };
  return { status: 202, body: summary };
}

export interface Route {
  method: 'POST' | 'GET';
  path: string;
  handle(body: unknown): Promise<{ status: number; body: unknown }>;
  /** Answers a body that is not JSON; by default a 400. */
  notJson?(reason: string): { status: number; body: unknown };
}

/** The delivery routes of `netdrift serve`, one per cloud, each with its platform's retry semantics. */
export function deliveryRoutes(pipeline: Pipeline, afterCommit: () => void): Route[] {
  const run = async (body: unknown, rejectedStatus: number) => {
    const outcome = await pipeline.handle(body);
    afterCommit();
    return { outcome, ...statusOf(outcome, rejectedStatus) };
  };
  return [
    { method: 'POST', path: '/aws/events', handle: (body) => run(body, 400) },
    {
      method: 'POST', path: '/azure/events',
      async handle(body) {
        const answer = await run(body, 400);
        // Event Grid's subscription validation handshake (EventGrid schema):
        // https://learn.microsoft.com/azure/event-grid/webhook-event-delivery
        const code = answer.outcome.records.find((r) => r.validationCode)?.validationCode;
        return code ? { status: 200, body: { validationResponse: code } } : answer;
      },
    },
    {
      method: 'POST', path: '/gcp/pubsub',
      // Pub/Sub push redelivers on any non-2xx, so what can never be parsed is acknowledged:
      // https://cloud.google.com/pubsub/docs/push#receive_push
      handle: (body) => run(body, 202),
      notJson: (reason) => ({ status: 202, body: { error: reason } }),
    },
  ];
}

/** A small HTTP server over a table of routes; every answer is JSON, every error one line. */
export function createHttpServer(routes: readonly Route[], log: (line: string) => void): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (request.method === 'GET' && path === '/healthz') return reply(response, 200, { ok: true });
    const route = routes.find((r) => r.path === path);
    if (!route) return reply(response, 404, { error: `no route ${request.method} ${path}` });
    const origin = request.headers['webhook-request-origin'];
    if (request.method === 'OPTIONS' && typeof origin === 'string') {
      // The CloudEvents webhook abuse-protection handshake Event Grid sends before CloudEvents deliveries.
      response.writeHead(200, { 'WebHook-Allowed-Origin': origin, 'WebHook-Allowed-Rate': '*' });
      return response.end();
    }
    if (request.method !== route.method) return reply(response, 405, { error: `${path} takes ${route.method}` });
    readJson(request)
      .then((body) => route.handle(body), (error: unknown) => {
        if (error instanceof HttpError && error.status === 400 && route.notJson) return route.notJson(error.message);
        throw error;
      })
      .then((answer) => reply(response, answer.status, answer.body))
      .catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        const message = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];
        if (status >= 500) log(`error on ${path}: ${message}`);
        reply(response, status, { error: message });
      });
  });
}
