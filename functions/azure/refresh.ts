import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { ConfigError, oneLine } from '../../core/errors.js';
import { saveCandidate } from '../../snapshots/lifecycle.js';
import type { Authenticator } from '../shared/auth/authenticator.js';
import { entraTokenAuthenticator } from '../shared/auth/event-grid-auth.js';
import { entraJwksUrl, keysFromJwksFile, remoteJwks } from '../shared/auth/jwks.js';
import { listSetting } from '../shared/environment.js';
import { log } from '../shared/log.js';
import { once } from '../shared/runtime.js';
import { captureSubscriptions } from './capture.js';
import { authRequestOf, json, parseBody } from './http.js';
import { azureRuntime } from './wiring.js';

const RefreshRequestSchema = z.strictObject({ subscriptions: z.array(z.string().min(1)).min(1).optional() });

/**
 * How `refresh` is authenticated: the function key (the host checks `?code=` / `x-functions-key`
 * before the code runs: authLevel `function`), or, with NETDRIFT_REFRESH_AUDIENCE set, an Entra ID
 * token for that audience, issued in NETDRIFT_ENTRA_TENANT to one of NETDRIFT_REFRESH_CALLERS (the
 * app ids allowed to call; authLevel `anonymous`, the token checked here).
 */
export function refreshAuth(environment: Record<string, string | undefined>): { authLevel: 'function' | 'anonymous'; authenticator?: () => Promise<Authenticator> } {
  const audience = environment.NETDRIFT_REFRESH_AUDIENCE?.trim();
  if (!audience) return { authLevel: 'function' };
  const tenant = environment.NETDRIFT_ENTRA_TENANT?.trim();
  const callers = listSetting(environment.NETDRIFT_REFRESH_CALLERS);
  if (!tenant || callers.length === 0) throw new ConfigError('environment NETDRIFT_REFRESH_AUDIENCE: needs NETDRIFT_ENTRA_TENANT and NETDRIFT_REFRESH_CALLERS (the app ids that may call)');
  const jwksFile = environment.NETDRIFT_OIDC_JWKS_FILE;
  return {
    authLevel: 'anonymous',
    authenticator: once(async () => entraTokenAuthenticator({
      tenant, audiences: [audience], senderAppIds: callers, keys: jwksFile ? await keysFromJwksFile(jwksFile) : remoteJwks(entraJwksUrl(tenant)),
    })),
  };
}

/**
 * The refresh function (`POST /api/refresh`, optional body `{"subscriptions": [...]}`): captures
 * live state as each subscription's candidate snapshot in Blob storage. The baseline changes only
 * when a person approves (`netdrift snapshot approve --store azblob://…`). A capture that missed a
 * subscription saves nothing and answers 503.
 */
export function createRefreshHandler(environment: Record<string, string | undefined>, runtime = azureRuntime(environment)) {
  const { authenticator } = refreshAuth(environment);
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const raw = await authRequestOf(request);
    if (authenticator) {
      const verdict = await (await authenticator())(raw);
      if (!verdict.ok) {
        log('warn', `refresh: refused: ${verdict.reason}`, { invocationId: context.invocationId });
        return json(401, { error: 'unauthorized' });
      }
    }
    const body = raw.body.byteLength === 0 ? { ok: true as const, value: {} } : parseBody(raw.body);
    const parsed = body.ok ? RefreshRequestSchema.safeParse(body.value) : undefined;
    if (!parsed?.success) return json(400, { error: body.ok ? `body: ${parsed?.error.issues[0]?.message ?? 'invalid'} (expected {"subscriptions": [...]})` : body.reason });
    const deps = await runtime();
    try {
      const captured = await captureSubscriptions(deps, parsed.data);
      // A partial capture approved as a baseline would drop what it missed: never save one.
      if (captured.failures.length > 0) {
        return json(503, { error: `candidate not saved: ${captured.failures.map((f) => `${f.subscription}: ${f.error}`).join('; ')}`, failures: captured.failures });
      }
      const candidates = [];
      for (const snapshot of captured.snapshots) {
        const { sha256 } = await saveCandidate(deps.snapshots, snapshot);
        const entry = { subscription: snapshot.scope.account, resources: snapshot.resources.length, sha256 };
        log('info', 'candidate snapshot saved', entry);
        candidates.push(entry);
      }
      return json(200, { store: deps.storeUrl, candidates });
    } catch (error) {
      log('error', `refresh failed: ${oneLine(error)}`, { invocationId: context.invocationId });
      return json(error instanceof ConfigError ? 500 : 503, { error: oneLine(error) });
    }
  };
}
