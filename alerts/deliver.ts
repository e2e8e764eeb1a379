import type { Config } from '../core/config.js';
import { DeliveryError, oneLine } from '../core/errors.js';
import type { Finding, RuleId } from '../core/finding.js';
import type { AlertSink, OutboxEntry, StateStore } from '../core/ports.js';
import { atLeast } from '../core/severity.js';
import { ConsoleSink } from './console.js';
import { PagerDutySink } from './pagerduty.js';
import { SlackSink } from './slack.js';

/** One outbox entry that could not be delivered; it stays in the outbox for a later run. */
export interface DeliveryFailure {
  sink: string;
  fingerprint: string;
  rule: RuleId;
  /** One line, free of secrets. */
  error: string;
  retryable: boolean;
  retryAfterMs?: number;
}

/** What one pass over the outbox did. */
export interface DeliveryReport {
  sent: number;
  failed: DeliveryFailure[];
  /** Entries not tried because an earlier one for the same finding and sink failed. */
  deferred: number;
}

export interface DeliverOptions {
  /** At most this many outbox entries in one pass. */
  limit?: number;
}

interface LaneResult {
  sent: number;
  failed: DeliveryFailure[];
  deferred: number;
}

function failure(entry: OutboxEntry, error: unknown): DeliveryFailure {
  const delivery = error instanceof DeliveryError ? error : undefined;
  return {
    sink: entry.sink,
    fingerprint: entry.finding.fingerprint,
    rule: entry.finding.rule,
    error: oneLine(error),
    // A sink that throws something else has a bug: trying again will not fix it.
    retryable: delivery?.retryable ?? false,
    ...(delivery?.retryAfterMs === undefined ? {} : { retryAfterMs: delivery.retryAfterMs }),
  };
}

/**
 * Sends one sink's entries in order. After a failure, the later entries for the same
 * fingerprint wait for the next pass, so a resolve never overtakes its trigger.
 */
async function deliverLane(store: StateStore, sink: AlertSink | undefined, entries: readonly OutboxEntry[]): Promise<LaneResult> {
  const result: LaneResult = { sent: 0, failed: [], deferred: 0 };
  const blocked = new Set<string>();
  for (const entry of entries) {
    if (blocked.has(entry.finding.fingerprint)) {
      result.deferred += 1;
      continue;
    }
    try {
      if (!sink) throw new DeliveryError(`unknown sink "${entry.sink}": not configured`, false);
      await sink.send(sink.build(entry.finding));
    } catch (error) {
      const failed = failure(entry, error);
      await store.outboxFailed(entry.id, failed.error);
      result.failed.push(failed);
      blocked.add(entry.finding.fingerprint);
      continue;
    }
    await store.outboxDelivered(entry.id);
    result.sent += 1;
  }
  return result;
}

/**
 * Delivers the pending outbox: each entry is built and sent by its sink, then marked delivered,
 * or marked failed and kept for a later pass (never dropped). An entry naming a sink that is not
 * in `sinks` fails too. Sinks are served concurrently, each sink's entries one at a time, oldest
 * first. A store failure rejects, once every sink has stopped.
 */
export async function deliverOutbox(
  store: StateStore,
  sinks: ReadonlyMap<string, AlertSink>,
  options: DeliverOptions = {},
): Promise<DeliveryReport> {
  const pending = await store.pendingOutbox(options.limit);
  // Stable: entries created together keep the store's order.
  const ordered = [...pending].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const lanes = new Map<string, OutboxEntry[]>();
  for (const entry of ordered) {
    const lane = lanes.get(entry.sink);
    if (lane) lane.push(entry);
    else lanes.set(entry.sink, [entry]);
  }
  const settled = await Promise.allSettled(
    [...lanes].map(([name, entries]) => deliverLane(store, sinks.get(name), entries)),
  );
  const report: DeliveryReport = { sent: 0, failed: [], deferred: 0 };
  for (const lane of settled) {
    if (lane.status === 'rejected') throw lane.reason;
    report.sent += lane.value.sent;
    report.failed.push(...lane.value.failed);
    report.deferred += lane.value.deferred;
  }
  return report;
}

/** The sinks netdrift knows, in the order they are listed and routed. */
export const SINK_NAMES = ['console', 'slack', 'pagerduty'] as const;
export type SinkName = (typeof SINK_NAMES)[number];

export interface SinksFromConfigOptions {
  /** Where the console sink writes; stdout by default. */
  stdout?: NodeJS.WritableStream;
  /** Timeout of each HTTP send, in milliseconds. */
  timeoutMs?: number;
}

type Sinks = Config['sinks'];
type SinkFactory<N extends SinkName> = (config: NonNullable<Sinks[N]>, options: SinksFromConfigOptions) => AlertSink;

const SINK_FACTORIES: { readonly [N in SinkName]: SinkFactory<N> } = {
  console: (_config, options) => new ConsoleSink(options.stdout),
  slack: (config, options) => new SlackSink({ webhookUrl: config.webhookUrl, timeoutMs: options.timeoutMs }),
  pagerduty: (config, options) => new PagerDutySink({ routingKey: config.routingKey, url: config.url, timeoutMs: options.timeoutMs }),
};

function sinkFromConfig<N extends SinkName>(name: N, config: Config, options: SinksFromConfigOptions): AlertSink | undefined {
  const sinkConfig = config.sinks[name];
  return sinkConfig ? SINK_FACTORIES[name](sinkConfig, options) : undefined;
}

/** The configured sinks by name (`console`, `slack`, `pagerduty`): the map `deliverOutbox` sends with. */
export function sinksFromConfig(config: Config, options: SinksFromConfigOptions = {}): Map<string, AlertSink> {
  const sinks = new Map<string, AlertSink>();
  for (const name of SINK_NAMES) {
    const sink = sinkFromConfig(name, config, options);
    if (sink) sinks.set(name, sink);
  }
  return sinks;
}

/**
 * The names of the configured sinks a finding goes to: those whose `minSeverity` its severity
 * reaches. A resolved finding keeps its severity, so its resolve goes wherever its open went.
 */
export function routeFinding(config: Config, finding: Finding): string[] {
  return SINK_NAMES.filter((name) => {
    const sinkConfig = config.sinks[name];
    return sinkConfig !== undefined && atLeast(finding.severity, sinkConfig.minSeverity);
  });
}
