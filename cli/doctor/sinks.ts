import { hostname } from 'node:os';
import { sinksFromConfig } from '../../alerts/sinks.js';
import type { PagerDutyEvent } from '../../alerts/pagerduty.js';
import type { SlackMessage } from '../../alerts/slack-message.js';
import type { WebhookPayload } from '../../alerts/webhook.js';
import { redact, requestFailureReason, quoteBody } from '../../alerts/http-failure.js';
import type { Config, SinkConfig } from '../../core/config.js';
import { oneLine } from '../../core/errors.js';
import type { AlertSink } from '../../core/ports.js';
import { fail, ok, type Check } from './report.js';

/** How long one request to a sink may take in a check. */
const TIMEOUT_MS = 10_000;

/**
 * A PagerDuty Events API v2 integration key is 32 letters and digits
 * (https://developer.pagerduty.com/docs/events-api-v2/overview/): one of another length was
 * mis-pasted, or is another kind of key (a REST API key, a service id).
 */
const ROUTING_KEY = /^[A-Za-z0-9]{32}$/;

/**
 * Slack refuses a message with no text with `400 no_text` (or `invalid_payload`) before it looks at
 * the channel: an empty post proves the webhook exists, and posts nothing. A removed or revoked
 * webhook answers `404 no_service`, `403 invalid_token` or `410` instead
 * (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks#handling-errors).
 */
const SLACK_EMPTY_REFUSED = /^(no_text|invalid_payload|missing_text_or_fallback_or_attachments)\b/;

export interface SinkCheckOptions {
  /** Post a test message to each sink (Slack: its channel; PagerDuty: a trigger resolved at once). */
  sendTest: boolean;
  stdout: NodeJS.WritableStream;
}

/** Only the host of a URL: webhook paths and queries hold tokens. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}

function testText(): string {
  return `netdrift doctor: test message from ${hostname()} at ${new Date().toISOString()}; no action needed`;
}

/** A URL and its path (tokens live there), to keep out of any line printed; a bare `/` is no secret. */
function urlSecrets(url: string): string[] {
  const path = new URL(url).pathname;
  return path.length > 1 ? [url, path] : [url];
}

/** The secrets of a sink's config, to keep them out of any line printed. */
function secretsOf(sink: SinkConfig): string[] {
  if (sink.type === 'slack') return urlSecrets(sink.webhookUrl);
  if (sink.type === 'pagerduty') return [sink.routingKey];
  if (sink.type === 'webhook') return [sink.secret, ...urlSecrets(sink.url)];
  return [];
}

/** Sends through the sink itself, so the check meets the same signature, headers and errors as an alert. */
async function sent(name: string, sink: SinkConfig, where: string, send: () => Promise<void>, what: string, fix: string): Promise<Check> {
  try {
    await send();
    return ok('sink', name, `${where}: ${what}`);
  } catch (error) {
    return fail('sink', name, `${where}: ${redact(oneLine(error), secretsOf(sink))}`, fix);
  }
}

/** The Slack webhook answers an empty post as Slack does: it exists, and nothing was posted. */
async function probeSlack(name: string, webhookUrl: string): Promise<Check> {
  const secrets = urlSecrets(webhookUrl);
  const host = hostOf(webhookUrl);
  const replace = `create a new incoming webhook for the channel and set sinks.${name}.webhookUrl (or NETDRIFT_SLACK_WEBHOOK_URL)`;
  let response: Response;
  try {
    response = await fetch(webhookUrl, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'manual',
    });
  } catch (error) {
    return fail('sink', name, `${host}: ${redact(requestFailureReason(error, TIMEOUT_MS), secrets)}`, 'check the network path to Slack (proxy, firewall, DNS)');
  }
  const body = redact(quoteBody(await response.text().catch(() => '')), secrets);
  const answer = `HTTP ${response.status}${body ? ` ${body}` : ''}`;
  if (response.status === 400 && SLACK_EMPTY_REFUSED.test(body)) {
    return ok('sink', name, `${host}: webhook exists (an empty message was refused: ${answer}; nothing posted; --send-test posts one)`);
  }
  if (response.ok) return ok('sink', name, `${host}: answered ${answer} to an empty message (--send-test posts a real one)`);
  if ([403, 404, 410].includes(response.status)) return fail('sink', name, `${host}: the webhook is gone or revoked (${answer})`, replace);
  if (response.status === 429 || response.status >= 500) return fail('sink', name, `${host}: Slack is unavailable (${answer})`, 'run netdrift doctor again later; alerts wait in the outbox meanwhile');
  return fail('sink', name, `${host}: unexpected answer to an empty message (${answer})`, `check sinks.${name}.webhookUrl is a Slack incoming webhook`);
}

