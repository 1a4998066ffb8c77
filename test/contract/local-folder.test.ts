// LocalFolderObjectStore: the ObjectStore contract, plus what only a local folder has (symlinks, `..`, roots).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFolderObjectStore } from '../../lib/adapters/objectstore/local-folder.js';
import { expectDomainError } from '../support/domain-error.js';
import { objectStoreContract } from './object-store.contract.js';

const putFileUnder = (root: string) => async (key: string, data: Buffer | string) => {
  const file = path.join(root, ...key.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
};
const dirUri = (dir: string) => pathToFileURL(dir).href + '/';

objectStoreContract('LocalFolderObjectStore', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'loupe-os-'));
  return {
    store: new LocalFolderObjectStore({ roots: [root] }),
    rootUri: dirUri(root),
    putFile: putFileUnder(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('LocalFolderObjectStore (local only)', () => {
  let base: string; // holds `root/` (the allowed folder) and `outside/`
  let root: string;
  let outside: string;
  let store: LocalFolderObjectStore;
  let put: (key: string, data: Buffer | string) => Promise<void>;
  const uriOf = (...parts: string[]) => pathToFileURL(path.join(...parts)).href;
  const keysOf = async (prefixUri: string, maxKeys?: number) => {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(prefixUri, { cursor, maxKeys });
      keys.push(...page.objects.map((o) => decodeURIComponent(o.uri.slice(prefixUri.length))));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return keys;
  };

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'loupe-os-local-'));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret.txt'), 'secret');
    store = new LocalFolderObjectStore({ roots: [root] });
    put = putFileUnder(root);
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('refuses `..` segments, however they are spelled, even when they would lead inside a root', async () => {
    await put('a/1.txt', '1');
    const wide = new LocalFolderObjectStore({ roots: [base] });
    for (const s of [store, wide]) {
      for (const bad of [
        `${dirUri(root)}a/../../outside/secret.txt`,
        `${dirUri(root)}a/%2e%2e/%2E%2E/outside/secret.txt`,
        `${dirUri(root)}a/.%2e/1.txt`,
        `${dirUri(root)}a\\..\\1.txt`,
      ]) {
        await expectDomainError(s.read(bad), ['Forbidden', 'Invalid'], /\.\./);
        await expectDomainError(s.head(bad), ['Forbidden', 'Invalid']);
        await expectDomainError(s.list(bad), ['Forbidden', 'Invalid']);
        await expectDomainError(s.write(bad, 'x'), ['Forbidden', 'Invalid']);
        await expectDomainError(s.delete(bad), ['Forbidden', 'Invalid']);
      }
    }
  });

  it('refuses URIs outside its roots', async () => {
    const secret = uriOf(outside, 'secret.txt');
    await expectDomainError(store.head(secret), 'Forbidden', /outside the allowed folders/);
    await expectDomainError(store.read(secret), 'Forbidden');
    await expectDomainError(store.openReadStream(secret), 'Forbidden');
    await expectDomainError(store.list(dirUri(outside)), 'Forbidden');
    await expectDomainError(store.write(uriOf(outside, 'new.txt'), 'x'), 'Forbidden');
    await expectDomainError(store.delete(secret), 'Forbidden');
    // A sibling folder whose name merely starts with the root's is outside too.
    await mkdir(root + '-evil');
    await expectDomainError(store.list(dirUri(root + '-evil')), 'Forbidden');
    expect((await new LocalFolderObjectStore({ roots: [outside] }).read(secret)).toString()).toBe('secret');
  });

  it('refuses other schemes, hosts, queries and fragments', async () => {
    await expectDomainError(store.head('oss://bucket/a.jpg'), 'Invalid');
    await expectDomainError(store.head('file://otherhost/etc/passwd'), ['Invalid', 'Forbidden']);
    await expectDomainError(store.head(`${uriOf(root, 'a')}?x=1`), 'Invalid');
    await expectDomainError(store.head(`${uriOf(root, 'a')}#frag`), 'Invalid');
    await expectDomainError(store.head(`${uriOf(root, 'bad')}%E0%A4%A`), 'Invalid');
    await expectDomainError(store.list(dirUri(root), { maxKeys: 0 }), 'Invalid');
    await put('r.txt', 'abc');
    await expectDomainError(store.read(uriOf(root, 'r.txt'), { start: 3, end: 1 }), 'Invalid');
    await expectDomainError(store.read(uriOf(root, 'r.txt'), { start: -1, end: 1 }), 'Invalid');
  });

  it('refuses reading through a symlink that escapes the root', async () => {
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    await symlink(outside, path.join(root, 'linkdir'));
    for (const uri of [uriOf(root, 'link.txt'), uriOf(root, 'linkdir', 'secret.txt')]) {
      await expectDomainError(store.head(uri), 'Forbidden', /symbolic link/);
      await expectDomainError(store.read(uri), 'Forbidden');
      await expectDomainError(store.openReadStream(uri), 'Forbidden');
    }
    await expectDomainError(store.write(uriOf(root, 'linkdir', 'planted.txt'), 'x'), 'Forbidden');
    await expectDomainError(store.write(uriOf(root, 'linkdir', 'deeper', 'planted.txt'), 'x'), 'Forbidden');
    await expectDomainError(store.list(uriOf(root, 'linkdir') + '/'), 'Forbidden');
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });

  it('reads a FIFO as no object at once (a read never blocks waiting for a writer)', async () => {
    const fifo = path.join(root, 'pipe.jpg');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo here
    }
    await expectDomainError(store.read(uriOf(root, 'pipe.jpg')), 'NotFound');
    await expectDomainError(store.openReadStream(uriOf(root, 'pipe.jpg')), 'NotFound');
    expect(await keysOf(dirUri(root))).toEqual([]);
  });

  it('lists symlinks to files inside the prefix, skips those escaping it, and survives cycles', async () => {
    await put('data/a.txt', 'a');
    await put('data/sub/b.txt', 'b');
    await put('other/c.txt', 'c'); // inside the root, outside the listed prefix
    await symlink(path.join(root, 'data', 'a.txt'), path.join(root, 'data', 'link-a.txt'));
    await symlink('../a.txt', path.join(root, 'data', 'sub', 'rel-a.txt'));
    await symlink(path.join(root, 'other', 'c.txt'), path.join(root, 'data', 'link-c.txt'));
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'data', 'link-secret.txt'));
    await symlink(outside, path.join(root, 'data', 'link-outside'));
    await symlink(path.join(root, 'data'), path.join(root, 'data', 'sub', 'loop')); // a cycle
    await symlink(path.join(root, 'data', 'sub'), path.join(root, 'data', 'sub-alias')); // a folder inside
    await symlink(path.join(root, 'data', 'gone.txt'), path.join(root, 'data', 'dangling.txt'));

    const keys = await keysOf(dirUri(path.join(root, 'data')), 2);
    expect(keys).toEqual(['a.txt', 'link-a.txt', 'sub-alias/b.txt', 'sub-alias/rel-a.txt', 'sub/b.txt', 'sub/rel-a.txt']);
    expect((await store.read(uriOf(root, 'data', 'sub', 'rel-a.txt'))).toString()).toBe('a');
    // Listing the whole root, link-c is inside the prefix now.
    expect(await keysOf(dirUri(root))).toContain('data/link-c.txt');
  });

  it('lists a folder given without its trailing slash, and nothing for a file prefix', async () => {
    await put('d/1', '1');
    await put('d-2', '2');
    expect(await keysOf(uriOf(root, 'd'))).toEqual(['/1']);
    expect(await keysOf(uriOf(root, 'd-2'))).toEqual([]);
  });

  it('documents its etag: weak, from size and mtime in nanoseconds', async () => {
    await put('e.txt', 'hello');
    const file = path.join(root, 'e.txt');
    await utimes(file, new Date('2024-01-02T03:04:05.000Z'), new Date('2024-01-02T03:04:05.000Z'));
    const info = await store.head(uriOf(root, 'e.txt'));
    const mtimeNs = BigInt(Date.parse('2024-01-02T03:04:05.000Z')) * 1_000_000n;
    expect(info.etag).toBe(`W/"5-${mtimeNs.toString(16)}"`);
    expect(info.lastModified.toISOString()).toBe('2024-01-02T03:04:05.000Z');
  });

  it('writes atomically, leaving no temp files behind, and hides in-flight ones', async () => {
    const uri = uriOf(root, 'w', 'out.txt');
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.write(uri, `version ${i}`.padEnd(20))));
    expect(await readdir(path.join(root, 'w'))).toEqual(['out.txt']);
    expect((await store.read(uri)).toString()).toMatch(/^version \d+ +$/);
    await writeFile(path.join(root, 'w', '.loupe-tmp-abc-out.txt'), 'partial');
    expect(await keysOf(dirUri(root))).toEqual(['w/out.txt']);
    await expectDomainError(store.write(dirUri(path.join(root, 'w')), 'x'), 'Invalid');
    await expectDomainError(store.write(uriOf(root, 'w', 'out.txt', 'child'), 'x'), 'Invalid');
  });

  it('names a folder reached through a symlink by its real path, also below the link where nothing exists yet', async () => {
    await mkdir(path.join(root, 'real', 'deep'), { recursive: true });
    await symlink(path.join(root, 'real'), path.join(root, 'link'));
    const real = await store.canonicalFolder(dirUri(path.join(root, 'real')));
    expect(real).toBe(dirUri(await realpath(path.join(root, 'real'))));
    expect(await store.canonicalFolder(dirUri(path.join(root, 'link')))).toBe(real);
    expect(await store.canonicalFolder(uriOf(root, 'link', 'deep'))).toBe(real + 'deep/');
    expect(await store.canonicalFolder(uriOf(root, 'link', 'not', 'yet'))).toBe(real + 'not/yet/');
  });

  it('sees files added to a cached folder listing', async () => {
    await put('f/1', '1');
    expect(await keysOf(dirUri(root))).toEqual(['f/1']);
    await put('f/2', '2');
    expect(await keysOf(dirUri(root))).toEqual(['f/1', 'f/2']);
    // An old, cacheable folder: its mtime is set into the past after each change.
    const old = new Date(Date.now() - 60_000);
    await utimes(path.join(root, 'f'), old, old);
    expect(await keysOf(dirUri(root))).toEqual(['f/1', 'f/2']);
    await put('f/3', '3');
    expect(await keysOf(dirUri(root))).toEqual(['f/1', 'f/2', 'f/3']);
  });
});
