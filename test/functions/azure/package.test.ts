import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_APP_DIR, FunctionsHost } from './functions-host.js';

/**
 * dist/azure is the deployable package: what `func azure functionapp publish` or a zip deploy takes.
 * The host needs host.json and the package's `main`; nothing is installed (the library is bundled),
 * and the SDKs stay out of `main` so registering the functions stays fast.
 */
const read = (name: string) => JSON.parse(readFileSync(join(AZURE_APP_DIR, name), 'utf8')) as Record<string, unknown>;
type Meta = { outputs: Record<string, { bytes: number; inputs: Record<string, unknown> }> };

describe('the built Azure package', () => {
  let host: FunctionsHost;
  beforeAll(async () => {
    host = await FunctionsHost.start({ NETDRIFT_STORAGE_ACCOUNT: 'netdriftdata', NETDRIFT_SNAPSHOT_CONTAINER: 'snapshots', NETDRIFT_STATE_TABLE: 'netdriftstate', NETDRIFT_EVENT_GRID_SECRET: 's' });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('is a v2 host app whose main registers the functions, with nothing to install', () => {
    const manifest = read('package.json');
    const hostJson = read('host.json');

    expect(hostJson).toMatchObject({ version: '2.0', extensions: { http: { routePrefix: 'api' } } });
    expect(hostJson).not.toHaveProperty('extensionBundle');
    expect(manifest).toMatchObject({ main: 'app.mjs', type: 'module', dependencies: {} });
    expect(existsSync(join(AZURE_APP_DIR, String(manifest.main)))).toBe(true);
    expect(host.functions.map((f) => f.name).sort()).toEqual(['events', 'reconcile', 'refresh']);
  });

  it('keeps the ARM, Blob, Table and identity SDKs out of main: they load on first use', () => {
    const meta = read('meta.json') as unknown as Meta;
    const [, main] = Object.entries(meta.outputs).find(([name]) => name.endsWith('/app.mjs')) ?? [];
    const packages = new Set(Object.keys(main?.inputs ?? {}).flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? []));

    expect(packages.has('@azure/functions')).toBe(true);
    for (const sdk of ['@azure/arm-network', '@azure/storage-blob', '@azure/data-tables', '@azure/identity', '@azure/arm-resourcegraph']) expect(packages.has(sdk), sdk).toBe(false);
    console.log(`dist/azure/app.mjs: ${((main?.bytes ?? 0) / 1024).toFixed(0)} KiB; functions registered in ${host.initMs} ms`);
  });
});
