// Confinement (issue 10, items 2–5, and 11's start-up check): Loupe reads and writes local files only
// under its roots — by default the directory it starts in and the user's home — and never its data
// directory, a system folder, a hidden entry or anything a symlink leads to outside; a file replaced
// after indexing is never served under its old meta; no error quotes a file's bytes or tells whether a
// refused path exists; a job on storage that is no longer allowed is refused when it is created.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { defaultFileRoots, FileConfinement, fileRootsOf } from '../../lib/adapters/objectstore/file-confinement.js';
import { fileMetaId } from '../../lib/domain/ids.js';
import { resolveApiKeys } from '../../lib/runtime/api-keys.js';
import { ConfigError, loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { expectDomainError } from '../support/domain-error.js';
import { runFileMetaBuildByHand } from '../support/drain-queue.js';
import { tinyPng } from '../support/generate-images.js';
import { inProcessApi, type ApiCall } from '../support/in-process-api.js';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const dirUri = (p: string) => pathToFileURL(p).href + '/';
const fileUri = (p: string) => pathToFileURL(p).href;
/** What /etc/shadow's first line looks like: no answer may contain it. */
const SHADOW_LINE = 'root:*:19000:0:99999:7:::';

describe('confinement: the roots rule', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'loupe-conf-rule-'));
    await mkdir(path.join(tmp, 'a'));
    await writeFile(path.join(tmp, 'file.txt'), 'x');
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('#2 with no LOUPE_FILE_ROOTS the roots are the start directory and the home, never / nor the administrator’s /root', () => {
    expect(defaultFileRoots({ cwd: '/home/ann/loupe', home: '/home/ann', uid: 1000 })).toEqual(['/home/ann/loupe', '/home/ann']);
    expect(defaultFileRoots({ cwd: '/home/ann', home: '/home/ann', uid: 1000 })).toEqual(['/home/ann']);
    // Started from / as root: neither / nor /root is a root.
    expect(defaultFileRoots({ cwd: '/', home: '/root', uid: 0 })).toEqual([]);
    expect(defaultFileRoots({ cwd: '/srv/photos', home: '/root', uid: 0 })).toEqual(['/srv/photos']);
    // A start directory inside a system folder, or that is the data directory, is no root.
    expect(defaultFileRoots({ cwd: '/etc', home: '/home/ann', uid: 1000 })).toEqual(['/home/ann']);
    expect(defaultFileRoots({ cwd: '/root/work', home: '/root', uid: 0 })).toEqual([]);
    expect(defaultFileRoots({ cwd: '/srv/x/.loupe', home: '/home/ann', uid: 1000, dataDir: '/srv/x/.loupe' })).toEqual(['/home/ann']);
    // loadConfig applies it to where Loupe runs.
    expect(loadConfig({}, { cwd: path.join(tmp, 'a'), home: tmp, uid: 1000 }).fileRoots).toEqual([path.join(tmp, 'a'), tmp]);
  });

  it('#2 /var/backups, /var/cache, /var/mail and /var/spool are system folders, as /var/lib and /var/log are; /var/tmp is not', () => {
    const underVar = new FileConfinement({ roots: ['/var'] });
    for (const p of ['/var/backups/shadow.bak', '/var/cache/ldconfig/aux-cache', '/var/mail/root', '/var/spool/cron/crontabs/root', '/var/lib/x', '/var/log/auth.log']) {
      expect(underVar.allows(p), p).toBe(false);
    }
    expect(underVar.allows('/var/tmp/photos/a.png')).toBe(true);
    expect(defaultFileRoots({ cwd: '/var/spool/photos', home: '/home/ann', uid: 1000 })).toEqual(['/home/ann']);
    expect(defaultFileRoots({ cwd: '/var/tmp/photos', home: '/home/ann', uid: 1000 })).toEqual(['/var/tmp/photos', '/home/ann']);
  });

  it('#11 a LOUPE_FILE_ROOTS that names no usable folder stops start-up with a ConfigError naming the variable', () => {
    const host = { cwd: tmp, home: tmp, uid: 1000 };
    const refused: Array<[string, RegExp]> = [
      ['/nonexistent', /LOUPE_FILE_ROOTS: '\/nonexistent' does not exist/],
      [path.join(tmp, 'file.txt'), /LOUPE_FILE_ROOTS: .* is not a folder/],
      ['/', /LOUPE_FILE_ROOTS: '\/' is the filesystem root/],
      ['/etc', /LOUPE_FILE_ROOTS: '\/etc' is inside the system folder \/etc/],
      ['/proc/self', /LOUPE_FILE_ROOTS: .*system folder \/proc/],
      [`${tmp}:/usr/lib`, /LOUPE_FILE_ROOTS: '\/usr\/lib' is inside the system folder \/usr/],
      [path.join(tmp, 'a'), /LOUPE_FILE_ROOTS: .* is Loupe's data directory or inside it/],
    ];
    for (const [roots, message] of refused) {
      const load = () => loadConfig({ LOUPE_FILE_ROOTS: roots, LOUPE_DATA_DIR: path.join(tmp, 'a') }, host);
      expect(load, roots).toThrow(ConfigError);
      expect(load, roots).toThrow(message);
    }
    // Relative roots are resolved against the start directory; a root may hold the data directory.
    expect(loadConfig({ LOUPE_FILE_ROOTS: `a:${tmp}`, LOUPE_DATA_DIR: path.join(tmp, 'data') }, host).fileRoots).toEqual([path.join(tmp, 'a'), tmp]);
    // /root is a root only when it is Loupe's own home and named explicitly.
    expect(() => fileRootsOf('/root', { cwd: tmp, home: '/home/ann', uid: 1000, dataDir: path.join(tmp, 'data') })).toThrow(/system folder \/root/);
    if (existsSync('/root')) expect(fileRootsOf('/root', { cwd: tmp, home: '/root', uid: 0, dataDir: path.join(tmp, 'data') })).toEqual(['/root']);
  });

  it('#11 `loupe serve` with LOUPE_FILE_ROOTS=/nonexistent exits at once with one clear line, no stack trace', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts/serve.ts')], {
      cwd: projectRoot,
      env: { ...process.env, LOUPE_FILE_ROOTS: '/nonexistent', LOUPE_DATA_DIR: path.join(tmp, 'serve-data'), LOUPE_PORT: '0', LOUPE_API_KEYS: 'k', LOUPE_WORKER_THREADS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      // Today's code starts: stop it as soon as it says so.
      child.stdout.on('data', () => /Loupe is running/.test(out) && child.kill('SIGTERM'));
    });
    expect(code, out).toBe(2);
    expect(out).toMatch(/LOUPE_FILE_ROOTS: '\/nonexistent' does not exist/);
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);
});

