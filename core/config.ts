import { z } from 'zod';
import { ConfigError } from './errors.js';
import { SEVERITIES } from './severity.js';

const SeveritySchema = z.enum(SEVERITIES);

export const ConfigSchema = z.strictObject({
  /** Folder of the filesystem snapshot store: `<baselines>/<cloud>/<account>.json`. */
  baselines: z.string().min(1).default('baselines'),
  /** SQLite file of the embedded state store. */
  state: z.string().min(1).default('.netdrift/state.sqlite'),
  /** How long a processed event id is remembered, in hours (platforms redeliver for up to 24 h). */
  eventTtlHours: z.number().positive().default(48),
  sinks: z.strictObject({
    console: z.strictObject({ minSeverity: SeveritySchema.default('info') }).optional(),
    slack: z.strictObject({
      webhookUrl: z.url(),
      minSeverity: SeveritySchema.default('info'),
    }).optional(),
    pagerduty: z.strictObject({
      routingKey: z.string().min(1),
      url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
      minSeverity: SeveritySchema.default('high'),
    }).optional(),
  }).default({}),
});
export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/**
 * Validates a parsed config document. A bad one throws `ConfigError` naming the bad key,
 * e.g. `config sinks.slack.webhookUrl: Invalid URL`.
 */
export function parseConfig(input: unknown, where = 'config'): Config {
  const result = ConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : '(root)';
  throw new ConfigError(`${where} ${path}: ${issue?.message ?? 'invalid'}`, { cause: result.error });
}

/**
 * The config from the environment alone: `NETDRIFT_SLACK_WEBHOOK_URL` sends every finding
 * to Slack, `NETDRIFT_PAGERDUTY_ROUTING_KEY` sends high and critical ones to PagerDuty
 * (`NETDRIFT_PAGERDUTY_URL` overrides its endpoint). Environment values override the file's.
 */
export function configFromEnvironment(env: Record<string, string | undefined>, file: ConfigInput = {}, where = 'environment'): Config {
  const sinks = { ...(file.sinks ?? {}) };
  if (env.NETDRIFT_SLACK_WEBHOOK_URL) {
    sinks.slack = { ...(sinks.slack ?? {}), webhookUrl: env.NETDRIFT_SLACK_WEBHOOK_URL };
  }
  if (env.NETDRIFT_PAGERDUTY_ROUTING_KEY) {
    sinks.pagerduty = { ...(sinks.pagerduty ?? {}), routingKey: env.NETDRIFT_PAGERDUTY_ROUTING_KEY };
  }
  if (env.NETDRIFT_PAGERDUTY_URL && sinks.pagerduty) {
    sinks.pagerduty = { ...sinks.pagerduty, url: env.NETDRIFT_PAGERDUTY_URL };
  }
  const merged: ConfigInput = { ...file, sinks };
  if (env.NETDRIFT_BASELINES) merged.baselines = env.NETDRIFT_BASELINES;
  if (env.NETDRIFT_STATE) merged.state = env.NETDRIFT_STATE;
  return parseConfig(merged, where);
}
