import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUZZ_RUNS, fuzzHandle, fuzzPipeline } from './fuzz-run.js';
import { normalEventReachesEverySink } from './sink-check.js';

let harness: Awaited<ReturnType<typeof fuzzPipeline>>;
beforeAll(async () => { harness = await fuzzPipeline(); });
afterAll(async () => { await harness.close(); });

describe('fuzz: GCP deliveries through Pipeline.handle', () => {
  it(`${FUZZ_RUNS} mutated LogEntries, Pub/Sub pushes and pulls, and Eventarc events: no crash, one-line reasons, batch-mates kept`, async () => {
    const summary = await fuzzHandle('gcp', FUZZ_RUNS, harness.pipeline);
    console.log(summary);
    expect(summary).toMatch(/inputs/);
  }, 120_000);

  it('after the run, a normal event still alerts on every sink', async () => {
    const line = await normalEventReachesEverySink('gcp', harness.pipeline, harness.state);
    console.log(line);
    expect(line).toMatch(/alerted on slack, pagerduty and webhook/);
  }, 60_000);
});
