import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemorySnapshotStore, MemoryStateStore } from '../../../bench/memory-stores.js';
import { parseEnvironment, sharedEnvironmentShape } from '../../../functions/shared/environment.js';
import { createRuntime } from '../../../functions/shared/runtime.js';
import { plainSettings } from '../../../functions/shared/secrets.js';

const schema = z.object(sharedEnvironmentShape());
const PAGERDUTY = { NETDRIFT_PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00' };

async function stormMode(env: Record<string, string>): Promise<string> {
  const runtime = await createRuntime({
    env: parseEnvironment(schema, env), adapters: [], readers: {}, secrets: plainSettings,
    stores: { state: new MemoryStateStore(), snapshots: new MemorySnapshotStore() }, log: () => undefined,
  });
  return runtime.config.storm.pagerDuty;
}

describe('the functions\' storm setting', () => {
  it('pages a storm as one incident by default; NETDRIFT_PAGERDUTY_STORM=per-finding pages each finding', async () => {
    expect(await stormMode(PAGERDUTY)).toBe('grouped');
    expect(await stormMode({ ...PAGERDUTY, NETDRIFT_PAGERDUTY_STORM: 'per-finding' })).toBe('per-finding');
  });

  it('the variable wins over NETDRIFT_ROUTING, whichever spelling the routing uses', async () => {
    const routing = { NETDRIFT_ROUTING: JSON.stringify({ storm: { threshold: 5, groupPagerDuty: true } }) };
    expect(await stormMode({ ...PAGERDUTY, ...routing, NETDRIFT_PAGERDUTY_STORM: 'per-finding' })).toBe('per-finding');
  });

  it('logs one startup line: the sinks, live reads and switches, never a secret', async () => {
    const lines: unknown[][] = [];
    await createRuntime({
      env: parseEnvironment(schema, { ...PAGERDUTY, NETDRIFT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/secret' }), adapters: [], readers: {}, secrets: plainSettings,
      stores: { state: new MemoryStateStore(), snapshots: new MemorySnapshotStore() }, log: (...line) => { lines.push(line); },
    });
    expect(lines).toEqual([['info', 'netdrift started', {
      sinks: ['slack', 'pagerduty'], liveReads: [], stormPagerDuty: 'grouped', approvalHmac: false, eventTtlHours: 48,
    }]]);
    expect(JSON.stringify(lines)).not.toMatch(/secret|R0UT1NGKEY/);
  });

  it('a bad value fails the cold start naming the variable', () => {
    expect(() => parseEnvironment(schema, { ...PAGERDUTY, NETDRIFT_PAGERDUTY_STORM: 'once' })).toThrow(/^environment NETDRIFT_PAGERDUTY_STORM: /);
  });
});
