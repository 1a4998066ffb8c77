// The SQLite store's in-memory index (large versions are searched through it) against the reference
// evaluator: thousands of random queries over generated files, keyset paging in every sort order equal
// to the SQL path page for page, and catching up with writes made by another connection.
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteMetaStore } from '../../lib/adapters/metastore/sqlite-meta-store.js';
import { FILE_SORT_FIELDS, type FileMetaQuery, type MetaStore } from '../../lib/ports/meta-store.js';
import { evaluatedIds, insertFileMetas, randomCorpus, randomExpr, seededRng, type Corpus } from '../support/dsl-corpus.js';

const SEED = Number(process.env.LOUPE_DSL_SEED ?? 99);
const ROWS = 2000;
const ALL_STATUSES = ['PENDING', 'ACTIVE', 'FAILED', 'SKIPPED', 'DELETED'] as const;

async function allPages(store: MetaStore, q: FileMetaQuery, sortBy: (typeof FILE_SORT_FIELDS)[number], order: 'ASC' | 'DESC', pageSize: number) {
  const ids: string[] = [];
  const tokens: Array<string | undefined> = [];
  let token: string | undefined;
  do {
    const page = await store.listFileMetas({ ...q, sortBy, order, maxResults: pageSize, nextToken: token });
    ids.push(...page.items.map((m) => m.datasetFileMetaId));
    token = page.nextToken;
    tokens.push(token);
  } while (token);
  return { ids, tokens };
}

