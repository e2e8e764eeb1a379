import { z } from 'zod';
import { listSetting, parseEnvironment, sharedEnvironmentShape } from '../shared/environment.js';

/** A Secret Manager secret version: `projects/P/secrets/S/versions/V` (V a number or `latest`). */
export const SECRET_VERSION = /^projects\/[^/\s]+\/secrets\/[^/\s]+\/versions\/[^/\s]+$/;

/**
 * The Cloud Run functions' configuration: environment variables, validated at the instance's
 * start (a bad one fails it with a one-line error naming the variable). The sinks, routing, live
 * reads, TTL and approval key are every platform's (functions/shared/environment.ts); a secret
 * among them may be a Secret Manager version name.
 */
export const GcpFunctionEnvironmentSchema = z.object({
  /** The functions' own project: Firestore's, and the one captured when a request names none. */
  GOOGLE_CLOUD_PROJECT: z.string().min(1),
  NETDRIFT_FIRESTORE_DATABASE: z.string().min(1).default('(default)'),
  /** Collection names start with it (`netdrift-processed`, `netdrift-snapshots`, …). */
  NETDRIFT_FIRESTORE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, _ and -').default('netdrift'),
  /** Regions a capture (refresh, reconcile) covers, comma-separated; default: every region. */
  NETDRIFT_REGIONS: z.string().optional(),
  ...sharedEnvironmentShape({ test: (value) => SECRET_VERSION.test(value), name: 'Secret Manager version (projects/P/secrets/S/versions/V)' }),
  /** One base URL for Compute and Cloud DNS (a Private Service Connect endpoint; a local stand-in in tests). */
  NETDRIFT_GCP_API_ENDPOINT: z.url().optional(),
  /** Pub/Sub push: the subscription's OIDC audience and service account (functions/shared/auth/pubsub-oidc.ts). */
  NETDRIFT_PUBSUB_AUDIENCE: z.string().min(1).optional(),
  NETDRIFT_PUBSUB_SERVICE_ACCOUNT: z.email().optional(),
  /**
   * refresh and reconcile: the audience of the OIDC tokens they accept (the function's URL, as Cloud
   * Scheduler's `oidcToken.audience`), and the service accounts allowed to call them, comma-separated.
   */
  NETDRIFT_INVOKER_AUDIENCE: z.string().min(1).optional(),
  NETDRIFT_INVOKER_SERVICE_ACCOUNTS: z.string().optional(),
  /** A JWKS file with the token-signing keys instead of Google's key URL (tests, air-gapped runs). */
  NETDRIFT_OIDC_JWKS_FILE: z.string().min(1).optional(),
});
export type GcpFunctionEnvironment = z.infer<typeof GcpFunctionEnvironmentSchema>;

/** Parses the environment, or throws `ConfigError` naming the first bad variable (never its value). */
export function parseGcpFunctionEnvironment(env: Record<string, string | undefined>): GcpFunctionEnvironment {
  return parseEnvironment(GcpFunctionEnvironmentSchema, env);
}

/** The regions a capture covers; empty: every region. */
export function captureRegions(env: GcpFunctionEnvironment): string[] {
  return listSetting(env.NETDRIFT_REGIONS);
}
