// API fuzz (issue 10, "Tests and proof"): every route of /openapi.json gets random and mutated
// requests — values built from its schema, then mutated: wrong types, missing and extra fields, huge
// strings, NUL, lone surrogates, bytes that are not UTF-8, broken JSON, the wrong content type, odd
// path parameters and query strings. Seeded (LOUPE_FUZZ_SEED reproduces a run) and bounded. Every
// answer is a 2xx or a 4xx (never a 5xx, never a hang), every error body is {Code, Message,
// RequestId}, and the server's memory stays bounded. Runs against a started server over a temp folder
// that is its only file root; model connections are local ones (nothing leaves the machine).
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRng, type Rng } from '../support/dsl-corpus.js';
import { fuzzQuery, mutate } from '../support/dsl-fuzz-inputs.js';
import { indexedDataset, startTestLoupe, type StartedTestLoupe } from './started-loupe.js';

const SEED = Number(process.env.LOUPE_FUZZ_SEED ?? 1010);
const REQUESTS = 3000;
const MiB = 1024 * 1024;

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: 'path' | 'query'; schema: Schema }>;
  body?: Schema;
}

/** Ids and values that exist, so that requests reach past the 404s; filled in by the set-up. */
interface Pool {
  DatasetId: string[];
  VersionName: string[];
  DatasetFileMetaId: string[];
  DatasetJobId: string[];
  ConnectionId: string[];
  TagDefinitionId: string[];
  Uri: string[];
  NextToken: string[];
  /** What DELETE routes may remove (the fixtures above stay): DatasetId, ConnectionId, TagDefinitionId. */
  victims: Record<string, string[]>;
}

const WORDS = ['a', 'car', 'red car', '蓝色汽车', 'ﬁle', 'v1', 'ACTIVE', 'Score', 'x'.repeat(300), '../..', '%00', '\\', '"', "'", ' ', '', '🚗', 'constructor', '__proto__'];
const ODD = ['\u0000', '\u0007', '\u001b[31m', '\u0085', '\u007f', '\ud800', '\udfff', '\ufeff', '\u202e', '\r\n', '\t', '%', '%ZZ', '&', '=', '?', '#', '/', ';'];
const EXPRESSIONS = ['HAS Uri', 'FileName="a.png"', 'Tags.all="x" OR NOT FileDir:"pics"', 'FileUpdateTime > "2020-01-01T00:00:00Z"', 'DataSize >= 10 AND TopK=5'];
const TIMES = ['2025-02-28T00:00:00Z', '2025-13-45', '0000-01-01', 'yesterday', '2025-02-28T00:00:00+25:00'];
const JOB_SPEC_KEYS = [
  'verify', 'batchSize', 'target', 'format', 'uri', 'images', 'logicalDatasetId', 'search', 'overwrite', 'concurrency', 'tagDefinitionId', 'connectionId', 'model',
  // PAI's keys (SemanticIndex, IntelligentTag, IntelligentTagRevert)
  'intelligentTagConnectionId', 'promptId', 'modelId', 'contentList', 'embeddingConnectionId', 'databaseConnectionId', 'databaseTableName', 'vectorIndexConfig', 'intelligentTagJobId',
];

class Fuzzer {
  constructor(
    private readonly rng: Rng,
    private readonly doc: Schema,
    private readonly pool: Pool,
  ) {}

  int = (n: number) => Math.floor(this.rng() * n);
  chance = (p: number) => this.rng() < p;
  pick = <T,>(xs: readonly T[]): T => xs[this.int(xs.length)]!;

  resolve(s: Schema | undefined): Schema {
    let out = s ?? {};
    while (out.$ref) out = this.doc.components.schemas[String(out.$ref).split('/').pop()!] ?? {};
    return out;
  }

  /** Text of about `max` characters at most: words, odd characters, or (rarely) something huge. */
  text(max = 64): string {
    const r = this.rng();
    if (r < 0.02) return 'h'.repeat(64 * 1024 + this.int(MiB));
    if (r < 0.5) return this.pick(WORDS);
    if (r < 0.8) return Array.from({ length: 1 + this.int(8) }, () => this.pick([...WORDS, ...ODD])).join('');
    return mutate(this.rng, this.pick(WORDS)).slice(0, Math.max(1, max));
  }

