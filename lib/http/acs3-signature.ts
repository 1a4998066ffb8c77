// Alibaba Cloud request signatures (ACS3-HMAC-SHA256), as PAI's official SDKs send them: darabonba's
// alibabacloud-tea-openapi signs every call with an AccessKey pair (Python `Utils.get_authorization`,
// TS/Go `openapi-util` getAuthorization). Verified here so those SDKs run against Loupe unchanged.
//
//   Authorization: ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<h1;h2;…>,Signature=<hex>
//   canonical request = METHOD \n URI \n sorted RFC 3986 query \n `name:value\n` per signed header \n
//                       signed headers \n x-acs-content-sha256
//   string to sign    = ACS3-HMAC-SHA256 \n hex(sha256(canonical request));  signature = hex(hmac(secret, it))
//
// The signature covers `x-acs-content-sha256`, not the body: the caller checks the body it actually
// receives against `payloadSha256` once it has read it (app.ts), so an unsigned caller is refused
// before a byte of its body is read.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { API_KEY_PRINCIPAL_PREFIX } from './auth.js';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';
/** How far `x-acs-date` may be from the server's clock, either way (PAI's window). */
export const ACS3_WINDOW_MS = 15 * 60 * 1000;
/**
 * Nonces remembered at most: each stays until its request's `x-acs-date` leaves the window. A local
 * server never comes near it; when full of unexpired nonces, signed calls are refused (never is an
 * old nonce forgotten early, which would let its request be replayed).
 */
const MAX_NONCES = 100_000;

/** What the verifier reads of a request: the path and query exactly as they came over the wire. */
export interface Acs3Request {
  method: string;
  /** The path as received, still percent-encoded (what the SDK signed). */
  rawPath: string;
  /** The query string as received, without `?` (form-encoded by the SDK; decoded and re-encoded here). */
  rawQuery: string;
  headers: Headers;
}

/** PAI's error codes for a signed request that is refused (all 401 except NonceStoreFull). */
export type Acs3ErrorCode =
  | 'IncompleteSignature'
  | 'InvalidAccessKeyId.NotFound'
  | 'SignatureDoesNotMatch'
  | 'InvalidTimeStamp.Expired'
  | 'InvalidTimeStamp.Format'
  | 'SignatureNonceUsed'
  | 'MissingSignatureNonce'
  | 'ServiceUnavailable';

export type Acs3Check =
  | { ok: true; accessKeyId: string; /** Lower-case hex sha256 the received body must have. */ payloadSha256: string }
  | { ok: false; code: Acs3ErrorCode; message: string };

export interface Acs3Verifier {
  verify(req: Acs3Request): Acs3Check;
}

/** A secret in LOUPE_ACCESS_KEYS given sealed (`id:sealed:v1.…`, made by `loupe seal`) rather than in clear. */
export const SEALED_PREFIX = 'sealed:';

/**
 * `id:secret,id:secret` (LOUPE_ACCESS_KEYS) → id → secret. A secret written `sealed:v1.…` is opened
 * with `open` (the server's SecretBox, as connection secrets are), so the variable need not hold it in
 * clear. An id may not start with `apikey-` (API keys' principals). Throws (naming no secret) on a bad entry.
 */
export function parseAccessKeys(value: string | undefined, open?: (sealed: string) => string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const entry of (value ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const cut = entry.indexOf(':');
    const id = entry.slice(0, cut).trim();
    let secret = entry.slice(cut + 1).trim();
    if (cut <= 0 || !id || !secret) throw new Error(`entry ${keys.size + 1}: expected id:secret`);
    // An AccessKey ID is the principal of the requests it signs: it must not pass for an API key's.
    if (id.toLowerCase().startsWith(API_KEY_PRINCIPAL_PREFIX)) {
      throw new Error(`entry ${keys.size + 1} (${id}): an AccessKey ID may not start with '${API_KEY_PRINCIPAL_PREFIX}' (that names API keys as creators)`);
    }
    if (secret.startsWith(SEALED_PREFIX)) {
      if (!open) throw new Error(`entry ${keys.size + 1} (${id}): a sealed secret needs the server's secret key`);
      try {
        secret = open(secret.slice(SEALED_PREFIX.length));
      } catch {
        throw new Error(`entry ${keys.size + 1} (${id}): the sealed secret could not be opened (sealed under another LOUPE_SECRET_KEY, or altered)`);
      }
    }
    keys.set(id, secret);
  }
  return keys;
}

/** True when the request carries an ACS3 signature (rather than a bearer key or a signed URL). */
export function isAcs3Signed(authorization: string | undefined): boolean {
  return !!authorization && authorization.trimStart().startsWith(`${ACS3_ALGORITHM} `);
}

