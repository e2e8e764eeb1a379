import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../core/errors.js';
import { SLACK_LIMITS, slackLimitViolations, type SlackMessage } from '../../alerts/slack-message.js';
import { SlackSink } from '../../alerts/slack.js';
import { startSlackReceiver, type Receiver } from '../support/receivers.js';
import { openFinding, resolvedFinding, smallStorm } from './finding-fixture.js';

const WEBHOOK_PATH = '/services/T0AAAAAAA/B0BBBBBBB/s3cr3tW3bh00kT0k3n';
const ROUTE_TABLE_URL = 'https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#RouteTableDetails:RouteTableId=rtb-0a1';

let receiver: Receiver;
let sink: SlackSink;

beforeEach(async () => {
  receiver = await startSlackReceiver();
  sink = new SlackSink({ webhookUrl: receiver.url + WEBHOOK_PATH, timeoutMs: 2000 });
});

afterEach(async () => {
  await receiver.close();
});

/** Sends and returns the DeliveryError it must throw, checked to carry no part of the webhook URL. */
async function failedSend(target: SlackSink, webhookUrl: string): Promise<DeliveryError> {
  const error = await target.send(target.build(openFinding())).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DeliveryError);
  const everything = `${String(error)} ${inspect(error, { depth: 10 })}`;
  for (const secret of [webhookUrl, WEBHOOK_PATH, 's3cr3tW3bh00kT0k3n']) expect(everything).not.toContain(secret);
  return error as DeliveryError;
}

/** Checks the limits independently of `slackLimitViolations`. */
function expectWithinLimits(message: SlackMessage): void {
  const all: string[] = [message.text];
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  for (const block of message.blocks) {
    if (block.type === 'header') {
      expect(block.text.text.length).toBeLessThanOrEqual(150);
      all.push(block.text.text);
    } else if (block.type === 'context') {
      expect(block.elements.length).toBeLessThanOrEqual(10);
      all.push(...block.elements.map((e) => e.text));
    } else if ('fields' in block) {
      expect(block.fields.length).toBeLessThanOrEqual(10);
      for (const field of block.fields) expect(field.text.length).toBeLessThanOrEqual(2000);
      all.push(...block.fields.map((f) => f.text));
    } else {
      expect(block.text.text.length).toBeLessThanOrEqual(3000);
      expect(block.text.text.length).toBeGreaterThan(0);
      all.push(block.text.text);
    }
  }
  expect(all.join('').length).toBeLessThan(13_000);
  expect(slackLimitViolations(message)).toEqual([]);
}

