import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { DeliveryOutcome, Pipeline } from '../core/pipeline.js';

/** Event Grid and Pub/Sub push deliveries are at most 1 MB; more is not an event. */
const MAX_BODY_BYTES = 1024 * 1024;

class HttpError extends Error {
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

/** The HTTP answer to a processed delivery: 503 makes the sender retry, 400 tells it why not. */
export function statusOf(outcome: DeliveryOutcome): { status: number; body: Record<string, unknown> } {
  const failed = outcome.records.filter((r) => r.status === 'failed' && r.retryable);
  const rejected = outcome.records.filter((r) => r.status === 'rejected');
  const summary = {
    opened: outcome.records.reduce((n, r) => n + r.opened.length, 0),
    resolved: outcome.records.reduce((n, r) => n + r.resolved.length, 0),
    records: outcome.records.map((r) => ({ status: r.status, ...(r.eventId ? { eventId: r.eventId } : {}), ...(r.reason ? { reason: r.reason } : {}) })),
  };
  if (failed.length > 0) return { status: 503, body: { error: failed.map((r) => r.reason).join('; '), ...summary } };
  if (rejected.length === outcome.records.length) return { status: 400, body: { error: rejected.map((r) => r.reason).join('; '), ...summary } };
  return { status: 202, body: summary };
}

export interface Route {
  method: 'POST' | 'GET';
  path: string;
  handle(body: unknown): Promise<{ status: number; body: unknown }>;
}

/** The AWS route: EventBridge events (e.g. from an API destination) into the pipeline. */
export function awsEventsRoute(pipeline: Pipeline, afterCommit: () => void): Route {
  return {
    method: 'POST', path: '/aws/events',
    async handle(body) {
      const outcome = await pipeline.handle(body);
      afterCommit();
      return statusOf(outcome);
    },
  };
}

/** A small HTTP server over a table of routes; every answer is JSON, every error one line. */
export function createHttpServer(routes: readonly Route[], log: (line: string) => void): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (request.method === 'GET' && path === '/healthz') return reply(response, 200, { ok: true });
    const route = routes.find((r) => r.path === path);
    if (!route) return reply(response, 404, { error: `no route ${request.method} ${path}` });
    if (request.method !== route.method) return reply(response, 405, { error: `${path} takes ${route.method}` });
    readJson(request)
      .then((body) => route.handle(body))
      .then((answer) => reply(response, answer.status, answer.body))
      .catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        const message = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];
        if (status >= 500) log(`error on ${path}: ${message}`);
        reply(response, status, { error: message });
      });
  });
}
