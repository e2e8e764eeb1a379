import { spawn } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import {
  azuriteInstalled, commandExists, startAzurite, startFirestoreEmulator, startMoto, startPubsubEmulator,
  type AzuriteEndpoints, type Emulator,
} from './support/emulators.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** moto_server's endpoint, or null when it is not installed (suites needing it skip, or fail under CI=true). */
    motoEndpoint: string | null;
    /** The Pub/Sub emulator as `host:port` (`PUBSUB_EMULATOR_HOST`), or null when gcloud is missing. */
    pubsubEmulatorHost: string | null;
    /** The Firestore emulator as `host:port` (`FIRESTORE_EMULATOR_HOST`), or null when gcloud is missing. */
    firestoreEmulatorHost: string | null;
    /** Azurite's Blob and Table base URLs, or null when Azurite is not installed. */
    azuriteEndpoints: AzuriteEndpoints | null;
  }
}

/** One emulator the suites may need: whether its tool is here, and how to start it. */
interface EmulatorSpec<E extends Emulator> {
  /** Its name in NETDRIFT_EMULATORS. */
  key: string;
  tool: string;
  installed: () => boolean;
  start: () => Promise<E>;
}

const MOTO = { key: 'moto', tool: 'moto_server', installed: () => commandExists('moto_server'), start: () => startMoto() };
const PUBSUB = { key: 'pubsub', tool: 'gcloud (Pub/Sub emulator)', installed: () => commandExists('gcloud') && commandExists('java'), start: () => startPubsubEmulator() };
const FIRESTORE = { key: 'firestore', tool: 'gcloud (Firestore emulator)', installed: () => commandExists('gcloud') && commandExists('java'), start: () => startFirestoreEmulator() };
const AZURITE = { key: 'azurite', tool: 'azurite', installed: azuriteInstalled, start: () => startAzurite() };

/** `NETDRIFT_EMULATORS=moto,pubsub` starts only those (a quicker run of a few suites; ignored under CI=true); default: all. */
function wanted(env: string | undefined): ReadonlySet<string> {
  if (env === undefined) return new Set([MOTO.key, PUBSUB.key, FIRESTORE.key, AZURITE.key]);
  return new Set(env.split(',').map((s) => s.trim()).filter(Boolean));
}

function build(): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['build.mjs'], { stdio: 'inherit' });
    child.once('error', fail);
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`node build.mjs exited with ${code}`))));
  });
}

/**
 * Builds the bundles once (CLI tests run what users run) and, at the same time, starts the
 * emulators the suites need on free loopback ports, stopping them afterwards. A missing tool (or
 * one that does not start in time) provides null: its suites skip with one visible line, and under
 * CI=true the setup fails instead. NETDRIFT_SKIP_BUILD=1 reuses dist/ as it is (runs side by side).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const ci = process.env.CI === 'true';
  // CI runs every suite: a selection there could only hide one.
  const selected = wanted(ci ? undefined : process.env.NETDRIFT_EMULATORS);
  const running: Emulator[] = [];
  const stopAll = async () => { await Promise.all(running.map((e) => e.stop())); };
  const startOne = async <E extends Emulator>(spec: EmulatorSpec<E>): Promise<E | null> => {
    if (!selected.has(spec.key)) return null;
    if (!spec.installed()) {
      if (ci) throw new Error(`${spec.tool} is not installed: the suites that need it cannot run under CI=true`);
      return null;
    }
    try {
      const emulator = await spec.start();
      running.push(emulator);
      return emulator;
    } catch (error) {
      if (ci) throw error;
      console.warn(`${spec.key} emulator did not start, its suites skip: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  };
  // Everything at once: the build and each emulator's start (gcloud's are JVMs, seconds each).
  const [built, moto, pubsub, firestore, azurite] = await Promise.allSettled([
    process.env.NETDRIFT_SKIP_BUILD === '1' ? Promise.resolve() : build(),
    startOne(MOTO), startOne(PUBSUB), startOne(FIRESTORE), startOne(AZURITE),
  ]);
  const failure = [built, moto, pubsub, firestore, azurite].find((r) => r.status === 'rejected');
  if (failure) {
    await stopAll();
    throw failure.reason;
  }
  const value = <T>(result: PromiseSettledResult<T | null>): T | null => (result.status === 'fulfilled' ? result.value : null);
  project.provide('motoEndpoint', value(moto)?.endpoint ?? null);
  project.provide('pubsubEmulatorHost', value(pubsub)?.endpoint ?? null);
  project.provide('firestoreEmulatorHost', value(firestore)?.endpoint ?? null);
  project.provide('azuriteEndpoints', value(azurite)?.endpoints ?? null);
  if (process.env.NETDRIFT_SETUP_TIMING === '1') console.warn(`global setup ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return stopAll;
}
