import { describe, inject } from 'vitest';
import type { ResourceRef } from '../../core/resource.js';

/** Test credentials for moto; nothing leaves 127.0.0.1. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' };

/** moto's default account id. */
export const MOTO_ACCOUNT = '123456789012';

/** The options every AWS SDK client in tests gets: moto's endpoint, test credentials, path-style S3. */
export function motoClientConfig(region = 'eu-west-1') {
  const endpoint = inject('motoEndpoint');
  if (!endpoint) throw new Error('moto_server is not running');
  return { endpoint, region, credentials: MOTO_CREDENTIALS, forcePathStyle: true, maxAttempts: 2 };
}

/**
 * A suite that needs moto_server: it runs when the global setup started moto, and otherwise is
 * skipped with one visible line (under CI=true the global setup fails instead).
 */
export function describeWithMoto(name: string, body: () => void): void {
  if (inject('motoEndpoint')) {
    describe(name, body);
    return;
  }
  console.warn(`skipping "${name}": moto_server is not installed`);
  describe.skip(name, body);
}

/** An id moto must have returned. */
export function motoId(value: string | undefined): string {
  if (value === undefined) throw new Error('moto left out an id');
  return value;
}

/** A reference to a resource in moto's account. */
export function motoRef(kind: ResourceRef['kind'], id: string, region: string): ResourceRef {
  return { cloud: 'aws', account: MOTO_ACCOUNT, kind, id, region };
}
