import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import type { ArmClientOptions } from '../../adapters/azure/arm-clients.js';
import { FakeArmStore, idParts } from './fake-arm-store.js';

/**
 * A local ARM: ARM has no emulator, so the real `@azure/arm-*` clients are pointed at this server, which answers
 * in ARM's wire format as the published REST examples show it (../shared/corpus/arm): resources by id, lists paged
 * with `nextLink`, 404 `ResourceNotFound` bodies, 429 with `Retry-After`, 403 `AuthorizationFailed`, PUT and DELETE
 * that change what later reads see, and Resource Graph's `POST /providers/Microsoft.ResourceGraph/resources`
 * paged with `$skipToken`. HTTPS with a throwaway certificate: the SDK sends bearer tokens over https only.
 */
export interface ArmReply { status: number; headers?: Record<string, string>; body?: unknown }

export const TEST_TOKEN = 'fake-arm-token';

/** A static token, as a managed identity would give one. */
export const staticCredential: TokenCredential = {
  getToken: async () => ({ token: TEST_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export const throttled = (seconds: number, remaining = '0'): ArmReply => ({
  status: 429,
  headers: { 'retry-after': String(seconds), 'x-ms-ratelimit-remaining-subscription-reads': remaining },
  body: { error: { code: 'TooManyRequests', message: 'The request is being throttled as the limit has been reached for operation type - Read.' } },
});

export const denied = (scope: string): ArmReply => ({
  status: 403,
  body: { error: { code: 'AuthorizationFailed', message: `The client 'c0ffee00-0000-4000-8000-000000000001' with object id 'c0ffee00-0000-4000-8000-000000000001' does not have authorization to perform action 'Microsoft.Network/routeTables/read' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.` } },
});

let tls: { key: string; cert: string } | undefined;

/** A self-signed certificate for 127.0.0.1, made once per test process. */
function tlsMaterial(): { key: string; cert: string } {
  if (tls) return tls;
  const dir = mkdtempSync(join(tmpdir(), 'fake-arm-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  return tls;
}

export interface FakeArm {
  url: string;
  store: FakeArmStore;
  /** Reader options pointing the real clients here (short retry bounds). */
  clientOptions: ArmClientOptions;
  /** Every request, `METHOD /path`, in order. */
  requests: string[];
  /** Management group name → its subscriptions, for Resource Graph. */
  managementGroups: Map<string, string[]>;
  /** Rows or items per page. */
  pageSize: number;
  /** The next `times` requests matching `match` (against `METHOD /path`) get `reply` instead. */
  failNext(match: RegExp, reply: ArmReply, times?: number): void;
  /** A request over HTTP as a client would make it (tests PUT and DELETE through it). */
  send(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

const notFound = (path: string, code = 'ResourceNotFound'): ArmReply => {
  const parts = idParts(path);
  return { status: 404, body: { error: { code, message: `The Resource '${parts.spelled}/${parts.name}' under resource group '${parts.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix` } } };
};

export async function startFakeArm(options: { pageSize?: number } = {}): Promise<FakeArm> {
  const { key, cert } = tlsMaterial();
  const store = new FakeArmStore();
  const failures: { match: RegExp; reply: ArmReply; times: number }[] = [];
  const fake = { store, requests: [] as string[], managementGroups: new Map<string, string[]>(), pageSize: options.pageSize ?? 2 } as FakeArm;

  const page = (items: unknown[], url: URL, path: string): ArmReply => {
    const start = Number(url.searchParams.get('$skipToken') ?? '0');
    const next = start + fake.pageSize;
    const nextLink = next < items.length ? `${fake.url}${path}?api-version=${url.searchParams.get('api-version') ?? ''}&$skipToken=${next}` : undefined;
    return { status: 200, body: { value: items.slice(start, next), ...(nextLink ? { nextLink } : {}) } };
  };

  const graph = (request: { subscriptions?: string[]; managementGroups?: string[]; query?: string; options?: Record<string, unknown> }): ArmReply => {
    const scope = new Set([...(request.subscriptions ?? []), ...(request.managementGroups ?? []).flatMap((mg) => fake.managementGroups.get(mg) ?? [])]
      .map((s) => s.toLowerCase()));
    const query = request.query ?? '';
    const rows: unknown[] = /resourcecontainers/i.test(query)
      ? [...scope].sort().map((subscriptionId) => ({ subscriptionId }))
      : store.graphRows([...(/in~\s*\(([^)]*)\)/.exec(query)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => (m[1] ?? '').toLowerCase()), scope);
    const top = Number(request.options?.$top ?? fake.pageSize);
    const start = request.options?.$skipToken ? Number(Buffer.from(String(request.options.$skipToken), 'base64url').toString()) : 0;
    const data = rows.slice(start, start + top);
    const more = start + top < rows.length;
    return { status: 200, body: {
      totalRecords: rows.length, count: data.length, resultTruncated: 'false', data, facets: [],
      ...(more ? { $skipToken: Buffer.from(String(start + top)).toString('base64url') } : {}),
    } };
  };

  const answer = (method: string, url: URL, body: string): ArmReply => {
    const path = decodeURIComponent(url.pathname).replace(/\/+$/, '');
    if (method === 'POST' && path.toLowerCase() === '/providers/microsoft.resourcegraph/resources') return graph(JSON.parse(body || '{}'));
    const parts = path.split('/');
    const at = parts.findIndex((part) => part.toLowerCase() === 'providers');
    if (at < 0) return notFound(path);
    const collection = (parts.length - at - 2) % 2 === 1;
    if (method === 'GET' && collection) return store.missingParent(path) ? notFound(path, 'ParentResourceNotFound') : page(store.list(path).map((r) => store.get(r.id)), url, path);
    if (method === 'GET') return store.has(path) ? { status: 200, body: store.get(path) } : notFound(path);
    if (method === 'PUT') {
      const created = store.put({ ...JSON.parse(body || '{}'), id: path });
      return { status: created ? 201 : 200, body: store.get(path) };
    }
    if (method === 'DELETE') return { status: store.remove(path) ? 200 : 204 };
    return { status: 405, body: { error: { code: 'MethodNotAllowed', message: method } } };
  };

  const server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', fake.url);
      const line = `${req.method ?? 'GET'} ${decodeURIComponent(url.pathname)}`;
      fake.requests.push(line);
      let reply: ArmReply;
      const failure = failures.find((f) => f.times > 0 && f.match.test(line));
      if (req.headers.authorization !== `Bearer ${TEST_TOKEN}`) {
        reply = { status: 401, body: { error: { code: 'AuthenticationFailed', message: 'Authentication failed. The Authorization header is missing.' } } };
      } else if (failure) {
        failure.times -= 1;
        reply = failure.reply;
      } else {
        reply = answer(req.method ?? 'GET', url, Buffer.concat(chunks).toString('utf8'));
      }
      const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': `req-${fake.requests.length}`, ...reply.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.clientOptions = { endpoint: fake.url, credential: staticCredential, tlsCa: cert, maxRetries: 2, maxRetryAfterMs: 1_000 };
  fake.failNext = (match, reply, times = 1) => { failures.push({ match, reply, times }); };
  fake.send = (method, path, body) => new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const req = httpsRequest(`${fake.url}${path}?api-version=2024-05-01`, {
      method, ca: cert, headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) as unknown : undefined });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
  fake.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return fake;
}

/**
 * The App Service / Azure Functions managed identity endpoint (`IDENTITY_ENDPOINT`, called with the
 * `X-IDENTITY-HEADER` secret, api-version 2019-08-01), handing out the token the fake ARM server accepts:
 * `DefaultAzureCredential` reaches it exactly as it does on a Function App. Plain http on loopback, as there.
 */
export async function startIdentityEndpoint(header: string): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method ?? 'GET'} ${url.pathname}?resource=${url.searchParams.get('resource') ?? ''}`);
    if (req.headers['x-identity-header'] !== header) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized', error_description: 'X-IDENTITY-HEADER' }));
      return;
    }
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      access_token: TEST_TOKEN, expires_on: String(expiresOn), resource: url.searchParams.get('resource') ?? '', token_type: 'Bearer',
      client_id: 'c0ffee00-0000-4000-8000-000000000001',
    }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`, requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
