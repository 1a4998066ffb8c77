// loadManifest over a hand-written manifest.jsonl in a temp folder: the items' fields, read() bytes,
// the fingerprint check (the local store's own ETag), the download fallback, http(s) sources
// streamed in pieces, and errors that name the line.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFolderObjectStore } from '../../lib/adapters/objectstore/local-folder.js';
import type { FileMeta } from '../../lib/domain/file-meta.js';
import { FingerprintMismatchError, loadManifest, type DatasetItem, type FileDownloader } from '../../lib/sdk/index.js';
import { manifestLine } from '../../lib/services/export-formats.js';
import { tinyPng } from '../support/generate-images.js';

const collect = async (it: AsyncIterable<DatasetItem>) => {
  const out: DatasetItem[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('loadManifest', () => {
  let dir: string;
  let images: string;
  let manifest: string;
  let store: LocalFolderObjectStore;
  const a = tinyPng(1);
  const b = tinyPng(2, 20, 10);
  let lines: Array<Record<string, unknown>>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-loader-'));
    store = new LocalFolderObjectStore({ roots: [dir] });
    images = path.join(dir, 'images');
    await mkdir(path.join(images, 'sub'), { recursive: true });
    await writeFile(path.join(images, 'a.png'), a);
    await writeFile(path.join(images, 'sub', 'b.png'), b);
    const uriA = pathToFileURL(path.join(images, 'a.png')).href;
    const uriB = pathToFileURL(path.join(images, 'sub', 'b.png')).href;
    lines = [
      {
        Uri: uriA,
        DatasetFileMetaId: 'meta-a',
        DatasetId: 'd-src',
        VersionName: 'v1',
        FileName: 'a.png',
        FileDir: '',
        DataSize: a.length,
        FileFingerPrint: (await store.head(uriA)).etag,
        ContentType: 'image/png',
        MetaAttributes: { ImageWidth: 16, ImageHeight: 12 },
        Tags: { ai: ['car', 'rainy'], user: ['checked'], 'user-delete-ai-tags': ['rainy'], all: ['car', 'checked'] },
        Score: 0.83,
      },
      {
        Uri: uriB,
        DatasetFileMetaId: 'meta-b',
        DatasetId: 'd-src',
        VersionName: 'v1',
        FileName: 'b.png',
        FileDir: 'sub/',
        DataSize: b.length,
        FileFingerPrint: (await store.head(uriB)).etag,
        ContentType: null,
        MetaAttributes: { ImageWidth: 20, ImageHeight: 10 },
        Tags: { ai: [], user: [], 'user-delete-ai-tags': [], all: [] },
      },
    ];
    manifest = path.join(dir, 'export', 'manifest.jsonl');
    await mkdir(path.dirname(manifest), { recursive: true });
    // a blank line and CRLF line ends are tolerated
    await writeFile(manifest, lines.map((l) => JSON.stringify(l)).join('\r\n') + '\r\n\r\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('yields one item per line with the manifest’s facts, and read() returns the bytes', async () => {
    const items = await collect(loadManifest(manifest));
    expect(items.map(({ read: _, ...rest }) => rest)).toEqual([
      {
        uri: lines[0]!.Uri,
        datasetFileMetaId: 'meta-a',
        sourceDatasetId: 'd-src',
        fileName: 'a.png',
        tags: ['car', 'checked'],
        tagsDetail: lines[0]!.Tags,
        metaAttributes: { ImageWidth: 16, ImageHeight: 12 },
        fingerprint: lines[0]!.FileFingerPrint,
        dataSize: a.length,
        score: 0.83,
      },
      {
        uri: lines[1]!.Uri,
        datasetFileMetaId: 'meta-b',
        sourceDatasetId: 'd-src',
        fileName: 'b.png',
        tags: [],
        tagsDetail: lines[1]!.Tags,
        metaAttributes: { ImageWidth: 20, ImageHeight: 10 },
        fingerprint: lines[1]!.FileFingerPrint,
        dataSize: b.length,
      },
    ]);
    expect((await items[0]!.read()).equals(a)).toBe(true);
    expect((await items[1]!.read()).equals(b)).toBe(true);
  });

  it('takes the manifest as a path, a file:// URI, or its folder', async () => {
    for (const source of [pathToFileURL(manifest).href, path.dirname(manifest), pathToFileURL(path.dirname(manifest)).href + '/']) {
      expect((await collect(loadManifest(source))).map((x) => x.datasetFileMetaId)).toEqual(['meta-a', 'meta-b']);
    }
  });

  it('verify: checks a local file against its fingerprint, as the local folder store makes it', async () => {
    const items = await collect(loadManifest(manifest, { verify: true }));
    expect((await items[0]!.read()).equals(a)).toBe(true);
    // b changes after the export: verify refuses it, a plain read returns what is there now
    const changed = tinyPng(3, 24, 10);
    await writeFile(path.join(images, 'sub', 'b.png'), changed);
    await expect(items[1]!.read()).rejects.toBeInstanceOf(FingerprintMismatchError);
    await expect(items[1]!.read()).rejects.toThrow(/changed since it was indexed/);
    const [, plain] = await collect(loadManifest(manifest));
    expect((await plain!.read()).equals(changed)).toBe(true);
    await writeFile(path.join(images, 'sub', 'b.png'), b);
  });

  it('downloads through the client a file that is not on this machine (and checks its size with verify)', async () => {
    const gone = { ...lines[0]!, Uri: 'file:///no/such/folder/a.png', DatasetFileMetaId: 'meta-gone' };
    const remote = { ...lines[0]!, Uri: 'oss://bucket/a.png', DatasetFileMetaId: 'meta-oss' };
    const file = path.join(dir, 'elsewhere.jsonl');
    await writeFile(file, [gone, remote].map((l) => JSON.stringify(l)).join('\n'));
    const calls: string[] = [];
    const client: FileDownloader = {
      async downloadDatasetFileMeta(datasetId, id) {
        calls.push(`${datasetId}/${id}`);
        return id === 'meta-oss' ? Buffer.from('short') : a;
      },
    };
    const [x, y] = await collect(loadManifest(file, { client, verify: true }));
    expect((await x!.read()).equals(a)).toBe(true);
    await expect(y!.read()).rejects.toBeInstanceOf(FingerprintMismatchError);
    expect(calls).toEqual(['d-src/meta-gone', 'd-src/meta-oss']);

    const [noClient] = await collect(loadManifest(file));
    await expect(noClient!.read()).rejects.toThrow(/no such file on this machine, and no client/);
  });

  it('streams an http(s) manifest that arrives in pieces cut mid-line', async () => {
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    let server: Server | undefined;
    try {
      server = createServer((req, res) => {
        if (req.url !== '/exports/run1/manifest.jsonl') return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const cut = Math.floor(text.length / 3);
        res.write(text.slice(0, cut));
        setTimeout(() => res.end(text.slice(cut)), 20);
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/exports/run1/`;
      const items = await collect(loadManifest(`${base}manifest.jsonl`));
      expect(items.map((x) => x.datasetFileMetaId)).toEqual(['meta-a', 'meta-b']);
      expect((await items[1]!.read()).equals(b)).toBe(true);
      expect((await collect(loadManifest(base))).length).toBe(2);
      await expect(collect(loadManifest(`${base}missing.jsonl`))).rejects.toThrow(/HTTP 404/);
    } finally {
      await new Promise((r) => server?.close(r));
    }
  });

  it('names the line of a malformed manifest, and a missing file', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    await writeFile(bad, `${JSON.stringify(lines[0])}\n{"Uri": "x"}\n`);
    await expect(collect(loadManifest(bad))).rejects.toThrow(/bad\.jsonl:2: a manifest line needs Uri and DatasetFileMetaId/);
    await writeFile(bad, `${JSON.stringify(lines[0])}\n\nnot json\n`);
    await expect(collect(loadManifest(bad))).rejects.toThrow(/bad\.jsonl:3: not a JSON line/);
    await expect(collect(loadManifest(path.join(dir, 'nothing.jsonl')))).rejects.toThrow(/ENOENT/);
  });

  it('reads lazily: stopping early leaves the rest of a large manifest unread', async () => {
    const big = path.join(dir, 'big.jsonl');
    const line = JSON.stringify(lines[0]) + '\n';
    await writeFile(big, line.repeat(50_000));
    let n = 0;
    for await (const item of loadManifest(big)) {
      expect(item.datasetFileMetaId).toBe('meta-a');
      if (++n === 3) break;
    }
    expect(n).toBe(3);
  });

  it('reads what the exporter writes (manifestLine) into the same item', async () => {
    const meta = {
      uri: lines[0]!.Uri,
      datasetFileMetaId: 'meta-a',
      datasetId: 'd-src',
      versionName: 'v1',
      fileName: 'a.png',
      fileDir: '',
      dataSize: a.length,
      fileFingerPrint: lines[0]!.FileFingerPrint,
      contentType: 'image/png',
      metaAttributes: { ImageWidth: 16, ImageHeight: 12 },
      tags: { ai: ['car', 'rainy'], user: ['checked'], userDeleteAiTags: ['rainy'] },
      score: 0.83,
    } as unknown as FileMeta & { score: number };
    const file = path.join(dir, 'exported.jsonl');
    await writeFile(file, manifestLine(meta));
    const [fromExporter] = await collect(loadManifest(file, { verify: true }));
    const [handWritten] = await collect(loadManifest(manifest));
    const { read: _1, ...x } = fromExporter!;
    const { read: _2, ...y } = handWritten!;
    expect(x).toEqual(y);
    expect((await fromExporter!.read()).equals(a)).toBe(true);
  });
});
