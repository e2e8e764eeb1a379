import { ConfigError } from '../../core/errors.js';
import { deliveryAuthenticators, deliveryAuthSettings, type DeliveryAuthenticators } from '../../functions/shared/auth/delivery-auth.js';
import { outboxDelivery } from '../../alerts/sinks.js';
import { loadConfig } from '../config-file.js';
import { createHttpServer, deliveryRoutes, isLoopbackHost } from '../http-server.js';
import { EXIT, type CommandIO } from '../io.js';
import { pubsubPullFlags, startPubsubConsumer } from '../pubsub-pull.js';
import { liveReaders, parseLiveReads } from '../live-readers.js';
import { createRuntime } from '../runtime.js';
import { parseCommand, UsageError } from '../usage.js';

/** How often each sink's lane looks for alerts that are due (retries, and what its rate limit held back). */
const OUTBOX_INTERVAL_MS = 1_000;
/** How long alerts wait for others of the same storm. */
const STORM_GATHER_MS = 1_000;

/**
 * `netdrift serve`: a local HTTP endpoint for deliveries, state in a SQLite file, alerts to the
 * configured sinks. Runs until SIGINT/SIGTERM.
 */
export async function serveCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(args, {
    port: { type: 'string' }, host: { type: 'string' }, baseline: { type: 'string' }, state: { type: 'string' },
    'gcp-subscription': { type: 'string' }, 'gcp-max-messages': { type: 'string' }, 'live-reads': { type: 'string' },
    ...AUTH_OPTIONS,
  });
  const port = Number(values.port ?? '8787');
  const pull = pubsubPullFlags(values['gcp-subscription'], values['gcp-max-messages']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number, got "${values.port}"`);
  const auth = await serveAuthenticators(values, io.env, values.host ?? '127.0.0.1');
  const config = await loadConfig(values.config, io.env);
  // Azure events carry no resource body and GCP's often say too little: read the resource live (README, "Azure and GCP from a workstation").
  const readers = await liveReaders(parseLiveReads(values['live-reads']), io.env);
  const log = (line: string): void => { io.stderr.write(`${line}\n`); };
  const runtime = await createRuntime({
    config, send: true, warn: (line) => log(`warning: ${line}`), error: (line) => log(`error: ${line}`), stdout: io.stdout,
    stateFile: values.state ?? config.state, ...(values.baseline ? { baselines: values.baseline } : {}), readers,
  });
  // Each sink's lane runs on its own, leasing what it sends and taking slots of the rate limits shared
  // through the state file: a hung sink holds back only its own lane, and `outbox redrive` beside
  // this loop never sends an entry twice (DESIGN.md, "Concurrency").
  const delivery = outboxDelivery(runtime.state, runtime.sinks, config);
  const drain = () => delivery.tick((outcome) => {
    if ('error' in outcome) log(`outbox: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`);
    else for (const f of outcome.report.failed) log(`alert not sent to ${f.sink} (${f.rule}): ${f.error}`);
  });
  // Alerts go out a moment after the delivery that opened them, so that a storm arriving as many
  // deliveries waits in the outbox together and is grouped (config `storm`).
  let scheduled: NodeJS.Timeout | undefined;
  const drainSoon = () => {
    scheduled ??= setTimeout(() => { scheduled = undefined; drain(); }, STORM_GATHER_MS);
  };
  const server = createHttpServer(deliveryRoutes(runtime.pipeline, drainSoon, auth), log);
  // While alerts gather for a storm, the loop leaves them to the gathering's own pass.
  const timer = setInterval(() => { if (!scheduled) drain(); }, OUTBOX_INTERVAL_MS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, values.host ?? '127.0.0.1', () => resolve());
  });
  log(`authentication: ${Object.entries({ '/aws/events': auth.aws, '/azure/events': auth.azure, '/gcp/pubsub': auth.gcp })
    .map(([path, a]) => `${path} ${a ? 'required' : 'open (loopback)'}`).join(', ')}`);
  const address = server.address();
  log(`netdrift serving on http://${values.host ?? '127.0.0.1'}:${typeof address === 'object' && address ? address.port : port}`);
  drain();
  // Pulls a Pub/Sub subscription beside the HTTP routes (which keep answering /healthz): README, "GCP: pulling from a subscription".
  const pulling = pull && await startPubsubConsumer({ ...pull, pipeline: runtime.pipeline, deliver: drainSoon, log });
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
