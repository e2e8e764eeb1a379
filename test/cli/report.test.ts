import { describe, expect, it } from 'vitest';
import { findingTransitions } from '../../core/finding-transitions.js';
import { diffSnapshots } from '../../core/snapshot-diff.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../core/snapshot.js';
import { findingsHtml, findingsMarkdown, summarize, summaryText } from '../../cli/report.js';

const scope = { cloud: 'aws', account: '111122223333' } as const;

function snapshot(resources: Snapshot['resources']): Snapshot {
  return { schema: SNAPSHOT_SCHEMA, scope, capturedAt: '2026-11-26T00:00:00Z', resources };
}

const BASELINE = snapshot([
  { kind: 'route-table', id: 'rtb-01', region: 'eu-west-1', network: 'vpc-01', subnets: ['subnet-01'],
    routes: [{ destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-01' } }] },
  { kind: 'private-endpoint', id: 'vpce-01', region: 'eu-west-1', network: 'vpc-01', service: 'com.amazonaws.eu-west-1.s3', privateDns: true },
]);

/** Real findings: the rules' own output for a candidate that re-points the default route and drops the endpoint. */
function findings(candidate: Snapshot) {
  const from = { operation: 'snapshot diff', eventId: 'candidate:abc', actor: {}, eventTime: candidate.capturedAt };
  return findingTransitions(scope, diffSnapshots(BASELINE, candidate), [], from, '2026-12-02T08:00:00.000Z', true).opened;
}

const DRIFTED = snapshot([
  { kind: 'route-table', id: 'rtb-01', region: 'eu-west-1', network: 'vpc-01', subnets: ['subnet-01'],
    routes: [{ destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } }, { destination: '10.9.0.0/16', target: { type: 'peering', id: 'pcx-9' } }] },
]);

const CONTEXT = { title: 'netdrift snapshot diff: aws/111122223333', subtitle: 'candidate against baseline', generatedAt: '2026-12-02T08:00:00.000Z' };

describe('review summaries', () => {
  it('counts per severity, kind and rule, and names the critical findings', () => {
    const summary = summarize(findings(DRIFTED));
    expect(summary.total).toBe(3);
    expect(summary.bySeverity).toEqual([['critical', 1], ['high', 1], ['medium', 1]]);
    expect(summary.byKind).toEqual([['route-table', 2], ['private-endpoint', 1]]);
    expect(summary.byRule).toEqual([['private-endpoint.deleted', 1], ['route.added', 1], ['route.target-changed', 1]]);
    expect(summary.critical.map((f) => f.rule)).toEqual(['route.target-changed']);
  });

  it('prints a short summary for the terminal', () => {
    const text = summaryText(findings(DRIFTED));
    expect(text.split('\n').slice(0, 3)).toEqual([
      'summary: 3 finding(s): 1 critical, 1 high, 1 medium',
      '  by kind: 2 route-table, 1 private-endpoint',
      '  by rule: 1 private-endpoint.deleted, 1 route.added, 1 route.target-changed',
    ]);
    expect(text).toMatch(/^ {2}critical: route\.target-changed rtb-01: route 0\.0\.0\.0\/0 on rtb-01 .*igw-01/m);
    expect(summaryText([])).toBe('summary: no drift\n');
  });

  it('writes Markdown for a pull request comment, critical first, record text escaped', () => {
    const markdown = findingsMarkdown(findings(DRIFTED), CONTEXT);
    const lines = markdown.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      '### netdrift snapshot diff: aws/111122223333', '', 'candidate against baseline', '',
      '**3 finding(s):** 1 critical, 1 high, 1 medium', '',
      'By kind: 2 route-table, 1 private-endpoint  ', 'By rule: 1 private-endpoint.deleted, 1 route.added, 1 route.target-changed',
    ]);
    const table = lines.filter((line) => line.startsWith('| '));
    expect(table[0]).toBe('| status | severity | rule | account | resource | summary |');
    expect(table.slice(1).map((row) => row.split(' | ')[1])).toEqual(['critical', 'high', 'medium']);
    expect(table[1]).toBe('| open | critical | `route.target-changed` | aws:111122223333 | '
      + '[rtb-01](https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#RouteTableDetails:RouteTableId=rtb-01) | '
      + 'route 0.0.0.0/0 on rtb-01 now points to internet:igw-01 (was nat:nat-01) |');
    expect(markdown.endsWith('<sub>netdrift, 2026-12-02T08:00:00.000Z</sub>\n')).toBe(true);
  });

  it('escapes Markdown and HTML that arrives in a record value', () => {
    const [finding] = findings(DRIFTED);
    const hostile = { ...finding!, summary: 'x | <img src=x onerror=alert(1)> [click](http://evil) @here' };
    const markdown = findingsMarkdown([hostile], CONTEXT);
    expect(markdown).toContain('x \\| \\<img src=x onerror=alert(1)\\> \\[click\\](http://evil) @here');
    const html = findingsHtml([hostile], CONTEXT);
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('writes a self-contained HTML page: no script, no external resource', () => {
    const html = findingsHtml(findings(DRIFTED), CONTEXT);
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|@import/);
    expect(html).toContain('<title>netdrift snapshot diff: aws/111122223333</title>');
    expect(html.match(/<tr class="open">/g)).toHaveLength(3);
    expect(findingsHtml([], CONTEXT)).toContain('<p><b>No drift.</b></p>');
  });
});
