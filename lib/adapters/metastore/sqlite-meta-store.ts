// MetaStore on embedded SQLite (better-sqlite3, WAL): the local default.
import Database from 'better-sqlite3';
import type { Connection, ConnectionType, TagDefinition } from '../../domain/connection.js';
import type { Dataset, DatasetVersion, IndexConfig } from '../../domain/dataset.js';
import { conflict, invalid } from '../../domain/errors.js';
import { allTags, DEFAULT_LISTED_STATUSES, type FileMeta, type FileStatus } from '../../domain/file-meta.js';
import { compileSqlite, registerDslFunctions } from '../../dsl/compile-sqlite.js';
import type { DatasetJob, FileOutcome, JobCounts, JobLog, JobOutput, JobStatus } from '../../domain/job.js';
import type { LogicalChange, LogicalRef } from '../../domain/logical.js';
import type { ReindexSetting } from '../../domain/reindex.js';
import type {
  AggregateField,
  CoverageCounts,
  CoverageTarget,
  EmbedUpdate,
  TagUpdate,
  DatasetQuery,
  FanoutAdvance,
  FileMetaListQuery,
  FileMetaQuery,
  FileSortField,
  JobQuery,
  ListedFileRow,
  MetaStore,
  Page,
  ProbeUpdate,
} from '../../ports/meta-store.js';
import { preparePrivateSqliteFile } from '../private-files.js';
import { startCheckpointer, type Checkpointer } from '../sqlite-checkpointer.js';
import { VersionIndex, type IndexSourceRow } from './file-meta-index.js';
import { DROP_FILE_META_CHANGE_TRIGGERS, FILE_META_CHANGE_TRIGGERS, SQLITE_MIGRATIONS } from './sqlite-migrations.js';

type Row = Record<string, unknown>;
type Statement = Database.Statement<unknown[], Row>;

const SORT_COLUMNS: Record<FileSortField, string> = {
  FileUpdateTime: 'file_update_time',
  FileCreateTime: 'file_create_time',
  FileName: 'file_name',
  DataSize: 'data_size',
  DatasetFileMetaId: 'id',
};

const AGGREGATE_COLUMNS: Record<string, string> = {
  filedir: 'file_dir',
  file_type: 'file_type',
  status: 'status',
};
const AGGREGATE_TAG_LISTS: Partial<Record<AggregateField, string>> = {
  'tags.all': 'loupe_all_tags(tags_ai, tags_user, tags_user_delete_ai)',
  'tags.ai': 'tags_ai',
  'tags.user': 'tags_user',
};

/** What a VersionIndex reads of a row. */
const INDEX_COLUMNS = `rowid, id, status, file_name, file_dir, uri, file_type, content_type, semantic_index_job_id, index_name, data_size,
  file_create_time, file_update_time, tag_update_time, semantic_index_update_time, meta_attributes, tags_ai, tags_user, tags_user_delete_ai`;
/** Versions kept in memory at once (a million files take 1–1.5 GB). */
const MAX_MEMORY_INDEXES = 2;

/** Keyset paging token: the last row's sort value and its tie-breaker (an id or a rowid). */
function encodeToken(value: unknown, tieBreaker: string | number): string {
  return Buffer.from(JSON.stringify([value, tieBreaker])).toString('base64url');
}
function decodeToken<T extends string | number = string>(token: string): [string | number | null, T] {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      ['string', 'number'].includes(typeof v[1]) &&
      (v[0] === null || ['string', 'number'].includes(typeof v[0]))
    ) {
      return v as [string | number | null, T];
    }
  } catch {
    // fall through
  }
  throw invalid('NextToken is not a token this API returned', 'NextToken');
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface SqliteMetaStoreOptions {
  /** Database file; `:memory:` for tests. */
  file: string;
  /**
   * Versions with at least this many files are searched through an in-memory index (VersionIndex)
   * instead of SQL. Default 20,000; 0 always uses it (tests), Infinity never.
   */
  memoryIndexMinFiles?: number;
  /** Change-log entries kept when a job ends (default 1,000,000); an index further behind rebuilds. */
  changeLogKeep?: number;
  /**
   * How long (s) writers keep logging a version's changes after its index last renewed its registration
   * (default 3600); an index whose registration lapsed rebuilds.
   */
  indexRegistrationSeconds?: number;
}

export class SqliteMetaStore implements MetaStore {
  private readonly db: Database.Database;
  private readonly stmts = new Map<string, Statement>();
  private readonly checkpointer?: Checkpointer;
  private readonly memoryIndexMinFiles: number;
  private readonly changeLogKeep: number;
  private readonly registrationSeconds: number;
  /** In-memory indexes of the versions searched lately (most recent last). */
  private readonly indexes = new Map<string, VersionIndex>();
  private readonly building = new Map<string, Promise<VersionIndex>>();

