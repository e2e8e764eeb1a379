import type { ArmClientOptions } from '../adapters/azure/arm-clients.js';
import type { GcpClientConfig } from '../adapters/gcp/gcp-clients.js';
import { ConfigError } from '../core/errors.js';
import type { StateReader } from '../core/ports.js';
import type { Cloud } from '../core/resource.js';
import { UsageError } from './usage.js';

/**
 * Where and as whom the CLI reads live Azure and GCP state: `snapshot capture --cloud azure|gcp`
 * and `serve` / `replay --live-reads azure,gcp`. Production defaults need no setting at all:
 * ARM with `DefaultAzureCredential` (az login, a managed identity), Google's APIs with Application
 * Default Credentials (gcloud auth application-default login, the attached service account).
 *
 * Environment (each overridden by `--endpoint` where a command has it):
 * - `NETDRIFT_ARM_ENDPOINT`: another ARM base URL (a sovereign cloud's), https only.
 * - `NETDRIFT_GCP_ENDPOINT`: one base URL for Compute, Cloud DNS and Cloud Asset Inventory (a
 *   Private Service Connect endpoint; a local stand-in in tests).
 * - `NETDRIFT_GCP_ACCESS_TOKEN`: a static OAuth access token used instead of Application Default
 *   Credentials, for tests and air-gapped runs (`gcloud auth print-access-token`; it expires within
 *   the hour and is never refreshed).
 */
export type LiveReadCloud = 'azure' | 'gcp';
export const LIVE_READ_CLOUDS: readonly LiveReadCloud[] = ['azure', 'gcp'];

type Env = Readonly<Record<string, string | undefined>>;

/** The ARM clients' options: `--endpoint`, else `NETDRIFT_ARM_ENDPOINT`, else ARM itself. */
export async function armOptions(endpoint: string | undefined, env: Env): Promise<ArmClientOptions> {
  if (endpoint !== undefined) {
    if (!/^https:\/\//i.test(endpoint)) throw new UsageError(`--endpoint ${endpoint}: ARM is reached over https only (the SDK sends its token over https)`);
    return { endpoint: endpoint.replace(/\/+$/, '') };
  }
  const { armClientOptionsFromEnv } = await import('../adapters/azure/arm-clients.js');
  return armClientOptionsFromEnv(env);
}

/** The GCP clients' config: `--endpoint` or `NETDRIFT_GCP_ENDPOINT`; `NETDRIFT_GCP_ACCESS_TOKEN` or ADC. */
export async function gcpClientConfig(endpoint: string | undefined, env: Env): Promise<GcpClientConfig> {
  const base = endpoint ?? env.NETDRIFT_GCP_ENDPOINT?.trim();
  if (base !== undefined && base !== '' && !URL.canParse(base)) throw new ConfigError(`NETDRIFT_GCP_ENDPOINT: not a URL: ${base.slice(0, 200)}`);
  const config: GcpClientConfig = base ? { endpoint: base.replace(/\/+$/, '') } : {};
  const token = env.NETDRIFT_GCP_ACCESS_TOKEN?.trim();
  if (token) {
    // Loaded here: without a static token the client libraries find Application Default Credentials themselves.
    const { OAuth2Client } = await import('google-auth-library');
    const client = new OAuth2Client();
    // No refresh token: when it expires, calls fail as unauthenticated rather than reaching for another identity.
    client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
    config.authClient = client;
  }
  return config;
}

/** `--live-reads azure,gcp`: the clouds named, each once; anything else is a usage error. */
export function parseLiveReads(value: string | undefined): LiveReadCloud[] {
  if (value === undefined) return [];
  const named = value.split(',').map((cloud) => cloud.trim().toLowerCase()).filter(Boolean);
  if (named.length === 0) throw new UsageError(`--live-reads: expected a list of ${LIVE_READ_CLOUDS.join(', ')}`);
  const unknown = named.find((cloud) => !(LIVE_READ_CLOUDS as readonly string[]).includes(cloud));
  if (unknown !== undefined) throw new UsageError(`--live-reads: expected ${LIVE_READ_CLOUDS.join(', ')} (comma-separated), got "${unknown}"`);
  return [...new Set(named)] as LiveReadCloud[];
}

/**
 * A live reader per cloud named, for the pipeline's `readers`: the Azure reader (ARM) and the GCP
 * reader (Compute and Cloud DNS). Their SDKs load on the first read, not here.
 */
export async function liveReaders(clouds: readonly LiveReadCloud[], env: Env): Promise<Partial<Record<Cloud, StateReader>>> {
  const readers: Partial<Record<Cloud, StateReader>> = {};
  if (clouds.includes('azure')) {
    const { azureStateReader } = await import('../adapters/azure/index.js');
    readers.azure = azureStateReader({ clientOptions: await armOptions(undefined, env) });
  }
  if (clouds.includes('gcp')) {
    const { GcpStateReader } = await import('../adapters/gcp/gcp-state-reader.js');
    readers.gcp = new GcpStateReader({ clientConfig: await gcpClientConfig(undefined, env) });
  }
  return readers;
}
