import { armClientOptionsFromEnv, azureAdapters, azureStateReader, openBlobSnapshotStore, openTableStateStore, type StorageAccess } from '../../adapters/azure/index.js';
import type { ArmClientOptions } from '../../adapters/azure/arm-clients.js';
import { ConfigError } from '../../core/errors.js';
import type { Authenticator } from '../shared/auth/authenticator.js';
import { deliveryAuthenticators, deliveryAuthSettings } from '../shared/auth/delivery-auth.js';
import { listSetting } from '../shared/environment.js';
import { createRuntime, once, type AccountReader, type Runtime } from '../shared/runtime.js';
import { plainSettings } from '../shared/secrets.js';
import { parseAzureFunctionEnvironment, subscriptionsOf, type AzureFunctionEnvironment } from './environment.js';

/** Everything the Azure functions run on, built once per worker: the shared runtime and the Azure parts. */
export interface AzureRuntime extends Runtime {
  env: AzureFunctionEnvironment;
  reader: AccountReader;
  armOptions: ArmClientOptions;
  /** The subscriptions a capture covers (NETDRIFT_SUBSCRIPTIONS). */
  subscriptions: string[];
  /** The regions a capture keeps; empty: all. */
  regions: string[];
  /** Where candidates are written, as `netdrift snapshot … --store` takes it: `azblob://account/container/prefix`. */
  storeUrl: string;
}

/** The storage account: by name with the managed identity, or by connection string. */
export function storageAccess(env: AzureFunctionEnvironment, service: 'blob' | 'table'): StorageAccess {
  if (env.NETDRIFT_STORAGE_CONNECTION_STRING) return { connectionString: env.NETDRIFT_STORAGE_CONNECTION_STRING };
  return { accountUrl: `https://${env.NETDRIFT_STORAGE_ACCOUNT ?? ''}.${service}.core.windows.net` };
}

/**
 * The stores and the reader; their SDKs load here, on first use (the Blob and Table clients), or on
 * the first ARM read (the ARM clients), not when the app registers its functions.
 */
async function buildRuntime(env: AzureFunctionEnvironment, armOptions: ArmClientOptions): Promise<AzureRuntime> {
  const [snapshots, state] = await Promise.all([
    openBlobSnapshotStore(storageAccess(env, 'blob'), env.NETDRIFT_SNAPSHOT_CONTAINER, env.NETDRIFT_SNAPSHOT_PREFIX),
    openTableStateStore(storageAccess(env, 'table'), env.NETDRIFT_STATE_TABLE),
  ]);
  const reader = azureStateReader({ clientOptions: armOptions });
  const runtime = await createRuntime({
    env, adapters: azureAdapters, stores: { state, snapshots }, readers: { azure: reader }, secrets: plainSettings,
  });
  return {
    ...runtime, env, reader, armOptions, subscriptions: subscriptionsOf(env), regions: listSetting(env.NETDRIFT_REGIONS),
    storeUrl: `azblob://${snapshots.account}/${env.NETDRIFT_SNAPSHOT_CONTAINER}/${snapshots.prefix}`,
  };
}

/**
 * The runtime of one worker: the app settings are validated at once (a bad one fails the start,
 * naming the setting); clients are set up on first use and reused by every later invocation. A
 * failed set-up is retried on the next invocation.
 */
export function azureRuntime(environment: Record<string, string | undefined>): () => Promise<AzureRuntime> {
  const env = parseAzureFunctionEnvironment(environment);
  const armOptions = armClientOptionsFromEnv(environment);
  return once(() => buildRuntime(env, armOptions));
}

/**
 * Who may deliver Event Grid events: the subscription's query secret (NETDRIFT_EVENT_GRID_SECRET,
 * in `?code=` unless NETDRIFT_EVENT_GRID_SECRET_PARAMETER names another parameter) or an Entra ID
 * token (NETDRIFT_ENTRA_TENANT and NETDRIFT_ENTRA_AUDIENCE). One of them is required: the webhook
 * is anonymous to the host, so an app without either would accept anyone's events.
 */
export function eventGridAuth(environment: Record<string, string | undefined>): () => Promise<Authenticator> {
  const settings = deliveryAuthSettings({}, environment);
  if (settings.eventGridSecrets.length === 0 && !settings.entraTenant) {
    throw new ConfigError('environment NETDRIFT_EVENT_GRID_SECRET: required (or NETDRIFT_ENTRA_TENANT and NETDRIFT_ENTRA_AUDIENCE): Event Grid deliveries must be authenticated');
  }
  return once(async () => {
    const { azure } = await deliveryAuthenticators({ ...settings, secrets: [] });
    if (!azure) throw new ConfigError('environment NETDRIFT_EVENT_GRID_SECRET: no Event Grid authentication configured');
    return azure;
  });
}
