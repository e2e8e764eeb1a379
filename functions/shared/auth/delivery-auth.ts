import { ConfigError } from '../../../core/errors.js';
import type { Authenticator } from './authenticator.js';
import { eventGridAuthenticator } from './event-grid-auth.js';
import { entraJwksUrl, GOOGLE_JWKS_URL, keysFromJwksFile, remoteJwks } from './jwks.js';
import type { KeyResolver } from './jwt.js';
import { pubsubPushAuthenticator } from './pubsub-oidc.js';
import { sharedSecretAuthenticator } from './shared-secret.js';

/** How each delivery is authenticated: what the flags and environment say, nothing parsed yet. */
export interface DeliveryAuthSettings {
  /** Shared secrets (bearer or HMAC signature): the AWS route's, and every route's without its own. */
  secrets: string[];
  /** Event Grid's query-parameter secrets, and the parameter's name. */
  eventGridSecrets: string[];
  eventGridSecretParameter?: string;
  entraTenant?: string;
  entraAudiences: string[];
  pubsubAudience?: string;
  pubsubServiceAccount?: string;
  /** A JWKS file holding the token-signing keys instead of fetching Google's and Microsoft's. */
  jwksFile?: string;
}

/** The environment variables read when a flag is not given (the function entry points read only these). */
export const DELIVERY_AUTH_ENV = {
  secret: 'NETDRIFT_SERVE_SECRET',
  eventGridSecret: 'NETDRIFT_EVENT_GRID_SECRET',
  eventGridSecretParameter: 'NETDRIFT_EVENT_GRID_SECRET_PARAMETER',
  entraTenant: 'NETDRIFT_ENTRA_TENANT',
  entraAudience: 'NETDRIFT_ENTRA_AUDIENCE',
  pubsubAudience: 'NETDRIFT_PUBSUB_AUDIENCE',
  pubsubServiceAccount: 'NETDRIFT_PUBSUB_SERVICE_ACCOUNT',
  jwksFile: 'NETDRIFT_OIDC_JWKS_FILE',
} as const;

type Flags = Partial<Record<keyof typeof DELIVERY_AUTH_ENV, string | string[] | undefined>>;

const list = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v) => v !== '');
const commaList = (value: string | string[] | undefined): string[] => list(value).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
const single = (value: string | string[] | undefined): string | undefined => list(value)[0];

/** Settings from flags, each falling back to its environment variable. */
export function deliveryAuthSettings(flags: Flags, env: Record<string, string | undefined>): DeliveryAuthSettings {
  const pick = (name: keyof typeof DELIVERY_AUTH_ENV) => (list(flags[name]).length > 0 ? flags[name] : env[DELIVERY_AUTH_ENV[name]]);
  const settings: DeliveryAuthSettings = {
    secrets: list(pick('secret')),
    eventGridSecrets: list(pick('eventGridSecret')),
    entraAudiences: commaList(pick('entraAudience')),
  };
  const optional = { eventGridSecretParameter: 'eventGridSecretParameter', entraTenant: 'entraTenant', pubsubAudience: 'pubsubAudience', pubsubServiceAccount: 'pubsubServiceAccount', jwksFile: 'jwksFile' } as const;
  for (const [key, name] of Object.entries(optional)) {
    const value = single(pick(name));
    if (value !== undefined) settings[key as keyof typeof optional] = value;
  }
  return settings;
}

/** One authenticator per delivery route; undefined where nothing is configured (open). */
export interface DeliveryAuthenticators {
  aws?: Authenticator;
  azure?: Authenticator;
  gcp?: Authenticator;
}

/**
 * Builds each route's authenticator: the AWS route takes the shared secret; Event Grid its query
 * secret or Entra token when configured, else the shared secret; Pub/Sub push its OIDC token when
 * configured, else the shared secret. Keys come from `jwksFile` or, in production, from Google's
 * and Microsoft's key URLs (fetched on first use, cached). Throws ConfigError naming the flag.
 */
export async function deliveryAuthenticators(settings: DeliveryAuthSettings, keys?: KeyResolver): Promise<DeliveryAuthenticators> {
  const { entraTenant, entraAudiences, pubsubAudience, pubsubServiceAccount } = settings;
  if (Boolean(entraTenant) !== entraAudiences.length > 0) throw new ConfigError('--entra-tenant and --entra-audience go together: set both or neither');
  if (Boolean(pubsubAudience) !== Boolean(pubsubServiceAccount)) throw new ConfigError('--pubsub-audience and --pubsub-service-account go together: set both or neither');
  const fileKeys = keys ?? (settings.jwksFile ? await keysFromJwksFile(settings.jwksFile) : undefined);
  const shared = settings.secrets.length > 0 ? sharedSecretAuthenticator({ secrets: settings.secrets }) : undefined;
  const azure = settings.eventGridSecrets.length > 0 || entraTenant
    ? eventGridAuthenticator({
      secrets: settings.eventGridSecrets,
      ...(settings.eventGridSecretParameter ? { secretParameter: settings.eventGridSecretParameter } : {}),
      ...(entraTenant ? { entra: { tenant: entraTenant, audiences: entraAudiences, keys: fileKeys ?? remoteJwks(entraJwksUrl(entraTenant)) } } : {}),
    })
    : shared;
  const gcp = pubsubAudience && pubsubServiceAccount
    ? pubsubPushAuthenticator({ audience: pubsubAudience, serviceAccount: pubsubServiceAccount, keys: fileKeys ?? remoteJwks(GOOGLE_JWKS_URL) })
    : shared;
  return { ...(shared ? { aws: shared } : {}), ...(azure ? { azure } : {}), ...(gcp ? { gcp } : {}) };
}
