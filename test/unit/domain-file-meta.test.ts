// FileName and FileDir as people write them, from percent-encoded URIs; Tags.all's rule; PAI's FileType
// (and migration 11's SQL backfill of it); the Status filter's spellings.
import Database from 'better-sqlite3';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { paiFileTypeSql, SQLITE_MIGRATIONS } from '../../lib/adapters/metastore/sqlite-migrations.js';
import { allTags, FileStatus, paiFileTypeOf, splitUnderRoot, statusFilterOf } from '../../lib/domain/file-meta.js';

describe('splitUnderRoot', () => {
  const root = pathToFileURL('/data/photos').href + '/';
  const under = (rel: string) => pathToFileURL(`/data/photos/${rel}`).href;

  it('decodes percent-escapes so names and folders read (and search) as typed', () => {
    expect(splitUnderRoot(root, under('a b/c d.jpg'))).toEqual({ fileName: 'c d.jpg', fileDir: 'a b/' });
    expect(splitUnderRoot(root, under('城市/夜晚 1.jpg'))).toEqual({ fileName: '夜晚 1.jpg', fileDir: '城市/' });
    expect(splitUnderRoot(root, under('x.jpg'))).toEqual({ fileName: 'x.jpg', fileDir: '' });
    expect(splitUnderRoot(root, under('100%/#1.jpg'))).toEqual({ fileName: '#1.jpg', fileDir: '100%/' });
  });

  it('keeps a key that is not valid percent-encoding as it is', () => {
    expect(splitUnderRoot('oss://bucket/p/', 'oss://bucket/p/50%off/a%zz.jpg')).toEqual({ fileName: 'a%zz.jpg', fileDir: '50%off/' });
  });
});

describe('allTags', () => {
  it('is ai ∪ user − user-delete-ai-tags, ai first, no duplicates', () => {
    expect(allTags({ ai: ['car', 'road', 'rain'], user: ['night', 'car'], userDeleteAiTags: ['rain'] })).toEqual(['car', 'road', 'night']);
  });
});

describe("PAI's FileType (the MIME top-level type)", () => {
  it.each([
    ['jpeg', 'a.jpg', 'image'],
    ['png', 'no-extension', 'image'],
    ['', 'broken.JPG', 'image'], // an image by name whose bytes are not one (FAILED)
    ['', 'photo.heic', 'image'],
    ['heic', 'photo.heic', 'image'],
    ['', 'dataset.jsonl', 'application'],
    ['jsonl', 'dataset.jsonl', 'application'],
    ['', 'notes.md', 'text'],
    ['', 'labels.CSV', 'text'],
    ['', 'clip.mp4', 'video'],
    ['', 'song.mp3', 'audio'],
    ['', 'README', ''],
    ['', '.hidden', ''],
    ['', 'x.', ''],
  ])('format %j, name %j → %j', (format, name, type) => {
    expect(paiFileTypeOf(format, name)).toBe(type);
  });

  it('migration 11 backfills the same FileType in SQL as paiFileTypeOf', () => {
    const db = new Database(':memory:');
    const names = ['a.jpg', 'a.JPG', 'b.heic', 'x', '.hidden', 'a.b.txt', 'data.jsonl', 'movie.MP4', 'song.mp3', 'notes.md', 'x.', 'a..png', 'ü.ÜBER', 'a.tar.gz', '', 'photo']; // (a file_name holds no '/')
    const formats = ['', 'jpeg', 'png', 'jpg', 'txt', 'mp4', 'heic', 'PNG', 'jsonl'];
    const st = db.prepare(`SELECT ${paiFileTypeSql('@format', '@name')}`).pluck();
    for (const name of names) for (const format of formats) expect(st.get({ format, name }), `${format} ${name}`).toBe(paiFileTypeOf(format, name));
  });

  it('migration 11 moves the old file_type (the format) to file_format on a database with rows', () => {
    const db = new Database(':memory:');
    SQLITE_MIGRATIONS.slice(0, 10).forEach((m) => db.exec(m));
    const insert = db.prepare(
      `INSERT INTO file_metas (id, dataset_id, version_name, uri, file_name, file_dir, data_size, fingerprint, file_update_time, file_type, status, create_time, update_time)
       VALUES (?, 'd', 'v1', ?, ?, '', 1, 'e', 't', ?, ?, 't', 't')`,
    );
    insert.run('1', 'file:///x/a.jpg', 'a.jpg', 'png', 'ACTIVE'); // probed: the bytes are PNG
    insert.run('2', 'file:///x/b.jpg', 'b.jpg', 'jpg', 'PENDING'); // the extension, not probed yet
    insert.run('3', 'file:///x/data.jsonl', 'data.jsonl', '', 'SKIPPED');
    insert.run('4', 'file:///x/README', 'README', '', 'SKIPPED');
    db.exec(SQLITE_MIGRATIONS[10]!);
    expect(db.prepare('SELECT id, file_type, file_format, comment FROM file_metas ORDER BY id').all()).toEqual([
      { id: '1', file_type: 'image', file_format: 'png', comment: '' },
      { id: '2', file_type: 'image', file_format: 'jpg', comment: '' },
      { id: '3', file_type: 'application', file_format: '', comment: '' },
      { id: '4', file_type: '', file_format: '', comment: '' },
    ]);
  });
});

describe('the Status filter', () => {
  it("takes PAI's ACTIVE, ALL and DELETED, and comma lists of Loupe's statuses", () => {
    expect(statusFilterOf(undefined)).toBeUndefined();
    expect(statusFilterOf('')).toBeUndefined();
    expect(statusFilterOf('ACTIVE')).toEqual(['ACTIVE']);
    expect(statusFilterOf('all')).toEqual(FileStatus.options);
    expect(statusFilterOf('DELETED')).toEqual(['DELETED']);
    expect(statusFilterOf('pending, FAILED')).toEqual(['PENDING', 'FAILED']);
  });

  it('refuses an unknown status, and ALL inside a list, naming Status', () => {
    expect(() => statusFilterOf('ACTIVE,ALL')).toThrow(expect.objectContaining({ kind: 'Invalid', field: 'Status', message: expect.stringMatching(/ALL stands alone/) }));
    expect(() => statusFilterOf('GONE')).toThrow(expect.objectContaining({ kind: 'Invalid', field: 'Status', message: expect.stringMatching(/unknown status 'GONE'/) }));
  });
});
