// Migration 10 on a store that has data: JobSpecs move to PAI's keys, jobs get their workspace (''),
// and files tagged before it learn which IntelligentTag job wrote their AI tags (the one of their
// version that was running then), so that IntelligentTagRevert works on jobs from before the upgrade.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteMetaStore } from '../../lib/adapters/metastore/sqlite-meta-store.js';
import { SQLITE_MIGRATIONS } from '../../lib/adapters/metastore/sqlite-migrations.js';

const MIGRATION = 10;

describe('SqliteMetaStore migration 10 (jobs as PAI has them)', () => {
  it('rewrites JobSpecs to PAI keys, backfills who wrote AI tags, and leaves the rest as it was', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-migrate-jobs-'));
    const file = path.join(dir, 'meta.db');
    const raw = new Database(file);
    try {
      raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      SQLITE_MIGRATIONS.slice(0, MIGRATION - 1).forEach((sql, i) => {
        raw.exec(sql);
        raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(i + 1, '2026-01-01T00:00:00.000Z');
      });
      const job = raw.prepare(
        `INSERT INTO jobs (id, dataset_id, version_name, action, mode, spec, description, status, create_time, start_time, finish_time, update_time)
         VALUES (?, 'd1', ?, ?, 'Full', ?, '', ?, ?, ?, ?, ?)`,
      );
      job.run('job-tag-1', 'v1', 'IntelligentTag', JSON.stringify({ connectionId: 'conn-a', modelName: 'qwen-vl-max', tagDefinitionId: 'tagdef-a', tagDefinitionVersion: 2, concurrency: 5 }), 'Succeeded', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:03.000Z', '2026-01-01T00:00:03.000Z');
      job.run('job-tag-2', 'v1', 'IntelligentTag', JSON.stringify({ connectionId: 'conn-a', modelName: 'm2', tagDefinitionId: 'tagdef-a' }), 'Succeeded', '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:06.000Z', '2026-01-01T00:00:07.000Z', '2026-01-01T00:00:07.000Z');
      job.run('job-tag-v2', 'v2', 'IntelligentTag', JSON.stringify({ connectionId: 'conn-a', modelName: 'm', tagDefinitionId: 'tagdef-a' }), 'Running', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:01.000Z', null, '2026-01-01T00:00:01.000Z');
      job.run('job-index', 'v1', 'SemanticIndex', JSON.stringify({ embeddingConnectionId: 'conn-e', vectorConnectionId: 'conn-v', indexName: 'cars', embedderId: 'gme:x' }), 'Succeeded', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:02.000Z');
      job.run('job-index-2', 'v1', 'SemanticIndex', JSON.stringify({ embeddingConnectionId: 'conn-e', vectorConnectionId: 'conn-v', indexName: 'cars', modelName: 'mm' }), 'Succeeded', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:02.000Z');
      job.run('job-build', 'v1', 'FileMetaBuild', JSON.stringify({ verify: 'header', batchSize: 200 }), 'Succeeded', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
      const file_ = raw.prepare(
        `INSERT INTO file_metas (id, dataset_id, version_name, uri, file_name, file_dir, data_size, fingerprint, file_update_time, file_type, status,
           create_time, update_time, tags_ai, tag_update_time, tag_definition_id)
         VALUES (?, 'd1', ?, ?, ?, '', 1, 'e', '2026-01-01T00:00:00.000Z', 'jpeg', 'ACTIVE', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', ?, ?, ?)`,
      );
      file_.run('f-by-1', 'v1', 'file:///a.jpg', 'a.jpg', '["car"]', '2026-01-01T00:00:02.000Z', 'tagdef-a'); // while job-tag-1 ran
      file_.run('f-by-2', 'v1', 'file:///b.jpg', 'b.jpg', '["bus"]', '2026-01-01T00:00:06.000Z', 'tagdef-a'); // while job-tag-2 ran
      file_.run('f-v2', 'v2', 'file:///c.jpg', 'c.jpg', '["cat"]', '2026-01-01T00:00:04.000Z', 'tagdef-a'); // job-tag-v2 still running
      file_.run('f-untagged', 'v1', 'file:///d.jpg', 'd.jpg', '[]', null, null);
    } finally {
      raw.close();
    }

    const store = new SqliteMetaStore({ file });
    try {
      const tag1 = (await store.getJob('job-tag-1'))!;
      expect(tag1.jobSpec).toEqual({ intelligentTagConnectionId: 'conn-a', modelId: 'qwen-vl-max', promptId: 'tagdef-a', tagDefinitionVersion: 2, concurrency: 5 });
      expect(tag1.workspaceId).toBe('');
      expect((await store.getJob('job-index'))!.jobSpec).toEqual({
        embeddingConnectionId: 'conn-e',
        databaseConnectionId: 'conn-v',
        databaseTableName: 'cars',
        embedderId: 'gme:x',
        contentList: ['file'],
      });
      expect((await store.getJob('job-index-2'))!.jobSpec).toMatchObject({ embeddingModel: 'mm' });
      expect((await store.getJob('job-index-2'))!.jobSpec).not.toHaveProperty('modelName');
      expect((await store.getJob('job-build'))!.jobSpec).toEqual({ verify: 'header', batchSize: 200 });

      const check = new Database(file, { readonly: true });
      try {
        const owner = (id: string) => check.prepare('SELECT tag_job_id FROM file_metas WHERE id = ?').pluck().get(id);
        expect(owner('f-by-1')).toBe('job-tag-1');
        expect(owner('f-by-2')).toBe('job-tag-2');
        expect(owner('f-v2')).toBe('job-tag-v2');
        expect(owner('f-untagged')).toBeNull();
      } finally {
        check.close();
      }
      // the revert of a job from before the upgrade finds its file
      await store.addJobItems('job-tag-1', ['f-by-1']);
      await store.recordOutcomes('job-tag-1', [{ metaId: 'f-by-1', ok: true }]);
      expect(await store.revertAiTags('job-tag-1', null, 10, '2026-01-01T00:00:09.000Z')).toEqual({ scanned: 1, lastMetaId: 'f-by-1', reverted: 1 });
      expect((await store.getFileMeta('f-by-1'))!.tags.ai).toEqual([]);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