describe('SlackSink over HTTP', () => {
  it('posts the exact blocks for an open finding', async () => {
    await sink.send(sink.build(openFinding()));

    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.method).toBe('POST');
    expect(receiver.requests[0]?.path).toBe(WEBHOOK_PATH);
    expect(receiver.requests[0]?.body).toEqual({
      text: '[CRITICAL] route.default-added: 0.0.0.0/0 → nat-0abc on rtb-0a1',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '[CRITICAL] route.default-added' } },
        { type: 'section', text: { type: 'mrkdwn', text: '0.0.0.0/0 → nat-0abc on rtb-0a1' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*What changed*\nBaseline: (none)\nObserved: 0.0.0.0/0 → nat:nat-0abc' },
            { type: 'mrkdwn', text: '*Who*\narn:aws:iam::111122223333:user/alice\nfrom 203.0.113.7\nvia aws-cli/2.15.0 Python/3.11.6' },
            { type: 'mrkdwn', text: '*Where*\naws 111122223333 eu-west-1\nroute-table rtb-0a1' },
            { type: 'mrkdwn', text: '*Opened at*\n2026-11-26T10:00:02Z\nchanged at 2026-11-26T10:00:00Z' },
          ],
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: '*Hint:* Delete the route: aws ec2 delete-route --route-table-id rtb-0a1 --destination-cidr-block 0.0.0.0/0' },
            { type: 'mrkdwn', text: `<${ROUTE_TABLE_URL}|Open in AWS console>` },
          ],
        },
      ],
    });
  });

  it('posts the exact blocks for its resolve: what the resource is now, both processing times with their change times', async () => {
    await sink.send(sink.build(resolvedFinding()));

    expect(receiver.requests[0]?.body).toEqual({
      text: 'Resolved: route.default-added: route 0.0.0.0/0 is gone from rtb-0a1, as in the baseline',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Resolved: route.default-added' } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*Now:* route 0.0.0.0/0 is gone from rtb-0a1, as in the baseline.\n*Opened for:* 0.0.0.0/0 → nat-0abc on rtb-0a1',
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Resolved by*\narn:aws:iam::111122223333:user/bob\nfrom 198.51.100.9\nvia console.amazonaws.com' },
            { type: 'mrkdwn', text: '*Where*\naws 111122223333 eu-west-1\nroute-table rtb-0a1' },
            { type: 'mrkdwn', text: '*Resolved at*\n2026-11-26T10:05:01Z\nchanged at 2026-11-26T10:05:00Z' },
            { type: 'mrkdwn', text: '*Opened at*\n2026-11-26T10:00:02Z\nchanged at 2026-11-26T10:00:00Z' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `<${ROUTE_TABLE_URL}|Open in AWS console>` }] },
      ],
    });
  });

  it('escapes mrkdwn control characters from outside text', () => {
    const finding = openFinding();
    finding.actor.userAgent = '<!channel> & <https://evil.example|click>';

    const who = sink.build(finding).blocks[2];

    expect(who).toMatchObject({ fields: expect.arrayContaining([
      { type: 'mrkdwn', text: expect.stringContaining('via &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;') },
    ]) });
  });
});

describe('SlackSink limits', () => {
  it('keeps a finding with a 20k-character value and 500 subnets within limits', async () => {
    const finding = openFinding();
    const subnets = Array.from({ length: 500 }, (_, i) => `subnet-${String(i).padStart(17, '0')}`);
    finding.baseline = { kind: 'route-table', id: 'rtb-0a1', region: 'eu-west-1', routes: [], subnets };
    finding.observed = { ...(finding.baseline as object), note: '&<>'.repeat(7000), subnets: [...subnets, 'subnet-x'] };
    finding.summary = `0.0.0.0/0 → nat-0abc on ${'x'.repeat(20_000)}`;
    finding.hint = '<&>'.repeat(5000);
    finding.actor.userAgent = 'ua/'.repeat(5000);

    const message = sink.build(finding);
    await sink.send(message);

    expectWithinLimits(message);
    expect(message.blocks[1]).toMatchObject({ text: { text: expect.stringMatching(/… \(\+\d+ chars\)$/) } });
    expect(receiver.requests[0]?.body).toEqual(message);
  });

  it('reports what breaks a limit', () => {
    const message: SlackMessage = {
      text: 'x',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
    };

    expect(slackLimitViolations(message)).toEqual([`block 0 header text: 151 > ${SLACK_LIMITS.headerChars}`]);
  });
});