describe('confinement on the default configuration (no LOUPE_FILE_ROOTS)', () => {
  // Loupe "starts" in <tmp>/start with home <tmp>/home; its data directory is <tmp>/start/state (not a
  // hidden name, so the data-directory rule is what refuses it).
  let tmp: string;
  let start: string;
  let home: string;
  let state: string;
  let outside: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  let call: ApiCall;
  let ds: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'loupe-conf-default-'));
    start = path.join(tmp, 'start');
    home = path.join(tmp, 'home');
    outside = path.join(tmp, 'outside');
    for (const d of [path.join(start, 'photos'), path.join(start, 'notes'), path.join(start, '.ssh'), path.join(home, 'pics'), outside]) await mkdir(d, { recursive: true });
    await writeFile(path.join(start, 'photos', 'a.png'), tinyPng(1));
    await writeFile(path.join(start, 'photos', '.hidden.png'), tinyPng(2));
    await writeFile(path.join(start, 'notes', 'passwd.txt'), `${SHADOW_LINE}\n`);
    await writeFile(path.join(start, '.ssh', 'id_rsa'), 'PRIVATE KEY');
    await writeFile(path.join(home, 'pics', 'b.png'), tinyPng(3));
    await writeFile(path.join(outside, 'secret.txt'), SHADOW_LINE);
    await symlink('/etc', path.join(start, 'etc-link'));
    await symlink(path.join(outside, 'secret.txt'), path.join(start, 'photos', 'leak.png'));

    const config = loadConfig({ LOUPE_DATA_DIR: 'state' }, { cwd: start, home, uid: 1000 });
    expect(config.fileRoots).toEqual([start, home]);
    state = config.dataDir;
    c = buildContainer(config, { log: jsonLogger('silent') }); // makes state/secret.key
    const keys = resolveApiKeys(undefined, state); // makes state/api-key, as `loupe serve` does
    app = createApi(c, keys.keys);
    call = inProcessApi(app, keys.keys[0]!);
    ds = (await call('POST', '/api/v1/datasets', { Name: 'photos', Uri: fileUri(path.join(start, 'photos')) })).body.DatasetId;
  });
  afterAll(async () => {
    await c?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('#2 /etc, /root, /proc/self, /, the data directory, a hidden folder and a symlink out of a root are refused as datasets (403)', async () => {
    expect(existsSync(path.join(state, 'secret.key')) && existsSync(path.join(state, 'api-key'))).toBe(true);
    for (const uri of [
      'file:///etc/',
      'file:///root/',
      'file:///proc/self/',
      'file:///',
      dirUri(state),
      dirUri(path.join(start, '.ssh')),
      dirUri(path.join(start, 'etc-link')),
      dirUri(outside),
    ]) {
      const r = await call('POST', '/api/v1/datasets', { Name: 'x', Uri: uri });
      expect([r.status, r.body.Code, r.body.Field], uri).toEqual([403, 'Forbidden', 'Uri']);
    }
    // Under the start directory and the home: fine.
    expect((await call('POST', '/api/v1/datasets', { Name: 'home', Uri: dirUri(path.join(home, 'pics')) })).status).toBe(200);
    expect((await call('POST', '/api/v1/datasets', { Name: 'start', Uri: dirUri(start) })).status).toBe(200);
  });

  it('#2 a dataset over a whole root lists neither the data directory, hidden entries nor links leaving it', async () => {
    const store = c.objects.forUri(dirUri(start));
    const keys = (await store.list(dirUri(start))).objects.map((o) => o.uri.slice(dirUri(start).length));
    expect(keys).toEqual(['notes/passwd.txt', 'photos/a.png']);
  });

  it('#2 /etc/shadow, the data directory’s secret.key and api-key are never read, not even through a file meta or its signed link', async () => {
    const store = c.objects.forUri('file:///');
    for (const uri of ['file:///etc/shadow', fileUri(path.join(state, 'secret.key')), fileUri(path.join(state, 'api-key')), fileUri(path.join(start, '.ssh', 'id_rsa'))]) {
      await expectDomainError(store.read(uri), 'Forbidden');
      await expectDomainError(store.openReadStream(uri), 'Forbidden');
      await expectDomainError(store.head(uri), 'Forbidden');
    }
    // File metas naming them (as a dataset registered before this rule could hold): still 403.
    const uris = ['file:///etc/shadow', fileUri(path.join(state, 'secret.key')), fileUri(path.join(state, 'api-key'))];
    await c.store.upsertListedFiles(
      uris.map((uri) => ({
        datasetFileMetaId: fileMetaId(ds, 'v1', uri),
        datasetId: ds,
        versionName: 'v1',
        uri,
        fileName: path.basename(uri),
        fileDir: '',
        dataSize: 64,
        fileFingerPrint: 'W/"40-1"',
        fileCreateTime: null,
        fileUpdateTime: new Date().toISOString(),
        fileType: 'image',
        fileFormat: 'png',
        reset: true,
      })),
      'job-planted',
      new Date().toISOString(),
    );
    for (const uri of uris) {
      const id = fileMetaId(ds, 'v1', uri);
      const direct = await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${id}/download`);
      expect([direct.status, direct.body.Code], uri).toEqual([403, 'Forbidden']);
      const signed = (await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${id}`)).body.DatasetFileMeta.DownloadUrl as string;
      const res = await app.fetch(new Request(signed)); // absolute; no key: the signature alone
      const text = await res.text();
      expect(res.status, uri).toBe(403);
      expect(text).not.toContain('root:');
    }
  });

  it('#2 writes obey the same rule: nothing lands in the data directory, a system folder, a hidden folder or through a link', async () => {
    const store = c.objects.forUri('file:///');
    for (const file of [path.join(state, 'planted.txt'), '/etc/loupe-planted.txt', path.join(start, '.ssh', 'authorized_keys'), path.join(start, 'etc-link', 'loupe-planted.txt'), path.join(outside, 'planted.txt')]) {
      await expectDomainError(store.write(fileUri(file), 'x'), 'Forbidden');
      expect(existsSync(file), file).toBe(false);
      await expectDomainError(store.delete(fileUri(file)), 'Forbidden');
    }
    await expectDomainError(store.delete(fileUri(path.join(state, 'api-key'))), 'Forbidden');
    expect(existsSync(path.join(state, 'api-key'))).toBe(true);
  });

  it('#4 a path outside the roots gets the same 403 whether it exists or not, and no message quotes a file’s bytes', async () => {
    const search = (q: Record<string, string>) => call('GET', `/api/v1/datasets/${ds}/datasetfilemetas?${new URLSearchParams(q)}`);
    const answer = async (uri: string) => {
      const r = await search({ QueryImage: uri });
      expect(r.status, uri).toBe(403);
      expect(JSON.stringify(r.body)).not.toContain('root:');
      return r.body.Message.split(uri).join('<URI>');
    };
    expect(await answer(fileUri(path.join(outside, 'secret.txt')))).toBe(await answer(fileUri(path.join(outside, 'absent.txt'))));
    expect(await answer('file:///etc/shadow')).toBe(await answer('file:///etc/no-such-file'));
    // Inside a root: a text file is described by its size, never quoted.
    const passwd = fileUri(path.join(start, 'notes', 'passwd.txt'));
    const r = await search({ QueryImage: passwd });
    expect([r.status, r.body.Message]).toEqual([400, `QueryImage: not a supported image (unknown signature, ${SHADOW_LINE.length + 1} bytes)`]);

    // A labels file that is not JSON: the line is named, never quoted.
    const gme = (await call('POST', '/api/v1/connections', { ConnectionName: 'g', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: 'http://127.0.0.1:9/' } })).body.ConnectionId;
    const vec = (await call('POST', '/api/v1/connections', { ConnectionName: 'v', ConnectionType: 'LocalVectorConnection' })).body.ConnectionId;
    const evaluate = (labelsUri: string) =>
      call('POST', `/api/v1/datasets/${ds}/evaluations`, { DatasetVersion: 'v1', LabelsUri: labelsUri, Indexes: [{ IndexName: 'i', EmbeddingConnectionId: gme, VectorConnectionId: vec }] });
    const labels = await evaluate(passwd);
    expect([labels.status, labels.body.Message]).toEqual([400, 'LabelsUri: line 1 is not JSON']);
    const [secret, absent] = await Promise.all([evaluate(fileUri(path.join(outside, 'secret.txt'))), evaluate(fileUri(path.join(outside, 'absent.txt')))]);
    expect([secret.status, absent.status]).toEqual([403, 403]);
    expect(secret.body.Message.replace('secret.txt', 'X')).toBe(absent.body.Message.replace('absent.txt', 'X'));
    expect(secret.body.Message).not.toContain('root:');
  });

  it('#4 a path through a symlink out of a root gets the same refusal whether or not it exists: QueryImage, LabelsUri, a dataset Uri, an export target', async () => {
    await symlink(state, path.join(start, 'data-link'));
    await symlink(path.join(outside, 'absent.txt'), path.join(start, 'dangling-out.png')); // a link whose target does not exist
    await symlink(path.join(outside, 'secret.txt'), path.join(start, 'link-out.png'));
    const at = (...p: string[]) => fileUri(path.join(start, ...p));
    // Each pair: an existing target, then an absent one, both reached through a link in the root.
    const pairs: Array<[string, string]> = [
      [at('etc-link', 'passwd'), at('etc-link', 'nope')],
      [at('etc-link', 'passwd', 'x'), at('etc-link', 'no-dir', 'x')],
      [at('data-link', 'api-key'), at('data-link', 'nope')],
      [at('data-link', 'secret.key'), at('data-link', 'a'.repeat(300))],
      [at('link-out.png'), at('dangling-out.png')],
    ];
    const gme = (await call('POST', '/api/v1/connections', { ConnectionName: 'g4', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: 'http://127.0.0.1:9/' } })).body.ConnectionId;
    const vec = (await call('POST', '/api/v1/connections', { ConnectionName: 'v4', ConnectionType: 'LocalVectorConnection' })).body.ConnectionId;
    const answers = {
      query: (uri: string) => call('GET', `/api/v1/datasets/${ds}/datasetfilemetas?${new URLSearchParams({ QueryImage: uri })}`),
      post: (uri: string) => call('POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/search`, { QueryImage: uri }),
      labels: (uri: string) =>
        call('POST', `/api/v1/datasets/${ds}/evaluations`, { DatasetVersion: 'v1', LabelsUri: uri, Indexes: [{ IndexName: 'i', EmbeddingConnectionId: gme, VectorConnectionId: vec }] }),
    };
    for (const [there, absent] of pairs) {
      for (const [name, ask] of Object.entries(answers)) {
        const [a, b] = [await ask(there), await ask(absent)];
        // 400 or 403 (whichever the field's rule gives a refused location), the same for both.
        expect([400, 403], `${name} ${absent}`).toContain(b.status);
        expect(a.status, `${name} ${absent}`).toBe(b.status);
        expect(b.body.Message.split(absent).join('<URI>'), `${name} ${absent}`).toBe(a.body.Message.split(there).join('<URI>'));
        expect(b.body.Message, name).toMatch(/symbolic link to a place that is not allowed/);
      }
    }
    // A dataset on a folder that does not exist behind the link: 403, as for one that does.
    for (const uri of [dirUri(path.join(start, 'etc-link', 'no-dir')), dirUri(path.join(start, 'data-link', 'no-dir')), dirUri(path.join(start, 'etc-link'))]) {
      const r = await call('POST', '/api/v1/datasets', { Name: 'x', Uri: uri });
      expect([r.status, r.body.Code], uri).toEqual([403, 'Forbidden']);
    }
    // The store itself: listing, heading, writing or deleting there is Forbidden, absent or not.
    const store = c.objects.forUri('file:///');
    await expectDomainError(store.list(dirUri(path.join(start, 'etc-link', 'no-dir'))), 'Forbidden');
    await expectDomainError(store.head(at('etc-link', 'nope')), 'Forbidden');
    await expectDomainError(store.delete(at('etc-link', 'no-dir', 'x')), 'Forbidden');
    await expectDomainError(store.write(at('dangling-out.png'), 'x'), 'Forbidden');
    expect(existsSync(path.join(outside, 'absent.txt'))).toBe(false);
    // An export into a new folder behind a link is refused when the job is created, not when it runs
    // (links in the home: the whole start directory is a dataset by now, which no export may enter).
    await symlink('/etc', path.join(home, 'etc-link'));
    await symlink(outside, path.join(home, 'out-link'));
    for (const folder of [path.join(home, 'etc-link', 'new-dir'), path.join(home, 'out-link', 'new-dir')]) {
      const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, {
        DatasetVersion: 'v1',
        JobAction: 'FileMetaExport',
        JobSpec: { search: {}, target: 'file', format: 'manifest', uri: dirUri(folder) },
      });
      expect([400, 403], `${folder}: ${JSON.stringify(r.body)}`).toContain(r.status);
      expect(r.body.Message).toMatch(/not allowed/);
    }
  });

  it('#4 a name over 255 bytes or a symlink loop is a 400 naming the URI in short, never a 500: QueryImage (GET and POST), LabelsUri, a dataset Uri', async () => {
    await symlink(path.join(start, 'loop'), path.join(start, 'loop'));
    const long = 'n'.repeat(300);
    const cases: Array<[string, RegExp]> = [
      [fileUri(path.join(start, 'photos', `${long}.png`)), /too long/],
      [fileUri(path.join(start, long, 'a.png')), /too long/],
      [fileUri(path.join(start, 'loop')), /too many symbolic links/],
    ];
    const gme = (await call('POST', '/api/v1/connections', { ConnectionName: 'g4b', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: 'http://127.0.0.1:9/' } })).body.ConnectionId;
    const vec = (await call('POST', '/api/v1/connections', { ConnectionName: 'v4b', ConnectionType: 'LocalVectorConnection' })).body.ConnectionId;
    for (const [uri, why] of cases) {
      for (const r of [
        await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas?${new URLSearchParams({ QueryImage: uri })}`),
        await call('POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/search`, { QueryImage: uri }),
        await call('POST', `/api/v1/datasets/${ds}/evaluations`, { DatasetVersion: 'v1', LabelsUri: uri, Indexes: [{ IndexName: 'i', EmbeddingConnectionId: gme, VectorConnectionId: vec }] }),
      ]) {
        expect([r.status, r.body.Code], uri).toEqual([400, 'InvalidParameter']);
        expect(r.body.Message, uri).toMatch(why);
        expect(r.body.Message).not.toContain('n'.repeat(101));
      }
    }
    // The store's own answer quotes at most about 100 characters of the URI.
    const store = c.objects.forUri('file:///');
    for (const call of [() => store.head(cases[0]![0]), () => store.list(`${cases[1]![0]}/`), () => store.write(cases[0]![0], 'x'), () => store.delete(cases[0]![0])]) {
      const e = await call().then(() => undefined, (err: unknown) => err as Error & { kind?: string });
      expect([e?.kind, e?.message.length! < 200], e?.message).toEqual(['Invalid', true]);
    }
    // A dataset on such a folder: a 400, not a 500.
    const r = await call('POST', '/api/v1/datasets', { Name: 'x', Uri: dirUri(path.join(start, long)) });
    expect(r.status).toBe(400);
  });
});

