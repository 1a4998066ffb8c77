// Issue 11: PAI's file-meta writes on the wire — CreateDatasetFileMetas, UpdateDatasetFileMetas,
// DeleteDatasetFileMetas — against a local Loupe (API over HTTP, FileMetaBuild consumers in process).
// Item by item (Status, SucceedDetails, FailedDetails); Tags and MetaAttributes as PAI's JSON strings
// (the object form still accepted); created Uris confined to the version's folder and spelled as a
// listing spells them, so a FileMetaBuild updates the created meta instead of adding a second one.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileMetaId } from '../../lib/domain/ids.js';
import { objectUriUnder } from '../../lib/domain/object-uri.js';
import { PROBE_ATTRIBUTE_KEYS } from '../../lib/domain/file-meta.js';
import { probeAttributes } from '../../lib/media/probe-result.js';
import { LoupeClient } from '../../lib/sdk/index.js';
import { startLocalLoupe, writePngs, type LocalLoupe } from '../support/local-loupe.js';

const ALL_STATUSES = 'PENDING,ACTIVE,FAILED,SKIPPED,DELETED';
/** Tags and MetaAttributes travel as PAI's JSON strings; read either form. */
const obj = (v: unknown): any => (typeof v === 'string' ? JSON.parse(v) : v);