  /** A value for a field called `name` (a known id, version, URI…), else from its schema. */
  value(schema: Schema | undefined, name = '', depth = 0): unknown {
    const s = this.resolve(schema);
    const known = this.known(name);
    if (known !== undefined && this.chance(0.85)) return known;
    if (s.anyOf || s.oneOf) return this.value(this.pick(s.anyOf ?? s.oneOf), name, depth);
    if (s.enum) return this.chance(0.95) ? this.pick(s.enum) : this.text();
    if ('const' in s) return s.const;
    const type = Array.isArray(s.type) ? this.pick(s.type) : s.type;
    switch (type) {
      case 'string':
        if (s.pattern && name.match(/Version/)) return this.pick(this.pool.VersionName);
        if (s.pattern) return this.pick(['fuzz-index', 'idx_1', 'v1', 'Bad Index']);
        return this.text(s.maxLength ?? 64);
      case 'integer':
      case 'number': {
        const lo = s.minimum ?? s.exclusiveMinimum ?? 0;
        const hi = Math.min(s.maximum ?? 1000, lo + 1000);
        const n = lo + this.rng() * (hi - lo);
        return type === 'integer' ? Math.round(n) : n;
      }
      case 'boolean':
        return this.chance(0.5);
      case 'null':
        return null;
      case 'array': {
        if (depth > 4) return [];
        const n = Math.max(s.minItems ?? 0, this.int(Math.min(s.maxItems ?? 4, 4) + 1));
        return Array.from({ length: n }, () => this.value(s.items, name, depth + 1));
      }
      case 'object':
      default: {
        if (depth > 4) return {};
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) {
          if ((s.required ?? []).includes(k) || this.chance(0.5)) out[k] = this.value(v, k, depth + 1);
        }
        if (s.additionalProperties && this.chance(0.7)) {
          for (let i = this.int(3); i >= 0; i--) out[this.pick(['BaseUrl', 'ApiKey', 'Model', 'x', this.text(16)])] = this.value(s.additionalProperties, '', depth + 1);
        }
        return out;
      }
    }
  }

  private known(name: string): unknown {
    const p = this.pool;
    if (/^(DatasetId|SourceDatasetId|logicalDatasetId)$/.test(name)) return this.pick(p.DatasetId);
    if (/^(VersionName|DatasetVersion|BaseVersion)$/.test(name)) return this.pick(p.VersionName);
    if (name === 'DatasetFileMetaId') return this.pick(p.DatasetFileMetaId);
    if (name === 'DatasetFileMetaIds') return this.chance(0.5) ? p.DatasetFileMetaId.join(',') : p.DatasetFileMetaId;
    if (name === 'DatasetJobId') return this.pick(p.DatasetJobId);
    if (/ConnectionId$/.test(name)) return this.pick(p.ConnectionId);
    if (name === 'TagDefinitionId') return this.pick(p.TagDefinitionId);
    if (/^(Uri|LabelsUri|QueryImage|uri)$/.test(name)) return this.pick(p.Uri);
    if (name === 'NextToken') return this.pick(p.NextToken.length ? p.NextToken : ['x']);
    if (name === 'QueryExpression') return fuzzQuery(this.rng, EXPRESSIONS);
    if (/Time$/.test(name)) return this.pick(TIMES);
    if (name === 'ThumbnailMode') return this.pick(['m_lfit,w_64,h_64', 'm_fill,w_10000,h_1', 'w_0', 'm_lfit,w_64,h_64,format_webp', this.text()]);
    if (name === 'QueryImageData') return this.pick(['iVBORw0KGgo=', 'not base64!', 'data:image/png;base64,AAAA', '']);
    if (name === 'JobSpec') return this.jobSpec();
    // the pool's resources belong to no workspace: '' names none (another one is a 404)
    if (name === 'WorkspaceId') return this.pick(['', '', '', 'ws-other']);
    return undefined;
  }

  private jobSpec(): unknown {
    if (this.chance(0.2)) return this.pick(['', '{', '[]', '{"verify":"decode"}', 'null']);
    const spec: Record<string, unknown> = {};
    for (let i = this.int(5); i >= 0; i--) {
      const k = this.pick(JOB_SPEC_KEYS);
      spec[k] = this.known(k) ?? this.pick<unknown>(['decode', 'header', 'logical', 'file', 'manifest', 'csv', 'gme', 'copy', 3, 0, -1, true, null, {}, [], { QueryFileName: 'a' }]);
    }
    return spec;
  }

  /** The value with one part broken: a wrong type, a field dropped or added, NUL, huge, nested junk. */
  mutated(v: unknown, depth = 0): unknown {
    if (v !== null && typeof v === 'object' && depth < 4 && this.chance(0.7)) {
      const copy: any = Array.isArray(v) ? [...v] : { ...v };
      const keys = Object.keys(copy);
      if (keys.length && this.chance(0.75)) {
        const k = this.pick(keys);
        if (this.chance(0.2)) delete copy[k];
        else copy[k] = this.mutated(copy[k], depth + 1);
      } else {
        // An own property, even for '__proto__' (as JSON.parse makes it on the server).
        Object.defineProperty(copy, this.pick(['extra', '__proto__', 'constructor', 'Name', '']), { value: this.junk(), enumerable: true, writable: true, configurable: true });
      }
      return copy;
    }
    if (typeof v === 'string' && this.chance(0.6)) return mutate(this.rng, v) + (this.chance(0.3) ? this.pick(ODD) : '');
    return this.junk();
  }

  junk(): unknown {
    return this.pick<() => unknown>([
      () => null,
      () => this.int(2) ? -1 : 2 ** 53 + 1,
      () => 1e308,
      () => -0.5,
      () => true,
      () => '',
      () => this.pick(ODD),
      () => 'x\u0000y',
      () => 'x\ud800y',
      () => 's'.repeat(100_000),
      () => [],
      () => [[[[[[]]]]]],
      () => Array.from({ length: 2000 }, (_, i) => `t${i}`),
      () => ({}),
      () => ({ a: { b: { c: null } } }),
      () => this.text(),
    ])();
  }

  pathParam(name: string): string {
    const raw = this.chance(0.9) ? String(this.known(name) ?? this.text()) : this.pick(['..', '.', '%2e%2e', 'a%2Fb', '%00', '%ZZ', '%ED%A0%80', 'x'.repeat(300), '💥', ' ', 'null', '-1']);
    return raw.includes('%') ? raw : encodeLoose(raw);
  }

  /** A query string, sometimes with raw junk: invalid percent escapes, repeated and unknown keys. */
  query(op: Operation): string {
    const parts: string[] = [];
    for (const p of op.params.filter((x) => x.in === 'query')) {
      if (!this.chance(0.45)) continue;
      let v = this.value(p.schema, p.name);
      if (this.chance(0.2)) v = this.mutated(v);
      const text = Array.isArray(v) ? (this.chance(0.5) ? JSON.stringify(v) : v.join(',')) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
      parts.push(`${p.name}=${encodeLoose(text.slice(0, 6000))}`);
    }
    if (this.chance(0.15)) parts.push(this.pick(['MaxResults=0', 'MaxResults=-1', 'MaxResults=1e9', 'MaxResults=abc', 'NextToken=%FF%FE', 'x=%', 'Name=%ED%A0%80', 'Name=%00', '=', '&&', 'TopK=1&TopK=2', 'Unknown=1']));
    return parts.length ? `?${parts.join('&')}` : '';
  }

  /** A body: from the schema (maybe mutated), or raw junk, or the wrong content type. */
  body(op: Operation): { body?: string | Uint8Array; type?: string } {
    if (!op.body && this.chance(0.85)) return {};
    const r = this.rng();
    const valid = op.body ? this.value(op.body) : {};
    if (r < 0.5) return { body: JSON.stringify(valid), type: 'application/json' };
    if (r < 0.8) return { body: JSON.stringify(this.mutated(valid)), type: 'application/json' };
    if (r < 0.87) {
      const raw = this.pick(['', '{', '{"a":', 'null', '[]', '"x"', '1e999', 'NaN', '{"Name":"x",}', '\u0000', `${'['.repeat(50_000)}${']'.repeat(50_000)}`, `{"a":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_001)}`]);
      return { body: raw, type: 'application/json' };
    }
    if (r < 0.92) return { body: Buffer.concat([Buffer.from('{"Name":"'), Buffer.from([0xc3, 0x28, 0xff, 0xed, 0xa0, 0x80]), Buffer.from('"}')]), type: 'application/json' };
    if (r < 0.96) return { body: JSON.stringify(valid), type: this.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '']) };
    return { body: JSON.stringify({ ...(valid as object), Pad: 'p'.repeat(5 * MiB) }), type: 'application/json' };
  }
}

