import { stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { isIPv6 } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, oneLine } from '../../core/errors.js';
import { deliveryAuthenticators, deliveryAuthSettings, type DeliveryAuthenticators } from '../../functions/shared/auth/delivery-auth.js';
import { outboxDelivery } from '../../alerts/sinks.js';
import type { Config } from '../../core/config.js';
import { loadConfig } from '../config-file.js';
import { createHttpServer, deliveryRoutes, HttpError, isLoopbackHost, type HealthCheck } from '../http-server.js';
import { EXIT, type CommandIO } from '../io.js';
import { pubsubPullFlags, startPubsubConsumer } from '../pubsub-pull.js';
import { liveReaders, parseLiveReads } from '../live-readers.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../runtime.js';
import { ServeReadiness } from '../serve-readiness.js';
import { LOG_FORMATS, ServeLog } from '../serve-log.js';
import { oneOf, parseCommand, UsageError } from '../usage.js';

/** How often each sink's lane looks for alerts that are due (retries, and what its rate limit held back). */
const OUTBOX_INTERVAL_MS = 1_000;
/** How long alerts wait for others of the same storm. */
const STORM_GATHER_MS = 1_000;

/**
 * `netdrift serve`: a local HTTP endpoint for deliveries, state in a SQLite file, alerts to the
 * configured sinks. Runs until SIGINT/SIGTERM.
 */
