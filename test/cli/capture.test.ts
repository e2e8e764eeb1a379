import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, inject, it } from 'vitest';
import { runCli, tempTree } from '../support/cli.js';
import { describeWithMoto, MOTO_ACCOUNT, MOTO_CREDENTIALS } from '../support/moto.js';

let dir = '';
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); dir = ''; });

describeWithMoto('netdrift snapshot capture (AWS, on moto)', () => {
  const env = () => ({
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'eu-west-2', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const scope = ['--cloud', 'aws', '--account', MOTO_ACCOUNT];

  it('writes a candidate with progress per region, which approves and then shows no drift', async () => {
    dir = await tempTree({ '.keep': '' });
    const endpoint = inject('motoEndpoint') ?? '';

    const captured = await runCli(['snapshot', 'capture', ...scope, '--regions', 'eu-west-2,ap-south-1', '--endpoint', endpoint, '--baseline', dir], { env: env() });
    const approved = await runCli(['snapshot', 'approve', ...scope, '--baseline', dir], { env: env() });
    const again = await runCli(['snapshot', 'capture', ...scope, '--regions', 'eu-west-2,ap-south-1', '--endpoint', endpoint, '--baseline', dir], { env: env() });
    const diff = await runCli(['snapshot', 'diff', ...scope, '--baseline', dir, '--format', 'json'], { env: env() });

    expect(captured.code).toBe(0);
    expect(captured.stdout).toMatch(/^candidate aws\/123456789012: \d+ resources, sha256 [0-9a-f]{64}\n$/);
    expect(captured.stderr).toMatch(/captured eu-west-2/);
    expect(captured.stderr).toMatch(/captured ap-south-1/);
    expect(approved.code).toBe(0);
    expect(existsSync(join(dir, 'aws', `${MOTO_ACCOUNT}.json`))).toBe(true);
    expect(again.code).toBe(0);
    expect(diff).toMatchObject({ code: 0, stdout: '' });
  }, 60_000);

  // A region that fails while the others are read is tested on the reader (state-reader-capture.test.ts);
  // here nothing answers, so the capture stops at its first call: which account these credentials are.
  it('stops with one line when AWS cannot be reached, and saves no candidate', async () => {
    dir = await tempTree({ '.keep': '' });
    const result = await runCli(['snapshot', 'capture', ...scope, '--regions', 'eu-west-2', '--endpoint', 'http://127.0.0.1:9', '--baseline', dir], { env: { ...env(), AWS_MAX_ATTEMPTS: '1' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^netdrift: sts:GetCallerIdentity of the caller: ECONNREFUSED/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'aws', `${MOTO_ACCOUNT}.candidate.json`))).toBe(false);
  });

  it('needs --regions', async () => {
    const result = await runCli(['snapshot', 'capture', ...scope]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--regions is required/);
  });
});
