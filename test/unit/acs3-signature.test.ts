// The ACS3-HMAC-SHA256 verifier, judged by requests the real Python SDK signed: alibabacloud-
// aiworkspace20210204 8.3.5 with alibabacloud-tea-openapi 0.4.6 (test/pai-sdk/requirements.txt) sent
// these to a loopback server (ListDatasets with a query needing RFC 3986 escapes, CreateDataset with a
// JSON body), signed with the AccessKey below; they are frozen here with the time they were sent.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acs3Signature, acs3Verifier, canonicalQuery, canonicalRequest, parseAccessKeys, type Acs3Request } from '../../lib/http/acs3-signature.js';

const AK = 'LTAItestvector';
const SECRET = 'vector-secret-0123456789';
const SENT_AT = Date.parse('2026-12-02T06:34:40Z');

const LIST_DATASETS = {
    method: "GET",
    pathWithQuery: "/api/v1/datasets?Name=cats+%26+dogs&PageSize=5&WorkspaceId=12%2A3",
    headers: [
      ["Accept-Encoding", "identity"],
      ["host", "127.0.0.1:36263"],
      ["x-acs-version", "2021-02-04"],
      ["x-acs-action", "ListDatasets"],
      ["user-agent", "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"],
      ["x-acs-date", "2026-12-02T06:34:40Z"],
      ["x-acs-signature-nonce", "4e386c69f5a33d381b49742908ab7fd4"],
      ["accept", "application/json"],
      ["x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
      ["x-acs-credentials-provider", "static_ak"],
      ["Authorization", "ACS3-HMAC-SHA256 Credential=LTAItestvector,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=5eed0dfb85c13b1bd1049e5b3dd9741ffe2c943ed3b88cdbe22a909b57df7931"],
    ] as Array<[string, string]>,
    body: "",
  };

const CREATE_DATASET = {
    method: "POST",
    pathWithQuery: "/api/v1/datasets",
    headers: [
      ["Accept-Encoding", "identity"],
      ["host", "127.0.0.1:36263"],
      ["x-acs-version", "2021-02-04"],
      ["x-acs-action", "CreateDataset"],
      ["user-agent", "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"],
      ["x-acs-date", "2026-12-02T06:34:40Z"],
      ["x-acs-signature-nonce", "06524eb2e951735c2f5b8402201908cb"],
      ["accept", "application/json"],
      ["content-type", "application/json; charset=utf-8"],
      ["x-acs-content-sha256", "cdae89b47602c5d30380ad708ae6275c71cce7e5805dfaa8467da2be8d1fdfa2"],
      ["x-acs-credentials-provider", "static_ak"],
      ["Authorization", "ACS3-HMAC-SHA256 Credential=LTAItestvector,SignedHeaders=accept;content-type;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=bb62ba30d7c18f1335c266cb65cee1ee266e366bf79089a2547e75923192f996"],
      ["Content-Length", "125"],
    ] as Array<[string, string]>,
    body: "{\"DataSourceType\":\"OSS\",\"DataType\":\"PIC\",\"Name\":\"x y\",\"Property\":\"DIRECTORY\",\"Uri\":\"oss://b.oss-cn-hangzhou.aliyuncs.com/p/\"}",
  };

type Captured = typeof LIST_DATASETS;

function requestOf(r: Captured, change: (h: Headers) => void = () => {}): Acs3Request {
  const headers = new Headers(r.headers);
  change(headers);
  const q = r.pathWithQuery.indexOf('?');
  return {
    method: r.method,
    rawPath: q < 0 ? r.pathWithQuery : r.pathWithQuery.slice(0, q),
    rawQuery: q < 0 ? '' : r.pathWithQuery.slice(q + 1),
    headers,
  };
}

const verifierAt = (t: number, keys = `${AK}:${SECRET}`) => acs3Verifier(parseAccessKeys(keys), () => t);

describe('ACS3-HMAC-SHA256 verification against the Python SDK', () => {
  it('accepts the GET the SDK signed (query re-encoded as RFC 3986: + is a space, * is %2A)', () => {
    const check = verifierAt(SENT_AT).verify(requestOf(LIST_DATASETS));
    expect(check).toEqual({ ok: true, accessKeyId: AK, payloadSha256: createHash('sha256').update('').digest('hex') });
    expect(canonicalQuery('Name=cats+%26+dogs&PageSize=5&WorkspaceId=12%2A3')).toBe('Name=cats%20%26%20dogs&PageSize=5&WorkspaceId=12%2A3');
  });

  it('accepts the POST the SDK signed, and vouches for the hash of the body it sent', () => {
    const check = verifierAt(SENT_AT + 14 * 60_000).verify(requestOf(CREATE_DATASET));
    expect(check).toMatchObject({ ok: true, payloadSha256: createHash('sha256').update(CREATE_DATASET.body).digest('hex') });
  });

  it('matches the signature the SDK computed, from the canonical request', () => {
    const req = requestOf(LIST_DATASETS);
    const auth = req.headers.get('authorization')!;
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
    const canonical = canonicalRequest(req, signedHeaders, req.headers.get('x-acs-content-sha256')!);
    expect(canonical.split('\n').slice(0, 3)).toEqual(['GET', '/api/v1/datasets', 'Name=cats%20%26%20dogs&PageSize=5&WorkspaceId=12%2A3']);
    expect(acs3Signature(SECRET, canonical)).toBe(/Signature=([0-9a-f]+)/.exec(auth)![1]);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch', () => {
    expect(verifierAt(SENT_AT, `${AK}:not-the-secret`).verify(requestOf(LIST_DATASETS))).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('refuses an AccessKey ID that is not configured', () => {
    expect(verifierAt(SENT_AT, `other:${SECRET}`).verify(requestOf(LIST_DATASETS))).toMatchObject({ ok: false, code: 'InvalidAccessKeyId.NotFound' });
  });

  it('refuses a request changed after signing: query, path, signed header', () => {
    const v = verifierAt(SENT_AT);
    const r = requestOf(LIST_DATASETS);
    expect(v.verify({ ...r, rawQuery: r.rawQuery.replace('PageSize=5', 'PageSize=6') })).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(v.verify({ ...r, rawPath: '/api/v1/datasets/d-1' })).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(v.verify(requestOf(CREATE_DATASET, (h) => h.set('x-acs-content-sha256', createHash('sha256').update('{}').digest('hex'))))).toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses an x-acs-* header the signature does not cover', () => {
    const check = verifierAt(SENT_AT).verify(requestOf(LIST_DATASETS, (h) => h.set('x-acs-security-token', 't')));
    expect(check).toMatchObject({ ok: false, code: 'IncompleteSignature' });
  });

  it('refuses x-acs-date more than 15 minutes away, either way', () => {
    expect(verifierAt(SENT_AT + 15 * 60_000 + 1000).verify(requestOf(LIST_DATASETS))).toMatchObject({ code: 'InvalidTimeStamp.Expired' });
    expect(verifierAt(SENT_AT - 15 * 60_000 - 1000).verify(requestOf(LIST_DATASETS))).toMatchObject({ code: 'InvalidTimeStamp.Expired' });
  });

  it('refuses a nonce used before inside the window', () => {
    const v = verifierAt(SENT_AT);
    expect(v.verify(requestOf(LIST_DATASETS)).ok).toBe(true);
    expect(v.verify(requestOf(LIST_DATASETS))).toMatchObject({ ok: false, code: 'SignatureNonceUsed' });
  });

  it('never names the secret in a refusal', () => {
    const v = verifierAt(SENT_AT, `${AK}:${SECRET}`);
    const answers = [
      v.verify(requestOf(LIST_DATASETS, (h) => h.set('authorization', h.get('authorization')!.replace(/Signature=\w+/, 'Signature=00')))),
      v.verify(requestOf(LIST_DATASETS, (h) => h.set('x-acs-date', 'yesterday'))),
    ];
    for (const a of answers) expect(JSON.stringify(a)).not.toContain(SECRET);
  });

  it('parses LOUPE_ACCESS_KEYS pairs (a secret may contain a colon)', () => {
    expect([...parseAccessKeys(' a:b , c:d:e ')]).toEqual([
      ['a', 'b'],
      ['c', 'd:e'],
    ]);
  });
});
