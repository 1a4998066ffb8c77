// Issue 10 #10: a NextToken is bound to the query it pages through (listing, dataset, filters, sort):
// used with any other it is a 400 naming NextToken, never an arbitrary page. Paging itself still works,
// with another page size too, and a search's token holds across its GET and POST forms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
