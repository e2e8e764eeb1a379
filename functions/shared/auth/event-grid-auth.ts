import { ConfigError } from '../../../core/errors.js';
import { accepted, anyOf, bearerTokenOf, quoted, refused, type Authenticator } from './authenticator.js';
import { verifyRs256, type KeyResolver } from './jwt.js';
import { constantTimeEqual } from './shared-secret.js';

/** The query parameter Event Grid webhooks conventionally carry their secret in (as Azure Functions keys). */
export const DEFAULT_SECRET_PARAMETER = 'code';

/**
 * The issuers of Entra ID access tokens for a tenant: v1 tokens (`sts.windows.net`) and v2 tokens
 * (`login.microsoftonline.com/…/v2.0`); which one a tenant issues depends on the app's manifest.
 * https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
 */
export function entraIssuers(tenant: string): string[] {
  return [`https://sts.windows.net/${tenant}/`, `https://login.microsoftonline.com/${tenant}/v2.0`];
}

/**
 * The application ids Event Grid itself gets its tokens as (Azure public cloud, Azure Government),
 * as Microsoft's setup script for Entra-protected webhooks names them:
 * https://learn.microsoft.com/azure/event-grid/scripts/powershell-webhook-secure-delivery-microsoft-entra-user
 */
export const EVENT_GRID_APP_IDS = ['4962773b-9cdb-44cf-a8bf-237846a00ab7', '54316b56-3481-47f9-8f30-0300f5542a7b'] as const;

export interface EntraTokenOptions {
  /** The webhook app's tenant id. */
  tenant: string;
  /** The event subscription's "Microsoft Entra Application ID or URI": the token's `aud`. */
  audiences: readonly string[];
  keys: KeyResolver;
  /**
   * Who may hold the token: its `appid` (v1) or `azp` (v2). Event Grid's own app ids by default, so
   * another app or a user of the tenant that can get a token for the webhook app cannot deliver.
   */
  senderAppIds?: readonly string[];
  now?: () => number;
  skewSeconds?: number;
}

export interface EventGridAuthOptions {
  /**
   * Secrets accepted in the webhook URL's query (Event Grid sends every query parameter of the
   * subscription's URL with every delivery, the validation handshake included). More than one
   * while a secret is rotated, as Event Grid's docs advise.
   */
  secrets?: readonly string[];
  /** The query parameter holding the secret; `code` by default. */
  secretParameter?: string;
  /** Microsoft Entra ID bearer tokens ("Use Microsoft Entra authentication" on the subscription). */
  entra?: EntraTokenOptions;
}

/** Accepts a delivery whose `?<parameter>=` matches one of `secrets` (constant-time). */
export function querySecretAuthenticator(secrets: readonly string[], parameter = DEFAULT_SECRET_PARAMETER): Authenticator {
  const accepted_ = secrets.filter((s) => s !== '');
  if (accepted_.length === 0) throw new ConfigError('Event Grid: no query secret configured');
  return (request) => {
    const presented = request.query.get(parameter);
    if (presented === null) return Promise.resolve(refused(`no ?${parameter}= secret`));
    const matched = accepted_.map((secret) => constantTimeEqual(presented, secret));
    return Promise.resolve(matched.includes(true) ? accepted(`Event Grid (?${parameter}= secret)`) : refused(`?${parameter}= does not match`));
  };
}

/**
 * Accepts a delivery carrying an Entra ID access token for the webhook app: RS256 under the
 * tenant's keys, issued by the tenant (v1 or v2 issuer), for the configured audience, in date.
 * https://learn.microsoft.com/azure/event-grid/secure-webhook-delivery
 */
export function entraTokenAuthenticator(options: EntraTokenOptions): Authenticator {
  if (!options.tenant || options.audiences.length === 0) throw new ConfigError('Entra ID: tenant and audience are both required');
  const issuers = entraIssuers(options.tenant);
  const senders: readonly string[] = options.senderAppIds ?? EVENT_GRID_APP_IDS;
  return async (request) => {
    const bearer = bearerTokenOf(request);
    if ('reason' in bearer) return refused(`Entra token: ${bearer.reason}`);
    const result = await verifyRs256(bearer.token, { ...options, issuers });
    if (!result.ok) return refused(`Entra token: ${result.reason}`);
    const app = result.claims.appid ?? result.claims.azp;
    if (typeof app !== 'string' || !senders.includes(app)) return refused(`Entra token: issued to ${quoted(app ?? 'no app', 64)}, not to Event Grid`);
    return accepted(`Event Grid (Entra token, app ${app})`);
  };
}

/**
 * Event Grid webhook deliveries: the subscription's query secret or an Entra ID token, whichever
 * is configured (either one accepted when both are).
 * https://learn.microsoft.com/azure/event-grid/security-authentication#authenticate-event-delivery-to-webhook-endpoints
 */
export function eventGridAuthenticator(options: EventGridAuthOptions): Authenticator {
  const methods: Authenticator[] = [];
  if (options.secrets && options.secrets.length > 0) methods.push(querySecretAuthenticator(options.secrets, options.secretParameter));
  if (options.entra) methods.push(entraTokenAuthenticator(options.entra));
  if (methods.length === 0) throw new ConfigError('Event Grid: configure a query secret or an Entra tenant and audience');
  return methods.length === 1 && methods[0] ? methods[0] : anyOf(...methods);
}
