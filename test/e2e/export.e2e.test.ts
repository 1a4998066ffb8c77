// Export → training loader, end to end on the real server over the COCO photos (classic index, COCO
// labels as user tags), driven through the TypeScript SDK: a MIX search exported as manifest.jsonl,
// CSV and the GME layout, and into logical dataset versions; read back with the SDK's loaders, every
// listed file opens, has the bytes of the original and matches its fingerprint.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetItem, LoupeClient, loadManifest, type DatasetItem } from '../../lib/sdk/index.js';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing } from '../support/fixtures.js';
import { startServer, type RunningServer } from '../support/server.js';

interface CocoRow {
  file: string;
  tags: string[];
}

describe.skipIf(fixturesMissing)(`export end to end (${fixturesMissing ? FIXTURES_SKIP_MESSAGE : 'fixtures found'})`, () => {
  let server: RunningServer;
  let dir: string;
  let client: LoupeClient;
  let ds: string;
  let coco: CocoRow[];
  const cocoImages = () => path.join(fixturesDir!, 'coco', 'images');
  /** Photos labelled `tag`, by file name. */
  const labelled = (tag: string) => new Set(coco.filter((r) => r.tags.includes(tag)).map((r) => path.basename(r.file)));
  const out = (name: string) => pathToFileURL(path.join(dir, 'exports', name)).href + '/';

  async function exportAndWait(spec: Record<string, unknown>) {
    const { DatasetJobId } = await client.createDatasetJob(ds, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: spec });
    const job = await client.waitForJob(ds, DatasetJobId, { intervalMs: 100 });
    expect(job.Status, JSON.stringify(job)).toBe('Succeeded');
    return job;
  }
  async function all(items: AsyncIterable<DatasetItem>): Promise<DatasetItem[]> {
    const got: DatasetItem[] = [];
    for await (const item of items) got.push(item);
    return got;
  }
  /** Every item opens with `verify` (its fingerprint is the file's) and holds the original's bytes. */
  async function expectOpensAsOriginal(items: DatasetItem[]) {
    for (const item of items) {
      const bytes = await item.read();
      expect(bytes.equals(await readFile(fileURLToPath(item.uri)))).toBe(true);
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-e2e-export-'));
    coco = (await readFile(path.join(fixturesDir!, 'coco', 'dataset.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CocoRow);
    server = await startServer(path.join(dir, 'data'), { LOUPE_FILE_ROOTS: [dir, fixturesDir!].join(':') });
    client = new LoupeClient({ url: server.url, apiKey: server.apiKey });
    ds = (await client.createDataset({ Name: 'coco', Uri: pathToFileURL(cocoImages()).href })).DatasetId;
    const classic = (await client.createConnection({ ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection' })).ConnectionId;
    const local = (await client.createConnection({ ConnectionName: 'local', ConnectionType: 'LocalVectorConnection' })).ConnectionId;
    const put = await client.putIndexConfig(ds, { EmbeddingConnectionId: classic, VectorConnectionId: local, IndexName: 'coco', RefreshNow: true });
    expect((await client.waitForJob(ds, put.DatasetJobId!, { intervalMs: 200 })).Status).toBe('Succeeded');
    const idOf = new Map<string, string>();
    for await (const m of client.iterateFileMetas(ds, { MaxResults: 100 })) idOf.set(m.FileName, m.DatasetFileMetaId);
    const edits = coco.map((r) => ({ DatasetFileMetaId: idOf.get(path.basename(r.file))!, Tags: { user: { add: r.tags } } }));
    for (let i = 0; i < edits.length; i += 20) expect((await client.updateDatasetFileMetas(ds, { DatasetFileMetas: edits.slice(i, i + 20) })).Status).toBe(true);
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a MIX search exported as manifest.jsonl loads in score order, every file its original with its fingerprint', async () => {
    const query = path.join(cocoImages(), path.basename(coco.find((r) => r.tags.includes('dog'))!.file));
    const search = { QueryImage: pathToFileURL(query).href, TopK: 20, QueryTagsIncludeAny: ['dog', 'cat'] };
    const job = await exportAndWait({ search, target: 'file', format: 'manifest', uri: out('pets') });
    const items = await all(loadManifest(out('pets'), { verify: true }));
    const pets = new Set([...labelled('dog'), ...labelled('cat')]);
    expect(items.length).toBe(Math.min(20, pets.size));
    expect(job.Output).toMatchObject({ FileCount: items.length });
    expect(items[0]!.fileName).toBe(path.basename(query)); // the query photo itself first
    for (const [i, item] of items.entries()) {
      expect(pets.has(item.fileName)).toBe(true);
      expect(item.tags.some((t) => t === 'dog' || t === 'cat')).toBe(true);
      expect(item.score).toBeTypeOf('number');
      if (i) expect(item.score!).toBeLessThanOrEqual(items[i - 1]!.score!);
      expect(item.metaAttributes).toMatchObject({ ImageWidth: expect.any(Number), ImageHeight: expect.any(Number) });
    }
    await expectOpensAsOriginal(items);
    // The same search through the API returns the same files in the same order.
    const page = await client.searchDatasetFileMetas(ds, { ...search, MaxResults: 100 });
    expect(items.map((i) => i.datasetFileMetaId)).toEqual(page.DatasetFileMetas.map((m) => m.DatasetFileMetaId));
    const description = JSON.parse(await readFile(path.join(dir, 'exports', 'pets', 'export.json'), 'utf8'));
    expect(description).toMatchObject({ Format: 'manifest', Search: search, VectorSearch: { TopK: 20, IndexName: 'coco', EmbedderId: 'classic:v1' } });
  });

  it("PAI's JobSpec writes PAI's layout: the top TopK of a ranked search in a new folder, lines of the attributes asked for, loaded through the manifest", async () => {
    const query = path.join(cocoImages(), path.basename(coco.find((r) => r.tags.includes('dog'))!.file));
    const search = { QueryImage: pathToFileURL(query).href, TopK: 15, QueryTagsIncludeAny: ['dog', 'cat'] };
    const job = await exportAndWait({ query: search, exportDirUri: out('pai'), filteredAttributes: 'Uri,DatasetFileMetaId,FileName,FileFingerPrint,Tags.user' });
    const folder = job.Output!.Uri!;
    expect(folder).toMatch(new RegExp(`^${out('pai')}${ds}-v1-\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}/$`));
    expect(job.Output!.Files).toEqual(['pai_dataset_filemeta_00000.jsonl', 'pai_dataset_filemeta_manifest.yaml', 'export.json']);
    const manifest = await readFile(fileURLToPath(folder + 'pai_dataset_filemeta_manifest.yaml'), 'utf8');
    expect(manifest).toContain(`\ndatasetId: "${ds}"\ndatasetVersion: "v1"\n`);
    expect(manifest).toContain('\nfilteredAttributes: ["Uri", "DatasetFileMetaId", "FileName", "FileFingerPrint", "Tags.user"]\n');
    const rows = (await readFile(fileURLToPath(folder + 'pai_dataset_filemeta_00000.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const pets = new Set([...labelled('dog'), ...labelled('cat')]);
    expect(rows.length).toBe(Math.min(15, pets.size));
    expect(manifest).toContain(`\ntotalCount: ${rows.length}\nfiles:\n  - name: "pai_dataset_filemeta_00000.jsonl"\n    count: ${rows.length}\n`);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(['Uri', 'DatasetFileMetaId', 'FileName', 'FileFingerPrint', 'Tags']);
      expect(pets.has(r.FileName)).toBe(true);
      expect(Object.keys(typeof r.Tags === 'string' ? JSON.parse(r.Tags) : r.Tags)).toEqual(['user']);
    }
    // The same files in the same order as the search through the API; every one opens as its original.
    const page = await client.searchDatasetFileMetas(ds, { ...search, MaxResults: 100 });
    expect(rows.map((r) => r.DatasetFileMetaId)).toEqual(page.DatasetFileMetas.slice(0, 15).map((m) => m.DatasetFileMetaId));
    const items = await all(loadManifest(folder, { verify: true }));
    expect(items.map((i) => i.datasetFileMetaId)).toEqual(rows.map((r) => r.DatasetFileMetaId));
    expect(items[0]!.fileName).toBe(path.basename(query));
    await expectOpensAsOriginal(items);
    // A ranked search exports at most 10,000 (its TopK): more is a 400 naming the field.
    const tooMany = await client
      .createDatasetJob(ds, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: { query: { ...search, TopK: 20_000 }, exportDirUri: out('pai') } })
      .then(
        () => undefined,
        (e: { status?: number; field?: string; message: string }) => e,
      );
    expect(tooMany).toMatchObject({ status: 400 });
    expect(tooMany!.message).toContain('JobSpec.query.TopK: at most 10000 with a text or image query');
  });

  it('CSV and the GME layout hold the same files; GME images are byte copies, and the layout is a labelled set', async () => {
    const search = { QueryTagsIncludeAll: ['person', 'dog'], SortBy: 'FileName', Order: 'ASC' };
    await exportAndWait({ search, target: 'file', format: 'csv', uri: out('csv') });
    await exportAndWait({ search, target: 'file', format: 'gme', uri: out('gme') });
    const expected = [...labelled('person')].filter((f) => labelled('dog').has(f)).sort();
    expect(expected.length).toBeGreaterThan(0);
    const csv = (await readFile(path.join(dir, 'exports', 'csv', 'export.csv'), 'utf8')).split('\r\n').filter(Boolean);
    expect(csv.slice(1).map((l) => l.split(',')[2])).toEqual(expected);
    const gme = (await readFile(path.join(dir, 'exports', 'gme', 'dataset.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(gme.map((r) => path.basename(fileURLToPath(r.uri)))).toEqual(expected);
    for (const r of gme) {
      expect(r.tags).toEqual(expect.arrayContaining(['person', 'dog']));
      const copy = await readFile(path.join(dir, 'exports', 'gme', r.file));
      expect(copy.equals(await readFile(fileURLToPath(r.uri)))).toBe(true);
    }
  });

  it('logical versions load through the SDK (files read from disk, or downloaded through the API) and diff', async () => {
    const logical = (await client.createDataset({ Name: 'pets-train', Edition: 'LOGICAL' })).DatasetId;
    const dogs = await exportAndWait({ search: { QueryTagsIncludeAny: ['dog'], SortBy: 'FileName', Order: 'ASC' }, target: 'logical', logicalDatasetId: logical });
    expect(dogs.Output).toMatchObject({ DatasetId: logical, VersionName: 'v1', FileCount: labelled('dog').size });
    const pets = await exportAndWait({ search: { QueryTagsIncludeAny: ['dog', 'cat'], SortBy: 'FileName', Order: 'ASC' }, target: 'logical', logicalDatasetId: logical });
    expect(pets.Output!.VersionName).toBe('v2');

    const v1 = await all(client.loadLogicalVersion(logical, 'v1', { verify: true }));
    expect(v1.map((i) => i.fileName)).toEqual([...labelled('dog')].sort());
    expect(v1.every((i) => i.sourceDatasetId === ds && i.tags.includes('dog'))).toBe(true);
    await expectOpensAsOriginal(v1);
    // A file that is not on this disk (say the reference came from another machine's object store) is
    // downloaded through the API with the client.
    const { read: _, ...fields } = v1[0]!;
    const remote = datasetItem({ ...fields, uri: 'oss://elsewhere/coco/' + fields.fileName }, { client, verify: true });
    expect((await remote.read()).equals(await readFile(fileURLToPath(v1[0]!.uri)))).toBe(true);
    await expect(datasetItem({ ...fields, uri: 'oss://elsewhere/x.jpg' }).read()).rejects.toThrow(/pass a client/);

    const diff = await client.diffVersions(logical, 'v2', { BaseVersion: 'v1', Change: 'Added', MaxResults: 1000 });
    const catsOnly = [...labelled('cat')].filter((f) => !labelled('dog').has(f)).sort();
    expect(diff).toMatchObject({ AddedCount: catsOnly.length, RemovedCount: 0, ChangedCount: 0 });
    expect(diff.References.map((r) => r.FileName).sort()).toEqual(catsOnly);
  });
});