async function checkSlack(name: string, sink: Extract<SinkConfig, { type: 'slack' }>, alertSink: AlertSink, options: SinkCheckOptions): Promise<Check> {
  if (!options.sendTest) return probeSlack(name, sink.webhookUrl);
  const text = testText();
  const message = { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] } as unknown as SlackMessage;
  return sent(name, sink, hostOf(sink.webhookUrl), () => (alertSink as AlertSink<SlackMessage>).send(message), 'test message posted to the webhook\'s channel',
    `check sinks.${name}.webhookUrl: create a new incoming webhook if Slack no longer knows this one`);
}

async function checkPagerDuty(name: string, sink: Extract<SinkConfig, { type: 'pagerduty' }>, alertSink: AlertSink, options: SinkCheckOptions): Promise<Check> {
  const key = sink.routingKey;
  if (!ROUTING_KEY.test(key)) {
    return fail('sink', name, `routing key is ${key.length} characters, not an Events API v2 integration key (32 letters and digits)`,
      `copy the Integration Key of the service's "Events API v2" integration into sinks.${name}.routingKey (or NETDRIFT_PAGERDUTY_ROUTING_KEY)`);
  }
  const endpoint = sink.url ? hostOf(sink.url) : `events API (${sink.region})`;
  if (!options.sendTest) return ok('sink', name, `routing key has the shape of an integration key; ${endpoint} not contacted (--send-test triggers and resolves a test incident)`);
  // A trigger resolved at once: the test shows in the service's history and pages nobody for long.
  const dedupKey = `netdrift-doctor-${hostname()}-${Date.now()}`;
  // The Events API needs only summary, source and severity; an alert's trigger carries more.
  const trigger = {
    routing_key: key, event_action: 'trigger', dedup_key: dedupKey,
    payload: { summary: testText(), source: hostname(), severity: 'info', class: 'netdrift.doctor' },
  } as unknown as PagerDutyEvent;
  const resolve: PagerDutyEvent = { routing_key: key, event_action: 'resolve', dedup_key: dedupKey };
  const send = async () => {
    await (alertSink as AlertSink<PagerDutyEvent>).send(trigger);
    await (alertSink as AlertSink<PagerDutyEvent>).send(resolve);
  };
  return sent(name, sink, endpoint, send, `test incident triggered and resolved (dedup key ${dedupKey})`,
    `check sinks.${name}.routingKey is the service's Events API v2 integration key and sinks.${name}.region its service region`);
}

async function checkWebhook(name: string, sink: Extract<SinkConfig, { type: 'webhook' }>, alertSink: AlertSink, options: SinkCheckOptions): Promise<Check> {
  if (!options.sendTest) return ok('sink', name, `${hostOf(sink.url)}: not contacted (--send-test posts a signed test message)`);
  const body = JSON.stringify({ test: true, source: 'netdrift doctor', host: hostname(), sentAt: new Date().toISOString() });
  return sent(name, sink, hostOf(sink.url), () => (alertSink as AlertSink<WebhookPayload>).send({ body }), 'signed test message accepted',
    `check sinks.${name}.url, and that the receiver verifies with the same secret as sinks.${name}.secret`);
}

/** One check per configured sink, in the config's order. */
export async function checkSinks(config: Config, options: SinkCheckOptions): Promise<Check[]> {
  const entries = Object.entries(config.sinks);
  if (entries.length === 0) return [ok('sink', undefined, 'none configured: findings are recorded, never sent (configure sinks, or NETDRIFT_SLACK_WEBHOOK_URL)')];
  const sinks = sinksFromConfig(config, { stdout: options.stdout, timeoutMs: TIMEOUT_MS });
  return Promise.all(entries.map(async ([name, sink]) => {
    const alertSink = sinks.get(name);
    if (!alertSink) return fail('sink', name, 'not built from the config', 'report this as a bug');
    switch (sink.type) {
      case 'console': return ok('sink', name, 'console: prints to stdout');
      case 'slack': return checkSlack(name, sink, alertSink, options);
      case 'pagerduty': return checkPagerDuty(name, sink, alertSink, options);
      case 'webhook': return checkWebhook(name, sink, alertSink, options);
    }
  }));
}
