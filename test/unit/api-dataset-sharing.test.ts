// PAI's dataset sharing between workspaces (UpdateDataset SharingConfig.SharedTo; GetDataset/ListDatasets
// SharingConfig, SharedFrom, IsShared; ListDatasets ShareScope): a dataset shared to a workspace is read
// from there (the dataset, its versions, its file metas) and changed from nowhere but its own workspace
// (403); past ExpiresAt it is invisible again; an empty list unshares; bad entries are 400s naming the field.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { runFileMetaBuildByHand } from '../support/drain-queue.js';
import { tinyPng } from '../support/generate-images.js';
import { inProcessApi, type ApiCall } from '../support/in-process-api.js';

const KEY = 'test-key-0123456789';
const HOUR = 3_600_000;

describe('PAI dataset sharing between workspaces', () => {
  let dir: string;
  let container: Container;
  let app: ReturnType<typeof createApi>;
  let filesUri: string;
  /** The services' clock runs `skew` ms ahead of the wall clock: tests move it to expire shares. */
  let skew = 0;
  const now = () => new Date(Date.now() + skew);

  const call: ApiCall = (method, route, body) => inProcessApi(app, KEY)(method, route, body);
  const qs = (q: Record<string, string | number>) => `?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]))}`;
  const create = async (body: Record<string, unknown>) => {
    const r = await call('POST', '/api/v1/datasets', { Uri: filesUri, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.DatasetId as string;
  };
  const share = (id: string, sharedTo: unknown[], ws = 'ws-owner') => call('PUT', `/api/v1/datasets/${id}?WorkspaceId=${ws}`, { SharingConfig: { SharedTo: sharedTo } });
  const get = (id: string, ws?: string) => call('GET', `/api/v1/datasets/${id}${ws === undefined ? '' : `?WorkspaceId=${ws}`}`);
  const listIds = async (q: Record<string, string | number>) => {
    const r = await call('GET', `/api/v1/datasets${qs({ PageSize: 100, ...q })}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return (r.body.Datasets as any[]).map((d) => d.DatasetId as string);
  };
  const refused = async (r: Promise<{ status: number; body: any }>, field: string, message?: RegExp) => {
    const got = await r;
    expect(got.status, JSON.stringify(got.body)).toBe(400);
    expect(got.body).toMatchObject({ Code: 'InvalidParameter', Field: field });
    if (message) expect(got.body.Message).toMatch(message);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-sharing-'));
    await mkdir(path.join(dir, 'files'), { recursive: true });
    for (let i = 0; i < 3; i++) await writeFile(path.join(dir, 'files', `img_${i}.png`), tinyPng(i, 8 + i * 8, 8));
    filesUri = pathToFileURL(path.join(dir, 'files')).href;
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY });
    container = buildContainer(config, { log: jsonLogger('error', () => {}), clock: { now } });
    app = createApi(container, [KEY]);
  });
  afterAll(async () => {
    await container.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("shares to a workspace: the owner sees SharingConfig, the workspace sees SharedFrom and IsShared and reads the dataset, its versions and file metas", async () => {
    const id = await create({ Name: 'shared', WorkspaceId: 'ws-owner' });
    await runFileMetaBuildByHand(container, id, 'v1');
    const before = now().toISOString();
    const r = await share(id, [
      {
        WorkspaceId: 'ws-w',
        TenantId: 't-1',
        AllowedMountAccessLevels: ['RO', 'RW'],
        ExpiresAt: '2099-08-27T20:23:58+08:00',
        IsSecureMode: true,
        Extra: '{"AllowExportModel":false}',
      },
      { WorkspaceId: 'ws-x' },
    ]);
    expect(r.status, JSON.stringify(r.body)).toBe(200);

    const owner = (await get(id, 'ws-owner')).body;
    expect(owner).toMatchObject({ DatasetId: id, WorkspaceId: 'ws-owner', IsShared: false });
    expect(owner).not.toHaveProperty('SharedFrom');
    expect(owner.SharingConfig.SharedTo).toEqual([
      {
        WorkspaceId: 'ws-w',
        TenantId: 't-1',
        SourceWorkspaceId: 'ws-owner',
        SourceTenantId: 't-1',
        AllowedMountAccessLevels: ['RO', 'RW'],
        ExpiresAt: '2099-08-27T12:23:58.000Z',
        SharedAt: expect.any(String),
        Status: 'ACTIVE',
        IsSecureMode: true,
        Extra: '{"AllowExportModel":false}',
      },
      // PAI's defaults: RO, never expires, not secure mode
      { WorkspaceId: 'ws-x', SourceWorkspaceId: 'ws-owner', AllowedMountAccessLevels: ['RO'], SharedAt: expect.any(String), Status: 'ACTIVE', IsSecureMode: false },
    ]);
    expect(owner.SharingConfig.SharedTo[0].SharedAt >= before).toBe(true);
    // a request naming no workspace sees the owner's view
    expect((await get(id)).body.SharingConfig.SharedTo).toHaveLength(2);

    const fromW = await get(id, 'ws-w');
    expect(fromW.status).toBe(200);
    expect(fromW.body).toMatchObject({ DatasetId: id, WorkspaceId: 'ws-owner', IsShared: true, SharedFrom: owner.SharingConfig.SharedTo[0] });
    expect(fromW.body).not.toHaveProperty('SharingConfig'); // other workspaces' shares are the owner's business
    expect(fromW.body.LatestVersion).toMatchObject({ VersionName: 'v1', DataCount: 3 });
    expect((await get(id, 'ws-stranger')).status).toBe(404);

    // ListDatasets from W: its own datasets and those shared to it, each with its view
    const own = await create({ Name: 'own of w', WorkspaceId: 'ws-w' });
    const listed = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-w', PageSize: 100 })}`)).body;
    expect(listed.TotalCount).toBe(2);
    const byId = Object.fromEntries((listed.Datasets as any[]).map((d) => [d.DatasetId, d]));
    expect(byId[id]).toMatchObject({ IsShared: true, SharedFrom: { WorkspaceId: 'ws-w', SourceWorkspaceId: 'ws-owner' } });
    expect(byId[own]).toMatchObject({ IsShared: false });
    expect(byId[own]).not.toHaveProperty('SharedFrom');
    expect(await listIds({ WorkspaceId: 'ws-stranger' })).not.toContain(id);
    expect((await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-owner', DatasetIds: id })}`)).body.Datasets[0].SharingConfig.SharedTo).toHaveLength(2);

    // versions and file metas read from W
    const w = 'WorkspaceId=ws-w';
    expect((await call('GET', `/api/v1/datasets/${id}/versions?${w}`)).body).toMatchObject({ TotalCount: 1 });
    expect((await call('GET', `/api/v1/datasets/${id}/versions/v1?${w}`)).body).toMatchObject({ VersionName: 'v1', DataCount: 3 });
    const metas = await call('GET', `/api/v1/datasets/${id}/datasetfilemetas?DatasetVersion=v1&${w}`);
    expect(metas.status, JSON.stringify(metas.body)).toBe(200);
    expect(metas.body.DatasetFileMetas).toHaveLength(3);
    const metaId = metas.body.DatasetFileMetas[0].DatasetFileMetaId;
    expect((await call('GET', `/api/v1/datasets/${id}/datasetfilemetas/${metaId}?${w}`)).body).toMatchObject({ WorkspaceId: 'ws-owner', DatasetFileMeta: { DatasetFileMetaId: metaId } });
    const stats = await call('GET', `/api/v1/statistics/datasets/${id}/datasetfilemetas?DatasetVersion=v1&${w}`);
    expect(stats.status, JSON.stringify(stats.body)).toBe(200);
    const search = await call('POST', `/api/v1/datasets/${id}/datasetfilemetas/action/search`, { DatasetVersion: 'v1', WorkspaceId: 'ws-w' });
    expect(search.status, JSON.stringify(search.body)).toBe(200);
    expect(search.body.DatasetFileMetas).toHaveLength(3);
    // …and not from a stranger
    expect((await call('GET', `/api/v1/datasets/${id}/datasetfilemetas?DatasetVersion=v1&WorkspaceId=ws-stranger`)).status).toBe(404);
  });

  it('refuses every change from a workspace the dataset is shared to (403), and leaves the dataset as it was', async () => {
    const id = await create({ Name: 'read only', WorkspaceId: 'ws-owner', Labels: [{ Key: 'k', Value: 'v' }] });
    await runFileMetaBuildByHand(container, id, 'v1');
    expect((await share(id, [{ WorkspaceId: 'ws-w' }])).status).toBe(200);
    const metaId = (await call('GET', `/api/v1/datasets/${id}/datasetfilemetas?DatasetVersion=v1`)).body.DatasetFileMetas[0].DatasetFileMetaId;
    const jobId = (await call('GET', `/api/v1/datasets/${id}/datasetjobs`)).body.DatasetJobs[0].DatasetJobId;
    const before = (await get(id)).body;
    const w = 'WorkspaceId=ws-w';
    const base = `/api/v1/datasets/${id}`;
    for (const [method, route, body] of [
      ['PUT', `${base}?${w}`, { Description: 'changed' }],
      ['PUT', `${base}?${w}`, { SharingConfig: { SharedTo: [] } }],
      ['PUT', `${base}/publish?${w}`],
      ['POST', `${base}/labels?${w}`, { Labels: [{ Key: 'k2', Value: 'v' }] }],
      ['DELETE', `${base}/labels?${w}&LabelKeys=k`],
      ['POST', `${base}/versions?${w}`, {}],
      ['PUT', `${base}/versions/v1?${w}`, { Description: 'x' }],
      ['PUT', `${base}/versions/v1/labels?${w}`, { Labels: [{ Key: 'k', Value: 'v' }] }],
      ['DELETE', `${base}/versions/v1/labels?${w}&Keys=k`],
      ['DELETE', `${base}/versions/v1?${w}`],
      ['PUT', `${base}/datasetfilemetas`, { WorkspaceId: 'ws-w', DatasetFileMetas: [{ DatasetFileMetaId: metaId, Comment: 'x' }] }],
      ['DELETE', `${base}/datasetfilemetas?${w}&DatasetFileMetaIds=${metaId}`],
      [
        'POST',
        `${base}/datasetfilemetas`,
        { WorkspaceId: 'ws-w', DatasetFileMetas: [{ Uri: `${filesUri}/img_0.png`, FileType: 'image', ContentType: 'image/png', FileFingerPrint: 'f', FileUpdateTime: '2025-01-01T00:00:00Z' }] },
      ],
      // jobs and job configs are the owner's operations, reads included
      ['POST', `${base}/datasetjobs`, { JobAction: 'FileMetaBuild', WorkspaceId: 'ws-w' }],
      ['GET', `${base}/datasetjobs?${w}`],
      ['GET', `${base}/datasetjobs/${jobId}?${w}`],
      ['PUT', `${base}/datasetjobs/${jobId}`, { Description: 'x', WorkspaceId: 'ws-w' }],
      ['DELETE', `${base}/datasetjobs/${jobId}?${w}`],
      ['GET', `${base}/datasetjobconfigs/?${w}`],
      ['DELETE', `${base}?${w}`],
    ] as Array<[string, string, unknown?]>) {
      const r = await call(method, route, body);
      expect(r.status, `${method} ${route}: ${JSON.stringify(r.body)}`).toBe(403);
      expect(r.body.Code).toBe('Forbidden');
      expect(r.body.Message).toMatch(/shared to workspace 'ws-w' to read/);
    }
    const after = (await get(id)).body;
    expect(after).toEqual({ ...before, RequestId: after.RequestId });
    expect((await call('GET', `${base}/datasetfilemetas/${metaId}`)).body.DatasetFileMeta).toMatchObject({ Comment: '', Status: 'ACTIVE' });
    expect((await call('GET', `${base}/datasetjobs`)).body.DatasetJobs).toHaveLength(1);
    // from a stranger, the same requests stay 404
    expect((await call('PUT', `${base}?WorkspaceId=ws-stranger`, { Description: 'x' })).status).toBe(404);
    expect((await call('GET', `${base}/datasetjobs?WorkspaceId=ws-stranger`)).status).toBe(404);
  });

  it('past ExpiresAt the share is EXPIRED and the dataset invisible from that workspace; a new ExpiresAt shares it again', async () => {
    const id = await create({ Name: 'expiring', WorkspaceId: 'ws-owner' });
    const expiresAt = new Date(now().getTime() + HOUR).toISOString();
    expect((await share(id, [{ WorkspaceId: 'ws-e', ExpiresAt: expiresAt }, { WorkspaceId: 'ws-forever' }])).status).toBe(200);
    expect((await get(id, 'ws-e')).body).toMatchObject({ IsShared: true, SharedFrom: { ExpiresAt: expiresAt, Status: 'ACTIVE' } });
    expect(await listIds({ WorkspaceId: 'ws-e' })).toContain(id);

    skew += 2 * HOUR;
    try {
      expect((await get(id, 'ws-e')).status).toBe(404);
      expect(await listIds({ WorkspaceId: 'ws-e' })).not.toContain(id);
      expect(await listIds({ WorkspaceId: 'ws-e', ShareScope: 'TO_ME' })).not.toContain(id);
      expect((await call('GET', `/api/v1/datasets/${id}/versions?WorkspaceId=ws-e`)).status).toBe(404);
      expect((await get(id, 'ws-forever')).status).toBe(200);
      const owner = (await get(id, 'ws-owner')).body;
      expect(owner.SharingConfig.SharedTo.map((s: any) => [s.WorkspaceId, s.Status])).toEqual([
        ['ws-e', 'EXPIRED'],
        ['ws-forever', 'ACTIVE'],
      ]);
      // BY_ME lists what the workspace shares, expired shares included (their Status says so)
      expect(await listIds({ WorkspaceId: 'ws-owner', ShareScope: 'BY_ME' })).toContain(id);

      // sending GetDataset's list back unchanged is accepted: the expired share stays EXPIRED, SharedAt kept
      const sentBack = await share(id, owner.SharingConfig.SharedTo);
      expect(sentBack.status, JSON.stringify(sentBack.body)).toBe(200);
      expect((await get(id, 'ws-owner')).body.SharingConfig.SharedTo).toEqual(owner.SharingConfig.SharedTo);
      // a past ExpiresAt for a share that did not have it is refused
      await refused(share(id, [{ WorkspaceId: 'ws-e', ExpiresAt: new Date(now().getTime() - HOUR).toISOString() }]), 'SharingConfig.SharedTo.0.ExpiresAt', /past/);

      // a new ExpiresAt: shared again, as of now
      const renewed = new Date(now().getTime() + HOUR).toISOString();
      expect((await share(id, [{ WorkspaceId: 'ws-e', ExpiresAt: renewed }])).status).toBe(200);
      const again = (await get(id, 'ws-e')).body;
      expect(again).toMatchObject({ IsShared: true, SharedFrom: { ExpiresAt: renewed, Status: 'ACTIVE' } });
      expect(again.SharedFrom.SharedAt > owner.SharingConfig.SharedTo[0].SharedAt).toBe(true);
    } finally {
      skew -= 2 * HOUR;
    }
  });

  it('replaces the list: a workspace kept keeps its SharedAt, one left out loses the dataset, [] unshares', async () => {
    const id = await create({ Name: 'unshared', WorkspaceId: 'ws-owner' });
    expect((await share(id, [{ WorkspaceId: 'ws-a' }, { WorkspaceId: 'ws-b' }])).status).toBe(200);
    const first = (await get(id, 'ws-a')).body.SharedFrom.SharedAt;
    skew += 1000;
    try {
      expect((await share(id, [{ WorkspaceId: 'ws-a', IsSecureMode: true }])).status).toBe(200);
    } finally {
      skew -= 1000;
    }
    expect((await get(id, 'ws-a')).body.SharedFrom).toMatchObject({ SharedAt: first, IsSecureMode: true });
    expect((await get(id, 'ws-b')).status).toBe(404);

    // any other field of UpdateDataset leaves the shares alone
    expect((await call('PUT', `/api/v1/datasets/${id}?WorkspaceId=ws-owner`, { Description: 'd' })).status).toBe(200);
    expect((await get(id, 'ws-a')).status).toBe(200);

    expect((await share(id, [])).status).toBe(200);
    expect((await get(id, 'ws-a')).status).toBe(404);
    const owner = (await get(id, 'ws-owner')).body;
    expect(owner).not.toHaveProperty('SharingConfig');
    expect(owner.IsShared).toBe(false);
    expect(await listIds({ WorkspaceId: 'ws-owner', ShareScope: 'BY_ME' })).not.toContain(id);
  });

  it("ShareScope filters as PAI documents: TO_ME (shared to the workspace), BY_ME (its own that it shares), empty (both kinds); it needs a WorkspaceId", async () => {
    const mine = await create({ Name: 'scope mine', WorkspaceId: 'ws-s1' });
    const mineShared = await create({ Name: 'scope mine shared', WorkspaceId: 'ws-s1' });
    const theirs = await create({ Name: 'scope theirs', WorkspaceId: 'ws-s2' });
    await create({ Name: 'scope theirs private', WorkspaceId: 'ws-s2' });
    expect((await share(mineShared, [{ WorkspaceId: 'ws-s2' }], 'ws-s1')).status).toBe(200);
    expect((await share(theirs, [{ WorkspaceId: 'ws-s1' }], 'ws-s2')).status).toBe(200);

    expect((await listIds({ WorkspaceId: 'ws-s1' })).sort()).toEqual([mine, mineShared, theirs].sort());
    expect((await listIds({ WorkspaceId: 'ws-s1', ShareScope: '' })).sort()).toEqual([mine, mineShared, theirs].sort());
    expect(await listIds({ WorkspaceId: 'ws-s1', ShareScope: 'TO_ME' })).toEqual([theirs]);
    expect(await listIds({ WorkspaceId: 'ws-s1', ShareScope: 'BY_ME' })).toEqual([mineShared]);
    expect(await listIds({ WorkspaceId: 'ws-s2', ShareScope: 'TO_ME' })).toEqual([mineShared]);
    // BY_ME shows the sharing configuration; TO_ME the share it is seen through
    const byMe = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-s1', ShareScope: 'BY_ME' })}`)).body;
    expect(byMe).toMatchObject({ TotalCount: 1, Datasets: [{ DatasetId: mineShared, IsShared: false, SharingConfig: { SharedTo: [{ WorkspaceId: 'ws-s2' }] } }] });
    const toMe = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-s1', ShareScope: 'TO_ME' })}`)).body;
    expect(toMe).toMatchObject({ TotalCount: 1, Datasets: [{ DatasetId: theirs, IsShared: true, SharedFrom: { WorkspaceId: 'ws-s1', SourceWorkspaceId: 'ws-s2' } }] });
    // with the other filters, and paged
    expect(await listIds({ WorkspaceId: 'ws-s1', Name: 'theirs' })).toEqual([theirs]);
    const page = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-s1', PageNumber: 2, PageSize: 2 })}`)).body;
    expect(page.TotalCount).toBe(3);
    expect(page.Datasets).toHaveLength(1);
    const first = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-s1', MaxResults: 2 })}`)).body;
    const rest = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-s1', NextToken: first.NextToken })}`)).body;
    expect([...first.Datasets, ...rest.Datasets].map((d: any) => d.DatasetId).sort()).toEqual([mine, mineShared, theirs].sort());

    await refused(call('GET', `/api/v1/datasets${qs({ ShareScope: 'TO_ME' })}`), 'ShareScope', /needs a WorkspaceId/);
    await refused(call('GET', `/api/v1/datasets${qs({ ShareScope: 'BY_ME' })}`), 'ShareScope', /needs a WorkspaceId/);
    await refused(call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-s1', ShareScope: 'to_me' })}`), 'ShareScope');
  });

  it('a dataset of no workspace can be shared too (SourceWorkspaceId empty); deleting a dataset ends its shares', async () => {
    const id = await create({ Name: 'no workspace' });
    expect((await share(id, [{ WorkspaceId: 'ws-n' }], '')).status).toBe(200);
    expect((await get(id, 'ws-n')).body).toMatchObject({ IsShared: true, SharedFrom: { WorkspaceId: 'ws-n', SourceWorkspaceId: '' } });
    expect((await call('DELETE', `/api/v1/datasets/${id}`)).status).toBe(200);
    expect(await container.store.getDatasetShares(id)).toEqual([]);
    expect(await listIds({ WorkspaceId: 'ws-n' })).not.toContain(id);
  });

  it('refuses bad entries with a 400 naming the field, and changes nothing then', async () => {
    const id = await create({ Name: 'bad entries', WorkspaceId: 'ws-owner' });
    expect((await share(id, [{ WorkspaceId: 'ws-ok' }])).status).toBe(200);
    const e = 'SharingConfig.SharedTo';
    await refused(share(id, [{ TenantId: 't' }]), `${e}.0.WorkspaceId`);
    await refused(share(id, [{ WorkspaceId: '' }]), `${e}.0.WorkspaceId`, /required/);
    await refused(share(id, [{ WorkspaceId: 'a b' }]), `${e}.0.WorkspaceId`);
    await refused(share(id, [{ WorkspaceId: 'ws-owner' }]), `${e}.0.WorkspaceId`, /own workspace/);
    await refused(share(id, [{ WorkspaceId: 'ws-1' }, { WorkspaceId: 'ws-1' }]), `${e}.1.WorkspaceId`, /twice/);
    await refused(share(id, [{ WorkspaceId: 'ws-1', ExpiresAt: 'tomorrow' }]), `${e}.0.ExpiresAt`, /ISO 8601/);
    await refused(share(id, [{ WorkspaceId: 'ws-1', ExpiresAt: '2099-13-01T00:00:00Z' }]), `${e}.0.ExpiresAt`, /ISO 8601/);
    await refused(share(id, [{ WorkspaceId: 'ws-1', ExpiresAt: '2001-01-01T00:00:00Z' }]), `${e}.0.ExpiresAt`, /past/);
    await refused(share(id, [{ WorkspaceId: 'ws-1', AllowedMountAccessLevels: ['RX'] }]), `${e}.0.AllowedMountAccessLevels`, /'RX'/);
    await refused(share(id, [{ WorkspaceId: 'ws-1', AllowedMountAccessLevels: [] }]), `${e}.0.AllowedMountAccessLevels`);
    await refused(share(id, [{ WorkspaceId: 'ws-1', SourceWorkspaceId: 'ws-else' }]), `${e}.0.SourceWorkspaceId`);
    await refused(share(id, [{ WorkspaceId: 'ws-1', TenantId: 't1', SourceTenantId: 't2' }]), `${e}.0.SourceTenantId`, /one tenant/);
    await refused(share(id, [{ WorkspaceId: 'ws-1', Extra: 'not json' }]), `${e}.0.Extra`);
    await refused(share(id, [{ WorkspaceId: 'ws-1', IsSecureMode: 'yes' }]), `${e}.0.IsSecureMode`);
    await refused(share(id, Array.from({ length: 101 }, (_, i) => ({ WorkspaceId: `ws-${i}` }))), e);
    await refused(call('PUT', `/api/v1/datasets/${id}?WorkspaceId=ws-owner`, { SharingConfig: {} }), e, /required/);
    // a refused request changes nothing (neither the shares nor the other fields it carried)
    await refused(call('PUT', `/api/v1/datasets/${id}?WorkspaceId=ws-owner`, { Description: 'x', SharingConfig: { SharedTo: [{ WorkspaceId: 'ws-owner' }] } }), `${e}.0.WorkspaceId`);
    const got = (await get(id, 'ws-owner')).body;
    expect(got.Description).toBe('');
    expect(got.SharingConfig.SharedTo.map((s: any) => s.WorkspaceId)).toEqual(['ws-ok']);
    // Loupe's own fields sent back consistent are accepted (SharedAt and Status are Loupe's to set)
    const r = await share(id, [{ WorkspaceId: 'ws-ok', SourceWorkspaceId: 'ws-owner', SharedAt: '2000-01-01T00:00:00Z', Status: 'REVOKED' }]);
    expect(r.status).toBe(200);
    expect((await get(id, 'ws-owner')).body.SharingConfig.SharedTo[0]).toMatchObject({ SharedAt: got.SharingConfig.SharedTo[0].SharedAt, Status: 'ACTIVE' });
  });
});
