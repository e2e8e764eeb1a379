import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { TransientError, oneLine } from '../core/errors.js';
import type { DeliveryOutcome, Pipeline } from '../core/pipeline.js';
import { clip } from '../core/reasons.js';
import type { Authenticator } from '../functions/shared/auth/authenticator.js';
import type { DeliveryAuthenticators } from '../functions/shared/auth/delivery-auth.js';

/** Event Grid and Pub/Sub push deliveries are at most 1 MB; more is not an event. */
const MAX_BODY_BYTES = 1024 * 1024;

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
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
  // Transient, operator and bug failures alike are retried: nothing is lost while a person fixes the setup (never a 400).
  const failed = outcome.records.filter((r) => r.status === 'failed');
  const rejected = outcome.records.filter((r) => r.status === 'rejected');
  const summary = {
    opened: outcome.records.reduce((n, r) => n + r.opened.length, 0),
    resolved: outcome.records.reduce((n, r) => n + r.resolved.length, 0),
    records: outcome.records.map((r) => ({
      status: r.status, ...(r.class ? { class: r.class } : {}), ...(r.eventId ? { eventId: r.eventId } : {}), ...(r.reason ? { reason: r.reason } : {}),
    })),
  };
  // One short line however many records a batch held; each record's own reason is in `records`.
  if (failed.length > 0) return { status: 503, body: { error: clip(failed.map((r) => r.reason).join('; ')), ...summary } };
  if (rejected.length === outcome.records.length) return { status: rejectedStatus, body: { error: clip(rejected.map((r) => r.reason).join('; ')), ...summary } };
  return { status: 202, body: summary };
}

export interface Route {
  method: 'POST' | 'GET';
  path: string;
  handle(body: unknown): Promise<{ status: number; body: unknown }>;
  /** Answers a body that is not JSON; by default a 400. */
  notJson?(reason: string): { status: number; body: unknown };
  /** Who may deliver here; without one, anyone may (loopback only, see {@link isLoopbackHost}). */
  authenticate?: Authenticator;
}

/** The delivery routes of `netdrift serve`, one per cloud, each with its platform's retry semantics. */
export function deliveryRoutes(pipeline: Pick<Pipeline, 'handle'>, afterCommit: () => void, auth: DeliveryAuthenticators = {}): Route[] {
  const run = async (body: unknown, rejectedStatus: number) => {
    const outcome = await pipeline.handle(body);
    afterCommit();
    return { outcome, ...statusOf(outcome, rejectedStatus) };
  };
  return [
    { method: 'POST', path: '/aws/events', handle: (body) => run(body, 400), ...(auth.aws ? { authenticate: auth.aws } : {}) },
    {
      method: 'POST', path: '/azure/events', ...(auth.azure ? { authenticate: auth.azure } : {}),
      async handle(body) {
        const answer = await run(body, 400);
        // Event Grid's subscription validation handshake (EventGrid schema):
        // https://learn.microsoft.com/azure/event-grid/webhook-event-delivery
        const code = answer.outcome.records.find((r) => r.validationCode)?.validationCode;
        return code ? { status: 200, body: { validationResponse: code } } : answer;
      },
    },
    {
      method: 'POST', path: '/gcp/pubsub', ...(auth.gcp ? { authenticate: auth.gcp } : {}),
      // Pub/Sub push redelivers on any non-2xx, so what can never be parsed is acknowledged:
      // https://cloud.google.com/pubsub/docs/push#receive_push
      handle: (body) => run(body, 202),
      notJson: (reason) => ({ status: 202, body: { error: reason } }),
    },
  ];
}

/** What the server counts; `GET /metrics` answers it as JSON. */
export interface ServerCounters {
  /** Requests refused for want of authentication, by route path. */
  refused: Record<string, number>;
}

/**
 * What `GET /healthz` says: ready (200) only once what the server needs is loaded, otherwise 503
 * with the reason, so that a supervisor or a load balancer sends nothing to a server that would
 * only answer 503 or `no-baseline`.
 */