describe('SlackSink storms', () => {
  it('posts the exact blocks for a storm of three: most urgent first, the resolved one as resolved', async () => {
    await sink.send(sink.buildGroup(smallStorm()));

    expect(receiver.requests[0]?.body).toEqual({
      text: '[CRITICAL] 3 findings from event ev-create-1',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '[CRITICAL] 3 findings from event ev-create-1' } },
        { type: 'section', text: { type: 'mrkdwn', text: '[CRITICAL] route.default-added — rtb-0a1: 0.0.0.0/0 → nat-0abc on rtb-0a1' } },
        { type: 'section', text: { type: 'mrkdwn', text: '[MEDIUM] route.added — rtb-0b2: 10.1.0.0/16 → pcx-01 on rtb-0b2' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'Resolved: route.added — rtb-0c3: route 10.2.0.0/16 is gone from rtb-0c3, as in the baseline' } },
      ],
    });
  });

  it('lists as many of a storm of 500 as fit in Slack\'s limits and counts the rest', async () => {
    const findings = Array.from({ length: 500 }, (_, i) => {
      const finding = openFinding();
      finding.resource = `rtb-${String(i).padStart(4, '0')}`;
      finding.summary = `0.0.0.0/0 → nat-0abc on rtb-${String(i).padStart(4, '0')} <${'&'.repeat(200 + i)}>`;
      return finding;
    });

    const message = sink.buildGroup({ cause: 'principal arn:aws:iam::111122223333:user/alice', key: 'storm:principal:alice', findings });
    await sink.send(message);

    expectWithinLimits(message);
    const sections = message.blocks.filter((b) => b.type === 'section');
    expect(sections.length).toBeGreaterThan(10);
    expect(sections.length).toBeLessThan(48);
    expect(message.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `… and ${500 - sections.length} more (see \`netdrift findings list\`)` }],
    });
    expect(receiver.requests[0]?.body).toEqual(message);
  });

  it('lists a storm of 48 short findings whole, and 48 of 49 with the closing count', () => {
    const storm = (count: number): SlackMessage => sink.buildGroup({
      cause: 'event ev-1', key: 'k', findings: Array.from({ length: count }, () => openFinding()),
    });

    expect(storm(48).blocks).toHaveLength(49);
    expect(storm(48).blocks.at(-1)?.type).toBe('section');
    expect(storm(49).blocks).toHaveLength(50);
    expect(storm(49).blocks.at(-1)).toMatchObject({ type: 'context', elements: [{ text: expect.stringMatching(/^… and 1 more/) }] });
    expect(slackLimitViolations(storm(49))).toEqual([]);
  });

  it('declares Slack\'s rate limit of one message a second', () => {
    expect(sink.rateLimit).toEqual({ count: 1, intervalMs: 1000 });
  });
});

describe('SlackSink failures', () => {
  it('429 is retryable after Retry-After seconds, in milliseconds', async () => {
    receiver.respondWith({ status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' });

    const error = await failedSend(sink, receiver.url + WEBHOOK_PATH);

    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(30_000);
    expect(error.message).toBe('slack: rate limited (HTTP 429): rate_limited; retry after 30000 ms');
  });

  it('503 is retryable', async () => {
    receiver.respondWith({ status: 503, body: 'service_unavailable' });

    const error = await failedSend(sink, receiver.url + WEBHOOK_PATH);

    expect(error.retryable).toBe(true);
    expect(error.message).toContain('HTTP 503');
  });

  it('400 is not retryable and quotes Slack\'s error', async () => {
    receiver.respondWith({ status: 400, body: 'invalid_blocks' });

    const error = await failedSend(sink, receiver.url + WEBHOOK_PATH);

    expect(error.retryable).toBe(false);
    expect(error.message).toBe('slack: rejected the alert (HTTP 400): invalid_blocks');
  });

  it('an error body quoting the webhook URL is redacted', async () => {
    receiver.respondWith({ status: 404, body: `no_service: ${receiver.url + WEBHOOK_PATH}` });

    const error = await failedSend(sink, receiver.url + WEBHOOK_PATH);

    expect(error.retryable).toBe(false);
    expect(error.message).toContain('no_service: [redacted]');
  });

  it('a timeout is retryable', async () => {
    const quick = new SlackSink({ webhookUrl: receiver.url + WEBHOOK_PATH, timeoutMs: 100 });
    receiver.respondWith({ status: 200, body: 'ok', delayMs: 2000 });

    const error = await failedSend(quick, receiver.url + WEBHOOK_PATH);

    expect(error.retryable).toBe(true);
    expect(error.message).toBe('slack: timed out after 100 ms');
  });

  it('a refused connection is retryable', async () => {
    const gone = await startSlackReceiver();
    await gone.close();
    const unreachable = new SlackSink({ webhookUrl: gone.url + WEBHOOK_PATH });

    const error = await failedSend(unreachable, gone.url + WEBHOOK_PATH);

    expect(error.retryable).toBe(true);
    expect(error.message).toBe('slack: network error (ECONNREFUSED)');
  });
});
