// Contract of the MetaStore port: every adapter (SQLite now, Tablestore later) runs this suite.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASET_PAI_DEFAULTS, VERSION_PAI_DEFAULTS, type Dataset, type DatasetVersion } from '../../lib/domain/dataset.js';
import { fileMetaId } from '../../lib/domain/ids.js';
import { allTags } from '../../lib/domain/file-meta.js';
import type { DatasetJob } from '../../lib/domain/job.js';
import type { DatasetJobConfig } from '../../lib/domain/job-config.js';
import { evaluate } from '../../lib/dsl/evaluator.js';
import { parseQuery } from '../../lib/dsl/parser.js';
import type { ReindexSetting } from '../../lib/domain/reindex.js';
import { FILE_SORT_FIELDS, type CreatedFileRow, type FileMetaQuery, type ListedFileRow, type MetaStore, type ProbeUpdate } from '../../lib/ports/meta-store.js';

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

export function dataset(id: string, createTime = iso(T0)): Dataset {
  return {
    ...DATASET_PAI_DEFAULTS, labels: [], accessibleRoleIdList: [], mountAccessReadWriteRoleIdList: [],
    datasetId: id, name: `name ${id}`, description: '', edition: 'ADVANCED', dataType: 'PIC', dataSourceType: 'NAS', uri: `file:///data/${id}/`, createTime, updateTime: createTime,
  };
}
export function version(datasetId: string, name = 'v1'): DatasetVersion {
  return {
    ...VERSION_PAI_DEFAULTS, labels: [], userMetricsEndpoints: [],
    datasetId, versionName: name, description: '', uri: `file:///data/${datasetId}/`, dataSourceType: 'NAS', fileCount: 0, dataSize: 0, createTime: iso(T0), updateTime: iso(T0),
  };
}
export function job(id: string, datasetId: string, createTime = iso(T0)): DatasetJob {
  return {
    datasetJobId: id, datasetId, workspaceId: '', versionName: 'v1', jobAction: 'FileMetaBuild', jobMode: 'Full', jobSpec: { verify: 'header' }, description: '',
    status: 'Running', totalFileCount: 0, completedFileCount: 0, failedFileCount: 0, skippedFileCount: 0, fanoutCursor: null, fanoutDone: false,
    listedFileCount: 0, deletedFileCount: 0, message: null, createTime, startTime: createTime, finishTime: null, updateTime: createTime,
  };
}
export function listed(datasetId: string, rel: string, i: number, etag = `e${i}`, reset = true): ListedFileRow {
  const uri = `file:///data/${datasetId}/${rel}`;
  const cut = rel.lastIndexOf('/');
  return {
    datasetFileMetaId: fileMetaId(datasetId, 'v1', uri), datasetId, versionName: 'v1', uri,
    fileName: rel.slice(cut + 1), fileDir: cut < 0 ? '' : rel.slice(0, cut + 1), dataSize: 1000 + ((i * 7919) % 500),
    fileFingerPrint: etag, fileCreateTime: i % 5 === 0 ? null : iso(T0 + ((i * 104729) % 1000) * 1000),
    fileUpdateTime: iso(T0 + ((i * 15485863) % 97) * 60_000), fileType: 'image', fileFormat: 'jpg', reset,
  };
}

