import {
  IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError, type FetchFunction,
} from '@slack/webhook';
import { DeliveryError, oneLine } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import type { AlertSink, FindingGroup } from '../core/ports.js';
import { httpDeliveryError, quoteBody, redact, requestFailureReason } from './http-failure.js';
import { slackGroupMessage, slackMessage, type SlackMessage } from './slack-message.js';

export type { SlackBlock, SlackMessage } from './slack-message.js';

/** How long a Slack post may take before it counts as failed (and retryable). */
export const SLACK_DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Slack accepts about one message per second per incoming webhook, allowing short bursts
 * (https://docs.slack.dev/apis/web-api/rate-limits).
 */
export const SLACK_RATE_LIMIT = { count: 1, intervalMs: 1000 } as const;

export interface SlackSinkOptions {
  /** The incoming webhook URL. A secret: it never appears in an error or a log line. */
  webhookUrl: string;
  timeoutMs?: number;
  /** The sink's name in routes and the outbox; `slack` unless several webhooks are configured. */
  name?: string;
}

/**
 * Posts findings to a Slack incoming webhook as Block Kit messages.
 * `send` throws `DeliveryError`: 429 (with `Retry-After`), 5xx and network failures are
 * retryable; any other 4xx is not, and its message carries Slack's error text (`invalid_blocks`).
 */
export class SlackSink implements AlertSink<SlackMessage> {
  readonly name: string;
  readonly rateLimit = SLACK_RATE_LIMIT;
  readonly #webhookUrl: string;
  readonly #timeoutMs: number;

  constructor(options: SlackSinkOptions) {
    this.name = options.name ?? 'slack';
    this.#webhookUrl = options.webhookUrl;
    this.#timeoutMs = options.timeoutMs ?? SLACK_DEFAULT_TIMEOUT_MS;
  }

  /** The message for a finding (pure); see `slackMessage`. */
  build(finding: Finding): SlackMessage {
    return slackMessage(finding);
  }

  /** One message for a storm (pure); see `slackGroupMessage`. */
  buildGroup(group: FindingGroup): SlackMessage {
    return slackGroupMessage(group);
  }

  async send(message: SlackMessage): Promise<void> {
    // @slack/webhook's HTTP error keeps status and body but not the headers, and 429's
    // Retry-After lives in a header: a per-send fetch wrapper keeps it. One webhook client
    // per send, so that concurrent sends never read each other's headers.
    let retryAfter: string | null = null;
    const fetchKeepingRetryAfter: FetchFunction = async (url, init) => {
      const response = await fetch(url, init);
      retryAfter = response.headers.get('retry-after');
      return response;
    };
    const webhook = new IncomingWebhook(this.#webhookUrl, { timeout: this.#timeoutMs, fetch: fetchKeepingRetryAfter });
    try {
      await webhook.send(message);
    } catch (error) {
      throw this.#deliveryError(error, retryAfter);
    }
  }

  /**
   * Our own message from the status and body only. The library's errors are not kept as
   * `cause`: a request error wraps fetch's, which may quote the URL.
   */
  #deliveryError(error: unknown, retryAfter: string | null): DeliveryError {
    const secrets = this.#secrets();
    if (error instanceof IncomingWebhookHTTPError) {
      return httpDeliveryError(this.name, error.statusCode, quoteBody(error.body), retryAfter, secrets);
    }
    if (error instanceof IncomingWebhookRequestError) {
      return new DeliveryError(redact(`${this.name}: ${requestFailureReason(error.original, this.#timeoutMs)}`, secrets), true);
    }
    return new DeliveryError(redact(`${this.name}: unexpected failure: ${oneLine(error)}`, secrets), true);
  }

  /** The URL, its path (`/services/T…/B…/…`) and its token, as any of them may be quoted. */
  #secrets(): string[] {
    const secrets = [this.#webhookUrl];
    try {
      const url = new URL(this.#webhookUrl);
      if (url.pathname.length > 1) secrets.push(url.pathname);
      const token = url.pathname.split('/').pop();
      if (token && token.length >= 8) secrets.push(token);
    } catch {
      // Not a URL: the whole string is the secret, already listed.
    }
    return secrets;
  }
}
