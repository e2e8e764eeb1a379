import { describe, expect, it } from 'vitest';
import { bundlePath, LambdaContainer } from '../../support/lambda-container.js';

const FUNCTIONS = ['events', 'refresh', 'reconcile'] as const;
const ENVIRONMENT = {
  NETDRIFT_SNAPSHOT_BUCKET: 'netdrift-bundle-test', NETDRIFT_STATE_TABLE: 'netdrift-bundle-test',
  // Nothing listens here: a call that reached AWS would fail at once instead of leaving the machine.
  NETDRIFT_AWS_ENDPOINT: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing',
};

/**
 * Every built bundle starts in a fresh Node process as the Lambda runtime starts it, and an
 * invocation gets past init into the handler (the first call loads the split SDK chunks). The
 * end-to-end run on moto is test/e2e/aws-bundles.test.ts.
 */
describe('built Lambda bundles', () => {
  for (const name of FUNCTIONS) {
    it(`${name}: starts, exports a handler, and its first invocation loads every chunk it needs`, async () => {
      const container = await LambdaContainer.start({ bundle: bundlePath('aws', name), functionName: `netdrift-${name}`, environment: ENVIRONMENT });
      try {
        // An event no adapter accepts (events) or a capture that cannot reach AWS (refresh, reconcile):
        // either way the SDK clients are constructed, which is where a broken chunk used to throw.
        const outcome = await container.invoke(name === 'events' ? { hello: 'world' } : { account: '123456789012', regions: ['eu-west-1'] });

        const failure = outcome.error ? `${outcome.error.errorType}: ${outcome.error.errorMessage}` : '';
        expect(failure).not.toMatch(/is not a constructor|is not a function|Cannot find module|ERR_MODULE_NOT_FOUND/);
        if (name === 'events') expect(outcome.result).toEqual({ opened: 0, resolved: 0, rejected: 1 });
        else expect(failure).toMatch(/127\.0\.0\.1:9|ECONNREFUSED|candidate not saved|capture/i);
      } finally {
        await container.stop();
      }
    });
  }

  it('events logs as Lambda functions do (Powertools): request id and cold start on every line, one line per delivery', async () => {
    const container = await LambdaContainer.start({ bundle: bundlePath('aws', 'events'), functionName: 'netdrift-events', environment: ENVIRONMENT });
    try {
      await container.invoke({ hello: 'world' });
      await container.invoke({ hello: 'again' });

      const lines = container.jsonLogs().filter((l) => l.service === 'netdrift');
      const rejected = lines.filter((l) => String(l.message).startsWith('rejected EventBridge event'));
      expect(rejected.map((l) => [l.level, l.cold_start, l.function_name])).toEqual([['WARN', true, 'netdrift-events'], ['WARN', false, 'netdrift-events']]);
      expect(new Set(rejected.map((l) => l.function_request_id)).size).toBe(2);
      expect(lines.filter((l) => l.message === 'delivery').map((l) => [l.adapter ?? null, l.records, l.outcomes, l.cold_start])).toEqual([
        [null, 1, { rejected: 1 }, true], [null, 1, { rejected: 1 }, false],
      ]);
    } finally {
      await container.stop();
    }
  });

  it('a bad environment fails the cold start with one line naming the variable', async () => {
    const start = LambdaContainer.start({
      bundle: bundlePath('aws', 'events'), functionName: 'netdrift-events', environment: { ...ENVIRONMENT, NETDRIFT_STATE_TABLE: '' },
    });

    await expect(start).rejects.toThrow(/init failed: ConfigError: environment NETDRIFT_STATE_TABLE: /);
  });
});
