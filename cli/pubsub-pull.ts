import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { ConfigError, oneLine } from '../core/errors.js';
import type { DeliveryOutcome } from '../core/pipeline.js';
import { UsageError } from './usage.js';

/** A subscription's full name, as Pub/Sub spells it (https://cloud.google.com/pubsub/docs/pubsub-basics#resource_names). */
const SUBSCRIPTION_NAME = /^projects\/([a-z0-9.:-]{1,100})\/subscriptions\/([A-Za-z][\w.~+%-]{2,254})$/;

/** How many messages are processed at once when `--gcp-max-messages` is not given. */
export const DEFAULT_MAX_MESSAGES = 10;

/** The longest a stop waits for messages in flight before they are nacked (redelivered elsewhere). */
const STOP_TIMEOUT_SECONDS = 30;

/** Pauses before re-opening a stream that closed by itself (a subscription deleted, access revoked). */
const REOPEN_DELAYS_MS = [1_000, 5_000, 15_000, 60_000];

export interface PubsubConsumerOptions {
  /** `projects/P/subscriptions/S`. */
  subscription: string;
  /** What handles one pulled message (the pipeline). */
  pipeline: { handle(raw: unknown): Promise<DeliveryOutcome> };
  /** Called after a message's outcome was committed (serve: send what waits in the outbox soon). */
  deliver?: () => void;
  log: (line: string) => void;
  /** Flow control: messages held at once, in flight or waiting (default {@link DEFAULT_MAX_MESSAGES}). */
  maxMessages?: number;
  /** A client; by default one for the subscription's project (Application Default Credentials, or `PUBSUB_EMULATOR_HOST`). */
  client?: PubSub;
}

/** A running consumer. */
export interface PubsubConsumer {
  /** Stops pulling, lets the messages in flight finish (acked or nacked), and closes the client. */
  stop(): Promise<void>;
}

/**
 * serve's `--gcp-subscription` and `--gcp-max-messages`, checked before anything starts: the
 * consumer's settings, or undefined when no subscription is given.
 */
export function pubsubPullFlags(subscription: string | undefined, maxMessages: string | undefined): { subscription: string; maxMessages: number } | undefined {
  if (subscription === undefined) {
    if (maxMessages !== undefined) throw new UsageError('--gcp-max-messages needs --gcp-subscription');
    return undefined;
  }
  if (!SUBSCRIPTION_NAME.test(subscription)) throw new UsageError(`--gcp-subscription: expected projects/PROJECT/subscriptions/NAME, got "${subscription}"`);
  if (maxMessages === undefined) return { subscription, maxMessages: DEFAULT_MAX_MESSAGES };
  const n = Number(maxMessages);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--gcp-max-messages: expected a whole number from 1 to 1000, got "${maxMessages}"`);
  return { subscription, maxMessages: n };
}

/**
 * A message from the library in the JSON shape of a pulled `ReceivedMessage`
 * (https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.subscriptions/pull#receivedmessage),
 * which `pubsubPullAdapter` parses: `data` base64, times as RFC 3339 text.
 */
export function receivedMessage(message: Message): Record<string, unknown> {
  return {
    ackId: message.ackId,
    message: {
      data: message.data.toString('base64'),
      messageId: message.id,
      publishTime: message.publishTime.toISOString(),
      ...(Object.keys(message.attributes).length > 0 ? { attributes: message.attributes } : {}),
      ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
    },
    ...(message.deliveryAttempt ? { deliveryAttempt: message.deliveryAttempt } : {}),
  };
}

/**
 * Acks what was committed or can never be processed; nacks what failed in a way a retry may fix
 * (DESIGN.md, "Errors: one meaning each"), so that Pub/Sub redelivers it. Returns the decision.
 */
async function handleMessage(message: Message, options: PubsubConsumerOptions): Promise<'ack' | 'nack'> {
  const label = `Pub/Sub message ${message.id}${message.deliveryAttempt > 1 ? ` (attempt ${message.deliveryAttempt})` : ''}`;
  let outcome: DeliveryOutcome;
  try {
    outcome = await options.pipeline.handle(receivedMessage(message));
  } catch (error) {
    options.log(`${label}: nacked, redelivered: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    return 'nack';
  }
  const failed = outcome.records.filter((r) => r.status === 'failed');
  for (const r of outcome.records.filter((rec) => rec.status === 'rejected')) options.log(`${label}: rejected, acknowledged: ${r.reason ?? 'no reason given'}`);
  if (failed.length > 0) {
    options.log(`${label}: nacked, redelivered: ${failed.map((r) => r.reason).join('; ')}`);
    return 'nack';
  }
  return 'ack';
}

/**
 * Consumes a subscription by streaming pull, for a netdrift that runs inside a cluster with no
 * public push endpoint: each message goes through the pipeline as a pulled delivery; it is acked
 * once the pipeline has committed it (or rejected it as bad input, logged with its reason) and
 * nacked on a failure a retry may fix. At most `maxMessages` are held at once.
 */
export async function startPubsubConsumer(options: PubsubConsumerOptions): Promise<PubsubConsumer> {
  const match = SUBSCRIPTION_NAME.exec(options.subscription);
  if (!match) throw new ConfigError(`--gcp-subscription: expected projects/PROJECT/subscriptions/NAME, got "${options.subscription}"`);
  const maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
  const { PubSub: Client, Duration, SubscriptionCloseBehaviors } = await import('@google-cloud/pubsub');
  const client = options.client ?? new Client({ projectId: match[1] });
  const subscription: Subscription = client.subscription(options.subscription, {
    flowControl: { maxMessages, allowExcessMessages: false },
    closeOptions: { behavior: SubscriptionCloseBehaviors.WaitForProcessing, timeout: Duration.from({ seconds: STOP_TIMEOUT_SECONDS }) },
  });
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let reopens = 0;
  let reopenTimer: NodeJS.Timeout | undefined;

  subscription.on('message', (message: Message) => {
    if (stopping) { message.nack(); return; }
    reopens = 0;
    const work = handleMessage(message, options).then((decision) => {
      if (decision === 'ack') {
        message.ack();
        options.deliver?.();
      } else {
        message.nack();
      }
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  subscription.on('error', (error: unknown) => {
    options.log(`pubsub ${options.subscription}: ${oneLine(error)}`);
  });
  // A stream the library gave up on (not found, permission denied) closes the subscriber: try again
  // later, so that a consumer whose access was fixed picks up where it left off.
  subscription.on('close', () => {
    if (stopping) return;
    const delay = REOPEN_DELAYS_MS[Math.min(reopens, REOPEN_DELAYS_MS.length - 1)] ?? 60_000;
    reopens += 1;
    options.log(`pubsub ${options.subscription}: stream closed, reopening in ${delay / 1000} s`);
    reopenTimer = setTimeout(() => { if (!stopping) subscription.open(); }, delay);
  });
  options.log(`pulling from ${options.subscription} (at most ${maxMessages} messages at a time)`);

  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      if (reopenTimer) clearTimeout(reopenTimer);
      // Closing stops the stream at once, then waits for what was handed out to be acked or nacked.
      await subscription.close().catch((error: unknown) => options.log(`pubsub ${options.subscription}: close: ${oneLine(error)}`));
      await Promise.allSettled([...inFlight]);
      if (!options.client) await client.close();
    },
  };
}

