import type { STSClient } from '@aws-sdk/client-sts';
import { z } from 'zod';
import { ConfigError, PermanentReadError, TransientError } from '../../core/errors.js';
import { clientOptions, type AwsClientConfig, type AwsCredentials } from './read-clients.js';
import { awsErrorCode, awsReadError } from './read-errors.js';

// STS loads on first use (esbuild makes the dynamic import a chunk of its own): a function that
// never reads live state never loads it.
const sts = () => import('@aws-sdk/client-sts');

/** An IAM role name (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html). */
export const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** An AssumeRole external id (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** An AWS account id. */
export const ACCOUNT_ID = /^\d{12}$/;

/** The spoke role the hub assumes in every account it reads. */
export interface AssumeRoleSettings {
  /** The role's name, the same in every account (`netdrift-reader`). */
  roleName: string;
  /** The external id the role's trust policy asks for, if any. */
  externalId?: string;
}

/** Credentials on demand, as every SDK client takes them; the SDK calls it again when they near expiry. */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

export interface AccountCredentialsOptions {
  /** How STS is reached, with the caller's (the hub's) own credentials. */
  clientConfig?: AwsClientConfig;
  assumeRole?: AssumeRoleSettings;
  /** The clock, in epoch milliseconds (tests move it past an expiry). */
  now?: () => number;
}

/**
 * Assumed credentials are renewed this long before they expire: more than the SDK's own five
 * minutes (`EXPIRATION_MS` in @smithy/core), so a client asking for fresh ones always gets them.
 */
export const REFRESH_AHEAD_MS = 6 * 60_000;

const AssumedCredentialsSchema = z.object({
  AccessKeyId: z.string().min(1),
  SecretAccessKey: z.string().min(1),
  SessionToken: z.string().min(1),
  Expiration: z.date(),
});

interface CachedCredentials {
  credentials?: AwsCredentials;
  pending?: Promise<AwsCredentials>;
}

/** The partition of a region: the first part of every ARN in it. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** The home region, where STS is called: the configured one, else the environment's, else us-east-1. */
function homeRegion(config: AwsClientConfig): string {
  return config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/**
 * Credentials per account, the hub-and-spoke way (as AWS Config aggregators and Security Hub do it):
 * with a role configured, every account is read through `arn:<partition>:iam::<account>:role/<roleName>`,
 * assumed with STS AssumeRole (session `netdrift-<account>`) and cached until shortly before it
 * expires; callers asking at the same time share one AssumeRole. The caller's own account comes
 * from GetCallerIdentity, asked once.
 *
 * STS throttling, 5xx and network failures throw `TransientError`; a denied AssumeRole throws
 * `PermanentReadError` naming the role, since the spoke role is missing or does not trust the caller.
 */
export class AccountCredentials {
  private readonly region: string;
  private readonly now: () => number;
  private readonly cache = new Map<string, CachedCredentials>();
  private client: Promise<STSClient> | undefined;
  private ownAccount: Promise<string> | undefined;

  constructor(private readonly options: AccountCredentialsOptions = {}) {
    const role = options.assumeRole;
    if (role && !IAM_ROLE_NAME.test(role.roleName)) throw new ConfigError(`reader role "${role.roleName}": expected an IAM role name (netdrift-reader), not an ARN or path`);
    if (role?.externalId !== undefined && !EXTERNAL_ID.test(role.externalId)) throw new ConfigError('reader external id: expected 2 to 1224 characters of letters, digits and +=,.@:/-');
    this.region = homeRegion(options.clientConfig ?? {});
    this.now = options.now ?? Date.now;
  }

  /** The role name assumed in each account, or undefined when every read uses the caller's own credentials. */
  get roleName(): string | undefined {
    return this.options.assumeRole?.roleName;
  }

  /** The ARN of the spoke role in `account`. */
  roleArn(account: string): string {
    return `arn:${partitionOf(this.region)}:iam::${account}:role/${this.options.assumeRole?.roleName ?? ''}`;
  }

  /** The account of the caller's own credentials (STS GetCallerIdentity, asked once). */
  async callerAccount(): Promise<string> {
    this.ownAccount ??= this.stsClient().then((client) => identityAccount(client, 'the caller')).catch((error: unknown) => {
      this.ownAccount = undefined;
      throw error;
    });
    return this.ownAccount;
  }

  /** The account that a set of credentials belongs to (STS GetCallerIdentity with them). */
  async accountOf(credentials: AwsCredentialProvider): Promise<string> {
    const { STSClient } = await sts();
    const client = new STSClient(clientOptions(this.region, { ...this.options.clientConfig, credentials }));
    try {
      return await identityAccount(client, 'assumed credentials');
    } finally {
      client.destroy();
    }
  }

  /** Credentials of the spoke role in `account`, assumed on first call and renewed ahead of expiry. */
  provider(account: string): AwsCredentialProvider {
    return () => this.assumed(account);
  }

  /** Closes STS's connections. */
  destroy(): void {
    void this.client?.then((client) => client.destroy(), () => undefined);
    this.client = undefined;
  }

  private async assumed(account: string): Promise<AwsCredentials> {
    let entry = this.cache.get(account);
    if (!entry) {
      entry = {};
      this.cache.set(account, entry);
    }
    const cached = entry.credentials;
    if (cached?.expiration && cached.expiration.getTime() - this.now() > REFRESH_AHEAD_MS) return cached;
    entry.pending ??= this.assumeRole(account).then((credentials) => {
      entry.credentials = credentials;
      return credentials;
    }).finally(() => {
      entry.pending = undefined;
    });
    return entry.pending;
  }

  private async assumeRole(account: string): Promise<AwsCredentials> {
    const settings = this.options.assumeRole;
    if (!settings) throw new PermanentReadError(`account ${account}: no reader role configured`);
    const arn = this.roleArn(account);
    const { AssumeRoleCommand } = await sts();
    const client = await this.stsClient();
    let output;
    try {
      output = await client.send(new AssumeRoleCommand({
        RoleArn: arn, RoleSessionName: `netdrift-${account}`,
        ...(settings.externalId === undefined ? {} : { ExternalId: settings.externalId }),
      }));
    } catch (error) {
      throw assumeRoleError(arn, settings.externalId !== undefined, error);
    }
    const parsed = AssumedCredentialsSchema.safeParse(output.Credentials);
    if (!parsed.success) throw new PermanentReadError(`sts:AssumeRole ${arn}: the answer has no complete credentials`, { cause: parsed.error });
    const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = parsed.data;
    return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken, expiration: Expiration };
  }

  private async stsClient(): Promise<STSClient> {
    this.client ??= sts().then(({ STSClient }) => new STSClient(clientOptions(this.region, this.options.clientConfig ?? {})));
    return this.client;
  }
}

/** The account of the credentials an STS client signs with. */
async function identityAccount(client: STSClient, whose: string): Promise<string> {
  const { GetCallerIdentityCommand } = await sts();
  let account: string | undefined;
  try {
    account = (await client.send(new GetCallerIdentityCommand({}))).Account;
  } catch (error) {
    throw stsError(awsReadError('sts:GetCallerIdentity', `of ${whose}`, error), error);
  }
  if (account === undefined || !ACCOUNT_ID.test(account)) throw new PermanentReadError(`sts:GetCallerIdentity of ${whose}: no account id in the answer`);
  return account;
}

/** An STS failure as a read error: never a "not found", which a reader would take for a deletion. */
function stsError(mapped: PermanentReadError | TransientError, cause: unknown, hint = ''): PermanentReadError | TransientError {
  if (mapped instanceof TransientError) return mapped;
  return new PermanentReadError(`${mapped.message}${hint}`, { cause });
}

function assumeRoleError(arn: string, withExternalId: boolean, error: unknown): PermanentReadError | TransientError {
  const denied = awsErrorCode(error) === 'AccessDenied';
  const hint = denied
    ? ` — the spoke role is missing or does not trust this function${withExternalId ? ' (or its external id differs)' : ''}`
    : '';
  return stsError(awsReadError('sts:AssumeRole', arn, error), error, hint);
}