describe(`in-memory index vs the evaluator and the SQL path (seed ${SEED})`, () => {
  let dir: string;
  let corpus: Corpus;
  let indexed: SqliteMetaStore;
  let sql: SqliteMetaStore;
  let writer: Database.Database;
  const rng = seededRng(SEED);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-index-'));
    const file = path.join(dir, 'meta.db');
    indexed = new SqliteMetaStore({ file, memoryIndexMinFiles: 0 });
    sql = new SqliteMetaStore({ file, memoryIndexMinFiles: Infinity });
    corpus = randomCorpus(rng, ROWS);
    writer = new Database(file);
    insertFileMetas(writer, corpus.metas);
  });
  afterAll(async () => {
    writer.close();
    await indexed.close();
    await sql.close();
    await rm(dir, { recursive: true, force: true });
  });

  const base = () => ({ datasetId: corpus.metas[0]!.datasetId, versionName: corpus.metas[0]!.versionName, statuses: [...ALL_STATUSES] });

  it('counts and lists exactly what the evaluator selects, for 2,000 random queries', async () => {
    for (let i = 0; i < 2000; i++) {
      const filter = randomExpr(rng, corpus, 5);
      const want = evaluatedIds(filter, corpus.metas);
      const q = { ...base(), filter };
      expect(await indexed.countFileMetas(q), `query #${i}`).toBe(want.length);
      expect((await indexed.listFileMetaIds(q, ROWS)).sort(), `query #${i}`).toEqual(want);
    }
  });

  it('pages in every sort order and direction exactly like the SQL path, tokens included', async () => {
    for (const sortBy of FILE_SORT_FIELDS) {
      for (const order of ['ASC', 'DESC'] as const) {
        for (let k = 0; k < 3; k++) {
          const filter = k === 0 ? undefined : randomExpr(rng, corpus, 3);
          const q = { ...base(), ...(filter ? { filter } : {}) };
          const a = await allPages(indexed, q, sortBy, order, 37);
          const b = await allPages(sql, q, sortBy, order, 37);
          expect(a.ids, `${sortBy} ${order} #${k}`).toEqual(b.ids);
          expect(a.tokens).toEqual(b.tokens);
          expect(new Set(a.ids).size).toBe(a.ids.length);
        }
      }
    }
  });

  it('aggregates tags, folders and types like the SQL path', async () => {
    for (const by of ['tags.all', 'tags.ai', 'tags.user', 'tags.user-delete-ai-tags', 'filedir', 'file_type', 'file_format', 'status'] as const) {
      const filter = randomExpr(rng, corpus, 2);
      expect(await indexed.aggregateFileMetas({ ...base(), filter }, by, 50), by).toEqual(await sql.aggregateFileMetas({ ...base(), filter }, by, 50));
    }
  });

  it('catches up with rows inserted, changed and deleted by another connection', async () => {
    const q = { ...base(), filter: randomExpr(rng, corpus, 2) };
    await indexed.countFileMetas(q); // built
    const extra = randomCorpus(seededRng(SEED + 1), 300).metas.map((m, i) => ({ ...m, datasetFileMetaId: `extra-${i}`, uri: `${m.uri}?extra=${i}` }));
    insertFileMetas(writer, extra);
    const victims = corpus.metas.slice(0, 100).map((m) => m.datasetFileMetaId);
    writer.prepare(`DELETE FROM file_metas WHERE id IN (${victims.map(() => '?').join(',')})`).run(...victims);
    const retagged = corpus.metas.slice(100, 400);
    const update = writer.prepare(`UPDATE file_metas SET tags_ai = ?, status = ?, file_update_time = ? WHERE id = ?`);
    writer.transaction(() => {
      for (const m of retagged) update.run(JSON.stringify(['retagged', ...m.tags.user]), 'ACTIVE', '2031-01-01T00:00:00.000Z', m.datasetFileMetaId);
    })();
    const now = (await sql.getFileMetas([...corpus.metas, ...extra].map((m) => m.datasetFileMetaId))).filter((m) => m.datasetId === base().datasetId);
    for (let i = 0; i < 200; i++) {
      const filter = randomExpr(rng, { ...corpus, metas: now }, 4);
      expect(await indexed.countFileMetas({ ...base(), filter }), `after writes #${i}`).toBe(evaluatedIds(filter, now).length);
    }
    const a = await allPages(indexed, base(), 'FileUpdateTime', 'DESC', 101);
    const b = await allPages(sql, base(), 'FileUpdateTime', 'DESC', 101);
    expect(a.ids).toEqual(b.ids);
    expect(a.ids).toHaveLength(now.length);

    // tags alone change (sorted orders stay, postings must not): still exact, still in order
    const tagOnly = writer.prepare('UPDATE file_metas SET tags_user = ? WHERE id = ?');
    writer.transaction(() => {
      for (const m of corpus.metas.slice(500, 900)) tagOnly.run(JSON.stringify(['late', 'retagged']), m.datasetFileMetaId);
    })();
    const later = (await sql.getFileMetas(now.map((m) => m.datasetFileMetaId)));
    for (let i = 0; i < 100; i++) {
      const filter = randomExpr(rng, { ...corpus, metas: later }, 4);
      expect(await indexed.countFileMetas({ ...base(), filter }), `after tag edits #${i}`).toBe(evaluatedIds(filter, later).length);
    }
    const late = { ...base(), filter: { kind: 'compare' as const, field: 'Tags.all' as const, op: '=' as const, value: { kind: 'string' as const, value: 'late' }, pos: { offset: 0, line: 1, col: 1 } } };
    expect((await allPages(indexed, late, 'FileName', 'ASC', 50)).ids).toEqual((await allPages(sql, late, 'FileName', 'ASC', 50)).ids);
    expect(await indexed.countFileMetas(late)).toBe(400);
  });

  it('filters by FileType and ContentType lists like the SQL path', async () => {
    for (const [fileTypes, contentTypes] of [[['image'], undefined], [['text', 'video'], ['image/png']], [undefined, ['image/jpeg', 'image/webp']], [['nothing'], undefined]] as const) {
      const q = { ...base(), ...(fileTypes ? { fileTypes: [...fileTypes] } : {}), ...(contentTypes ? { contentTypes: [...contentTypes] } : {}) };
      const want = (await sql.listFileMetaIds(q, ROWS * 2)).sort();
      expect((await indexed.listFileMetaIds(q, ROWS * 2)).sort(), JSON.stringify(q)).toEqual(want);
      const metas = await sql.getFileMetas(want);
      expect(metas.every((m) => (!fileTypes || (fileTypes as readonly string[]).includes(m.fileType)) && (!contentTypes || (contentTypes as readonly string[]).includes(m.contentType ?? '')))).toBe(true);
    }
  });

  it('rebuilds when the change log was pruned past it, and stays exact', async () => {
    const file = path.join(dir, 'meta.db');
    const small = new SqliteMetaStore({ file, memoryIndexMinFiles: 0, changeLogKeep: 5 });
    try {
      const q = { ...base(), filter: randomExpr(rng, corpus, 2) };
      await small.countFileMetas(q); // built, at the log's current end
      const st = writer.prepare('UPDATE file_metas SET tags_user = ? WHERE id = ?');
      writer.transaction(() => {
        for (const m of corpus.metas.slice(1000, 1100)) st.run(JSON.stringify(['pruned-away']), m.datasetFileMetaId);
      })();
      // a job ending prunes the log to its last 5 entries: the 100 changes above are gone from it
      const job = { datasetJobId: 'j-prune', datasetId: base().datasetId, workspaceId: '', versionName: 'v1', jobAction: 'FileMetaBuild' as const, jobMode: 'Full' as const, jobSpec: {}, description: '',
        status: 'Running' as const, totalFileCount: 0, completedFileCount: 0, failedFileCount: 0, skippedFileCount: 0, fanoutCursor: null, fanoutDone: false, listedFileCount: 0, deletedFileCount: 0,
        message: null, createTime: '2025-01-01T00:00:00.000Z', startTime: null, finishTime: null, updateTime: '2025-01-01T00:00:00.000Z' };
      await small.createJob(job);
      await small.advanceFanout('j-prune', { fromCursor: null, toCursor: null, listed: 0, done: true }, '2025-01-01T00:00:00.000Z');
      expect(await small.finishJobIfComplete('j-prune', () => 'Succeeded', '2025-01-01T00:00:00.000Z')).toBe(true);
      expect(writer.prepare('SELECT count(*) FROM file_meta_changes').pluck().get()).toBe(5);
      const tag = { kind: 'compare' as const, field: 'Tags.user' as const, op: '=' as const, value: { kind: 'string' as const, value: 'pruned-away' }, pos: { offset: 0, line: 1, col: 1 } };
      expect(await small.countFileMetas({ ...base(), filter: tag })).toBe(100);
    } finally {
      await small.close();
    }
  });

  it('stops being trusted when its registration lapses (writes then go unlogged) and rebuilds', async () => {
    const file = path.join(dir, 'lapse.db');
    const brief = new SqliteMetaStore({ file, memoryIndexMinFiles: 0, indexRegistrationSeconds: 3 });
    const w = new Database(file);
    try {
      insertFileMetas(w, corpus.metas);
      const tag = { kind: 'compare' as const, field: 'Tags.user' as const, op: '=' as const, value: { kind: 'string' as const, value: 'after-lapse' }, pos: { offset: 0, line: 1, col: 1 } };
      expect(await brief.countFileMetas({ ...base(), filter: tag })).toBe(0); // built, registered for 3 s
      await new Promise((r) => setTimeout(r, 3500));
      const before = w.prepare('SELECT count(*) FROM file_meta_changes').pluck().get();
      const st = w.prepare('UPDATE file_metas SET tags_user = ? WHERE id = ?');
      for (const m of corpus.metas.slice(1200, 1230)) st.run(JSON.stringify(['after-lapse']), m.datasetFileMetaId);
      expect(w.prepare('SELECT count(*) FROM file_meta_changes').pluck().get()).toBe(before); // nobody asked: not logged
      expect(await brief.countFileMetas({ ...base(), filter: tag })).toBe(30);
    } finally {
      w.close();
      await brief.close();
    }
  });

  it('keeps the logging triggers only while an index is registered', async () => {
    const file = path.join(dir, 'triggers.db');
    const store = new SqliteMetaStore({ file, memoryIndexMinFiles: 0, indexRegistrationSeconds: 3 });
    const w = new Database(file);
    const triggers = () => w.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'file_metas_logged_%'`).pluck().get();
    const finishAJob = async (id: string) => {
      await store.createJob({ datasetJobId: id, datasetId: 'x', workspaceId: '', versionName: 'v1', jobAction: 'FileMetaBuild', jobMode: 'Full', jobSpec: {}, description: '', status: 'Running',
        totalFileCount: 0, completedFileCount: 0, failedFileCount: 0, skippedFileCount: 0, fanoutCursor: null, fanoutDone: false, listedFileCount: 0, deletedFileCount: 0, message: null,
        createTime: '2025-01-01T00:00:00.000Z', startTime: null, finishTime: null, updateTime: '2025-01-01T00:00:00.000Z' });
      await store.advanceFanout(id, { fromCursor: null, toCursor: null, listed: 0, done: true }, '2025-01-01T00:00:00.000Z');
      expect(await store.finishJobIfComplete(id, () => 'Succeeded', '2025-01-01T00:00:00.000Z')).toBe(true);
    };
    try {
      insertFileMetas(w, corpus.metas.slice(0, 50));
      expect(triggers()).toBe(0); // nobody searches in memory: writes pay nothing
      await store.countFileMetas(base());
      expect(triggers()).toBe(3);
      await finishAJob('j1');
      expect(triggers()).toBe(3); // still registered
      await new Promise((r) => setTimeout(r, 3500));
      await finishAJob('j2');
      expect(triggers()).toBe(0);
      w.prepare('DELETE FROM file_metas WHERE id = ?').run(corpus.metas[0]!.datasetFileMetaId);
      expect(await store.countFileMetas({ ...base(), statuses: [...ALL_STATUSES] })).toBe(49); // lapsed: rebuilt
      expect(triggers()).toBe(3);
    } finally {
      w.close();
      await store.close();
    }
  });
});
