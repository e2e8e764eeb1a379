import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { Route53ResolverClient } from '@aws-sdk/client-route53resolver';

/** Static credentials, as every AWS SDK v3 client takes them (`AwsCredentialIdentity`). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** What every client of the reader is built with; without credentials, the SDK's default chain is used. */
export interface AwsClientConfig {
  /** One endpoint for every service (moto_server, LocalStack); AWS's own by default. */
  endpoint?: string;
  /** The caller's credentials (the hub's): STS is called with them, and accounts are read with them unless a role is assumed. */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** The home region, where STS is called and whose partition the role ARNs are in (default: AWS_REGION, else us-east-1). */
  region?: string;
  /** Attempts per call, the first included, before a throttled or failed call is given up (default 5). */
  maxAttempts?: number;
}

/** Where the reader gets its clients; tests replace one to make a region fail. */
export interface AwsClientFactories {
  ec2(region: string): EC2Client;
  /** Route 53 is global: its API lives in us-east-1. */
  route53(): Route53Client;
  resolver(region: string): Route53ResolverClient;
}

/** Route 53's control plane is in us-east-1, whatever region the hosted zones serve. */
export const ROUTE53_REGION = 'us-east-1';

const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * The SDK's adaptive retry mode backs off with jitter and slows the client down after throttling
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html); timeouts keep a
 * hung connection from holding a function until the platform kills it.
 */
export function clientOptions(region: string, config: AwsClientConfig) {
  return {
    region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    maxAttempts: config.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  };
}

/** One client per service and region, created on first use and reused (each keeps its own retry rate). */
export class AwsClients {
  private readonly ec2Clients = new Map<string, EC2Client>();
  private readonly resolverClients = new Map<string, Route53ResolverClient>();
  private route53Client: Route53Client | undefined;

  constructor(private readonly config: AwsClientConfig = {}, private readonly overrides: Partial<AwsClientFactories> = {}) {}

  // Each service module passes its client class, so that only the services a read needs are
  // loaded (the EC2 client alone takes about half a second to load; see functions/aws/wiring.ts).
  ec2(region: string, Client: ClientClass<EC2Client>): EC2Client {
    return cached(this.ec2Clients, region, () => this.overrides.ec2?.(region) ?? new Client(clientOptions(region, this.config)));
  }

  route53(Client: ClientClass<Route53Client>): Route53Client {
    this.route53Client ??= this.overrides.route53?.() ?? new Client(clientOptions(ROUTE53_REGION, this.config));
    return this.route53Client;
  }

  resolver(region: string, Client: ClientClass<Route53ResolverClient>): Route53ResolverClient {
    return cached(this.resolverClients, region, () => this.overrides.resolver?.(region) ?? new Client(clientOptions(region, this.config)));
  }

  /** Closes every client's connections. */
  destroy(): void {
    for (const client of [...this.ec2Clients.values(), ...this.resolverClients.values()]) client.destroy();
    this.route53Client?.destroy();
    this.ec2Clients.clear();
    this.resolverClients.clear();
    this.route53Client = undefined;
  }
}

/** An SDK client class, constructed with the options every client here gets. */
export type ClientClass<C> = new (options: ReturnType<typeof clientOptions>) => C;

function cached<C>(clients: Map<string, C>, region: string, create: () => C): C {
  let client = clients.get(region);
  if (client === undefined) {
    client = create();
    clients.set(region, client);
  }
  return client;
}
