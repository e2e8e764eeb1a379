import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DeliveryOutcome } from '../../core/pipeline.js';
import type { OutboxEntry } from '../../core/ports.js';
import { log, logDelivery, reportOutcome as report } from '../shared/log.js';
import { awsRuntime } from './wiring.js';

/** What the drain schedule sends (infra/aws `drain_schedule`): no event, only a pass over the outbox. */
export interface DrainRequest {
  netdrift: 'drain';
}

export type EventsInput = EventBridgeEvent<string, unknown> | SQSEvent | DrainRequest;

function isDrainRequest(event: EventsInput): event is DrainRequest {
  return (event as Partial<DrainRequest>).netdrift === 'drain';
}

export interface EventsResult {
  opened: number;
  resolved: number;
  rejected: number;
}

function isSqsEvent(event: EventsInput): event is SQSEvent {
  return Array.isArray((event as SQSEvent).Records) && (event as SQSEvent).Records.every((r) => r.eventSource === 'aws:sqs');
}

/**
 * The events function: EventBridge → Lambda, or EventBridge → SQS → Lambda. Bad input is
 * reported and acknowledged; a transient failure fails the delivery (EventBridge retries the
 * invocation; SQS redelivers just the failed messages via `batchItemFailures`).
 */
export function createEventsHandler(environment: Record<string, string | undefined>) {
  const runtime = awsRuntime(environment, { cacheReads: true, leaseAlerts: true });
  return async (event: EventsInput): Promise<SQSBatchResponse | EventsResult | { sent: number }> => {
    const { pipeline, deliver, sendLeased } = await runtime();
    // An invocation never waits for a rate limit: what one could not send goes with the next
    // invocation that alerts, or at the latest with this scheduled drain (every minute by default).
    if (isDrainRequest(event)) return { sent: (await deliver()).sent };
    const totals: EventsResult = { opened: 0, resolved: 0, rejected: 0 };
    // The alerts of a finding opened for the first time were committed leased to this container
    // (DynamoDbStateStore.commitLeasing): they are sent at once, without reading the outbox. Any
    // other alert (a resolve, a finding opened again, a misconfiguration) takes one pass over the
    // outbox, which keeps a resolve behind its trigger. An invocation that alerted nothing does not
    // look at the outbox at all: what earlier ones left there (a rate limit, a sink down, a worker
    // killed mid-send, whose lease then ends) is the scheduled drain's.
    const leased: OutboxEntry[] = [];
    let unleased = false;
    const sendAlerts = async () => {
      await sendLeased(leased);
      if (unleased) await deliver();
    };
    const count = (outcome: DeliveryOutcome) => {
      for (const r of outcome.records) {
        totals.opened += r.opened.length;
        totals.resolved += r.resolved.length;
        if (r.status === 'rejected') totals.rejected += 1;
        const sent = new Set((r.leased ?? []).map((e) => e.finding.fingerprint));
        leased.push(...(r.leased ?? []));
        if ([...r.opened, ...r.resolved].some((f) => !sent.has(f.fingerprint))) unleased = true;
      }
    };
    if (isSqsEvent(event)) {
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const message of event.Records) {
        let body: unknown;
        try {
          body = JSON.parse(message.body);
        } catch (error) {
          log('warn', `rejected SQS message ${message.messageId}: body is not JSON (${(error as Error).message})`);
          continue;
        }
        const started = performance.now();
        const outcome = await pipeline.handle(body);
        count(outcome);
        if (report(outcome, `SQS message ${message.messageId}`)) batchItemFailures.push({ itemIdentifier: message.messageId });
        logDelivery(outcome, { source: `SQS message ${message.messageId}`, durationMs: performance.now() - started });
      }
      await sendAlerts();
      return { batchItemFailures };
    }
    const started = performance.now();
    const outcome = await pipeline.handle(event);
    count(outcome);
    const source = `EventBridge event ${(event as EventBridgeEvent<string, unknown>).id ?? ''}`;
    const retry = report(outcome, source);
    // The request id and cold start are Powertools' (lambda-log.ts): every line of the invocation carries them.
    logDelivery(outcome, { source, durationMs: performance.now() - started });
    await sendAlerts();
    if (retry) throw new Error('a transient failure, a misconfiguration or a bug: the event is retried by EventBridge');
    return totals;
  };
}
