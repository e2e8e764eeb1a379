import { awsAdapters } from '../../adapters/aws/index.js';
import { emptyReport, type DeliveryReport } from '../../alerts/deliver.js';
import { outboxDelivery, sinksFromConfig } from '../../alerts/sinks.js';
import { alertPolicy } from '../../core/routing.js';
import { parseConfig, type Config } from '../../core/config.js';
import { ConfigError, oneLine } from '../../core/errors.js';
import { Pipeline } from '../../core/pipeline.js';
import { baselineApprovalCheck } from '../../snapshots/approval.js';
import type { AlertSink, SnapshotStore, StateReader, StateStore } from '../../core/ports.js';
import { captureRegions, parseAwsFunctionEnvironment, type AwsFunctionEnvironment } from './environment.js';
import { log } from './log.js';

/** A StateReader that can also capture a whole account. */
export type AccountReader = StateReader & Required<Pick<StateReader, 'capture'>>;

/**
 * The AWS reader, loaded on its first read: its SDK clients are most of the bundle (about 0.6 s
 * to load), and duplicates, failed calls and unwatched events never need them. With
 * NETDRIFT_READER_ROLE, every account is read through that role (hub and spoke); without it, only
 * the function's own account.
 */
function lazyReader(clientConfig: { endpoint?: string }, env: AwsFunctionEnvironment): AccountReader {
  let reader: Promise<AccountReader> | undefined;
  const role = env.NETDRIFT_READER_ROLE;
  const assumeRole = role === undefined ? undefined
    : { roleName: role, ...(env.NETDRIFT_READER_EXTERNAL_ID === undefined ? {} : { externalId: env.NETDRIFT_READER_EXTERNAL_ID }) };
  const load = () => (reader ??= import('../../adapters/aws/state-reader.js').then(({ AwsStateReader }) => new AwsStateReader({
    clientConfig: { ...clientConfig, region: env.AWS_REGION }, ...(assumeRole ? { assumeRole } : {}),
  })));
  return {
    read: async (ref) => (await load()).read(ref),
    select: async (scope, kind, selector) => (await (await load()).select?.(scope, kind, selector)) ?? [],
    capture: async (scope, regions) => (await load()).capture(scope, regions),
  };
}

/** Everything a Lambda function runs on, built once per container. */
export interface AwsRuntime {
  env: AwsFunctionEnvironment;
  regions: string[];
  pipeline: Pipeline;
  state: StateStore;
  snapshots: SnapshotStore;
  reader: AccountReader;
  sinks: ReadonlyMap<string, AlertSink>;
  /**
   * One pass over the outbox, never waiting for a rate limit: failures and what cannot go now
   * stay there for the next invocation (failures are logged).
   */
  deliver(): Promise<DeliveryReport>;
}