describe('confinement with explicit roots', () => {
  let tmp: string;
  let root: string;
  let photos: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  let call: ApiCall;
  let ds: string;
  const KEY = 'conf-explicit-key-0123456789';

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'loupe-conf-explicit-'));
    root = path.join(tmp, 'root');
    photos = path.join(root, 'photos');
    await mkdir(photos, { recursive: true });
    await mkdir(path.join(tmp, 'outside'));
    await writeFile(path.join(tmp, 'outside', 'secret.txt'), SHADOW_LINE);
    await writeFile(path.join(photos, 'real.png'), tinyPng(1, 16, 12));
    await writeFile(path.join(photos, 'other.png'), tinyPng(2, 24, 20));
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
    app = createApi(c, [KEY]);
    call = inProcessApi(app, KEY);
    ds = (await call('POST', '/api/v1/datasets', { Name: 'photos', Uri: fileUri(photos) })).body.DatasetId;
    // Index the folder: FileMetaBuild, its fan-out and its prober batches run by hand.
    expect(await runFileMetaBuildByHand(c, ds)).toMatchObject({ status: 'Succeeded', completedFileCount: 2 });
  });
  afterAll(async () => {
    await c?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('#3 a file replaced after indexing — by other bytes, a link to another file, or a link out — is never served under its old meta', async () => {
    const id = fileMetaId(ds, 'v1', fileUri(path.join(photos, 'real.png')));
    const download = () => call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${id}/download`);
    const thumbnail = () => call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${id}/thumbnail`);
    const real = path.join(photos, 'real.png');
    // As indexed: served.
    const served = await app.fetch(new Request(`http://loupe.test/api/v1/datasets/${ds}/datasetfilemetas/${id}/download`, { headers: { authorization: `Bearer ${KEY}` } }));
    expect([served.status, Buffer.from(await served.arrayBuffer()).equals(tinyPng(1, 16, 12))]).toEqual([200, true]);

    // A link to another indexed file of the dataset: its bytes are not real.png's.
    await unlink(real);
    await symlink(path.join(photos, 'other.png'), real);
    for (const r of [await download(), await thumbnail()]) {
      expect([r.status, r.body.Code]).toEqual([409, 'Conflict']);
      expect(r.body.Message).toBe('real.png changed since it was indexed; run FileMetaBuild (Increment)');
    }
    // A link out of the root, or to a system file.
    for (const target of [path.join(tmp, 'outside', 'secret.txt'), '/etc/shadow']) {
      await unlink(real);
      await symlink(target, real);
      for (const r of [await download(), await thumbnail()]) {
        expect([r.status, r.body.Code], target).toEqual([403, 'Forbidden']);
        expect(JSON.stringify(r.body)).not.toContain('root:');
      }
    }
    // Other bytes in place.
    await unlink(real);
    await writeFile(real, tinyPng(9, 30, 30));
    expect((await download()).status).toBe(409);
    // The meta still says what was indexed: the thumbnail refusal did not mark the file FAILED.
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${id}`)).body.DatasetFileMeta.Status).toBe('ACTIVE');
  });

  it('#5 a dataset whose folder is no longer inside the roots is refused at job creation (403), for every action', async () => {
    const dataDir = path.join(tmp, 'data5');
    const before = path.join(tmp, 'before');
    const now = path.join(tmp, 'now');
    await mkdir(path.join(before, 'photos'), { recursive: true });
    await mkdir(now);
    await writeFile(path.join(before, 'photos', 'a.png'), tinyPng(4));
    const env = { LOUPE_DATA_DIR: dataDir, LOUPE_API_KEYS: KEY };
    const first = buildContainer(loadConfig({ ...env, LOUPE_FILE_ROOTS: before }), { log: jsonLogger('silent') });
    const old = (await first.services.datasets.create({ name: 'old', uri: fileUri(path.join(before, 'photos')) })).datasetId;
    await first.close();

    const later = buildContainer(loadConfig({ ...env, LOUPE_FILE_ROOTS: now }), { log: jsonLogger('silent') });
    try {
      const api = inProcessApi(createApi(later, [KEY]), KEY);
      const jobs: Array<Record<string, unknown>> = [
        { JobAction: 'FileMetaBuild' },
        { JobAction: 'FileMetaBuild', JobMode: 'Increment' },
        { JobAction: 'IntelligentTag' },
        { JobAction: 'SemanticIndex' },
        { JobAction: 'FileMetaExport', JobSpec: { search: {}, target: 'file', format: 'manifest', uri: dirUri(path.join(now, 'out')) } },
      ];
      for (const job of jobs) {
        const r = await api('POST', `/api/v1/datasets/${old}/datasetjobs`, { DatasetVersion: 'v1', ...job });
        expect([r.status, r.body.Code], JSON.stringify(job)).toEqual([403, 'Forbidden']);
        expect(r.body.Message).toMatch(/outside the allowed folders/);
      }
      expect((await later.store.listJobs({ datasetId: old, maxResults: 10 })).items).toEqual([]);
      await expectDomainError(later.services.jobs.create({ datasetId: old, versionName: 'v1', jobAction: 'FileMetaBuild' }), 'Forbidden');
    } finally {
      await later.close();
    }
  });
});

describe('confinement: download and thumbnail serve images only', () => {
  let tmp: string;
  let photos: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  let call: ApiCall;
  let ds: string;
  const KEY = 'conf-images-key-0123456789';
  const NOTE = 'password=hunter2-do-not-serve';
  const idOf = (name: string) => fileMetaId(ds, 'v1', fileUri(path.join(photos, name)));
  const unsigned = (url: string) => app.fetch(new Request(url)); // an absolute signed URL; no key: the signature alone

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'loupe-conf-images-'));
    photos = path.join(tmp, 'root', 'photos');
    await mkdir(photos, { recursive: true });
    await writeFile(path.join(photos, 'a.png'), tinyPng(1, 16, 12));
    await writeFile(path.join(photos, 'notes.txt'), `${NOTE}\n`);
    await writeFile(path.join(photos, 'fake.jpg'), `${NOTE}\n`); // an image by name only: FAILED
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(tmp, 'data'), LOUPE_FILE_ROOTS: path.join(tmp, 'root'), LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
    app = createApi(c, [KEY]);
    call = inProcessApi(app, KEY);
    ds = (await call('POST', '/api/v1/datasets', { Name: 'photos', Uri: fileUri(photos) })).body.DatasetId;
    expect(await runFileMetaBuildByHand(c, ds)).toMatchObject({ completedFileCount: 1, failedFileCount: 1, skippedFileCount: 1 });
  });
  afterAll(async () => {
    await c?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('#2 a SKIPPED file (notes.txt) has no DownloadUrl nor ThumbnailUrl, and its download and thumbnail are a 403 quoting nothing', async () => {
    const listed = await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas?Status=SKIPPED`);
    expect(listed.status).toBe(200);
    expect(listed.body.DatasetFileMetas.map((m: { FileName: string; DownloadUrl: unknown; ThumbnailUrl: unknown }) => [m.FileName, m.DownloadUrl, m.ThumbnailUrl])).toEqual([
      ['notes.txt', null, null],
    ]);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${idOf('notes.txt')}`)).body.DatasetFileMeta).toMatchObject({ DownloadUrl: null, ThumbnailUrl: null });
    for (const what of ['download', 'thumbnail']) {
      const r = await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${idOf('notes.txt')}/${what}`);
      expect([r.status, r.body.Code, r.body.Message], what).toEqual([403, 'Forbidden', 'not an image: Loupe serves only image files']);
    }
    // An image keeps its links, and they serve it.
    const png = (await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${idOf('a.png')}`)).body.DatasetFileMeta;
    const res = await unsigned(png.DownloadUrl);
    expect([res.status, Buffer.from(await res.arrayBuffer()).equals(tinyPng(1, 16, 12))]).toEqual([200, true]);
    expect((await unsigned(png.ThumbnailUrl)).status).toBe(200);
  });

  it('#2 a file whose bytes are no image — FAILED, or PENDING not probed yet — is refused by its first bytes before any is sent, even through its signed link', async () => {
    const fake = (await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${idOf('fake.jpg')}`)).body.DatasetFileMeta;
    expect(fake.Status).toBe('FAILED');
    // Files added since the build, listed but not probed: a text file named .png, and a large image
    // (a PNG signature, then more than one read chunk) that must come out whole.
    const big = Buffer.concat([tinyPng(5), Buffer.alloc(300_000, 7)]);
    await writeFile(path.join(photos, 'later.png'), `${NOTE}\n`);
    await writeFile(path.join(photos, 'big.png'), big);
    const store = c.objects.forUri(fileUri(photos));
    const rows = [];
    for (const name of ['later.png', 'big.png']) {
      const info = await store.head(fileUri(path.join(photos, name)));
      rows.push({
        datasetFileMetaId: idOf(name),
        datasetId: ds,
        versionName: 'v1',
        uri: fileUri(path.join(photos, name)),
        fileName: name,
        fileDir: '',
        dataSize: info.size,
        fileFingerPrint: info.etag,
        fileCreateTime: null,
        fileUpdateTime: new Date().toISOString(),
        fileType: 'image',
        fileFormat: 'png',
        reset: true,
      });
    }
    await c.store.upsertListedFiles(rows, 'job-later', new Date().toISOString());
    const later = (await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${idOf('later.png')}`)).body.DatasetFileMeta;
    expect(later.Status).toBe('PENDING');
    for (const meta of [fake, later]) {
      for (const url of [meta.DownloadUrl, meta.ThumbnailUrl]) {
        const res = await unsigned(url);
        const text = await res.text();
        expect([res.status, JSON.parse(text).Message], `${meta.FileName} ${url}`).toEqual([403, 'not an image: Loupe serves only image files']);
        expect(text).not.toContain('hunter2');
      }
    }
    const bigMeta = (await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${idOf('big.png')}`)).body.DatasetFileMeta;
    const res = await unsigned(bigMeta.DownloadUrl);
    expect([res.status, Buffer.from(await res.arrayBuffer()).equals(big)]).toEqual([200, true]);
  });
});
