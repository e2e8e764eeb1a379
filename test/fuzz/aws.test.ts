import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUZZ_RUNS, fuzzHandle, fuzzPipeline } from './fuzz-run.js';

let harness: Awaited<ReturnType<typeof fuzzPipeline>>;
beforeAll(async () => { harness = await fuzzPipeline(); });
afterAll(async () => { await harness.close(); });

describe('fuzz: AWS deliveries through Pipeline.handle', () => {
  it(`${FUZZ_RUNS} mutated CloudTrail records, EventBridge events, SQS batches and log files: no crash, one-line reasons, batch-mates kept`, async () => {
    const summary = await fuzzHandle('aws', FUZZ_RUNS, harness.pipeline);
    console.log(summary);
    expect(summary).toMatch(/inputs/);
  }, 120_000);
});
