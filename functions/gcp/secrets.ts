import { GoogleAuth, type AuthClient } from 'google-auth-library';
import { ConfigError, TransientError } from '../../core/errors.js';
import type { SecretResolver } from '../shared/secrets.js';
import { SECRET_VERSION } from './environment.js';

const API = 'https://secretmanager.googleapis.com/v1';
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

interface AccessResponse {
  payload?: { data?: string };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown; response?: { status?: unknown } }).response?.status ?? (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Settings holding a Secret Manager version name (`projects/P/secrets/S/versions/V`) are read
 * through the REST API's `versions.access` with the function's credentials (Application Default
 * Credentials; its service account needs `roles/secretmanager.secretAccessor` on the secret):
 * https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access
 * Throttling and 5xx are transient; anything else (not found, denied) is the operator's to fix.
 */
export function secretManagerResolver(authClient?: AuthClient, api = API): SecretResolver {
  let client: Promise<AuthClient> | undefined;
  const credentials = () => (client ??= authClient
    ? Promise.resolve(authClient)
    : new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }).getClient() as Promise<AuthClient>);
  return {
    name: 'Secret Manager version',
    isReference: (value) => SECRET_VERSION.test(value),
    async resolve(variable, reference) {
      let response: AccessResponse;
      try {
        response = (await (await credentials()).request<AccessResponse>({ url: `${api}/${reference}:access`, method: 'GET', retry: false })).data;
      } catch (error) {
        const status = statusOf(error);
        const what = status === undefined ? (error instanceof Error ? error.name : 'Error') : `HTTP ${status}`;
        if (status === undefined || TRANSIENT.has(status)) throw new TransientError(`environment ${variable}: reading the secret failed (${what})`);
        throw new ConfigError(`environment ${variable}: reading the secret failed (${what})`);
      }
      const data = response.payload?.data;
      if (!data) throw new ConfigError(`environment ${variable}: the secret version has no payload`);
      return Buffer.from(data, 'base64').toString('utf8').trim();
    },
  };
}
