import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { commandExists, startMoto, type Emulator } from './support/emulators.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** moto_server's endpoint, or null when it is not installed (suites needing it skip, or fail under CI=true). */
    motoEndpoint: string | null;
  }
}

/**
 * Builds the bundles once (CLI tests run what users run) and starts the emulators the suites
 * need on free loopback ports, stopping them afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // NETDRIFT_SKIP_BUILD=1 reuses dist/ as it is (several test runs side by side on one tree).
  if (process.env.NETDRIFT_SKIP_BUILD !== '1') execFileSync(process.execPath, ['build.mjs'], { stdio: 'inherit' });
  const running: Emulator[] = [];
  let moto: string | null = null;
  if (commandExists('moto_server')) {
    const emulator = await startMoto();
    running.push(emulator);
    moto = emulator.endpoint;
  } else if (process.env.CI === 'true') {
    throw new Error('moto_server is not installed: the AWS suites cannot run under CI=true');
  }
  project.provide('motoEndpoint', moto);
  return async () => {
    await Promise.all(running.map((e) => e.stop()));
  };
}