/** Sinks from the (secret-resolved) settings: the same routing rules as the CLI's config. */
async function sinkConfig(env: AwsFunctionEnvironment, clientConfig: { endpoint?: string }): Promise<Config> {
  const { resolveSecret } = await import('./secrets.js');
  const [webhookUrl, routingKey] = await Promise.all([
    resolveSecret('NETDRIFT_SLACK_WEBHOOK_URL', env.NETDRIFT_SLACK_WEBHOOK_URL, clientConfig),
    resolveSecret('NETDRIFT_PAGERDUTY_ROUTING_KEY', env.NETDRIFT_PAGERDUTY_ROUTING_KEY, clientConfig),
  ]);
  let routing: Record<string, unknown> = {};
  if (env.NETDRIFT_ROUTING) {
    try {
      routing = JSON.parse(env.NETDRIFT_ROUTING) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`environment NETDRIFT_ROUTING: not JSON (${oneLine(error)})`);
    }
    if (typeof routing !== 'object' || routing === null || Array.isArray(routing)) throw new ConfigError('environment NETDRIFT_ROUTING: expected a JSON object');
    const unknown = Object.keys(routing).filter((k) => !['routes', 'defaultSinks', 'suppressions', 'storm'].includes(k));
    if (unknown.length > 0) throw new ConfigError(`environment NETDRIFT_ROUTING: unknown key ${unknown.join(', ')} (routes, defaultSinks, suppressions, storm)`);
  }
  return parseConfig({
    ...routing,
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
 * The AWS SDK clients are loaded here, on first use, not at module init: they are most of the
 * bundle (EC2's alone takes hundreds of milliseconds to load), and esbuild puts each dynamic
 * import in its own chunk.
 */
async function buildRuntime(env: AwsFunctionEnvironment): Promise<AwsRuntime> {
  const [{ S3Client }, { DynamoDBClient }, { S3SnapshotStore }, { DynamoDbStateStore }] = await Promise.all([
    import('@aws-sdk/client-s3'), import('@aws-sdk/client-dynamodb'),
    import('../../adapters/aws/s3-snapshot-store.js'), import('../../adapters/aws/dynamodb-state-store.js'),
  ]);
  const clientConfig = env.NETDRIFT_AWS_ENDPOINT ? { endpoint: env.NETDRIFT_AWS_ENDPOINT } : {};
  const s3 = new S3Client({ ...clientConfig, region: env.AWS_REGION, forcePathStyle: Boolean(env.NETDRIFT_AWS_ENDPOINT) });
  const dynamodb = new DynamoDBClient({ ...clientConfig, region: env.AWS_REGION });
  const snapshots = new S3SnapshotStore({ client: s3, bucket: env.NETDRIFT_SNAPSHOT_BUCKET, prefix: env.NETDRIFT_SNAPSHOT_PREFIX });
  const state = new DynamoDbStateStore({ client: dynamodb, table: env.NETDRIFT_STATE_TABLE });
  const reader = lazyReader(clientConfig, env);
  const config = await sinkConfig(env, clientConfig);
  const sinks = sinksFromConfig(config);
  const { resolveSecret } = await import('./secrets.js');
  const approvalKey = await resolveSecret('NETDRIFT_APPROVAL_HMAC_KEY', env.NETDRIFT_APPROVAL_HMAC_KEY, clientConfig);
  const pipeline = new Pipeline({
    adapters: awsAdapters, snapshots, state,
    ...(env.NETDRIFT_LIVE_READS === 'true' ? { readers: { aws: reader } } : {}),
    ...alertPolicy(config),
    eventTtlHours: env.NETDRIFT_EVENT_TTL_HOURS,
    warn: (line) => log('warn', line),
    error: (line) => log('error', line),
    trustBaseline: baselineApprovalCheck(approvalKey),
  });
  // One pass that never waits for a rate limit or a Retry-After: what cannot go now stays in the
  // outbox, leased by nobody, for the next invocation (DESIGN.md, "Concurrency").
  const delivery = outboxDelivery(state, sinks, config);
  return {
    env, regions: captureRegions(env), pipeline, state, snapshots, reader, sinks,
    async deliver() {
      const report = await delivery.pass().catch((error: unknown) => {
        log('error', `outbox: ${oneLine(error)}`);
        return emptyReport();
      });
      for (const f of report.failed) log('warn', `alert not sent to ${f.sink}`, { rule: f.rule, fingerprint: f.fingerprint, error: f.error, retryable: f.retryable });
      return report;
    },
  };
}

/**
 * The runtime of one Lambda container: the environment is validated at once (a bad one fails the
 * cold start, naming the variable); clients and secrets are set up on first use and reused by
 * every warm invocation. A failed set-up is retried on the next invocation.
 */
export function awsRuntime(environment: Record<string, string | undefined>): () => Promise<AwsRuntime> {
  const env = parseAwsFunctionEnvironment(environment);
  let runtime: Promise<AwsRuntime> | undefined;
  return () => {
    runtime ??= buildRuntime(env).catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
    return runtime;
  };
}
