import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The ARM SDK packages load on the first read that needs them, in a fresh Node process as a function runs:
 * none at import or construction, and a route table read loads neither the private DNS nor the resolver
 * client. (The CommonJS packages are seen in `require.cache`; @azure/arm-network is ESM and not visible there.)
 */
const ROOT = resolve(import.meta.dirname, '../../..');
const NET = '/subscriptions/c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13/resourceGroups/rg-net/providers/Microsoft.Network';

const SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const loaded = () => [...new Set(Object.keys(require.cache).flatMap((p) => /@azure[\\\\/](arm-[a-z]+)/.exec(p)?.[1] ?? []))].sort();
const { startFakeArm } = await import('./test/support/fake-arm.ts');
const { azureStateReader } = await import('./adapters/azure/index.ts');
const fake = await startFakeArm();
fake.store.put({ id: '${NET}/routeTables/rt-app', location: 'westeurope', properties: { routes: [] } });
fake.store.put({ id: '${NET}/privateDnsZones/internal.contoso.com', location: 'global', properties: {} });
const reader = azureStateReader({ clientOptions: fake.clientOptions });
const steps = { constructed: loaded() };
const ref = (kind, id) => ({ cloud: 'azure', account: 'c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13', region: 'westeurope', kind, id });
await reader.read(ref('route-table', '${NET}/routeTables/rt-app'));
steps.routeTable = loaded();
await reader.read(ref('dns-zone', '${NET}/privateDnsZones/internal.contoso.com'));
steps.dnsZone = loaded();
await fake.close();
console.log(JSON.stringify(steps));
`;

describe('ARM clients load on first use', () => {
  it('nothing at construction; a route table read loads no DNS client; a zone read loads the private DNS one', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: ROOT, timeout: 60_000 });

    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({
      constructed: [], routeTable: [], dnsZone: ['arm-privatedns'],
    });
  }, 90_000);
});
