import { describe, expect, it } from 'vitest';
import { stateStoreError } from '../../adapters/aws/dynamodb-errors.js';
import { ConsoleSink } from '../../alerts/console.js';
import { PagerDutySink } from '../../alerts/pagerduty.js';
import { slackMessage, slackLimitViolations } from '../../alerts/slack-message.js';
import { WebhookSink } from '../../alerts/webhook.js';
import { statusOf } from '../../cli/http-server.js';
import {
  classify, ConfigError, ConflictError, NetdriftError, OperatorError, ParseError, PermanentReadError, TransientError,
} from '../../core/errors.js';
import { misconfiguredFinding } from '../../core/misconfigured.js';
import type { RecordOutcome } from '../../core/pipeline.js';

const SCOPE = { cloud: 'aws', account: '111122223333' } as const;
const invalid = () => new OperatorError('baseline-invalid', 'baselines/aws/111122223333.json: invalid JSON: the document ends too early (truncated?) at line 3 column 1',
  'correct or restore baselines/aws/111122223333.json (netdrift snapshot capture, then approve)', { location: 'baselines/aws/111122223333.json' });
const failed = (cls: RecordOutcome['class']): RecordOutcome => ({ status: 'failed', retryable: true, class: cls, reason: 'r', opened: [], resolved: [] });

describe('classify: one meaning per error', () => {
  it('bad input, transient, operator, bug', () => {
    expect([
      new ParseError('CloudTrail record: eventTime missing'),
      new TransientError('throttled'), new ConflictError('lost a race'),
      invalid(), new ConfigError('config sinks.slack.webhookUrl: Invalid URL'),
      new TypeError('x is undefined'), new NetdriftError('item too large'), new PermanentReadError('gone'), 'a string',
    ].map(classify)).toEqual(['bad-input', 'transient', 'transient', 'operator', 'operator', 'bug', 'bug', 'bug', 'bug']);
  });

  it('a bad configuration is an operator error with its cause code', () => {
    expect(new ConfigError('config x: bad')).toMatchObject({ name: 'ConfigError', code: 'config-invalid', fix: 'correct the setting it names' });
  });

  it('DynamoDB: a missing table and a denied call are operator errors naming the table; throttling is transient', () => {
    const sdk = (name: string, status: number) => Object.assign(new Error(`${name} from the service`), { name, $metadata: { httpStatusCode: status } });

    const missing = stateStoreError('claim', 'netdrift-state', sdk('ResourceNotFoundException', 400));
    const denied = stateStoreError('commit', 'netdrift-state', sdk('AccessDeniedException', 400));
    const throttled = stateStoreError('commit', 'netdrift-state', sdk('ThrottlingException', 400));

    expect(missing).toMatchObject({ code: 'store-missing', fix: expect.stringContaining('create the DynamoDB table netdrift-state') });
    expect(denied).toMatchObject({ code: 'access-denied', location: 'DynamoDB table netdrift-state' });
    expect(classify(throttled)).toBe('transient');
  });
});

describe('serve: the status of a delivery by what its records mean', () => {
  it('503 for operator errors, transients and bugs alike (the platform retries); 400 only when all is bad input', () => {
    const rejected: RecordOutcome = { status: 'rejected', class: 'bad-input', reason: 'not an event', opened: [], resolved: [] };

    expect([failed('operator'), failed('transient'), failed('bug')].map((r) => statusOf({ records: [r, rejected] }).status)).toEqual([503, 503, 503]);
    expect(statusOf({ records: [rejected] }).status).toBe(400);
    expect(statusOf({ records: [failed('operator')] }).body).toMatchObject({ records: [{ status: 'failed', class: 'operator' }] });
  });
});

describe('the netdrift.misconfigured finding in every sink', () => {
  const finding = misconfiguredFinding(SCOPE, invalid(), 'evt-1', '2026-12-02T04:00:00.000Z');

  it('is critical, one per account and cause, names the file and the fix, and has no console link', () => {
    const other = misconfiguredFinding(SCOPE, new OperatorError('baseline-scope', 'm', 'f'), 'evt-2', '2026-12-02T04:00:00.000Z');
    const again = misconfiguredFinding(SCOPE, invalid(), 'evt-3', '2026-12-02T05:00:00.000Z');

    expect(finding).toMatchObject({ rule: 'netdrift.misconfigured', severity: 'critical', item: 'baseline-invalid', hint: invalid().fix });
    expect(again.fingerprint).toBe(finding.fingerprint);
    expect(other.fingerprint).not.toBe(finding.fingerprint);
    const slack = slackMessage(finding);
    expect(slackLimitViolations(slack)).toEqual([]);
    expect(JSON.stringify(slack.blocks)).toContain('netdrift baselines/aws/111122223333.json (baseline-invalid)');
    expect(JSON.stringify(slack.blocks)).not.toContain('console');
  });

  it('PagerDuty, webhook and console sinks build it', () => {
    const pagerduty = new PagerDutySink({ routingKey: 'r'.repeat(32), url: 'http://127.0.0.1:9/v2/enqueue' }).build(finding);
    const webhook = new WebhookSink({ url: 'http://127.0.0.1:9/hook', secret: 's'.repeat(16) }).build(finding);
    const line = new ConsoleSink().build(finding);

    expect(pagerduty).toMatchObject({ event_action: 'trigger', dedup_key: finding.fingerprint, payload: { severity: 'critical' } });
    expect(JSON.stringify(webhook)).toContain('baseline-invalid');
    expect(line).toContain('netdrift.misconfigured');
  });
});
