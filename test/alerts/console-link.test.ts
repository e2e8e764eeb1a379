import { describe, expect, it } from 'vitest';
import { consoleUrl } from '../../alerts/console-link.js';
import { findingRecord, findingsTable } from '../../cli/finding-output.js';
import type { Finding } from '../../core/finding.js';
import { openFinding } from './finding-fixture.js';

const SUB = 'c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13';
const LONE = '\ud800';

/** A finding whose text was stored before it was made safe at the edge (an old state file, a hand-made row). */
function azureFinding(resource: string): Finding {
  return { ...openFinding(), cloud: 'azure', account: SUB, kind: 'route-table', resource, summary: `route added on ${resource}` };
}

describe('console links from text that is not well formed', () => {
  it('an Azure id with a lone surrogate links with U+FFFD in its place instead of throwing URI malformed', () => {
    const id = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-${LONE}`;

    const url = consoleUrl(azureFinding(id));

    expect(url).toBe(`https://portal.azure.com/#@/resource/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-%EF%BF%BD`);
  });

  it('an AWS id and region, and a GCP path, with lone surrogates link too', () => {
    const aws = { ...openFinding(), resource: `rtb-${LONE}`, region: `eu-west-1${LONE}` };
    const gcp = { ...openFinding(), cloud: 'gcp' as const, account: `p${LONE}`, kind: 'subnet' as const, resource: `projects/p/regions/r/subnetworks/s${LONE}` };

    expect(consoleUrl(aws)).toBe('https://eu-west-1%EF%BF%BD.console.aws.amazon.com/vpcconsole/home?region=eu-west-1%EF%BF%BD#RouteTableDetails:RouteTableId=rtb-%EF%BF%BD');
    expect(consoleUrl(gcp)).toBe('https://console.cloud.google.com/networking/subnetworks/details/r/s%EF%BF%BD?project=p');
  });

  it('a finding of a kind no table knows has no link, and no error', () => {
    const finding = { ...openFinding(), kind: 'load-balancer' as unknown as Finding['kind'] };

    expect(consoleUrl(finding)).toBeUndefined();
  });
});

describe('finding output from text that is not well formed', () => {
  it('the JSON line of findings list and replay is written, its link safe', () => {
    const finding = azureFinding(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-${LONE}`);

    const line = JSON.stringify(findingRecord(finding));

    expect(JSON.parse(line)).toMatchObject({ resource: finding.resource, link: expect.stringContaining('rt-%EF%BF%BD') as unknown });
  });

  it('the table keeps one row per finding: control characters are escaped, lone surrogates replaced', () => {
    const finding = { ...openFinding(), summary: `route\nadded\u0007 on rtb-${LONE}` };

    const table = findingsTable([finding]);

    expect(table.split('\n').filter(Boolean)).toHaveLength(2);
    expect(table).toContain('route\\u000aadded\\u0007 on rtb-\ufffd');
  });

  it('a finding that clamped a future event time says so in its JSON line', () => {
    const finding = { ...openFinding(), clockSkew: { claimed: '2099-01-01T00:00:00Z', receivedAt: '2026-11-26T10:00:00.000Z' } };

    expect(findingRecord(finding)).toMatchObject({ clockSkew: { claimed: '2099-01-01T00:00:00Z' } });
  });
});
