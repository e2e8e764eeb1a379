import type { Request, Response } from '@google-cloud/functions-framework';
import { ConfigError, NetdriftError, oneLine } from '../../core/errors.js';
import { accepted, anyOf, bearerTokenOf, quoted, refused, type AuthRequest, type Authenticator } from '../shared/auth/authenticator.js';
import { deliveryAuthenticators, deliveryAuthSettings } from '../shared/auth/delivery-auth.js';
import { GOOGLE_JWKS_URL, keysFromJwksFile, remoteJwks } from '../shared/auth/jwks.js';
import { verifyRs256, type KeyResolver } from '../shared/auth/jwt.js';
import { GOOGLE_ISSUERS } from '../shared/auth/pubsub-oidc.js';
import { listSetting } from '../shared/environment.js';
import { cloudLoggingLog as log } from '../shared/log.js';
import { once } from '../shared/runtime.js';
import type { GcpFunctionEnvironment } from './environment.js';

/** The request as the authenticators take it: headers, query, the raw body the framework kept. */
export function authRequestOf(req: Request): AuthRequest {
  const query = new URLSearchParams(req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '');
  const raw: unknown = req.rawBody;
  return { headers: req.headers, query, body: raw instanceof Uint8Array ? raw : new Uint8Array() };
}

/** Google's keys: the JWKS file when configured (tests), else Google's key URL, fetched on first use and cached. */
async function googleKeys(env: GcpFunctionEnvironment): Promise<KeyResolver> {
  return env.NETDRIFT_OIDC_JWKS_FILE ? keysFromJwksFile(env.NETDRIFT_OIDC_JWKS_FILE) : remoteJwks(GOOGLE_JWKS_URL);
}

/**
 * Pub/Sub push: the subscription's OIDC token (NETDRIFT_PUBSUB_AUDIENCE and
 * NETDRIFT_PUBSUB_SERVICE_ACCOUNT), as `netdrift serve` checks it. Without them the function
 * refuses to start serving: a public push endpoint is never open.
 */
export function pushAuthenticator(env: GcpFunctionEnvironment): () => Promise<Authenticator> {
  return once(async () => {
    if (!env.NETDRIFT_PUBSUB_AUDIENCE || !env.NETDRIFT_PUBSUB_SERVICE_ACCOUNT) {
      throw new ConfigError('environment NETDRIFT_PUBSUB_AUDIENCE and NETDRIFT_PUBSUB_SERVICE_ACCOUNT: required by the push function (the subscription\'s OIDC audience and service account)');
    }
    const settings = deliveryAuthSettings({ pubsubAudience: env.NETDRIFT_PUBSUB_AUDIENCE, pubsubServiceAccount: env.NETDRIFT_PUBSUB_SERVICE_ACCOUNT }, {});
    const { gcp } = await deliveryAuthenticators(settings, await googleKeys(env));
    if (!gcp) throw new ConfigError('Pub/Sub push: no authenticator configured');
    return gcp;
  });
}

/**
 * refresh and reconcile: a Google-signed OIDC token (Cloud Scheduler's `oidcToken`, `gcloud auth
 * print-identity-token`) for NETDRIFT_INVOKER_AUDIENCE, of one of NETDRIFT_INVOKER_SERVICE_ACCOUNTS
 * with a verified email. Cloud Run IAM checks the caller first (the functions are deployed without
 * unauthenticated access); this check holds even where that was misconfigured.
 */
export function invokerAuthenticator(env: GcpFunctionEnvironment): () => Promise<Authenticator> {
  return once(async () => {
    const accounts = listSetting(env.NETDRIFT_INVOKER_SERVICE_ACCOUNTS);
    const audience = env.NETDRIFT_INVOKER_AUDIENCE;
    if (!audience || accounts.length === 0) {
      throw new ConfigError('environment NETDRIFT_INVOKER_AUDIENCE and NETDRIFT_INVOKER_SERVICE_ACCOUNTS: required by refresh and reconcile (who may call them)');
    }
    const keys = await googleKeys(env);
    const check: Authenticator = async (request) => {
      const bearer = bearerTokenOf(request);
      if ('reason' in bearer) return refused(`OIDC token: ${bearer.reason}`);
      const result = await verifyRs256(bearer.token, { issuers: GOOGLE_ISSUERS, audiences: [audience], keys });
      if (!result.ok) return refused(`OIDC token: ${result.reason}`);
      const { email, email_verified: verified } = result.claims;
      if (typeof email !== 'string' || !accounts.includes(email)) return refused(`OIDC token: email ${quoted(email ?? '')} may not invoke this function`);
      if (verified !== true) return refused('OIDC token: email_verified is not true');
      return accepted(`OIDC token (${email})`);
    };
    return anyOf(check);
  });
}

/**
 * Runs `handle` for an authenticated request: a refused one is answered 401 (logged with its
 * reason, never the credential); a failure to decide or to run is answered 500 with one line, so
 * the caller (Pub/Sub, Cloud Scheduler) retries.
 */
export async function authenticated(
  req: Request, res: Response, authenticator: () => Promise<Authenticator>, handle: () => Promise<{ status: number; body: unknown }>,
): Promise<void> {
  try {
    const result = await (await authenticator())(authRequestOf(req));
    if (!result.ok) {
      log('warn', `refused ${req.method} ${req.path}: ${result.reason}`);
      res.status(401).json({ error: 'unauthenticated' });
      return;
    }
    const answer = await handle();
    res.status(answer.status).json(answer.body);
  } catch (error) {
    const line = oneLine(error);
    log('error', `${req.method} ${req.path}: ${line}`, error instanceof NetdriftError ? {} : { stack: (error as Error).stack });
    res.status(error instanceof ConfigError ? 500 : 503).json({ error: line });
  }
}
