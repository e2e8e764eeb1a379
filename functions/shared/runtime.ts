import { deliveryOwner, emptyReport, type DeliveryReport } from '../../alerts/deliver.js';
import { outboxDelivery, sinksFromConfig } from '../../alerts/sinks.js';
import { parseConfig, withStormMode, type Config } from '../../core/config.js';
import { ConfigError, oneLine } from '../../core/errors.js';
import { Pipeline } from '../../core/pipeline.js';
import type { AlertSink, CloudAdapter, OutboxEntry, SnapshotStore, StateReader, StateStore } from '../../core/ports.js';
import type { Cloud } from '../../core/resource.js';
import { alertPolicy } from '../../core/routing.js';
import { baselineApprovalCheck } from '../../snapshots/approval.js';
import type { SharedEnvironment } from './environment.js';
import { log as jsonLog, type Log } from './log.js';
import { resolveSecretSettings, type SecretResolver } from './secrets.js';

/** A StateReader that can also capture a whole account (a project, a subscription). */
export type AccountReader = StateReader & Required<Pick<StateReader, 'capture'>>;

export interface RuntimeOptions {
  /** The platform's parsed environment: the shared settings are read from it. */
  env: SharedEnvironment;
  /** The delivery formats of the platform's cloud. */
  adapters: readonly CloudAdapter[];
  stores: { state: StateStore; snapshots: SnapshotStore };
  /** The cloud's live reader; used for events only when NETDRIFT_LIVE_READS is `true`. */
  readers: Partial<Record<Cloud, StateReader>>;
  secrets: SecretResolver;
  log?: Log;
  /**
   * Commit each event's first alerts already leased to this instance (where the store can:
   * `StateStore.commitLeasing`), for `sendLeased` to send without reading the outbox.
   */
  leaseAlerts?: boolean;
}

/** What every platform's functions run on, built once per instance. */
export interface Runtime {
  pipeline: Pipeline;
  state: StateStore;
  snapshots: SnapshotStore;
  sinks: ReadonlyMap<string, AlertSink>;
  config: Config;
  /**
   * One pass over the outbox, never waiting for a rate limit: failures and what cannot go now
   * stay there for the next invocation (failures are logged).
   */
  deliver(): Promise<DeliveryReport>;
  /** Sends the entries the pipeline's commits leased to this instance (a record outcome's `leased`); failures are logged. */
  sendLeased(entries: readonly OutboxEntry[]): Promise<DeliveryReport>;
}

const ROUTING_KEYS = ['routes', 'defaultSinks', 'suppressions', 'storm'];

/** NETDRIFT_ROUTING: the config file's routing keys as JSON, or nothing. */
function routingOf(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  let routing: unknown;
  try {
    routing = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`environment NETDRIFT_ROUTING: not JSON (${oneLine(error)})`);
  }
  if (typeof routing !== 'object' || routing === null || Array.isArray(routing)) throw new ConfigError('environment NETDRIFT_ROUTING: expected a JSON object');
  const unknown = Object.keys(routing).filter((k) => !ROUTING_KEYS.includes(k));
  if (unknown.length > 0) throw new ConfigError(`environment NETDRIFT_ROUTING: unknown key ${unknown.join(', ')} (${ROUTING_KEYS.join(', ')})`);
  return routing as Record<string, unknown>;
}

/** Sinks and routing from the (secret-resolved) settings: the same rules as the CLI's config file. */
function sinkConfig(env: SharedEnvironment, webhookUrl: string | undefined, routingKey: string | undefined): Config {
  const routing = routingOf(env.NETDRIFT_ROUTING);
  const storm = env.NETDRIFT_PAGERDUTY_STORM === undefined ? {} : { storm: withStormMode(routing.storm, env.NETDRIFT_PAGERDUTY_STORM) };
  return parseConfig({
    ...routing,
    ...storm,
    eventTtlHours: env.NETDRIFT_EVENT_TTL_HOURS,
    sinks: {
      ...(webhookUrl ? { slack: { webhookUrl, minSeverity: env.NETDRIFT_SLACK_MIN_SEVERITY } } : {}),
      ...(routingKey ? {
        pagerduty: {
          routingKey, minSeverity: env.NETDRIFT_PAGERDUTY_MIN_SEVERITY,
          ...(env.NETDRIFT_PAGERDUTY_URL ? { url: env.NETDRIFT_PAGERDUTY_URL } : {}),
        },
      } : {}),
    },
  }, 'environment');
}

/**
 * The platform-neutral wiring: resolves the secret settings through the platform's resolver,
 * builds the sinks, the Pipeline and the outbox deliverer. Each platform brings its stores, its
 * reader and its secret store; nothing here knows which cloud it runs in.
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { env, stores: { state, snapshots } } = options;
  const log = options.log ?? jsonLog;
  const secrets = await resolveSecretSettings(options.secrets, env);
  const config = sinkConfig(env, secrets.NETDRIFT_SLACK_WEBHOOK_URL, secrets.NETDRIFT_PAGERDUTY_ROUTING_KEY);
  const sinks = sinksFromConfig(config);
  // One pass that never waits for a rate limit or a Retry-After: what cannot go now stays in the
  // outbox, leased by nobody, for the next invocation (DESIGN.md, "Concurrency").
  const delivery = outboxDelivery(state, sinks, config);
  const owner = deliveryOwner();
  const pipeline = new Pipeline({
    adapters: options.adapters, snapshots, state,
    ...(env.NETDRIFT_LIVE_READS === 'true' ? { readers: options.readers } : {}),
    ...alertPolicy(config),
    eventTtlHours: env.NETDRIFT_EVENT_TTL_HOURS,
    warn: (line) => log('warn', line),
    error: (line) => log('error', line),
    trustBaseline: baselineApprovalCheck(secrets.NETDRIFT_APPROVAL_HMAC_KEY),
    ...(options.leaseAlerts ? { leaseAlerts: { owner, leaseMs: delivery.leaseMs } } : {}),
  });
  const logged = async (send: Promise<DeliveryReport>) => {
    const report = await send.catch((error: unknown) => {
      log('error', `outbox: ${oneLine(error)}`);
      return emptyReport();
    });
    for (const a of report.delivered) log('info', `alert sent to ${a.sink}`, { ...a });
    for (const f of report.failed) log('warn', `alert not sent to ${f.sink}`, { rule: f.rule, fingerprint: f.fingerprint, error: f.error, retryable: f.retryable });
    return report;
  };
  // What this instance runs with, once per cold start (names and switches only, never a secret).
  log('info', 'netdrift started', {
    sinks: [...sinks.keys()], liveReads: env.NETDRIFT_LIVE_READS === 'true' ? Object.keys(options.readers) : [],
    stormPagerDuty: config.storm.pagerDuty, approvalHmac: secrets.NETDRIFT_APPROVAL_HMAC_KEY !== undefined, eventTtlHours: env.NETDRIFT_EVENT_TTL_HOURS,
  });
  return {
    pipeline, state, snapshots, sinks, config,
    deliver: () => logged(delivery.pass()),
    sendLeased: (entries) => logged(delivery.sendLeased(entries, owner)),
  };
}

/**
 * Builds a runtime once per instance, on first use, and hands the same one to every warm
 * invocation; a failed set-up (a secret store that was unavailable) is retried on the next one.
 */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}
