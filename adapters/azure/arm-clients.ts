import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import type { DnsResolverManagementClient } from '@azure/arm-dnsresolver';
import { ConfigError, PermanentReadError } from '../../core/errors.js';

/** How the ARM clients are built; every field has a production default. */
export interface ArmClientOptions {
  /** The ARM base URL (default `https://management.azure.com`; a sovereign cloud's, or a test server's). */
  endpoint?: string;
  /**
   * Who reads: default `DefaultAzureCredential` (the Function App's managed identity, `AZURE_CLIENT_ID` naming a
   * user-assigned one; the developer's `az login` elsewhere). Tests pass a static token.
   */
  credential?: TokenCredential;
  /**
   * Extra CA certificates (PEM) to trust. The SDK's bearer-token policy refuses plain http, so a local test
   * server speaks https with a self-signed certificate, trusted here rather than process-wide.
   */
  tlsCa?: string;
  /** Retries after the first attempt for a throttled (429 with `Retry-After`), 5xx or timed-out call (default 2). */
  maxRetries?: number;
  /**
   * The longest `Retry-After` waited for inside one read (default 5 s): a longer one fails the read at once as
   * transient, so the platform retries the delivery later instead of an invocation sleeping.
   */
  maxRetryAfterMs?: number;
  /** One HTTP attempt's timeout (default 20 s). */
  timeoutMs?: number;
}

export const ARM_ENDPOINT = 'https://management.azure.com';
const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_MAX_RETRY_AFTER_MS = 5_000;
const DEFAULT_TIMEOUT_MS = 20_000;

/** The headers ARM and the SDK's throttling strategy read a wait from. */
const RETRY_AFTER_HEADERS = ['retry-after-ms', 'x-ms-retry-after-ms', 'retry-after'] as const;

/** Milliseconds a throttled response asks to wait, from `retry-after-ms` / `x-ms-retry-after-ms` / `Retry-After` (seconds or a date). */
export function retryAfterMs(header: (name: string) => string | null | undefined, now = Date.now()): number | undefined {
  for (const name of RETRY_AFTER_HEADERS) {
    const value = header(name);
    if (value === null || value === undefined || value.trim() === '') continue;
    const number = Number(value);
    if (Number.isFinite(number)) return name === 'retry-after' ? number * 1000 : number;
    const date = Date.parse(value);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  return undefined;
}

/**
 * Runs on every attempt, below the SDK's retry policy: a 429 asking for a longer wait than `maxWaitMs` loses its
 * `Retry-After`, so the SDK does not retry it (its throttling strategy waits whatever it is told) and the read
 * fails as transient with the wait in its message; each attempt gets a timeout.
 */
export function boundedWaitPolicy(maxWaitMs: number, timeoutMs: number): PipelinePolicy {
  return {
    name: 'netdriftBoundedWait',
    async sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutMs;
      const response = await next(request);
      const wait = response.status === 429 ? retryAfterMs((name) => response.headers.get(name)) : undefined;
      if (wait !== undefined && wait > maxWaitMs) {
        response.headers.set('x-netdrift-retry-after-ms', String(wait));
        for (const name of RETRY_AFTER_HEADERS) response.headers.delete(name);
      }
      return response;
    },
  };
}

