// A stand-in for the Azure Functions host and its Node.js worker, run in a fresh Node process on a
// BUILT app directory (dist/azure). There is no Functions host binary here, so this does what the
// two do for an app of the v4 programming model, with the library's own code:
// - like azure-functions-nodejs-worker's setupCoreModule, it answers `require('@azure/functions-core')`
//   with a core API that records `setProgrammingModel` and every `registerFunction(metadata, callback)`;
// - it loads the package's `main` (as the worker does, by import());
// - per HTTP request it builds the RPC invocation the host sends (RpcHttpData: method, url, headers,
//   query, body bytes) and runs it through the registered ProgrammingModel's InvocationModel
//   (getArguments → invokeFunction → getResponse), so `HttpRequest` and `InvocationContext` are the
//   library's own; the RPC response becomes the HTTP answer.
// - routes: `/api/<route>` for HTTP triggers, refusing a wrong or missing function key (`?code=` or
//   `x-functions-key`) for authLevel `function` with 401 as the host does; `POST /admin/functions/<name>`
//   with the master key runs a non-HTTP function (the host's documented way to run a timer by hand),
//   answering 202 with the invocation's return value (the host answers 202 without it).
// Environment: FUNCTIONS_TEST_FUNCTION_KEY, FUNCTIONS_TEST_MASTER_KEY. argv[2]: the app directory.
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Module from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const appDir = resolve(process.argv[2] ?? '.');
const functionKey = process.env.FUNCTIONS_TEST_FUNCTION_KEY ?? '';
const masterKey = process.env.FUNCTIONS_TEST_MASTER_KEY ?? '';
const registrations = new Map();
let programmingModel;

class Disposable {
  constructor(callback) { this.callback = callback; }
  dispose() { this.callback?.(); }
}
const coreApi = {
  version: '3.10.1', hostVersion: '4.1037.0',
  registerFunction(metadata, callback) {
    registrations.set(metadata.name.toLowerCase(), { metadata, callback });
    return new Disposable(() => registrations.delete(metadata.name.toLowerCase()));
  },
  setProgrammingModel(model) { programmingModel = model; },
  getProgrammingModel() { return programmingModel; },
  registerHook() { return new Disposable(); },
  log(level, category, message) { console.log(JSON.stringify({ host: 'log', level, category, message })); },
  Disposable,
};
Module.prototype.require = new Proxy(Module.prototype.require, {
  apply(target, thisArg, args) {
    return args[0] === '@azure/functions-core' ? coreApi : Reflect.apply(target, thisArg, args);
  },
});

const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
const loadStarted = performance.now();
try {
  await import(pathToFileURL(join(appDir, manifest.main)).href);
} catch (error) {
  console.log(JSON.stringify({ host: 'init-error', message: String(error?.message ?? error) }));
  process.exit(1);
}

const initMs = performance.now() - loadStarted;

const triggerOf = (metadata) => Object.values(metadata.bindings).find((b) => b.direction === 'in' && /Trigger$/.test(b.type));
const triggerName = (metadata) => Object.entries(metadata.bindings).find(([, b]) => b === triggerOf(metadata))?.[0];

/** One invocation through the library's InvocationModel, as the worker runs it. */
async function invoke(registration, inputData) {
  const invocationId = randomUUID();
  const coreCtx = {
    invocationId, metadata: registration.metadata, state: undefined,
    request: { invocationId, functionId: registration.metadata.name, inputData, triggerMetadata: {}, retryContext: undefined, traceContext: {} },
    log: (level, category, message) => console.log(JSON.stringify({ host: 'log', function: registration.metadata.name, level, category, message })),
  };
  const model = programmingModel.getInvocationModel(coreCtx);
  const { context, inputs } = await model.getArguments();
  const result = await model.invokeFunction(context, inputs, registration.callback);
  return model.getResponse(context, result);
}

function presentedKey(url, headers) {
  return url.searchParams.get('code') ?? headers['x-functions-key'];
}

function answer(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

async function handle(req, res, body) {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  const admin = /^\/admin\/functions\/([^/]+)$/.exec(url.pathname);
  if (admin) {
    if (req.method !== 'POST' || !masterKey || req.headers['x-functions-key'] !== masterKey) return answer(res, 401, undefined);
    const registration = registrations.get(decodeURIComponent(admin[1]).toLowerCase());
    if (!registration) return answer(res, 404, undefined);
    const trigger = triggerOf(registration.metadata);
    const data = trigger.type === 'timerTrigger'
      ? { json: JSON.stringify({ Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false }) }
      : { string: JSON.parse(body.toString('utf8') || '{}').input ?? '' };
    const response = await invoke(registration, [{ name: triggerName(registration.metadata), data }]);
    const value = response.returnValue?.json ?? response.returnValue?.string;
    return answer(res, 202, { returnValue: value === undefined ? null : JSON.parse(value) });
  }
  const route = url.pathname.replace(/^\/api\//, '');
  const registration = [...registrations.values()].find(({ metadata }) => {
    const trigger = triggerOf(metadata);
    return trigger.type === 'httpTrigger' && (trigger.route ?? metadata.name).toLowerCase() === route.toLowerCase();
  });
  if (!registration || !url.pathname.startsWith('/api/')) return answer(res, 404, undefined);
  const trigger = triggerOf(registration.metadata);
  if (!(trigger.methods ?? ['GET', 'POST']).includes(req.method)) return answer(res, 405, undefined);
  if (trigger.authLevel !== 'anonymous' && presentedKey(url, req.headers) !== functionKey) return answer(res, 401, undefined);
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
  const http = { method: req.method, url: url.href, headers, query: Object.fromEntries(url.searchParams), params: {}, body: { bytes: new Uint8Array(body) } };
  const response = await invoke(registration, [{ name: triggerName(registration.metadata), data: { http } }]);
  const out = response.returnValue?.http ?? {};
  res.writeHead(Number(out.statusCode ?? 200), out.headers ?? {});
  res.end(out.body?.bytes ? Buffer.from(out.body.bytes) : out.body?.string ?? '');
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks)).catch((error) => {
      // The host answers an invocation that threw with 500.
      console.log(JSON.stringify({ host: 'invocation-error', message: String(error?.stack ?? error) }));
      if (!res.headersSent) answer(res, 500, undefined);
    });
  });
});
server.listen(0, '127.0.0.1', () => {
  const functions = [...registrations.values()].map(({ metadata }) => ({ name: metadata.name, trigger: triggerOf(metadata) }));
  console.log(JSON.stringify({ host: 'ready', port: server.address().port, functions, initMs: Math.round(initMs) }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
