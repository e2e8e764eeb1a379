import { z } from 'zod';
import { ConfigError } from './errors.js';
import { CloudSchema, RESOURCE_KINDS } from './resource.js';
import { SEVERITIES } from './severity.js';

const SeveritySchema = z.enum(SEVERITIES);

/** How PagerDuty gets a storm (`storm.pagerDuty`, `NETDRIFT_PAGERDUTY_STORM`). */
export const STORM_PAGERDUTY_MODES = ['grouped', 'per-finding'] as const;
const KindSchema = z.enum(RESOURCE_KINDS as [string, ...string[]]);

const ConsoleSinkSchema = z.strictObject({ type: z.literal('console'), minSeverity: SeveritySchema.default('info') });
const SlackSinkSchema = z.strictObject({
  type: z.literal('slack'), webhookUrl: z.url(), minSeverity: SeveritySchema.default('info'),
});
const PagerDutySinkSchema = z.strictObject({
  type: z.literal('pagerduty'), routingKey: z.string().min(1),
  /** The Events API v2 region; `url` overrides it (tests, proxies). */
  region: z.enum(['us', 'eu']).default('us'), url: z.url().optional(), minSeverity: SeveritySchema.default('high'),
});
const WebhookSinkSchema = z.strictObject({
  type: z.literal('webhook'), url: z.url(),
  /** The HMAC-SHA256 key receivers verify `x-netdrift-signature` with. */
  secret: z.string().min(16, 'at least 16 characters'), minSeverity: SeveritySchema.default('info'),
});
const SinkSchema = z.discriminatedUnion('type', [ConsoleSinkSchema, SlackSinkSchema, PagerDutySinkSchema, WebhookSinkSchema]);
export type SinkConfig = z.infer<typeof SinkSchema>;
const SINK_TYPES = ['console', 'slack', 'pagerduty', 'webhook'];

/** A sink named after its type (`slack: {...}`) needs no `type`. */
function defaultSinkTypes(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).map(([name, sink]) => [name,
    typeof sink === 'object' && sink !== null && !('type' in sink) && SINK_TYPES.includes(name) ? { type: name, ...sink } : sink]));
}

const RouteSchema = z.strictObject({
  name: z.string().optional(),
  /** Every given condition must hold; an empty match matches every finding. */
  match: z.strictObject({
    minSeverity: SeveritySchema.optional(),
    clouds: z.array(CloudSchema).optional(),
    accounts: z.array(z.string().min(1)).optional(),
    /** Rule id globs: `route.*`, `dns-*`. */
    rules: z.array(z.string().min(1)).optional(),
    kinds: z.array(KindSchema).optional(),
    /** Resource tags that must all be present with these values. */
    tags: z.record(z.string(), z.string()).optional(),
  }).default({}),
  sinks: z.array(z.string().min(1)).min(1),
  /** Stop at this route when it matches. */
  final: z.boolean().default(false),
});
export type RouteConfig = z.infer<typeof RouteSchema>;

const SuppressionSchema = z.strictObject({
  /** Globs; every given one must match. */
  rule: z.string().min(1).optional(),
  resource: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  principal: z.string().min(1).optional(),
  until: z.iso.datetime({ offset: true }),
  reason: z.string().min(1),
}).refine((s) => s.rule ?? s.resource ?? s.account ?? s.principal, 'needs at least one of rule, resource, account, principal');
export type SuppressionConfig = z.infer<typeof SuppressionSchema>;

