import type {
  ForwardingRulesClient, GlobalForwardingRulesClient, NetworksClient, RoutersClient, RoutesClient, SubnetworksClient,
} from '@google-cloud/compute';
import type { DNS } from '@google-cloud/dns';
import type { AuthClient } from 'google-auth-library';
// Types only (erased at build): the call options every generated Compute client takes.
import type { CallOptions, ClientOptions } from 'google-gax';

/** How the GCP reader's clients are made; without options, Application Default Credentials and Google's endpoints. */
export interface GcpClientConfig {
  /**
   * One base URL for Compute and Cloud DNS (`http://127.0.0.1:PORT`: a local stand-in in tests,
   * a Private Service Connect endpoint in production).
   */
  endpoint?: string;
  /** Credentials; Application Default Credentials when absent (the function's service account). */
  authClient?: AuthClient;
  /** Compute: retries of an unavailable or timed-out call before it is given up as transient (default 2). */
  maxRetries?: number;
}

/**
 * Per-call options for Compute: the library's own defaults retry UNAVAILABLE for up to ten minutes,
 * longer than a function runs; a bounded retry, then a `TransientError`, lets the platform retry the
 * delivery instead (https://github.com/googleapis/gax-nodejs/blob/main/client-libraries.md).
 */
export type ComputeCallOptions = CallOptions;

/** DEADLINE_EXCEEDED and UNAVAILABLE, as the library retries them (gRPC codes); throttling is the platform's to retry. */
const RETRIED_CODES = [4, 14];

function callOptions(maxRetries: number): ComputeCallOptions {
  return {
    timeout: 20_000,
    // The async list iterators page on demand anyway; left true, google-gax prints a warning on every list.
    autoPaginate: false,
    retry: {
      retryCodes: RETRIED_CODES,
      backoffSettings: {
        initialRetryDelayMillis: 200, retryDelayMultiplier: 2, maxRetryDelayMillis: 2_000,
        initialRpcTimeoutMillis: 20_000, rpcTimeoutMultiplier: 1, maxRpcTimeoutMillis: 20_000, maxRetries,
      },
    },
  };
}

export interface ComputeClients {
  call: ComputeCallOptions;
  networks: NetworksClient;
  routes: RoutesClient;
  routers: RoutersClient;
  subnetworks: SubnetworksClient;
  forwardingRules: ForwardingRulesClient;
  globalForwardingRules: GlobalForwardingRulesClient;
}

function computeOptions(config: GcpClientConfig): ClientOptions {
  // google-gax may carry its own copy of google-auth-library: the same class, another declaration.
  const options: ClientOptions = config.authClient ? { authClient: config.authClient as unknown as ClientOptions['authClient'] } : {};
  if (config.endpoint) {
    const url = new URL(config.endpoint);
    Object.assign(options, { apiEndpoint: url.hostname, port: Number(url.port || (url.protocol === 'http:' ? 80 : 443)), protocol: url.protocol.replace(':', '') });
  }
  return options;
}

/**
 * The Compute and Cloud DNS clients, created on first use (the Compute package alone takes a few
 * hundred milliseconds to load) and reused; each project is a request parameter, so one set serves
 * every project the credentials can read.
 */
export class GcpClients {
  private compute: Promise<ComputeClients> | undefined;
  private dnsClients = new Map<string, Promise<DNS>>();

  constructor(private readonly config: GcpClientConfig = {}) {}

  computeClients(): Promise<ComputeClients> {
    this.compute ??= import('@google-cloud/compute').then((compute) => {
      const options = computeOptions(this.config);
      return {
        call: callOptions(this.config.maxRetries ?? 2),
        networks: new compute.NetworksClient(options),
        routes: new compute.RoutesClient(options),
        routers: new compute.RoutersClient(options),
        subnetworks: new compute.SubnetworksClient(options),
        forwardingRules: new compute.ForwardingRulesClient(options),
        globalForwardingRules: new compute.GlobalForwardingRulesClient(options),
      };
    });
    return this.compute;
  }

  /** A Cloud DNS client for one project (the library binds a client to its project). */
  dns(project: string): Promise<DNS> {
    let client = this.dnsClients.get(project);
    if (!client) {
      client = import('@google-cloud/dns').then(({ DNS: Dns }) => {
        // The library retries 429 and 5xx itself, three times with exponential backoff (about 15 s in
        // all; its DNS class does not pass a retry setting on), then the error is a TransientError.
        const dns = new Dns({ projectId: project, ...(this.config.authClient ? { authClient: this.config.authClient } : {}) } as ConstructorParameters<typeof Dns>[0]);
        // The library builds `https://${apiEndpoint}/dns/v1`; a local stand-in speaks plain HTTP.
        if (this.config.endpoint) (dns as unknown as { baseUrl: string }).baseUrl = `${this.config.endpoint.replace(/\/$/, '')}/dns/v1`;
        return dns;
      });
      this.dnsClients.set(project, client);
    }
    return client;
  }

  /** Closes the Compute clients' connections (a CLI run that is done). */
  async close(): Promise<void> {
    const compute = await this.compute;
    if (!compute) return;
    const { call: _options, ...clients } = compute;
    await Promise.all(Object.values(clients).map((client: { close(): Promise<void> }) => client.close()));
  }
}
