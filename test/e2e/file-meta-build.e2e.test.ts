// End to end on the real local server: FileMetaBuild with verify=decode over the shared fixtures, every
// manifest row checked; then an Increment run after adding, changing and deleting files.
import { cp, mkdtemp, rm, unlink, writeFile, readFile, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing, readImageManifest } from '../support/fixtures.js';
import { listAllFileMetas, startServer, waitForJob, type RunningServer } from '../support/server.js';

const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tiff: 'image/tiff',
  webp: 'image/webp',
};

describe.skipIf(fixturesMissing)(`FileMetaBuild end to end (${fixturesMissing ? FIXTURES_SKIP_MESSAGE : 'fixtures found'})`, () => {
  let server: RunningServer;
  let dataDir: string;
  let work: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'loupe-e2e-data-'));
    work = await mkdtemp(path.join(os.tmpdir(), 'loupe-e2e-files-'));
    server = await startServer(dataDir, { LOUPE_FILE_ROOTS: [work, fixturesDir!].join(':') });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('verify=decode puts every manifest file in the state its expected_decodable column allows', async () => {
    const imagesUri = pathToFileURL(path.join(fixturesDir!, 'images')).href + '/';
    const created = await server.api('POST', '/api/v1/datasets', { Name: 'fixtures', Uri: imagesUri });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const datasetId = created.body.DatasetId;
    const started = await server.api('POST', `/api/v1/datasets/${datasetId}/datasetjobs`, {
      DatasetVersion: 'v1',
      JobAction: 'FileMetaBuild',
      JobSpec: JSON.stringify({ verify: 'decode' }),
    });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const job = await waitForJob(server, datasetId, started.body.DatasetJobId);

    const manifest = readImageManifest();
    const metas = await listAllFileMetas(server, datasetId);
    const byPath = new Map(metas.map((m) => [m.FileDir + m.FileName, m]));
    // MANIFEST.tsv itself lives in the folder: not an image (by name nor by content), so skipped.
    expect(byPath.get('MANIFEST.tsv')).toMatchObject({ Status: 'SKIPPED', FileType: 'text', FileFormat: null });
    expect(metas).toHaveLength(manifest.length + 1);
    expect(job.TotalFileCount).toBe(manifest.length + 1);
    expect(job.SkippedFileCount).toBe(1);
    expect(job.CompletedFileCount + job.FailedFileCount + job.SkippedFileCount).toBe(job.TotalFileCount);
    expect(job.Status).toBe('PartialFailed');

    const problems: string[] = [];
    for (const row of manifest) {
      const m = byPath.get(row.path);
      if (!m) {
        problems.push(`${row.path}: no file meta`);
        continue;
      }
      if (row.expectedDecodable === 'yes') {
        if (m.Status !== 'ACTIVE') problems.push(`${row.path}: expected ACTIVE, got ${m.Status} (${m.FailReason})`);
        else {
          if (m.MetaAttributes.ImageWidth !== row.width || m.MetaAttributes.ImageHeight !== row.height)
            problems.push(`${row.path}: dims ${m.MetaAttributes.ImageWidth}x${m.MetaAttributes.ImageHeight} != ${row.width}x${row.height}`);
          if (m.ContentType !== CONTENT_TYPES[row.format]) problems.push(`${row.path}: ContentType ${m.ContentType} != ${CONTENT_TYPES[row.format]}`);
          if (m.FileType !== 'image' || m.FileFormat !== row.format) problems.push(`${row.path}: FileType ${m.FileType}, FileFormat ${m.FileFormat} != image, ${row.format}`);
        }
      } else if (row.expectedDecodable === 'no') {
        if (m.Status !== 'FAILED' || !m.FailReason) problems.push(`${row.path}: expected FAILED with a reason, got ${m.Status}`);
      } else if (!['ACTIVE', 'FAILED'].includes(m.Status)) {
        problems.push(`${row.path}: ${row.expectedDecodable} file left ${m.Status}`);
      }
    }
    expect(problems).toEqual([]);

    // The job reports every failed file with its reason, and says so in its logs.
    const full = await server.api('GET', `/api/v1/datasets/${datasetId}/datasetjobs/${job.DatasetJobId}?MaxFailedFiles=1000&MaxLogs=1000`);
    expect(full.body.FailedFiles).toHaveLength(job.FailedFileCount);
    expect(full.body.FailedFiles.every((f: any) => f.Reason && f.Uri.startsWith(imagesUri))).toBe(true);
    expect(full.body.Logs.at(-1)).toMatch(/^\S+Z WARN finished PartialFailed/); // PAI's Logs: '<time> <LEVEL> <message>'

    // Statistics by format count the detected formats (TotalCount: how many formats, as PAI counts groups).
    const stats = await server.api('GET', `/api/v1/statistics/datasets/${datasetId}/datasetfilemetas?AggregateBy=fileformat&Status=ACTIVE`);
    expect(stats.status).toBe(200);
    const active = metas.filter((m) => m.Status === 'ACTIVE');
    expect(stats.body.TotalCount).toBe(new Set(active.map((m) => m.FileFormat)).size);
    expect(stats.body.FileCount).toBe(active.length);
    expect(stats.body.DatasetFileMetasStats.reduce((n: number, g: any) => n + g.Count, 0)).toBe(active.length);
    const byType = await server.api('GET', `/api/v1/statistics/datasets/${datasetId}/datasetfilemetas?AggregateBy=filetype&Status=ACTIVE`);
    expect(byType.body.DatasetFileMetasStats).toEqual([{ Key: 'image', Count: active.length }]);

    // A thumbnail of a BMP (sharp has no BMP loader) through the signed URL a listing hands out (absolute).
    const bmp = byPath.get('valid/bmp/rgb24.bmp');
    expect(bmp.ThumbnailUrl.startsWith(`${server.url}/api/v1/`)).toBe(true);
    const thumb = await fetch(bmp.ThumbnailUrl);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toMatch(/^image\//);
    const dl = await fetch(byPath.get('valid/png/hopper.png').DownloadUrl);
    expect(Buffer.from(await dl.arrayBuffer()).equals(await readFile(path.join(fixturesDir!, 'images/valid/png/hopper.png')))).toBe(true);
    // A tampered signature is refused.
    // (Flip its first character to another one: replacing it by a fixed 'A' left 1 signature in 64 unchanged.)
    const tampered = bmp.ThumbnailUrl.replace(/Signature=(.)/, (_: string, c: string) => `Signature=${c === 'A' ? 'B' : 'A'}`);
    expect((await fetch(tampered)).status).toBe(401);
  });

  it('the fast path catches every "no" file by its header; a thumbnail that fails to decode is a 409 and leaves its file as it was', async () => {
    const imagesUri = pathToFileURL(path.join(fixturesDir!, 'images')).href + '/';
    const datasetId = (await server.api('POST', '/api/v1/datasets', { Name: 'fixtures-fast', Uri: imagesUri })).body.DatasetId;
    const r = await server.api('POST', `/api/v1/datasets/${datasetId}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild' });
    await waitForJob(server, datasetId, r.body.DatasetJobId);
    const byPath = new Map((await listAllFileMetas(server, datasetId)).map((m) => [m.FileDir + m.FileName, m]));
    for (const row of readImageManifest()) {
      const m = byPath.get(row.path);
      if (row.expectedDecodable === 'yes') expect(m, row.path).toMatchObject({ Status: 'ACTIVE', MetaAttributes: { ImageWidth: row.width, ImageHeight: row.height } });
      if (row.expectedDecodable === 'no') expect(m, row.path).toMatchObject({ Status: 'FAILED', FailReason: expect.any(String) });
    }
    // corrupt RLE data: the header is fine, the pixels are not
    const badRle = byPath.get('broken/corrupt/bmp-badrle.bmp');
    expect(badRle.Status).toBe('ACTIVE');
    const thumb = await fetch(badRle.ThumbnailUrl);
    expect(thumb.status).toBe(409);
    expect(((await thumb.json()) as { Message: string }).Message).toMatch(/cannot be rendered.*RLE/);
    const after = await server.api('GET', `/api/v1/datasets/${datasetId}/datasetfilemetas/${badRle.DatasetFileMetaId}`);
    expect(after.body.DatasetFileMeta).toMatchObject({ Status: 'ACTIVE', FailReason: null });
  });

  it('Increment re-probes only new and changed files and marks vanished ones DELETED', async () => {
    const src = path.join(fixturesDir!, 'images', 'valid', 'png');
    await cp(src, work, { recursive: true });
    const uri = pathToFileURL(work).href + '/';
    const datasetId = (await server.api('POST', '/api/v1/datasets', { Name: 'increment', Uri: uri })).body.DatasetId;
    const run = async (mode: 'Full' | 'Increment') => {
      const r = await server.api('POST', `/api/v1/datasets/${datasetId}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobMode: mode });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return waitForJob(server, datasetId, r.body.DatasetJobId);
    };
    const full = await run('Full');
    const initial = await listAllFileMetas(server, datasetId);
    expect(full.Status).toBe('Succeeded');
    expect(full.TotalFileCount).toBe(initial.length);

    const noChange = await run('Increment');
    expect(noChange).toMatchObject({ Status: 'Succeeded', TotalFileCount: 0, ListedFileCount: initial.length, DeletedFileCount: 0 });

    // add one, change one (new content and mtime), delete one
    await cp(path.join(fixturesDir!, 'images/valid/jpeg/hopper.jpg'), path.join(work, 'added.jpg'));
    await writeFile(path.join(work, 'hopper.png'), await readFile(path.join(fixturesDir!, 'images/valid/gif/hopper.gif')));
    const later = new Date(Date.now() + 5000);
    await utimes(path.join(work, 'hopper.png'), later, later);
    await unlink(path.join(work, 'blackbug.png'));

    const inc = await run('Increment');
    expect(inc).toMatchObject({ Status: 'Succeeded', TotalFileCount: 2, CompletedFileCount: 2, DeletedFileCount: 1 });
    const after = new Map((await listAllFileMetas(server, datasetId)).map((m) => [m.FileDir + m.FileName, m]));
    expect(after.get('added.jpg')).toMatchObject({ Status: 'ACTIVE', ContentType: 'image/jpeg', FileType: 'image', FileFormat: 'jpeg' });
    // content detected, not the extension: hopper.png now holds GIF bytes
    expect(after.get('hopper.png')).toMatchObject({ Status: 'ACTIVE', ContentType: 'image/gif', FileType: 'image', FileFormat: 'gif' });
    expect(after.get('blackbug.png')).toMatchObject({ Status: 'DELETED' });
    const unchanged = initial.find((m) => m.FileName === 'itxt_chunks.png');
    expect(after.get('itxt_chunks.png')).toMatchObject({ Status: 'ACTIVE', FileFingerPrint: unchanged.FileFingerPrint });
    // the default listing hides DELETED files
    const live = await server.api('GET', `/api/v1/datasets/${datasetId}/datasetfilemetas?MaxResults=1000`);
    expect(live.body.TotalCount).toBe(initial.length); // one added, one deleted
  });
});
