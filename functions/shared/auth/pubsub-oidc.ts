import { ConfigError } from '../../../core/errors.js';
import { accepted, bearerTokenOf, quoted, refused, type Authenticator } from './authenticator.js';
import { verifyRs256, type KeyResolver } from './jwt.js';

/** The issuers of Google-signed OIDC tokens; both spellings occur. */
export const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'] as const;

export interface PubSubPushAuthOptions {
  /**
   * The push subscription's OIDC audience: the push endpoint URL unless the subscription sets
   * another one (`--push-auth-token-audience`).
   */
  audience: string;
  /** The service account the subscription signs its tokens as (`--push-auth-service-account`). */
  serviceAccount: string;
  /** Google's keys (https://www.googleapis.com/oauth2/v3/certs), injected. */
  keys: KeyResolver;
  now?: () => number;
  skewSeconds?: number;
}

/**
 * Pub/Sub push deliveries: the OIDC token Pub/Sub puts in `Authorization: Bearer`, verified as
 * Google's docs ask — signed by Google (RS256), issued by accounts.google.com, for our audience,
 * in date, and for the configured service account with a verified email.
 * https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions
 */
export function pubsubPushAuthenticator(options: PubSubPushAuthOptions): Authenticator {
  if (!options.audience || !options.serviceAccount) throw new ConfigError('Pub/Sub push: audience and service account are both required');
  return async (request) => {
    const bearer = bearerTokenOf(request);
    if ('reason' in bearer) return refused(`Pub/Sub token: ${bearer.reason}`);
    const result = await verifyRs256(bearer.token, { ...options, issuers: GOOGLE_ISSUERS, audiences: [options.audience] });
    if (!result.ok) return refused(`Pub/Sub token: ${result.reason}`);
    const { email, email_verified: verified } = result.claims;
    if (email !== options.serviceAccount) return refused(`Pub/Sub token: email ${quoted(email ?? '')} is not the push service account`);
    if (verified !== true) return refused('Pub/Sub token: email_verified is not true');
    return accepted(`Pub/Sub push (${options.serviceAccount})`);
  };
}
