import { execFile, execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { ROOT, tempTree } from '../support/cli.js';
import { startIdentityEndpoint } from '../support/fake-arm.js';

/**
 * Issue 12 through the BUILT CLI: `snapshot capture --cloud azure` into a folder writes what it lists as it
 * lists it, so the CLI's peak RSS does not grow with the subscription. The stand-in is a minimal ARM that
 * makes each page of route tables as it is asked for (test/support/fake-arm.ts reads every route table's
 * subnets across its whole store per item: quadratic, minutes at these sizes). It runs in this process, so
 * it does not count in the child's RSS.
 */
const SUB = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const HEADER = 'rss-identity-header';
const PAGE = 500;
const SMALL = 15_000;
const LARGE = 4 * SMALL;
/** What a fourfold subscription may add to the peak: well under what holding it whole costs (~360 MiB more). */
const MARGIN_KIB = 64 * 1024;
/** The old-space limit both captures run under (MiB). */
const HEAP_CAP_MIB = 96;
/**
 * Both sizes past the size where a snapshot becomes a folder of parts (README, "Snapshot format"): below it the
 * writer keeps the one file's text until it knows which it will be, up to 32 MiB by default, a bound of its own.
 */
const FILE_BYTES = String(4 * 1024 * 1024);

let size = 0;
/** The `$skipToken` whose page is refused (403), if any. */
let deniedAt: number | undefined;
let server: Server;
let url = '';
let identity: Awaited<ReturnType<typeof startIdentityEndpoint>>;
let env: Record<string, string>;

function routeTable(index: number): Record<string, unknown> {
  const id = `/subscriptions/${SUB}/resourceGroups/rg-${index % 40}/providers/Microsoft.Network/routeTables/rt-${String(index).padStart(6, '0')}`;
  const routes = [0, 1, 2].map((n) => ({
    id: `${id}/routes/r${n}`, name: `r${n}`,
    properties: { addressPrefix: `10.${n}.${index % 250}.0/24`, nextHopType: 'VirtualAppliance', nextHopIpAddress: `10.255.${n}.4`, provisioningState: 'Succeeded' },
  }));
  return { id, name: `rt-${index}`, type: 'Microsoft.Network/routeTables', location: 'westeurope', properties: { routes, subnets: [], provisioningState: 'Succeeded' } };
}

/** Route tables paged with `nextLink` as ARM pages them; every other list of the capture is empty. */
function answer(path: string, query: URLSearchParams): unknown {
  if (!/\/providers\/Microsoft\.Network\/routeTables$/i.test(path)) return { value: [] };
  const start = Number(query.get('$skipToken') ?? '0');
  if (start === deniedAt) return undefined;
  const end = Math.min(start + PAGE, size);
  const value = Array.from({ length: end - start }, (_, at) => routeTable(start + at));
  return { value, ...(end < size ? { nextLink: `${url}${path}?api-version=${query.get('api-version') ?? ''}&$skipToken=${end}` } : {}) };
}

/** Runs the built CLI under `/usr/bin/time`; its peak RSS in KiB. */
function captureMeasured(dir: string): Promise<{ code: number; stdout: string; stderr: string; peakKiB: number }> {
  const peakFile = join(dir, 'peak-rss');
  // A heap capped well below the subscription (60k route tables held whole take ~360 MiB more): a capture
  // that kept what it read would fail, and V8 collects instead of growing into what a busy machine leaves it.
  const args = ['-f', '%M', '-o', peakFile, process.execPath, `--max-old-space-size=${HEAP_CAP_MIB}`, join(ROOT, 'dist/cli/netdrift.js'),
    'snapshot', 'capture', '--cloud', 'azure', '--account', SUB, '--baseline', dir, '--endpoint', url];
  return new Promise((done) => {
    execFile('/usr/bin/time', args, { env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      void readFile(peakFile, 'utf8').then((text) => done({
        code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr, peakKiB: Number(text.trim().split('\n').pop()),
      }));
    });
  });
}

describe('snapshot capture --cloud azure into a folder: memory does not grow with the subscription', () => {
  beforeAll(async () => {
    const certs = await tempTree({});
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certs, 'key.pem'), '-out', join(certs, 'cert.pem'),
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const [key, cert] = await Promise.all([readFile(join(certs, 'key.pem'), 'utf8'), readFile(join(certs, 'cert.pem'), 'utf8')]);
    server = createServer({ key, cert }, (request, response) => {
      const at = new URL(request.url ?? '/', 'https://127.0.0.1');
      const body = answer(decodeURIComponent(at.pathname), at.searchParams);
      response.writeHead(body === undefined ? 403 : 200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body ?? { error: { code: 'AuthorizationFailed', message: `no read of ${at.pathname}` } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    identity = await startIdentityEndpoint(HEADER);
    env = { NODE_EXTRA_CA_CERTS: join(certs, 'cert.pem'), IDENTITY_ENDPOINT: identity.url, IDENTITY_HEADER: HEADER, METADATA_SERVER_DETECTION: 'none', NETDRIFT_SNAPSHOT_FILE_BYTES: FILE_BYTES };
  });
  afterAll(async () => {
    await identity?.close();
    await new Promise<void>((resolve) => { server?.closeAllConnections(); server?.close(() => resolve()); });
  });

  it(`${LARGE} route tables peak within 64 MiB of ${SMALL}, and the candidate holds all ${LARGE}`, async () => {
    size = SMALL;
    const small = await captureMeasured(await tempTree({}));
    size = LARGE;
    const largeDir = await tempTree({});
    const large = await captureMeasured(largeDir);
    // Read back in the test process (past 32 MiB the candidate is a folder of parts).
    const stream = await new FilesystemSnapshotStore(join(largeDir)).openStream({ cloud: 'azure', account: SUB }, 'candidate');
    const ids = new Set<string>();
    for await (const batch of stream?.items() ?? []) for (const item of batch) ids.add((item.resource as { id: string }).id);

    console.log(`peak RSS: ${SMALL} route tables ${Math.round(small.peakKiB / 1024)} MiB, ${LARGE} route tables ${Math.round(large.peakKiB / 1024)} MiB`);
    expect(small).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^candidate azure/${SUB}: ${SMALL} resources, sha256 [0-9a-f]{64}\\n$`)) });
    expect(large).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^candidate azure/${SUB}: ${LARGE} resources, sha256 [0-9a-f]{64}\\n$`)) });
    expect(large.stderr.trim().split('\n')[0]).toBe(`listed 1/6 Microsoft.Network/routeTables: ${LARGE}`);
    expect(ids.size).toBe(LARGE);
    expect(large.peakKiB - small.peakKiB).toBeLessThan(MARGIN_KIB);
  }, 240_000);

  it('a page refused after thousands were written: no candidate, nothing of the capture left in the folder, exit 1', async () => {
    size = 12_000;
    deniedAt = 7_000;
    const dir = await tempTree({});

    const result = await captureMeasured(dir);

    deniedAt = undefined;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`capture of azure/${SUB} failed: `);
    expect(result.stderr).toContain(`candidate not saved for 1 subscription(s): ${SUB}\n`);
    expect(await readdir(join(dir, 'azure')).catch(() => [])).toEqual([]);
  }, 60_000);
});
