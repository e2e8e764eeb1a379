import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, TransientError, oneLine } from '../../../core/errors.js';
import type { KeyResolver } from './jwt.js';

/** Google's keys for the OIDC tokens it signs (Pub/Sub push among them). */
export const GOOGLE_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';

/** Microsoft Entra ID's signing keys for a tenant (v1 and v2 tokens are signed by the same keys). */
export function entraJwksUrl(tenant: string): string {
  return `https://login.microsoftonline.com/${encodeURIComponent(tenant)}/discovery/v2.0/keys`;
}

/** RS256 keys shorter than this are refused (RFC 7518 §3.3 requires 2048 bits or more). */
const MIN_RSA_BITS = 2048;

const JwksSchema = z.object({
  keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().min(1).optional(), use: z.string().optional(), alg: z.string().optional() })),
});

/**
 * The RSA signing keys of a JWKS document, by kid. Keys for encryption (`use: enc`), for another
 * algorithm, or without a kid are left out. Throws for a document that is not a JWKS.
 */
export function keysOfJwks(document: unknown, where: string): Map<string, KeyObject> {
  const parsed = JwksSchema.safeParse(document);
  if (!parsed.success) throw new ConfigError(`${where}: not a JWKS document ({"keys": [...]})`, { cause: parsed.error });
  const keys = new Map<string, KeyObject>();
  for (const jwk of parsed.data.keys) {
    if (jwk.kty !== 'RSA' || !jwk.kid || (jwk.use ?? 'sig') !== 'sig' || (jwk.alg ?? 'RS256') !== 'RS256') continue;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch (error) {
      throw new ConfigError(`${where}: key ${jwk.kid} is not a valid RSA public key: ${oneLine(error)}`, { cause: error });
    }
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new ConfigError(`${where}: key ${jwk.kid} has ${bits} bits, fewer than ${MIN_RSA_BITS}`);
    keys.set(jwk.kid, key);
  }
  return keys;
}

/** Keys known up front (a JWKS given in configuration or made by a test). */
export function staticKeys(keys: ReadonlyMap<string, KeyObject>): KeyResolver {
  return (kid) => Promise.resolve(keys.get(kid));
}

/** Keys from a JWKS file, read once: for tests and for hosts that may not reach the key URLs. */
export async function keysFromJwksFile(path: string): Promise<KeyResolver> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`JWKS file ${path}: ${oneLine(error)}`, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`JWKS file ${path}: not JSON: ${oneLine(error)}`, { cause: error });
  }
  return staticKeys(keysOfJwks(document, `JWKS file ${path}`));
}

export interface RemoteJwksOptions {
  fetch?: typeof globalThis.fetch;
  /** How long fetched keys are used before fetching again. */
  maxAgeMs?: number;
  /** An unknown kid fetches again (keys rotate), but not more often than this. */
  minRefetchMs?: number;
  now?: () => number;
}

/**
 * Keys fetched from a JWKS URL and cached; an unknown kid refetches at most once a minute, so a
 * flood of forged tokens cannot make us hammer the key endpoint. A failed fetch is transient
 * (the platform retries the delivery); the last good keys stay in use until they expire.
 */
export function remoteJwks(url: string, options: RemoteJwksOptions = {}): KeyResolver {
  const fetchJwks = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? 60 * 60_000;
  const minRefetchMs = options.minRefetchMs ?? 60_000;
  let cached: { keys: Map<string, KeyObject>; at: number } | undefined;
  let inFlight: Promise<Map<string, KeyObject>> | undefined;
  let lastAttempt = -Infinity;

  const load = (): Promise<Map<string, KeyObject>> => {
    lastAttempt = now();
    inFlight ??= (async () => {
      try {
        const response = await fetchJwks(url, { signal: AbortSignal.timeout(5_000) });
        if (!response.ok) throw new TransientError(`JWKS ${url}: HTTP ${response.status}`);
        const keys = keysOfJwks(await response.json(), `JWKS ${url}`);
        cached = { keys, at: now() };
        return keys;
      } catch (error) {
        if (error instanceof TransientError) throw error;
        throw new TransientError(`JWKS ${url}: ${oneLine(error)}`, { cause: error });
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  return async (kid) => {
    if (!cached || now() - cached.at > maxAgeMs) return (await load()).get(kid);
    const key = cached.keys.get(kid);
    if (key || now() - lastAttempt < minRefetchMs) return key;
    return (await load()).get(kid);
  };
}
