// MetaStore on embedded SQLite (better-sqlite3, WAL): the local default.
import Database from 'better-sqlite3';
import type { Connection, ConnectionType, TagDefinition } from '../../domain/connection.js';
import { upsertLabels, type Dataset, type DatasetVersion, type IndexConfig, type Label } from '../../domain/dataset.js';
import type { DatasetShare } from '../../domain/dataset-sharing.js';
import { conflict, invalid } from '../../domain/errors.js';
import { allTags, DEFAULT_LISTED_STATUSES, PROBE_ATTRIBUTE_KEYS, type FileMeta, type FileStatus } from '../../domain/file-meta.js';
import { compileSqlite, registerDslFunctions } from '../../dsl/compile-sqlite.js';
import { TERMINAL_STATUSES, type DatasetJob, type FileOutcome, type JobCounts, type JobLog, type JobOutput, type JobSortBy, type JobStatus } from '../../domain/job.js';
import type { DatasetJobConfig } from '../../domain/job-config.js';
import type { LogicalChange, LogicalRef } from '../../domain/logical.js';
import type { ReindexSetting } from '../../domain/reindex.js';
import type {
  AggregateField,
  CoverageCounts,
  CoverageTarget,
  ConnectionQuery,
  CreatedFileRow,
  FileFacts,
  EmbedUpdate,
  TagUpdate,
  DatasetPatch,
  DatasetQuery,
  DatasetSortField,
  VersionPatch,
  VersionQuery,
  VersionSortField,
  FanoutAdvance,
  FileMetaContentUpdate,
  FileMetaListQuery,
  FileMetaQuery,
  FileSortField,
  JobConfigQuery,
  JobQuery,
  TagRevertStep,
  ListedFileRow,
  MetaStore,
  Page,
  ProbeUpdate,
  TagDefinitionPageQuery,
  UserTagEdit,
} from '../../ports/meta-store.js';
import { preparePrivateSqliteFile } from '../private-files.js';
import { startCheckpointer, type Checkpointer } from '../sqlite-checkpointer.js';
import { VersionIndex, type IndexSourceRow } from './file-meta-index.js';
import { Conditions } from './sql-conditions.js';
import { DROP_FILE_META_CHANGE_TRIGGERS, FILE_META_CHANGE_TRIGGERS, SQLITE_MIGRATIONS } from './sqlite-migrations.js';

type Row = Record<string, unknown>;

/** meta_attributes without the keys a probe measures: what people set, kept through probes and content changes. */
const PEOPLES_ATTRIBUTES = `json_remove(meta_attributes, ${PROBE_ATTRIBUTE_KEYS.map((k) => `'$.${k}'`).join(', ')})`;
type Statement = Database.Statement<unknown[], Row>;

const SORT_COLUMNS: Record<FileSortField, string> = {
  FileUpdateTime: 'file_update_time',
  FileCreateTime: 'file_create_time',
  FileName: 'file_name',
  DataSize: 'data_size',
  DatasetFileMetaId: 'id',
};

const DATASET_SORT_COLUMNS: Record<DatasetSortField, string> = {
  GmtCreateTime: 'create_time',
  GmtModifiedTime: 'update_time',
  DataSourceType: 'data_source_type',
  DataType: 'data_type',
};
const VERSION_SORT_COLUMNS: Record<Exclude<VersionSortField, 'DataSize' | 'DataCount'>, string> = {
  GmtCreateTime: 'create_time',
  GmtModifiedTime: 'update_time',
  SourceType: 'source_type',
  DataSourceType: 'data_source_type',
  Property: 'property',
  DatasetId: 'dataset_id',
};

const AGGREGATE_COLUMNS: Record<string, string> = {
  filedir: 'file_dir',
  file_type: 'file_type',
  file_format: 'file_format',
  status: 'status',
};
const AGGREGATE_TAG_LISTS: Partial<Record<AggregateField, string>> = {
  'tags.all': 'loupe_all_tags(tags_ai, tags_user, tags_user_delete_ai)',
  'tags.ai': 'tags_ai',
  'tags.user': 'tags_user',
  'tags.user-delete-ai-tags': 'tags_user_delete_ai',
};

