// FileMetaImport (PAI's JobAction) through the API and the exporter's service: an export in PAI's
// layout imported into another dataset over the same folder (the metas come back with their people's
// fields, PENDING until a FileMetaBuild, then ACTIVE under the same ids), append vs replace, a line
// that fails alone (outside the version's Uri, malformed, too long), a manifest outside
// LOUPE_FILE_ROOTS refused, the source-dataset form (query, srcWorkspaceId), redelivery and stop, and
// the 400s of bad specs.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { fileMetaId } from '../../lib/domain/ids.js';
import { ExportMessage } from '../../lib/domain/job.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { drainQueue, runFileMetaBuildByHand } from '../support/drain-queue.js';
import { tinyPng } from '../support/generate-images.js';
import { inProcessApi } from '../support/in-process-api.js';

const KEY = 'import-key-0123456789';
const TOP = 12; // files/a_00.png … a_11.png
const SUB = 6; // files/sub/b_00.png … b_05.png

describe('FileMetaImport', () => {
  let dir: string;
  let outside: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  let source: string;
  const call = (method: string, route: string, body?: unknown) => inProcessApi(app, KEY)(method, route, body);
  const filesUri = () => pathToFileURL(path.join(dir, 'files')).href + '/';
  const exportsUri = (name: string) => pathToFileURL(path.join(dir, 'exports', name)).href + '/';

  async function createDataset(name: string, uri = filesUri(), workspaceId?: string): Promise<string> {
    const r = await call('POST', '/api/v1/datasets', { Name: name, Uri: uri, ...(workspaceId ? { WorkspaceId: workspaceId } : {}) });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.DatasetId;
  }
  /** Creates a job through the API; returns its id and the exporter's message (not yet run). */
  async function createJob(ds: string, body: Record<string, unknown>) {
    const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [msg] = await drainQueue(c.queue, c.queues.exporter);
    return { jobId: r.body.DatasetJobId as string, msg: ExportMessage.parse(JSON.parse(msg!)) };
  }
  async function runImport(ds: string, spec: Record<string, unknown>) {
    const { jobId, msg } = await createJob(ds, { JobAction: 'FileMetaImport', JobSpec: JSON.stringify(spec) });
    expect(await c.services.fileMetaImport.run(msg)).toBe('done');
    return getJob(ds, jobId);
  }
  const getJob = async (ds: string, jobId: string) => (await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${jobId}?MaxFailedFiles=100`)).body;
  /** Every meta of the version by FileName (every status). */
  async function metasOf(ds: string) {
    const page = await c.store.listFileMetas({ datasetId: ds, versionName: 'v1', statuses: ['PENDING', 'ACTIVE', 'FAILED', 'SKIPPED', 'DELETED'], sortBy: 'FileName', order: 'ASC', maxResults: 1000 });
    return page.items;
  }
  /** Exports `ds` in PAI's layout (the query given); returns the folder it made. */
  async function exportPai(ds: string, name: string, spec: Record<string, unknown> = {}): Promise<string> {
    const { jobId, msg } = await createJob(ds, { JobAction: 'FileMetaExport', JobSpec: { exportDirUri: exportsUri(name), ...spec } });
    expect(await c.services.export.run(msg)).toBe('done');
    const job = await getJob(ds, jobId);
    expect(job.Status).toBe('Succeeded');
    return job.Output.Uri as string;
  }
  /** Loupe's marker of an export in PAI's layout (export.json) listing these files as its own. */
  async function writeMarker(folder: string, files: string[], format = 'pai'): Promise<void> {
    const marker = { Generator: 'loupe', DatasetJobId: 'dj-hand', Status: 'Succeeded', Format: format, Files: [...files, 'export.json'], LoupeFiles: files.map((Name) => ({ Name, ETag: `"${Name}"` })) };
    await writeFile(path.join(folder, 'export.json'), JSON.stringify(marker));
  }
  /** A hand-written export in PAI's layout (with Loupe's marker): the manifest naming one file of these lines. */
  async function handMadeExport(name: string, lines: string[]): Promise<string> {
    const folder = path.join(dir, 'exports', name);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'pai_dataset_filemeta_00000.jsonl'), lines.join('\n') + '\n');
    await writeFile(path.join(folder, 'pai_dataset_filemeta_manifest.yaml'), 'version: "1.0"\nfiles:\n  - name: "pai_dataset_filemeta_00000.jsonl"\n    count: 1\n');
    await writeMarker(folder, ['pai_dataset_filemeta_00000.jsonl', 'pai_dataset_filemeta_manifest.yaml']);
    return pathToFileURL(folder).href + '/';
  }
  const fileUri = (name: string) => pathToFileURL(path.join(dir, 'files', name)).href;
  const line = (name: string, more: Record<string, unknown> = {}) =>
    JSON.stringify({ Uri: fileUri(name), Tags: JSON.stringify({ ai: [], user: [`hand-${name}`], 'user-delete-ai-tags': [] }), Comment: `about ${name}`, ...more });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-import-'));
    outside = await mkdtemp(path.join(os.tmpdir(), 'loupe-import-outside-'));
    await mkdir(path.join(dir, 'files', 'sub'), { recursive: true });
    for (let i = 0; i < TOP; i++) await writeFile(path.join(dir, 'files', `a_${String(i).padStart(2, '0')}.png`), tinyPng(i));
    for (let i = 0; i < SUB; i++) await writeFile(path.join(dir, 'files', 'sub', `b_${String(i).padStart(2, '0')}.png`), tinyPng(100 + i));
    await mkdir(path.join(dir, 'exports'), { recursive: true });
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_API_KEYS: KEY, LOUPE_FILE_ROOTS: dir }), { log: jsonLogger('silent') });
    app = createApi(c, [KEY]);
    // The source: built, every other file tagged by hand, with a comment and an attribute of people's own.
    source = await createDataset('source', filesUri(), 'ws-a');
    expect((await runFileMetaBuildByHand(c, source)).status).toBe('Succeeded');
    const metas = await metasOf(source);
    expect(metas).toHaveLength(TOP + SUB);
    const items = metas
      .filter((_, i) => i % 2 === 0)
      .map((m) => ({
        DatasetFileMetaId: m.datasetFileMetaId,
        Tags: JSON.stringify({ user: { add: ['keep', `name-${m.fileName}`] }, 'user-delete-ai-tags': { add: ['blurry'] } }),
        Comment: `comment on ${m.fileName}`,
        MetaAttributes: JSON.stringify({ Camera: { Model: 'X100' }, ImageWidth: m.metaAttributes.ImageWidth }),
      }));
    const r = await call('PUT', `/api/v1/datasets/${source}/datasetfilemetas`, { DatasetFileMetas: items });
    expect(r.body.Status, JSON.stringify(r.body)).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('an export imported into another dataset over the same folder: PENDING with the people\'s fields, then ACTIVE under the same ids after a FileMetaBuild', async () => {
    const exported = await exportPai(source, 'round-trip');
    const target = await createDataset('target');
    const job = await runImport(target, { manifestUri: exported });
    expect(job).toMatchObject({ JobAction: 'FileMetaImport', Status: 'Succeeded', TotalFileCount: TOP + SUB, CompletedFileCount: TOP + SUB, FailedFileCount: 0 });
    expect(JSON.parse(job.JobSpec)).toEqual({ manifestUri: exported, importMode: 'append' });
    expect(job.Logs.join('\n')).toMatch(new RegExp(`finished Succeeded: imported ${TOP + SUB} of ${TOP + SUB} file metas .*${TOP + SUB} created`));

    const from = await metasOf(source);
    const imported = await metasOf(target);
    expect(imported.map((m) => m.fileName)).toEqual(from.map((m) => m.fileName));
    for (const [i, m] of imported.entries()) {
      const s = from[i]!;
      // The id a FileMetaBuild of the target gives this Uri; PENDING until it probes the file.
      expect(m.datasetFileMetaId).toBe(fileMetaId(target, 'v1', s.uri));
      expect(m).toMatchObject({ uri: s.uri, fileDir: s.fileDir, status: 'PENDING', comment: s.comment, fileFingerPrint: s.fileFingerPrint, dataSize: s.dataSize });
      expect(m.tags).toEqual({ ai: [], user: s.tags.user, userDeleteAiTags: s.tags.userDeleteAiTags });
      // People's MetaAttributes come along; what a probe measures does not (the target's probe will).
      expect(m.metaAttributes).toEqual(i % 2 === 0 ? { Camera: { Model: 'X100' } } : {});
    }
    // On the wire as PAI's clients read it.
    const wire = await call('GET', `/api/v1/datasets/${target}/datasetfilemetas?DatasetVersion=v1&Status=ALL&MaxResults=100`);
    const first = wire.body.DatasetFileMetas.find((m: any) => m.FileName === 'a_00.png');
    expect(JSON.parse(first.Tags)).toMatchObject({ user: ['keep', 'name-a_00.png'], 'user-delete-ai-tags': ['blurry'] });

    // A FileMetaBuild of the target probes them: ACTIVE, same ids, people's fields kept, measurements added.
    expect((await runFileMetaBuildByHand(c, target)).status).toBe('Succeeded');
    const built = await metasOf(target);
    expect(built.map((m) => m.datasetFileMetaId)).toEqual(imported.map((m) => m.datasetFileMetaId));
    for (const [i, m] of built.entries()) {
      expect(m.status).toBe('ACTIVE');
      expect(m.tags).toEqual(imported[i]!.tags);
      expect(m.comment).toBe(imported[i]!.comment);
      expect(m.metaAttributes).toMatchObject({ ...imported[i]!.metaAttributes, ImageWidth: 16, ImageHeight: 12 });
    }

    // Importing again changes nothing: every meta is as imported already (not even its UpdateTime).
    const again = await runImport(target, { manifestUri: exported + 'pai_dataset_filemeta_manifest.yaml' });
    expect(again).toMatchObject({ Status: 'Succeeded', CompletedFileCount: TOP + SUB });
    expect(again.Logs.join('\n')).toContain(`0 created, 0 updated, ${TOP + SUB} unchanged`);
    expect(await metasOf(target)).toEqual(built);
  });

  it('a redelivered import counts every line once and writes the same state; a stopped one stops between batches and deletes nothing', async () => {
    const exported = await exportPai(source, 'redelivery');
    const target = await createDataset('redelivered');
    const service = c.services.fileMetaImport;
    service.batchSize = 5;
    const store = c.store;
    const record = store.recordOutcomes.bind(store);
    let calls = 0;
    try {
      // The second batch's counting fails (a passing error): the delivery throws, the job stays Running.
      store.recordOutcomes = async (jobId, outcomes) => {
        if (++calls === 2) throw new Error('database is locked');
        return record(jobId, outcomes);
      };
      const { jobId, msg } = await createJob(target, { JobAction: 'FileMetaImport', JobSpec: { manifestUri: exported } });
      await expect(service.run(msg, { dequeueCount: 1 })).rejects.toThrow('database is locked');
      expect(await getJob(target, jobId)).toMatchObject({ Status: 'Running', CompletedFileCount: 5 });
      expect(await service.run(msg, { dequeueCount: 2 })).toBe('done');
      const job = await getJob(target, jobId);
      expect(job).toMatchObject({ Status: 'Succeeded', TotalFileCount: TOP + SUB, CompletedFileCount: TOP + SUB, FailedFileCount: 0 });
      expect(job.Logs.join('\n')).toMatch(/the import failed \(delivery 1/);
      expect((await metasOf(target)).map((m) => m.datasetFileMetaId)).toEqual((await metasOf(source)).map((m) => fileMetaId(target, 'v1', m.uri)));

      // Stopped after its first batch: the rest is not imported, and replace deletes nothing.
      store.recordOutcomes = async (jobId, outcomes) => {
        const n = await record(jobId, outcomes);
        await c.services.jobs.stop(jobId);
        return n;
      };
      const stopped = await createJob(target, { JobAction: 'FileMetaImport', JobSpec: { manifestUri: exported, importMode: 'replace', filteredAttributes: 'Comment' } });
      expect(await service.run(stopped.msg)).toBe('dropped');
      expect(await getJob(target, stopped.jobId)).toMatchObject({ Status: 'ManuallyStop', TotalFileCount: 5, CompletedFileCount: 5 });
      expect((await metasOf(target)).every((m) => m.status !== 'DELETED')).toBe(true);
    } finally {
      store.recordOutcomes = record;
      service.batchSize = 1000;
    }
  });

  it('append adds and updates; replace also marks DELETED the metas the import did not name', async () => {
    const target = await createDataset('replace');
    expect((await runFileMetaBuildByHand(c, target)).status).toBe('Succeeded');
    const tagged = await exportPai(source, 'tagged', { query: { QueryTagsIncludeAny: ['keep'] } });
    const taggedCount = (TOP + SUB) / 2;

    const append = await runImport(target, { manifestUri: tagged });
    expect(append).toMatchObject({ Status: 'Succeeded', TotalFileCount: taggedCount, CompletedFileCount: taggedCount, DeletedFileCount: 0 });
    expect(append.Logs.join('\n')).toContain(`0 created, ${taggedCount} updated, 0 unchanged`);
    let metas = await metasOf(target);
    expect(metas.every((m) => m.status === 'ACTIVE')).toBe(true);
    expect(metas.filter((m) => m.tags.user.includes('keep'))).toHaveLength(taggedCount);
    // Loupe's facts (the probe's measurements) stay; people's fields arrive.
    expect(metas[0]!.metaAttributes).toMatchObject({ ImageWidth: 16, ImageHeight: 12, Camera: { Model: 'X100' } });

    // replace, taking only the comments: the untagged half is DELETED (logically), the tags stay as they are.
    const replace = await runImport(target, { manifestUri: tagged, importMode: 'replace', filteredAttributes: ['Uri', 'Comment'] });
    expect(replace).toMatchObject({ Status: 'Succeeded', CompletedFileCount: taggedCount, DeletedFileCount: (TOP + SUB) / 2 });
    expect(replace.Logs.join('\n')).toContain(`${(TOP + SUB) / 2} metas the import did not name marked DELETED`);
    metas = await metasOf(target);
    expect(metas.filter((m) => m.status === 'DELETED').every((m) => !m.tags.user.includes('keep'))).toBe(true);
    expect(metas.filter((m) => m.status === 'ACTIVE')).toHaveLength(taggedCount);
    expect((await call('GET', `/api/v1/datasets/${target}/datasetfilemetas?DatasetVersion=v1`)).body.TotalCount).toBe(taggedCount);

    // A FileMetaBuild finds the files again: the deleted metas come back (PENDING, then ACTIVE), as after DeleteDatasetFileMetas.
    expect((await runFileMetaBuildByHand(c, target)).status).toBe('Succeeded');
    expect((await metasOf(target)).every((m) => m.status === 'ACTIVE')).toBe(true);
  });

  it('a line fails alone: outside the version\'s Uri, not JSON, without Uri, too long, a bad field; FailedFiles says why', async () => {
    const target = await createDataset('lines', filesUri());
    const folder = await handMadeExport('hand', [
      line('a_00.png'),
      line('../outside.png'),
      JSON.stringify({ Uri: pathToFileURL(path.join(outside, 'x.png')).href }),
      '{"Uri": "file:///broken',
      JSON.stringify({ FileName: 'no-uri.png' }),
      line('a_01.png', { MetaAttributes: '{not json' }),
      line('a_02.png', { FileUpdateTime: 'yesterday' }),
      line('a_03.png', { Comment: 'x'.repeat(2 * 1024 * 1024) }),
      '',
      line('sub/b_00.png', { FileType: 'image/png', ContentType: 'image/png', DataSize: 123, FileFingerPrint: 'W/"abc"', MetaAttributes: { Lens: '35mm', ImageWidth: 999 } }),
    ]);
    const job = await runImport(target, { manifestUri: folder, importMode: 'replace' });
    expect(job).toMatchObject({ Status: 'PartialFailed', TotalFileCount: 9, CompletedFileCount: 2, FailedFileCount: 7, DeletedFileCount: 0 });
    const reasons = job.FailedFiles.map((f: any) => f.Reason).join('\n');
    expect(reasons).toContain("pai_dataset_filemeta_00000.jsonl:2: Uri must lie inside the version's Uri");
    expect(reasons).toContain("pai_dataset_filemeta_00000.jsonl:3: ");
    expect(reasons).toContain('pai_dataset_filemeta_00000.jsonl:4: not a JSON line');
    expect(reasons).toContain('pai_dataset_filemeta_00000.jsonl:5: Uri: missing');
    expect(reasons).toContain('pai_dataset_filemeta_00000.jsonl:6: MetaAttributes: not JSON');
    expect(reasons).toContain('pai_dataset_filemeta_00000.jsonl:7: FileUpdateTime: not an ISO 8601 instant');
    // A reason names the line's place and the kind of problem, never the line's text.
    for (const text of ['outside.png', 'a_01.png', 'a_02.png', 'broken', 'no-uri', 'x.png', 'yesterday']) expect(reasons).not.toContain(text);
    expect(job.Logs.join('\n')).not.toContain('yesterday');
    expect(reasons).toContain('pai_dataset_filemeta_00000.jsonl:8: longer than 1048576 bytes');
    // Lines that named no Uri: replace deletes nothing (they might have named metas to keep).
    expect(job.Logs.join('\n')).toContain('replace: 3 lines could not be read (no Uri): nothing deleted');

    const metas = await metasOf(target);
    expect(metas.map((m) => m.fileName)).toEqual(['a_00.png', 'b_00.png']);
    expect(metas[0]).toMatchObject({ status: 'PENDING', comment: 'about a_00.png', tags: { ai: [], user: ['hand-a_00.png'], userDeleteAiTags: [] }, fileFingerPrint: '' });
    // A new meta states the facts the line gives (until a FileMetaBuild establishes them); never a probe's measurement.
    expect(metas[1]).toMatchObject({ fileDir: 'sub/', fileType: 'image', contentType: 'image/png', dataSize: 123, fileFingerPrint: 'W/"abc"', metaAttributes: { Lens: '35mm' } });
    expect(metas[1]!.datasetFileMetaId).toBe(fileMetaId(target, 'v1', fileUri('sub/b_00.png')));
  });

  it('imports the metas of another dataset matching a query; those outside the version\'s Uri fail with the reason', async () => {
    const target = await createDataset('sub-only', pathToFileURL(path.join(dir, 'files', 'sub')).href);
    const job = await runImport(target, { srcDatasetId: source, srcWorkspaceId: 'ws-a', query: { QueryTagsIncludeAny: ['keep'] } });
    // The source's latest version is fixed in the spec.
    expect(JSON.parse(job.JobSpec)).toEqual({ srcDatasetId: source, srcWorkspaceId: 'ws-a', srcDatasetVersion: 'v1', query: { QueryTagsIncludeAny: ['keep'] }, importMode: 'append' });
    expect(job).toMatchObject({ Status: 'PartialFailed', TotalFileCount: (TOP + SUB) / 2, CompletedFileCount: SUB / 2, FailedFileCount: TOP / 2 });
    expect(job.FailedFiles[0].Reason).toMatch(/a_\d\d\.png: Uri must lie inside the version's Uri/);
    const metas = await metasOf(target);
    expect(metas.map((m) => m.fileName)).toEqual(['b_00.png', 'b_02.png', 'b_04.png']);
    const from = new Map((await metasOf(source)).map((m) => [m.uri, m]));
    for (const m of metas) {
      const s = from.get(m.uri)!;
      expect(m).toMatchObject({ status: 'PENDING', comment: s.comment, tags: { ai: [], user: s.tags.user, userDeleteAiTags: ['blurry'] }, fileFingerPrint: s.fileFingerPrint });
      expect(m.fileDir).toBe('');
    }

    // srcWorkspaceId must be the source's workspace; an unknown dataset or version is not found either.
    const refused = async (spec: Record<string, unknown>, status: number, field: string) => {
      const r = await call('POST', `/api/v1/datasets/${target}/datasetjobs`, { JobAction: 'FileMetaImport', JobSpec: spec });
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.Field).toBe(field);
    };
    await refused({ srcDatasetId: source, srcWorkspaceId: 'ws-b' }, 404, 'JobSpec.srcDatasetId');
    await refused({ srcDatasetId: 'd-nope' }, 404, 'JobSpec.srcDatasetId');
    await refused({ srcDatasetId: source, srcDatasetVersion: 'v7' }, 404, 'JobSpec.srcDatasetVersion');
    await refused({ srcDatasetId: source, query: { QueryExpression: 'Tags.user = ' } }, 400, 'QueryExpression');
    await refused({ srcDatasetId: source, query: { Nope: 1 } }, 400, 'JobSpec.query');
  });

  it('a manifest outside LOUPE_FILE_ROOTS is refused (403), and so are specs that cannot be honoured (400)', async () => {
    const target = await createDataset('refusals');
    await writeFile(path.join(outside, 'pai_dataset_filemeta_manifest.yaml'), 'files: []\n');
    const refused = async (spec: unknown, status: number, field: string, body: Record<string, unknown> = {}) => {
      const r = await call('POST', `/api/v1/datasets/${target}/datasetjobs`, { JobAction: 'FileMetaImport', JobSpec: spec, ...body });
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.Field, JSON.stringify(r.body)).toBe(field);
      return r.body.Message as string;
    };
    expect(await refused({ manifestUri: pathToFileURL(outside).href + '/' }, 403, 'JobSpec.manifestUri')).not.toContain('files: []');
    // Only an export in PAI's layout that Loupe wrote is read: any other .yaml/.jsonl is refused, quoting nothing of it.
    const secrets = path.join(dir, 'secrets');
    await mkdir(secrets, { recursive: true });
    await writeFile(path.join(secrets, 'creds.yaml'), 'files:\n  - name: "token-abc123"\n');
    await writeFile(path.join(secrets, 'users.jsonl'), '{"Uri": "alice:SuperSecret!"}\n');
    await writeFile(path.join(secrets, 'pai_dataset_filemeta_manifest.yaml'), 'files:\n  - name: "users.jsonl"\n');
    for (const f of ['creds.yaml', 'users.jsonl', 'pai_dataset_filemeta_manifest.yaml', '']) {
      const m = await refused({ manifestUri: pathToFileURL(path.join(secrets, f)).href + (f ? '' : '/') }, 400, 'JobSpec.manifestUri');
      expect(m).toContain('no export in PAI\'s layout written by Loupe');
      for (const text of ['token-abc123', 'alice', 'SuperSecret']) expect(m).not.toContain(text);
    }
    // A marker of another format, or not Loupe's, is not enough.
    await writeMarker(secrets, ['users.jsonl', 'pai_dataset_filemeta_manifest.yaml'], 'manifest');
    expect(await refused({ manifestUri: pathToFileURL(path.join(secrets, 'users.jsonl')).href }, 400, 'JobSpec.manifestUri')).toContain('written by Loupe');
    await writeFile(path.join(secrets, 'export.json'), JSON.stringify({ Generator: 'someone', Format: 'pai', LoupeFiles: [{ Name: 'users.jsonl', ETag: 'x' }] }));
    expect(await refused({ manifestUri: pathToFileURL(path.join(secrets, 'users.jsonl')).href }, 400, 'JobSpec.manifestUri')).toContain('written by Loupe');
    // In a Loupe export's folder, a file its marker does not list is not read either (named directly or by the manifest).
    const marked = path.join(dir, 'exports', 'marked');
    await mkdir(marked, { recursive: true });
    await writeFile(path.join(marked, 'users.jsonl'), '{"Uri": "alice:SuperSecret!"}\n');
    await writeMarker(marked, ['pai_dataset_filemeta_manifest.yaml', 'pai_dataset_filemeta_00000.jsonl']);
    expect(await refused({ manifestUri: pathToFileURL(path.join(marked, 'users.jsonl')).href }, 400, 'JobSpec.manifestUri')).toContain('does not list it');
    await writeFile(path.join(marked, 'pai_dataset_filemeta_manifest.yaml'), 'files:\n  - name: "pai_dataset_filemeta_00000.jsonl"\n  - name: "users.jsonl"\n');
    let m = await refused({ manifestUri: pathToFileURL(marked).href + '/' }, 400, 'JobSpec.manifestUri');
    expect(m).toContain('a file named by the manifest is not a JSON-lines file of that export');
    expect(m).toMatch(/: #2$/);
    expect(m).not.toContain('users.jsonl');
    // A manifest whose file leaves its folder is refused, naming the entry by its place only.
    await writeFile(path.join(marked, 'pai_dataset_filemeta_manifest.yaml'), 'files:\n  - name: "../../token-abc123.jsonl"\n');
    m = await refused({ manifestUri: pathToFileURL(path.join(marked, 'pai_dataset_filemeta_manifest.yaml')).href }, 400, 'JobSpec.manifestUri');
    expect(m).toContain('leaves the export');
    expect(m).not.toContain('token-abc123');
    // A name with an unpaired surrogate or a control character: a 400 (not a 500 from encoding it).
    for (const bad of ['\\uD800.jsonl', 'a\\u0001b.jsonl']) {
      await writeFile(path.join(marked, 'pai_dataset_filemeta_manifest.yaml'), `files:\n  - name: "${bad}"\n`);
      m = await refused({ manifestUri: pathToFileURL(marked).href + '/' }, 400, 'JobSpec.manifestUri');
      expect(m).toMatch(/contains (an unpaired surrogate|a control character) .*: #1$/);
    }
    await writeFile(path.join(marked, 'pai_dataset_filemeta_manifest.yaml'), 'name: something else\n');
    expect(await refused({ manifestUri: pathToFileURL(marked).href + '/' }, 400, 'JobSpec.manifestUri')).toContain('no files: list');
    await refused({ manifestUri: exportsUri('absent') }, 400, 'JobSpec.manifestUri');
    await refused({ manifestUri: pathToFileURL(path.join(dir, 'exports', 'x.txt')).href }, 400, 'JobSpec.manifestUri');
    await refused({ manifestUri: 'ftp://host/export/' }, 400, 'JobSpec.manifestUri');

    await refused({}, 400, 'JobSpec.manifestUri');
    await refused({ manifestUri: exportsUri('a'), srcDatasetId: source }, 400, 'JobSpec.manifestUri');
    await refused({ manifestUri: exportsUri('a'), srcDatasetVersion: 'v1' }, 400, 'JobSpec.srcDatasetVersion');
    await refused({ manifestUri: exportsUri('a'), query: {} }, 400, 'JobSpec.query');
    await refused({ manifestUri: exportsUri('a'), importMode: 'merge' }, 400, 'JobSpec.importMode');
    await refused({ manifestUri: exportsUri('a'), filteredAttributes: 'Uri,Tags.ai' }, 400, 'JobSpec.filteredAttributes');
    await refused({ manifestUri: exportsUri('a'), filteredAttributes: 'Uri,Nope' }, 400, 'JobSpec.filteredAttributes');
    await refused({ manifestUri: exportsUri('a'), surprise: true }, 400, 'JobSpec');
    await refused({ srcDatasetId: source, srcWorkspaceId: 'no spaces' }, 400, 'JobSpec.srcWorkspaceId');
    await refused({ manifestUri: exportsUri('a') }, 400, 'JobMode', { JobMode: 'Increment' });
  });

  it('a manifest that names a file that is not there fails that file alone; a .jsonl file is imported on its own', async () => {
    const target = await createDataset('files');
    const folder = path.join(dir, 'exports', 'two-files');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'part-1.jsonl'), line('a_05.png') + '\r\n' + line('a_06.png'));
    await writeFile(path.join(folder, 'pai_dataset_filemeta_manifest.yaml'), 'files:\n  - name: "part-0.jsonl"\n  - name: "part-1.jsonl"\n');
    await writeMarker(folder, ['part-0.jsonl', 'part-1.jsonl', 'pai_dataset_filemeta_manifest.yaml']);
    const job = await runImport(target, { manifestUri: pathToFileURL(folder).href + '/' });
    expect(job).toMatchObject({ Status: 'PartialFailed', TotalFileCount: 3, CompletedFileCount: 2, FailedFileCount: 1 });
    expect(job.FailedFiles[0]).toMatchObject({ DatasetFileMetaId: 'pai_dataset_filemeta_manifest.yaml#1', Reason: 'a file named by the manifest is not there: #1' });

    const single = await runImport(target, { manifestUri: pathToFileURL(path.join(folder, 'part-1.jsonl')).href, filteredAttributes: 'Tags.user' });
    expect(single).toMatchObject({ Status: 'Succeeded', TotalFileCount: 2, CompletedFileCount: 2 });
    expect(single.Logs.join('\n')).toContain('0 created, 0 updated, 2 unchanged');
  });
});
