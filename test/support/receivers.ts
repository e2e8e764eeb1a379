import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local HTTP receivers standing in for Slack and PagerDuty: they record every request and
 * answer from a scriptable queue of responses, then from a default.
 */

/** One request as received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body. */
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
  /** When it arrived (epoch ms), to check waits such as Retry-After. */
  receivedAt: number;
}

/** One scripted answer. An object `body` is sent as JSON. */
export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | object;
  /** Wait this long before answering (to make a client time out). */
  delayMs?: number;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Queues answers for the next requests, in order; after them, the default answers. */
  respondWith(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

/** Slack's incoming webhook answers `200 ok`. */
export const SLACK_OK: ScriptedResponse = { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };

/** PagerDuty's Events API answers `202 {"status":"success"}`. */
export const PAGERDUTY_ACCEPTED: ScriptedResponse = { status: 202, body: { status: 'success' } };

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function answer(response: ServerResponse, scripted: ScriptedResponse): void {
  const isJson = typeof scripted.body === 'object';
  const body = isJson ? JSON.stringify(scripted.body) : (scripted.body ?? '');
  const headers = { ...(isJson ? { 'content-type': 'application/json' } : {}), ...scripted.headers };
  response.writeHead(scripted.status, headers).end(body);
}

/** Starts a receiver on 127.0.0.1 and a free port, answering `fallback` when nothing is queued. */
export async function startReceiver(fallback: ScriptedResponse): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const queue: ScriptedResponse[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((request, response) => {
    void readBody(request).then((text) => {
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        text,
        body: parseJson(text),
        receivedAt: Date.now(),
      });
      const scripted = queue.shift() ?? fallback;
      if (!scripted.delayMs) return answer(response, scripted);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!response.destroyed) answer(response, scripted);
      }, scripted.delayMs);
      timers.add(timer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respondWith: (...responses) => queue.push(...responses),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      // Clients keep connections alive: drop them, or close() waits for them.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** A receiver that answers like a Slack incoming webhook. */
export function startSlackReceiver(): Promise<Receiver> {
  return startReceiver(SLACK_OK);
}

/** A receiver that answers like PagerDuty's Events API v2. */
export function startPagerDutyReceiver(): Promise<Receiver> {
  return startReceiver(PAGERDUTY_ACCEPTED);
}