/** encodeURIComponent, but a lone surrogate becomes its 3 bytes (as WTF-8 would): invalid UTF-8 on the wire. */
function encodeLoose(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += cp >= 0xd800 && cp <= 0xdfff ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('') : encodeURIComponent(ch);
  }
  return out;
}

function operationsOf(doc: Schema): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(methods)) {
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p: Schema) => ({ name: p.name, in: p.in, schema: p.schema })),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return ops;
}

describe('API fuzz', () => {
  let loupe: StartedTestLoupe;
  let pool: Pool;

  beforeAll(async () => {
    // Model calls, if any were reached, fail fast and are not retried.
    loupe = await startTestLoupe('loupe-sec-fuzz-', { LOUPE_MODEL_TIMEOUT_MS: '1000', LOUPE_MODEL_RETRIES: '0' });
    const c = loupe.client;
    const ds = await indexedDataset(loupe, 'pics', ['a.png', 'b.png', 'sub/c.png', 'sub/d.png']);
    const metas = await c.listDatasetFileMetas(ds);
    const classic = await c.createConnection({ ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection' });
    const local = await c.createConnection({ ConnectionName: 'local', ConnectionType: 'LocalVectorConnection' });
    const tags = await c.createTagDefinition({ Name: 'weather', Tags: [{ Name: 'weather', Values: ['sunny', 'rainy'] }] });
    const logical = await c.createDataset({ Name: 'picked', Edition: 'LOGICAL' });
    const exported = await c.createDatasetJob(ds, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: { target: 'logical', logicalDatasetId: logical.DatasetId } });
    await c.waitForJob(ds, exported.DatasetJobId, { intervalMs: 50 });
    const jobs = await c.listDatasetJobs(ds);
    const page = await c.listDatasetFileMetas(ds, { MaxResults: 1 });
    const root = pathToFileURL(loupe.root).href;
    const victims: Record<string, string[]> = { DatasetId: [], ConnectionId: [], TagDefinitionId: [] };
    for (let i = 0; i < 5; i++) {
      victims.DatasetId!.push((await c.createDataset({ Name: `victim-${i}`, Uri: `${root}/pics/` })).DatasetId);
      victims.ConnectionId!.push((await c.createConnection({ ConnectionName: `victim-${i}`, ConnectionType: 'LocalVectorConnection' })).ConnectionId);
      victims.TagDefinitionId!.push((await c.createTagDefinition({ Name: `victim-${i}`, Tags: [{ Name: 'x' }] })).TagDefinitionId);
    }
    pool = {
      victims,
      DatasetId: [ds, ds, ds, logical.DatasetId, 'd-missing'],
      VersionName: ['v1', 'v1', 'v2'],
      DatasetFileMetaId: metas.DatasetFileMetas.map((m) => m.DatasetFileMetaId),
      DatasetJobId: jobs.DatasetJobs.map((j) => j.DatasetJobId),
      ConnectionId: [classic.ConnectionId, local.ConnectionId],
      TagDefinitionId: [tags.TagDefinitionId],
      // Only places under the temp root to write; reads may look outside (and must be refused).
      Uri: [`${root}/pics/`, `${root}/pics/a.png`, `${root}/out/`, `${root}/missing/`, `${root}/data/`, 'file:///etc/hostname', 'file:///proc/self/', 'oss://bucket/x/', 'http://127.0.0.1:9/x', 'not a uri'],
      NextToken: page.NextToken ? [page.NextToken] : [],
    };
  }, 120_000);
  afterAll(() => loupe?.stop());

  it(`${REQUESTS} random and mutated requests over every route: only 2xx/4xx, error bodies {Code, Message, RequestId}, memory bounded`, async () => {
    const doc = (await loupe.client.openApi()) as Schema;
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThan(30);
    const rng = seededRng(SEED);
    const fuzz = new Fuzzer(rng, doc, pool);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let rssBefore = 0;
    let last = '';

    for (let i = 0; i < REQUESTS; i++) {
      if (i === 200) {
        global.gc?.();
        rssBefore = process.memoryUsage().rss;
      }
      // Every route in turn, so each gets its share; the rest of the request is random.
      const op = ops[i % ops.length]!;
      let path = op.path;
      for (const p of op.params.filter((x) => x.in === 'path')) {
        // Deleting the shared fixtures would turn the rest into 404s: deletes aim at victims.
        const victims = op.method === 'DELETE' ? pool.victims[p.name] : undefined;
        path = path.replace(`{${p.name}}`, victims ? encodeURIComponent(fuzz.pick([...victims, `gone-${i}`])) : fuzz.pathParam(p.name));
      }
      if (fuzz.chance(0.03)) path = fuzz.pick([`${path}/extra`, path.replace('/api/v1', '/api/v2'), `${path}%00`, `/${'a/'.repeat(500)}`]);
      const { body, type } = fuzz.body(op);
      const headers: Record<string, string> = {};
      if (!fuzz.chance(0.03)) headers.authorization = `Bearer ${fuzz.chance(0.02) ? 'wrong-key' : loupe.apiKey}`;
      if (type) headers['content-type'] = type;
      if (fuzz.chance(0.05)) headers['x-request-id'] = fuzz.pick(['', 'x'.repeat(200), 'a b', 'ok-id']);
      const target = `${path}${fuzz.query(op)}`;

      const what = `#${i} ${op.method} ${target.slice(0, 200)} (${type ?? 'no body'}, ${body?.length ?? 0} bytes)`;

      let res: Response;
      try {
        res = await fetch(loupe.url + target, { method: op.method, headers, body: ['GET', 'HEAD'].includes(op.method) ? undefined : body, signal: AbortSignal.timeout(20_000) });
      } catch (e) {
        failures.push(`${what}: no answer (${(e as Error).name}: ${(e as Error).message}${(e as Error).cause ? `: ${String((e as Error).cause)}` : ''}) after ${last}`);
        continue;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      last = `${what} → ${res.status}\n` + last.split('\n').slice(0, 6).join('\n');
      const text = Buffer.from(await res.arrayBuffer());
      if (res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400)) {
        failures.push(`${what}: ${res.status} ${text.toString('utf8').slice(0, 300)}`);
        continue;
      }
      if (res.status >= 400) {
        let err: any;
        try {
          err = JSON.parse(text.toString('utf8'));
        } catch {
          failures.push(`${what}: ${res.status} with a body that is not JSON: ${text.toString('utf8').slice(0, 200)}`);
          continue;
        }
        if (typeof err?.Code !== 'string' || typeof err?.Message !== 'string' || typeof err?.RequestId !== 'string') {
          failures.push(`${what}: ${res.status} error body not {Code, Message, RequestId}: ${text.toString('utf8').slice(0, 200)}`);
        }
      } else if (res.headers.get('content-type')?.includes('json')) {
        const ok = JSON.parse(text.toString('utf8'));
        if (typeof ok.NextToken === 'string' && pool.NextToken.length < 20) pool.NextToken.push(ok.NextToken);
      }
    }

    global.gc?.();
    const growth = process.memoryUsage().rss - rssBefore;
    expect(failures.slice(0, 25), `seed ${SEED}: ${failures.length} failures; statuses ${JSON.stringify([...statuses])}`).toEqual([]);
    // Some requests of each family reached past validation.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(REQUESTS / 10);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(REQUESTS / 10);
    expect(statuses.get(413) ?? 0).toBeGreaterThan(0);
    expect(growth, `RSS grew by ${Math.round(growth / MiB)} MiB`).toBeLessThan(256 * MiB);
  }, 120_000);

  // What earlier runs found, kept as fixed cases.
  it('found by the fuzz: tag statistics over a list of ids (json_each shadowed file_metas.id: a 500)', async () => {
    const [ds] = pool.DatasetId;
    const ids = pool.DatasetFileMetaId.join(',');
    for (const by of ['tags.user', 'tags.ai', 'tags.all', 'tags.user-delete-ai-tags']) {
      const res = await fetch(`${loupe.url}/api/v1/statistics/datasets/${ds}/datasetfilemetas?AggregateBy=${by}&DatasetFileMetaIds=${ids}`, {
        headers: { authorization: `Bearer ${loupe.apiKey}` },
      });
      expect(res.status, await res.text()).toBe(200);
    }
  });
});