export const ConfigSchema = z.strictObject({
  /** Folder of the filesystem snapshot store: `<baselines>/<cloud>/<account>.json`. */
  baselines: z.string().min(1).default('baselines'),
  /** SQLite file of the embedded state store. */
  state: z.string().min(1).default('.netdrift/state.sqlite'),
  /** How long a processed event id is remembered, in hours (platforms redeliver for up to 24 h). */
  eventTtlHours: z.number().positive().default(48),
  /** The key of approval HMACs (`NETDRIFT_APPROVAL_HMAC_KEY`): set, a baseline is used only with a matching HMAC. */
  approvalHmacKey: z.string().min(1).optional(),
  /** Named sinks; a sink named `slack`, `pagerduty`, `webhook` or `console` is of that type. */
  sinks: z.preprocess(defaultSinkTypes, z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'sink names are letters, digits, - and _'), SinkSchema)).default({}),
  /** Evaluated in order; every matching route adds its sinks. With none, each sink takes what reaches its minSeverity. */
  routes: z.array(RouteSchema).default([]),
  /** Where a finding no route matches goes (default: each sink whose minSeverity it reaches). */
  defaultSinks: z.array(z.string().min(1)).optional(),
  /** Expected changes: matching findings are recorded and listed, not sent, until `until`. */
  suppressions: z.array(SuppressionSchema).default([]),
  /** More than `threshold` findings from one event, or one principal within the window: one grouped message. */
  storm: z.strictObject({
    threshold: z.number().int().positive().default(10),
    windowSeconds: z.number().int().positive().default(300),
    /**
     * PagerDuty: `grouped` (default) pages once per storm, its findings in `custom_details`, and resolves
     * that incident when none of them is open any more; `per-finding` opens one incident per finding.
     */
    pagerDuty: z.enum(STORM_PAGERDUTY_MODES).optional(),
    /** The older spelling of `pagerDuty`: true is `grouped`, false `per-finding`. */
    groupPagerDuty: z.boolean().optional(),
  }).refine((s) => s.pagerDuty === undefined || s.groupPagerDuty === undefined || (s.pagerDuty === 'grouped') === s.groupPagerDuty, {
    message: 'pagerDuty and groupPagerDuty disagree: keep pagerDuty only', path: ['groupPagerDuty'],
  }).transform(({ pagerDuty, groupPagerDuty, ...rest }) => {
    const mode = pagerDuty ?? (groupPagerDuty === false ? 'per-finding' : 'grouped');
    return { ...rest, pagerDuty: mode, groupPagerDuty: mode === 'grouped' };
  }).prefault({}),
}).superRefine((config, ctx) => {
  const known = new Set(Object.keys(config.sinks));
  config.routes.forEach((route, i) => route.sinks.forEach((sink, j) => {
    if (!known.has(sink)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'sinks', j], message: `no sink named "${sink}"` });
  }));
  config.defaultSinks?.forEach((sink, j) => {
    if (!known.has(sink)) ctx.addIssue({ code: 'custom', path: ['defaultSinks', j], message: `no sink named "${sink}"` });
  });
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
  const path = issue?.path.length ? issue.path.map(String).join('.') : '(root)';
  throw new ConfigError(`${where} ${path}: ${issue?.message ?? 'invalid'}`, { cause: result.error });
}

type SinksInput = Record<string, Record<string, unknown>>;

/**
 * Every variable the config reads, checked alone before anything is merged, so that a bad value is
 * named by its variable and the allowed values (a secret's value is never repeated). An empty
 * value counts as unset.
 */
const ENVIRONMENT: Record<string, { schema: z.ZodType; expected: string; secret?: boolean }> = {
  NETDRIFT_SLACK_WEBHOOK_URL: { schema: z.url(), expected: 'a Slack incoming-webhook URL', secret: true },
  NETDRIFT_SLACK_MIN_SEVERITY: { schema: SeveritySchema, expected: `one of ${SEVERITIES.join(', ')}` },
  NETDRIFT_PAGERDUTY_ROUTING_KEY: { schema: z.string().trim().min(1), expected: 'a PagerDuty Events v2 routing key', secret: true },
  NETDRIFT_PAGERDUTY_URL: { schema: z.url(), expected: 'a URL' },
  NETDRIFT_PAGERDUTY_MIN_SEVERITY: { schema: SeveritySchema, expected: `one of ${SEVERITIES.join(', ')}` },
  NETDRIFT_BASELINES: { schema: z.string().trim().min(1), expected: 'a folder' },
  NETDRIFT_STATE: { schema: z.string().trim().min(1), expected: 'a SQLite file' },
  NETDRIFT_EVENT_TTL_HOURS: { schema: z.coerce.number().positive(), expected: 'a positive number of hours' },
  NETDRIFT_APPROVAL_HMAC_KEY: { schema: z.string().min(1), expected: 'a key', secret: true },
  NETDRIFT_PAGERDUTY_STORM: { schema: z.enum(STORM_PAGERDUTY_MODES), expected: `one of ${STORM_PAGERDUTY_MODES.join(', ')}` },
};