describe('file-meta writes (PAI wire)', () => {
  let loupe: LocalLoupe;
  let client: LoupeClient;
  let files: string;
  let filesUri: string;
  let ds: string;
  const uriOf = (rel: string) => pathToFileURL(path.join(files, rel)).href;
  const idOf = (rel: string, version = 'v1') => fileMetaId(ds, version, uriOf(rel));

  const api = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(loupe.url + route, {
      method,
      headers: { authorization: `Bearer ${loupe.apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const metas = (dataset = ds) => `/api/v1/datasets/${dataset}/datasetfilemetas`;
  const getMeta = async (id: string) => {
    const r = await api('GET', `${metas()}/${id}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.DatasetFileMeta;
  };
  const listAll = async () => (await api('GET', `${metas()}?Status=${ALL_STATUSES}&MaxResults=100`)).body.DatasetFileMetas as any[];
  const build = async () => {
    const job = await client.createDatasetJob(ds, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobMode: 'Full' });
    const done = await client.waitForJob(ds, job.DatasetJobId, { intervalMs: 50 });
    expect(done.Status).toBe('Succeeded');
    return job.DatasetJobId;
  };
  const item = (uri: string, extra: Record<string, unknown> = {}) => ({
    Uri: uri,
    ContentType: 'image/png',
    FileType: 'image',
    FileFingerPrint: 'etag-from-client',
    FileUpdateTime: '2025-03-01T12:00Z',
    ...extra,
  });

  beforeAll(async () => {
    loupe = await startLocalLoupe('loupe-fmw-');
    files = path.join(loupe.root, 'files');
    await writePngs(files, ['a.png', 'sub/b.png', 'c.png']);
    await writePngs(path.join(files, '.hidden'), ['x.png']);
    await writePngs(path.join(loupe.root, 'files-other'), ['z.png']);
    filesUri = pathToFileURL(files).href;
    client = new LoupeClient({ url: loupe.url, apiKey: loupe.apiKey });
    ds = (await client.createDataset({ Name: 'writes', Uri: filesUri })).DatasetId;
  });
  afterAll(async () => {
    await loupe?.stop();
  });

  it('CreateDatasetFileMetas registers files of the version (PAI JSON strings), PENDING, under the id a listing gives them', async () => {
    const r = await api('POST', metas(), {
      DatasetVersion: 'v1',
      DatasetFileMetas: [
        item(`${filesUri}/a.png`, {
          DataSize: 10,
          FileCreateTime: '2025-02-01T08:30:00+08:00',
          Tags: JSON.stringify({ user: { add: ['lane', 'sunny'] } }),
          MetaAttributes: JSON.stringify({ ImageWidth: 1, camera: 'x' }),
          Comment: 'first look',
        }),
        // not in storage; a MIME type as FileType is taken by its top-level type
        item(`${filesUri}/new%20dir/ghost.png`, { FileType: 'image/png' }),
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ Status: true, FailedDetails: [], RequestId: expect.any(String) });
    expect(r.body.SucceedDetails).toEqual([
      { DatasetFileMetaId: idOf('a.png'), Uri: uriOf('a.png'), Result: expect.stringMatching(/^created/) },
      { DatasetFileMetaId: idOf('new dir/ghost.png'), Uri: uriOf('new dir/ghost.png'), Result: expect.stringMatching(/^created/) },
    ]);

    const a = await getMeta(idOf('a.png'));
    expect(a).toMatchObject({
      Uri: uriOf('a.png'),
      FileName: 'a.png',
      FileDir: '',
      Status: 'PENDING',
      DataSize: 10,
      FileFingerPrint: 'etag-from-client',
      FileCreateTime: '2025-02-01T00:30:00.000Z',
      FileUpdateTime: '2025-03-01T12:00:00.000Z',
      ContentType: 'image/png',
      FileType: 'image',
      Comment: 'first look',
    });
    expect(obj(a.Tags)).toMatchObject({ ai: [], user: ['lane', 'sunny'], all: ['lane', 'sunny'] });
    expect(obj(a.MetaAttributes)).toEqual({ ImageWidth: 1, camera: 'x' });
    expect(a.TagUpdateTime).toEqual(expect.any(String));
    expect(await getMeta(idOf('new dir/ghost.png'))).toMatchObject({ FileName: 'ghost.png', FileDir: 'new dir/', Status: 'PENDING', FileType: 'image' });

    // A FileMetaBuild lists a.png under the same id: it updates the meta (Loupe's facts, probed), keeps
    // what people set (user tags, Comment, their own MetaAttributes keys), and finds no ghost.png.
    await build();
    const all = await listAll();
    expect(all.filter((m) => m.FileName === 'a.png')).toHaveLength(1);
    const built = await getMeta(idOf('a.png'));
    expect(built).toMatchObject({ Status: 'ACTIVE', Comment: 'first look', FileType: 'image' });
    expect(built.FileFingerPrint).not.toBe('etag-from-client');
    expect(built.DataSize).toBeGreaterThan(10);
    expect(obj(built.Tags).user).toEqual(['lane', 'sunny']);
    expect(obj(built.MetaAttributes)).toEqual({ ImageWidth: 16, ImageHeight: 12, ImageFrames: 1, camera: 'x' });
    expect((await getMeta(idOf('new dir/ghost.png'))).Status).toBe('DELETED');
  });

  it('an item whose Uri is not a file inside the version folder fails; nothing outside is registered or read', async () => {
    const outside = [
      'file:///etc/passwd',
      `${filesUri}-other/z.png`,
      `${filesUri}/../files-other/z.png`,
      `${filesUri}/sub/%2e%2e/%2E%2E/files-other/z.png`,
      `${filesUri}/sub%2F..%2F..%2Ffiles-other/z.png`,
      `${filesUri}/.hidden/x.png`,
      `${filesUri}/sub/`,
      `${filesUri}/./c.png`,
      'oss://bucket/files/c.png',
      `${filesUri}/c.png?x=1`,
    ];
    const r = await api('POST', metas(), { DatasetFileMetas: [...outside.map((u) => item(u)), item(`${filesUri}/sub/b.png`)] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.Status).toBe(false);
    expect(r.body.SucceedDetails).toEqual([]); // sub/b.png exists already (built above)
    expect(r.body.FailedDetails.map((f: any) => f.Uri)).toEqual([...outside, `${filesUri}/sub/b.png`]);
    for (const f of r.body.FailedDetails.slice(0, outside.length)) {
      expect(f.Result).toMatch(/inside the version|not allowed|hidden|folder|malformed|separator|query/);
      expect(f.DatasetFileMetaId).toBe('');
    }
    expect(r.body.FailedDetails.at(-1)).toMatchObject({ DatasetFileMetaId: idOf('sub/b.png'), Result: expect.stringMatching(/exists already \(Status ACTIVE\)/) });
    for (const m of await listAll()) expect(m.Uri.startsWith(`${filesUri}/`)).toBe(true);
  });

  it('a created meta is served only as Loupe indexed the file: a stated fingerprint that is not the file’s serves nothing', async () => {
    await writePngs(files, ['late.png']);
    const r = await api('POST', metas(), { DatasetFileMetas: [item(`${filesUri}/late.png`)] });
    expect(r.body.Status).toBe(true);
    const id = idOf('late.png');
    expect((await api('GET', `${metas()}/${id}/download`)).status).toBe(409);
    expect((await api('GET', `${metas()}/${id}/thumbnail`)).status).toBe(409);
  });

  it('fails an item given twice, a FileName that is not the Uri’s, a FileType that is none of PAI’s', async () => {
    const r = await api('POST', metas(), {
      DatasetFileMetas: [
        item(`${filesUri}/d1.png`),
        item(`${filesUri}/d1.png`),
        item(`${filesUri}/d2.png`, { FileName: 'other.png' }),
        item(`${filesUri}/d3.png`, { FileType: 'font' }),
        item(`${filesUri}/d4.png`, { FileName: 'd4.png' }),
      ],
    });
    expect(r.body.Status).toBe(false);
    expect(r.body.SucceedDetails.map((s: any) => s.Uri)).toEqual([uriOf('d1.png'), uriOf('d4.png')]);
    expect(r.body.FailedDetails.map((f: any) => [f.Uri.split('/').at(-1), f.Result])).toEqual([
      ['d1.png', expect.stringMatching(/twice/)],
      ['d2.png', expect.stringMatching(/FileName/)],
      ['d3.png', expect.stringMatching(/FileType 'font'/)],
    ]);
  });

  it('what is wrong with the request as a whole is a 400 naming the field, or a 404', async () => {
    const post = (body: unknown, dataset = ds) => api('POST', metas(dataset), body);
    const cases: Array<[unknown, string]> = [
      [{ DatasetFileMetas: [item(`${filesUri}/e.png`, { Tags: '{"user":' })] }, 'DatasetFileMetas.0.Tags'],
      [{ DatasetFileMetas: [item(`${filesUri}/e.png`, { Tags: JSON.stringify({ ai: ['x'] }) })] }, 'DatasetFileMetas.0.Tags'],
      [{ DatasetFileMetas: [item(`${filesUri}/e.png`, { Tags: JSON.stringify({ user: { add: ['a\u0000b'] } }) })] }, 'DatasetFileMetas.0.Tags.user.add.0'],
      [{ DatasetFileMetas: [item(`${filesUri}/e.png`, { MetaAttributes: '[1]' })] }, 'DatasetFileMetas.0.MetaAttributes'],
      [{ DatasetFileMetas: [item(`${filesUri}/e.png`, { MetaAttributes: JSON.stringify({ deep: { a: ['x\u001b[31m'] } }) })] }, 'DatasetFileMetas.0.MetaAttributes.deep'],
      [{ DatasetFileMetas: [item(`${filesUri}/e.png`, { MetaAttributes: JSON.stringify({ deep: [[[[[[[[[1]]]]]]]]] }) })] }, 'DatasetFileMetas.0.MetaAttributes.deep'],
      [{ DatasetFileMetas: [item(`${filesUri}/e.png`, { FileFingerPrint: undefined })] }, 'DatasetFileMetas.0.FileFingerPrint'],
      [{ DatasetFileMetas: [item(`${filesUri}/e.png`, { FileUpdateTime: 'yesterday' })] }, 'DatasetFileMetas.0.FileUpdateTime'],
      [{ DatasetFileMetas: [item(`${filesUri}/e.png`, { ContentType: 'png' })] }, 'DatasetFileMetas.0.ContentType'],
      [{ DatasetFileMetas: [] }, 'DatasetFileMetas'],
      [{ DatasetFileMetas: [item(`${filesUri}/e.png`)], WorkspaceId: 'a b' }, 'WorkspaceId'],
    ];
    for (const [body, field] of cases) {
      const r = await post(body);
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body).toMatchObject({ Code: 'InvalidParameter', Field: field });
    }
    expect((await post({ DatasetVersion: 'v9', DatasetFileMetas: [item(`${filesUri}/e.png`)] })).status).toBe(404);
    expect((await post({ DatasetFileMetas: [item(`${filesUri}/e.png`)] }, 'd-nosuchdataset')).status).toBe(404);
    // another workspace's dataset is not found (this one was created in none)
    expect((await post({ DatasetFileMetas: [item(`${filesUri}/e.png`)], WorkspaceId: '78' })).status).toBe(404);
    // a dataset of workspace 77 takes writes that name 77 (or none), not 78
    const ws = await api('POST', '/api/v1/datasets', { Name: 'in 77', Uri: filesUri, WorkspaceId: '77' });
    expect(ws.status, JSON.stringify(ws.body)).toBe(200);
    const inWs = (WorkspaceId?: string) => post({ DatasetFileMetas: [item(`${filesUri}/ws.png`)], ...(WorkspaceId ? { WorkspaceId } : {}) }, ws.body.DatasetId);
    expect((await inWs('78')).status).toBe(404);
    expect((await inWs('77')).body).toMatchObject({ Status: true });
    const wsMeta = fileMetaId(ws.body.DatasetId, 'v1', uriOf('ws.png'));
    expect((await api('DELETE', `${metas(ws.body.DatasetId)}?DatasetFileMetaIds=${wsMeta}&WorkspaceId=78`)).status).toBe(404);
    expect((await api('DELETE', `${metas(ws.body.DatasetId)}?DatasetFileMetaIds=${wsMeta}&WorkspaceId=77`)).body).toMatchObject({ Status: true });
    const logical = await client.createDataset({ Name: 'refs', Edition: 'LOGICAL' });
    const r = await post({ DatasetFileMetas: [item(`${filesUri}/e.png`)] }, logical.DatasetId);
    expect(r.status).toBe(400);
    expect((await listAll()).some((m) => m.FileName === 'e.png')).toBe(false);
  });

  it('UpdateDatasetFileMetas takes PAI’s JSON-string Tags (add/remove per group), Comment and MetaAttributes; TagUpdateTime moves', async () => {
    const id = idOf('a.png');
    const before = await getMeta(id);
    await new Promise((r) => setTimeout(r, 5));
    const r = await api('PUT', metas(), {
      DatasetVersion: 'v1',
      DatasetFileMetas: [
        {
          DatasetFileMetaId: id,
          Tags: JSON.stringify({ user: { add: ['lane line', 'sunny day'], remove: ['lane'] }, 'user-delete-ai-tags': { add: ['ground shade'], remove: [] } }),
          Comment: 'second look',
          // PAI's own example nests
          MetaAttributes: JSON.stringify({ camera: null, lens: '50mm', Image: { Width: 1920, Height: 1080, Channel: 3 } }),
        },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ Status: true, FailedDetails: [], RequestId: expect.any(String) });
    const after = await getMeta(id);
    expect(obj(after.Tags)).toMatchObject({ user: ['sunny', 'lane line', 'sunny day'], 'user-delete-ai-tags': ['ground shade'] });
    expect(after.Comment).toBe('second look');
    expect(obj(after.MetaAttributes)).toEqual({ ImageWidth: 16, ImageHeight: 12, ImageFrames: 1, lens: '50mm', Image: { Width: 1920, Height: 1080, Channel: 3 } });
    expect(after.TagUpdateTime > before.TagUpdateTime).toBe(true);

    // Loupe's earlier object form is still taken; a meta read and sent back with its facts unchanged updates fine
    const back = await api('PUT', metas(), {
      DatasetFileMetas: [
        {
          DatasetFileMetaId: id,
          Tags: { user: { remove: ['sunny day'] } },
          DataSize: after.DataSize,
          FileFingerPrint: after.FileFingerPrint,
          FileUpdateTime: after.FileUpdateTime,
          FileCreateTime: after.FileCreateTime ?? '',
          FileType: after.FileType,
          ContentType: after.ContentType,
          FileName: after.FileName,
          MetaAttributes: JSON.stringify({ ImageWidth: 16 }),
        },
      ],
    });
    expect(back.body).toMatchObject({ Status: true, FailedDetails: [] });
    expect(obj((await getMeta(id)).Tags).user).toEqual(['sunny', 'lane line']);
    // a merge patch reaches into nested objects
    await api('PUT', metas(), { DatasetFileMetas: [{ DatasetFileMetaId: id, MetaAttributes: JSON.stringify({ Image: { Channel: null } }) }] });
    expect(obj((await getMeta(id)).MetaAttributes).Image).toEqual({ Width: 1920, Height: 1080 });
  });

  it('UpdateDatasetFileMetas fails items one by one: unknown, DELETED, another version, a file fact or a measured attribute changed', async () => {
    const a = idOf('a.png');
    const c = idOf('c.png');
    const ghost = idOf('new dir/ghost.png');
    const r = await api('PUT', metas(), {
      DatasetFileMetas: [
        { DatasetFileMetaId: 'nope', Comment: 'x' },
        { DatasetFileMetaId: a, DataSize: 999, Comment: 'never' },
        { DatasetFileMetaId: a, FileFingerPrint: 'other', Comment: 'never' },
        { DatasetFileMetaId: a, FileUpdateTime: '2001-01-01T00:00:00Z', Comment: 'never' },
        { DatasetFileMetaId: a, MetaAttributes: JSON.stringify({ ImageHeight: 4096 }), Comment: 'never' },
        { DatasetFileMetaId: ghost, Comment: 'never' },
        { DatasetFileMetaId: c, Comment: 'c is fine', Tags: JSON.stringify({ user: { add: ['c'] } }) },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.Status).toBe(false);
    expect(r.body.FailedDetails.map((f: any) => [f.DatasetFileMetaId, f.Result])).toEqual([
      ['nope', expect.stringMatching(/not found/)],
      [a, expect.stringMatching(/DataSize is established by Loupe/)],
      [a, expect.stringMatching(/FileFingerPrint is established by Loupe/)],
      [a, expect.stringMatching(/FileUpdateTime is established by Loupe/)],
      [a, expect.stringMatching(/MetaAttributes.ImageHeight is measured by Loupe/)],
      [ghost, expect.stringMatching(/DELETED/)],
    ]);
    expect((await getMeta(a)).Comment).toBe('second look');
    expect(await getMeta(c)).toMatchObject({ Comment: 'c is fine' });
    expect(obj((await getMeta(c)).Tags).user).toEqual(['c']);

    expect((await api('PUT', metas(), { DatasetVersion: 'v9', DatasetFileMetas: [{ DatasetFileMetaId: a, Comment: 'x' }] })).status).toBe(404);
    expect((await api('PUT', metas(), { WorkspaceId: '78', DatasetFileMetas: [{ DatasetFileMetaId: a, Comment: 'x' }] })).status).toBe(404);
    const bad = await api('PUT', metas(), { DatasetFileMetas: [{ DatasetFileMetaId: a, Tags: '{"all":["x"]}' }] });
    expect(bad).toMatchObject({ status: 400, body: { Field: 'DatasetFileMetas.0.Tags' } });
  });

  it('a group given as a list becomes that group (create and update), besides PAI’s add/remove form', async () => {
    await writePngs(files, ['listed.png']);
    const r = await api('POST', metas(), { DatasetFileMetas: [item(`${filesUri}/listed.png`, { Tags: JSON.stringify({ user: ['registered', 'registered', 'x'] }) })] });
    expect(r.body.Status).toBe(true);
    const id = idOf('listed.png');
    expect(obj((await getMeta(id)).Tags).user).toEqual(['registered', 'x']);
    await api('PUT', metas(), { DatasetFileMetas: [{ DatasetFileMetaId: id, Tags: JSON.stringify({ user: ['only'], 'user-delete-ai-tags': ['a'] }) }] });
    expect(obj((await getMeta(id)).Tags)).toMatchObject({ user: ['only'], 'user-delete-ai-tags': ['a'] });
  });

  it('{"ai":[…]} replaces the AI tags, given the TagJobId of an IntelligentTag job of the dataset', async () => {
    const a = idOf('a.png');
    const ai = { DatasetFileMetas: [{ DatasetFileMetaId: a, Tags: JSON.stringify({ ai: ['car', 'ground shade', 'road'] }) }] };
    const missing = await api('PUT', metas(), ai);
    expect(missing).toMatchObject({ status: 400, body: { Field: 'TagJobId' } });
    const buildJob = await build();
    expect(await api('PUT', metas(), { ...ai, TagJobId: buildJob })).toMatchObject({ status: 400, body: { Field: 'TagJobId', Message: expect.stringMatching(/FileMetaBuild/) } });
    expect(await api('PUT', metas(), { ...ai, TagJobId: 'dsjob-none' })).toMatchObject({ status: 400, body: { Field: 'TagJobId' } });

    const tagJob = { ...(await loupe.container.store.getJob(buildJob))!, datasetJobId: 'dsjob-tags-test', jobAction: 'IntelligentTag' as const, jobSpec: {} };
    await loupe.container.store.createJob(tagJob);
    const r = await api('PUT', metas(), { ...ai, TagJobId: tagJob.datasetJobId });
    expect(r.body).toMatchObject({ Status: true, FailedDetails: [] });
    const tags = obj((await getMeta(a)).Tags);
    expect(tags.ai).toEqual(['car', 'ground shade', 'road']);
    // ground shade was rejected by the user above: Tags.all leaves it out
    expect(tags.all).toEqual(['car', 'road', 'sunny', 'lane line']);
  });

  it('DeleteDatasetFileMetas marks metas DELETED item by item; listings leave them out; vectors are dropped by the next SemanticIndex', async () => {
    const a = idOf('a.png');
    const c = idOf('c.png');
    const store = loupe.container.store;
    const meta = (await store.getFileMeta(c))!;
    await store.applyEmbedResults([{ datasetFileMetaId: c, fileFingerPrint: meta.fileFingerPrint, jobId: 'dsjob-x', embedderId: 'e', indexName: 'idx' } as never], new Date().toISOString());

    const r = await api('DELETE', `${metas()}?DatasetFileMetaIds=${a},${c},nope&DatasetVersion=v1`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ Status: false, FailedDetails: [{ DatasetFileMetaId: 'nope', Result: expect.stringMatching(/not found/) }], RequestId: expect.any(String) });
    expect((await getMeta(a)).Status).toBe('DELETED');
    const listed = (await api('GET', `${metas()}?MaxResults=100`)).body.DatasetFileMetas.map((m: any) => m.DatasetFileMetaId);
    expect(listed).not.toContain(a);
    expect(listed).not.toContain(c);
    expect(await store.listDeletedEmbedded(ds, 'v1', 'idx', 10)).toEqual([c]);

    // again: nothing to do, no failure; a JSON array is taken too
    expect((await api('DELETE', `${metas()}?DatasetFileMetaIds=${encodeURIComponent(JSON.stringify([a]))}`)).body).toMatchObject({ Status: true, FailedDetails: [] });
    // another version's id is not found there
    await client.createDatasetVersion(ds, { Description: 'second' });
    const v2 = await api('DELETE', `${metas()}?DatasetFileMetaIds=${idOf('sub/b.png')}&DatasetVersion=v2`);
    // a meta of another version of this dataset is named with its Uri (one of another dataset never is)
    expect(v2.body.FailedDetails).toEqual([{ DatasetFileMetaId: idOf('sub/b.png'), Uri: expect.stringMatching(/\/files\/sub\/b\.png$/), Result: expect.stringMatching(/not found in version v2/) }]);
    expect((await getMeta(idOf('sub/b.png'))).Status).toBe('ACTIVE');
    const other = (await client.createDataset({ Name: 'other', Uri: filesUri })).DatasetId;
    const elsewhere = await api('DELETE', `/api/v1/datasets/${other}/datasetfilemetas?DatasetFileMetaIds=${idOf('sub/b.png')}`);
    expect(elsewhere.body.FailedDetails).toEqual([{ DatasetFileMetaId: idOf('sub/b.png'), Result: expect.stringMatching(/not found/) }]);
    // the request as a whole
    const many = Array.from({ length: 1001 }, (_, i) => `m${i}`).join(',');
    expect(await api('DELETE', `${metas()}?DatasetFileMetaIds=${many}`)).toMatchObject({ status: 400, body: { Field: 'DatasetFileMetaIds' } });
    expect((await api('DELETE', metas())).status).toBe(400);
    expect((await api('DELETE', `${metas()}?DatasetFileMetaIds=${a}&WorkspaceId=78`)).status).toBe(404);
    expect((await api('DELETE', `${metas()}?DatasetFileMetaIds=${a}&DatasetVersion=v9`)).status).toBe(404);

    // Logical deletion: the file is still in storage, so the next listing registers it again.
    await build();
    expect((await getMeta(a)).Status).toBe('ACTIVE');
  });

  it('the SDK sends Tags and MetaAttributes as PAI’s JSON strings and the ids as a list', async () => {
    const bodies: unknown[] = [];
    const sdk = new LoupeClient({
      url: loupe.url,
      apiKey: loupe.apiKey,
      fetch: (input, init) => {
        if (init.body) bodies.push(JSON.parse(String(init.body)));
        return fetch(input, init);
      },
    });
    await writePngs(files, ['sdk.png']);
    const created = await sdk.createDatasetFileMetas(ds, {
      DatasetVersion: 'v1',
      DatasetFileMetas: [{ ...item(`${filesUri}/sdk.png`), Tags: { user: { add: ['sdk'] } }, MetaAttributes: { source: 'sdk' } }],
    });
    expect(created).toMatchObject({ Status: true, FailedDetails: [], SucceedDetails: [{ DatasetFileMetaId: idOf('sdk.png') }] });
    expect((bodies[0] as any).DatasetFileMetas[0]).toMatchObject({ Tags: '{"user":{"add":["sdk"]}}', MetaAttributes: '{"source":"sdk"}' });
    const updated = await sdk.updateDatasetFileMetas(ds, { DatasetFileMetas: [{ DatasetFileMetaId: idOf('sdk.png'), Tags: { user: { add: ['two'] } }, Comment: 'via sdk' }] });
    expect(updated).toMatchObject({ Status: true, FailedDetails: [] });
    expect((bodies[1] as any).DatasetFileMetas[0].Tags).toBe('{"user":{"add":["two"]}}');
    expect((await sdk.getDatasetFileMeta(ds, idOf('sdk.png'))).DatasetFileMeta).toMatchObject({ Comment: 'via sdk' });
    const deleted = await sdk.deleteDatasetFileMetas(ds, { DatasetFileMetaIds: [idOf('sdk.png'), 'nope'] });
    expect(deleted).toMatchObject({ Status: false, FailedDetails: [{ DatasetFileMetaId: 'nope' }] });
    // more ids than a URL holds: several requests, one merged answer
    const many = Array.from({ length: 700 }, (_, i) => `${String(i).padStart(32, '0')}`);
    const merged = await sdk.deleteDatasetFileMetas(ds, { DatasetFileMetaIds: [idOf('c.png'), ...many] });
    expect(merged.Status).toBe(false);
    expect(merged.FailedDetails.map((f) => f.DatasetFileMetaId)).toEqual(many);
    expect((await getMeta(idOf('c.png'))).Status).toBe('DELETED');
  });
});

describe('objectUriUnder', () => {
  const root = 'file:///data/cars/';
  it('spells a file as a listing does and refuses what leaves the folder', () => {
    expect(objectUriUnder(root, 'file:///data/cars/a b.jpg')).toEqual({ ok: true, uri: 'file:///data/cars/a%20b.jpg', root });
    expect(objectUriUnder('file:///data/cars', 'file://localhost/data/cars/x/y.jpg')).toEqual({ ok: true, uri: 'file:///data/cars/x/y.jpg', root });
    expect(objectUriUnder(root, 'file:///data//cars/x.jpg')).toMatchObject({ ok: true, uri: 'file:///data/cars/x.jpg' });
    expect(objectUriUnder('oss://bucket/p/', 'oss://bucket/p/q/r.jpg')).toEqual({ ok: true, uri: 'oss://bucket/p/q/r.jpg', root: 'oss://bucket/p/' });
    for (const bad of [
      'file:///data/carsX/a.jpg',
      'file:///data/cars/../cars/a.jpg',
      'file:///data/cars/%2E%2E/x.jpg',
      'file:///data/cars/a%2Fb.jpg',
      'file:///data/cars/.git/config',
      'file:///data/cars/',
      'file:///data/cars',
      'file://otherhost/data/cars/a.jpg',
      'file:///data/cars/a.jpg#x',
      'file:///data/cars/a\u0000.jpg',
      'oss://bucket/data/cars/a.jpg',
      'a.jpg',
      'oss://bucket/p/../q/a.jpg',
    ]) {
      expect(objectUriUnder(root, bad).ok, bad).toBe(false);
    }
  });

  it('PROBE_ATTRIBUTE_KEYS holds every key a probe records', () => {
    const keys = Object.keys(probeAttributes({ ok: true, format: 'gif', contentType: 'image/gif', width: 1, height: 1, frames: 2, orientation: 6 }));
    expect(keys.every((k) => PROBE_ATTRIBUTE_KEYS.includes(k))).toBe(true);
  });
});