export async function serveCommand(args: string[], io: CommandIO): Promise<number> {
  heapSizedForMemory(io.env);
  const { values } = parseCommand(args, {
    port: { type: 'string' }, host: { type: 'string' }, baseline: { type: 'string' }, state: { type: 'string' },
    'gcp-subscription': { type: 'string' }, 'gcp-max-messages': { type: 'string' }, 'live-reads': { type: 'string' },
    'log-format': { type: 'string' },
    ...AUTH_OPTIONS,
  });
  const port = Number(values.port ?? '8787');
  const host = values.host ?? '127.0.0.1';
  const pull = pubsubPullFlags(values['gcp-subscription'], values['gcp-max-messages']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number, got "${values.port}"`);
  // Every option is checked before anything is looked for on disk: a typo is a usage error, whatever the folders.
  const liveReads = parseLiveReads(values['live-reads']);
  const auth = await serveAuthenticators(values, io.env, host);
  const config = await loadConfig(values.config, io.env);
  const baselines = values.baseline ?? config.baselines;
  await requireFolder(baselines, values.baseline === undefined ? 'baselines folder (config `baselines`, NETDRIFT_BASELINES)' : '--baseline');
  const stateFile = values.state ?? config.state;
  const logs = new ServeLog(io, oneOf('log-format', values['log-format'] ?? io.env.NETDRIFT_LOG_FORMAT, LOG_FORMATS, 'text'));
  const log = (line: string): void => logs.line(line);
  // Listening comes first, before the state file, a live reader or a timer is opened: a port that
  // is taken ends serve at once (exit 2). Until the runtime is open, deliveries get 503 (retried).
  const opened: { runtime?: Runtime; readiness?: ServeReadiness } = {};
  const pipeline = {
    handle: async (body: unknown) => {
      if (!opened.runtime) throw new HttpError(503, 'serve is starting: retry in a moment');
      const started = performance.now();
      const outcome = await opened.runtime.pipeline.handle(body);
      logs.delivery(outcome, outcome.adapter === 'gcp-pubsub-pull' ? 'Pub/Sub pull' : 'HTTP', performance.now() - started);
      return outcome;
    },
  };
  const health: HealthCheck = () => opened.readiness?.health() ?? Promise.resolve({ ready: false, reason: 'starting' });
  const server = createHttpServer(deliveryRoutes(pipeline, () => drainSoon(), auth), log, undefined, health);
  await listen(server, port, host);
  const { runtime, readers } = await (async () => {
    // Azure events carry no resource body and GCP's often say too little: read the resource live (README, "Azure and GCP from a workstation").
    const live = await liveReaders(liveReads, io.env);
    return {
      readers: live,
      runtime: await openRuntime(stateFile, {
        config, send: true, warn: (line) => log(`warning: ${line}`), error: (line) => log(`error: ${line}`), stdout: io.stdout,
        stateFile, baselines, readers: live,
      }),
    };
  })().catch(async (error: unknown) => {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  });
  // Each sink's lane runs on its own, leasing what it sends and taking slots of the rate limits shared
  // through the state file: a hung sink holds back only its own lane, and `outbox redrive` beside
  // this loop never sends an entry twice (DESIGN.md, "Concurrency").
  const delivery = outboxDelivery(runtime.state, runtime.sinks, config);
  const drain = () => delivery.tick((outcome) => {
    if ('error' in outcome) log(`outbox: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`);
    else logs.alerts(outcome.report);
  });
  // Alerts go out a moment after the delivery that opened them, so that a storm arriving as many
  // deliveries waits in the outbox together and is grouped (config `storm`).
  let scheduled: NodeJS.Timeout | undefined;
  const drainSoon = () => {
    scheduled ??= setTimeout(() => { scheduled = undefined; drain(); }, STORM_GATHER_MS);
  };
  const readiness = new ServeReadiness(runtime.snapshots, (scope) => runtime.pipeline.loadBaseline(scope), runtime.state, baselines);
  Object.assign(opened, { runtime, readiness });
  server.on('error', (error) => log(`error: HTTP server: ${oneLine(error)}`));
  // While alerts gather for a storm, the loop leaves them to the gathering's own pass.
  const timer = setInterval(() => { if (!scheduled) drain(); }, OUTBOX_INTERVAL_MS);
  const address = server.address();
  const url = `http://${isIPv6(host) ? `[${host}]` : host}:${typeof address === 'object' && address ? address.port : port}`;
  log(`netdrift serving on ${url}`);
  drain();
  await readiness.load();
  log(`serve: ${readiness.summary()}; ${startupSummary(config, runtime, stateFile, auth, readers)}`);
  // Pulls a Pub/Sub subscription beside the HTTP routes (which keep answering /healthz): README, "GCP: pulling from a subscription".
  const pulling = pull && await startPubsubConsumer({ ...pull, pipeline, deliver: drainSoon, log });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await pulling?.stop();
  clearInterval(timer);
  if (scheduled) clearTimeout(scheduled);
  drain();
  await new Promise((resolve) => server.close(resolve));
  await delivery.idle();
  await runtime.close();
  return EXIT.ok;
}

/**
 * serve runs for weeks beside other processes, and V8 by default lets the heap grow to a few times
 * what is live before a full collection: with a 40 MiB baseline, RSS rose 40–70 MiB over 50k events
 * and stayed there. Sized for memory, V8 collects sooner: RSS within about 20 MiB of the loaded
 * baseline at the same events/s (bench/serve.ts). Set before anything is loaded; an explicit choice in
 * NODE_OPTIONS (`--no-optimize-for-size`) wins.
 */
function heapSizedForMemory(env: NodeJS.ProcessEnv): void {
  if (`${env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`.includes('optimize-for-size')) return;
  setFlagsFromString('--optimize-for-size');
}

/** A folder serve reads from must be there: without it every event would be answered `no-baseline`, silently. */
async function requireFolder(path: string, what: string): Promise<void> {
  const found = await stat(path).catch((error: unknown) => (error as NodeJS.ErrnoException).code ?? oneLine(error));
  if (typeof found === 'string') {
    const why = found === 'ENOENT' ? 'no such folder' : `cannot read it (${found})`;
    throw new ConfigError(`${what} ${path}: ${why}: give the folder of approved baselines (<cloud>/<account>.json, written by netdrift snapshot approve)`);
  }
  if (!found.isDirectory()) throw new ConfigError(`${what} ${path}: not a folder: give the folder of approved baselines (<cloud>/<account>.json)`);
}

/** The runtime, or one line naming the state file when it cannot be opened (a folder in its way, a file that is not SQLite). */
async function openRuntime(stateFile: string, options: RuntimeOptions): Promise<Runtime> {
  try {
    return await createRuntime(options);
  } catch (error) {
    // File system and SQLite errors carry a code; anything else is a bug, with its stack.
    if (typeof (error as { code?: unknown }).code !== 'string') throw error;
    throw new ConfigError(`state file ${stateFile}: cannot open it (${oneLine(error)}): give --state a file serve may create and write`, { cause: error });
  }
}

/**
 * Listens on `host:port`, or fails with one line naming the address and what to do: a server
 * that cannot listen must end (a supervisor restarts it or says why), not live on serving nothing.
 */
function listen(server: Server, port: number, host: string): Promise<void> {
  const where = `${isIPv6(host) ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      const reasons: Record<string, string> = {
        EADDRINUSE: `cannot listen on ${where}: port ${port} is in use by another process: stop it, or give serve another --port`,
        EACCES: `cannot listen on ${where}: not allowed to use port ${port}: give a port above 1023 with --port`,
        EADDRNOTAVAIL: `--host ${host}: not an address of this machine: give one of its addresses (127.0.0.1 for loopback, 0.0.0.0 for all)`,
        ENOTFOUND: `--host ${host}: no such host: give an address of this machine (127.0.0.1 for loopback, 0.0.0.0 for all)`,
        EAI_AGAIN: `--host ${host}: the name could not be resolved now: give an address of this machine (127.0.0.1 for loopback, 0.0.0.0 for all)`,
      };
      reject(new ConfigError(reasons[error.code ?? ''] ?? `cannot listen on ${where}: ${oneLine(error)}`, { cause: error }));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** The rest of the startup summary: where state is kept, the sinks, the endpoints and their authentication. Never a secret. */
function startupSummary(config: Config, runtime: Runtime, stateFile: string, auth: DeliveryAuthenticators, readers: object): string {
  const sinks = [...runtime.sinks.keys()].map((name) => {
    const type = config.sinks[name]?.type;
    return type && type !== name ? `${name} (${type})` : name;
  });
  const routes = Object.entries({ '/aws/events': auth.aws, '/azure/events': auth.azure, '/gcp/pubsub': auth.gcp })
    .map(([path, a]) => `POST ${path} (${a ? 'authenticated' : 'open: loopback'})`);
  const live = Object.keys(readers);
  return [
    `state ${stateFile}`,
    sinks.length > 0 ? `sinks ${sinks.join(', ')}` : 'sinks none (findings are kept in the state file only)',
    `endpoints ${[...routes, 'GET /healthz', 'GET /metrics'].join(', ')}`,
    ...(live.length > 0 ? [`live reads ${live.join(', ')}`] : []),
  ].join('; ');
}

/** The flags of serve's authentication (each also read from its environment variable). */
const AUTH_OPTIONS = {
  secret: { type: 'string', multiple: true },
  'event-grid-secret': { type: 'string', multiple: true },
  'event-grid-secret-parameter': { type: 'string' },
  'entra-tenant': { type: 'string' },
  'entra-audience': { type: 'string', multiple: true },
  'pubsub-audience': { type: 'string' },
  'pubsub-service-account': { type: 'string' },
  'jwks-file': { type: 'string' },
} as const;

/**
 * Each route's authenticator (DESIGN.md, "Trust"). Beyond loopback every delivery must be
 * authenticated, so serve refuses to start there without a shared secret: the AWS route has no
 * other way to tell a forged event from a real one.
 */
async function serveAuthenticators(values: Record<string, string | boolean | (string | boolean)[] | undefined>, env: NodeJS.ProcessEnv, host: string): Promise<DeliveryAuthenticators> {
  const flag = (name: keyof typeof AUTH_OPTIONS) => {
    const value = values[name];
    return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value : undefined;
  };
  const settings = deliveryAuthSettings({
    secret: flag('secret'), eventGridSecret: flag('event-grid-secret'), eventGridSecretParameter: flag('event-grid-secret-parameter'),
    entraTenant: flag('entra-tenant'), entraAudience: flag('entra-audience'),
    pubsubAudience: flag('pubsub-audience'), pubsubServiceAccount: flag('pubsub-service-account'), jwksFile: flag('jwks-file'),
  }, env);
  if (settings.secrets.length === 0 && !isLoopbackHost(host)) {
    throw new ConfigError(`--host ${host} listens beyond loopback: set --secret or NETDRIFT_SERVE_SECRET so that every delivery is authenticated`);
  }
  return deliveryAuthenticators(settings);
}
