import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NetdriftError } from '../core/errors.js';

/** A command line that cannot be run as given: exit 2 with the reason. */
export class UsageError extends NetdriftError {}

export const USAGE = `netdrift — network drift detection for AWS, Azure and GCP

Usage:
  netdrift demo                          run the bundled sample baseline and events
  netdrift replay [--baseline DIR] [--observed DIR] [--live-reads azure,gcp] [--state FILE] [--format text|json] [--send] PATH...
  netdrift serve [--port N] [--host H] [--baseline DIR] [--state FILE] [--secret S]
                 [--event-grid-secret S] [--entra-tenant T --entra-audience A]
                 [--pubsub-audience URL --pubsub-service-account EMAIL] [--jwks-file FILE]
                 [--gcp-subscription projects/P/subscriptions/S [--gcp-max-messages N]] [--live-reads azure,gcp]
  netdrift catalog [--cloud aws|azure|gcp] [--format text|json|filter]
  netdrift snapshot capture --cloud aws --account ID --regions r1,r2 [STORE] [--endpoint URL] [--role NAME [--external-id ID]]
  netdrift snapshot capture --cloud azure (--account SUBSCRIPTION-ID | --management-group MG) [--regions r1,r2] [STORE] [--endpoint ARM-URL]
  netdrift snapshot capture --cloud gcp (--account PROJECT-ID | --organization ID | --folder ID) [--regions r1,r2] [STORE] [--endpoint URL]
  netdrift snapshot refresh --cloud aws --account ID [--function NAME|ARN] [--regions r1,r2] [--region R] [--endpoint URL]
  netdrift snapshot refresh --local ...                  (as capture, on this machine)
  netdrift snapshot show    --cloud C --account ID [STORE] [--candidate]
  netdrift findings list    [--state FILE] [--status open|resolved] [--format text|json]
  netdrift outbox list      [--state FILE] [--rejected] [--format text|json]
  netdrift outbox redrive   [--state FILE] [--id ID]...
  netdrift snapshot diff    --cloud C --account ID [STORE] [--format text|json] [--exit-code [SEVERITY]]
  netdrift snapshot approve --cloud C --account ID [STORE] [--by NAME]
  netdrift doctor [STORE] [--state FILE|dynamodb://T|aztable://A/T|firestore://P] [--clouds aws,azure,gcp]
                  [--region R] [--endpoint URL] [--send-test] [--format text|json]

Every command takes --config FILE (JSON or YAML; also NETDRIFT_CONFIG).
STORE is --baseline DIR, or --store s3://bucket/prefix | azblob://account/container/prefix
  | firestore://PROJECT[/DATABASE][?prefix=P] | file://DIR | DIR
(S3: --region R, --endpoint URL; azblob: AZURE_STORAGE_CONNECTION_STRING, else az login / managed identity;
firestore: Application Default Credentials, FIRESTORE_EMULATOR_HOST).
Live reads: Azure as az login / managed identity (NETDRIFT_ARM_ENDPOINT); GCP with Application Default
Credentials (NETDRIFT_GCP_ENDPOINT, NETDRIFT_GCP_ACCESS_TOKEN for a static token).
Exit codes: 0 ok, 1 failure, 2 usage error, 3 some input rejected (the rest processed);
snapshot diff --exit-code: 1 when there is drift at or above SEVERITY (default info: any drift).`;

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's arguments; unknown options and missing values are usage errors. */
export function parseCommand<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, config: { type: 'string' } }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** One of a fixed set of values for an option, or a usage error naming the option. */
export function oneOf<T extends string>(option: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${option}: expected one of ${allowed.join(', ')}, got "${value}"`);
}

export function required(option: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${option} is required`);
  return value;
}
