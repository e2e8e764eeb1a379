import { SECRET_SETTINGS, type SecretSetting, type SharedEnvironment } from './environment.js';

/**
 * How a platform turns a setting that names a secret into the secret: AWS Secrets Manager ARNs,
 * GCP Secret Manager version names (`projects/P/secrets/S/versions/V`). On Azure, Key Vault
 * references are resolved by the platform into plain app settings: {@link plainSettings}.
 */
export interface SecretResolver {
  /** What the platform's secret names look like, for error messages ("a Secrets Manager ARN"). */
  readonly name: string;
  /** Does `value` name a secret (resolved) rather than hold a plain value (used as is)? */
  isReference(value: string): boolean;
  /**
   * The secret's value. Throws `ConfigError` (missing, denied, not text) or `TransientError`
   * (throttled, unavailable), naming `variable`, never the value.
   */
  resolve(variable: string, reference: string): Promise<string>;
}

/** Settings are the secrets themselves (Azure: Key Vault references already resolved by the platform; tests). */
export const plainSettings: SecretResolver = {
  name: 'plain value',
  isReference: () => false,
  resolve: (_variable, reference) => Promise.resolve(reference),
};

/** A setting's value: the secret it names, else the value itself. */
export async function resolveSetting(resolver: SecretResolver, variable: string, value: string | undefined): Promise<string | undefined> {
  if (value === undefined || !resolver.isReference(value)) return value;
  return resolver.resolve(variable, value);
}

/** Every secret setting of the shared environment, resolved at once. */
export async function resolveSecretSettings(resolver: SecretResolver, env: SharedEnvironment): Promise<Partial<Record<SecretSetting, string>>> {
  const values = await Promise.all(SECRET_SETTINGS.map(async (name) => [name, await resolveSetting(resolver, name, env[name])] as const));
  return Object.fromEntries(values.filter(([, value]) => value !== undefined));
}
