import type { Cloud, Scope } from '../../core/resource.js';
import { awsErrorCode } from '../../adapters/aws/read-errors.js';
import { oneLine } from '../../core/errors.js';
import { armOptions, gcpClientConfig } from '../live-readers.js';
import type { CheckedBaseline } from './baselines.js';
import { fail, failFrom, ok, type Check } from './report.js';

export interface ReaderCheckOptions {
  env: NodeJS.ProcessEnv;
  /** AWS: the home region (`--region`, else AWS_REGION), and another endpoint (`--endpoint`: moto, a VPC endpoint). */
  region?: string;
  endpoint?: string;
}

/** The accounts of one cloud, and a region its baselines hold (where the read call goes). */
interface CloudAccounts {
  accounts: string[];
  region: string | undefined;
}

/** Credential errors that mean "no credentials, or they were refused": the fix is the same. */
const AWS_BAD_CREDENTIALS = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidAccessKeyId']);
const AWS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthFailure']);
const AWS_CREDENTIALS_FIX = 'sign in (aws sso login, or AWS_PROFILE), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is attached';

function awsFailure(call: string, error: unknown, readerPolicy: string): Check {
  const code = awsErrorCode(error);
  if (code === 'CredentialsProviderError' || (error as { name?: unknown }).name === 'CredentialsProviderError') {
    return fail('reader', 'aws', `${call}: no AWS credentials found`, AWS_CREDENTIALS_FIX);
  }
  if (AWS_BAD_CREDENTIALS.has(code)) return fail('reader', 'aws', `${call}: the credentials were refused (${code})`, AWS_CREDENTIALS_FIX);
  if (AWS_DENIED.has(code)) return fail('reader', 'aws', `${call}: denied (${code})`, readerPolicy);
  return fail('reader', 'aws', `${call}: ${code}: ${oneLine(error).slice(0, 200)}`, 'check the network path to AWS (proxy, VPC endpoints, --endpoint) and try again');
}

/**
 * AWS: who the credentials are (sts:GetCallerIdentity) and one read the reader needs
 * (ec2:DescribeRouteTables, 5 at most) in a region of the baselines.
 */
async function checkAws(scope: CloudAccounts, options: ReaderCheckOptions): Promise<Check> {
  const [{ STSClient, GetCallerIdentityCommand }, { EC2Client, DescribeRouteTablesCommand }] = await Promise.all([
    import('@aws-sdk/client-sts'), import('@aws-sdk/client-ec2'),
  ]);
  const region = scope.region ?? options.region ?? 'us-east-1';
  const config = { region: options.region ?? region, ...(options.endpoint ? { endpoint: options.endpoint } : {}), maxAttempts: 2 };
  const sts = new STSClient(config);
  const ec2 = new EC2Client({ ...config, region });
  const policy = 'allow the reader the read actions of README "Permissions" (ec2:Describe*, route53:List*/Get*, route53resolver:List*/Get*)';
  try {
    let caller: { Arn?: string; Account?: string };
    try {
      caller = await sts.send(new GetCallerIdentityCommand({}));
    } catch (error) {
      return awsFailure('sts:GetCallerIdentity', error, policy);
    }
    try {
      await ec2.send(new DescribeRouteTablesCommand({ MaxResults: 5 }));
    } catch (error) {
      return awsFailure(`ec2:DescribeRouteTables in ${region} as ${caller.Arn ?? 'the caller'}`, error, policy);
    }
    const others = scope.accounts.filter((account) => account !== caller.Account);
    // In a hub and spoke setup the hub reads other accounts through a role: not a failure, but worth a word.
    const note = others.length > 0 ? `; baselines of ${others.join(', ')} are read with a role in each account (snapshot capture --role)` : '';
    return ok('reader', 'aws', `${caller.Arn ?? '?'}: sts:GetCallerIdentity, ec2:DescribeRouteTables in ${region} allowed${note}`);
  } finally {
    sts.destroy();
    ec2.destroy();
  }
}