/** What a VersionIndex reads of a row. */
const INDEX_COLUMNS = `rowid, id, status, file_name, file_dir, uri, file_type, file_format, content_type, semantic_index_job_id, index_name, data_size,
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
      `INSERT INTO datasets (id, workspace_id, name, description, edition, data_type, data_source_type, property, uri, labels, options,
         accessibility, accessible_role_ids, mount_rw_role_ids, provider, provider_type, source_type, source_id, source_dataset_id,
         source_dataset_version, import_info, user_id, owner_id, create_time, update_time)
       VALUES (@datasetId, @workspaceId, @name, @description, @edition, @dataType, @dataSourceType, @property, @uri, @labels, @options,
         @accessibility, @accessibleRoleIds, @mountRwRoleIds, @provider, @providerType, @sourceType, @sourceId, @sourceDatasetId,
         @sourceDatasetVersion, @importInfo, @userId, @ownerId, @createTime, @updateTime)`,
    ).run({
      datasetId: d.datasetId,
      workspaceId: d.workspaceId,
      name: d.name,
      description: d.description,
      edition: d.edition,
      dataType: d.dataType,
      dataSourceType: d.dataSourceType,
      property: d.property,
      uri: d.uri,
      labels: JSON.stringify(d.labels),
      options: d.options,
      accessibility: d.accessibility,
      accessibleRoleIds: JSON.stringify(d.accessibleRoleIdList),
      mountRwRoleIds: JSON.stringify(d.mountAccessReadWriteRoleIdList),
      provider: d.provider,
      providerType: d.providerType,
      sourceType: d.sourceType,
      sourceId: d.sourceId,
      sourceDatasetId: d.sourceDatasetId,
      sourceDatasetVersion: d.sourceDatasetVersion,
      importInfo: d.importInfo,
      userId: d.userId,
      ownerId: d.ownerId ?? null,
      createTime: d.createTime,
      updateTime: d.updateTime,
    });
  }

  async getDataset(id: string): Promise<Dataset | undefined> {
    const r = this.stmt('SELECT * FROM datasets WHERE id = ?').get(id);
    return r ? toDataset(r) : undefined;
  }

  async listDatasets(q: DatasetQuery): Promise<Page<Dataset>> {
    const c = new Conditions();
    const { sql: where, params } = c;
    if (q.workspaceId !== undefined && q.share) {
      // Shared to the workspace: an ACTIVE share (expires_at is '' or an ISO 8601 UTC time, comparable as text).
      const sharedTo = `id IN (SELECT dataset_id FROM dataset_shares WHERE workspace_id = ? AND (expires_at = '' OR expires_at > ?))`;
      if (q.share.scope === 'WITH_SHARED') c.add(`(workspace_id = ? OR ${sharedTo})`, q.workspaceId, q.workspaceId, q.share.now);
      else if (q.share.scope === 'TO_ME') c.add(`workspace_id <> ? AND ${sharedTo}`, q.workspaceId, q.workspaceId, q.share.now);
      else c.add(`workspace_id = ? AND EXISTS (SELECT 1 FROM dataset_shares s WHERE s.dataset_id = datasets.id)`, q.workspaceId);
    } else c.equals('workspace_id', q.workspaceId);
    if (q.nameContains) c.add(`name LIKE ? ESCAPE '\\'`, `%${escapeLike(q.nameContains)}%`);
    c.equals('edition', q.edition).anyOf('id', q.datasetIds).anyOf('data_type', q.dataTypes).anyOf('data_source_type', q.dataSourceTypes).anyOf('property', q.properties);
    if (q.labelContains) {
      const like = `%${escapeLike(q.labelContains)}%`;
      c.add(`EXISTS (SELECT 1 FROM json_each(datasets.labels) l WHERE json_extract(l.value, '$.key') LIKE ? ESCAPE '\\' OR json_extract(l.value, '$.value') LIKE ? ESCAPE '\\')`, like, like);
    }
    c.equals('provider', q.provider).anyOf('source_type', q.sourceTypes).equals('source_id', q.sourceId);
    c.equals('source_dataset_id', q.sourceDatasetId).equals('accessibility', q.accessibility);
    const filter = c.where();
    const total = (this.stmt(`SELECT count(*) AS n FROM datasets ${filter}`).get(...params) as { n: number }).n;
    const column = DATASET_SORT_COLUMNS[q.sortBy ?? 'GmtCreateTime'];
    const order = q.order ?? 'DESC';
    const after = order === 'DESC' ? '<' : '>';
    const page = [...where];
    const pageParams = [...params];
    // Ties are broken by insertion order (the rowid): datasets made in one millisecond keep the order they were made in.
    if (q.nextToken) {
      const [t, rowid] = decodeToken<number>(q.nextToken);
      page.push(`(${column} ${after} ? OR (${column} = ? AND rowid ${after} ?))`);
      pageParams.push(t, t, rowid);
    }
    const rows = this.stmt(
      `SELECT rowid AS row_id, * FROM datasets ${page.length ? `WHERE ${page.join(' AND ')}` : ''} ORDER BY ${column} ${order}, rowid ${order} LIMIT ? OFFSET ?`,
    ).all(...pageParams, q.maxResults + 1, q.nextToken ? 0 : (q.offset ?? 0));
    const p = pageOf(rows, q.maxResults, total, (r) => encodeToken(r[column] as string, r.row_id as number));
    return { ...p, items: p.items.map(toDataset) };
  }

  async updateDataset(id: string, patch: DatasetPatch): Promise<void> {
    const json = (v: string[] | undefined) => (v === undefined ? null : JSON.stringify(v));
    this.db.transaction(() => {
      const changed = this.updateDatasetRow(id, patch, json);
      if (patch.sharedTo === undefined || !changed) return; // no shares for a dataset that is gone
      this.stmt('DELETE FROM dataset_shares WHERE dataset_id = ?').run(id);
      patch.sharedTo.forEach((sh, seq) =>
        this.stmt(
          `INSERT INTO dataset_shares (dataset_id, workspace_id, seq, tenant_id, access_levels, expires_at, shared_at, secure_mode, extra)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(id, sh.workspaceId, seq, sh.tenantId, JSON.stringify(sh.allowedMountAccessLevels), sh.expiresAt, sh.sharedAt, sh.isSecureMode ? 1 : 0, sh.extra),
      );
    }).immediate();
  }

  async getDatasetShares(datasetId: string): Promise<DatasetShare[]> {
    return this.stmt('SELECT * FROM dataset_shares WHERE dataset_id = ? ORDER BY seq').all(datasetId).map(toDatasetShare);
  }

  async listDatasetShares(datasetIds: string[]): Promise<Map<string, DatasetShare[]>> {
    const out = new Map<string, DatasetShare[]>();
    if (!datasetIds.length) return out;
    const rows = this.stmt('SELECT * FROM dataset_shares WHERE dataset_id IN (SELECT value FROM json_each(?)) ORDER BY dataset_id, seq').all(
      JSON.stringify(datasetIds),
    );
    for (const r of rows) {
      const list = out.get(r.dataset_id as string) ?? [];
      list.push(toDatasetShare(r));
      out.set(r.dataset_id as string, list);
    }
    return out;
  }

  private updateDatasetRow(id: string, patch: DatasetPatch, json: (v: string[] | undefined) => string | null): boolean {
    return this.stmt(
      `UPDATE datasets SET name = coalesce(?, name), description = coalesce(?, description), edition = coalesce(?, edition),
         options = coalesce(?, options), accessibility = coalesce(?, accessibility), accessible_role_ids = coalesce(?, accessible_role_ids),
         mount_rw_role_ids = coalesce(?, mount_rw_role_ids), update_time = ? WHERE id = ?`,
    ).run(
      patch.name ?? null,
      patch.description ?? null,
      patch.edition ?? null,
      patch.options ?? null,
      patch.accessibility ?? null,
      json(patch.accessibleRoleIdList),
      json(patch.mountAccessReadWriteRoleIdList),
      patch.updateTime,
      id,
    ).changes > 0;
  }

  async putLabels(datasetId: string, versionName: string | undefined, labels: Label[], now: string): Promise<boolean> {
    return this.changeLabels(datasetId, versionName, now, (current) => upsertLabels(current, labels));
  }

  async deleteLabels(datasetId: string, versionName: string | undefined, keys: string[], now: string): Promise<boolean> {
    const drop = new Set(keys);
    return this.changeLabels(datasetId, versionName, now, (current) => current.filter((l) => !drop.has(l.key)));
  }

  private changeLabels(datasetId: string, versionName: string | undefined, now: string, change: (current: Label[]) => Label[]): boolean {
    return this.db.transaction(() => {
      const [table, where, args] =
        versionName === undefined
          ? ['datasets', 'id = ?', [datasetId]]
          : ['versions', 'dataset_id = ? AND version_name = ? AND building_job IS NULL', [datasetId, versionName]];
      const row = this.stmt(`SELECT labels FROM ${table} WHERE ${where}`).get(...args) as { labels: string } | undefined;
      if (!row) return false;
      const labels = change(JSON.parse(row.labels) as Label[]);
      this.stmt(`UPDATE ${table} SET labels = ?, update_time = ? WHERE ${where}`).run(JSON.stringify(labels), now, ...args);
      return true;
    }).immediate();
  }

  async deleteDataset(id: string): Promise<void> {
    this.db.transaction(() => {
      const jobs = this.stmt('SELECT id FROM jobs WHERE dataset_id = ?').all(id) as Array<{ id: string }>;
      for (const j of jobs) this.deleteJobRows(j.id);
      this.stmt('DELETE FROM file_metas WHERE dataset_id = ?').run(id);
      this.stmt('DELETE FROM logical_refs WHERE dataset_id = ?').run(id);
      this.stmt('DELETE FROM reindex_settings WHERE dataset_id = ?').run(id);
      this.stmt('DELETE FROM index_configs WHERE dataset_id = ?').run(id);
      // A job config's apiKey lives in a connection of its own (JobConfigService): it goes with the config.
      this.stmt(
        `DELETE FROM connections WHERE id IN (SELECT json_extract(config, '$.apiKeyConnectionId') FROM dataset_job_configs WHERE dataset_id = ?)`,
      ).run(id);
      this.stmt('DELETE FROM dataset_job_configs WHERE dataset_id = ?').run(id);
      this.stmt('DELETE FROM dataset_shares WHERE dataset_id = ?').run(id);
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
      `INSERT INTO versions (dataset_id, version_name, description, uri, data_source_type, property, labels, options, source_type, source_id,
         import_info, task_ram_role, user_metrics_endpoints, create_time, update_time)
       VALUES (@datasetId, @versionName, @description, @uri, @dataSourceType, @property, @labels, @options, @sourceType, @sourceId,
         @importInfo, @datasetTaskRamRole, @userMetricsEndpoints, @createTime, @updateTime)`,
    ).run({
      datasetId: v.datasetId,
      versionName: v.versionName,
      description: v.description,
      uri: v.uri,
      dataSourceType: v.dataSourceType,
      property: v.property,
      labels: JSON.stringify(v.labels),
      options: v.options,
      sourceType: v.sourceType,
      sourceId: v.sourceId,
      importInfo: v.importInfo,
      datasetTaskRamRole: v.datasetTaskRamRole,
      userMetricsEndpoints: JSON.stringify(v.userMetricsEndpoints),
      createTime: v.createTime,
      updateTime: v.updateTime,
    });
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

  async queryVersions(q: VersionQuery): Promise<{ items: DatasetVersion[]; totalCount: number }> {
    const c = new Conditions(['dataset_id = ?', 'building_job IS NULL'], [q.datasetId]);
    const { sql: where, params } = c;
    c.anyOf('property', q.properties).anyOf('source_type', q.sourceTypes).equals('source_id', q.sourceId);
    if (q.labelKeys || q.labelValues) {
      // Case-insensitive "contains" (ASCII, as LIKE): one label must match both lists when both are given.
      const contains = (part: 'key' | 'value', values: string[] | undefined) =>
        values ? `EXISTS (SELECT 1 FROM json_each(?) w WHERE instr(lower(json_extract(l.value, '$.${part}')), lower(w.value)) > 0)` : '1';
      where.push(`EXISTS (SELECT 1 FROM json_each(versions.labels) l WHERE ${contains('key', q.labelKeys)} AND ${contains('value', q.labelValues)})`);
      if (q.labelKeys) params.push(JSON.stringify(q.labelKeys));
      if (q.labelValues) params.push(JSON.stringify(q.labelValues));
    }
    const filter = `WHERE ${where.join(' AND ')}`;
    const totalCount = (this.stmt(`SELECT count(*) AS n FROM versions ${filter}`).get(...params) as { n: number }).n;
    const byNumber = (a: DatasetVersion, b: DatasetVersion) => Number(a.versionName.slice(1)) - Number(b.versionName.slice(1));
    const sign = q.order === 'DESC' ? -1 : 1;
    if (q.sortBy === 'DataSize' || q.sortBy === 'DataCount') {
      // Computed values: every matching version is counted, then sorted (a dataset has few versions).
      const key = q.sortBy === 'DataSize' ? 'dataSize' : 'fileCount';
      const all = (this.stmt(`SELECT * FROM versions ${filter}`).all(...params) as Row[]).map((r) => this.toVersion(r));
      all.sort((a, b) => sign * (a[key] - b[key] || byNumber(a, b)));
      return { items: all.slice(q.offset, q.offset + q.limit), totalCount };
    }
    const column = VERSION_SORT_COLUMNS[q.sortBy];
    const rows = this.stmt(
      `SELECT * FROM versions ${filter} ORDER BY ${column} ${q.order}, CAST(substr(version_name, 2) AS INTEGER) ${q.order} LIMIT ? OFFSET ?`,
    ).all(...params, q.limit, q.offset) as Row[];
    return { items: rows.map((r) => this.toVersion(r)), totalCount };
  }

  async latestVersion(datasetId: string): Promise<DatasetVersion | undefined> {
    const r = this.stmt(
      'SELECT * FROM versions WHERE dataset_id = ? AND building_job IS NULL ORDER BY CAST(substr(version_name, 2) AS INTEGER) DESC LIMIT 1',
    ).get(datasetId);
    return r ? this.toVersion(r) : undefined;
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
    // A version holds files (BASIC/ADVANCED, counted now: one pass over fm_by_status, which covers
    // data_size) or references (LOGICAL, counted and summed when published).
    const n =
      r.ref_count !== null && r.ref_count !== undefined
        ? { n: r.ref_count as number, size: (r.ref_size as number | null) ?? 0 }
        : (this.stmt(
            `SELECT count(*) AS n, coalesce(sum(data_size), 0) AS size FROM file_metas
             WHERE dataset_id = ? AND version_name = ? AND status IN (${DEFAULT_LISTED_STATUSES.map(() => '?').join(',')})`,
          ).get(r.dataset_id, r.version_name, ...DEFAULT_LISTED_STATUSES) as { n: number; size: number });
    return {
      datasetId: r.dataset_id as string,
      versionName: r.version_name as string,
      description: r.description as string,
      uri: r.uri as string,
      dataSourceType: r.data_source_type as DatasetVersion['dataSourceType'],
      property: 'DIRECTORY',
      labels: JSON.parse(r.labels as string) as Label[],
      options: r.options as string,
      sourceType: r.source_type as string,
      sourceId: r.source_id as string,
      importInfo: r.import_info as string,
      datasetTaskRamRole: r.task_ram_role as string,
      userMetricsEndpoints: JSON.parse(r.user_metrics_endpoints as string) as DatasetVersion['userMetricsEndpoints'],
      fileCount: n.n,
      dataSize: n.size,
      createTime: r.create_time as string,
      updateTime: r.update_time as string,
    };
  }

  async updateVersion(datasetId: string, versionName: string, patch: VersionPatch): Promise<void> {
    this.stmt(
      `UPDATE versions SET description = coalesce(?, description), options = coalesce(?, options), task_ram_role = coalesce(?, task_ram_role),
         user_metrics_endpoints = coalesce(?, user_metrics_endpoints), update_time = ? WHERE dataset_id = ? AND version_name = ?`,
    ).run(
      patch.description ?? null,
      patch.options ?? null,
      patch.datasetTaskRamRole ?? null,
      patch.userMetricsEndpoints === undefined ? null : JSON.stringify(patch.userMetricsEndpoints),
      patch.updateTime,
      datasetId,
      versionName,
    );
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
           ref_count = (SELECT count(*) FROM logical_refs WHERE dataset_id = @datasetId AND version_name = @versionName),
           ref_size = (SELECT coalesce(sum(data_size), 0) FROM logical_refs WHERE dataset_id = @datasetId AND version_name = @versionName)
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
         file_create_time, file_update_time, file_type, file_format, status, listed_by_job, listed_at, create_time, update_time)
       VALUES (@id, @datasetId, @versionName, @uri, @fileName, @fileDir, @dataSize, @fingerprint,
         @fileCreateTime, @fileUpdateTime, @fileType, @fileFormat, 'PENDING', @job, @now, @now, @now)
       ON CONFLICT (id) DO UPDATE SET
         uri = excluded.uri, file_name = excluded.file_name, file_dir = excluded.file_dir,
         data_size = excluded.data_size, fingerprint = excluded.fingerprint,
         file_create_time = excluded.file_create_time, file_update_time = excluded.file_update_time,
         listed_by_job = excluded.listed_by_job, listed_at = excluded.listed_at,
         file_type = CASE WHEN @reset THEN excluded.file_type ELSE file_type END,
         file_format = CASE WHEN @reset THEN excluded.file_format ELSE file_format END,
         status = CASE WHEN @reset THEN 'PENDING' ELSE status END,
         content_type = CASE WHEN @reset THEN NULL ELSE content_type END,
         meta_attributes = CASE WHEN @reset THEN ${PEOPLES_ATTRIBUTES} ELSE meta_attributes END,
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
          ...factsParams(r),
          job: listedByJobId,
          now,
          reset: r.reset ? 1 : 0,
        });
      }
    }).immediate();
  }

  async applyProbeResults(updates: ProbeUpdate[], now: string): Promise<void> {
    const update = this.stmt(
      `UPDATE file_metas SET status = ?, file_type = ?, file_format = ?, content_type = ?, meta_attributes = json_patch(${PEOPLES_ATTRIBUTES}, ?), fail_reason = ?,
         probed_fingerprint = ?, probe_depth = ?, update_time = ?
       WHERE id = ? AND fingerprint = ? AND status != 'DELETED'`,
    );
    this.db.transaction(() => {
      for (const u of updates) {
        update.run(
          u.status,
          u.fileType,
          u.fileFormat,
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
    if (q.contentTypes?.length) {
      where.push(`content_type IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(q.contentTypes));
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
    if (index) {
      const page = this.pageFromIndex(index, q);
      return { ...page, items: this.rowsAt(index, page.items).map(toFileMeta) };
    }
    const page = this.pageFromSql(q, 'rowid AS _rowid, *');
    return { ...page, items: page.items.map(toFileMeta) };
  }

  async listFileMetaIdPage(q: FileMetaListQuery): Promise<Page<string>> {
    const index = await this.indexFor(q.datasetId, q.versionName);
    if (index) {
      const page = this.pageFromIndex(index, q);
      return { ...page, items: page.items.map((p) => index.idAt(p)) };
    }
    const page = this.pageFromSql(q, `rowid AS _rowid, id${q.sortBy === 'DatasetFileMetaId' ? '' : `, ${SORT_COLUMNS[q.sortBy]}`}`);
    return { ...page, items: page.items.map((r) => r.id as string) };
  }

  /** One page of `q` by SQL: the rows' `columns` (with _rowid and the sort column), and the keyset token after it. */
  private pageFromSql(q: FileMetaListQuery, columns: string): Page<Row> {
    if (q.nextToken && q.offset) throw invalid('a page is found by NextToken or by an offset, not both', 'NextToken');
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
      .prepare(`SELECT ${columns} FROM file_metas WHERE ${where.join(' AND ')} ORDER BY ${orderBy} LIMIT ? OFFSET ?`)
      .all(...params, q.maxResults + 1, q.offset ?? 0) as Row[];
    return pageOf(rows, q.maxResults, total, (r) => encodeToken(col === 'id' ? null : (r[col] as string | number | null), r[tb === 'id' ? 'id' : '_rowid'] as string | number));
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

  /** One page of `q` from the in-memory index: positions, and the keyset token after them. */
  private pageFromIndex(index: VersionIndex, q: FileMetaListQuery): Page<number> {
    if (q.nextToken && q.offset) throw invalid('a page is found by NextToken or by an offset, not both', 'NextToken');
    const matching = index.match(q);
    let after: { value: string | number | null; tie: string | number } | undefined;
    if (q.nextToken) {
      const [value, tie] = decodeToken<string | number>(q.nextToken);
      if (typeof tie !== (q.sortBy === 'DatasetFileMetaId' ? 'string' : 'number')) throw invalid('NextToken is not a token of this sort order', 'NextToken');
      after = { value, tie };
    }
    const positions = index.page(matching, q.sortBy, q.order === 'DESC', after, q.maxResults + 1, q.offset ?? 0);
    const totalCount = matching.count();
    if (positions.length <= q.maxResults) return { items: positions, totalCount };
    const items = positions.slice(0, q.maxResults);
    const last = items[items.length - 1]!;
    const token =
      q.sortBy === 'DatasetFileMetaId' ? encodeToken(null, index.idAt(last)) : encodeToken(index.sortValue(last, q.sortBy), index.rowidAt(last));
    return { items, totalCount, nextToken: token };
  }

  /** The rows at index positions, in their order (a row deleted meanwhile is left out). */
  private rowsAt(index: VersionIndex, positions: number[]): Row[] {
    const rowids = positions.map((p) => index.rowidAt(p));
    const rows = new Map<number, Row>();
    for (let i = 0; i < rowids.length; i += 500) {
      const chunk = rowids.slice(i, i + 500);
      for (const r of this.db.prepare(`SELECT rowid AS _rowid, * FROM file_metas WHERE rowid IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as Row[]) {
        rows.set(r._rowid as number, r);
      }
    }
    return rowids.flatMap((id) => {
      const r = rows.get(id);
      return r ? [r] : [];
    });
  }

  async editUserTags(scope: { datasetId: string; versionName: string }, ids: string[], edit: UserTagEdit, now: string): Promise<number> {
    const add = [...new Set(edit.add)];
    const remove = new Set(edit.remove);
    const read = this.stmt(
      `SELECT id, tags_ai, tags_user, tags_user_delete_ai FROM file_metas WHERE id = ? AND dataset_id = ? AND version_name = ? AND status != 'DELETED'`,
    );
    const write = this.stmt('UPDATE file_metas SET tags_user = ?, tags_user_delete_ai = ?, tag_update_time = ?, update_time = ? WHERE id = ?');
    return this.db
      .transaction(() => {
        let changed = 0;
        for (const id of new Set(ids)) {
          const r = read.get(id, scope.datasetId, scope.versionName) as Row | undefined;
          if (!r) continue;
          const ai = new Set(JSON.parse(r.tags_ai as string) as string[]);
          const user = JSON.parse(r.tags_user as string) as string[];
          const rejected = JSON.parse(r.tags_user_delete_ai as string) as string[];
          const nextUser = [...new Set([...user, ...add])].filter((t) => !remove.has(t));
          const nextRejected = [...new Set([...rejected.filter((t) => !add.includes(t)), ...[...remove].filter((t) => ai.has(t))])];
          if (sameList(nextUser, user) && sameList(nextRejected, rejected)) continue;
          write.run(JSON.stringify(nextUser), JSON.stringify(nextRejected), now, now, id);
          changed++;
        }
        return changed;
      })
      .immediate();
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
        // `+`: look the rows up by rowid; the planner would otherwise walk the whole version's index per chunk.
        .prepare(`SELECT ${INDEX_COLUMNS} FROM file_metas WHERE rowid IN (${chunk.map(() => '?').join(',')}) AND +dataset_id = ? AND +version_name = ?`)
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
         fanout_cursor, fanout_done, listed, deleted, message, create_time, start_time, finish_time, update_time, workspace_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      j.workspaceId,
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
    const whereSql = () => (where.length ? `WHERE ${where.join(' AND ')}` : '');
    const total = (this.db.prepare(`SELECT count(*) AS n FROM jobs ${whereSql()}`).get(...params) as { n: number }).n;
    const sort = JOB_SORT_COLUMNS[q.sortBy ?? 'CreateTime'];
    const desc = (q.order ?? 'DESC') === 'DESC';
    if (q.nextToken) {
      const [v, id] = decodeToken(q.nextToken);
      const cmp = desc ? '<' : '>';
      where.push(`(${sort.expr} ${cmp} ? OR (${sort.expr} = ? AND id ${cmp} ?))`);
      params.push(v, v, id);
    }
    const dir = desc ? 'DESC' : 'ASC';
    const rows = this.db
      .prepare(`SELECT * FROM jobs ${whereSql()} ORDER BY ${sort.expr} ${dir}, id ${dir} LIMIT ? OFFSET ?`)
      .all(...params, q.maxResults + 1, q.nextToken ? 0 : (q.offset ?? 0)) as Row[];
    return pageOf(rows.map(toJob), q.maxResults, total, (j) => encodeToken(sort.value(j), j.datasetJobId));
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

  async setJobCounts(id: string, c: { total: number; completed: number; failed: number; skipped?: number }, now: string): Promise<void> {
    this.stmt(`UPDATE jobs SET total = ?, completed = ?, failed = ?, skipped = coalesce(?, skipped), update_time = ? WHERE id = ? AND status = 'Running'`).run(
      c.total,
      c.completed,
      c.failed,
      c.skipped ?? null,
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

  async listJobsLogs(jobIds: string[], limit: number): Promise<Map<string, JobLog[]>> {
    const out = new Map<string, JobLog[]>();
    for (const id of jobIds) out.set(id, await this.listJobLogs(id, limit));
    return out;
  }

  async updateJobDescription(id: string, description: string, now: string): Promise<void> {
    this.stmt('UPDATE jobs SET description = ?, update_time = ? WHERE id = ?').run(description, now, id);
  }

  async deleteEndedJob(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      const ended = this.stmt(`SELECT 1 FROM jobs WHERE id = ? AND status IN (${TERMINAL_STATUSES.map(() => '?').join(',')})`).get(id, ...TERMINAL_STATUSES);
      if (!ended) return false;
      this.deleteJobRows(id);
      return true;
    }).immediate();
  }

  async revertAiTags(tagJobId: string, afterMetaId: string | null, limit: number, now: string): Promise<TagRevertStep> {
    return this.db.transaction(() => {
      const ids = (
        this.stmt('SELECT meta_id FROM job_items WHERE job_id = ? AND state = 1 AND meta_id > ? ORDER BY meta_id LIMIT ?').all(tagJobId, afterMetaId ?? '', limit) as Array<{
          meta_id: string;
        }>
      ).map((r) => r.meta_id);
      const clear = this.stmt(
        `UPDATE file_metas SET tags_ai = '[]', tag_job_id = NULL, tag_fingerprint = NULL, tag_definition_id = NULL, tag_definition_version = NULL,
           tag_model = NULL, tag_error = NULL, tag_update_time = ?, update_time = ? WHERE id = ? AND tag_job_id = ?`,
      );
      let reverted = 0;
      for (const id of ids) reverted += clear.run(now, now, id, tagJobId).changes;
      return { scanned: ids.length, lastMetaId: ids.at(-1) ?? null, reverted };
    }).immediate();
  }

  // ---------------------------------------------------------------- dataset job configs

  async createJobConfig(c: DatasetJobConfig): Promise<void> {
    try {
      this.stmt(
        `INSERT INTO dataset_job_configs (id, dataset_id, workspace_id, version_name, config_type, config, create_time, modify_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(c.datasetJobConfigId, c.datasetId, c.workspaceId, c.versionName, c.configType, JSON.stringify(c.config), c.createTime, c.modifyTime);
    } catch (e) {
      throw uniqueConfig(e, c);
    }
  }

  async getJobConfig(id: string): Promise<DatasetJobConfig | undefined> {
    const r = this.stmt('SELECT * FROM dataset_job_configs WHERE id = ?').get(id);
    return r ? toJobConfig(r) : undefined;
  }

  async listJobConfigs(q: JobConfigQuery): Promise<Page<DatasetJobConfig>> {
    const { sql: where, params } = new Conditions(['dataset_id = ?'], [q.datasetId]).equals('config_type', q.configType).equals('version_name', q.versionName);
    const sql = where.join(' AND ');
    const total = (this.db.prepare(`SELECT count(*) AS n FROM dataset_job_configs WHERE ${sql}`).get(...params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM dataset_job_configs WHERE ${sql} ORDER BY create_time DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...params, q.limit, q.offset) as Row[];
    return { items: rows.map(toJobConfig), totalCount: total };
  }

  async updateJobConfig(c: DatasetJobConfig): Promise<void> {
    try {
      this.stmt('UPDATE dataset_job_configs SET config_type = ?, config = ?, modify_time = ? WHERE id = ?').run(
        c.configType,
        JSON.stringify(c.config),
        c.modifyTime,
        c.datasetJobConfigId,
      );
    } catch (e) {
      throw uniqueConfig(e, c);
    }
  }

  async deleteJobConfig(id: string): Promise<void> {
    this.stmt('DELETE FROM dataset_job_configs WHERE id = ?').run(id);
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
         tag_model = ?, tag_job_id = ?, tag_error = NULL, update_time = ? WHERE id = ?`,
    );
    this.db.transaction(() => {
      for (const u of updates) st.run(JSON.stringify(u.ai), now, u.fileFingerPrint, u.tagDefinitionId, u.tagDefinitionVersion, u.model, u.jobId, now, u.datasetFileMetaId);
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

  async createFileMetas(rows: CreatedFileRow[], now: string): Promise<boolean[]> {
    // A DELETED meta under the same id is replaced as new; its vector bookkeeping (index_name, …) stays
    // so that the next SemanticIndex replaces or drops the vector it names.
    const insert = this.stmt(
      `INSERT INTO file_metas (id, dataset_id, version_name, uri, file_name, file_dir, data_size, fingerprint,
         file_create_time, file_update_time, file_type, file_format, content_type, meta_attributes, tags_user,
         tags_user_delete_ai, tag_update_time, comment, status, create_time, update_time)
       VALUES (@id, @datasetId, @versionName, @uri, @fileName, @fileDir, @dataSize, @fingerprint,
         @fileCreateTime, @fileUpdateTime, @fileType, @fileFormat, @contentType, @metaAttributes, @tagsUser,
         @tagsUserDeleteAi, @tagUpdateTime, @comment, 'PENDING', @now, @now)
       ON CONFLICT (id) DO UPDATE SET
         uri = excluded.uri, file_name = excluded.file_name, file_dir = excluded.file_dir, data_size = excluded.data_size,
         fingerprint = excluded.fingerprint, file_create_time = excluded.file_create_time, file_update_time = excluded.file_update_time,
         file_type = excluded.file_type, file_format = excluded.file_format, content_type = excluded.content_type,
         meta_attributes = excluded.meta_attributes, tags_user = excluded.tags_user, tags_user_delete_ai = excluded.tags_user_delete_ai, tags_ai = '[]',
         tag_update_time = excluded.tag_update_time, tag_fingerprint = NULL, tag_definition_id = NULL, tag_definition_version = NULL,
         tag_model = NULL, tag_error = NULL, embed_error = NULL, comment = excluded.comment, status = 'PENDING', fail_reason = NULL,
         probed_fingerprint = NULL, probe_depth = NULL, listed_by_job = NULL, listed_at = NULL,
         create_time = excluded.create_time, update_time = excluded.update_time
       WHERE file_metas.status = 'DELETED'`,
    );
    const written: boolean[] = [];
    this.db.transaction(() => {
      for (const r of rows) {
        const changes = insert.run({
          ...factsParams(r),
          contentType: r.contentType,
          metaAttributes: JSON.stringify(r.metaAttributes),
          tagsUser: JSON.stringify(r.userTags),
          tagsUserDeleteAi: JSON.stringify(r.userDeleteAiTags ?? []),
          tagUpdateTime: r.userTags.length || r.userDeleteAiTags?.length ? now : null,
          comment: r.comment,
          now,
        }).changes;
        written.push(changes > 0);
      }
    }).immediate();
    return written;
  }

  async updateFileMetaContent(u: FileMetaContentUpdate, now: string): Promise<boolean> {
    const set: string[] = [];
    const params: Record<string, unknown> = {
      id: u.datasetFileMetaId,
      now,
      ai: JSON.stringify(u.expectedTags.ai),
      user: JSON.stringify(u.expectedTags.user),
      rejected: JSON.stringify(u.expectedTags.userDeleteAiTags),
    };
    if (u.tags) {
      set.push('tags_ai = @newAi', 'tags_user = @newUser', 'tags_user_delete_ai = @newRejected', 'tag_update_time = @now');
      Object.assign(params, { newAi: JSON.stringify(u.tags.ai), newUser: JSON.stringify(u.tags.user), newRejected: JSON.stringify(u.tags.userDeleteAiTags) });
    }
    if (u.metaAttributes) {
      set.push('meta_attributes = json_patch(meta_attributes, @attributes)');
      params.attributes = JSON.stringify(u.metaAttributes);
    }
    if (u.comment !== undefined) {
      set.push('comment = @comment');
      params.comment = u.comment;
    }
    // Even with nothing to change, the answer says whether the meta is there and unchanged.
    set.push('update_time = @now');
    return (
      this.db
        .prepare(
          `UPDATE file_metas SET ${set.join(', ')}
           WHERE id = @id AND status != 'DELETED' AND json(tags_ai) = json(@ai) AND json(tags_user) = json(@user) AND json(tags_user_delete_ai) = json(@rejected)`,
        )
        .run(params).changes > 0
    );
  }

  async markMetasNotInJobDeleted(jobId: string, datasetId: string, versionName: string, now: string): Promise<number> {
    return this.db.transaction(() => {
      const n = this.stmt(
        `UPDATE file_metas SET status = 'DELETED', update_time = @now
         WHERE dataset_id = @datasetId AND version_name = @versionName AND status != 'DELETED'
           AND NOT EXISTS (SELECT 1 FROM job_items i WHERE i.job_id = @jobId AND i.meta_id = file_metas.id)`,
      ).run({ jobId, datasetId, versionName, now }).changes;
      if (n) this.stmt('UPDATE jobs SET deleted = deleted + ?, update_time = ? WHERE id = ?').run(n, now, jobId);
      return n;
    }).immediate();
  }

  async markFileMetasDeleted(ids: string[], now: string): Promise<void> {
    const st = this.stmt(`UPDATE file_metas SET status = 'DELETED', update_time = ? WHERE id = ? AND status != 'DELETED'`);
    this.db.transaction(() => {
      for (const id of ids) st.run(now, id);
    }).immediate();
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
        `INSERT INTO connections (id, name, type, configs, secret_names, sealed_secrets, models, description, accessibility, workspace_id, resource_meta, creator, create_time, update_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        c.connectionId,
        c.connectionName,
        c.connectionType,
        JSON.stringify(c.configs),
        JSON.stringify(c.secretNames),
        sealedSecrets,
        JSON.stringify(c.models),
        c.description,
        c.accessibility,
        c.workspaceId,
        c.resourceMeta ? JSON.stringify(c.resourceMeta) : null,
        c.creator ?? null,
        c.createTime,
        c.updateTime,
      );
    } catch (e) {
      throw uniqueViolation(e, `a connection named '${c.connectionName}' exists`);
    }
  }

  async getConnection(id: string): Promise<{ connection: Connection; sealedSecrets: string } | undefined> {
    const r = this.stmt('SELECT * FROM connections WHERE id = ?').get(id);
    return r ? { connection: toConnection(r), sealedSecrets: r.sealed_secrets as string } : undefined;
  }

  async listConnections(q: ConnectionQuery): Promise<Page<Connection>> {
    const c = new Conditions().equals('workspace_id', q.workspaceId).anyOf('id', q.connectionIds).anyOf('type', q.types);
    const { sql: where, params } = c;
    if (q.nameContains) c.add(`name LIKE ? ESCAPE '\\'`, `%${escapeLike(q.nameContains)}%`);
    c.equals('accessibility', q.accessibility || undefined).equals('creator', q.creator);
    const model: string[] = [];
    if (q.model !== undefined) {
      model.push(`json_extract(m.value, '$.model') = ?`);
      params.push(q.model);
    }
    if (q.modelTypes) {
      const types = q.modelTypes.length ? q.modelTypes : [''];
      model.push(`json_extract(m.value, '$.modelType') IN (${types.map(() => '?').join(', ')})`);
      params.push(...types);
    }
    if (q.toolCall !== undefined) model.push(q.toolCall ? `json_extract(m.value, '$.toolCall') = 1` : `coalesce(json_extract(m.value, '$.toolCall'), 0) = 0`);
    if (model.length) where.push(`EXISTS (SELECT 1 FROM json_each(connections.models) AS m WHERE ${model.join(' AND ')})`);
    return this.pageByCreateTime('connections', where, params, q, toConnection, (c) => [c.createTime, c.connectionId]);
  }

  async updateConnection(c: Connection, sealedSecrets: string): Promise<void> {
    try {
      this.stmt(
        `UPDATE connections SET name = ?, configs = ?, secret_names = ?, sealed_secrets = ?, models = ?, description = ?, accessibility = ?, resource_meta = ?, update_time = ?
         WHERE id = ?`,
      ).run(
        c.connectionName,
        JSON.stringify(c.configs),
        JSON.stringify(c.secretNames),
        sealedSecrets,
        JSON.stringify(c.models),
        c.description,
        c.accessibility,
        c.resourceMeta ? JSON.stringify(c.resourceMeta) : null,
        c.updateTime,
        c.connectionId,
      );
    } catch (e) {
      throw uniqueViolation(e, `a connection named '${c.connectionName}' exists`);
    }
  }

  async deleteConnection(id: string): Promise<void> {
    this.stmt('DELETE FROM connections WHERE id = ?').run(id);
  }

  async createTagDefinition(t: TagDefinition): Promise<void> {
    this.stmt(
      `INSERT INTO tag_definitions (id, name, guide_prompt, tags, version, description, accessibility, framework_type, workspace_id, create_time, update_time)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(t.tagDefinitionId, t.name, t.guidePrompt, JSON.stringify(t.tags), t.version, t.description, t.accessibility, t.frameworkType, t.workspaceId, t.createTime, t.updateTime);
  }

  async getTagDefinition(id: string): Promise<TagDefinition | undefined> {
    const r = this.stmt('SELECT * FROM tag_definitions WHERE id = ?').get(id);
    return r ? toTagDefinition(r) : undefined;
  }

  async listTagDefinitions(q: { maxResults: number; nextToken?: string; workspaceId?: string }): Promise<Page<TagDefinition>> {
    const [where, params] = q.workspaceId !== undefined ? [['workspace_id = ?'], [q.workspaceId]] : [[], []];
    return this.pageByCreateTime('tag_definitions', where, params, q, toTagDefinition, (t) => [t.createTime, t.tagDefinitionId]);
  }

  async listTagDefinitionsByPage(q: TagDefinitionPageQuery): Promise<Page<TagDefinition>> {
    const { sql: where, params } = new Conditions().equals('workspace_id', q.workspaceId).equals('framework_type', q.frameworkType);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const dir = q.order === 'ASC' ? 'ASC' : 'DESC';
    const order = q.sortBy === 'name' ? `name ${dir}, create_time ${dir}, id ${dir}` : `create_time ${dir}, id ${dir}`;
    const total = (this.db.prepare(`SELECT count(*) AS n FROM tag_definitions ${clause}`).get(...params) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM tag_definitions ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...params, q.limit, q.offset) as Row[];
    return { items: rows.map(toTagDefinition), totalCount: total };
  }

  async updateTagDefinition(t: TagDefinition, expectedVersion: number): Promise<boolean> {
    return (
      this.stmt(
        `UPDATE tag_definitions SET name = ?, guide_prompt = ?, tags = ?, version = ?, description = ?, accessibility = ?, framework_type = ?, update_time = ?
         WHERE id = ? AND version = ?`,
      ).run(t.name, t.guidePrompt, JSON.stringify(t.tags), t.version, t.description, t.accessibility, t.frameworkType, t.updateTime, t.tagDefinitionId, expectedVersion)
        .changes === 1
    );
  }

  async deleteTagDefinition(id: string): Promise<void> {
    this.stmt('DELETE FROM tag_definitions WHERE id = ?').run(id);
  }

  /** Keyset page of a small table ordered by (create_time, id): newest first unless `order` is ASC. */
  private pageByCreateTime<T>(
    table: 'connections' | 'tag_definitions',
    filters: string[],
    filterParams: unknown[],
    q: { maxResults: number; nextToken?: string; order?: 'ASC' | 'DESC' },
    map: (r: Row) => T,
    keyOf: (t: T) => [string, string],
  ): Page<T> {
    const where = [...filters];
    const params = [...filterParams];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`).get(...params) as { n: number }).n;
    const asc = q.order === 'ASC';
    if (q.nextToken) {
      const [t, id] = decodeToken(q.nextToken);
      where.push(asc ? '(create_time > ? OR (create_time = ? AND id > ?))' : '(create_time < ? OR (create_time = ? AND id < ?))');
      params.push(t, t, id);
    }
    const dir = asc ? 'ASC' : 'DESC';
    const rows = this.db
      .prepare(`SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY create_time ${dir}, id ${dir} LIMIT ?`)
      .all(...params, q.maxResults + 1) as Row[];
    return pageOf(rows.map(map), q.maxResults, total, (x) => encodeToken(...keyOf(x)));
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function pageOf<T>(rows: T[], max: number, totalCount: number, tokenOf: (last: T) => string): Page<T> {
  if (rows.length <= max) return { items: rows, totalCount };
  const items = rows.slice(0, max);
  return { items, totalCount, nextToken: tokenOf(items[items.length - 1]!) };
}

function toDataset(r: Row): Dataset {
  return {
    datasetId: r.id as string,
    workspaceId: r.workspace_id as string,
    name: r.name as string,
    description: r.description as string,
    edition: r.edition as Dataset['edition'],
    dataType: r.data_type as Dataset['dataType'],
    dataSourceType: r.data_source_type as Dataset['dataSourceType'],
    property: 'DIRECTORY',
    uri: r.uri as string,
    labels: JSON.parse(r.labels as string) as Label[],
    options: r.options as string,
    accessibility: r.accessibility as Dataset['accessibility'],
    accessibleRoleIdList: JSON.parse(r.accessible_role_ids as string) as string[],
    mountAccessReadWriteRoleIdList: JSON.parse(r.mount_rw_role_ids as string) as string[],
    provider: r.provider as string,
    providerType: r.provider_type as string,
    sourceType: r.source_type as string,
    sourceId: r.source_id as string,
    sourceDatasetId: r.source_dataset_id as string,
    sourceDatasetVersion: r.source_dataset_version as string,
    importInfo: r.import_info as string,
    userId: r.user_id as string,
    ...(r.owner_id ? { ownerId: r.owner_id as string } : {}),
    createTime: r.create_time as string,
    updateTime: r.update_time as string,
  };
}

function toDatasetShare(r: Row): DatasetShare {
  return {
    workspaceId: r.workspace_id as string,
    tenantId: r.tenant_id as string,
    allowedMountAccessLevels: JSON.parse(r.access_levels as string) as DatasetShare['allowedMountAccessLevels'],
    expiresAt: r.expires_at as string,
    sharedAt: r.shared_at as string,
    isSecureMode: r.secure_mode === 1,
    extra: r.extra as string,
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
    fileFormat: (r.file_format as string | undefined) ?? '',
    comment: (r.comment as string | undefined) ?? '',
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
    description: r.description as string,
    accessibility: r.accessibility as Connection['accessibility'],
    workspaceId: r.workspace_id as string,
    ...(r.resource_meta ? { resourceMeta: JSON.parse(r.resource_meta as string) as NonNullable<Connection['resourceMeta']> } : {}),
    ...(r.creator ? { creator: r.creator as string } : {}),
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
    description: r.description as string,
    accessibility: r.accessibility as TagDefinition['accessibility'],
    frameworkType: r.framework_type as string,
    workspaceId: r.workspace_id as string,
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

/** ListDatasetJobs' sort orders: the column (NULL finish times sort as '') and the value a page token carries. */
const JOB_SORT_COLUMNS: Record<JobSortBy, { expr: string; value: (j: DatasetJob) => string }> = {
  CreateTime: { expr: 'create_time', value: (j) => j.createTime },
  FinishTime: { expr: "coalesce(finish_time, '')", value: (j) => j.finishTime ?? '' },
  Status: { expr: 'status', value: (j) => j.status },
  JobAction: { expr: 'action', value: (j) => j.jobAction },
};

function uniqueConfig(e: unknown, c: DatasetJobConfig): unknown {
  if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') return e;
  return conflict(
    `dataset ${c.datasetId} has a ${c.configType} job config for ${c.versionName ? `version ${c.versionName}` : 'every version'} already: update that one`,
  );
}

function toJobConfig(r: Row): DatasetJobConfig {
  return {
    datasetJobConfigId: r.id as string,
    datasetId: r.dataset_id as string,
    workspaceId: r.workspace_id as string,
    versionName: r.version_name as string,
    configType: r.config_type as DatasetJobConfig['configType'],
    config: JSON.parse(r.config as string) as Record<string, unknown>,
    createTime: r.create_time as string,
    modifyTime: r.modify_time as string,
  };
}

function toJob(r: Row): DatasetJob {
  return {
    datasetJobId: r.id as string,
    datasetId: r.dataset_id as string,
    workspaceId: (r.workspace_id as string | undefined) ?? '',
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

/** The named parameters of a file's facts, as the INSERTs into file_metas spell them. */
function factsParams(r: FileFacts) {
  return {
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
    fileFormat: r.fileFormat,
  };
}
