import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsoleSink } from '../../alerts/console.js';
import { openFinding, resolvedFinding, smallStorm } from './finding-fixture.js';

function captured(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('ConsoleSink', () => {
  it('writes one line with status, severity, rule, resource and the drift, or for a resolve what the resource is now', async () => {
    const out = captured();
    const sink = new ConsoleSink(out.stream);

    await sink.send(sink.build(openFinding()));
    await sink.send(sink.build(resolvedFinding()));

    expect(out.text()).toBe(
      'OPEN CRITICAL route.default-added rtb-0a1: 0.0.0.0/0 → nat-0abc on rtb-0a1\n'
      + 'RESOLVED CRITICAL route.default-added rtb-0a1: route 0.0.0.0/0 is gone from rtb-0a1, as in the baseline\n',
    );
  });

  it('keeps outside text on one line, without escape sequences', () => {
    const finding = openFinding();
    finding.summary = 'route added\n\u001b[2Jby someone';

    expect(new ConsoleSink(new PassThrough()).build(finding)).toBe(
      'OPEN CRITICAL route.default-added rtb-0a1: route added [2Jby someone',
    );
  });

  it('writes a storm as one line per finding, each prefixed with the cause', async () => {
    const out = captured();
    const sink = new ConsoleSink(out.stream);

    await sink.send(sink.buildGroup(smallStorm()));

    expect(out.text()).toBe(
      '[event ev-create-1] RESOLVED HIGH route.added rtb-0c3: route 10.2.0.0/16 is gone from rtb-0c3, as in the baseline\n'
      + '[event ev-create-1] OPEN MEDIUM route.added rtb-0b2: 10.1.0.0/16 → pcx-01 on rtb-0b2\n'
      + '[event ev-create-1] OPEN CRITICAL route.default-added rtb-0a1: 0.0.0.0/0 → nat-0abc on rtb-0a1\n',
    );
  });
});
