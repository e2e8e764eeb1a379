import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cloud } from '../../core/resource.js';
import { SNAPSHOT_SCHEMA } from '../../core/snapshot.js';
import { startCli, tempTree } from '../support/cli.js';
import type { Receiver } from '../support/receivers.js';
import { auditRecords } from './fuzz-inputs.js';
import { buildInput, caseArbitrary, FUZZ_RUNS, MAX_REASON } from './fuzz-run.js';
import { normalEvent, sinkConfig, startSinkReceivers } from './sink-check.js';

/** The share of the fuzz inputs sent over HTTP to the built `netdrift serve`: 300 per cloud in `npm test`. */
const SERVE_RUNS = Math.max(50, Math.round(FUZZ_RUNS / 33));
const ROUTES: Readonly<Record<Cloud, string>> = { aws: '/aws/events', azure: '/azure/events', gcp: '/gcp/pubsub' };
/** The account of the normal event: the only one with a baseline, so that fuzz inputs leave no alerts queued before it. */
const NORMAL_ACCOUNT = '444455556666';

let dir = '';
let child: ChildProcess | undefined;
let base = '';
let stderr: () => string = () => '';
let receivers: Record<'slack' | 'pagerduty' | 'webhook', Receiver>;

beforeAll(async () => {
  receivers = await startSinkReceivers();
  dir = await tempTree({
    [`baselines/aws/${NORMAL_ACCOUNT}.json`]: { schema: SNAPSHOT_SCHEMA, scope: { cloud: 'aws', account: NORMAL_ACCOUNT }, capturedAt: '2026-11-25T00:00:00Z', resources: [] },
    'netdrift.yaml': JSON.stringify(sinkConfig(receivers)),
  });
  const started = await startCli(
    ['serve', '--port', '0', '--config', join(dir, 'netdrift.yaml'), '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')],
    /serving on (http:\/\/[\d.]+:\d+)/,
  );
  child = started.child;
  base = started.match[1] ?? '';
  stderr = started.stderr;
}, 30_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  await Promise.all(Object.values(receivers).map((r) => r.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  text: string;
}

async function post(path: string, body: string): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: response.status, text: await response.text() };
}

/** What must hold of every answer: a status the platform reads as "done" or "bad input", one-line reasons, no server path. */
function answerProblem(cloud: Cloud, answer: Answer): string | undefined {
  if (answer.status >= 500) return `status ${answer.status}: ${answer.text.slice(0, 200)}`;
  if (cloud === 'gcp' && answer.status !== 202 && answer.status !== 413) return `Pub/Sub push answered ${answer.status} (it would redeliver forever)`;
  if (answer.text.includes(dir)) return 'the answer names the server\'s files';
  const body = JSON.parse(answer.text) as { error?: string; records?: { reason?: string }[] };
  if (body.error !== undefined && (body.error === '' || body.error.length > MAX_REASON || /[\r\n]/.test(body.error))) {
    return `error of ${body.error.length} characters: ${JSON.stringify(body.error.slice(0, 200))}`;
  }
  const long = body.records?.find((r) => r.reason !== undefined && (r.reason.length > MAX_REASON || /[\r\n]/.test(r.reason)));
  return long ? `reason of ${long.reason?.length ?? 0} characters` : undefined;
}

describe('fuzz: netdrift serve over HTTP', () => {
  it(`answers ${SERVE_RUNS} mutated deliveries per cloud with 2xx or 400 and one-line reasons, never 5xx`, async () => {
    const statuses = new Map<string, number>();
    for (const cloud of ['aws', 'azure', 'gcp'] as const) {
      const records = auditRecords(cloud);
      await fc.assert(fc.asyncProperty(caseArbitrary, fc.option(fc.nat(), { freq: 10, nil: undefined }), async (c, cut) => {
        const input = buildInput(cloud, c, records);
        const json = JSON.stringify(input.raw) ?? 'null';
        const answer = await post(ROUTES[cloud], cut === undefined ? json : json.slice(0, cut % (json.length + 1)));
        statuses.set(`${cloud} ${answer.status}`, (statuses.get(`${cloud} ${answer.status}`) ?? 0) + 1);
        const problem = answerProblem(cloud, answer);
        if (problem) throw new Error(`${ROUTES[cloud]}: ${problem} (mutations: ${input.kinds.join(', ') || 'none'})`);
      }), { numRuns: SERVE_RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261202) });
    }
    console.log(`fuzz serve: ${SERVE_RUNS * 3} requests; statuses: ${[...statuses].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    expect(stderr()).not.toMatch(/error on \/|bug while/);
  }, 120_000);

  it('after the run, a normal event still alerts on slack, pagerduty and webhook', async () => {
    const normal = normalEvent('aws', 9_100_000) as { raw: Record<string, unknown>; token: string };
    Object.assign(normal.raw, { recipientAccountId: NORMAL_ACCOUNT });
    const answer = await post('/aws/events', JSON.stringify(normal.raw));

    expect(answer.status).toBe(202);
    expect((JSON.parse(answer.text) as { opened: number }).opened).toBeGreaterThan(0);
    const until = Date.now() + 20_000;
    const missing = () => Object.entries(receivers).filter(([, r]) => !r.requests.some((q) => q.text.includes(normal.token))).map(([name]) => name);
    while (missing().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(missing()).toEqual([]);
  }, 30_000);
});
