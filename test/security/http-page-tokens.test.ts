// Issue 10 #10: a NextToken is bound to the query it pages through (listing, dataset, filters, sort):
// used with any other it is a 400 naming NextToken, never an arbitrary page. Paging itself still works,
// with another page size too, and a search's token holds across its GET and POST forms. Every paged
// GET route of /openapi.json is checked, so a new listing cannot miss the rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lib/http/page-tokens.js';
import { indexedDataset, startTestLoupe, type StartedTestLoupe } from './started-loupe.js';

const NAMES = ['a.png', 'b.png', 'c.png', 'd.png', 'e.png'];

describe('#10 NextToken belongs to one query', () => {
  let loupe: StartedTestLoupe;
  let ds1: string;
  let ds2: string;
  let logical: string;

  async function get(route: string, query: Record<string, string | number>) {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    const res = await fetch(`${loupe.url}${route}?${qs}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
    return { status: res.status, body: (await res.json()) as any };
  }
  async function post(route: string, body: unknown) {
    const res = await fetch(loupe.url + route, {
      method: 'POST',
      headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }
  const refused = (r: { status: number; body: any }) => {
    expect(r.status).toBe(400);
    expect(r.body.Field).toBe('NextToken');
    expect(r.body.Message).toMatch(/NextToken does not belong to this query/);
  };
  const files = (id: string) => `/api/v1/datasets/${id}/datasetfilemetas`;

  beforeAll(async () => {
    loupe = await startTestLoupe('loupe-sec-tokens-');
    ds1 = await indexedDataset(loupe, 'one', NAMES);
    ds2 = await indexedDataset(loupe, 'two', NAMES);
    const again = await loupe.client.createDatasetJob(ds1, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobMode: 'Increment' });
    await loupe.client.waitForJob(ds1, again.DatasetJobId, { intervalMs: 50 });
    await loupe.client.createTagDefinition({ Name: 't1', Tags: [{ Name: 'x' }] });
    await loupe.client.createTagDefinition({ Name: 't2', Tags: [{ Name: 'y' }] });
    // A logical dataset with two versions: every file of `one`, then only a.png.
    logical = (await loupe.client.createDataset({ Name: 'picked', Edition: 'LOGICAL' })).DatasetId;
    for (const search of [{}, { QueryFileName: 'a.png' }]) {
      const job = await loupe.client.createDatasetJob(ds1, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: { target: 'logical', logicalDatasetId: logical, search } });
      const done = await loupe.client.waitForJob(ds1, job.DatasetJobId, { intervalMs: 50 });
      expect(done.Status).toBe('Succeeded');
    }
  }, 120_000);
  afterAll(() => loupe?.stop());

  it('#10 a file-meta token used with another sort, order, filter or dataset is a 400, with the same query it pages on', async () => {
    const query = { SortBy: 'FileName', Order: 'ASC', MaxResults: 2 };
    const first = await get(files(ds1), query);
    expect(first.status).toBe(200);
    expect(first.body.DatasetFileMetas.map((m: any) => m.FileName)).toEqual(['a.png', 'b.png']);
    const token = first.body.NextToken as string;

    refused(await get(files(ds1), { ...query, NextToken: token, SortBy: 'FileUpdateTime' }));
    refused(await get(files(ds1), { ...query, NextToken: token, Order: 'DESC' }));
    refused(await get(files(ds1), { ...query, NextToken: token, QueryFileName: 'e' }));
    refused(await get(files(ds2), { ...query, NextToken: token }));
    refused(await get(files(ds1), { ...query, NextToken: `${token.slice(0, -2)}AA` }));
    refused(await get(files(ds1), { ...query, NextToken: Buffer.from(JSON.stringify(['c.png', 1])).toString('base64url') }));

    // The same query pages on, with another page size too, and through the POST form.
    const second = await get(files(ds1), { ...query, NextToken: token });
    expect(second.status).toBe(200);
    expect(second.body.DatasetFileMetas.map((m: any) => m.FileName)).toEqual(['c.png', 'd.png']);
    const bigger = await get(files(ds1), { ...query, MaxResults: 10, NextToken: token });
    expect(bigger.body.DatasetFileMetas.map((m: any) => m.FileName)).toEqual(['c.png', 'd.png', 'e.png']);
    expect(bigger.body.NextToken).toBeUndefined();
    const viaPost = await post(`${files(ds1)}/action/search`, { ...query, NextToken: token });
    expect(viaPost.status).toBe(200);
    expect(viaPost.body.DatasetFileMetas.map((m: any) => m.FileName)).toEqual(['c.png', 'd.png']);
    refused(await post(`${files(ds2)}/action/search`, { ...query, NextToken: token }));
  });

  it('#10 every other paged listing binds its tokens the same way', async () => {
    const datasets = await get('/api/v1/datasets', { MaxResults: 1 });
    expect(datasets.body.NextToken).toBeTruthy();
    refused(await get('/api/v1/datasets', { MaxResults: 1, Name: 'o', NextToken: datasets.body.NextToken }));
    refused(await get('/api/v1/datasets', { MaxResults: 1, Edition: 'ADVANCED', NextToken: datasets.body.NextToken }));
    expect((await get('/api/v1/datasets', { MaxResults: 1, NextToken: datasets.body.NextToken })).status).toBe(200);

    const jobs = await get(`/api/v1/datasets/${ds1}/datasetjobs`, { MaxResults: 1 });
    expect(jobs.body.NextToken).toBeTruthy();
    expect((await get(`/api/v1/datasets/${ds1}/datasetjobs`, { MaxResults: 1, NextToken: jobs.body.NextToken })).status).toBe(200);
    refused(await get(`/api/v1/datasets/${ds2}/datasetjobs`, { MaxResults: 1, NextToken: jobs.body.NextToken }));
    refused(await get(`/api/v1/datasets/${ds1}/datasetjobs`, { MaxResults: 1, JobAction: 'FileMetaBuild', NextToken: jobs.body.NextToken }));

    const refs = `/api/v1/datasets/${logical}/versions`;
    const references = await get(`${refs}/v1/references`, { MaxResults: 2 });
    expect(references.body.NextToken).toBeTruthy();
    expect((await get(`${refs}/v1/references`, { MaxResults: 2, NextToken: references.body.NextToken })).status).toBe(200);
    refused(await get(`${refs}/v2/references`, { MaxResults: 2, NextToken: references.body.NextToken }));

    const diff = await get(`${refs}/v1/diff`, { BaseVersion: 'v2', Change: 'Added', MaxResults: 2 });
    expect(diff.body.AddedCount).toBe(4);
    expect(diff.body.NextToken).toBeTruthy();
    const next = await get(`${refs}/v1/diff`, { BaseVersion: 'v2', Change: 'Added', MaxResults: 2, NextToken: diff.body.NextToken });
    expect(next.status).toBe(200);
    expect(next.body.AddedCount).toBe(4);
    refused(await get(`${refs}/v1/diff`, { BaseVersion: 'v2', Change: 'Removed', MaxResults: 2, NextToken: diff.body.NextToken }));
    refused(await get(`${refs}/v1/references`, { MaxResults: 2, NextToken: diff.body.NextToken }));

    const tagDefinitions = await get('/api/v1/tagdefinitions', { MaxResults: 1 });
    expect(tagDefinitions.body.NextToken).toBeTruthy();
    expect((await get('/api/v1/tagdefinitions', { MaxResults: 1, NextToken: tagDefinitions.body.NextToken })).status).toBe(200);
    refused(await get('/api/v1/connections', { MaxResults: 1, NextToken: tagDefinitions.body.NextToken }));
    refused(await get('/api/v1/datasets', { MaxResults: 1, NextToken: tagDefinitions.body.NextToken }));
    refused(await get(files(ds1), { MaxResults: 1, NextToken: tagDefinitions.body.NextToken }));
  });
  it('#10 every paged GET route of /openapi.json refuses a token from any other query: another route, path, or filter', async () => {
    await loupe.client.createConnection({ ConnectionName: 'c1', ConnectionType: 'LocalVectorConnection' });
    await loupe.client.createConnection({ ConnectionName: 'c2', ConnectionType: 'LocalVectorConnection' });
    const doc = (await get('/openapi.json', {})).body;
    const resolve = (s: any): any => {
      while (s?.$ref) s = doc.components.schemas[String(s.$ref).split('/').pop()!];
      return s ?? {};
    };
    type Param = { name: string; in: 'path' | 'query'; required?: boolean; schema: any };
    const paged = Object.entries<any>(doc.paths)
      .filter(([, ops]) => ops.get && resolve(ops.get.responses?.['200']?.content?.['application/json']?.schema).properties?.NextToken)
      .map(([route, ops]) => ({ route, params: (ops.get.parameters ?? []) as Param[] }));
    expect(paged.map((p) => p.route)).toEqual(
      expect.arrayContaining([
        '/api/v1/datasets',
        '/api/v1/datasets/{DatasetId}/datasetfilemetas',
        '/api/v1/datasets/{DatasetId}/datasetjobs',
        '/api/v1/datasets/{DatasetId}/versions/{VersionName}/references',
        '/api/v1/datasets/{DatasetId}/versions/{VersionName}/diff',
        '/api/v1/connections',
        '/api/v1/tagdefinitions',
      ]),
    );

    // Values that exist, for path parameters and required query parameters; each route takes the first
    // combination that has a second page at MaxResults=1.
    const VALUES: Record<string, string[]> = { DatasetId: [ds1, logical, ds2], VersionName: ['v1', 'v2'], BaseVersion: ['v2', 'v1'] };
    type Query = { path: Record<string, string>; query: Record<string, string | number> };
    const urlOf = (route: string, q: Query) => route.replace(/\{(\w+)\}/g, (_, name: string) => q.path[name]!);
    const combinations = (names: string[]): Array<Record<string, string>> =>
      names.reduce<Array<Record<string, string>>>((acc, name) => {
        const values = VALUES[name];
        if (!values) throw new Error(`no value to try for the required parameter ${name}: add it to VALUES`);
        return acc.flatMap((a) => values.map((v) => ({ ...a, [name]: v })));
      }, [{}]);
    const firstPages: Array<{ route: string; params: Param[]; q: Query; token: string }> = [];
    for (const { route, params } of paged) {
      const needed = params.filter((p) => p.in === 'path' || p.required).map((p) => p.name);
      let found: { q: Query; token: string } | undefined;
      for (const values of combinations(needed)) {
        const q: Query = {
          path: Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, values[p.name]!])),
          query: { MaxResults: 1, ...Object.fromEntries(params.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, values[p.name]!])) },
        };
        const r = await get(urlOf(route, q), q.query);
        if (r.status === 200 && r.body.NextToken) {
          found = { q, token: r.body.NextToken };
          break;
        }
      }
      expect(found, `${route}: no query with a second page; give the set-up more items`).toBeDefined();
      firstPages.push({ route, params, ...found! });
    }

    for (const { route, params, q, token } of firstPages) {
      // The same query pages on.
      const same = await get(urlOf(route, q), { ...q.query, NextToken: token });
      expect(same.status, `${route} with its own token: ${JSON.stringify(same.body)}`).toBe(200);
      // Every other paged route.
      for (const other of firstPages.filter((o) => o.route !== route)) {
        refused(await get(urlOf(other.route, other.q), { ...other.q.query, NextToken: token }));
      }
      // The same route with another path parameter…
      for (const p of params.filter((x) => x.in === 'path')) {
        const another = VALUES[p.name]!.find((v) => v !== q.path[p.name])!;
        refused(await get(urlOf(route, { ...q, path: { ...q.path, [p.name]: another } }), { ...q.query, NextToken: token }));
      }
      // …or another value of a closed-list filter (not its default: that is the same query).
      for (const p of params.filter((x) => x.in === 'query' && resolve(x.schema).enum)) {
        const schema = resolve(p.schema);
        const value = (schema.enum as string[]).find((v) => v !== q.query[p.name] && v !== schema.default);
        if (value === undefined) continue;
        const r = await get(urlOf(route, q), { ...q.query, [p.name]: value, NextToken: token });
        expect(r.status, `${route} with ${p.name}=${value}: ${JSON.stringify(r.body)}`).toBe(400);
        expect(r.body.Field).toBe('NextToken');
      }
    }

    // How a page's URLs are drawn is not part of the query: a search's token holds with another ThumbnailMode.
    const search = firstPages.find((p) => p.route.endsWith('/datasetfilemetas'))!;
    const drawn = await get(urlOf(search.route, search.q), { ...search.q.query, ThumbnailMode: 'image/resize,w_64', NextToken: search.token });
    expect(drawn.status, JSON.stringify(drawn.body)).toBe(200);
  });

  it('#10 a query part JSON cannot say exactly (a Date, a Map, a function) is refused by canonicalJson, never hashed as {}', () => {
    expect(canonicalJson({ b: [1, 'x', null], a: { d: undefined, c: true } })).toBe('{"a":{"c":true},"b":[1,"x",null]}');
    expect(canonicalJson(Object.assign(Object.create(null), { a: 1 }))).toBe('{"a":1}');
    expect(canonicalJson({ image: Buffer.from('x') })).toMatch(/^\{"image":"sha256:[0-9a-f]{64}"\}$/);
    for (const odd of [new Date(0), new Map([['a', 1]]), new Set([1]), () => 1, 1n, new (class Query {})()]) {
      expect(() => canonicalJson({ odd }), String(odd)).toThrow(TypeError);
    }
  });
});
