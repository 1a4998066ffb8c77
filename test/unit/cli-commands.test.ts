// The `loupe` commands run as functions against a real local Loupe (HTTP on loopback, workers in
// process): datasets, jobs start/follow/list/stop, search as a table and as JSON (text and uploaded
// image queries over an index built by a loopback embedding model), export, eval, key resolution,
// and exit codes. Timing-dependent parts of the output are normalised.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/context.js';
import { main } from '../../cli/main.js';
import { LoupeClient } from '../../lib/sdk/index.js';
import { tinyPng } from '../support/generate-images.js';
import { labelEmbedding } from '../support/label-embedding.js';
import { startGmeServer, type LoopbackGme } from '../support/loopback-gme.js';
import { startLocalLoupe, type LocalLoupe } from '../support/local-loupe.js';

/** Six images whose label sets differ, so every ranking below is strict; plus one broken file. */
const IMAGES: Array<[string, string[]]> = [
  ['cars/img_1.png', ['car']],
  ['cars/img_2.png', ['car', 'red']],
  ['cars/img_3.png', ['car', 'red', 'night']],
  ['roads/img_4.png', ['road']],
  ['roads/img_5.png', ['road', 'night']],
  ['roads/img_6.png', ['night']],
];
const MTIME = new Date('2025-03-01T12:00:00Z');

