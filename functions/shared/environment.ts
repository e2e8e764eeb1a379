import { z } from 'zod';
import { STORM_PAGERDUTY_MODES } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';

const SEVERITY = z.enum(['info', 'low', 'medium', 'high', 'critical']);

/** The settings that may name a secret in the platform's secret store instead of holding it. */
export const SECRET_SETTINGS = ['NETDRIFT_SLACK_WEBHOOK_URL', 'NETDRIFT_PAGERDUTY_ROUTING_KEY', 'NETDRIFT_APPROVAL_HMAC_KEY'] as const;
export type SecretSetting = (typeof SECRET_SETTINGS)[number];

/**
 * The variables every platform's functions read (sinks, routing, live reads, TTL, approval key),
 * as a zod shape each platform spreads into its own schema. `secretReference` describes the
 * platform's secret names (a Secrets Manager ARN, a Secret Manager version name) so that a
 * webhook setting is either a URL or such a name; `undefined` where the platform resolves
 * references itself (Azure Key Vault references become plain app settings).
 */
export function sharedEnvironmentShape(secretReference?: { test: (value: string) => boolean; name: string }) {
  const urlOrSecret = secretReference
    ? z.string().refine((v) => secretReference.test(v) || URL.canParse(v), `expected a URL or a ${secretReference.name}`)
    : z.url();
  return {
    /** A Slack webhook URL, or the name of a secret holding it. */
    NETDRIFT_SLACK_WEBHOOK_URL: urlOrSecret.optional(),
    NETDRIFT_SLACK_MIN_SEVERITY: SEVERITY.default('info'),
    /** A PagerDuty Events v2 routing key, or the name of a secret holding it. */
    NETDRIFT_PAGERDUTY_ROUTING_KEY: z.string().min(1).optional(),
    NETDRIFT_PAGERDUTY_URL: z.url().optional(),
    NETDRIFT_PAGERDUTY_MIN_SEVERITY: SEVERITY.default('high'),
    /** A storm as one PagerDuty incident (`grouped`, the default) or one per finding; over NETDRIFT_ROUTING's `storm.pagerDuty`. */
    NETDRIFT_PAGERDUTY_STORM: z.enum(STORM_PAGERDUTY_MODES).optional(),
    /** Routes, default sinks, suppressions and storm settings as JSON (the config file's keys), over the sinks above. */
    NETDRIFT_ROUTING: z.string().optional(),
    /** Read changed resources back through the cloud's APIs (default); `false` applies event payloads instead. */
    NETDRIFT_LIVE_READS: z.enum(['true', 'false']).default('true'),
    NETDRIFT_EVENT_TTL_HOURS: z.coerce.number().positive().default(48),
    /** The key of approval HMACs, or the name of a secret holding it: set, a baseline without a matching HMAC is refused. */
    NETDRIFT_APPROVAL_HMAC_KEY: z.string().min(1).optional(),
  };
}

/** The shared settings, parsed: what {@link createRuntime} reads. */
export type SharedEnvironment = z.infer<z.ZodObject<ReturnType<typeof sharedEnvironmentShape>>>;

/**
 * Parses the environment with a platform's schema, or throws `ConfigError` naming the first bad
 * variable (never its value): a bad setting fails the cold start in one line.
 */
export function parseEnvironment<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? '(environment)');
  const missing = issue?.code === 'invalid_type' && env[name] === undefined;
  throw new ConfigError(`environment ${name}: ${missing ? 'required' : issue?.message ?? 'invalid'}`, { cause: result.error });
}

/** A comma-separated list setting: trimmed, empty items dropped. */
export function listSetting(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}
