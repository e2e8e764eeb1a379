import { z } from 'zod';
import { EXTERNAL_ID, IAM_ROLE_NAME } from '../../adapters/aws/account-credentials.js';
import { ConfigError } from '../../core/errors.js';

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:/;

/**
 * The Lambda functions' configuration: environment variables, validated once at init.
 * A bad one fails the cold start with a one-line error naming the variable.
 */
export const AwsFunctionEnvironmentSchema = z.object({
  NETDRIFT_SNAPSHOT_BUCKET: z.string().min(3),
  NETDRIFT_SNAPSHOT_PREFIX: z.string().default(''),
  NETDRIFT_STATE_TABLE: z.string().min(3),
  /** Regions a capture (refresh, reconcile) covers; default: the function's own region. */
  NETDRIFT_REGIONS: z.string().optional(),
  /** A Slack webhook URL, or the ARN of a Secrets Manager secret holding it. */
  NETDRIFT_SLACK_WEBHOOK_URL: z.string().refine((v) => SECRET_ARN.test(v) || URL.canParse(v), 'expected a URL or a Secrets Manager ARN').optional(),
  NETDRIFT_SLACK_MIN_SEVERITY: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('info'),
  /** A PagerDuty Events v2 routing key, or the ARN of a Secrets Manager secret holding it. */
  NETDRIFT_PAGERDUTY_ROUTING_KEY: z.string().min(1).optional(),
  NETDRIFT_PAGERDUTY_URL: z.url().optional(),
  NETDRIFT_PAGERDUTY_MIN_SEVERITY: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('high'),
  /** Routes, default sinks, suppressions and storm settings as JSON (the config file's keys), over the sinks above. */
  NETDRIFT_ROUTING: z.string().optional(),
  /** Read changed resources back through the AWS APIs (default); `false` applies event payloads instead. */
  NETDRIFT_LIVE_READS: z.enum(['true', 'false']).default('true'),
  NETDRIFT_EVENT_TTL_HOURS: z.coerce.number().positive().default(48),
  /** The key of approval HMACs, or the ARN of a Secrets Manager secret holding it: set, a baseline without a matching HMAC is refused. */
  NETDRIFT_APPROVAL_HMAC_KEY: z.string().min(1).optional(),
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
  const result = AwsFunctionEnvironmentSchema.safeParse(env);
  if (result.success) {
    if (result.data.NETDRIFT_READER_EXTERNAL_ID !== undefined && result.data.NETDRIFT_READER_ROLE === undefined) {
      throw new ConfigError('environment NETDRIFT_READER_EXTERNAL_ID: set without NETDRIFT_READER_ROLE (the role it is for)');
    }
    return result.data;
  }
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? '(environment)');
  const missing = issue?.code === 'invalid_type' && env[name] === undefined;
  throw new ConfigError(`environment ${name}: ${missing ? 'required' : issue?.message ?? 'invalid'}`, { cause: result.error });
}

/** The regions a capture covers. */
export function captureRegions(env: AwsFunctionEnvironment): string[] {
  const listed = (env.NETDRIFT_REGIONS ?? '').split(',').map((r) => r.trim()).filter(Boolean);
  return listed.length > 0 ? listed : [env.AWS_REGION];
}