export type HealthCheck = () => Promise<{ ready: true; [detail: string]: unknown } | { ready: false; reason: string }>;

/** An address that only this machine can reach, or a name that resolves only to one. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const family = isIP(host);
  if (family === 0) return false;
  // BlockList also matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against the IPv4 subnet.
  const loopback = new BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6');
  return loopback.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

async function authenticate(route: Route, request: IncomingMessage, body: Buffer): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!route.authenticate) return { ok: true };
  const query = new URLSearchParams((request.url ?? '').split('?')[1] ?? '');
  try {
    return await route.authenticate({ headers: request.headers, query, body });
  } catch (error) {
    // Keys that could not be fetched: the platform retries, the event is not lost.
    throw error instanceof TransientError ? new HttpError(503, `authentication unavailable: ${oneLine(error)}`) : error;
  }
}

/**
 * A small HTTP server over a table of routes; every answer is JSON, every error one line. A route
 * with an authenticator answers 401 to what it refuses, before anything in the body is parsed;
 * each refusal is counted (`GET /metrics`) and logged with its reason, never with a credential.
 */
export function createHttpServer(
  routes: readonly Route[], log: (line: string) => void, counters: ServerCounters = { refused: {} },
  health: HealthCheck = () => Promise.resolve({ ready: true }),
): Server {
  const refuse = (response: ServerResponse, request: IncomingMessage, path: string, reason: string) => {
    counters.refused[path] = (counters.refused[path] ?? 0) + 1;
    const total = Object.values(counters.refused).reduce((a, b) => a + b, 0);
    log(`refused ${request.method} ${path} from ${request.socket.remoteAddress ?? 'unknown'}: ${reason} (${total} refused so far)`);
    response.setHeader('WWW-Authenticate', 'Bearer');
    reply(response, 401, { error: `unauthenticated: ${reason}` });
  };
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (request.method === 'GET' && path === '/healthz') {
      health()
        .then((state) => reply(response, state.ready ? 200 : 503, { ok: state.ready, ...state }))
        .catch((error: unknown) => reply(response, 503, { ok: false, ready: false, reason: oneLine(error) }));
      return;
    }
    if (request.method === 'GET' && path === '/metrics') {
      const memory = process.memoryUsage();
      return reply(response, 200, {
        refused: { total: Object.values(counters.refused).reduce((a, b) => a + b, 0), byRoute: counters.refused },
        // What the process holds (bytes): the resident set, and how much of it the JS heap is, live or not yet collected.
        memory: { rss: memory.rss, heapTotal: memory.heapTotal, heapUsed: memory.heapUsed, external: memory.external },
      });
    }
    const route = routes.find((r) => r.path === path);
    if (!route) return reply(response, 404, { error: `no route ${request.method} ${path}` });
    const origin = request.headers['webhook-request-origin'];
    if (request.method !== route.method && !(request.method === 'OPTIONS' && typeof origin === 'string')) {
      return reply(response, 405, { error: `${path} takes ${route.method}` });
    }
    readBody(request)
      .then(async (body) => {
        const trust = await authenticate(route, request, body);
        if (!trust.ok) return refuse(response, request, path, trust.reason);
        if (request.method === 'OPTIONS' && typeof origin === 'string') {
          // The CloudEvents webhook abuse-protection handshake Event Grid sends before CloudEvents
          // deliveries, to the subscription's URL (its query secret included).
          response.writeHead(200, { 'WebHook-Allowed-Origin': origin, 'WebHook-Allowed-Rate': '*' });
          return response.end();
        }
        let parsed: unknown;
        try {
          parsed = parseJson(body);
        } catch (error) {
          if (error instanceof HttpError && error.status === 400 && route.notJson) {
            const answer = route.notJson(error.message);
            return reply(response, answer.status, answer.body);
          }
          throw error;
        }
        const answer = await route.handle(parsed);
        return reply(response, answer.status, answer.body);
      })
      .catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        const message = oneLine(error);
        if (status >= 500) log(`error on ${path}: ${message}`);
        reply(response, status, { error: message });
      });
  });
}
