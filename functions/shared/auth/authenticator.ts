/**
 * The one port of the trust module: an authenticator looks at a delivery as it arrived (headers,
 * query, raw body) and says who sent it or why it is refused. Platform-neutral: `netdrift serve`,
 * the Azure Functions and the Cloud Functions entry points each translate their request into an
 * {@link AuthRequest} and map a refusal to their platform's 401.
 */

/** A delivery as it arrived, before anything in it is parsed. */
export interface AuthRequest {
  /** Header names in lower case (as Node gives them); a repeated header may be an array. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly query: URLSearchParams;
  /** The raw body: signatures are over these bytes, not over a re-serialised JSON. */
  readonly body: Uint8Array;
}

/**
 * Accepted, with who sent it (for logs; never a secret), or refused with a one-line reason
 * (never a secret, never the presented credential).
 */
export type AuthResult = { ok: true; principal: string } | { ok: false; reason: string };

/**
 * Decides whether a delivery is authentic. Resolves a refusal for a bad credential; rejects
 * only when it cannot decide (a key set that could not be fetched: a `TransientError`).
 */
export type Authenticator = (request: AuthRequest) => Promise<AuthResult>;

/** The delivery comes from `principal` (a description for logs, never a credential). */
export const accepted = (principal: string): AuthResult => ({ ok: true, principal });
/** The delivery is refused for `reason` (one line, never a credential). */
export const refused = (reason: string): AuthResult => ({ ok: false, reason });

/** The first value of a header, by its lower-case name. */
export function headerOf(request: AuthRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

/** The token of `Authorization: Bearer <token>`, or why there is none. */
export function bearerTokenOf(request: AuthRequest): { token: string } | { reason: string } {
  const authorization = headerOf(request, 'authorization');
  if (authorization === undefined) return { reason: 'no Authorization header' };
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  return match?.[1] ? { token: match[1] } : { reason: 'Authorization is not "Bearer <token>"' };
}

/**
 * Accepts what any of the given authenticators accepts (tried in order); otherwise refuses with
 * each one's reason, so the operator sees what every accepted method found wrong.
 */
export function anyOf(...authenticators: readonly Authenticator[]): Authenticator {
  return async (request) => {
    const reasons: string[] = [];
    for (const authenticate of authenticators) {
      const result = await authenticate(request);
      if (result.ok) return result;
      reasons.push(result.reason);
    }
    return refused(reasons.join('; '));
  };
}

/** A value for a one-line reason: at most `max` characters, control characters escaped. */
export function quoted(value: unknown, max = 80): string {
  const text = String(value);
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
