import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from '../../../core/snapshot.js';
import type { FakeArm } from '../../support/fake-arm.js';
import { FIXTURES_ROOT, loadFixture } from '../../support/fixtures.js';

/** The test subscription of test/fixtures/azure/arm (the same one the Event Grid fixtures name). */
export const SUB = 'c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13';
export const NET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network`;
export const HUB = `${NET}/virtualNetworks/vnet-hub`;
export const SNET = `${HUB}/subnets/snet-app`;
export const RT = `${NET}/routeTables/rt-app`;
export const RT2 = `${NET}/routeTables/rt-other`;

/** The body of a response of an ARM example file (ours, or a published one read from the corpus). */
export function exampleBody(example: Record<string, unknown>, status = '200'): Record<string, unknown> {
  const responses = example.responses as Record<string, { body?: Record<string, unknown> } | undefined>;
  const body = responses[status]?.body;
  if (!body) throw new Error(`example has no ${status} body`);
  return body;
}

/** Puts every resource of an example's response (one, or a list's `value`) on the fake server. */
export function seedExample(fake: FakeArm, example: Record<string, unknown>, status = '200'): void {
  const body = exampleBody(example, status);
  const items = Array.isArray(body.value) ? body.value as Record<string, unknown>[] : [body];
  for (const item of items) fake.store.put(item);
}

/** Seeds the fake server with the whole test subscription of test/fixtures/azure/arm. */
export function seedSubscription(fake: FakeArm): void {
  const names = readdirSync(join(FIXTURES_ROOT, 'azure', 'arm')).filter((name) => name.endsWith('List.json') || name.endsWith('ListAll.json')
    || name.endsWith('ListInSubscription.json'));
  for (const name of names) seedExample(fake, loadFixture('azure', 'arm', name.replace(/\.json$/, '')));
}

/** The snapshot the test subscription reads back as. */
export function expectedSnapshot(): Snapshot {
  return loadFixture('azure', 'arm', 'expected-snapshot') as unknown as Snapshot;
}
