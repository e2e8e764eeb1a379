import type { Config, SinkConfig } from '../core/config.js';
import type { AlertSink, StateStore } from '../core/ports.js';
import { ConsoleSink } from './console.js';
import type { DeliverOptions, DeliveryReport } from './deliver.js';
import { OutboxDelivery, type OutboxDeliveryOptions } from './outbox-delivery.js';
import { PagerDutySink } from './pagerduty.js';
import { SlackSink } from './slack.js';
import { WebhookSink } from './webhook.js';

export interface SinksFromConfigOptions {
  /** Where console sinks write; stdout by default. */
  stdout?: NodeJS.WritableStream;
  /** Timeout of each HTTP send, in milliseconds. */
  timeoutMs?: number;
}

type Factory<T extends SinkConfig['type']> = (name: string, config: Extract<SinkConfig, { type: T }>, options: SinksFromConfigOptions) => AlertSink;

const FACTORIES: { readonly [T in SinkConfig['type']]: Factory<T> } = {
  console: (name, _config, options) => new ConsoleSink(options.stdout, name),
  slack: (name, config, options) => new SlackSink({ name, webhookUrl: config.webhookUrl, timeoutMs: options.timeoutMs }),
  pagerduty: (name, config, options) => new PagerDutySink({
    name, routingKey: config.routingKey, region: config.region, ...(config.url ? { url: config.url } : {}), timeoutMs: options.timeoutMs,
  }),
  webhook: (name, config, options) => new WebhookSink({ name, url: config.url, secret: config.secret, timeoutMs: options.timeoutMs }),
};

/** The configured sinks by name: the map `deliverOutbox` sends with. Listed, never self-registered. */
export function sinksFromConfig(config: Config, options: SinksFromConfigOptions = {}): Map<string, AlertSink> {
  const sinks = new Map<string, AlertSink>();
  for (const [name, sink] of Object.entries(config.sinks)) {
    sinks.set(name, (FACTORIES[sink.type] as Factory<typeof sink.type>)(name, sink, options));
  }
  return sinks;
}

/** Storm grouping from the config: every sink groups storms; PagerDuty unless `storm.pagerDuty` is `per-finding`. */
export function deliveryOptionsFromConfig(config: Config): Pick<DeliverOptions, 'storm' | 'groupsStorms'> {
  return {
    storm: { threshold: config.storm.threshold, windowMs: config.storm.windowSeconds * 1000 },
    groupsStorms: (name) => config.sinks[name]?.type !== 'pagerduty' || config.storm.groupPagerDuty,
  };
}

/** Sending the outbox as the config says (storms), with `extra` options (tests: clocks, short rate-limit windows). */
export function outboxDelivery(
  state: StateStore, sinks: ReadonlyMap<string, AlertSink>, config: Config, extra: OutboxDeliveryOptions = {},
): OutboxDelivery {
  return new OutboxDelivery(state, sinks, { ...deliveryOptionsFromConfig(config), ...extra });
}

/**
 * For commands that end after sending (`replay --send`, `outbox redrive`): drains the outbox,
 * waiting for the sinks' shared rate limits (never inside an event's invocation: functions run
 * `outboxDelivery(...).pass()`).
 */
export function outboxDeliverer(state: StateStore, sinks: ReadonlyMap<string, AlertSink>, config: Config): () => Promise<DeliveryReport> {
  const delivery = outboxDelivery(state, sinks, config);
  return () => delivery.drain();
}