  constructor(opts: SqliteMetaStoreOptions) {
    preparePrivateSqliteFile(opts.file);
    this.memoryIndexMinFiles = opts.memoryIndexMinFiles ?? 20_000;
    this.changeLogKeep = opts.changeLogKeep ?? 1_000_000;
    this.registrationSeconds = opts.indexRegistrationSeconds ?? 3600;
    if (!(this.registrationSeconds >= 3)) throw new RangeError(`indexRegistrationSeconds must be at least 3, got ${this.registrationSeconds}`);
    this.db = new Database(opts.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Checkpoints (and their fsyncs) run in a background thread, not inside our commits.
    if (opts.file !== ':memory:') {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = startCheckpointer(opts.file);
    }
    // 1M file metas with their indexes are ~1 GB: a larger page cache keeps the hot index pages in memory.
    this.db.pragma('cache_size = -262144');
    this.db.pragma('foreign_keys = ON');
    registerDslFunctions(this.db);
    this.db.function('loupe_all_tags', { deterministic: true }, (ai: unknown, user: unknown, removed: unknown) =>
      JSON.stringify(allTags({ ai: JSON.parse(ai as string), user: JSON.parse(user as string), userDeleteAiTags: JSON.parse(removed as string) })),
    );
    this.migrate();
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
    );
    SQLITE_MIGRATIONS.forEach((sql, i) => {
      const version = i + 1;
      if (applied.has(version)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
      }).immediate();
    });
  }

  private stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql) as Statement;
      this.stmts.set(sql, s);
    }
    return s;
  }

  // ---------------------------------------------------------------- datasets and versions

  async createDataset(d: Dataset): Promise<void> {
    this.stmt(
      `INSERT INTO datasets (id, name, description, edition, data_type, uri, create_time, update_time)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(d.datasetId, d.name, d.description, d.edition, d.dataType, d.uri, d.createTime, d.updateTime);
  }

  async getDataset(id: string): Promise<Dataset | undefined> {
    const r = this.stmt('SELECT * FROM datasets WHERE id = ?').get(id);
    return r ? toDataset(r) : undefined;
  }

  async listDatasets(q: DatasetQuery): Promise<Page<Dataset>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.nameContains) {
      where.push(`name LIKE ? ESCAPE '\\'`);
      params.push(`%${escapeLike(q.nameContains)}%`);
    }
    if (q.edition) {
      where.push('edition = ?');
      params.push(q.edition);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.stmt(`SELECT count(*) AS n FROM datasets ${filter}`).get(...params) as { n: number }).n;
    const page = [...where];
    const pageParams = [...params];
    if (q.nextToken) {
      const [t, id] = decodeToken(q.nextToken);
      page.push('(create_time < ? OR (create_time = ? AND id < ?))');
      pageParams.push(t, t, id);
    }
    const rows = this.stmt(
      `SELECT * FROM datasets ${page.length ? `WHERE ${page.join(' AND ')}` : ''} ORDER BY create_time DESC, id DESC LIMIT ?`,
    ).all(...pageParams, q.maxResults + 1);
    return pageOf(rows.map(toDataset), q.maxResults, total, (d) => encodeToken(d.createTime, d.datasetId));
  }

  async updateDataset(id: string, patch: Partial<Pick<Dataset, 'name' | 'description'>> & { updateTime: string }): Promise<void> {
    this.stmt(
      'UPDATE datasets SET name = coalesce(?, name), description = coalesce(?, description), update_time = ? WHERE id = ?',
    ).run(patch.name ?? null, patch.description ?? null, patch.updateTime, id);
  }

  async deleteDataset(id: string): Promise<void> {
    this.db.transaction(() => {
      const jobs = this.stmt('SELECT id FROM jobs WHERE dataset_id = ?').all(id) as Array<{ id: string }>;
      for (const j of jobs) this.deleteJobRows(j.id);
      this.stmt('DELETE FROM file_metas WHERE dataset_id = ?').run(id);
      this.stmt('DELETE FROM logical_refs WHERE dataset_id = ?').run(id);
      this.stmt('DELETE FROM reindex_settings WHERE dataset_id = ?').run(id);
      this.stmt('DELETE FROM index_configs WHERE dataset_id = ?').run(id);
      this.stmt('DELETE FROM versions WHERE dataset_id = ?').run(id);
      this.stmt('DELETE FROM datasets WHERE id = ?').run(id);
    }).immediate();
  }

  private deleteJobRows(jobId: string): void {
    this.stmt('DELETE FROM job_items WHERE job_id = ?').run(jobId);
    this.stmt('DELETE FROM job_logs WHERE job_id = ?').run(jobId);
    this.stmt('DELETE FROM job_leases WHERE job_id = ?').run(jobId);
    this.stmt('DELETE FROM jobs WHERE id = ?').run(jobId);
  }

  async createVersion(v: DatasetVersion): Promise<void> {
    this.stmt(
      `INSERT INTO versions (dataset_id, version_name, description, uri, create_time, update_time) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(v.datasetId, v.versionName, v.description, v.uri, v.createTime, v.updateTime);
  }

  async getVersion(datasetId: string, versionName: string): Promise<DatasetVersion | undefined> {
    const r = this.stmt('SELECT * FROM versions WHERE dataset_id = ? AND version_name = ? AND building_job IS NULL').get(datasetId, versionName);
    return r ? this.toVersion(r) : undefined;
  }

  async hasVersion(datasetId: string, versionName: string): Promise<boolean> {
    return (
      this.stmt('SELECT 1 FROM versions WHERE dataset_id = ? AND version_name = ? AND building_job IS NULL').get(datasetId, versionName) !==
      undefined
    );
  }

  async listVersions(datasetId: string): Promise<DatasetVersion[]> {
    const rows = this.stmt('SELECT * FROM versions WHERE dataset_id = ? AND building_job IS NULL').all(datasetId);
    return rows
      .map((r) => this.toVersion(r))
      .sort((a, b) => Number(a.versionName.slice(1)) - Number(b.versionName.slice(1)));
  }

  async listVersionFolders(): Promise<Array<{ datasetId: string; versionName: string; uri: string }>> {
    // Logical versions hold references, not files: their uri is ''.
    const rows = this.stmt(`SELECT dataset_id, version_name, uri FROM versions WHERE uri != '' AND building_job IS NULL`).all() as Array<{
      dataset_id: string;
      version_name: string;
      uri: string;
    }>;
    return rows.map((r) => ({ datasetId: r.dataset_id, versionName: r.version_name, uri: r.uri }));
  }

  private toVersion(r: Row): DatasetVersion {
    // A version holds files (ADVANCED, counted now) or references (LOGICAL, counted when published).
    const n =
      r.ref_count !== null && r.ref_count !== undefined
        ? { n: r.ref_count as number }
        : (this.stmt(
            `SELECT count(*) AS n FROM file_metas WHERE dataset_id = ? AND version_name = ? AND status IN (${DEFAULT_LISTED_STATUSES.map(() => '?').join(',')})`,
          ).get(r.dataset_id, r.version_name, ...DEFAULT_LISTED_STATUSES) as { n: number });
    return {
      datasetId: r.dataset_id as string,
      versionName: r.version_name as string,
      description: r.description as string,
      uri: r.uri as string,
      fileCount: n.n,
      createTime: r.create_time as string,
      updateTime: r.update_time as string,
    };
  }

  async updateVersion(datasetId: string, versionName: string, patch: { description?: string; updateTime: string }): Promise<void> {
    this.stmt(
      'UPDATE versions SET description = coalesce(?, description), update_time = ? WHERE dataset_id = ? AND version_name = ?',
    ).run(patch.description ?? null, patch.updateTime, datasetId, versionName);
  }

  async deleteVersion(datasetId: string, versionName: string): Promise<void> {
    this.db.transaction(() => {
      this.stmt('DELETE FROM file_metas WHERE dataset_id = ? AND version_name = ?').run(datasetId, versionName);
      this.stmt('DELETE FROM logical_refs WHERE dataset_id = ? AND version_name = ?').run(datasetId, versionName);
      this.stmt('DELETE FROM versions WHERE dataset_id = ? AND version_name = ?').run(datasetId, versionName);
    }).immediate();
  }

  // ---------------------------------------------------------------- logical datasets

  async reserveLogicalVersion(datasetId: string, jobId: string, description: string, now: string): Promise<string> {
    return this.db.transaction(() => {
      const own = this.stmt('SELECT version_name FROM versions WHERE dataset_id = ? AND building_job = ?').get(datasetId, jobId) as
        | { version_name: string }
        | undefined;
      if (own) return own.version_name;
      // Names of versions being built count too, so two exports never share one.
      const { n } = this.stmt(
        'SELECT coalesce(max(CAST(substr(version_name, 2) AS INTEGER)), 0) AS n FROM versions WHERE dataset_id = ?',
      ).get(datasetId) as { n: number };
      const name = `v${n + 1}`;
      this.stmt(
        `INSERT INTO versions (dataset_id, version_name, description, uri, create_time, update_time, building_job) VALUES (?, ?, ?, '', ?, ?, ?)`,
      ).run(datasetId, name, description, now, now, jobId);
      return name;
    }).immediate();
  }

  async putLogicalRefs(datasetId: string, versionName: string, refs: Array<LogicalRef & { seq: number }>): Promise<void> {
    const put = this.stmt(
      `INSERT OR REPLACE INTO logical_refs (dataset_id, version_name, meta_id, seq, source_dataset_id, source_version_name, uri,
         file_name, fingerprint, data_size, meta_attributes, tags, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const r of refs) {
        put.run(
          datasetId,
          versionName,
          r.datasetFileMetaId,
          r.seq,
          r.sourceDatasetId,
          r.sourceVersionName,
          r.uri,
          r.fileName,
          r.fileFingerPrint,
          r.dataSize,
          JSON.stringify(r.metaAttributes),
          JSON.stringify(r.tags),
          r.score ?? null,
        );
      }
    }).immediate();
  }

  async clearLogicalRefs(datasetId: string, versionName: string): Promise<void> {
    this.stmt('DELETE FROM logical_refs WHERE dataset_id = ? AND version_name = ?').run(datasetId, versionName);
  }

  async publishLogicalVersion(datasetId: string, versionName: string, jobId: string, now: string): Promise<boolean> {
    return (
      this.stmt(
        `UPDATE versions SET building_job = NULL, create_time = @now, update_time = @now,
           ref_count = (SELECT count(*) FROM logical_refs WHERE dataset_id = @datasetId AND version_name = @versionName)
         WHERE dataset_id = @datasetId AND version_name = @versionName AND building_job = @jobId`,
      ).run({ now, datasetId, versionName, jobId }).changes === 1
    );
  }

  async discardLogicalVersion(datasetId: string, versionName: string, jobId: string): Promise<void> {
    this.db.transaction(() => {
      const r = this.stmt('DELETE FROM versions WHERE dataset_id = ? AND version_name = ? AND building_job = ?').run(datasetId, versionName, jobId);
      if (r.changes) this.stmt('DELETE FROM logical_refs WHERE dataset_id = ? AND version_name = ?').run(datasetId, versionName);
    }).immediate();
  }

  async listLogicalRefs(datasetId: string, versionName: string, q: { maxResults: number; nextToken?: string }): Promise<Page<LogicalRef>> {
    const n = (this.stmt('SELECT ref_count FROM versions WHERE dataset_id = ? AND version_name = ?').get(datasetId, versionName) as { ref_count: number | null } | undefined)
      ?.ref_count ?? 0;
    const after = q.nextToken ? Number(decodeToken<number>(q.nextToken)[1]) : -1;
    const rows = this.stmt(
      'SELECT * FROM logical_refs WHERE dataset_id = ? AND version_name = ? AND seq > ? ORDER BY seq LIMIT ?',
    ).all(datasetId, versionName, after, q.maxResults + 1) as Row[];
    const page = pageOf(rows, q.maxResults, n, (r) => encodeToken(null, r.seq as number));
    return { ...page, items: page.items.map(toLogicalRef) };
  }

  async diffLogicalVersions(
    datasetId: string,
    versionName: string,
    baseVersionName: string,
    change: LogicalChange,
    q: { maxResults: number; nextToken?: string },
  ): Promise<Page<LogicalRef> & { counts: Record<LogicalChange, number> }> {
    // `a` is the side whose rows are listed (Removed ones come from the base), `b` the other.
    const missing = 'NOT EXISTS (SELECT 1 FROM logical_refs b WHERE b.dataset_id = a.dataset_id AND b.version_name = @b AND b.meta_id = a.meta_id)';
    const condition: Record<LogicalChange, string> = {
      Added: missing,
      Removed: missing,
      Changed:
        'EXISTS (SELECT 1 FROM logical_refs b WHERE b.dataset_id = a.dataset_id AND b.version_name = @b AND b.meta_id = a.meta_id AND b.fingerprint != a.fingerprint)',
    };
    const sides = (c: LogicalChange) => (c === 'Removed' ? { a: baseVersionName, b: versionName } : { a: versionName, b: baseVersionName });
    const count = (c: LogicalChange) =>
      (this.stmt(`SELECT count(*) AS n FROM logical_refs a WHERE a.dataset_id = @d AND a.version_name = @a AND ${condition[c]}`).get({ d: datasetId, ...sides(c) }) as {
        n: number;
      }).n;
    // Published versions never change, so the counts of the first page ride along in the token and
    // later pages only read their rows (counting is a pass over both versions).
    const [carried, last] = q.nextToken ? decodeToken(q.nextToken) : [null, ''];
    const counts = countsOf(carried) ?? { Added: count('Added'), Removed: count('Removed'), Changed: count('Changed') };
    const after = String(last);
    const rows = this.stmt(
      `SELECT a.* FROM logical_refs a WHERE a.dataset_id = @d AND a.version_name = @a AND a.meta_id > @after AND ${condition[change]}
       ORDER BY a.meta_id LIMIT @limit`,
    ).all({ d: datasetId, ...sides(change), after, limit: q.maxResults + 1 }) as Row[];
    const carry = `${counts.Added}/${counts.Removed}/${counts.Changed}`;
    const page = pageOf(rows, q.maxResults, counts[change], (r) => encodeToken(carry, r.meta_id as string));
    return { ...page, items: page.items.map(toLogicalRef), counts };
  }

  // ---------------------------------------------------------------- file metas

  async getFileMeta(id: string): Promise<FileMeta | undefined> {
    const r = this.stmt('SELECT * FROM file_metas WHERE id = ?').get(id);
    return r ? toFileMeta(r) : undefined;
  }

  async getFileMetas(ids: string[]): Promise<FileMeta[]> {
    const out: FileMeta[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT * FROM file_metas WHERE id IN (${chunk.map(() => '?').join(',')})`)
        .all(...chunk) as Row[];
      for (const r of rows) out.push(toFileMeta(r));
    }
    return out;
  }

  async upsertListedFiles(rows: ListedFileRow[], listedByJobId: string, now: string): Promise<void> {
    const upsert = this.stmt(
      `INSERT INTO file_metas (id, dataset_id, version_name, uri, file_name, file_dir, data_size, fingerprint,
         file_create_time, file_update_time, file_type, status, listed_by_job, listed_at, create_time, update_time)
       VALUES (@id, @datasetId, @versionName, @uri, @fileName, @fileDir, @dataSize, @fingerprint,
         @fileCreateTime, @fileUpdateTime, @fileType, 'PENDING', @job, @now, @now, @now)
       ON CONFLICT (id) DO UPDATE SET
         uri = excluded.uri, file_name = excluded.file_name, file_dir = excluded.file_dir,
         data_size = excluded.data_size, fingerprint = excluded.fingerprint,
         file_create_time = excluded.file_create_time, file_update_time = excluded.file_update_time,
         listed_by_job = excluded.listed_by_job, listed_at = excluded.listed_at,
         file_type = CASE WHEN @reset THEN excluded.file_type ELSE file_type END,
         status = CASE WHEN @reset THEN 'PENDING' ELSE status END,
         content_type = CASE WHEN @reset THEN NULL ELSE content_type END,
         meta_attributes = CASE WHEN @reset THEN '{}' ELSE meta_attributes END,
         fail_reason = CASE WHEN @reset THEN NULL ELSE fail_reason END,
         probed_fingerprint = CASE WHEN @reset THEN NULL ELSE probed_fingerprint END,
         probe_depth = CASE WHEN @reset THEN NULL ELSE probe_depth END,
         update_time = CASE WHEN @reset OR fingerprint != excluded.fingerprint THEN @now ELSE update_time END`,
    );
    // A file listed again unchanged only gets its listing stamps: no logged column is touched.
    const restamp = this.stmt(
      `UPDATE file_metas SET listed_by_job = ?, listed_at = ?
       WHERE id = ? AND fingerprint = ? AND uri = ? AND data_size = ? AND file_update_time = ?
         AND file_create_time IS ? AND status != 'DELETED'`,
    );
    this.db.transaction(() => {
      for (const r of rows) {
        if (
          !r.reset &&
          restamp.run(listedByJobId, now, r.datasetFileMetaId, r.fileFingerPrint, r.uri, r.dataSize, r.fileUpdateTime, r.fileCreateTime).changes
        ) {
          continue;
        }
        upsert.run({
          id: r.datasetFileMetaId,
          datasetId: r.datasetId,
          versionName: r.versionName,
          uri: r.uri,
          fileName: r.fileName,
          fileDir: r.fileDir,
          dataSize: r.dataSize,
          fingerprint: r.fileFingerPrint,
          fileCreateTime: r.fileCreateTime,
          fileUpdateTime: r.fileUpdateTime,
          fileType: r.fileType,
          job: listedByJobId,
          now,
          reset: r.reset ? 1 : 0,
        });
      }
    }).immediate();
  }

  async applyProbeResults(updates: ProbeUpdate[], now: string): Promise<void> {
    const update = this.stmt(
      `UPDATE file_metas SET status = ?, file_type = ?, content_type = ?, meta_attributes = ?, fail_reason = ?,
         probed_fingerprint = ?, probe_depth = ?, update_time = ?
       WHERE id = ? AND fingerprint = ? AND status != 'DELETED'`,
    );
    this.db.transaction(() => {
      for (const u of updates) {
        update.run(
          u.status,
          u.fileType,
          u.contentType,
          JSON.stringify(u.metaAttributes),
          u.failReason,
          u.fileFingerPrint,
          u.probeDepth,
          now,
          u.datasetFileMetaId,
          u.fileFingerPrint,
        );
      }
    }).immediate();
  }

  async markFileFailed(id: string, reason: string, now: string): Promise<void> {
    this.stmt(`UPDATE file_metas SET status = 'FAILED', fail_reason = ?, update_time = ? WHERE id = ? AND status != 'DELETED'`).run(
      reason,
      now,
      id,
    );
  }

  async markUnlistedDeleted(datasetId: string, versionName: string, jobId: string, listingStart: string, now: string): Promise<number> {
    // One pass over the version's rows when the listing ends. No index on listed_at: every listed file
    // restamps it, and keeping an index current would cost more per listing (~5 µs a file) than this
    // scan does once (~0.8 s per million files).
    return this.stmt(
      `UPDATE file_metas SET status = 'DELETED', update_time = @now
       WHERE dataset_id = @datasetId AND version_name = @versionName AND status != 'DELETED'
         AND (listed_at IS NULL OR listed_at < @listingStart) AND (listed_by_job IS NULL OR listed_by_job != @jobId)`,
    ).run({ datasetId, versionName, jobId, listingStart, now }).changes;
  }

  private fileFilter(q: FileMetaQuery): { where: string[]; params: unknown[] } {
    const where = ['dataset_id = ?', 'version_name = ?'];
    const params: unknown[] = [q.datasetId, q.versionName];
    const statuses = q.statuses?.length ? q.statuses : DEFAULT_LISTED_STATUSES;
    where.push(`status IN (${statuses.map(() => '?').join(',')})`);
    params.push(...statuses);
    if (q.fileNameContains) {
      where.push(`file_name LIKE ? ESCAPE '\\'`);
      params.push(`%${escapeLike(q.fileNameContains)}%`);
    }
    if (q.fileDirContains) {
      where.push(`file_dir LIKE ? ESCAPE '\\'`);
      params.push(`%${escapeLike(q.fileDirContains)}%`);
    }
    if (q.startFileUpdateTime) {
      where.push('file_update_time >= ?');
      params.push(q.startFileUpdateTime);
    }
    if (q.endFileUpdateTime) {
      where.push('file_update_time <= ?');
      params.push(q.endFileUpdateTime);
    }
    if (q.ids) {
      where.push(`id IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(q.ids));
    }
    if (q.fileTypes?.length) {
      where.push(`file_type IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(q.fileTypes));
    }
    if (q.indexName !== undefined) {
      where.push('index_name = ?');
      params.push(q.indexName);
    }
    if (q.filter) {
      const f = compileSqlite(q.filter);
      where.push(f.sql);
      params.push(...f.params);
    }
    return { where, params };
  }

  async listFileMetas(q: FileMetaListQuery): Promise<Page<FileMeta>> {
    const index = await this.indexFor(q.datasetId, q.versionName);
    if (index) return this.listFromIndex(index, q);
    const { where, params } = this.fileFilter(q);
    const total = (this.db.prepare(`SELECT count(*) AS n FROM file_metas WHERE ${where.join(' AND ')}`).get(...params) as {
      n: number;
    }).n;
    const col = SORT_COLUMNS[q.sortBy];
    const desc = q.order === 'DESC';
    // Ties break by rowid (insertion order): the sort indexes carry it implicitly, so inserting many
    // files with the same time appends to the index instead of landing at random places in it.
    const tb = col === 'id' ? 'id' : 'rowid';
    if (q.nextToken) {
      const [value, last] = decodeToken<string | number>(q.nextToken);
      if (typeof last !== (tb === 'id' ? 'string' : 'number')) throw invalid('NextToken is not a token of this sort order', 'NextToken');
      const cmp = desc ? '<' : '>';
      if (col === 'id') {
        where.push(`id ${cmp} ?`);
        params.push(last);
      } else if (value === null) {
        // NULLs sort first ascending, last descending
        if (desc) where.push(`(${col} IS NULL AND rowid < ?)`);
        else where.push(`(${col} IS NOT NULL OR rowid > ?)`);
        params.push(last);
      } else {
        where.push(`(${col} ${cmp} ? OR (${col} = ? AND rowid ${cmp} ?)${desc ? ` OR ${col} IS NULL` : ''})`);
        params.push(value, value, last);
      }
    }
    const dir = desc ? 'DESC' : 'ASC';
    const orderBy = col === 'id' ? `id ${dir}` : `${col} ${dir}, rowid ${dir}`;
    const rows = this.db
      .prepare(`SELECT rowid AS _rowid, * FROM file_metas WHERE ${where.join(' AND ')} ORDER BY ${orderBy} LIMIT ?`)
      .all(...params, q.maxResults + 1) as Row[];
    const page = pageOf(rows, q.maxResults, total, (r) => encodeToken(col === 'id' ? null : (r[col] as string | number | null), r[tb === 'id' ? 'id' : '_rowid'] as string | number));
    return { ...page, items: page.items.map(toFileMeta) };
  }

  async aggregateFileMetas(q: FileMetaQuery, by: AggregateField, limit: number): Promise<Array<{ key: string; count: number }>> {
    const index = await this.indexFor(q.datasetId, q.versionName);
    if (index) return index.aggregate(index.match(q), by, limit);
    const { where, params } = this.fileFilter(q);
    const tagList = AGGREGATE_TAG_LISTS[by];
    if (tagList) {
      // one count per tag: a file counts once under each of its tags. The filter runs in a subquery,
      // where json_each's own columns (id, key, value, type…) cannot shadow file_metas' ones.
      return this.db
        .prepare(
          `SELECT t.value AS key, count(*) AS count FROM (SELECT ${tagList} AS tags FROM file_metas WHERE ${where.join(' AND ')}) AS f, json_each(f.tags) AS t
           GROUP BY t.value ORDER BY count DESC, key ASC LIMIT ?`,
        )
        .all(...params, limit) as Array<{ key: string; count: number }>;
    }
    const col = AGGREGATE_COLUMNS[by];
    return this.db
      .prepare(
        `SELECT ${col} AS key, count(*) AS count FROM file_metas WHERE ${where.join(' AND ')}
         GROUP BY ${col} ORDER BY count DESC, key ASC LIMIT ?`,
      )
      .all(...params, limit) as Array<{ key: string; count: number }>;
  }

  async listFileMetaIds(q: FileMetaQuery, limit: number): Promise<string[]> {
    const index = await this.indexFor(q.datasetId, q.versionName);
    if (index) return index.match(q).positions(limit).map((p) => index.idAt(p));
    const { where, params } = this.fileFilter(q);
    return (this.db.prepare(`SELECT id FROM file_metas WHERE ${where.join(' AND ')} LIMIT ?`).all(...params, limit) as Array<{ id: string }>).map((r) => r.id);
  }

  async countFileMetas(q: FileMetaQuery): Promise<number> {
    const index = await this.indexFor(q.datasetId, q.versionName);
    if (index) return index.match(q).count();
    const { where, params } = this.fileFilter(q);
    return (this.db.prepare(`SELECT count(*) AS n FROM file_metas WHERE ${where.join(' AND ')}`).get(...params) as { n: number }).n;
  }

  private listFromIndex(index: VersionIndex, q: FileMetaListQuery): Page<FileMeta> {
    const matching = index.match(q);
    let after: { value: string | number | null; tie: string | number } | undefined;
    if (q.nextToken) {
      const [value, tie] = decodeToken<string | number>(q.nextToken);
      if (typeof tie !== (q.sortBy === 'DatasetFileMetaId' ? 'string' : 'number')) throw invalid('NextToken is not a token of this sort order', 'NextToken');
      after = { value, tie };
    }
    const positions = index.page(matching, q.sortBy, q.order === 'DESC', after, q.maxResults + 1);
    const rowids = positions.slice(0, q.maxResults).map((p) => index.rowidAt(p));
    const rows = new Map<number, Row>();
    for (let i = 0; i < rowids.length; i += 500) {
      const chunk = rowids.slice(i, i + 500);
      for (const r of this.db.prepare(`SELECT rowid AS _rowid, * FROM file_metas WHERE rowid IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as Row[]) {
        rows.set(r._rowid as number, r);
      }
    }
    const items = rowids.flatMap((id) => {
      const r = rows.get(id);
      return r ? [toFileMeta(r)] : [];
    });
    const totalCount = matching.count();
    if (positions.length <= q.maxResults) return { items, totalCount };
    const last = positions[q.maxResults - 1]!;
    const token =
      q.sortBy === 'DatasetFileMetaId' ? encodeToken(null, index.idAt(last)) : encodeToken(index.sortValue(last, q.sortBy), index.rowidAt(last));
    return { items, totalCount, nextToken: token };
  }

  /**
   * The in-memory index of a version large enough to need one, caught up with the change log; undefined
   * for small versions (SQL answers them fast enough).
   */
  private async indexFor(datasetId: string, versionName: string): Promise<VersionIndex | undefined> {
    const key = `${datasetId}\u0000${versionName}`;
    const pending = this.building.get(key);
    if (pending) await pending;
    const latest = this.latestChange();
    let index = this.indexes.get(key);
    if (index && !this.stillRegistered(index, datasetId, versionName)) {
      this.indexes.delete(key); // its registration lapsed: writes since may be unlogged
      index = undefined;
    }
    if (index) {
      this.indexes.delete(key); // most recent last
      this.indexes.set(key, index);
      if (this.catchUp(index, latest, datasetId, versionName)) return index;
      this.indexes.delete(key); // the log was pruned past it: rebuild
    } else {
      const files = (this.stmt('SELECT count(*) AS n FROM file_metas WHERE dataset_id = ? AND version_name = ?').get(datasetId, versionName) as { n: number }).n;
      if (files < this.memoryIndexMinFiles || files === 0) return undefined;
    }
    const build = this.buildIndex(datasetId, versionName);
    this.building.set(key, build);
    try {
      index = await build;
    } finally {
      this.building.delete(key);
    }
    this.indexes.set(key, index);
    while (this.indexes.size > MAX_MEMORY_INDEXES) this.indexes.delete(this.indexes.keys().next().value!);
    this.catchUp(index, this.latestChange(), datasetId, versionName); // what was written during the build
    return index;
  }

  /** Applies the logged changes up to `latest`; false when the log no longer reaches back to the index. */
  private catchUp(index: VersionIndex, latest: number, datasetId: string, versionName: string): boolean {
    if (index.seq === latest) return true;
    const oldest = (this.stmt('SELECT min(seq) AS s FROM file_meta_changes').get() as { s: number | null }).s;
    if (oldest !== null && oldest > index.seq + 1) return false;
    const changed = this.stmt('SELECT DISTINCT file_rowid AS r FROM file_meta_changes WHERE seq > ? AND seq <= ?').pluck().all(index.seq, latest) as unknown as number[];
    this.loadRows(index, changed, datasetId, versionName);
    index.seq = latest;
    return true;
  }

  /**
   * Reads the version in pages of rowids, yielding to the event loop between pages: a million files
   * take seconds, and the API and the workers share this thread. Changes made meanwhile are in the log
   * after the sequence number taken first, so the next query catches up with them.
   */
  private async buildIndex(datasetId: string, versionName: string): Promise<VersionIndex> {
    const index = new VersionIndex();
    this.register(index, datasetId, versionName); // first: what is written while it builds gets logged
    const seq = this.latestChange();
    // in rowid order along the table itself (an index on the version would sort every page)
    const page = this.db.prepare(`SELECT ${INDEX_COLUMNS} FROM file_metas NOT INDEXED WHERE rowid > ? AND dataset_id = ? AND version_name = ? ORDER BY rowid LIMIT 5000`);
    for (let after = 0; ; ) {
      const rows = page.all(after, datasetId, versionName) as IndexSourceRow[];
      for (const r of rows) index.upsert(r);
      if (rows.length < 5000) break;
      after = rows[rows.length - 1]!.rowid;
      await new Promise((resolve) => setImmediate(resolve));
    }
    index.seq = seq;
    return index;
  }

  /** Asks writers (every connection's triggers) to log this version's changes for the next hour. */
  private register(index: VersionIndex, datasetId: string, versionName: string): void {
    index.registeredUntil = this.db.transaction(() => {
      this.db.exec(FILE_META_CHANGE_TRIGGERS);
      return this.db
        .prepare(
          `INSERT INTO indexed_versions (dataset_id, version_name, expires_at) VALUES (?, ?, unixepoch() + ?)
           ON CONFLICT (dataset_id, version_name) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at) RETURNING expires_at`,
        )
        .pluck()
        .get(datasetId, versionName, this.registrationSeconds) as number;
    }).immediate();
  }

  /** False once the registration has lapsed (changes may have gone unlogged); renews it when half used. */
  private stillRegistered(index: VersionIndex, datasetId: string, versionName: string): boolean {
    const now = Date.now() / 1000;
    // writers log until unixepoch() (whole seconds, same clock) reaches registeredUntil: a second's margin
    if (now >= index.registeredUntil - 1) return false;
    if (now > index.registeredUntil - this.registrationSeconds / 2) this.register(index, datasetId, versionName);
    return true;
  }

  /** Re-reads changed rows (of any version: the log does not say which); rows gone are removed. */
  private loadRows(index: VersionIndex, rowids: number[], datasetId: string, versionName: string): void {
    for (let i = 0; i < rowids.length; i += 500) {
      const chunk = rowids.slice(i, i + 500);
      const found = this.db
        .prepare(`SELECT ${INDEX_COLUMNS} FROM file_metas WHERE rowid IN (${chunk.map(() => '?').join(',')}) AND dataset_id = ? AND version_name = ?`)
        .all(...chunk, datasetId, versionName) as IndexSourceRow[];
      const seen = new Set<number>();
      for (const r of found) {
        seen.add(r.rowid);
        index.upsert(r);
      }
      for (const r of chunk) if (!seen.has(r)) index.remove(r);
    }
  }

  private latestChange(): number {
    return (this.stmt('SELECT max(seq) FROM file_meta_changes').pluck().get() as unknown as number | null) ?? 0;
  }

  /**
   * Keeps the change log to its last `changeLogKeep` entries (called when a job ends); an index
   * further behind rebuilds. The newest entry is never removed, so sequence numbers only grow. Drops
   * the logging triggers once no registration is live.
   */
  private pruneChanges(): void {
    const upTo = this.latestChange() - this.changeLogKeep;
    if (upTo > 0) this.stmt('DELETE FROM file_meta_changes WHERE seq <= ?').run(upTo);
    // nobody searches in memory any more: writes stop paying for the triggers
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM indexed_versions WHERE expires_at <= unixepoch()').run();
      if (this.db.prepare('SELECT count(*) FROM indexed_versions').pluck().get() === 0) this.db.exec(DROP_FILE_META_CHANGE_TRIGGERS);
    }).immediate();
  }

  // ---------------------------------------------------------------- jobs

  async createJob(j: DatasetJob): Promise<void> {
    this.stmt(
      `INSERT INTO jobs (id, dataset_id, version_name, action, mode, spec, description, status, total, completed, failed, skipped,
         fanout_cursor, fanout_done, listed, deleted, message, create_time, start_time, finish_time, update_time)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      j.datasetJobId,
      j.datasetId,
      j.versionName,
      j.jobAction,
      j.jobMode,
      JSON.stringify(j.jobSpec),
      j.description,
      j.status,
      j.totalFileCount,
      j.completedFileCount,
      j.failedFileCount,
      j.skippedFileCount,
      j.fanoutCursor,
      j.fanoutDone ? 1 : 0,
      j.listedFileCount,
      j.deletedFileCount,
      j.message,
      j.createTime,
      j.startTime,
      j.finishTime,
      j.updateTime,
    );
  }

  async getJob(id: string): Promise<DatasetJob | undefined> {
    const r = this.stmt('SELECT * FROM jobs WHERE id = ?').get(id);
    return r ? toJob(r) : undefined;
  }

  async listJobs(q: JobQuery): Promise<Page<DatasetJob>> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [col, v] of [
      ['dataset_id', q.datasetId],
      ['version_name', q.versionName],
      ['action', q.jobAction],
      ['status', q.status],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        params.push(v);
      }
    }
    const total = (this.db.prepare(`SELECT count(*) AS n FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`).get(...params) as {
      n: number;
    }).n;
    if (q.nextToken) {
      const [t, id] = decodeToken(q.nextToken);
      where.push('(create_time < ? OR (create_time = ? AND id < ?))');
      params.push(t, t, id);
    }
    const rows = this.db
      .prepare(`SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY create_time DESC, id DESC LIMIT ?`)
      .all(...params, q.maxResults + 1) as Row[];
    return pageOf(rows.map(toJob), q.maxResults, total, (j) => encodeToken(j.createTime, j.datasetJobId));
  }

  async transitionJob(
    id: string,
    from: JobStatus[],
    to: JobStatus,
    patch: { startTime?: string; finishTime?: string; message?: string | null; output?: JobOutput; updateTime: string },
  ): Promise<boolean> {
    const r = this.db
      .prepare(
        `UPDATE jobs SET status = ?, start_time = coalesce(?, start_time), finish_time = coalesce(?, finish_time),
           message = CASE WHEN ? THEN ? ELSE message END, output = coalesce(?, output), update_time = ?
         WHERE id = ? AND status IN (${from.map(() => '?').join(',')})`,
      )
      .run(
        to,
        patch.startTime ?? null,
        patch.finishTime ?? null,
        patch.message !== undefined ? 1 : 0,
        patch.message ?? null,
        patch.output ? JSON.stringify(patch.output) : null,
        patch.updateTime,
        id,
        ...from,
      );
    return r.changes === 1;
  }

  async setJobCounts(id: string, c: { total: number; completed: number; failed: number }, now: string): Promise<void> {
    this.stmt(`UPDATE jobs SET total = ?, completed = ?, failed = ?, update_time = ? WHERE id = ? AND status = 'Running'`).run(
      c.total,
      c.completed,
      c.failed,
      now,
      id,
    );
  }

  async finishJobIfComplete(
    id: string,
    decide: (c: JobCounts) => JobStatus,
    now: string,
  ): Promise<boolean> {
    const finished = this.db.transaction(() => {
      const r = this.stmt(
        `SELECT total, completed, failed, skipped FROM jobs
         WHERE id = ? AND status = 'Running' AND fanout_done = 1 AND completed + failed + skipped >= total`,
      ).get(id) as JobCounts | undefined;
      if (!r) return false;
      const status = decide(r);
      return (
        this.stmt(`UPDATE jobs SET status = ?, finish_time = ?, update_time = ? WHERE id = ? AND status = 'Running'`).run(status, now, now, id)
          .changes === 1
      );
    }).immediate();
    if (finished) this.pruneChanges();
    return finished;
  }

  async advanceFanout(id: string, a: FanoutAdvance, now: string): Promise<boolean> {
    return (
      this.stmt(
        `UPDATE jobs SET fanout_cursor = ?, listed = listed + ?, deleted = deleted + ?, fanout_done = ?, update_time = ?
         WHERE id = ? AND fanout_done = 0 AND fanout_cursor IS ?`,
      ).run(a.toCursor, a.listed, a.deleted ?? 0, a.done ? 1 : 0, now, id, a.fromCursor).changes === 1
    );
  }

  async addJobItems(jobId: string, metaIds: string[]): Promise<number> {
    const ins = this.stmt('INSERT OR IGNORE INTO job_items (job_id, meta_id) VALUES (?, ?)');
    return this.db.transaction(() => {
      let added = 0;
      for (const m of metaIds) added += ins.run(jobId, m).changes;
      if (added) this.stmt('UPDATE jobs SET total = total + ? WHERE id = ?').run(added, jobId);
      return added;
    }).immediate();
  }

  async recordOutcomes(jobId: string, outcomes: FileOutcome[]): Promise<Omit<JobCounts, 'total'>> {
    const mark = this.stmt('UPDATE job_items SET state = ?, reason = ? WHERE job_id = ? AND meta_id = ? AND state = 0');
    return this.db.transaction(() => {
      const n = { completed: 0, failed: 0, skipped: 0 };
      for (const o of outcomes) {
        const [state, counter] = !o.ok ? ([2, 'failed'] as const) : o.skipped ? ([3, 'skipped'] as const) : ([1, 'completed'] as const);
        if (mark.run(state, o.ok ? null : o.reason, jobId, o.metaId).changes) n[counter]++;
      }
      if (n.completed || n.failed || n.skipped) {
        this.stmt('UPDATE jobs SET completed = completed + ?, failed = failed + ?, skipped = skipped + ? WHERE id = ?').run(
          n.completed,
          n.failed,
          n.skipped,
          jobId,
        );
      }
      return n;
    }).immediate();
  }

  async openJobItems(jobId: string, metaIds: string[]): Promise<string[]> {
    // Point lookups by primary key: an IN over json_each made SQLite scan the job's open items.
    const isOpen = this.stmt('SELECT 1 FROM job_items WHERE job_id = ? AND meta_id = ? AND state = 0');
    return metaIds.filter((m) => isOpen.get(jobId, m) !== undefined);
  }

  async listFailedJobItems(jobId: string, limit: number): Promise<Array<{ metaId: string; uri: string; reason: string }>> {
    const rows = this.stmt(
      `SELECT i.meta_id, i.reason, f.uri FROM job_items i LEFT JOIN file_metas f ON f.id = i.meta_id
       WHERE i.job_id = ? AND i.state = 2 ORDER BY f.uri LIMIT ?`,
    ).all(jobId, limit) as Array<{ meta_id: string; reason: string | null; uri: string | null }>;
    return rows.map((r) => ({ metaId: r.meta_id, uri: r.uri ?? '', reason: r.reason ?? '' }));
  }

  async appendJobLogs(jobId: string, logs: JobLog[]): Promise<void> {
    const ins = this.stmt('INSERT INTO job_logs (job_id, time, level, message) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const l of logs) ins.run(jobId, l.time, l.level, l.message);
    }).immediate();
  }

  async listJobLogs(jobId: string, limit: number): Promise<JobLog[]> {
    const rows = this.stmt(
      'SELECT time, level, message FROM (SELECT * FROM job_logs WHERE job_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq ASC',
    ).all(jobId, limit) as JobLog[];
    return rows;
  }

  // ---------------------------------------------------------------- smart tags and vectors

  async applyTagResults(updates: TagUpdate[], now: string): Promise<void> {
    const st = this.stmt(
      `UPDATE file_metas SET tags_ai = ?, tag_update_time = ?, tag_fingerprint = ?, tag_definition_id = ?, tag_definition_version = ?,
         tag_model = ?, tag_error = NULL, update_time = ? WHERE id = ?`,
    );
    this.db.transaction(() => {
      for (const u of updates) st.run(JSON.stringify(u.ai), now, u.fileFingerPrint, u.tagDefinitionId, u.tagDefinitionVersion, u.model, now, u.datasetFileMetaId);
    }).immediate();
  }

  async recordTagError(id: string, reason: string, now: string): Promise<void> {
    this.stmt('UPDATE file_metas SET tag_error = ?, update_time = ? WHERE id = ?').run(reason, now, id);
  }

  async applyEmbedResults(updates: EmbedUpdate[], now: string): Promise<void> {
    const st = this.stmt(
      `UPDATE file_metas SET semantic_index_job_id = ?, semantic_index_update_time = ?, embed_fingerprint = ?, embedder_id = ?, index_name = ?,
         embed_error = NULL, update_time = ? WHERE id = ?`,
    );
    this.db.transaction(() => {
      for (const u of updates) st.run(u.jobId, now, u.fileFingerPrint, u.embedderId, u.indexName, now, u.datasetFileMetaId);
    }).immediate();
  }

  async recordEmbedError(id: string, reason: string, now: string): Promise<void> {
    this.stmt('UPDATE file_metas SET embed_error = ?, update_time = ? WHERE id = ?').run(reason, now, id);
  }

  async listDeletedEmbedded(datasetId: string, versionName: string, indexName: string, limit: number): Promise<string[]> {
    return (
      this.stmt(
        `SELECT id FROM file_metas WHERE dataset_id = ? AND version_name = ? AND status = 'DELETED' AND index_name = ? LIMIT ?`,
      ).all(datasetId, versionName, indexName, limit) as Array<{ id: string }>
    ).map((r) => r.id);
  }

  async clearEmbeddings(ids: string[], now: string): Promise<void> {
    const st = this.stmt(
      `UPDATE file_metas SET semantic_index_job_id = NULL, semantic_index_update_time = NULL, embed_fingerprint = NULL, embedder_id = NULL,
         index_name = NULL, update_time = ? WHERE id = ?`,
    );
    this.db.transaction(() => {
      for (const id of ids) st.run(now, id);
    }).immediate();
  }

  async updateUserTags(id: string, tags: { user: string[]; userDeleteAiTags: string[] }, now: string): Promise<void> {
    this.stmt('UPDATE file_metas SET tags_user = ?, tags_user_delete_ai = ?, update_time = ? WHERE id = ?').run(
      JSON.stringify(tags.user),
      JSON.stringify(tags.userDeleteAiTags),
      now,
      id,
    );
  }

  async coverage(datasetId: string, versionName: string, target: CoverageTarget): Promise<CoverageCounts> {
    const [fp, err, upToDate, params] =
      target.kind === 'tags'
        ? [
            'tag_fingerprint',
            'tag_error',
            `tag_fingerprint = fingerprint AND tag_definition_id = ? AND tag_definition_version = ?${target.model ? ' AND tag_model = ?' : ''}`,
            [target.tagDefinitionId, target.tagDefinitionVersion, ...(target.model ? [target.model] : [])],
          ]
        : ['embed_fingerprint', 'embed_error', 'embed_fingerprint = fingerprint AND embedder_id = ? AND index_name = ?', [target.embedderId, target.indexName]];
    const r = this.db
      .prepare(
        `SELECT
           sum(status IN ('ACTIVE', 'PENDING')) AS total,
           sum(status IN ('ACTIVE', 'PENDING') AND ${err} IS NULL AND (${upToDate})) AS upToDate,
           sum(status IN ('ACTIVE', 'PENDING') AND ${err} IS NOT NULL) AS failed,
           sum(status IN ('ACTIVE', 'PENDING') AND ${err} IS NULL AND ${fp} IS NULL) AS never,
           sum(status = 'FAILED') AS unusable
         FROM file_metas WHERE dataset_id = ? AND version_name = ?`,
      )
      .get(...params, datasetId, versionName) as Record<string, number | null>;
    const n = (k: string) => r[k] ?? 0;
    return { total: n('total'), upToDate: n('upToDate'), failed: n('failed'), never: n('never'), stale: n('total') - n('upToDate') - n('failed') - n('never'), unusable: n('unusable') };
  }

  async getIndexConfig(datasetId: string): Promise<IndexConfig | undefined> {
    const r = this.stmt('SELECT * FROM index_configs WHERE dataset_id = ?').get(datasetId);
    return r
      ? {
          datasetId: r.dataset_id as string,
          embeddingConnectionId: r.embedding_connection_id as string,
          vectorConnectionId: r.vector_connection_id as string,
          indexName: r.index_name as string,
          modelName: (r.model_name as string | null) ?? null,
          createTime: r.create_time as string,
          updateTime: r.update_time as string,
        }
      : undefined;
  }

  async putIndexConfig(c: IndexConfig): Promise<void> {
    this.stmt(
      `INSERT INTO index_configs (dataset_id, embedding_connection_id, vector_connection_id, index_name, model_name, create_time, update_time)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (dataset_id) DO UPDATE SET embedding_connection_id = excluded.embedding_connection_id,
         vector_connection_id = excluded.vector_connection_id, index_name = excluded.index_name, model_name = excluded.model_name,
         update_time = excluded.update_time`,
    ).run(c.datasetId, c.embeddingConnectionId, c.vectorConnectionId, c.indexName, c.modelName, c.createTime, c.updateTime);
  }

  async getReindexSetting(datasetId: string): Promise<ReindexSetting | undefined> {
    const r = this.stmt('SELECT * FROM reindex_settings WHERE dataset_id = ?').get(datasetId);
    return r ? toReindexSetting(r) : undefined;
  }

  async putReindexSetting(s: ReindexSetting): Promise<void> {
    this.stmt(
      `INSERT INTO reindex_settings (dataset_id, setting, create_time, update_time, last_run_time) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (dataset_id) DO UPDATE SET setting = excluded.setting, update_time = excluded.update_time`,
    ).run(s.datasetId, JSON.stringify({ jobMode: s.jobMode, actions: s.actions, versionName: s.versionName }), s.createTime, s.updateTime, s.lastRunTime);
  }

  async deleteReindexSetting(datasetId: string): Promise<void> {
    this.stmt('DELETE FROM reindex_settings WHERE dataset_id = ?').run(datasetId);
  }

  async listReindexSettings(q: { maxResults: number; nextToken?: string }): Promise<Page<ReindexSetting>> {
    const total = (this.stmt('SELECT count(*) AS n FROM reindex_settings').get() as { n: number }).n;
    const after = q.nextToken ? String(decodeToken(q.nextToken)[1]) : '';
    const rows = this.stmt('SELECT * FROM reindex_settings WHERE dataset_id > ? ORDER BY dataset_id LIMIT ?').all(after, q.maxResults + 1);
    return pageOf(rows.map(toReindexSetting), q.maxResults, total, (s) => encodeToken(null, s.datasetId));
  }

  async recordReindexRun(datasetId: string, time: string): Promise<void> {
    this.stmt('UPDATE reindex_settings SET last_run_time = ? WHERE dataset_id = ?').run(time, datasetId);
  }

  async acquireLease(jobId: string, slots: number, holder: string, ttlMs: number, nowMs: number): Promise<boolean> {
    const take = this.stmt(
      `INSERT INTO job_leases (job_id, slot, holder, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (job_id, slot) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE job_leases.expires_at <= ?`,
    );
    return this.db.transaction(() => {
      for (let slot = 0; slot < slots; slot++) if (take.run(jobId, slot, holder, nowMs + ttlMs, nowMs).changes === 1) return true;
      return false;
    }).immediate();
  }

  async renewLease(jobId: string, holder: string, ttlMs: number, nowMs: number): Promise<boolean> {
    return this.stmt('UPDATE job_leases SET expires_at = ? WHERE job_id = ? AND holder = ?').run(nowMs + ttlMs, jobId, holder).changes > 0;
  }

  async releaseLease(jobId: string, holder: string): Promise<void> {
    this.stmt('DELETE FROM job_leases WHERE job_id = ? AND holder = ?').run(jobId, holder);
  }

  // ---------------------------------------------------------------- connections and tag definitions

  async createConnection(c: Connection, sealedSecrets: string): Promise<void> {
    try {
      this.stmt(
        `INSERT INTO connections (id, name, type, configs, secret_names, sealed_secrets, models, create_time, update_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(c.connectionId, c.connectionName, c.connectionType, JSON.stringify(c.configs), JSON.stringify(c.secretNames), sealedSecrets, JSON.stringify(c.models), c.createTime, c.updateTime);
    } catch (e) {
      throw uniqueViolation(e, `a connection named '${c.connectionName}' exists`);
    }
  }

  async getConnection(id: string): Promise<{ connection: Connection; sealedSecrets: string } | undefined> {
    const r = this.stmt('SELECT * FROM connections WHERE id = ?').get(id);
    return r ? { connection: toConnection(r), sealedSecrets: r.sealed_secrets as string } : undefined;
  }

  async listConnections(q: { type?: ConnectionType; maxResults: number; nextToken?: string }): Promise<Page<Connection>> {
    return this.pageByCreateTime('connections', q.type ? { col: 'type', value: q.type } : undefined, q, toConnection, (c) => [c.createTime, c.connectionId]);
  }

  async updateConnection(c: Connection, sealedSecrets: string): Promise<void> {
    try {
      this.stmt(
        `UPDATE connections SET name = ?, configs = ?, secret_names = ?, sealed_secrets = ?, models = ?, update_time = ? WHERE id = ?`,
      ).run(c.connectionName, JSON.stringify(c.configs), JSON.stringify(c.secretNames), sealedSecrets, JSON.stringify(c.models), c.updateTime, c.connectionId);
    } catch (e) {
      throw uniqueViolation(e, `a connection named '${c.connectionName}' exists`);
    }
  }

  async deleteConnection(id: string): Promise<void> {
    this.stmt('DELETE FROM connections WHERE id = ?').run(id);
  }

  async createTagDefinition(t: TagDefinition): Promise<void> {
    this.stmt(
      `INSERT INTO tag_definitions (id, name, guide_prompt, tags, version, create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(t.tagDefinitionId, t.name, t.guidePrompt, JSON.stringify(t.tags), t.version, t.createTime, t.updateTime);
  }

  async getTagDefinition(id: string): Promise<TagDefinition | undefined> {
    const r = this.stmt('SELECT * FROM tag_definitions WHERE id = ?').get(id);
    return r ? toTagDefinition(r) : undefined;
  }

  async listTagDefinitions(q: { maxResults: number; nextToken?: string }): Promise<Page<TagDefinition>> {
    return this.pageByCreateTime('tag_definitions', undefined, q, toTagDefinition, (t) => [t.createTime, t.tagDefinitionId]);
  }

  async updateTagDefinition(t: TagDefinition, expectedVersion: number): Promise<boolean> {
    return (
      this.stmt(`UPDATE tag_definitions SET name = ?, guide_prompt = ?, tags = ?, version = ?, update_time = ? WHERE id = ? AND version = ?`).run(
        t.name,
        t.guidePrompt,
        JSON.stringify(t.tags),
        t.version,
        t.updateTime,
        t.tagDefinitionId,
        expectedVersion,
      ).changes === 1
    );
  }

  async deleteTagDefinition(id: string): Promise<void> {
    this.stmt('DELETE FROM tag_definitions WHERE id = ?').run(id);
  }

  /** Newest-first keyset page of a small table ordered by (create_time, id). */
  private pageByCreateTime<T>(
    table: 'connections' | 'tag_definitions',
    filter: { col: string; value: string } | undefined,
    q: { maxResults: number; nextToken?: string },
    map: (r: Row) => T,
    keyOf: (t: T) => [string, string],
  ): Page<T> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter) {
      where.push(`${filter.col} = ?`);
      params.push(filter.value);
    }
    const total = (this.db.prepare(`SELECT count(*) AS n FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`).get(...params) as { n: number }).n;
    if (q.nextToken) {
      const [t, id] = decodeToken(q.nextToken);
      where.push('(create_time < ? OR (create_time = ? AND id < ?))');
      params.push(t, t, id);
    }
    const rows = this.db
      .prepare(`SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY create_time DESC, id DESC LIMIT ?`)
      .all(...params, q.maxResults + 1) as Row[];
    return pageOf(rows.map(map), q.maxResults, total, (x) => encodeToken(...keyOf(x)));
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}

function pageOf<T>(rows: T[], max: number, totalCount: number, tokenOf: (last: T) => string): Page<T> {
  if (rows.length <= max) return { items: rows, totalCount };
  const items = rows.slice(0, max);
  return { items, totalCount, nextToken: tokenOf(items[items.length - 1]!) };
}

function toDataset(r: Row): Dataset {
  return {
    datasetId: r.id as string,
    name: r.name as string,
    description: r.description as string,
    edition: r.edition as Dataset['edition'],
    dataType: 'PIC',
    uri: r.uri as string,
    createTime: r.create_time as string,
    updateTime: r.update_time as string,
  };
}

function toFileMeta(r: Row): FileMeta {
  return {
    datasetFileMetaId: r.id as string,
    datasetId: r.dataset_id as string,
    versionName: r.version_name as string,
    uri: r.uri as string,
    fileName: r.file_name as string,
    fileDir: r.file_dir as string,
    dataSize: r.data_size as number,
    fileFingerPrint: r.fingerprint as string,
    fileCreateTime: (r.file_create_time as string | null) ?? null,
    fileUpdateTime: r.file_update_time as string,
    fileType: r.file_type as string,
    contentType: (r.content_type as string | null) ?? null,
    metaAttributes: JSON.parse(r.meta_attributes as string) as FileMeta['metaAttributes'],
    tags: {
      ai: JSON.parse(r.tags_ai as string) as string[],
      user: JSON.parse(r.tags_user as string) as string[],
      userDeleteAiTags: JSON.parse(r.tags_user_delete_ai as string) as string[],
    },
    tagUpdateTime: (r.tag_update_time as string | null) ?? null,
    semanticIndexJobId: (r.semantic_index_job_id as string | null) ?? null,
    semanticIndexUpdateTime: (r.semantic_index_update_time as string | null) ?? null,
    status: r.status as FileStatus,
    failReason: (r.fail_reason as string | null) ?? null,
    probedFingerPrint: (r.probed_fingerprint as string | null) ?? null,
    probeDepth: (r.probe_depth as FileMeta['probeDepth']) ?? null,
    tagFingerPrint: (r.tag_fingerprint as string | null) ?? null,
    tagDefinitionId: (r.tag_definition_id as string | null) ?? null,
    tagDefinitionVersion: (r.tag_definition_version as number | null) ?? null,
    tagModel: (r.tag_model as string | null) ?? null,
    tagError: (r.tag_error as string | null) ?? null,
    embedFingerPrint: (r.embed_fingerprint as string | null) ?? null,
    embedderId: (r.embedder_id as string | null) ?? null,
    indexName: (r.index_name as string | null) ?? null,
    embedError: (r.embed_error as string | null) ?? null,
    createTime: r.create_time as string,
    updateTime: r.update_time as string,
  };
}

function uniqueViolation(e: unknown, message: string): unknown {
  return (e as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE' ? conflict(message) : e;
}

function toReindexSetting(r: Row): ReindexSetting {
  const s = JSON.parse(r.setting as string) as Pick<ReindexSetting, 'jobMode' | 'actions' | 'versionName'>;
  return {
    datasetId: r.dataset_id as string,
    jobMode: s.jobMode,
    actions: s.actions,
    versionName: s.versionName ?? null,
    createTime: r.create_time as string,
    updateTime: r.update_time as string,
    lastRunTime: (r.last_run_time as string | null) ?? null,
  };
}

function toConnection(r: Row): Connection {
  return {
    connectionId: r.id as string,
    connectionName: r.name as string,
    connectionType: r.type as ConnectionType,
    configs: JSON.parse(r.configs as string) as Record<string, string>,
    secretNames: JSON.parse(r.secret_names as string) as string[],
    models: JSON.parse(r.models as string) as Connection['models'],
    createTime: r.create_time as string,
    updateTime: r.update_time as string,
  };
}

function toTagDefinition(r: Row): TagDefinition {
  return {
    tagDefinitionId: r.id as string,
    name: r.name as string,
    guidePrompt: r.guide_prompt as string,
    tags: JSON.parse(r.tags as string) as TagDefinition['tags'],
    version: r.version as number,
    createTime: r.create_time as string,
    updateTime: r.update_time as string,
  };
}

/** The diff counts a page token carries (`added/removed/changed`); undefined when it carries none. */
function countsOf(carried: string | number | null): Record<LogicalChange, number> | undefined {
  const m = typeof carried === 'string' ? /^(\d+)\/(\d+)\/(\d+)$/.exec(carried) : null;
  return m ? { Added: Number(m[1]), Removed: Number(m[2]), Changed: Number(m[3]) } : undefined;
}

function toLogicalRef(r: Row): LogicalRef {
  return {
    datasetFileMetaId: r.meta_id as string,
    sourceDatasetId: r.source_dataset_id as string,
    sourceVersionName: r.source_version_name as string,
    uri: r.uri as string,
    fileName: r.file_name as string,
    fileFingerPrint: r.fingerprint as string,
    dataSize: r.data_size as number,
    metaAttributes: JSON.parse(r.meta_attributes as string) as Record<string, unknown>,
    tags: JSON.parse(r.tags as string) as LogicalRef['tags'],
    ...(r.score !== null && r.score !== undefined ? { score: r.score as number } : {}),
  };
}

function toJob(r: Row): DatasetJob {
  return {
    datasetJobId: r.id as string,
    datasetId: r.dataset_id as string,
    versionName: r.version_name as string,
    jobAction: r.action as DatasetJob['jobAction'],
    jobMode: r.mode as DatasetJob['jobMode'],
    jobSpec: JSON.parse(r.spec as string) as Record<string, unknown>,
    description: r.description as string,
    status: r.status as JobStatus,
    totalFileCount: r.total as number,
    completedFileCount: r.completed as number,
    failedFileCount: r.failed as number,
    skippedFileCount: r.skipped as number,
    fanoutCursor: (r.fanout_cursor as string | null) ?? null,
    fanoutDone: r.fanout_done === 1,
    listedFileCount: r.listed as number,
    deletedFileCount: r.deleted as number,
    message: (r.message as string | null) ?? null,
    ...(r.output ? { output: JSON.parse(r.output as string) as JobOutput } : {}),
    createTime: r.create_time as string,
    startTime: (r.start_time as string | null) ?? null,
    finishTime: (r.finish_time as string | null) ?? null,
    updateTime: r.update_time as string,
  };
}
