import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { listSetting, parseEnvironment, sharedEnvironmentShape } from '../shared/environment.js';

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
const TABLE = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

/**
 * The app settings of the Azure Functions app. Secrets are plain values here: a setting written as
 * `@Microsoft.KeyVault(SecretUri=…)` is resolved by the platform (with the app's managed identity)
 * before the function starts, so the code never sees a reference.
 */
export const AzureFunctionEnvironmentSchema = z.object({
  ...sharedEnvironmentShape(),
  /** The storage account of the snapshots and the state, reached with the managed identity (`AZURE_CLIENT_ID`). */
  NETDRIFT_STORAGE_ACCOUNT: z.string().regex(STORAGE_ACCOUNT, 'expected a storage account name (3-24 lowercase letters and digits)').optional(),
  /** Instead of the account name: a connection string (Azurite, an account key from Key Vault). */
  NETDRIFT_STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
  NETDRIFT_SNAPSHOT_CONTAINER: z.string().regex(CONTAINER, 'expected a container name (3-63 lowercase letters, digits and single hyphens)'),
  NETDRIFT_SNAPSHOT_PREFIX: z.string().default(''),
  NETDRIFT_STATE_TABLE: z.string().regex(TABLE, 'expected a table name (3-63 letters and digits, a letter first)'),
  /** The subscriptions `reconcile` and `refresh` capture, comma-separated (Event Grid deliveries may come from any). */
  NETDRIFT_SUBSCRIPTIONS: z.string().default(''),
  /** A management group whose subscriptions are all captured, through Azure Resource Graph. */
  NETDRIFT_MANAGEMENT_GROUP: z.string().min(1).max(90).optional(),
  /** Regions a capture keeps (comma-separated); all when unset. */
  NETDRIFT_REGIONS: z.string().default(''),
  /** ARM's base URL: a sovereign cloud's (`https://management.usgovcloudapi.net`), or a test server's. */
  NETDRIFT_ARM_ENDPOINT: z.url().optional(),
  /** The reconcile timer's NCRONTAB (read by the host as `%NETDRIFT_RECONCILE_SCHEDULE%`, not by this code). */
  NETDRIFT_RECONCILE_SCHEDULE: z.string().optional(),
});
export type AzureFunctionEnvironment = z.infer<typeof AzureFunctionEnvironmentSchema>;

/**
 * Parses the app settings, or throws `ConfigError` naming the first bad one (never its value):
 * a bad setting fails the worker's start in one line.
 */
export function parseAzureFunctionEnvironment(env: Record<string, string | undefined>): AzureFunctionEnvironment {
  const parsed = parseEnvironment(AzureFunctionEnvironmentSchema, env);
  const access = [parsed.NETDRIFT_STORAGE_ACCOUNT, parsed.NETDRIFT_STORAGE_CONNECTION_STRING].filter((v) => v !== undefined);
  if (access.length !== 1) {
    throw new ConfigError('environment NETDRIFT_STORAGE_ACCOUNT: set it (managed identity) or NETDRIFT_STORAGE_CONNECTION_STRING, exactly one');
  }
  const bad = subscriptionsOf(parsed).find((id) => !SUBSCRIPTION_ID.test(id));
  if (bad !== undefined) throw new ConfigError(`environment NETDRIFT_SUBSCRIPTIONS: "${bad.slice(0, 60)}" is not a subscription id (a GUID)`);
  return parsed;
}

/** The subscriptions named in NETDRIFT_SUBSCRIPTIONS, lower-cased. */
export function subscriptionsOf(env: AzureFunctionEnvironment): string[] {
  return listSetting(env.NETDRIFT_SUBSCRIPTIONS).map((id) => id.toLowerCase());
}
