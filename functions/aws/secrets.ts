import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, TransientError } from '../../core/errors.js';
import type { SecretResolver } from '../shared/secrets.js';
import { isSecretArn } from './environment.js';

/** Region of a Secrets Manager ARN: `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME`. */
function regionOf(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/**
 * A secret's value by its ARN: its `SecretString`, or the named key of a JSON secret given as
 * `ARN#key`. Errors name the variable, never the value.
 */
async function readSecret(variable: string, value: string, clientConfig: { endpoint?: string }): Promise<string> {
  const [arn = '', key] = value.split('#', 2);
  const client = new SecretsManagerClient({ ...clientConfig, region: regionOf(arn) });
  try {
    const secret = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const text = secret.SecretString;
    if (!text) throw new ConfigError(`environment ${variable}: the secret has no string value`);
    if (!key) return text.trim();
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const field = parsed[key];
    if (typeof field !== 'string') throw new ConfigError(`environment ${variable}: the secret has no string key "${key}"`);
    return field;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    if (/Throttl|ServiceUnavailable|InternalService|TimeoutError|ECONN/i.test(name)) {
      throw new TransientError(`environment ${variable}: reading the secret failed (${name})`);
    }
    throw new ConfigError(`environment ${variable}: reading the secret failed (${name})`);
  } finally {
    client.destroy();
  }
}

/** Settings holding a Secrets Manager ARN (`ARN` or `ARN#key`) are read from Secrets Manager. */
export function secretsManagerResolver(clientConfig: { endpoint?: string }): SecretResolver {
  return {
    name: 'Secrets Manager ARN',
    isReference: isSecretArn,
    resolve: (variable, reference) => readSecret(variable, reference, clientConfig),
  };
}