describe('loupe commands', () => {
  let loupe: LocalLoupe;
  let gme: LoopbackGme;
  let files: string;
  let ds: string;
  const ids = new Map<string, string>();

  /** Runs `loupe <argv>`; returns the exit code and what it wrote. */
  async function loupeRun(argv: string[], o: { env?: Record<string, string | undefined>; isTTY?: boolean } = {}) {
    let out = '';
    let err = '';
    const io: CliIo = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: { LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey, ...o.env },
      cwd: loupe.root,
      now: Date.now,
      isTTY: o.isTTY ?? false,
    };
    const code = await main(argv, io);
    return { code, out, err };
  }
  /** Stable text: the temp root, ids and signed-URL parts replaced by placeholders. */
  const normalise = (s: string) => {
    let t = s.split(pathToFileURL(loupe.root).href).join('file://<ROOT>').split(loupe.url).join('<URL>');
    for (const [id, name] of ids) t = t.split(id).join(name);
    return t
      .replace(/Expires=\d+&Signature=[\w-]+/g, 'Expires=<E>&Signature=<S>')
      .replace(/job-[0-9a-z]{16}/g, '<JOB>')
      .replace(/"(FileCreateTime|TagUpdateTime|SemanticIndexUpdateTime)": "[^"]+"/g, '"$1": "<TIME>"');
  };

  beforeAll(async () => {
    loupe = await startLocalLoupe('loupe-cli-');
    files = path.join(loupe.root, 'files');
    const labelsBySha256 = new Map<string, string[]>();
    for (const [i, [name, labels]] of IMAGES.entries()) {
      const bytes = tinyPng(i + 1, 16 + i, 12);
      await mkdir(path.dirname(path.join(files, name)), { recursive: true });
      await writeFile(path.join(files, name), bytes);
      labelsBySha256.set(createHash('sha256').update(bytes).digest('hex'), labels);
    }
    await writeFile(path.join(files, 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\nnot really a png'));
    for (const name of [...IMAGES.map(([n]) => n), 'broken.png']) await utimes(path.join(files, name), MTIME, MTIME);
    // The labels, beside (not inside) the dataset folder; each line names its image by full URI.
    await mkdir(path.join(loupe.root, 'labels'));
    await writeFile(
      path.join(loupe.root, 'labels', 'dataset.jsonl'),
      IMAGES.map(([name, tags], i) => JSON.stringify({ image_id: `i${i + 1}`, tags, file: pathToFileURL(path.join(files, name)).href })).join('\n') + '\n',
    );
    const model = labelEmbedding({ labelsBySha256 });
    gme = await startGmeServer({ embed: model.embed });
  });
  afterAll(async () => {
    await loupe?.stop();
    await gme?.close();
  });

  it('datasets create (a local folder) and list', async () => {
    const created = await loupeRun(['datasets', 'create', '--name', 'street', '--uri', 'files']);
    expect(created).toMatchObject({ code: 0, err: '' });
    ds = created.out.trim();
    expect(ds).toMatch(/^d-[0-9a-z]{16}$/);
    ids.set(ds, '<DS>');
    const logical = await loupeRun(['datasets', 'create', '--name', 'training', '--edition', 'LOGICAL']);
    ids.set(logical.out.trim(), '<LOGICAL>');

    const list = await loupeRun(['datasets', 'list', '--edition', 'BASIC', '--json']);
    expect(JSON.parse(list.out)).toMatchObject({ TotalCount: 1, Datasets: [{ DatasetId: ds, Name: 'street', Uri: `${pathToFileURL(files).href}/` }] });
    const table = await loupeRun(['datasets', 'list']);
    // (alignment is cli-render.test.ts's business; here the placeholders change the widths)
    const cells = (s: string) => s.split('\n').map((l) => l.trimEnd().split(/ {2,}/));
    expect(cells(normalise(table.out).replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<TIME>'))).toEqual([
      ['DatasetId', 'Name', 'Edition', 'Uri', 'Created'],
      ['<LOGICAL>', 'training', 'LOGICAL', '<TIME>'],
      ['<DS>', 'street', 'BASIC', 'file://<ROOT>/files/', '<TIME>'],
      ['2 of 2 datasets'],
      [''],
    ]);
  });

  it('jobs start, then jobs follow without a TTY: progress lines, status, counts and failed files', async () => {
    const started = await loupeRun(['jobs', 'start', ds, '--action', 'FileMetaBuild', '--spec', '{"batchSize":2}']);
    expect(started.code).toBe(0);
    const jobId = started.out.trim();
    const followed = await loupeRun(['jobs', 'follow', ds, jobId, '--interval', '20', '--every', '3600']);
    expect(followed.code).toBe(1); // PartialFailed: one broken file

    const progress = followed.err.trimEnd().split('\n');
    for (const line of progress) expect(line).toMatch(/^\[0:\d\d\] (Pending|Running|PartialFailed) \d+\/\d+ \((--\.-|[\d.]+)%\), \d failed, (-|[\d.]+) files\/s, ETA (--:--|\d:\d\d)$/);
    expect(progress.at(-1)!.replace(/^\[0:\d\d\]/, '[T]').replace(/, [\d.]+ files\/s/, ', R files/s')).toBe('[T] PartialFailed 7/7 (100.0%), 1 failed, R files/s, ETA 0:00');

    expect(normalise(followed.out).replace(/ in \d:\d\d/, ' in <T>')).toBe(
      [
        'FileMetaBuild <JOB>: PartialFailed in <T>',
        '  7 files: 6 completed, 1 failed',
        'Failed files (1):',
        '  file://<ROOT>/files/broken.png',
        `    ${(await new LoupeClient({ url: loupe.url, apiKey: loupe.apiKey }).getDatasetJob(ds, jobId)).FailedFiles![0]!.Reason}`,
        '',
      ].join('\n'),
    );
    expect(followed.out).toMatch(/broken\.png\n {4}\S/);

    const tty = await loupeRun(['jobs', 'follow', ds, jobId], { isTTY: true });
    expect(tty.err).toMatch(/^\rPartialFailed +█+ 100\.0% {2}7\/7 {2}1 failed .* ETA 0:00\n$/);

    // PAI's sorts, and DeleteDatasetJob of the ended job
    const listed = await loupeRun(['jobs', 'list', ds, '--sort', 'FinishTime', '--order', 'asc', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out).DatasetJobs.map((j: { DatasetJobId: string }) => j.DatasetJobId)).toContain(jobId);
    expect((await loupeRun(['jobs', 'list', ds, '--sort', 'Name'])).code).toBe(2);
    const deleted = await loupeRun(['jobs', 'delete', ds, jobId]);
    expect(deleted).toMatchObject({ code: 0, out: `deleted ${jobId}\n` });
    expect((await loupeRun(['jobs', 'follow', ds, jobId])).code).toBe(1);
  });

  it('search prints a table, follows pages with --all, and JSON with --json', async () => {
    // user tags make the Tags column (and later the labels' tags) visible
    const client = new LoupeClient({ url: loupe.url, apiKey: loupe.apiKey });
    for await (const m of client.iterateFileMetas(ds, { Status: 'ACTIVE' })) {
      const tags = IMAGES.find(([n]) => n === m.FileDir + m.FileName)![1];
      await client.updateDatasetFileMetas(ds, { DatasetFileMetas: [{ DatasetFileMetaId: m.DatasetFileMetaId, Tags: { user: { add: tags } } }] });
      ids.set(m.DatasetFileMetaId, `<ID:${m.FileName}>`);
    }

    const table = await loupeRun(['search', ds, '--sort', 'FileName', '--order', 'asc', '--status', 'ACTIVE,FAILED', '--max', '3', '--all']);
    expect(table.code).toBe(0);
    expect(table.out).toBe(
      [
        'FileName    FileDir  Tags              Size  Bytes',
        'broken.png                                    25 B',
        'img_1.png   cars/    car              16x12  403 B',
        'img_2.png   cars/    car, red         17x12  425 B',
        'img_3.png   cars/    car, red, night  18x12  447 B',
        'img_4.png   roads/   road             19x12  461 B',
        'img_5.png   roads/   road, night      20x12  487 B',
        'img_6.png   roads/   night            21x12  509 B',
        '7 of 7 files',
        '',
      ].join('\n'),
    );
    const page = await loupeRun(['search', ds, '--tags-any', 'night', '--exclude', 'road', '--sort', 'FileName', '--order', 'ASC', '--max', '1']);
    const pageArgs = ['search', ds, '--tags-any', 'night', '--exclude', 'road', '--sort', 'FileName', '--order', 'ASC', '--max', '1'];
    const token = /--next-token (\S+)\)/.exec(page.out)?.[1];
    expect(page.out).toBe(
      [
        'FileName   FileDir  Tags              Size  Bytes',
        'img_3.png  cars/    car, red, night  18x12  447 B',
        `1 of 2 files (more: --all, or --next-token ${token})`,
        '',
      ].join('\n'),
    );
    expect((await loupeRun([...pageArgs, '--next-token', token!])).out).toBe(
      ['FileName   FileDir  Tags    Size  Bytes', 'img_6.png  roads/   night  21x12  509 B', '1 of 2 files', ''].join('\n'),
    );

    const json = await loupeRun(['search', ds, '--dir', 'cars', '--name', 'img_2', '--json']);
    expect(normalise(json.out)).toBe(
      JSON.stringify(
        {
          TotalCount: 1,
          DatasetFileMetas: [
            {
              DatasetFileMetaId: '<ID:img_2.png>',
              DatasetId: '<DS>',
              DatasetVersion: 'v1',
              Uri: 'file://<ROOT>/files/cars/img_2.png',
              FileName: 'img_2.png',
              FileDir: 'cars/',
              DataSize: 425,
              FileFingerPrint: JSON.parse(json.out).DatasetFileMetas[0].FileFingerPrint,
              FileCreateTime: '<TIME>',
              FileUpdateTime: '2025-03-01T12:00:00.000Z',
              FileType: 'image',
              FileFormat: 'png',
              ContentType: 'image/png',
              // the SDK parses PAI's JSON strings: the CLI prints objects
              MetaAttributes: { ImageWidth: 17, ImageHeight: 12, ImageFrames: 1 },
              Tags: { ai: [], user: ['car', 'red'], 'user-delete-ai-tags': [], all: ['car', 'red'] },
              Comment: '',
              TagUpdateTime: '<TIME>', // the user tags set above moved it
              SemanticIndexJobId: null,
              SemanticIndexUpdateTime: null,
              Status: 'ACTIVE',
              FailReason: null,
              ThumbnailUrl: '<URL>/api/v1/datasets/<DS>/datasetfilemetas/<ID:img_2.png>/thumbnail?ThumbnailMode=m_lfit%2Cw_256%2Ch_256&Expires=<E>&Signature=<S>',
              DownloadUrl: '<URL>/api/v1/datasets/<DS>/datasetfilemetas/<ID:img_2.png>/download?Expires=<E>&Signature=<S>',
            },
          ],
        },
        null,
        2,
      ) + '\n',
    );
    expect(JSON.parse(json.out).DatasetFileMetas[0].FileFingerPrint).toMatch(/^W\/"1a9-[0-9a-f]+"$/);
    // PAI's type filters: --file-types and --content-types
    const count = async (...flags: string[]) => JSON.parse((await loupeRun(['search', ds, '--status', 'ALL', '--json', ...flags])).out).TotalCount;
    const all = await count();
    expect(all).toBeGreaterThan(0);
    expect(await count('--file-types', 'image,video')).toBe(all);
    expect(await count('--file-types', 'video')).toBe(0);
    expect(await count('--content-types', 'image/png', '--dir', 'cars', '--name', 'img_2')).toBe(1);
  });

  it('search by text and by an uploaded image over an index, with scores', async () => {
    const client = new LoupeClient({ url: loupe.url, apiKey: loupe.apiKey });
    const emb = await client.createConnection({ ConnectionName: 'labels', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gme.url } });
    const vec = await client.createConnection({ ConnectionName: 'local', ConnectionType: 'LocalVectorConnection' });
    ids.set(emb.ConnectionId, '<EMB>').set(vec.ConnectionId, '<VEC>');
    const put = await client.putIndexConfig(ds, { EmbeddingConnectionId: emb.ConnectionId, VectorConnectionId: vec.ConnectionId, IndexName: 'street', RefreshNow: true });
    const indexed = await loupeRun(['jobs', 'follow', ds, put.DatasetJobId!, '--interval', '20']);
    expect(indexed.code).toBe(0);
    expect(indexed.out).toMatch(/^SemanticIndex job-[0-9a-z]{16}: Succeeded in \d:\d\d\n {2}6 files: 6 completed, 0 failed\n$/);

    const text = await loupeRun(['search', ds, '--text', 'car', '--top-k', '3']);
    expect(text.out.replace(/from index street \([^)]+\)/, 'from index street (<EMBEDDER>)')).toBe(
      [
        ' Score  FileName   FileDir  Tags              Size  Bytes',
        '1.0000  img_1.png  cars/    car              16x12  403 B',
        '0.7071  img_2.png  cars/    car, red         17x12  425 B',
        '0.5774  img_3.png  cars/    car, red, night  18x12  447 B',
        '3 of 3 files',
        'vector search: 3 of TopK 3 from index street (<EMBEDDER>)',
        '',
      ].join('\n'),
    );

    const image = await loupeRun(['search', ds, '--image', 'files/cars/img_3.png', '--top-k', '2', '--json']);
    const hits = JSON.parse(image.out);
    expect(hits.DatasetFileMetas.map((m: { FileName: string; Score: number }) => [m.FileName, m.Score.toFixed(4)])).toEqual([
      ['img_3.png', '1.0000'],
      ['img_2.png', '0.8165'],
    ]);
    expect(hits.VectorSearch).toMatchObject({ TopK: 2, Returned: 2, IndexName: 'street' });
  });

  it('export writes a CSV of a search and follows the job; --logical makes a version', async () => {
    const csv = await loupeRun(['export', ds, '--to', 'exports/night', '--format', 'csv', '--tags-any', 'night', '--sort', 'FileName', '--order', 'asc', '--interval', '20']);
    expect(csv.code).toBe(0);
    expect(csv.err).toMatch(/^started FileMetaExport job job-[0-9a-z]{16}\n/);
    expect(normalise(csv.out).replace(/ in \d:\d\d/, ' in <T>')).toBe(
      'FileMetaExport <JOB>: Succeeded in <T>\n  3 files: 3 completed, 0 failed\n  Output: file://<ROOT>/exports/night/ export.csv, export.json (3 files)\n',
    );
    const rows = (await readFile(path.join(loupe.root, 'exports', 'night', 'export.csv'), 'utf8')).trim().split('\r\n');
    expect(rows.map((r) => r.split(',')[2])).toEqual(['FileName', 'img_3.png', 'img_5.png', 'img_6.png']);
    // The folder now holds that export: replacing it takes --overwrite.
    const again = ['export', ds, '--to', 'exports/night', '--format', 'csv', '--tags-any', 'night', '--interval', '20'];
    const refused = await loupeRun(again);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/Conflict \(HTTP 409\): JobSpec\.exportDirUri: .* holds the export of job job-[0-9a-z]{16} .*"overwrite": true/);
    expect((await loupeRun([...again, '--overwrite'])).code).toBe(0);

    // PAI's layout: a new folder in --to, lines of the attributes asked for; --top-k caps the rows.
    const pai = await loupeRun(['export', ds, '--to', 'exports/pai', '--format', 'pai', '--attributes', 'Uri,FileName', '--tags-any', 'night', '--sort', 'FileName', '--order', 'asc', '--top-k', '2', '--interval', '20']);
    expect(pai.code).toBe(0);
    expect(normalise(pai.out).replace(/ in \d:\d\d/, ' in <T>').replace(/-v1-[\d-]{19}\//, '-v1-<TIME>/')).toMatch(
      /^FileMetaExport <JOB>: Succeeded in <T>\n  2 files: 2 completed, 0 failed\n  Output: file:\/\/<ROOT>\/exports\/pai\/.+-v1-<TIME>\/ pai_dataset_filemeta_00000\.jsonl, pai_dataset_filemeta_manifest\.yaml, export\.json \(2 files\)\n$/,
    );
    const [paiFolder] = await readdir(path.join(loupe.root, 'exports', 'pai'));
    const lines = (await readFile(path.join(loupe.root, 'exports', 'pai', paiFolder!, 'pai_dataset_filemeta_00000.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => Object.keys(l))).toEqual([['Uri', 'FileName'], ['Uri', 'FileName']]);
    expect(lines.map((l) => l.FileName)).toEqual(['img_3.png', 'img_5.png']);
    expect((await loupeRun(['export', ds, '--to', 'exports/pai', '--format', 'pai', '--overwrite'])).err).toMatch(/--overwrite is not for --format pai/);

    const logical = [...ids].find(([, v]) => v === '<LOGICAL>')![0];
    const made = await loupeRun(['export', ds, '--logical', logical, '--description', 'cars only', '--dir', 'cars', '--interval', '20', '--json']);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.out)).toMatchObject({ Status: 'Succeeded', Output: { DatasetId: logical, VersionName: 'v1', FileCount: 3 } });
  });

  it('eval prints the table, writes the JSON and the chart', async () => {
    const r = await loupeRun(['eval', ds, '--labels', 'labels/dataset.jsonl', '--index', 'labels=street', '--k', '1,3', '--json', 'eval.json', '--chart', 'eval.svg']);
    expect(r.code).toBe(0);
    expect(normalise(r.out)).toBe(
      [
        '<DS> v1: 6 of 6 labelled images matched, 4 queries (labels file://<ROOT>/labels/dataset.jsonl)',
        '',
        'index      P@1     P@3     R@3     mAP',
        'labels  1.0000  0.8333  1.0000  1.0000',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(await readFile(path.join(loupe.root, 'eval.json'), 'utf8'))).toMatchObject({ Ks: [1, 3], Indexes: [{ Name: 'labels', IndexName: 'street', MAP: 1 }] });
    expect(await readFile(path.join(loupe.root, 'eval.svg'), 'utf8')).toMatch(/^<svg [^>]+>[\s\S]*labels \(mAP 1\.0000\)[\s\S]*<\/svg>\n$/);
  });

  it('finds the key in the local data dir; usage errors exit 2, API errors 1', async () => {
    const dataDir = path.join(loupe.root, 'cli-data');
    await mkdir(dataDir);
    await writeFile(path.join(dataDir, 'api-key'), `${loupe.apiKey}\n`);
    expect((await loupeRun(['datasets', 'list', '--json'], { env: { LOUPE_API_KEY: undefined, LOUPE_DATA_DIR: 'cli-data' } })).code).toBe(0);
    const remote = await loupeRun(['datasets', 'list'], { env: { LOUPE_API_KEY: undefined, LOUPE_URL: 'https://loupe.example.com' } });
    expect(remote).toMatchObject({ code: 2, err: 'loupe: no API key: pass --key or set LOUPE_API_KEY\n(see: loupe --help)\n' });
    expect((await loupeRun(['--key', 'wrong', 'datasets', 'list'])).err).toMatch(/^loupe: Unauthorized \(HTTP 401\): the API key is not valid \[RequestId \S+\]\n$/);

    const usage: Array<[string[], string]> = [
      [[], ''],
      [['frobnicate'], "loupe: unknown command 'frobnicate'\n(see: loupe --help)\n"],
      [['search'], 'loupe: missing <datasetId>\n(see: loupe search --help)\n'],
      [['search', ds, '--top-k', 'many'], "loupe: --top-k: expected an integer ≥ 1, got 'many'\n(see: loupe search --help)\n"],
      [['search', ds, '--image', 'no/such.png'], `loupe: --image: no such file: ${path.join(loupe.root, 'no/such.png')} (give a URI like file:///… or oss://… for an image the server reads)\n(see: loupe search --help)\n`],
      [['jobs', 'start', ds], 'loupe: --action is required: FileMetaBuild, IntelligentTag, SemanticIndex, FileMetaExport, IntelligentTagRevert, FileMetaImport\n(see: loupe jobs --help)\n'],
      [['jobs', 'start', ds, '--action', 'FileMetaBuild', '--spec', '{nope'], 'loupe: --spec: not JSON: {nope\n(see: loupe jobs --help)\n'],
      [['export', ds], 'loupe: give --to <folder> or --logical <datasetId> (one of them)\n(see: loupe export --help)\n'],
      [['export', ds, '--to', 'x', '--images', 'copy'], 'loupe: --images is for --format gme\n(see: loupe export --help)\n'],
      [['export', ds, '--logical', 'x', '--overwrite'], 'loupe: --overwrite is for --to (a file export)\n(see: loupe export --help)\n'],
      [['eval', ds, '--index', 'a=b,colour=red'], "loupe: --index: unknown key 'colour' (embedding, vector, model)\n(see: loupe eval --help)\n"],
      [['datasets', 'create', '--name', 'x'], 'loupe: --uri is required (or --edition LOGICAL)\n(see: loupe datasets --help)\n'],
    ];
    for (const [argv, err] of usage) {
      const r = await loupeRun(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      if (err) expect(r.err).toBe(err);
    }
    const missing = await loupeRun(['search', 'd-nope']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^loupe: ResourceNotFound \(HTTP 404\): .*d-nope.* \[RequestId \S+\]\n$/);
    const bad = await loupeRun(['search', ds, '--expr', 'FileName = ']);
    expect(bad).toMatchObject({ code: 1, err: expect.stringMatching(/^loupe: InvalidParameter \(HTTP 400\): .*1:12/) });

    for (const help of [['--help'], ['search', '--help'], ['jobs'], ['export', '-h'], ['eval', '--help'], ['datasets', 'help'], ['serve', '--help']]) {
      const r = await loupeRun(help);
      expect(r.code, help.join(' ')).toBe(0);
      expect(r.out).toMatch(/^Usage: loupe /);
    }
  });
});
