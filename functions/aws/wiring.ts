import { awsAdapters } from '../../adapters/aws/index.js';
import { createRuntime, once, type AccountReader, type Runtime } from '../shared/runtime.js';
import type { SecretResolver } from '../shared/secrets.js';
import { captureRegions, isSecretArn, parseAwsFunctionEnvironment, type AwsFunctionEnvironment } from './environment.js';

export type { AccountReader } from '../shared/runtime.js';

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

/** Everything a Lambda function runs on, built once per container: the shared runtime and the AWS parts. */
export interface AwsRuntime extends Runtime {
  env: AwsFunctionEnvironment;
  regions: string[];
  reader: AccountReader;
}

/** Secrets Manager ARNs in the settings; the client (and its SDK) loaded only when one is set. */
function secretsManager(clientConfig: { endpoint?: string }): SecretResolver {
  return {
    name: 'Secrets Manager ARN',
    isReference: isSecretArn,
    resolve: async (variable, reference) => (await import('./secrets.js')).secretsManagerResolver(clientConfig).resolve(variable, reference),
  };
}

/**
 * The AWS SDK clients are loaded here, on first use, not at module init: they are most of the
 * bundle (EC2's alone takes hundreds of milliseconds to load), and esbuild puts each dynamic
 * import in its own chunk.
 */
async function buildRuntime(env: AwsFunctionEnvironment, options: AwsRuntimeOptions): Promise<AwsRuntime> {
  const [{ S3Client }, { DynamoDBClient }, { S3SnapshotStore }, { DynamoDbStateStore }] = await Promise.all([
    import('@aws-sdk/client-s3'), import('@aws-sdk/client-dynamodb'),
    import('../../adapters/aws/s3-snapshot-store.js'), import('../../adapters/aws/dynamodb-state-store.js'),
  ]);
  const clientConfig = env.NETDRIFT_AWS_ENDPOINT ? { endpoint: env.NETDRIFT_AWS_ENDPOINT } : {};
  const s3 = new S3Client({ ...clientConfig, region: env.AWS_REGION, forcePathStyle: Boolean(env.NETDRIFT_AWS_ENDPOINT) });
  const dynamodb = new DynamoDBClient({ ...clientConfig, region: env.AWS_REGION });
  const snapshots = new S3SnapshotStore({ client: s3, bucket: env.NETDRIFT_SNAPSHOT_BUCKET, prefix: env.NETDRIFT_SNAPSHOT_PREFIX });
  const state = new DynamoDbStateStore({ client: dynamodb, table: env.NETDRIFT_STATE_TABLE, cacheReads: options.cacheReads ?? false });
  const reader = lazyReader(clientConfig, env);
  const runtime = await createRuntime({
    env, adapters: awsAdapters, stores: { state, snapshots }, readers: { aws: reader }, secrets: secretsManager(clientConfig),
    leaseAlerts: options.leaseAlerts ?? false,
  });
  return { ...runtime, env, regions: captureRegions(env), reader };
}

export interface AwsRuntimeOptions {
  /**
   * Keep what the state table said of each resource between invocations, each commit checking it
   * is still so (DynamoDbStateStore `cacheReads`): for the events function, whose container
   * handles one record at a time and sees the same resources again.
   */
  cacheReads?: boolean;
  /** Commit an event's first alerts already leased to the container, sent without reading the outbox (`Runtime.sendLeased`). */
  leaseAlerts?: boolean;
}

/**
 * The runtime of one Lambda container: the environment is validated at once (a bad one fails the
 * cold start, naming the variable); clients and secrets are set up on first use and reused by
 * every warm invocation. A failed set-up is retried on the next invocation. The SDK clients are
 * made once here and keep their connections open (keep-alive is the SDK's default), so a warm
 * invocation pays no TLS handshake.
 */
export function awsRuntime(environment: Record<string, string | undefined>, options: AwsRuntimeOptions = {}): () => Promise<AwsRuntime> {
  const env = parseAwsFunctionEnvironment(environment);
  return once(() => buildRuntime(env, options));
}