/** The options every `@azure/arm-*` (core-client) client here is built with. */
export function coreClientOptions(options: ArmClientOptions) {
  return {
    endpoint: options.endpoint ?? ARM_ENDPOINT,
    retryOptions: { maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES, retryDelayInMs: 400, maxRetryDelayInMs: 3_000 },
    additionalPolicies: [{
      policy: boundedWaitPolicy(options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS, options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      position: 'perRetry' as const,
    }],
    ...(options.tlsCa ? { tlsOptions: { ca: options.tlsCa } } : {}),
  };
}

/**
 * The client options a deployed function takes from its environment: `NETDRIFT_ARM_ENDPOINT` (a sovereign cloud's
 * ARM, e.g. `https://management.usgovcloudapi.net`; a test server). The credential is `DefaultAzureCredential`'s,
 * which on a Function App is its managed identity (`IDENTITY_ENDPOINT` / `IDENTITY_HEADER`, set by the platform).
 */
export function armClientOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ArmClientOptions {
  const endpoint = env.NETDRIFT_ARM_ENDPOINT?.trim();
  if (!endpoint) return {};
  if (!/^https:\/\/[^\s/]+/i.test(endpoint)) throw new ConfigError(`NETDRIFT_ARM_ENDPOINT: not an https URL: ${endpoint.slice(0, 200)}`);
  return { endpoint: endpoint.replace(/\/+$/, '') };
}

/** The credential reads are made with: the given one, else `DefaultAzureCredential` (loaded on first use). */
export async function armCredential(options: ArmClientOptions): Promise<TokenCredential> {
  if (options.credential) return options.credential;
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}

/**
 * One set of clients per subscription, each created on first use. Each SDK package loads on first use too
 * (a dynamic import): a function that never reads never loads them, and a DNS read never loads the network client.
 */
export class ArmClients {
  private credential: Promise<TokenCredential> | undefined;
  private readonly network = new Map<string, Promise<NetworkManagementClient>>();
  private readonly privateDns = new Map<string, Promise<PrivateDnsManagementClient>>();
  private readonly resolver = new Map<string, Promise<DnsResolverManagementClient>>();

  constructor(readonly options: ArmClientOptions = {}) {}

  /** The credential, created once. */
  token(): Promise<TokenCredential> {
    this.credential ??= armCredential(this.options);
    return this.credential;
  }

  networkClient(subscription: string): Promise<NetworkManagementClient> {
    return once(this.network, subscription, async () => {
      const { NetworkManagementClient: Client } = await import('@azure/arm-network');
      return new Client(await this.token(), subscription, coreClientOptions(this.options));
    });
  }

  privateDnsClient(subscription: string): Promise<PrivateDnsManagementClient> {
    return once(this.privateDns, subscription, async () => {
      const { PrivateDnsManagementClient: Client } = await import('@azure/arm-privatedns');
      return new Client(await this.token(), subscription, coreClientOptions(this.options));
    });
  }

  resolverClient(subscription: string): Promise<DnsResolverManagementClient> {
    return once(this.resolver, subscription, async () => {
      const { DnsResolverManagementClient: Client } = await import('@azure/arm-dnsresolver');
      return new Client(await this.token(), subscription, coreClientOptions(this.options));
    });
  }
}

function once<C>(clients: Map<string, Promise<C>>, key: string, create: () => Promise<C>): Promise<C> {
  const lower = key.toLowerCase();
  let client = clients.get(lower);
  if (!client) {
    client = create();
    clients.set(lower, client);
    client.catch(() => clients.delete(lower));
  }
  return client;
}

/** Where an ARM resource lives, as the SDK methods take it: its subscription, resource group and names, top-level first. */
export interface ArmPath {
  subscription: string;
  resourceGroup: string;
  /** `['vnet-hub', 'snet-app']` for `…/virtualNetworks/vnet-hub/subnets/snet-app`. */
  names: string[];
}

/** Takes `/subscriptions/{s}/resourceGroups/{g}/providers/{namespace}/{type}/{name}[/{type}/{name}]…` apart. */
export function armPathOf(id: string): ArmPath {
  const parts = id.replace(/\/+$/, '').split('/');
  const subscription = parts[2];
  const resourceGroup = parts[4];
  const valid = parts[0] === '' && parts[1]?.toLowerCase() === 'subscriptions' && parts[3]?.toLowerCase() === 'resourcegroups'
    && parts[5]?.toLowerCase() === 'providers' && parts.length >= 9 && parts.length % 2 === 1;
  if (!valid || !subscription || !resourceGroup) throw new PermanentReadError(`not an ARM resource id in a resource group: ${id.slice(0, 300)}`);
  const names = parts.slice(7).filter((_, index) => index % 2 === 1);
  return { subscription, resourceGroup, names };
}

/** `map` with at most `limit` calls in flight: a capture of a large subscription must not throttle itself. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** How many reads a capture keeps in flight per subscription. */
export const CAPTURE_CONCURRENCY = 8;