/** The set variables of {@link ENVIRONMENT}, parsed; the first bad one throws `ConfigError` naming it. */
function environmentSettings(env: Record<string, string | undefined>): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [name, { schema, expected, secret }] of Object.entries(ENVIRONMENT)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const result = schema.safeParse(value);
    if (!result.success) {
      throw new ConfigError(`environment ${name}: expected ${expected}, got ${secret ? 'something else (value not shown)' : JSON.stringify(value.slice(0, 200))}; correct or unset it`, { cause: result.error });
    }
    settings[name] = result.data;
  }
  return settings;
}

/**
 * The config from the environment alone: `NETDRIFT_SLACK_WEBHOOK_URL` sends every finding
 * to Slack, `NETDRIFT_PAGERDUTY_ROUTING_KEY` sends high and critical ones to PagerDuty
 * (`NETDRIFT_PAGERDUTY_URL` overrides its endpoint), `NETDRIFT_*_MIN_SEVERITY` change those
 * thresholds as they do for the functions. Environment values override the file's.
 */
export function configFromEnvironment(env: Record<string, string | undefined>, file: Record<string, unknown> = {}, where = 'environment'): Config {
  const set = environmentSettings(env);
  const fileSinks = file.sinks;
  const sinks: SinksInput = typeof fileSinks === 'object' && fileSinks !== null ? { ...(fileSinks as SinksInput) } : {};
  if (set.NETDRIFT_SLACK_WEBHOOK_URL) {
    sinks.slack = { ...(sinks.slack ?? {}), webhookUrl: set.NETDRIFT_SLACK_WEBHOOK_URL };
  }
  if (set.NETDRIFT_PAGERDUTY_ROUTING_KEY) {
    sinks.pagerduty = { ...(sinks.pagerduty ?? {}), routingKey: set.NETDRIFT_PAGERDUTY_ROUTING_KEY };
  }
  if (set.NETDRIFT_PAGERDUTY_URL && sinks.pagerduty) {
    sinks.pagerduty = { ...sinks.pagerduty, url: set.NETDRIFT_PAGERDUTY_URL };
  }
  // The thresholds apply to the sinks named slack and pagerduty (from the file or the variables above), when there are.
  if (set.NETDRIFT_SLACK_MIN_SEVERITY && sinks.slack) sinks.slack = { ...sinks.slack, minSeverity: set.NETDRIFT_SLACK_MIN_SEVERITY };
  if (set.NETDRIFT_PAGERDUTY_MIN_SEVERITY && sinks.pagerduty) sinks.pagerduty = { ...sinks.pagerduty, minSeverity: set.NETDRIFT_PAGERDUTY_MIN_SEVERITY };
  const merged: Record<string, unknown> = { ...file, sinks };
  if (set.NETDRIFT_BASELINES) merged.baselines = set.NETDRIFT_BASELINES;
  if (set.NETDRIFT_STATE) merged.state = set.NETDRIFT_STATE;
  if (set.NETDRIFT_EVENT_TTL_HOURS) merged.eventTtlHours = set.NETDRIFT_EVENT_TTL_HOURS;
  if (set.NETDRIFT_APPROVAL_HMAC_KEY) merged.approvalHmacKey = set.NETDRIFT_APPROVAL_HMAC_KEY;
  // Parsed by its schema above: one of the modes.
  if (set.NETDRIFT_PAGERDUTY_STORM) merged.storm = withStormMode(file.storm, set.NETDRIFT_PAGERDUTY_STORM as (typeof STORM_PAGERDUTY_MODES)[number]);
  return parseConfig(merged, where);
}

/**
 * A config's `storm` settings with PagerDuty's mode set by NETDRIFT_PAGERDUTY_STORM: it overrides
 * `storm.pagerDuty` whichever spelling the settings used (the older `groupPagerDuty` is dropped).
 */
export function withStormMode(storm: unknown, mode: (typeof STORM_PAGERDUTY_MODES)[number]): Record<string, unknown> {
  const { groupPagerDuty: _older, ...rest } = typeof storm === 'object' && storm !== null ? storm as Record<string, unknown> : {};
  return { ...rest, pagerDuty: mode };
}