export function metaStoreContract(name: string, make: () => Promise<{ store: MetaStore; cleanup(): Promise<void> }>) {
  describe(`MetaStore contract: ${name}`, () => {
    let store: MetaStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await make());
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('creates, pages, updates and deletes datasets (newest first)', async () => {
      for (let i = 0; i < 5; i++) await store.createDataset(dataset(`d${i}`, iso(T0 + i * 1000)));
      const p1 = await store.listDatasets({ maxResults: 2 });
      expect(p1.items.map((d) => d.datasetId)).toEqual(['d4', 'd3']);
      expect(p1.totalCount).toBe(5);
      const p2 = await store.listDatasets({ maxResults: 2, nextToken: p1.nextToken });
      const p3 = await store.listDatasets({ maxResults: 2, nextToken: p2.nextToken });
      expect([...p2.items, ...p3.items].map((d) => d.datasetId)).toEqual(['d2', 'd1', 'd0']);
      expect(p3.nextToken).toBeUndefined();
      expect((await store.listDatasets({ maxResults: 10, nameContains: 'd3' })).items).toHaveLength(1);
      await store.updateDataset('d1', { name: 'renamed', updateTime: iso(T0 + 1) });
      expect((await store.getDataset('d1'))?.name).toBe('renamed');
      await store.deleteDataset('d1');
      expect(await store.getDataset('d1')).toBeUndefined();
    });

    it("filters datasets by PAI's fields and workspace, sorts either way, pages by offset or token; labels upsert by key", async () => {
      await store.createDataset({ ...dataset('p0', iso(T0)), workspaceId: 'w1', dataType: 'COMMON', labels: [{ key: 'Team', value: 'cv' }] });
      await store.createDataset({ ...dataset('p1', iso(T0)), workspaceId: 'w1', provider: 'zoo', sourceType: 'ITAG', sourceId: 's', accessibility: 'PUBLIC' });
      await store.createDataset({ ...dataset('p2', iso(T0 + 1000)), workspaceId: 'w2', edition: 'BASIC' });
      const ids = async (q: Partial<Parameters<MetaStore['listDatasets']>[0]>) => (await store.listDatasets({ maxResults: 10, ...q })).items.map((d) => d.datasetId);
      expect(await ids({ workspaceId: 'w1', order: 'ASC' })).toEqual(['p0', 'p1']); // same time: insertion order
      expect(await ids({ workspaceId: 'w1' })).toEqual(['p1', 'p0']);
      expect(await ids({ workspaceId: 'w3' })).toEqual([]);
      expect(await ids({ edition: 'BASIC' })).toEqual(['p2']);
      expect(await ids({ dataTypes: ['COMMON'] })).toEqual(['p0']);
      expect(await ids({ labelContains: 'team' })).toEqual(['p0']);
      expect(await ids({ provider: 'zoo', sourceTypes: ['ITAG'], sourceId: 's', accessibility: 'PUBLIC' })).toEqual(['p1']);
      expect(await ids({ datasetIds: ['p2', 'p0'], sortBy: 'GmtCreateTime', order: 'ASC' })).toEqual(['p0', 'p2']);
      expect(await ids({ sortBy: 'DataType', order: 'ASC' })).toEqual(['p0', 'p1', 'p2']);
      expect(await ids({ order: 'ASC', offset: 1 })).toEqual(['p1', 'p2']);
      const first = await store.listDatasets({ maxResults: 1, order: 'ASC', offset: 1 });
      expect((await store.listDatasets({ maxResults: 5, order: 'ASC', nextToken: first.nextToken })).items.map((d) => d.datasetId)).toEqual(['p2']);

      expect(await store.putLabels('p0', undefined, [{ key: 'b', value: '1' }, { key: 'Team', value: 'ml' }], iso(T0 + 5))).toBe(true);
      expect((await store.getDataset('p0'))?.labels).toEqual([{ key: 'Team', value: 'ml' }, { key: 'b', value: '1' }]);
      expect(await store.deleteLabels('p0', undefined, ['Team', 'none'], iso(T0 + 6))).toBe(true);
      expect(await store.getDataset('p0')).toMatchObject({ labels: [{ key: 'b', value: '1' }], updateTime: iso(T0 + 6) });
      expect(await store.putLabels('gone', undefined, [{ key: 'k', value: '' }], iso(T0))).toBe(false);
      await store.updateDataset('p0', { edition: 'BASIC', options: '{}', accessibility: 'PUBLIC', mountAccessReadWriteRoleIdList: ['*'], updateTime: iso(T0 + 7) });
      expect(await store.getDataset('p0')).toMatchObject({ edition: 'BASIC', options: '{}', accessibility: 'PUBLIC', mountAccessReadWriteRoleIdList: ['*'], name: 'name p0' });
    });

    it('queries versions by label, source and property; sorts by stored and computed fields; labels its versions', async () => {
      await store.createDataset(dataset('qv'));
      await store.createVersion({ ...version('qv', 'v1'), sourceType: 'USER', labels: [{ key: 'split', value: 'train' }] });
      await store.createVersion({ ...version('qv', 'v2'), sourceType: 'ITAG', sourceId: 's2' });
      await store.upsertListedFiles([listed('qv', 'a.jpg', 1), listed('qv', 'b.jpg', 2)].map((r) => ({ ...r, fileFormat: 'jpg' })), 'j1', iso(T0));
      const q = { datasetId: 'qv', sortBy: 'GmtCreateTime' as const, order: 'ASC' as const, limit: 10, offset: 0 };
      const names = async (extra: object) => (await store.queryVersions({ ...q, ...extra })).items.map((v) => v.versionName);
      expect(await names({})).toEqual(['v1', 'v2']);
      expect(await names({ order: 'DESC' })).toEqual(['v2', 'v1']);
      expect(await names({ sortBy: 'DataSize', order: 'DESC' })).toEqual(['v1', 'v2']);
      expect(await names({ sortBy: 'SourceType' })).toEqual(['v2', 'v1']);
      expect(await names({ labelKeys: ['SPL'], labelValues: ['rain'] })).toEqual(['v1']);
      expect(await names({ sourceTypes: ['ITAG'], sourceId: 's2', properties: ['DIRECTORY'] })).toEqual(['v2']);
      expect(await store.queryVersions({ ...q, limit: 1, offset: 1 })).toMatchObject({ totalCount: 2, items: [{ versionName: 'v2' }] });
      const v1 = (await store.getVersion('qv', 'v1'))!;
      expect(v1.fileCount).toBe(2);
      expect(v1.dataSize).toBe(listed('qv', 'a.jpg', 1).dataSize + listed('qv', 'b.jpg', 2).dataSize);
      expect((await store.latestVersion('qv'))?.versionName).toBe('v2');
      expect(await store.putLabels('qv', 'v2', [{ key: 'k', value: 'v' }], iso(T0 + 1))).toBe(true);
      expect(await store.putLabels('qv', 'v9', [{ key: 'k', value: 'v' }], iso(T0 + 1))).toBe(false);
      expect((await store.getVersion('qv', 'v2'))?.labels).toEqual([{ key: 'k', value: 'v' }]);
      await store.updateVersion('qv', 'v2', { options: '{"a":1}', userMetricsEndpoints: [{ path: '/m', port: 1 }], updateTime: iso(T0 + 2) });
      expect(await store.getVersion('qv', 'v2')).toMatchObject({ options: '{"a":1}', userMetricsEndpoints: [{ path: '/m', port: 1 }], description: '' });
    });

    it('deletes a dataset with its index config, and only its own', async () => {
      const config = (datasetId: string) => ({
        datasetId, embeddingConnectionId: 'e', vectorConnectionId: 'v', indexName: 'cars', modelName: null, createTime: iso(T0), updateTime: iso(T0),
      });
      for (const id of ['ic1', 'ic2']) {
        await store.createDataset(dataset(id));
        await store.putIndexConfig(config(id));
      }
      await store.deleteDataset('ic1');
      expect(await store.getIndexConfig('ic1')).toBeUndefined();
      expect(await store.getIndexConfig('ic2')).toEqual(config('ic2'));
      // a dataset created again under the same id starts without one
      await store.createDataset(dataset('ic1'));
      expect(await store.getIndexConfig('ic1')).toBeUndefined();
    });

    it('says whether a version exists', async () => {
      await store.createDataset(dataset('hv'));
      await store.createVersion(version('hv'));
      expect(await store.hasVersion('hv', 'v1')).toBe(true);
      expect(await store.hasVersion('hv', 'v2')).toBe(false);
      expect(await store.hasVersion('nope', 'v1')).toBe(false);
    });

    it('lists the folders of every version that holds files (not those of logical datasets)', async () => {
      await store.createDataset(dataset('fa'));
      await store.createVersion(version('fa', 'v1'));
      await store.createVersion({ ...version('fa', 'v2'), uri: 'file:///elsewhere/fa-v2/' });
      await store.createDataset({ ...dataset('fl'), edition: 'LOGICAL', uri: '' });
      await store.reserveLogicalVersion('fl', 'job-l', '', iso(T0));
      await store.publishLogicalVersion('fl', 'v1', 'job-l', iso(T0));
      const folders = (await store.listVersionFolders()).sort((a, b) => a.uri.localeCompare(b.uri));
      expect(folders).toEqual([
        { datasetId: 'fa', versionName: 'v2', uri: 'file:///elsewhere/fa-v2/' },
        { datasetId: 'fa', versionName: 'v1', uri: 'file:///data/fa/' },
      ].sort((a, b) => a.uri.localeCompare(b.uri)));
    });

    it('keeps versions with their live file counts', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d', 'v1'));
      await store.createVersion(version('d', 'v2'));
      await store.upsertListedFiles([listed('d', 'a.jpg', 1), listed('d', 'b.jpg', 2)], 'j1', iso(T0));
      const versions = await store.listVersions('d');
      expect(versions.map((v) => [v.versionName, v.fileCount])).toEqual([['v1', 2], ['v2', 0]]);
      await store.deleteVersion('d', 'v1');
      expect(await store.getVersion('d', 'v1')).toBeUndefined();
      expect(await store.getFileMetas([listed('d', 'a.jpg', 1).datasetFileMetaId])).toEqual([]);
    });

    it('upserts listed files: a reset clears probe results, an unchanged listing keeps them', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      const row = listed('d', 'x/y/a.jpg', 1);
      await store.upsertListedFiles([row], 'j1', iso(T0));
      let m = (await store.getFileMeta(row.datasetFileMetaId))!;
      expect(m).toMatchObject({ status: 'PENDING', fileName: 'a.jpg', fileDir: 'x/y/', fileType: 'image', fileFormat: 'jpg', comment: '', tags: { ai: [], user: [], userDeleteAiTags: [] } });
      await store.applyProbeResults(
        [{ datasetFileMetaId: row.datasetFileMetaId, fileFingerPrint: 'e1', status: 'ACTIVE', fileType: 'image', fileFormat: 'jpeg', contentType: 'image/jpeg', metaAttributes: { ImageWidth: 3, ImageHeight: 2 }, failReason: null, probeDepth: 'header' }],
        iso(T0),
      );
      await store.upsertListedFiles([{ ...row, reset: false }], 'j2', iso(T0));
      m = (await store.getFileMeta(row.datasetFileMetaId))!;
      expect(m).toMatchObject({ status: 'ACTIVE', fileType: 'image', fileFormat: 'jpeg', contentType: 'image/jpeg', metaAttributes: { ImageWidth: 3, ImageHeight: 2 }, probedFingerPrint: 'e1' });
      await store.upsertListedFiles([{ ...row, fileFingerPrint: 'e2', reset: true }], 'j3', iso(T0));
      m = (await store.getFileMeta(row.datasetFileMetaId))!;
      expect(m).toMatchObject({ status: 'PENDING', contentType: null, metaAttributes: {}, probedFingerPrint: null, fileFingerPrint: 'e2' });
    });

    it('applies a probe result only while the file still has the fingerprint that was probed', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      const row = listed('d', 'a.jpg', 1, 'new');
      await store.upsertListedFiles([row], 'j1', iso(T0));
      await store.applyProbeResults(
        [{ datasetFileMetaId: row.datasetFileMetaId, fileFingerPrint: 'old', status: 'FAILED', fileType: 'image', fileFormat: 'jpeg', contentType: null, metaAttributes: {}, failReason: 'x', probeDepth: 'header' }],
        iso(T0),
      );
      expect((await store.getFileMeta(row.datasetFileMetaId))!.status).toBe('PENDING');
      await store.markFileFailed(row.datasetFileMetaId, 'decode failed: bad', iso(T0));
      expect(await store.getFileMeta(row.datasetFileMetaId)).toMatchObject({ status: 'FAILED', failReason: 'decode failed: bad' });
    });

    it('registers created metas (a DELETED one is replaced), edits tags only as read, merges MetaAttributes, deletes logically', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      const created = (rel: string, extra: Partial<CreatedFileRow> = {}): CreatedFileRow => {
        const uri = `file:///data/d/${rel}`;
        return {
          datasetFileMetaId: fileMetaId('d', 'v1', uri), datasetId: 'd', versionName: 'v1', uri, fileName: rel, fileDir: '', dataSize: 5,
          fileFingerPrint: 'given', fileCreateTime: null, fileUpdateTime: iso(T0), fileType: 'image', fileFormat: 'jpg', contentType: 'image/jpeg',
          metaAttributes: { ImageWidth: 9, camera: 'x' }, userTags: ['u'], comment: 'hello', ...extra,
        };
      };
      const a = created('a.jpg');
      const id = a.datasetFileMetaId;
      const get = async () => (await store.getFileMeta(id))!;
      expect(await store.createFileMetas([a, created('b.jpg', { userTags: [] })], iso(T0))).toEqual([true, true]);
      expect(await get()).toMatchObject({ status: 'PENDING', fileFingerPrint: 'given', comment: 'hello', tagUpdateTime: iso(T0), probedFingerPrint: null });
      expect((await get()).tags).toEqual({ ai: [], user: ['u'], userDeleteAiTags: [] });
      expect((await store.getFileMeta(created('b.jpg').datasetFileMetaId))!.tagUpdateTime).toBeNull();
      expect(await store.createFileMetas([{ ...a, comment: 'again' }], iso(T0 + 1))).toEqual([false]);

      // A listing of the same Uri (another fingerprint) resets Loupe's facts and keeps what people set;
      // a probe replaces only the keys it measures.
      await store.upsertListedFiles([{ ...listed('d', 'a.jpg', 1), fileType: 'image', fileFormat: 'jpg' } as ListedFileRow], 'j1', iso(T0 + 2));
      expect(await get()).toMatchObject({ fileFingerPrint: 'e1', comment: 'hello', metaAttributes: { camera: 'x' } });
      expect((await get()).metaAttributes).toEqual({ camera: 'x' });
      await store.applyProbeResults(
        [{ datasetFileMetaId: id, fileFingerPrint: 'e1', status: 'ACTIVE', fileType: 'image', fileFormat: 'jpeg', contentType: 'image/jpeg', metaAttributes: { ImageWidth: 3, ImageHeight: 2 }, failReason: null, probeDepth: 'header' } as ProbeUpdate],
        iso(T0 + 3),
      );
      expect((await get()).metaAttributes).toEqual({ camera: 'x', ImageWidth: 3, ImageHeight: 2 });

      // Tag edits apply only while the tags are those read; attributes merge (null removes).
      expect(await store.updateFileMetaContent({ datasetFileMetaId: id, expectedTags: { ai: ['stale'], user: ['u'], userDeleteAiTags: [] }, comment: 'no' }, iso(T0 + 4))).toBe(false);
      const tags = { ai: ['car'], user: ['u', 'v'], userDeleteAiTags: ['car'] };
      expect(await store.updateFileMetaContent({ datasetFileMetaId: id, expectedTags: (await get()).tags, tags, metaAttributes: { camera: null, lens: '50mm' }, comment: 'yes' }, iso(T0 + 5))).toBe(true);
      expect(await get()).toMatchObject({ comment: 'yes', tags, tagUpdateTime: iso(T0 + 5) });
      expect((await get()).metaAttributes).toEqual({ ImageWidth: 3, ImageHeight: 2, lens: '50mm' });

      // Deleted logically; a DELETED meta takes no edit; created again, it starts over (AI tags gone),
      // keeping the vector bookkeeping so the next SemanticIndex still replaces or drops the vector.
      await store.applyEmbedResults([{ datasetFileMetaId: id, fileFingerPrint: 'e1', jobId: 'j', embedderId: 'emb', indexName: 'idx' }], iso(T0 + 6));
      await store.markFileMetasDeleted([id, 'nope'], iso(T0 + 7));
      expect((await get()).status).toBe('DELETED');
      expect(await store.listDeletedEmbedded('d', 'v1', 'idx', 10)).toEqual([id]);
      expect(await store.updateFileMetaContent({ datasetFileMetaId: id, expectedTags: (await get()).tags, comment: 'no' }, iso(T0 + 8))).toBe(false);
      expect(await store.createFileMetas([{ ...a, comment: 'back' }], iso(T0 + 9))).toEqual([true]);
      expect(await get()).toMatchObject({ status: 'PENDING', comment: 'back', fileFingerPrint: 'given', probedFingerPrint: null, indexName: 'idx', createTime: iso(T0 + 9) });
      expect((await get()).tags).toEqual({ ai: [], user: ['u'], userDeleteAiTags: [] });
    });

    it('marks files the last listing did not see as DELETED, once', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      await store.upsertListedFiles([listed('d', 'a.jpg', 1), listed('d', 'b.jpg', 2), listed('d', 'c.jpg', 3)], 'j1', iso(T0));
      await store.upsertListedFiles([listed('d', 'a.jpg', 1, 'e1', false)], 'j2', iso(T0 + 2));
      expect(await store.markUnlistedDeleted('d', 'v1', 'j2', iso(T0 + 1), iso(T0 + 3))).toBe(2);
      expect(await store.markUnlistedDeleted('d', 'v1', 'j2', iso(T0 + 1), iso(T0 + 3))).toBe(0);
      expect(await store.countFileMetas({ datasetId: 'd', versionName: 'v1' })).toBe(1);
      expect(await store.countFileMetas({ datasetId: 'd', versionName: 'v1', statuses: ['DELETED'] })).toBe(2);
    });

    it('leaves SKIPPED files (not images) out of listings, counts and version sizes unless asked for', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      const [img, notes] = [listed('d', 'a.jpg', 1), listed('d', 'dataset.jsonl', 2)];
      await store.upsertListedFiles([img!, notes!], 'j1', iso(T0));
      await store.applyProbeResults(
        [{ datasetFileMetaId: notes!.datasetFileMetaId, fileFingerPrint: 'e2', status: 'SKIPPED', fileType: 'text', fileFormat: '', contentType: null, metaAttributes: {}, failReason: 'not an image', probeDepth: 'header' }],
        iso(T0),
      );
      expect(await store.getFileMeta(notes!.datasetFileMetaId)).toMatchObject({ status: 'SKIPPED', fileType: 'text', fileFormat: '', failReason: 'not an image', probedFingerPrint: 'e2' });
      const q = { datasetId: 'd', versionName: 'v1' };
      expect(await store.countFileMetas(q)).toBe(1);
      expect((await store.listFileMetas({ ...q, sortBy: 'FileName', order: 'ASC', maxResults: 10 })).items.map((m) => m.fileName)).toEqual(['a.jpg']);
      expect(await store.aggregateFileMetas(q, 'status', 10)).toEqual([{ key: 'PENDING', count: 1 }]);
      expect((await store.listFileMetas({ ...q, statuses: ['SKIPPED'], sortBy: 'FileName', order: 'ASC', maxResults: 10 })).items.map((m) => m.fileName)).toEqual(['dataset.jsonl']);
      expect((await store.getVersion('d', 'v1'))!.fileCount).toBe(1);
    });

    it("filters by PAI's FileType and by ContentType (any of), and aggregates FileType and FileFormat", async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      const [a, b, notes] = [listed('d', 'a.jpg', 1), listed('d', 'b.png', 2), { ...listed('d', 'notes.txt', 3), fileType: 'text', fileFormat: 'txt' }];
      await store.upsertListedFiles([a!, b!, notes], 'j1', iso(T0));
      const probed = (id: string, fileFormat: string, contentType: string): ProbeUpdate => ({
        datasetFileMetaId: id, fileFingerPrint: id === a!.datasetFileMetaId ? 'e1' : 'e2', status: 'ACTIVE', fileType: 'image', fileFormat, contentType,
        metaAttributes: {}, failReason: null, probeDepth: 'header',
      });
      await store.applyProbeResults([probed(a!.datasetFileMetaId, 'jpeg', 'image/jpeg'), probed(b!.datasetFileMetaId, 'png', 'image/png')], iso(T0));
      const q = { datasetId: 'd', versionName: 'v1' };
      const names = async (extra: Partial<FileMetaQuery>) => (await store.listFileMetas({ ...q, ...extra, sortBy: 'FileName', order: 'ASC', maxResults: 10 })).items.map((m) => m.fileName);
      expect(await names({ fileTypes: ['image'] })).toEqual(['a.jpg', 'b.png']);
      expect(await names({ fileTypes: ['text', 'video'] })).toEqual(['notes.txt']);
      expect(await names({ contentTypes: ['image/png', 'image/gif'] })).toEqual(['b.png']);
      expect(await names({ fileTypes: ['image'], contentTypes: ['image/jpeg'] })).toEqual(['a.jpg']);
      expect(await store.aggregateFileMetas(q, 'file_type', 10)).toEqual([{ key: 'image', count: 2 }, { key: 'text', count: 1 }]);
      expect(await store.aggregateFileMetas(q, 'file_format', 10)).toEqual([{ key: 'jpeg', count: 1 }, { key: 'png', count: 1 }, { key: 'txt', count: 1 }]);
    });

    it('interleaved listings by two jobs: each marks gone only what no listing saw since it started', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      const [a, b, c, gone, late] = ['a.jpg', 'b.jpg', 'c.jpg', 'gone.jpg', 'late.jpg'].map((f, i) => listed('d', f, i + 1));
      const again = (r: ListedFileRow) => ({ ...r, reset: false });
      await store.upsertListedFiles([a!, b!, c!, gone!], 'j0', iso(T0)); // an earlier listing; then gone.jpg vanishes
      // j1 starts at +10 and lists a page: a.jpg, and late.jpg (which vanishes right after)
      await store.upsertListedFiles([again(a!), late!], 'j1', iso(T0 + 11));
      // j2 starts at +20, lists everything there (restamping a.jpg) and ends first
      await store.upsertListedFiles([again(a!), again(b!), again(c!)], 'j2', iso(T0 + 21));
      expect(await store.markUnlistedDeleted('d', 'v1', 'j2', iso(T0 + 20), iso(T0 + 22))).toBe(2);
      // j1 lists its second page and ends: a.jpg, last stamped by j2, was seen since j1 started
      await store.upsertListedFiles([again(b!), again(c!)], 'j1', iso(T0 + 23));
      expect(await store.markUnlistedDeleted('d', 'v1', 'j1', iso(T0 + 10), iso(T0 + 24))).toBe(0);
      const live = await store.listFileMetas({ datasetId: 'd', versionName: 'v1', sortBy: 'FileName', order: 'ASC', maxResults: 10 });
      expect(live.items.map((m) => m.fileName)).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
      const deleted = await store.listFileMetas({ datasetId: 'd', versionName: 'v1', statuses: ['DELETED'], sortBy: 'FileName', order: 'ASC', maxResults: 10 });
      expect(deleted.items.map((m) => [m.fileName, m.updateTime])).toEqual([['gone.jpg', iso(T0 + 22)], ['late.jpg', iso(T0 + 22)]]);
      // a file that comes back is live again, and a later listing that does not see it marks it again
      await store.upsertListedFiles([late!], 'j3', iso(T0 + 31));
      expect(await store.getFileMeta(late!.datasetFileMetaId)).toMatchObject({ status: 'PENDING' });
      await store.upsertListedFiles([again(a!), again(b!), again(c!)], 'j4', iso(T0 + 41));
      expect(await store.markUnlistedDeleted('d', 'v1', 'j4', iso(T0 + 40), iso(T0 + 42))).toBe(1);
      expect(await store.getFileMeta(late!.datasetFileMetaId)).toMatchObject({ status: 'DELETED' });
    });

    it('lists file metas in every sort order and direction: keyset pages cover every file once, in order', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      const rows = Array.from({ length: 57 }, (_, i) => listed('d', `dir${i % 4}/f${String(i).padStart(3, '0')}.jpg`, i));
      await store.upsertListedFiles(rows, 'j1', iso(T0));
      const key: Record<(typeof FILE_SORT_FIELDS)[number], (r: { fileUpdateTime: string; fileCreateTime: string | null; fileName: string; dataSize: number; datasetFileMetaId: string }) => string | number | null> = {
        FileUpdateTime: (r) => r.fileUpdateTime,
        FileCreateTime: (r) => r.fileCreateTime,
        FileName: (r) => r.fileName,
        DataSize: (r) => r.dataSize,
        DatasetFileMetaId: (r) => r.datasetFileMetaId,
      };
      // NULLs first ascending (SQL order); ties may come in any order, but each file exactly once.
      const cmp = (a: string | number | null, b: string | number | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
      for (const sortBy of FILE_SORT_FIELDS) {
        for (const order of ['ASC', 'DESC'] as const) {
          const got: Array<string | number | null> = [];
          const ids: string[] = [];
          let token: string | undefined;
          do {
            const page = await store.listFileMetas({ datasetId: 'd', versionName: 'v1', sortBy, order, maxResults: 8, nextToken: token });
            expect(page.totalCount).toBe(57);
            got.push(...page.items.map((m) => key[sortBy](m)));
            ids.push(...page.items.map((m) => m.datasetFileMetaId));
            token = page.nextToken;
          } while (token);
          expect(new Set(ids).size, `${sortBy} ${order}`).toBe(57);
          const expected = rows.map((r) => key[sortBy](r)).sort((a, b) => (order === 'ASC' ? cmp(a, b) : -cmp(a, b)));
          expect(got, `${sortBy} ${order}`).toEqual(expected);
        }
      }
    });

    it('reaches any result index by offset, and lists a page\'s ids alone in the same order', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      const rows = Array.from({ length: 41 }, (_, i) => listed('d', `dir${i % 3}/f${String(i).padStart(3, '0')}.jpg`, i));
      await store.upsertListedFiles(rows, 'j1', iso(T0));
      for (const sortBy of FILE_SORT_FIELDS) {
        for (const order of ['ASC', 'DESC'] as const) {
          const q = { datasetId: 'd', versionName: 'v1', sortBy, order };
          const all = (await store.listFileMetas({ ...q, maxResults: 100 })).items.map((m) => m.datasetFileMetaId);
          expect(all).toHaveLength(41);
          for (const offset of [0, 1, 17, 40, 41, 50]) {
            const page = await store.listFileMetas({ ...q, maxResults: 7, offset });
            expect(page.items.map((m) => m.datasetFileMetaId), `${sortBy} ${order} @${offset}`).toEqual(all.slice(offset, offset + 7));
            expect(page.totalCount).toBe(41);
            const ids = await store.listFileMetaIdPage({ ...q, maxResults: 7, offset });
            expect(ids.items).toEqual(all.slice(offset, offset + 7));
            // The token of a page found by offset continues after it.
            if (page.nextToken) expect((await store.listFileMetaIdPage({ ...q, maxResults: 5, nextToken: ids.nextToken })).items).toEqual(all.slice(offset + 7, offset + 12));
            else expect(offset + 7).toBeGreaterThanOrEqual(41);
          }
          // Ids alone page by token as the rows do.
          const walked: string[] = [];
          let token: string | undefined;
          do {
            const p = await store.listFileMetaIdPage({ ...q, maxResults: 6, nextToken: token, fileDirContains: 'dir1' });
            walked.push(...p.items);
            token = p.nextToken;
          } while (token);
          expect(walked).toEqual((await store.listFileMetas({ ...q, maxResults: 100, fileDirContains: 'dir1' })).items.map((m) => m.datasetFileMetaId));
        }
      }
      await expect(store.listFileMetas({ datasetId: 'd', versionName: 'v1', sortBy: 'FileName', order: 'ASC', maxResults: 5, offset: 3, nextToken: 'x' })).rejects.toThrow(/not both/);
    });

    it('edits user tags in bulk: added tags join user and leave the removed AI tags; removed AI tags are recorded', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      await store.createVersion(version('d', 'v2'));
      const rows = [listed('d', 'a.jpg', 1), listed('d', 'b.jpg', 2), listed('d', 'c.jpg', 3)];
      await store.upsertListedFiles(rows, 'j1', iso(T0));
      const [a, b, c] = rows.map((r) => r.datasetFileMetaId) as [string, string, string];
      await store.applyTagResults(
        [a, b].map((id) => ({ datasetFileMetaId: id, fileFingerPrint: rows.find((r) => r.datasetFileMetaId === id)!.fileFingerPrint, jobId: 'tj', ai: ['car', 'road'], model: 'm', tagDefinitionId: 'td', tagDefinitionVersion: 1 })),
        iso(T0 + 1),
      );
      const tagsOf = async (id: string) => (await store.getFileMeta(id))!.tags;
      expect((await tagsOf(a)).ai).toEqual(['car', 'road']);
      const scope = { datasetId: 'd', versionName: 'v1' };
      expect(await store.editUserTags(scope, [a, b, c], { add: ['checked'], remove: ['car'] }, iso(T0 + 2))).toBe(3);
      expect(await tagsOf(a)).toEqual({ ai: ['car', 'road'], user: ['checked'], userDeleteAiTags: ['car'] });
      expect(await tagsOf(c)).toEqual({ ai: [], user: ['checked'], userDeleteAiTags: [] });
      expect((await store.getFileMeta(a))!.tagUpdateTime).toBe(iso(T0 + 2));
      expect(allTags(await tagsOf(a)).sort()).toEqual(['checked', 'road']);
      // Nothing to change: not counted, TagUpdateTime kept.
      expect(await store.editUserTags(scope, [a], { add: ['checked'], remove: ['car'] }, iso(T0 + 3))).toBe(0);
      expect((await store.getFileMeta(a))!.tagUpdateTime).toBe(iso(T0 + 2));
      // Adding back a removed AI tag shows it again; removing a user tag that is no AI tag records nothing.
      expect(await store.editUserTags(scope, [a, b], { add: ['car'], remove: ['checked'] }, iso(T0 + 4))).toBe(2);
      expect(await tagsOf(a)).toEqual({ ai: ['car', 'road'], user: ['car'], userDeleteAiTags: [] });
      // Another version's or a DELETED meta is left alone.
      expect(await store.editUserTags({ datasetId: 'd', versionName: 'v2' }, [a], { add: ['x'], remove: [] }, iso(T0 + 5))).toBe(0);
      await store.markFileMetasDeleted([c], iso(T0 + 6));
      expect(await store.editUserTags(scope, [c, 'nope'], { add: ['x'], remove: [] }, iso(T0 + 7))).toBe(0);
      expect((await tagsOf(c)).user).toEqual(['checked']);
    });

    it('filters by name, dir, update time and ids, and aggregates', async () => {
      await store.createDataset(dataset('d'));
      await store.createVersion(version('d'));
      const rows = Array.from({ length: 20 }, (_, i) => listed('d', `${i % 2 ? 'cars' : 'Boats'}/img_${i}.jpg`, i));
      await store.upsertListedFiles(rows, 'j1', iso(T0));
      const q = { datasetId: 'd', versionName: 'v1', sortBy: 'FileName' as const, order: 'ASC' as const, maxResults: 100 };
      expect((await store.listFileMetas({ ...q, fileDirContains: 'boat' })).totalCount).toBe(10);
      expect((await store.listFileMetas({ ...q, fileNameContains: 'IMG_1' })).items.map((m) => m.fileName).sort()).toEqual(
        ['img_1.jpg', 'img_10.jpg', 'img_11.jpg', 'img_12.jpg', 'img_13.jpg', 'img_14.jpg', 'img_15.jpg', 'img_16.jpg', 'img_17.jpg', 'img_18.jpg', 'img_19.jpg'],
      );
      expect((await store.listFileMetas({ ...q, fileNameContains: '%' })).totalCount).toBe(0);
      const mid = rows.map((r) => r.fileUpdateTime).sort()[10]!;
      const later = await store.listFileMetas({ ...q, startFileUpdateTime: mid });
      expect(later.totalCount).toBe(rows.filter((r) => r.fileUpdateTime >= mid).length);
      const ids = rows.slice(0, 3).map((r) => r.datasetFileMetaId);
      expect((await store.listFileMetas({ ...q, ids })).totalCount).toBe(3);
      expect(await store.aggregateFileMetas({ datasetId: 'd', versionName: 'v1' }, 'filedir', 10)).toEqual([
        { key: 'Boats/', count: 10 },
        { key: 'cars/', count: 10 },
      ]);
    });

    it('filters with the query language exactly as the reference evaluator does; ids, index membership, tag counts', async () => {
      await store.createDataset(dataset('q'));
      await store.createVersion(version('q'));
      const rows = Array.from({ length: 300 }, (_, i) => listed('q', `${['blue_car', 'city/night', '城市', ''][i % 4]}/img_${i}.jpg`.replace(/^\//, ''), i));
      await store.upsertListedFiles(rows, 'j1', iso(T0));
      await store.applyProbeResults(
        rows.map((r, i): ProbeUpdate => ({
          datasetFileMetaId: r.datasetFileMetaId, fileFingerPrint: r.fileFingerPrint, status: i % 10 === 3 ? 'FAILED' : 'ACTIVE', fileType: 'image', fileFormat: 'jpeg',
          contentType: 'image/jpeg', metaAttributes: i % 7 === 1 ? {} : { ImageWidth: 100 + (i % 40), ImageHeight: 50 }, failReason: i % 10 === 3 ? 'bad' : null, probeDepth: 'header',
        })),
        iso(T0),
      );
      const vocab = ['car', 'road', 'lane line', 'rainy', '蓝色汽车'];
      await store.applyTagResults(
        rows.filter((_, i) => i % 3 !== 0).map((r, i) => ({
          datasetFileMetaId: r.datasetFileMetaId, fileFingerPrint: r.fileFingerPrint, ai: vocab.filter((_, k) => (i >> k) & 1),
          tagDefinitionId: 'def', tagDefinitionVersion: 1, model: 'm', jobId: 'j-tag',
        })),
        iso(T0 + 5000),
      );
      for (const r of rows.filter((_, i) => i % 5 === 0)) {
        const { tags } = (await store.getFileMeta(r.datasetFileMetaId))!;
        expect(await store.updateFileMetaContent({ datasetFileMetaId: r.datasetFileMetaId, expectedTags: tags, tags: { ...tags, user: ['checked'], userDeleteAiTags: ['rainy'] } }, iso(T0))).toBe(true);
      }
      const embedded = rows.filter((_, i) => i % 2 === 0);
      await store.applyEmbedResults(embedded.map((r) => ({ datasetFileMetaId: r.datasetFileMetaId, fileFingerPrint: r.fileFingerPrint, jobId: 'j2', embedderId: 'e', indexName: 'idx' })), iso(T0));
      const metas = await store.getFileMetas(rows.map((r) => r.datasetFileMetaId));
      const live = metas.filter((m) => m.status !== 'DELETED');
      const base = { datasetId: 'q', versionName: 'v1' };
      const all = async (filter: Parameters<typeof evaluate>[0]) => {
        const page = await store.listFileMetas({ ...base, filter, sortBy: 'FileName', order: 'ASC', maxResults: 1000 });
        return page.items.map((m) => m.datasetFileMetaId).sort();
      };
      for (const text of [
        'Tags.all="rainy"',
        'Tags.all:"LANE" AND NOT Tags.user="checked"',
        'FileDir:"car" OR FileDir:"城"',
        'HAS Tags.ai AND NOT HAS ImageWidth',
        'ImageWidth >= 120 AND FileUpdateTime < "2025-03-01T00:40:00Z"',
        'NOT (Tags.ai="car" OR HAS SemanticIndexJobId) AND TagUpdateTime > "2025-01-01"',
        'FileName="img_7.jpg" OR Uri:"img_8"',
      ]) {
        const filter = parseQuery(text).filter!;
        const want = live.filter((m) => evaluate(filter, m)).map((m) => m.datasetFileMetaId).sort();
        expect(want.length, text).toBeGreaterThan(0);
        expect(want.length, text).toBeLessThan(live.length);
        expect(await all(filter), text).toEqual(want);
        expect(await store.countFileMetas({ ...base, filter }), text).toBe(want.length);
      }
      const inIndex = await store.listFileMetaIds({ ...base, indexName: 'idx' }, 1000);
      expect(inIndex.sort()).toEqual(embedded.map((r) => r.datasetFileMetaId).sort());
      expect(await store.listFileMetaIds({ ...base, indexName: 'idx' }, 7)).toHaveLength(7);
      const counts = new Map<string, number>();
      for (const m of live) for (const t of allTags(m.tags)) counts.set(t, (counts.get(t) ?? 0) + 1);
      const want = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([key, count]) => ({ key, count }));
      expect(await store.aggregateFileMetas(base, 'tags.all', 100)).toEqual(want);
      const userCounts = await store.aggregateFileMetas(base, 'tags.user', 100);
      expect(userCounts).toEqual([{ key: 'checked', count: live.filter((m) => m.tags.user.includes('checked')).length }]);
    });

    it('counts job items once each, however often they are registered or recorded', async () => {
      await store.createDataset(dataset('d'));
      await store.createJob(job('j', 'd'));
      expect(await store.addJobItems('j', ['a', 'b', 'c'])).toBe(3);
      expect(await store.addJobItems('j', ['b', 'c', 'd'])).toBe(1);
      expect(await store.openJobItems('j', ['a', 'd', 'zz'])).toEqual(expect.arrayContaining(['a', 'd']));
      expect(await store.recordOutcomes('j', [{ metaId: 'a', ok: true }, { metaId: 'b', ok: false, reason: 'bad header' }])).toEqual({ completed: 1, failed: 1, skipped: 0 });
      expect(await store.recordOutcomes('j', [{ metaId: 'a', ok: true }, { metaId: 'b', ok: true }, { metaId: 'c', ok: true }])).toEqual({ completed: 1, failed: 0, skipped: 0 });
      expect(await store.recordOutcomes('j', [{ metaId: 'd', ok: true, skipped: true }, { metaId: 'd', ok: false, reason: 'again' }])).toEqual({ completed: 0, failed: 0, skipped: 1 });
      const j = (await store.getJob('j'))!;
      expect([j.totalFileCount, j.completedFileCount, j.failedFileCount, j.skippedFileCount]).toEqual([4, 2, 1, 1]);
      expect(await store.listFailedJobItems('j', 10)).toEqual([{ metaId: 'b', uri: '', reason: 'bad header' }]);
      expect(await store.openJobItems('j', ['a', 'b', 'c', 'd'])).toEqual([]);
    });

    it('advances the fan-out only from the current cursor, and finishes a job exactly once', async () => {
      await store.createDataset(dataset('d'));
      await store.createJob(job('j', 'd'));
      expect(await store.advanceFanout('j', { fromCursor: null, toCursor: 'k1', listed: 10, done: false }, iso(T0))).toBe(true);
      expect(await store.advanceFanout('j', { fromCursor: null, toCursor: 'k1', listed: 10, done: false }, iso(T0))).toBe(false);
      await store.addJobItems('j', ['a']);
      expect(await store.finishJobIfComplete('j', () => 'Succeeded', iso(T0))).toBe(false); // fan-out not done
      expect(await store.advanceFanout('j', { fromCursor: 'k1', toCursor: 'k1', listed: 5, deleted: 2, done: true }, iso(T0))).toBe(true);
      expect(await store.finishJobIfComplete('j', () => 'Succeeded', iso(T0))).toBe(false); // a file still open
      await store.recordOutcomes('j', [{ metaId: 'a', ok: false, reason: 'r' }]);
      const seen: unknown[] = [];
      const results = await Promise.all([1, 2, 3].map(() => store.finishJobIfComplete('j', (c) => (seen.push(c), 'Failed'), iso(T0 + 5))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(seen).toEqual([{ total: 1, completed: 0, failed: 1, skipped: 0 }]);
      const j = (await store.getJob('j'))!;
      expect(j).toMatchObject({ status: 'Failed', listedFileCount: 15, deletedFileCount: 2, fanoutDone: true, finishTime: iso(T0 + 5) });
      expect(await store.transitionJob('j', ['Pending', 'Running'], 'ManuallyStop', { updateTime: iso(T0) })).toBe(false);
    });

    it('keeps connections with sealed secrets, unique by name', async () => {
      const conn = (id: string, name: string, t = iso(T0)) => ({
        connectionId: id, connectionName: name, connectionType: 'ClassicEmbeddingConnection' as const, configs: { A: '1' }, secretNames: ['K'], models: [{ model: 'm' }],
        description: '', accessibility: 'PRIVATE' as const, workspaceId: '', createTime: t, updateTime: t,
      });
      await store.createConnection(conn('c1', 'one'), 'sealed-1');
      await store.createConnection(conn('c2', 'two', iso(T0 + 1)), 'sealed-2');
      await expect(store.createConnection(conn('c3', 'one'), 'x')).rejects.toMatchObject({ kind: 'Conflict' });
      expect(await store.getConnection('c1')).toEqual({ connection: conn('c1', 'one'), sealedSecrets: 'sealed-1' });
      await expect(store.updateConnection({ ...conn('c2', 'one') }, 's')).rejects.toMatchObject({ kind: 'Conflict' });
      await store.updateConnection({ ...conn('c2', 'deux'), configs: { A: '2' } }, 'sealed-2b');
      expect(await store.getConnection('c2')).toMatchObject({ connection: { connectionName: 'deux', configs: { A: '2' } }, sealedSecrets: 'sealed-2b' });
      const p1 = await store.listConnections({ maxResults: 1 });
      expect(p1.items.map((c) => c.connectionId)).toEqual(['c2']);
      expect((await store.listConnections({ maxResults: 1, nextToken: p1.nextToken })).items.map((c) => c.connectionId)).toEqual(['c1']);
      await store.deleteConnection('c1');
      expect(await store.getConnection('c1')).toBeUndefined();
    });

    it('filters connections by workspace, ids, types, name, accessibility and model entries; pages oldest first on ASC', async () => {
      const base = { configs: {}, secretNames: [], description: 'd', createTime: iso(T0), updateTime: iso(T0) };
      const rows = [
        { ...base, connectionId: 'k1', connectionName: 'Qwen chat', connectionType: 'OpenLLMConnection' as const, accessibility: 'PUBLIC' as const, workspaceId: 'w1', models: [{ model: 'qwen', modelType: 'LLM', toolCall: true }], createTime: iso(T0 + 1) },
        { ...base, connectionId: 'k2', connectionName: 'milvus', connectionType: 'MilvusConnection' as const, accessibility: 'PRIVATE' as const, workspaceId: 'w1', models: [], resourceMeta: { instanceId: 'i-1' }, createTime: iso(T0 + 2) },
        { ...base, connectionId: 'k3', connectionName: 'qwen 100%_', connectionType: 'DashScopeConnection' as const, accessibility: 'PRIVATE' as const, workspaceId: 'w2', models: [{ model: 'qwen', modelType: 'Embedding' }, { model: 'other', modelType: 'LLM', toolCall: true }], createTime: iso(T0 + 3) },
      ];
      for (const r of rows) await store.createConnection(r, 's');
      const ids = async (q: Partial<Parameters<typeof store.listConnections>[0]>) => (await store.listConnections({ maxResults: 10, ...q })).items.map((c) => c.connectionId);
      expect(await ids({ workspaceId: 'w1' })).toEqual(['k2', 'k1']);
      expect(await ids({ connectionIds: ['k1', 'k3', 'nope'] })).toEqual(['k3', 'k1']);
      expect(await ids({ types: ['MilvusConnection', 'OpenLLMConnection'] })).toEqual(['k2', 'k1']);
      expect(await ids({ nameContains: 'QWEN' })).toEqual(['k3', 'k1']);
      expect(await ids({ nameContains: '%_' })).toEqual(['k3']);
      expect(await ids({ accessibility: 'PUBLIC' })).toEqual(['k1']);
      expect(await ids({ model: 'qwen' })).toEqual(['k3', 'k1']);
      // one and the same model entry: qwen is an Embedding model in k3, an LLM in k1
      expect(await ids({ model: 'qwen', modelTypes: ['LLM'] })).toEqual(['k1']);
      expect(await ids({ model: 'qwen', toolCall: true })).toEqual(['k1']);
      expect(await ids({ toolCall: false })).toEqual(['k3']);
      expect(await ids({ modelTypes: ['ReRank'] })).toEqual([]);
      expect((await store.getConnection('k2'))!.connection).toMatchObject({ resourceMeta: { instanceId: 'i-1' }, workspaceId: 'w1', description: 'd' });
      const first = await store.listConnections({ maxResults: 2, order: 'ASC', workspaceId: undefined, connectionIds: ['k1', 'k2', 'k3'] });
      expect([first.items.map((c) => c.connectionId), first.totalCount]).toEqual([['k1', 'k2'], 3]);
      expect((await store.listConnections({ maxResults: 2, order: 'ASC', connectionIds: ['k1', 'k2', 'k3'], nextToken: first.nextToken })).items.map((c) => c.connectionId)).toEqual(['k3']);
      for (const r of rows) await store.deleteConnection(r.connectionId);
    });

    it('updates a tag definition only from the version it was read at', async () => {
      const t = {
        tagDefinitionId: 't1', name: 'n', guidePrompt: 'g', tags: [{ name: 'a', description: '' }], version: 1,
        description: '', accessibility: 'PRIVATE' as const, frameworkType: '', workspaceId: '', createTime: iso(T0), updateTime: iso(T0),
      };
      await store.createTagDefinition(t);
      expect(await store.updateTagDefinition({ ...t, version: 2, guidePrompt: 'g2' }, 1)).toBe(true);
      expect(await store.updateTagDefinition({ ...t, version: 2, guidePrompt: 'lost' }, 1)).toBe(false);
      expect(await store.getTagDefinition('t1')).toMatchObject({ version: 2, guidePrompt: 'g2' });
      expect((await store.listTagDefinitions({ maxResults: 10 })).items).toHaveLength(1);
      await store.deleteTagDefinition('t1');
      expect(await store.getTagDefinition('t1')).toBeUndefined();
    });

    it('pages tag definitions by position, by name or creation time, filtered by workspace and framework type', async () => {
      const def = (id: string, name: string, n: number, workspaceId: string, frameworkType: string) => ({
        tagDefinitionId: id, name, guidePrompt: '', tags: [{ name: 'a', description: '' }], version: 1,
        description: '', accessibility: 'PRIVATE' as const, frameworkType, workspaceId, createTime: iso(T0 + n), updateTime: iso(T0 + n),
      });
      for (const t of [def('p1', 'b', 1, 'w', 'X'), def('p2', 'a', 2, 'w', 'Y'), def('p3', 'c', 3, 'v', 'X')]) await store.createTagDefinition(t);
      const page = async (q: Partial<Parameters<typeof store.listTagDefinitionsByPage>[0]>) => {
        const p = await store.listTagDefinitionsByPage({ sortBy: 'createTime', order: 'ASC', offset: 0, limit: 10, ...q });
        return [p.items.map((t) => t.tagDefinitionId), p.totalCount];
      };
      expect(await page({})).toEqual([['p1', 'p2', 'p3'], 3]);
      expect(await page({ order: 'DESC', offset: 1, limit: 1 })).toEqual([['p2'], 3]);
      expect(await page({ sortBy: 'name' })).toEqual([['p2', 'p1', 'p3'], 3]);
      expect(await page({ workspaceId: 'w' })).toEqual([['p1', 'p2'], 2]);
      expect(await page({ frameworkType: 'X', order: 'DESC' })).toEqual([['p3', 'p1'], 2]);
      expect((await store.listTagDefinitions({ maxResults: 10, workspaceId: 'v' })).items.map((t) => t.tagDefinitionId)).toEqual(['p3']);
      expect(await store.getTagDefinition('p3')).toMatchObject({ workspaceId: 'v', frameworkType: 'X', accessibility: 'PRIVATE' });
      for (const id of ['p1', 'p2', 'p3']) await store.deleteTagDefinition(id);
    });

    it('hands out at most N leases per job; they renew, release and expire', async () => {
      const t = 1_000_000;
      expect(await store.acquireLease('j', 2, 'a', 1000, t)).toBe(true);
      expect(await store.acquireLease('j', 2, 'b', 1000, t)).toBe(true);
      expect(await store.acquireLease('j', 2, 'c', 1000, t)).toBe(false);
      expect(await store.acquireLease('other', 2, 'c', 1000, t)).toBe(true);
      await store.releaseLease('j', 'a');
      expect(await store.acquireLease('j', 2, 'c', 1000, t)).toBe(true);
      expect(await store.renewLease('j', 'b', 1000, t + 900)).toBe(true);
      // c expires at t+1000, b (renewed) at t+1900
      expect(await store.acquireLease('j', 2, 'd', 1000, t + 1500)).toBe(true);
      expect(await store.acquireLease('j', 2, 'e', 1000, t + 1500)).toBe(false);
      expect(await store.renewLease('j', 'c', 1000, t + 1500)).toBe(false);
    });

    it('keeps job logs in order and pages jobs newest first', async () => {
      await store.createDataset(dataset('d'));
      for (let i = 0; i < 3; i++) await store.createJob(job(`j${i}`, 'd', iso(T0 + i)));
      await store.appendJobLogs('j0', [
        { time: iso(T0), level: 'INFO', message: 'one' },
        { time: iso(T0), level: 'WARN', message: 'two' },
      ]);
      await store.appendJobLogs('j0', [{ time: iso(T0), level: 'INFO', message: 'three' }]);
      expect((await store.listJobLogs('j0', 2)).map((l) => l.message)).toEqual(['two', 'three']);
      const p = await store.listJobs({ datasetId: 'd', maxResults: 2 });
      expect(p.items.map((j) => j.datasetJobId)).toEqual(['j2', 'j1']);
      expect((await store.listJobs({ datasetId: 'd', maxResults: 2, nextToken: p.nextToken })).items.map((j) => j.datasetJobId)).toEqual(['j0']);
    });

    it("sorts jobs by PAI's SortBy both ways with keyset tokens and offsets; deletes only ended jobs; edits a description", async () => {
      await store.createDataset(dataset('d'));
      const statuses = ['Succeeded', 'Failed', 'Running', 'ManuallyStop'] as const;
      for (let i = 0; i < 6; i++) {
        await store.createJob({ ...job(`j${i}`, 'd', iso(T0 + i)), status: statuses[i % 4]!, finishTime: i % 4 === 2 ? null : iso(T0 + 100 - i) });
      }
      const ids = async (q: Partial<Parameters<typeof store.listJobs>[0]>) => (await store.listJobs({ datasetId: 'd', maxResults: 10, ...q })).items.map((j) => j.datasetJobId);
      expect(await ids({ sortBy: 'CreateTime', order: 'ASC' })).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);
      // a job without a finish time sorts first ascending
      expect(await ids({ sortBy: 'FinishTime', order: 'ASC' })).toEqual(['j2', 'j5', 'j4', 'j3', 'j1', 'j0']);
      // Failed j1 j5, ManuallyStop j3, Running j2, Succeeded j0 j4
      expect(await ids({ sortBy: 'Status', order: 'ASC', maxResults: 2, offset: 2 })).toEqual(['j3', 'j2']);
      expect(await ids({ status: 'Deleting' })).toEqual([]);
      const walked: string[] = [];
      let token: string | undefined;
      do {
        const p = await store.listJobs({ datasetId: 'd', sortBy: 'Status', order: 'DESC', maxResults: 4, nextToken: token });
        expect(p.totalCount).toBe(6);
        walked.push(...p.items.map((j) => j.datasetJobId));
        token = p.nextToken;
      } while (token);
      expect(walked).toEqual(await ids({ sortBy: 'Status', order: 'DESC' }));

      await store.updateJobDescription('j0', 'renamed', iso(T0 + 200));
      expect((await store.getJob('j0'))!.description).toBe('renamed');
      await store.appendJobLogs('j0', [{ time: iso(T0), level: 'INFO', message: 'x' }]);
      expect(await store.deleteEndedJob('j2')).toBe(false); // Running
      expect(await store.deleteEndedJob('j0')).toBe(true);
      expect(await store.getJob('j0')).toBeUndefined();
      expect(await store.listJobLogs('j0', 10)).toEqual([]);
      expect(await store.deleteEndedJob('j0')).toBe(false);
    });

    it('reverts the AI tags a tag job wrote, step by step, sparing files tagged again since', async () => {
      await store.createDataset(dataset('t'));
      await store.createVersion(version('t'));
      const rows = Array.from({ length: 5 }, (_, i) => ({ ...listed('t', `img_${i}.jpg`, i), fileFormat: 'jpeg' }));
      await store.upsertListedFiles(rows, 'jl', iso(T0));
      const ids = rows.map((r) => r.datasetFileMetaId);
      const tag = (jobId: string, which: number[], ai: string[]) =>
        store.applyTagResults(
          which.map((i) => ({ datasetFileMetaId: ids[i]!, fileFingerPrint: rows[i]!.fileFingerPrint, ai, tagDefinitionId: 'def', tagDefinitionVersion: 1, model: 'm', jobId })),
          iso(T0 + 1),
        );
      await store.createJob({ ...job('ja', 't'), jobAction: 'IntelligentTag' });
      await store.addJobItems('ja', ids);
      await store.recordOutcomes('ja', ids.map((metaId, i) => (i === 4 ? { metaId, ok: false as const, reason: 'x' } : { metaId, ok: true as const })));
      await tag('ja', [0, 1, 2, 3], ['car']);
      await tag('jb', [1], ['bus']);
      const sorted = [...ids.slice(0, 4)].sort();
      const first = await store.revertAiTags('ja', null, 3, iso(T0 + 2));
      expect(first).toMatchObject({ scanned: 3, lastMetaId: sorted[2] }); // the failed file is no work of the job
      const rest = await store.revertAiTags('ja', first.lastMetaId, 3, iso(T0 + 2));
      expect(rest.scanned).toBe(1);
      expect(first.reverted + rest.reverted).toBe(3);
      expect(await store.revertAiTags('ja', rest.lastMetaId, 3, iso(T0 + 2))).toEqual({ scanned: 0, lastMetaId: null, reverted: 0 });
      const after = await store.getFileMetas(ids);
      const ai = (i: number) => after.find((m) => m.datasetFileMetaId === ids[i])!.tags.ai;
      expect([0, 1, 2, 3, 4].map(ai)).toEqual([[], ['bus'], [], [], []]);
    });

    it('keeps dataset job configs: one per dataset, type and version; pages newest first; go with their dataset', async () => {
      await store.createDataset(dataset('c'));
      const config = (id: string, t: number, over: Partial<DatasetJobConfig> = {}): DatasetJobConfig => ({
        datasetJobConfigId: id, datasetId: 'c', workspaceId: 'w', versionName: '', configType: 'MultimodalSemanticIndex', config: { defaultModelId: id },
        createTime: iso(t), modifyTime: iso(t), ...over,
      });
      await store.createJobConfig(config('c1', T0));
      await store.createJobConfig(config('c2', T0 + 1, { versionName: 'v1' }));
      await store.createJobConfig(config('c3', T0 + 2, { configType: 'MultimodalIntelligentTag' }));
      await expect(store.createJobConfig(config('c4', T0 + 3))).rejects.toMatchObject({ kind: 'Conflict' });
      expect(await store.getJobConfig('c1')).toEqual(config('c1', T0));
      const page = await store.listJobConfigs({ datasetId: 'c', offset: 0, limit: 2 });
      expect(page.totalCount).toBe(3);
      expect(page.items.map((c) => c.datasetJobConfigId)).toEqual(['c3', 'c2']);
      expect((await store.listJobConfigs({ datasetId: 'c', configType: 'MultimodalSemanticIndex', versionName: '', offset: 0, limit: 10 })).items.map((c) => c.datasetJobConfigId)).toEqual(['c1']);
      await expect(store.updateJobConfig({ ...config('c3', T0 + 2), configType: 'MultimodalSemanticIndex' })).rejects.toMatchObject({ kind: 'Conflict' });
      await store.updateJobConfig({ ...config('c1', T0), config: { defaultModelId: 'new' }, modifyTime: iso(T0 + 9) });
      expect(await store.getJobConfig('c1')).toMatchObject({ config: { defaultModelId: 'new' }, modifyTime: iso(T0 + 9), createTime: iso(T0) });
      await store.deleteJobConfig('c2');
      expect(await store.getJobConfig('c2')).toBeUndefined();
      await store.deleteDataset('c');
      expect(await store.getJobConfig('c1')).toBeUndefined();
    });

    it('keeps reindex settings: replace keeps createTime and lastRunTime, runs are stamped, pages by dataset, go with their dataset', async () => {
      const setting = (datasetId: string, t: number, over: Partial<ReindexSetting> = {}): ReindexSetting => ({
        datasetId,
        jobMode: 'Increment',
        actions: [{ jobAction: 'FileMetaBuild', jobSpec: {} }, { jobAction: 'SemanticIndex', jobSpec: { indexName: 'cars', concurrency: 2 } }],
        versionName: null,
        createTime: iso(t),
        updateTime: iso(t),
        lastRunTime: null,
        ...over,
      });
      expect(await store.getReindexSetting('r1')).toBeUndefined();
      for (const id of ['r3', 'r1', 'r2', 'r5', 'r4']) {
        await store.createDataset(dataset(id));
        await store.putReindexSetting(setting(id, T0));
      }
      expect(await store.getReindexSetting('r1')).toEqual(setting('r1', T0));
      await store.recordReindexRun('r1', iso(T0 + 5));
      await store.recordReindexRun('nobody', iso(T0 + 5));
      expect(await store.getReindexSetting('nobody')).toBeUndefined();
      await store.putReindexSetting(setting('r1', T0 + 9, { jobMode: 'Full', actions: [{ jobAction: 'IntelligentTag', jobSpec: { connectionId: 'c', tagDefinitionId: 't' } }], versionName: 'v2' }));
      expect(await store.getReindexSetting('r1')).toEqual({
        ...setting('r1', T0 + 9, { jobMode: 'Full', actions: [{ jobAction: 'IntelligentTag', jobSpec: { connectionId: 'c', tagDefinitionId: 't' } }], versionName: 'v2' }),
        createTime: iso(T0),
        lastRunTime: iso(T0 + 5),
      });

      const p1 = await store.listReindexSettings({ maxResults: 2 });
      expect(p1.totalCount).toBe(5);
      const p2 = await store.listReindexSettings({ maxResults: 2, nextToken: p1.nextToken });
      const p3 = await store.listReindexSettings({ maxResults: 2, nextToken: p2.nextToken });
      expect([...p1.items, ...p2.items, ...p3.items].map((s) => s.datasetId)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
      expect(p3.nextToken).toBeUndefined();

      await store.deleteReindexSetting('r2');
      expect(await store.getReindexSetting('r2')).toBeUndefined();
      await store.deleteDataset('r3');
      expect(await store.getReindexSetting('r3')).toBeUndefined();
      expect((await store.listReindexSettings({ maxResults: 10 })).items.map((s) => s.datasetId)).toEqual(['r1', 'r4', 'r5']);
    });
  });
}
