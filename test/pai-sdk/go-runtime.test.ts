// Issue 11, the second judge: PAI's Go SDK runtime. The Go module proxy does not serve the SDK itself
// (github.com/alibabacloud-go/aiworkspace-20210204), so test/pai-sdk/go mirrors its generated code for
// the operations below (gen_sdk_mirror.py, from the pinned Python SDK) over the runtime it depends on,
// pinned in go.mod: darabonba-openapi's client signs each call with an AccessKey pair
// (ACS3-HMAC-SHA256) and dara.Convert decodes each body into the SDK's structs — case-sensitive, and
// failing the call where Loupe sends an object or array in place of the SDK's string.
// Needs Go: LOUPE_PAI_GO (path of a go binary), else `go` on PATH; .ci/run downloads the modules.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLoupe, type StartedTestLoupe } from '../security/started-loupe.js';
import { writePngs } from '../support/local-loupe.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const moduleDir = path.join(here, 'go');
const go = process.env.LOUPE_PAI_GO || 'go';
const AK_ID = 'LTAIloupegoruntime';
const AK_SECRET = 'go-runtime-secret-0123456789';
const FILES = ['a.png', 'b.png', 'c.png', 'sub/d.png', 'sub/e.png'];

function goVersion(): string | undefined {
  try {
    return execFileSync(go, ['version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}
const hasGo = !!goVersion();
const TITLE = hasGo
  ? 'PAI Go SDK runtime'
  : 'PAI Go SDK runtime (skipped: no Go toolchain; set LOUPE_PAI_GO to the path of a go binary, or put `go` on PATH)';
if (!hasGo) console.warn(TITLE);

interface Outcome {
  ok: boolean;
  status?: number;
  error?: string;
  code?: string;
  values?: Record<string, any>;
}

const parsesAsJson = (s: unknown) => typeof s === 'string' && JSON.parse(s) !== undefined;

describe.skipIf(!hasGo)(TITLE, () => {
  let loupe: StartedTestLoupe;
  let bin: string;
  let r: Record<string, Outcome>;

  beforeAll(async () => {
    // Build first (the first build compiles the SDK runtime: minutes on a cold cache).
    bin = await mkdtemp(path.join(os.tmpdir(), 'loupe-pai-go-'));
    await promisify(execFile)(go, ['build', '-o', path.join(bin, 'pai-go'), '.'], {
      cwd: moduleDir,
      timeout: 600_000,
      env: { ...process.env, GOFLAGS: '-mod=readonly' },
    });
    loupe = await startTestLoupe('loupe-pai-go-', { LOUPE_ACCESS_KEYS: `${AK_ID}:${AK_SECRET}` });
    const folder = path.join(loupe.root, 'photos');
    await mkdir(folder);
    await writePngs(folder, FILES);
    const url = new URL(loupe.url);
    const { stdout } = await promisify(execFile)(path.join(bin, 'pai-go'), [], {
      timeout: 180_000,
      env: {
        ...process.env,
        PAI_SDK_HOST: url.hostname,
        PAI_SDK_PORT: url.port,
        PAI_SDK_AK_ID: AK_ID,
        PAI_SDK_AK_SECRET: AK_SECRET,
        PAI_SDK_DATASET_URI: `${pathToFileURL(folder).href}/`,
        PAI_SDK_LLM_BASE_URL: 'https://llm.example.invalid/v1',
        PAI_SDK_BEARER: loupe.apiKey,
      },
    });
    r = JSON.parse(stdout) as Record<string, Outcome>;
  }, 900_000);
  afterAll(async () => {
    await loupe?.stop();
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  // A call that is not ok fails with its own error (a decode error names the field and quotes the body).
  const ok = (name: string) => {
    const o = r[name];
    expect(o, `${name} was not called`).toBeDefined();
    expect(o!.ok, `${name}: ${o!.status ?? ''} ${o!.code ?? ''} ${o!.error ?? ''}`).toBe(true);
    expect(o!.status, name).toBe(200);
    return o!.values!;
  };

  it('#1 every call is signed with the AccessKey pair and accepted', () => {
    const failed = Object.entries(r).filter(([name, o]) => !o.ok && name !== 'auth.wrongSecret');
    expect(failed.map(([name, o]) => `${name}: ${o.status} ${o.code ?? ''} ${o.error}`)).toEqual([]);
    expect(Object.keys(r)).toEqual(expect.arrayContaining([
      'CreateDataset', 'GetDataset', 'ListDatasets.page1', 'ListDatasets.page2', 'CreateDatasetJob', 'GetDatasetJob',
      'ListDatasetJobs', 'ListDatasetFileMetas', 'GetDatasetFileMeta', 'GetDatasetFileMetasStatistics',
      'UpdateDatasetFileMetas', 'GetDatasetFileMeta.afterUpdate', 'CreateConnection', 'ListConnections', 'GetConnection',
    ]));
  });

  it('#1 the runtime\'s bearer credential (x-acs-bearer-token) is accepted; a wrong secret is 401 SignatureDoesNotMatch', () => {
    expect(ok('auth.bearer')).toEqual({ TotalCount: 1 });
    expect(r['auth.wrongSecret']).toMatchObject({ ok: false, status: 401, code: 'SignatureDoesNotMatch' });
  });

  it('CreateDataset / GetDataset decode into the SDK structs', () => {
    const id = ok('CreateDataset').DatasetId;
    expect(id).toMatch(/^d-/);
    const got = ok('GetDataset');
    expect(got).toMatchObject({ DatasetId: id, Name: 'go-sdk-photos', 'LatestVersion.VersionName': 'v1' });
    expect(got.RequestId).toEqual(expect.any(String));
  });

  it('ListDatasets pages by PageNumber/PageSize', () => {
    const id = ok('CreateDataset').DatasetId;
    expect(ok('ListDatasets.page1')).toEqual({ TotalCount: 1, DatasetIds: [id] });
    expect(ok('ListDatasets.page2')).toEqual({ TotalCount: 1, DatasetIds: [] });
  });

  it('FileMetaBuild: GetDatasetJob decodes (Logs strings, CreateTime/FinishTime) until the job ends', () => {
    const job = ok('GetDatasetJob');
    expect(job).toMatchObject({ Status: 'Succeeded', JobAction: 'FileMetaBuild', TotalFileCount: FILES.length, CompletedFileCount: FILES.length });
    expect(job.Logs.length).toBeGreaterThan(0);
    for (const line of job.Logs) expect(line).toEqual(expect.any(String));
    expect(Date.parse(job.CreateTime)).not.toBeNaN();
    expect(Date.parse(job.FinishTime)).not.toBeNaN();
  });

  it('ListDatasetJobs by PageNumber/PageSize has the job with its CreateTime/FinishTime', () => {
    const jobs = ok('ListDatasetJobs');
    expect(jobs.TotalCount).toBe(1);
    expect(jobs.DatasetJobs).toEqual([
      expect.objectContaining({ DatasetJobId: ok('CreateDatasetJob').DatasetJobId, Status: 'Succeeded', CreateTime: expect.any(String), FinishTime: expect.any(String) }),
    ]);
  });

  it('ListDatasetFileMetas: MaxResults/NextToken to the end, Tags and MetaAttributes JSON strings', () => {
    const list = ok('ListDatasetFileMetas');
    expect(list.Pages).toBe(Math.ceil(FILES.length / 2));
    expect(list.TotalCount).toBe(FILES.length);
    const metas = list.DatasetFileMetas as Array<Record<string, any>>;
    expect(new Set(metas.map((m) => m.DatasetFileMetaId)).size).toBe(FILES.length);
    expect(metas.map((m) => m.FileName).sort()).toEqual(FILES.map((f) => path.basename(f)).sort());
    for (const m of metas) {
      expect(m.FileType).toBe('image');
      expect(parsesAsJson(m.Tags), `Tags of ${m.FileName}: ${m.Tags}`).toBe(true);
      expect(parsesAsJson(m.MetaAttributes), `MetaAttributes of ${m.FileName}: ${m.MetaAttributes}`).toBe(true);
    }
  });

  it('#2 ThumbnailUrl and DownloadUrl are absolute URLs on Loupe (derived from the request\'s Host)', () => {
    for (const m of ok('ListDatasetFileMetas').DatasetFileMetas as Array<Record<string, any>>) {
      for (const url of [m.ThumbnailUrl, m.DownloadUrl]) expect(URL.canParse(url) && new URL(url).origin, url).toBe(new URL(loupe.url).origin);
    }
  });

  it('GetDatasetFileMeta decodes, with Tags/MetaAttributes JSON strings', () => {
    const first = (ok('ListDatasetFileMetas').DatasetFileMetas as Array<Record<string, any>>)[0]!;
    const meta = ok('GetDatasetFileMeta');
    expect(meta).toMatchObject({ DatasetFileMetaId: first.DatasetFileMetaId, FileName: first.FileName, DatasetId: ok('CreateDataset').DatasetId, DatasetVersion: 'v1' });
    expect(parsesAsJson(meta.Tags)).toBe(true);
    expect(parsesAsJson(meta.MetaAttributes)).toBe(true);
  });

  it('GetDatasetFileMetasStatistics AggregateBy=filetype counts the images, with requestId', () => {
    const stats = ok('GetDatasetFileMetasStatistics');
    expect(stats.Counts).toEqual({ image: FILES.length });
    expect(stats.requestId).toEqual(expect.any(String));
  });

  it('UpdateDatasetFileMetas takes Tags as PAI\'s JSON string; the user tag is then read back', () => {
    const updated = ok('UpdateDatasetFileMetas');
    expect(updated).toMatchObject({ Status: true, FailedDetails: [] });
    const after = ok('GetDatasetFileMeta.afterUpdate');
    expect(JSON.stringify(JSON.parse(after.Tags))).toContain('"go"');
  });

  it('CreateConnection / ListConnections / GetConnection with PAI\'s base_url/api_key; the key is never echoed', () => {
    const id = ok('CreateConnection').ConnectionId;
    expect(id).toEqual(expect.any(String));
    const list = ok('ListConnections');
    expect(list.TotalCount).toBe(1);
    expect(list.Connections).toEqual([expect.objectContaining({ ConnectionId: id, ConnectionType: 'OpenLLMConnection' })]);
    const conn = ok('GetConnection');
    expect(conn).toMatchObject({ ConnectionId: id, ConnectionName: 'go-sdk-llm', ConnectionType: 'OpenLLMConnection', Configs: { base_url: 'https://llm.example.invalid/v1' } });
    expect(JSON.stringify(r)).not.toContain('go-sdk-secret-key');
  });
});
