// Contract suite of the ObjectStore port: every adapter (folder, OSS, ...) runs it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectInfo, ObjectStore } from '../../lib/ports/object-store.js';
import { expectDomainError } from '../support/domain-error.js';

export interface ObjectStoreFixture {
  store: ObjectStore;
  /** An empty prefix for this test, ending with `/` (e.g. `file:///tmp/x/` or `oss://bucket/run-1/`). */
  rootUri: string;
  /** Puts an object at `key` (relative to `rootUri`, `/`-separated) behind the store's back. */
  putFile(key: string, data: Buffer | string): Promise<void>;
  cleanup(): Promise<void>;
}

/** OSS orders keys by their UTF-8 bytes. */
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function objectStoreContract(name: string, makeFixture: () => Promise<ObjectStoreFixture>) {
  describe(`ObjectStore contract: ${name}`, () => {
    let fx: ObjectStoreFixture;
    beforeEach(async () => {
      fx = await makeFixture();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    /** Puts each key with its own name as content, so a listed URI can be told apart by reading it. */
    const putKeys = async (keys: string[]) => {
      for (const key of keys) await fx.putFile(key, key);
    };
    const listAll = async (prefixUri: string, maxKeys?: number) => {
      const pages: ObjectInfo[][] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 10_000; guard++) {
        const page = await fx.store.list(prefixUri, { cursor, maxKeys });
        pages.push(page.objects);
        if (page.nextCursor === undefined) break;
        cursor = page.nextCursor;
      }
      return pages;
    };
    /** The key each listed object holds (its content). */
    const keysOf = async (objects: ObjectInfo[]) =>
      Promise.all(objects.map(async (o) => (await fx.store.read(o.uri)).toString('utf8')));

    const nested = ['a/x', 'a/y/z', 'a/y/w', 'a-b', 'a.b', 'a0', 'ab/c', 'A', 'b', 'c/d/e/f', 'c/d/e/g', 'c/d0', 'z'];

    it('lists nothing under an empty or absent prefix', async () => {
      expect(await fx.store.list(fx.rootUri)).toEqual({ objects: [] });
      expect(await fx.store.list(fx.rootUri + 'nothing/here/')).toEqual({ objects: [] });
    });

    it('checks that a dataset prefix exists (an empty one is fine)', async () => {
      await fx.store.checkPrefix(fx.rootUri);
      await fx.putFile('sub/a.txt', 'sub/a.txt');
      await fx.store.checkPrefix(fx.rootUri + 'sub/');
      await expectDomainError(fx.store.checkPrefix(fx.rootUri + 'no/such/folder/'), 'NotFound');
    });

    it('lists recursively in lexicographic key order, folders interleaved with files', async () => {
      await putKeys(nested);
      const [page, ...more] = await listAll(fx.rootUri);
      expect(more).toEqual([]);
      expect(await keysOf(page!)).toEqual([...nested].sort(byUtf8));
      for (const o of page!) expect(o.uri.startsWith(fx.rootUri)).toBe(true);
    });

    it('pages with a small maxKeys across nested folders, each page full but the last', async () => {
      await putKeys(nested);
      const expected = [...nested].sort(byUtf8);
      for (const maxKeys of [1, 2, 3, 5, 13, 14]) {
        const pages = await listAll(fx.rootUri, maxKeys);
        expect(pages.length).toBe(Math.max(1, Math.ceil(expected.length / maxKeys)));
        pages.slice(0, -1).forEach((p) => expect(p.length).toBe(maxKeys));
        expect(await keysOf(pages.flat())).toEqual(expected);
      }
    });

    it('resumes from a cursor without repeating or skipping keys', async () => {
      await putKeys(nested);
      const expected = [...nested].sort(byUtf8);
      const first = await fx.store.list(fx.rootUri, { maxKeys: 4 });
      expect(first.nextCursor).toBeDefined();
      // A later listing (say, another function instance) resumes from the saved cursor alone.
      const resumed = await fx.store.list(fx.rootUri, { cursor: first.nextCursor });
      expect(await keysOf(resumed.objects)).toEqual(expected.slice(4));
      expect(resumed.nextCursor).toBeUndefined();
    });

    it('picks up keys added between pages after the cursor', async () => {
      await putKeys(['a', 'c', 'e']);
      const first = await fx.store.list(fx.rootUri, { maxKeys: 2 });
      await putKeys(['b', 'd/1']);
      const second = await fx.store.list(fx.rootUri, { cursor: first.nextCursor });
      expect(await keysOf(second.objects)).toEqual(['d/1', 'e']);
    });

    it('lists only under a folder prefix, not its namesakes', async () => {
      await putKeys(nested);
      const pages = await listAll(fx.rootUri + 'a/', 2);
      expect(await keysOf(pages.flat())).toEqual(['a/x', 'a/y/w', 'a/y/z']);
    });

    it('caps the page at 1000 keys', async () => {
      const keys = Array.from({ length: 1005 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
      await Promise.all(keys.map((k) => fx.putFile(k, 'x')));
      const first = await fx.store.list(fx.rootUri, { maxKeys: 5000 });
      expect(first.objects.length).toBe(1000);
      const second = await fx.store.list(fx.rootUri, { cursor: first.nextCursor });
      expect(second.objects.length).toBe(5);
      expect(second.nextCursor).toBeUndefined();
    });

    it('heads an object: size, etag, dates, and the listed URI', async () => {
      await fx.putFile('dir/file.bin', Buffer.alloc(1234, 7));
      const [listed] = (await fx.store.list(fx.rootUri)).objects;
      const info = await fx.store.head(listed!.uri);
      expect(info.uri).toBe(listed!.uri);
      expect(info.size).toBe(1234);
      expect(info.etag).toBe(listed!.etag);
      expect(info.etag.length).toBeGreaterThan(0);
      expect(info.lastModified).toBeInstanceOf(Date);
      expect(Math.abs(info.lastModified.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    });

    it('gets an object whole with the same metadata as head, or only the metadata when over maxBytes', async () => {
      await fx.putFile('g/one.bin', Buffer.alloc(300, 3));
      const uri = (await fx.store.list(fx.rootUri)).objects[0]!.uri;
      const head = await fx.store.head(uri);
      const got = await fx.store.get(uri);
      expect(got.info.etag).toBe(head.etag);
      expect(got.info.size).toBe(300);
      expect(got.data).toEqual(Buffer.alloc(300, 3));
      expect((await fx.store.get(uri, { maxBytes: 300 })).data?.length).toBe(300);
      const over = await fx.store.get(uri, { maxBytes: 299 });
      expect(over.data).toBeUndefined();
      expect(over.info.etag).toBe(head.etag);
      await expectDomainError(fx.store.get(fx.rootUri + 'absent.bin'), 'NotFound');
      await expectDomainError(fx.store.get(fx.rootUri + 'g'), 'NotFound');
    });

    it('reports NotFound for absent objects and for folders', async () => {
      await fx.putFile('dir/file.txt', 'x');
      await expectDomainError(fx.store.head(fx.rootUri + 'absent.txt'), 'NotFound');
      await expectDomainError(fx.store.read(fx.rootUri + 'absent.txt'), 'NotFound');
      await expectDomainError(fx.store.openReadStream(fx.rootUri + 'absent.txt'), 'NotFound');
      await expectDomainError(fx.store.head(fx.rootUri + 'dir'), 'NotFound');
      await expectDomainError(fx.store.head(fx.rootUri + 'dir/'), 'NotFound');
      await expectDomainError(fx.store.read(fx.rootUri + 'dir'), 'NotFound');
    });

    it('reads whole objects, ranges, and ranges cut at the end', async () => {
      await fx.putFile('r.txt', '0123456789');
      const uri = fx.rootUri + 'r.txt';
      expect((await fx.store.read(uri)).toString()).toBe('0123456789');
      expect((await fx.store.read(uri, { start: 2, end: 5 })).toString()).toBe('234');
      expect((await fx.store.read(uri, { start: 7, end: 100 })).toString()).toBe('789');
      expect((await fx.store.read(uri, { start: 4, end: 4 })).length).toBe(0);
      expect((await fx.store.read(uri, { start: 10, end: 20 })).length).toBe(0);
      expect((await fx.store.read(uri, { start: 50, end: 60 })).length).toBe(0);
    });

    it('streams whole objects', async () => {
      const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
      await fx.putFile('big.bin', data);
      const chunks: Buffer[] = [];
      for await (const chunk of await fx.store.openReadStream(fx.rootUri + 'big.bin')) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    });

    it('writes objects, creating folders, and overwrites them', async () => {
      const uri = fx.rootUri + 'new/deep/folder/out.json';
      await fx.store.write(uri, '{"a":1}');
      expect((await fx.store.read(uri)).toString()).toBe('{"a":1}');
      await fx.store.write(uri, Buffer.from('[]'));
      expect((await fx.store.read(uri)).toString()).toBe('[]');
      expect((await fx.store.head(uri)).size).toBe(2);
      const listed = (await fx.store.list(fx.rootUri)).objects;
      expect(listed.length).toBe(1);
      expect(await keysOf(listed)).toEqual(['[]']);
    });

    it('writes a stream of chunks atomically: readers never see a part, a failed stream leaves the old object', async () => {
      const uri = fx.rootUri + 'exports/manifest.jsonl';
      await fx.store.write(uri, 'old\n');
      let seenMidway: string | undefined;
      async function* lines() {
        for (let i = 0; i < 1000; i++) {
          if (i === 500) seenMidway = (await fx.store.read(uri)).toString();
          yield i % 2 ? `line ${i}\n` : Buffer.from(`line ${i}\n`);
        }
      }
      await fx.store.write(uri, lines());
      expect(seenMidway).toBe('old\n');
      const text = (await fx.store.read(uri)).toString();
      expect(text.split('\n').length).toBe(1001);
      expect(text.startsWith('line 0\nline 1\n')).toBe(true);
      async function* broken() {
        yield 'partial\n';
        throw new Error('source failed');
      }
      await expect(fx.store.write(uri, broken())).rejects.toThrow('source failed');
      expect((await fx.store.read(uri)).toString()).toBe(text);
      expect(await keysOf((await fx.store.list(fx.rootUri)).objects)).toEqual([text]);
    });

    it('copies an object to another key, replacing the target', async () => {
      await putKeys(['src/a.jpg']);
      const from = fx.rootUri + 'src/a.jpg';
      await fx.store.write(fx.rootUri + 'dst/images/a.jpg', 'old');
      await fx.store.copy(from, fx.rootUri + 'dst/images/a.jpg');
      expect((await fx.store.read(fx.rootUri + 'dst/images/a.jpg')).equals(await fx.store.read(from))).toBe(true);
      await expectDomainError(fx.store.copy(fx.rootUri + 'src/missing.jpg', fx.rootUri + 'dst/x.jpg'), 'NotFound');
    });

    it('copies with ifMatch only while the source is the expected one, else Conflict and nothing written', async () => {
      await putKeys(['src/m.jpg']);
      const from = fx.rootUri + 'src/m.jpg';
      const etag = (await fx.store.head(from)).etag;
      await fx.store.copy(from, fx.rootUri + 'dst/m.jpg', { ifMatch: etag });
      expect((await fx.store.read(fx.rootUri + 'dst/m.jpg')).toString()).toBe('src/m.jpg');
      await fx.store.write(from, 'replaced since');
      await expectDomainError(fx.store.copy(from, fx.rootUri + 'dst/n.jpg', { ifMatch: etag }), 'Conflict');
      await expectDomainError(fx.store.head(fx.rootUri + 'dst/n.jpg'), 'NotFound');
    });

    it('names a folder canonically: one spelling ending with /, whether it exists or not, and prefixes compare', async () => {
      await putKeys(['c/d/e.txt']);
      const c = await fx.store.canonicalFolder(fx.rootUri + 'c/');
      expect(c.endsWith('/')).toBe(true);
      expect(await fx.store.canonicalFolder(fx.rootUri + 'c')).toBe(c);
      expect(await fx.store.canonicalFolder(fx.rootUri + 'c/d/')).toBe(c + 'd/');
      expect(await fx.store.canonicalFolder(fx.rootUri + 'c/not/yet/')).toBe(c + 'not/yet/');
    });

    it('changes the etag when content is rewritten, even at the same size', async () => {
      const uri = fx.rootUri + 'e.txt';
      await fx.store.write(uri, 'hello');
      const first = (await fx.store.head(uri)).etag;
      expect((await fx.store.head(uri)).etag).toBe(first); // stable while unchanged
      await fx.store.write(uri, 'world');
      const second = (await fx.store.head(uri)).etag;
      expect(second).not.toBe(first);
      await fx.putFile('e.txt', 'a longer content');
      expect((await fx.store.head(uri)).etag).not.toBe(second);
    });

    it('reads with ifMatch only while the etag is the expected one, else Conflict (If-Match)', async () => {
      const uri = fx.rootUri + 'm.txt';
      await fx.store.write(uri, 'indexed');
      const etag = (await fx.store.head(uri)).etag;
      expect((await fx.store.read(uri, undefined, { ifMatch: etag })).toString()).toBe('indexed');
      expect((await fx.store.get(uri, { ifMatch: etag })).data?.toString()).toBe('indexed');
      const chunks: Buffer[] = [];
      for await (const c of await fx.store.openReadStream(uri, { ifMatch: etag })) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('indexed');
      await fx.store.write(uri, 'replaced since');
      await expectDomainError(fx.store.read(uri, { start: 0, end: 4 }, { ifMatch: etag }), 'Conflict');
      await expectDomainError(fx.store.get(uri, { ifMatch: etag }), 'Conflict');
      await expectDomainError(fx.store.openReadStream(uri, { ifMatch: etag }), 'Conflict');
    });

    it('reads an object\'s head with its metadata in one call: the first bytes, fewer when shorter; NotFound, Conflict', async () => {
      const uri = fx.rootUri + 'h.bin';
      await fx.store.write(uri, 'abcdefghij');
      const info = await fx.store.head(uri);
      const { info: got, data } = await fx.store.readHead(uri, 4);
      expect(data.toString()).toBe('abcd');
      expect(got).toMatchObject({ uri: info.uri, size: 10, etag: info.etag });
      expect((await fx.store.readHead(uri, 64, { ifMatch: info.etag })).data.toString()).toBe('abcdefghij');
      expect((await fx.store.readHead(uri, 0)).data.length).toBe(0);
      await expectDomainError(fx.store.readHead(fx.rootUri + 'no/such', 4), 'NotFound');
      await fx.store.write(uri, 'changed!');
      await expectDomainError(fx.store.readHead(uri, 4, { ifMatch: info.etag }), 'Conflict');
    });

    it('deletes objects; deleting an absent one is fine', async () => {
      await putKeys(['d/1', 'd/2']);
      await fx.store.delete(fx.rootUri + 'd/1');
      await expectDomainError(fx.store.head(fx.rootUri + 'd/1'), 'NotFound');
      expect(await keysOf((await fx.store.list(fx.rootUri)).objects)).toEqual(['d/2']);
      await fx.store.delete(fx.rootUri + 'd/1');
      await fx.store.delete(fx.rootUri + 'never/was');
    });

    it('round-trips keys with special characters through listed URIs', async () => {
      const keys = [
        'sp ace.jpg',
        'per%cent.jpg',
        '%41%2F.jpg',
        'hash#tag.jpg',
        'q?mark.jpg',
        'amp&eq=semi;comma,.jpg',
        "quote'\"bang!.jpg",
        'plus+tilde~.jpg',
        'ünï/cödé.jpg',
        '日本語/写真 1.png',
        'emoji😀.jpg',
        'fullwidth～.jpg',
        '[brackets]{braces}.jpg',
      ];
      await putKeys(keys);
      const pages = await listAll(fx.rootUri, 4);
      const objects = pages.flat();
      expect(await keysOf(objects)).toEqual([...keys].sort(byUtf8));
      for (const o of objects) {
        const info = await fx.store.head(o.uri);
        expect(info.uri).toBe(o.uri);
        expect(info.size).toBe(Buffer.byteLength((await fx.store.read(o.uri)).toString()));
        await fx.store.write(o.uri, 'rewritten');
        expect((await fx.store.read(o.uri)).toString()).toBe('rewritten');
      }
      expect((await listAll(fx.rootUri)).flat().length).toBe(keys.length);
      for (const o of objects) await fx.store.delete(o.uri);
      expect(await fx.store.list(fx.rootUri)).toEqual({ objects: [] });
    });
  });
}
