import { z } from 'zod';
import { EXTERNAL_ID, IAM_ROLE_NAME } from '../../adapters/aws/account-credentials.js';
import { ConfigError } from '../../core/errors.js';
import { listSetting, parseEnvironment, sharedEnvironmentShape } from '../shared/environment.js';

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:/;

/**
 * The Lambda functions' configuration: environment variables, validated once at init.
 * A bad one fails the cold start with a one-line error naming the variable. The sinks, routing,
 * live reads, TTL and approval key are every platform's (functions/shared/environment.ts); a
 * secret among them may be the ARN of a Secrets Manager secret holding it.
 */
export const AwsFunctionEnvironmentSchema = z.object({
  NETDRIFT_SNAPSHOT_BUCKET: z.string().min(3),
  NETDRIFT_SNAPSHOT_PREFIX: z.string().default(''),
  NETDRIFT_STATE_TABLE: z.string().min(3),
  /** Regions a capture (refresh, reconcile) covers; default: the function's own region. */
  NETDRIFT_REGIONS: z.string().optional(),
  ...sharedEnvironmentShape({ test: (value) => SECRET_ARN.test(value), name: 'Secrets Manager ARN' }),
  /**
   * The spoke role's name (`netdrift-reader`): every account, the function's own included, is read
   * through `arn:<partition>:iam::<account>:role/<name>`. Unset: only the function's own account is read.
   */
  NETDRIFT_READER_ROLE: z.string().regex(IAM_ROLE_NAME, 'expected an IAM role name (netdrift-reader), not an ARN or path').optional(),
  /** The external id the spoke role's trust policy asks for, if any. */
  NETDRIFT_READER_EXTERNAL_ID: z.string().regex(EXTERNAL_ID, 'expected 2 to 1224 characters of letters, digits and +=,.@:/-').optional(),
  /** Points every AWS client at another endpoint (tests against moto, VPC endpoints). */
  NETDRIFT_AWS_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
});
export type AwsFunctionEnvironment = z.infer<typeof AwsFunctionEnvironmentSchema>;

export function isSecretArn(value: string): boolean {
  return SECRET_ARN.test(value);
}

/** Parses the environment, or throws `ConfigError` naming the first bad variable (never its value). */
export function parseAwsFunctionEnvironment(env: Record<string, string | undefined>): AwsFunctionEnvironment {
  const parsed = parseEnvironment(AwsFunctionEnvironmentSchema, env);
  if (parsed.NETDRIFT_READER_EXTERNAL_ID !== undefined && parsed.NETDRIFT_READER_ROLE === undefined) {
    throw new ConfigError('environment NETDRIFT_READER_EXTERNAL_ID: set without NETDRIFT_READER_ROLE (the role it is for)');
  }
  return parsed;
}

/** The regions a capture covers. */
export function captureRegions(env: AwsFunctionEnvironment): string[] {
  const listed = listSetting(env.NETDRIFT_REGIONS);
  return listed.length > 0 ? listed : [env.AWS_REGION];
}
