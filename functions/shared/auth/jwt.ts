import { verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { quoted } from './authenticator.js';

/**
 * The verification keys by key id (`kid`). Verification itself never reaches the network:
 * keys come from a JWKS given at startup, or from a fetcher with a cache (jwks.ts).
 * Resolves undefined for an unknown kid; rejects (TransientError) when keys cannot be had.
 */
export type KeyResolver = (kid: string) => Promise<KeyObject | undefined>;

/** Tokens from Entra ID and Google are a few KB; more is not a token worth parsing. */
const MAX_TOKEN_CHARS = 16 * 1024;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** Clock skew tolerated on `exp` and `nbf`. */
export const DEFAULT_SKEW_SECONDS = 60;

const HeaderSchema = z.looseObject({ alg: z.string(), kid: z.string().min(1).optional() });
const ClaimsSchema = z.looseObject({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  nbf: z.number().optional(),
});

/** The verified claims; other claims (`email`, `appid`, `tid`…) are kept as they came. */
export type JwtClaims = z.infer<typeof ClaimsSchema>;

/** What a token must satisfy to be accepted. */
export interface JwtExpectations {
  keys: KeyResolver;
  /** Accepted `iss` values, compared exactly. */
  issuers: readonly string[];
  /** Accepted `aud` values; the token's `aud` (a string or an array) must hold one of them. */
  audiences: readonly string[];
  /** Clock in epoch ms (tests). */
  now?: () => number;
  skewSeconds?: number;
}

export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; reason: string };

function decodeSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function claimsProblem(claims: JwtClaims, expect: JwtExpectations): string | undefined {
  const now = (expect.now ?? Date.now)() / 1000;
  const skew = expect.skewSeconds ?? DEFAULT_SKEW_SECONDS;
  if (!expect.issuers.includes(claims.iss)) return `token issuer ${quoted(claims.iss)} is not accepted`;
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  if (!audiences.some((aud) => expect.audiences.includes(aud))) return `token audience ${quoted(audiences.join(' '))} is not accepted`;
  if (now > claims.exp + skew) return `token expired ${Math.round(now - claims.exp)} s ago`;
  if (claims.nbf !== undefined && now < claims.nbf - skew) return `token not valid for another ${Math.round(claims.nbf - now)} s`;
  return undefined;
}

/**
 * Verifies a compact JWT signed with RS256 and checks `iss`, `aud`, `exp` and `nbf`. Any other
 * algorithm is refused — `none`, HS256 (a public key used as an HMAC secret) and an RSA key
 * used for another scheme alike — and the key must be an RSA key.
 */
export async function verifyRs256(token: string, expect: JwtExpectations): Promise<JwtResult> {
  const fail = (reason: string): JwtResult => ({ ok: false, reason });
  if (token.length > MAX_TOKEN_CHARS) return fail(`token longer than ${MAX_TOKEN_CHARS} characters`);
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return fail('token is not a signed JWT (header.payload.signature)');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = HeaderSchema.safeParse(decodeSegment(headerPart));
  if (!header.success) return fail('token header is not JSON with "alg"');
  if (header.data.alg !== 'RS256') return fail(`token algorithm ${quoted(header.data.alg)} is not accepted (RS256 only)`);
  if (header.data.kid === undefined) return fail('token header has no "kid"');
  const key = await expect.keys(header.data.kid);
  if (!key) return fail(`no verification key with kid ${quoted(header.data.kid)}`);
  if (key.asymmetricKeyType !== 'rsa') return fail(`key ${quoted(header.data.kid)} is not an RSA key`);
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  if (!verify('sha256', signed, key, Buffer.from(signaturePart, 'base64url'))) return fail('token signature does not verify');
  // Claims are read only once the signature holds: nothing unsigned is trusted, not even for a reason.
  const claims = ClaimsSchema.safeParse(decodeSegment(payloadPart));
  if (!claims.success) return fail(`token claims: ${claims.error.issues[0]?.path.join('.') || 'payload'} missing or not the expected type`);
  const problem = claimsProblem(claims.data, expect);
  return problem ? fail(problem) : { ok: true, claims: claims.data };
}
