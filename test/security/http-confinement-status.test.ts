// Issue 10 #2, #4, #5: a location the confinement rule refuses gets one answer whichever field names
// it — a 403 Forbidden naming the field, the rule's reason in the message — for a dataset's Uri, a job
// on a version whose folder is no longer allowed, a QueryImage, a LabelsUri and an export's folder. And
// local files can be turned off (LOUPE_FILE_ROOTS=none, what s.yaml sets for every function): every
// file:// URI is refused, saying so.
import { readFile } from 'node:fs/promises';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { tinyPng } from '../support/generate-images.js';
import { inProcessApi, type ApiCall } from '../support/in-process-api.js';

const KEY = 'sec-confinement-status-key-0123456789';
const projectRoot = path.resolve(import.meta.dirname, '../..');
const dirUri = (p: string) => `${pathToFileURL(p).href}/`;
const fileUri = (p: string) => pathToFileURL(p).href;

describe('#4 one answer for a refused location, whichever field names it', () => {
  let tmp: string;
  let root: string;
  let outside: string;
  let c: Container;
  let call: ApiCall;
  let ds: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-status-'));
    root = path.join(tmp, 'root');
    outside = path.join(tmp, 'outside');
    await mkdir(path.join(root, 'photos'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(root, 'photos', 'a.png'), tinyPng(1));
    await writeFile(path.join(outside, 'b.png'), tinyPng(2));
    await writeFile(path.join(outside, 'labels.jsonl'), '{"image_id":"b","text":"a car"}\n');
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(tmp, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
    call = inProcessApi(createApi(c, [KEY]), KEY);
    ds = (await call('POST', '/api/v1/datasets', { Name: 'photos', Uri: dirUri(path.join(root, 'photos')) })).body.DatasetId;
  });
  afterAll(async () => {
    await c?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  /** `uri`, or a file under it (an export names the file it would write first), refused by the roots rule. */
  const forbidden = (r: { status: number; body: any }, field: string, uri: string) => {
    expect([r.status, r.body.Code, r.body.Field], JSON.stringify(r.body)).toEqual([403, 'Forbidden', field]);
    expect(r.body.Message.startsWith(`${field}: '${uri}`), r.body.Message).toBe(true);
    expect(r.body.Message).toMatch(new RegExp(`' is outside the allowed folders \\(${root}\\)$`));
  };

  it('#4 a dataset Uri, a QueryImage and a LabelsUri outside the roots are each a 403 naming their field', async () => {
    const folder = dirUri(outside);
    forbidden(await call('POST', '/api/v1/datasets', { Name: 'x', Uri: folder }), 'Uri', folder);

    const image = fileUri(path.join(outside, 'b.png'));
    forbidden(await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas?${new URLSearchParams({ QueryImage: image })}`), 'QueryImage', image);
    forbidden(await call('POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/search`, { QueryImage: image }), 'QueryImage', image);

    const gme = (await call('POST', '/api/v1/connections', { ConnectionName: 'g', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: 'http://127.0.0.1:9/' } })).body.ConnectionId;
    const vec = (await call('POST', '/api/v1/connections', { ConnectionName: 'v', ConnectionType: 'LocalVectorConnection' })).body.ConnectionId;
    const labels = fileUri(path.join(outside, 'labels.jsonl'));
    const evaluation = await call('POST', `/api/v1/datasets/${ds}/evaluations`, {
      DatasetVersion: 'v1',
      LabelsUri: labels,
      Indexes: [{ IndexName: 'i', EmbeddingConnectionId: gme, VectorConnectionId: vec }],
    });
    forbidden(evaluation, 'LabelsUri', labels);
  });

  it('#5 a job on a version whose folder the roots no longer hold is a 403 naming DatasetVersion', async () => {
    // Registered under other roots (as before LOUPE_FILE_ROOTS changed), through the same stores.
    const earlier = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(tmp, 'data'), LOUPE_FILE_ROOTS: tmp, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
    const old = (await earlier.services.datasets.create({ name: 'old', uri: dirUri(outside) })).datasetId;
    await earlier.close();
    const r = await call('POST', `/api/v1/datasets/${old}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild' });
    forbidden(r, 'DatasetVersion', dirUri(outside));
  });

  it('#4 an export folder outside the roots is a 403 naming JobSpec.uri, like the rest', async () => {
    const target = dirUri(path.join(outside, 'out'));
    const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, {
      DatasetVersion: 'v1',
      JobAction: 'FileMetaExport',
      JobSpec: { target: 'file', format: 'manifest', uri: target },
    });
    forbidden(r, 'JobSpec.uri', target);
  });
});

describe('#2 LOUPE_FILE_ROOTS=none turns local files off', () => {
  let tmp: string;
  let c: Container;
  let call: ApiCall;
  /** A dataset over a local folder, registered before local files were turned off. */
  let earlier: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-none-'));
    await mkdir(path.join(tmp, 'photos'));
    await writeFile(path.join(tmp, 'photos', 'a.png'), tinyPng(1));
    const env = { LOUPE_DATA_DIR: path.join(tmp, 'data'), LOUPE_API_KEYS: KEY };
    const before = buildContainer(loadConfig({ ...env, LOUPE_FILE_ROOTS: path.join(tmp, 'photos') }), { log: jsonLogger('silent') });
    earlier = (await before.services.datasets.create({ name: 'earlier', uri: dirUri(path.join(tmp, 'photos')) })).datasetId;
    await before.close();
    const config = loadConfig({ ...env, LOUPE_FILE_ROOTS: 'none' }, { cwd: tmp, home: tmp, uid: 1000 });
    expect([config.fileRoots, config.localFiles]).toEqual([[], false]);
    c = buildContainer(config, { log: jsonLogger('silent') });
    call = inProcessApi(createApi(c, [KEY]), KEY);
  });
  afterAll(async () => {
    await c?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('#2 with LOUPE_FILE_ROOTS=none no folder is allowed, not even the start directory: a file:// URI is a 403 saying local files are off', async () => {
    const off = /^(Uri|QueryImage): 'file:\/\/\/.*' is refused: local files are turned off on this server \(LOUPE_FILE_ROOTS=none\)$/;
    const dataset = await call('POST', '/api/v1/datasets', { Name: 'photos', Uri: dirUri(path.join(tmp, 'photos')) });
    expect([dataset.status, dataset.body.Code, dataset.body.Field]).toEqual([403, 'Forbidden', 'Uri']);
    expect(dataset.body.Message).toMatch(off);

    // The rest of the server works; a search's QueryImage and a job on a dataset registered before are
    // refused the same way.
    expect((await call('POST', '/api/v1/datasets', { Name: 'picked', Edition: 'LOGICAL' })).status).toBe(200);
    const search = await call('POST', `/api/v1/datasets/${earlier}/datasetfilemetas/action/search`, { QueryImage: fileUri(path.join(tmp, 'photos', 'a.png')) });
    expect([search.status, search.body.Field]).toEqual([403, 'QueryImage']);
    expect(search.body.Message).toMatch(off);
    const job = await call('POST', `/api/v1/datasets/${earlier}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild' });
    expect([job.status, job.body.Field]).toEqual([403, 'DatasetVersion']);
    expect(job.body.Message).toMatch(/^DatasetVersion: 'file:\/\/\/.*' is refused: local files are turned off on this server \(LOUPE_FILE_ROOTS=none\)$/);
    // Whatever asks for a file:// store gets the refusal.
    expect(() => c.objects.forUri(fileUri(path.join(tmp, 'photos', 'a.png')))).toThrow('local files are turned off on this server (LOUPE_FILE_ROOTS=none)');
  });

  it('#2 s.yaml gives every function LOUPE_FILE_ROOTS=none: on FC the start directory is the function’s code', async () => {
    const yaml = await readFile(path.join(projectRoot, 's.yaml'), 'utf8');
    // vars.env, as `KEY: value` lines under `  env:`.
    const block = /^ {2}env:\n((?: {4}.*\n|\s*\n)+)/m.exec(yaml)?.[1] ?? '';
    const env = Object.fromEntries([...block.matchAll(/^ {4}(LOUPE_\w+): *(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
    expect(env.LOUPE_FILE_ROOTS).toBe('none');
    const functions = yaml.match(/component: fc3/g)!.length;
    expect(functions).toBeGreaterThanOrEqual(7);
    expect(yaml.match(/environmentVariables: \$\{vars\.env\}/g)?.length).toBe(functions);
    // As FC starts a function: in /code, as root.
    expect(loadConfig({ ...env, LOUPE_DATA_DIR: path.join(tmp, 'fc-data') }, { cwd: '/code', home: '/root', uid: 0 }).fileRoots).toEqual([]);
  });
});
