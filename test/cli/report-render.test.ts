import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempTree } from '../support/cli.js';
import { decodePng, hasChromium, pixelsNear, renderedDom, screenshot } from '../support/chromium.js';
import { ACCOUNT, baseline, cloudTrail, eventBridge } from './aws-events.js';

/** The default route sent to the internet, the S3 endpoint gone, a peering route added: one finding of each severity band. */
const candidate = {
  ...baseline,
  capturedAt: '2026-12-01T00:00:00Z',
  resources: [{
    ...baseline.resources[0],
    routes: [
      { destination: '10.0.0.0/16', target: { type: 'local' } }, { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-0abc' } },
      { destination: '10.9.0.0/16', target: { type: 'peering', id: 'pcx-09' } },
    ],
  }],
};

/** Screenshots are kept here (not committed; CI can keep them as artifacts). */
const ARTIFACTS = join(ROOT, '.artifacts');

let dir = '';
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); dir = ''; });

const needsChromium = hasChromium || process.env.CI === 'true' ? describe : describe.skip;
if (!hasChromium && process.env.CI !== 'true') console.warn('skipping the HTML report rendering: Debian chromium is not installed (apt-get install chromium)');

needsChromium('the HTML report, rendered in headless Chromium', () => {
  it('snapshot diff --format html renders the summary and every finding, critical in red, and is kept as a screenshot', async () => {
    dir = await tempTree({ [`baselines/aws/${ACCOUNT}.json`]: baseline, [`baselines/aws/${ACCOUNT}.candidate.json`]: candidate });

    const result = await runCli(['snapshot', 'diff', '--cloud', 'aws', '--account', ACCOUNT, '--baseline', join(dir, 'baselines'), '--format', 'html']);

    expect(result.code).toBe(0);
    const page = join(dir, 'report.html');
    await writeFile(page, result.stdout);
    const dom = await renderedDom(page);
    expect(dom).toContain(`<title>netdrift snapshot diff: aws/${ACCOUNT}</title>`);
    expect(dom.match(/<tr class="open">/g)).toHaveLength(3);
    expect(dom).toMatch(/<td><code>route\.target-changed<\/code><\/td>/);
    await mkdir(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, 'snapshot-diff-report.png');
    await screenshot(page, png);
    const image = decodePng(await readFile(png));
    expect([image.width, image.height]).toEqual([1280, 900]);
    // The critical badge's red and the table's header grey are on screen: the page was laid out and styled, not blank.
    expect(pixelsNear(image, '#b3261e', 8)).toBeGreaterThan(100);
    expect(pixelsNear(image, '#f6f8fa', 2)).toBeGreaterThan(1000);
  }, 120_000);

  it('findings list --format html renders the findings of a state file', async () => {
    const toIgw = eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }));
    const endpointGone = eventBridge(cloudTrail('DeleteVpcEndpoints', { DeleteVpcEndpointsRequest: { VpcEndpointId: [{ content: 'vpce-0s301', tag: 1 }] } }));
    dir = await tempTree({ [`baselines/aws/${ACCOUNT}.json`]: baseline, 'events.json': [toIgw, endpointGone] });
    const state = join(dir, 'state.sqlite');
    const replayed = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--state', state, join(dir, 'events.json')]);
    expect(replayed.code, replayed.stderr).toBe(0);

    const result = await runCli(['findings', 'list', '--state', state, '--format', 'html']);

    expect(result.code).toBe(0);
    const page = join(dir, 'findings.html');
    await writeFile(page, result.stdout);
    const dom = await renderedDom(page);
    expect(dom.match(/<tr class="open">/g)).toHaveLength(2);
    expect(dom).toContain('<code>private-endpoint.deleted</code>');
  }, 120_000);
});