/** Azure: one ARM list (route tables, its first page) in each subscription with a baseline, as the reader's identity. */
async function checkAzure(scope: CloudAccounts, options: ReaderCheckOptions): Promise<Check[]> {
  const [{ ArmClients }, { armCall }] = await Promise.all([
    import('../../adapters/azure/arm-clients.js'), import('../../adapters/azure/arm-errors.js'),
  ]);
  const clients = new ArmClients(await armOptions(undefined, options.env));
  return Promise.all(scope.accounts.map(async (subscription) => {
    const name = `azure/${subscription}`;
    try {
      await armCall('list route tables', 'of the subscription', subscription, async () => {
        const client = await clients.networkClient(subscription);
        // The first page only: one request, whatever the subscription holds (ARM lists take no page size).
        return client.routeTables.listAll().byPage().next();
      });
      return ok('reader', name, 'Microsoft.Network/routeTables/read allowed');
    } catch (error) {
      return failFrom('reader', name, error, 'grant the reader\'s identity the Reader role on the subscription, or sign in with az login');
    }
  }));
}

/** GCP: one Compute list (networks, 5 at most) in each project with a baseline, with Application Default Credentials. */
async function checkGcp(scope: CloudAccounts, options: ReaderCheckOptions): Promise<Check[]> {
  const [{ GcpClients }, { readApi }] = await Promise.all([
    import('../../adapters/gcp/gcp-clients.js'), import('../../adapters/gcp/gcp-read-errors.js'),
  ]);
  const clients = new GcpClients({ ...await gcpClientConfig(undefined, options.env), maxRetries: 0 });
  try {
    return await Promise.all(scope.accounts.map(async (project) => {
      const name = `gcp/${project}`;
      try {
        const compute = await clients.computeClients();
        await readApi(`compute networks.list in ${project}`, () => compute.networks.list({ project, maxResults: 5 }, { ...compute.call, autoPaginate: false }));
        return ok('reader', name, 'compute.networks.list allowed');
      } catch (error) {
        return failFrom('reader', name, error, 'grant the reader\'s service account roles/compute.networkViewer and roles/dns.reader, or gcloud auth application-default login');
      }
    }));
  } finally {
    await clients.close();
  }
}

/** The clouds to check: `--clouds`, else every cloud the snapshot store holds an account of. */
function accountsByCloud(clouds: readonly Cloud[], scopes: readonly Scope[], baselines: readonly CheckedBaseline[]): Map<Cloud, CloudAccounts> {
  const byCloud = new Map<Cloud, CloudAccounts>();
  for (const cloud of clouds) {
    const accounts = [...new Set(scopes.filter((s) => s.cloud === cloud).map((s) => s.account))];
    const region = baselines.find((b) => b.scope.cloud === cloud && b.regions.length > 0)?.regions[0];
    byCloud.set(cloud, { accounts, region });
  }
  return byCloud;
}

/**
 * One read call per cloud (per account for Azure and GCP, whose calls name one), as the reader
 * would make it: what the deployed functions and `snapshot capture` need of their credentials.
 */
export async function checkReaders(clouds: readonly Cloud[], scopes: readonly Scope[], baselines: readonly CheckedBaseline[], options: ReaderCheckOptions): Promise<Check[]> {
  const checks: Check[] = [];
  for (const [cloud, accounts] of accountsByCloud(clouds, scopes, baselines)) {
    if (cloud === 'aws') {
      checks.push(await checkAws(accounts, options));
      continue;
    }
    if (accounts.accounts.length === 0) {
      checks.push(fail('reader', cloud, `no ${cloud === 'azure' ? 'subscription' : 'project'} to read: the snapshot store holds no ${cloud} account`, 'capture one first (netdrift snapshot capture --cloud ' + cloud + ' --account ID)'));
      continue;
    }
    checks.push(...(cloud === 'azure' ? await checkAzure(accounts, options) : await checkGcp(accounts, options)));
  }
  return checks;
}
