import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { statusOf } from '../../cli/http-server.js';
import { oneLine } from '../../core/errors.js';
import { log, logDelivery, reportOutcome } from '../shared/log.js';
import { authRequestOf, json, parseBody } from './http.js';
import { azureRuntime, eventGridAuth } from './wiring.js';

/**
 * The Event Grid webhook (`POST /api/events`), both schemas. Authenticated first (the query secret
 * or an Entra ID token): anything else is a 401, before a byte is parsed. Then:
 * - the EventGrid schema's `SubscriptionValidationEvent` → 200 `{validationResponse}`;
 * - the CloudEvents abuse-protection handshake (`OPTIONS`, `WebHook-Request-Origin`) → 200 with
 *   `WebHook-Allowed-Origin`;
 * - events → 200; bad input → 400 (Event Grid dead-letters it, never retries); a transient
 *   failure, a misconfiguration or a bug → 503 (Event Grid retries, nothing is lost meanwhile).
 * https://learn.microsoft.com/azure/event-grid/webhook-event-delivery
 */
export function createEventsHandler(environment: Record<string, string | undefined>, runtime = azureRuntime(environment)) {
  const authenticator = eventGridAuth(environment);
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const delivery = await authRequestOf(request);
    let verdict;
    try {
      verdict = await (await authenticator())(delivery);
    } catch (error) {
      log('error', `events: authentication could not be decided: ${oneLine(error)}`, { invocationId: context.invocationId });
      return json(503, { error: 'authentication could not be decided; retry' });
    }
    if (!verdict.ok) {
      log('warn', `events: refused: ${verdict.reason}`, { invocationId: context.invocationId });
      return json(401, { error: 'unauthorized' });
    }
    const origin = request.headers.get('webhook-request-origin');
    if (request.method === 'OPTIONS') {
      if (origin === null) return json(400, { error: 'OPTIONS without WebHook-Request-Origin' });
      return { status: 200, headers: { 'WebHook-Allowed-Origin': origin, 'WebHook-Allowed-Rate': '*' } };
    }
    const body = parseBody(delivery.body);
    if (!body.ok) {
      log('warn', `events: rejected: ${body.reason}`, { invocationId: context.invocationId });
      return json(400, { error: body.reason });
    }
    let deps;
    try {
      deps = await runtime();
    } catch (error) {
      log('error', `events: set-up failed: ${oneLine(error)}`, { invocationId: context.invocationId });
      return json(503, { error: 'set-up failed; retry' });
    }
    const { pipeline, deliver } = deps;
    const started = performance.now();
    const outcome = await pipeline.handle(body.value);
    reportOutcome(outcome, `Event Grid delivery (${verdict.principal})`);
    logDelivery(outcome, { source: 'Event Grid', requestId: context.invocationId, durationMs: performance.now() - started });
    const code = outcome.records.find((r) => r.validationCode)?.validationCode;
    if (code) return json(200, { validationResponse: code });
    await deliver();
    const answer = statusOf(outcome, 400);
    return json(answer.status === 202 ? 200 : answer.status, answer.body);
  };
}