/** RFC 3986 percent-encoding: what Python's `quote(v, safe='~')` and the SDKs' percentEncode produce. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The sorted, RFC 3986-encoded query the SDK signed, from the query as received (`+` is a space). */
export function canonicalQuery(rawQuery: string): string {
  const pairs = [...new URLSearchParams(rawQuery)].map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** The canonical request over the headers the client says it signed (lower-case, sorted, trimmed). */
export function canonicalRequest(req: Acs3Request, signedHeaders: string[], payloadSha256: string): string {
  const headerLines = signedHeaders.map((h) => `${h}:${(req.headers.get(h) ?? '').trim()}\n`).join('');
  return [req.method.toUpperCase(), req.rawPath || '/', canonicalQuery(req.rawQuery), headerLines, signedHeaders.join(';'), payloadSha256].join('\n');
}

export function acs3Signature(secret: string, canonical: string): string {
  const stringToSign = `${ACS3_ALGORITHM}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
  return createHmac('sha256', secret).update(stringToSign, 'utf8').digest('hex');
}

function parseAuthorization(header: string): { credential: string; signedHeaders: string[]; signature: string } | undefined {
  const rest = header.trim().slice(ACS3_ALGORITHM.length).trim();
  const fields = new Map<string, string>();
  for (const part of rest.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signed || !signature) return undefined;
  return { credential, signedHeaders: signed.split(';').map((h) => h.trim().toLowerCase()), signature };
}

/**
 * Headers that must be among the signed ones: the SDK always signs them, and leaving one out would let
 * its value (the body's hash, the time, the nonce, the target host) be changed without breaking the
 * signature. Any `x-acs-*` header present, and `content-type` when present, must be signed too.
 */
const MUST_SIGN = ['host', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'];

export function acs3Verifier(accessKeys: Map<string, string>, now: () => number = Date.now): Acs3Verifier {
  /** nonce → the time after which its request is out of the window anyway. */
  const nonces = new Map<string, number>();
  const fail = (code: Acs3ErrorCode, message: string): Acs3Check => ({ ok: false, code, message });

  const remember = (nonce: string, until: number, t: number): boolean => {
    if (nonces.size >= MAX_NONCES) for (const [n, u] of nonces) if (u < t) nonces.delete(n);
    if (nonces.size >= MAX_NONCES) return false;
    nonces.set(nonce, until);
    return true;
  };

  return {
    verify(req) {
      const parsed = parseAuthorization(req.headers.get('authorization') ?? '');
      if (!parsed) return fail('IncompleteSignature', `the Authorization header must be '${ACS3_ALGORITHM} Credential=<AccessKeyId>,SignedHeaders=<…>,Signature=<hex>'`);
      const signed = new Set(parsed.signedHeaders);
      const unsigned = [
        ...MUST_SIGN.filter((h) => !signed.has(h)),
        ...[...req.headers.keys()].filter((h) => !signed.has(h) && (h.startsWith('x-acs-') || (h === 'content-type'))),
      ];
      if (unsigned.length) return fail('IncompleteSignature', `these headers must be signed: ${[...new Set(unsigned)].join(', ')}`);
      const payloadSha256 = req.headers.get('x-acs-content-sha256')!.trim().toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(payloadSha256)) return fail('IncompleteSignature', 'x-acs-content-sha256 must be the hex SHA-256 of the body');

      // The key id is no secret (it is sent in clear); the secret never appears in an answer.
      const secret = accessKeys.get(parsed.credential);
      if (secret === undefined) return fail('InvalidAccessKeyId.NotFound', `the AccessKey ID '${parsed.credential.slice(0, 64)}' is not configured here (LOUPE_ACCESS_KEYS)`);

      const expected = Buffer.from(acs3Signature(secret, canonicalRequest(req, parsed.signedHeaders, payloadSha256)));
      const given = Buffer.from(parsed.signature.toLowerCase());
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        return fail('SignatureDoesNotMatch', 'the request signature does not match: check the AccessKey secret and that the request is signed as sent');
      }

      // Time and nonce only once the signature holds: an unsigned caller learns nothing about them.
      const dateText = req.headers.get('x-acs-date')!.trim();
      const date = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(dateText) ? Date.parse(dateText) : NaN;
      if (!Number.isFinite(date)) return fail('InvalidTimeStamp.Format', "x-acs-date must be UTC 'yyyy-MM-ddTHH:mm:ssZ'");
      const t = now();
      if (Math.abs(t - date) > ACS3_WINDOW_MS) return fail('InvalidTimeStamp.Expired', 'x-acs-date is more than 15 minutes from the server time: check the client clock');
      const nonce = req.headers.get('x-acs-signature-nonce')!.trim();
      if (!nonce) return fail('MissingSignatureNonce', 'x-acs-signature-nonce is empty');
      const seen = nonces.get(nonce);
      if (seen !== undefined && seen >= t) return fail('SignatureNonceUsed', 'this x-acs-signature-nonce was already used: every request needs a new one');
      if (!remember(nonce, date + ACS3_WINDOW_MS, t)) return fail('ServiceUnavailable', 'too many signed requests in the last 15 minutes to remember their nonces; retry later');
      return { ok: true, accessKeyId: parsed.credential, payloadSha256 };
    },
  };
}
