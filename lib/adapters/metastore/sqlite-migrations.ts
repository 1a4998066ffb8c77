// Schema of the embedded SQLite MetaStore, as ordered migrations (applied once each, in order).
import { ImageFormat, IMAGE_EXTENSIONS, PAI_TYPE_EXTENSIONS } from '../../domain/file-meta.js';

const sqlList = (xs: readonly string[]) => xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(', ');

/**
 * paiFileTypeOf (lib/domain/file-meta.ts) as an SQL expression over a format column and a file-name
 * column: image formats and image extensions are `image`; else the lower-cased extension (the text
 * after the last `.` that is not the first character; the format when there is none) decides, an
 * unknown one being `application`; '' when there is neither. test/unit/domain-file-meta.test.ts
 * checks that the two agree.
 */
export function paiFileTypeSql(format: string, fileName: string): string {
  // rtrim(name, name without dots) strips back to the last '.', leaving the name up to and including it
  const head = `rtrim(${fileName}, replace(${fileName}, '.', ''))`;
  const ext = `(CASE WHEN length(${head}) >= 2 THEN lower(substr(${fileName}, length(${head}) + 1)) ELSE '' END)`;
  const known = `(CASE WHEN ${ext} != '' THEN ${ext} ELSE lower(${format}) END)`;
  const images = sqlList([...ImageFormat.options, ...IMAGE_EXTENSIONS]);
  return `(CASE
    WHEN lower(${format}) IN (${images}) THEN 'image'
    WHEN ${known} = '' THEN ''
    WHEN ${known} IN (${images}) THEN 'image'
    WHEN ${known} IN (${sqlList(PAI_TYPE_EXTENSIONS.video)}) THEN 'video'
    WHEN ${known} IN (${sqlList(PAI_TYPE_EXTENSIONS.audio)}) THEN 'audio'
    WHEN ${known} IN (${sqlList(PAI_TYPE_EXTENSIONS.text)}) THEN 'text'
    ELSE 'application' END)`;
}
export const SQLITE_MIGRATIONS: readonly string[] = [
  // 1: datasets, versions, file metas, jobs, job items and logs
  `
  CREATE TABLE datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    edition TEXT NOT NULL,
    data_type TEXT NOT NULL,
    uri TEXT NOT NULL,
    create_time TEXT NOT NULL,
    update_time TEXT NOT NULL
  );
  CREATE INDEX datasets_by_create ON datasets (create_time, id);

  CREATE TABLE versions (
    dataset_id TEXT NOT NULL,
    version_name TEXT NOT NULL,
    description TEXT NOT NULL,
    uri TEXT NOT NULL,
    create_time TEXT NOT NULL,
    update_time TEXT NOT NULL,
    PRIMARY KEY (dataset_id, version_name)
  ) WITHOUT ROWID;

  CREATE TABLE file_metas (
    id TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL,
    version_name TEXT NOT NULL,
    uri TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_dir TEXT NOT NULL,
    data_size INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    file_create_time TEXT,
    file_update_time TEXT NOT NULL,
    file_type TEXT NOT NULL,
    content_type TEXT,
    meta_attributes TEXT NOT NULL DEFAULT '{}',
    tags_ai TEXT NOT NULL DEFAULT '[]',
    tags_user TEXT NOT NULL DEFAULT '[]',
    tags_user_delete_ai TEXT NOT NULL DEFAULT '[]',
    tag_update_time TEXT,
    semantic_index_job_id TEXT,
    semantic_index_update_time TEXT,
    status TEXT NOT NULL,
    fail_reason TEXT,
    probed_fingerprint TEXT,
    probe_depth TEXT,
    listed_by_job TEXT,
    create_time TEXT NOT NULL,
    update_time TEXT NOT NULL
  );
  -- one index per sort order the API offers; keyset paging breaks ties by the implicit rowid, which
  -- keeps inserts of many equal values (files copied at once share a time) appending, not random
  CREATE INDEX fm_by_update ON file_metas (dataset_id, version_name, file_update_time);
  CREATE INDEX fm_by_create ON file_metas (dataset_id, version_name, file_create_time);
  CREATE INDEX fm_by_name ON file_metas (dataset_id, version_name, file_name);
  CREATE INDEX fm_by_size ON file_metas (dataset_id, version_name, data_size);
  CREATE INDEX fm_by_status ON file_metas (dataset_id, version_name, status);

  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL,
    version_name TEXT NOT NULL,
    action TEXT NOT NULL,
    mode TEXT NOT NULL,
    spec TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    completed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    fanout_cursor TEXT,
    fanout_done INTEGER NOT NULL DEFAULT 0,
    listed INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    message TEXT,
    create_time TEXT NOT NULL,
    start_time TEXT,
    finish_time TEXT,
    update_time TEXT NOT NULL
  );
  CREATE INDEX jobs_by_create ON jobs (create_time, id);
  CREATE INDEX jobs_by_dataset ON jobs (dataset_id, create_time, id);

  -- state: 0 open, 1 completed, 2 failed (3 skipped: migration 8). A row exists once per (job, file): counters count rows.
  -- A rowid table: updating state in a WITHOUT ROWID table with text keys measured ~10x slower.
  CREATE TABLE job_items (
    job_id TEXT NOT NULL,
    meta_id TEXT NOT NULL,
    state INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    PRIMARY KEY (job_id, meta_id)
  );
  CREATE INDEX job_items_failed ON job_items (job_id, state);

  CREATE TABLE job_logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    time TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX job_logs_by_job ON job_logs (job_id, seq);
  `,
  // 2: connections (secrets sealed as one blob) and tag definitions
  `
  CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    configs TEXT NOT NULL,
    secret_names TEXT NOT NULL,
    sealed_secrets TEXT NOT NULL,
    models TEXT NOT NULL,
    create_time TEXT NOT NULL,
    update_time TEXT NOT NULL
  );
  CREATE INDEX connections_by_create ON connections (create_time, id);

  CREATE TABLE tag_definitions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    guide_prompt TEXT NOT NULL,
    tags TEXT NOT NULL,
    version INTEGER NOT NULL,
    create_time TEXT NOT NULL,
    update_time TEXT NOT NULL
  );
  CREATE INDEX tag_definitions_by_create ON tag_definitions (create_time, id);
  `,
  // 3: what produced a file's AI tags and vector (for Increment), last model errors, index configs, leases
  `
  ALTER TABLE file_metas ADD COLUMN tag_fingerprint TEXT;
  ALTER TABLE file_metas ADD COLUMN tag_definition_id TEXT;
  ALTER TABLE file_metas ADD COLUMN tag_definition_version INTEGER;
  ALTER TABLE file_metas ADD COLUMN tag_model TEXT;
  ALTER TABLE file_metas ADD COLUMN tag_error TEXT;
  ALTER TABLE file_metas ADD COLUMN embed_fingerprint TEXT;
  ALTER TABLE file_metas ADD COLUMN embedder_id TEXT;
  ALTER TABLE file_metas ADD COLUMN index_name TEXT;
  ALTER TABLE file_metas ADD COLUMN embed_error TEXT;

  CREATE TABLE index_configs (
    dataset_id TEXT PRIMARY KEY,
    embedding_connection_id TEXT NOT NULL,
    vector_connection_id TEXT NOT NULL,
    index_name TEXT NOT NULL,
    model_name TEXT,
    create_time TEXT NOT NULL,
    update_time TEXT NOT NULL
  );

  -- model calls in flight per job, across every consumer instance
  CREATE TABLE job_leases (
    job_id TEXT NOT NULL,
    slot INTEGER NOT NULL,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, slot)
  );
  `,
  // 4: a log of changes to what searches read, so in-memory indexes of a version catch up with writes
  // from any connection (SqliteMetaStore's VersionIndex). The triggers that fill it exist only while
  // some index is registered (SqliteMetaStore creates and drops them: FILE_META_CHANGE_TRIGGERS), and
  // log only registered versions, so writes cost nothing more when nobody searches in memory.
  `
  CREATE TABLE indexed_versions (
    dataset_id TEXT NOT NULL,
    version_name TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, version_name)
  ) WITHOUT ROWID;
  -- a plain rowid table (no AUTOINCREMENT: cheaper inserts); pruning never removes the newest entry,
  -- so sequence numbers only grow
  CREATE TABLE file_meta_changes (seq INTEGER PRIMARY KEY, file_rowid INTEGER NOT NULL);
  `,
  // 5: what a finished job produced (an export's folder or logical version); logical dataset versions:
  // references to files of other datasets, written while the version is still being built (a version
  // with building_job set is invisible) and immutable once it is not.
  `
  ALTER TABLE jobs ADD COLUMN output TEXT;
  ALTER TABLE versions ADD COLUMN building_job TEXT;
  -- a published logical version's number of references (immutable, so counted once)
  ALTER TABLE versions ADD COLUMN ref_count INTEGER;
  CREATE TABLE logical_refs (
    dataset_id TEXT NOT NULL,
    version_name TEXT NOT NULL,
    meta_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    source_dataset_id TEXT NOT NULL,
    source_version_name TEXT NOT NULL,
    uri TEXT NOT NULL,
    file_name TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    data_size INTEGER NOT NULL,
    meta_attributes TEXT NOT NULL,
    tags TEXT NOT NULL,
    score REAL,
    PRIMARY KEY (dataset_id, version_name, meta_id)
  ) WITHOUT ROWID;
  CREATE INDEX logical_refs_seq ON logical_refs (dataset_id, version_name, seq);
  `,
  // 6: datasets opted in to scheduled reindexing (the setting as JSON: job mode, actions, version)
  `
  CREATE TABLE reindex_settings (
    dataset_id TEXT PRIMARY KEY,
    setting TEXT NOT NULL,
    create_time TEXT NOT NULL,
    update_time TEXT NOT NULL,
    last_run_time TEXT
  );
  `,
  // 7: when a listing (of any job) last saw each file, so a listing that ends marks as gone only files
  // no listing has seen since it started (two jobs of different actions may list a version at once).
  // NULL: not listed since this migration. Not indexed: every listing restamps it.
  `
  ALTER TABLE file_metas ADD COLUMN listed_at TEXT;
  `,
  // 8: files that are not images (SKIPPED, job_items state 3) counted apart from failures. Decoder
  // warnings no longer fail an image and non-images are skipped, not failed: forgetting which
  // fingerprint a FAILED file was probed at makes the next FileMetaBuild Increment judge it again.
  // (Loosen lib/media's rules again? Add a migration like this one.)
  `
  ALTER TABLE jobs ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
  UPDATE file_metas SET probed_fingerprint = NULL WHERE status = 'FAILED';
  `,
  // 9: (issue 11) datasets and versions as PAI has them: workspace, data source type, property, labels
  // (JSON [{Key,Value}]), options, accessibility, role lists, the descriptive Source*/Provider*
  // fields and who created it (OwnerId); a published logical version's summed reference sizes (DataSize); fm_by_status also covers
  // data_size, so a version's DataCount and DataSize are one pass over the index.
  `
  ALTER TABLE datasets ADD COLUMN workspace_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE datasets ADD COLUMN data_source_type TEXT NOT NULL DEFAULT '';
  ALTER TABLE datasets ADD COLUMN property TEXT NOT NULL DEFAULT 'DIRECTORY';
  ALTER TABLE datasets ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE datasets ADD COLUMN options TEXT NOT NULL DEFAULT '';
  ALTER TABLE datasets ADD COLUMN accessibility TEXT NOT NULL DEFAULT 'PRIVATE';
  ALTER TABLE datasets ADD COLUMN accessible_role_ids TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE datasets ADD COLUMN mount_rw_role_ids TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE datasets ADD COLUMN provider TEXT NOT NULL DEFAULT '';
  ALTER TABLE datasets ADD COLUMN provider_type TEXT NOT NULL DEFAULT '';
  ALTER TABLE datasets ADD COLUMN source_type TEXT NOT NULL DEFAULT 'USER';
  ALTER TABLE datasets ADD COLUMN source_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE datasets ADD COLUMN source_dataset_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE datasets ADD COLUMN source_dataset_version TEXT NOT NULL DEFAULT '';
  ALTER TABLE datasets ADD COLUMN import_info TEXT NOT NULL DEFAULT '';
  ALTER TABLE datasets ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
  -- PAI's OwnerId: the principal that created the dataset (NULL: made before it was recorded)
  ALTER TABLE datasets ADD COLUMN owner_id TEXT;
  UPDATE datasets SET data_source_type = CASE WHEN uri = '' THEN '' WHEN uri LIKE 'oss:%' THEN 'OSS' ELSE 'NAS' END;
  CREATE INDEX datasets_by_workspace ON datasets (workspace_id, create_time, id);

  ALTER TABLE versions ADD COLUMN data_source_type TEXT NOT NULL DEFAULT '';
  ALTER TABLE versions ADD COLUMN property TEXT NOT NULL DEFAULT 'DIRECTORY';
  ALTER TABLE versions ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE versions ADD COLUMN options TEXT NOT NULL DEFAULT '';
  ALTER TABLE versions ADD COLUMN source_type TEXT NOT NULL DEFAULT 'USER';
  ALTER TABLE versions ADD COLUMN source_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE versions ADD COLUMN import_info TEXT NOT NULL DEFAULT '';
  ALTER TABLE versions ADD COLUMN task_ram_role TEXT NOT NULL DEFAULT '';
  ALTER TABLE versions ADD COLUMN user_metrics_endpoints TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE versions ADD COLUMN ref_size INTEGER;
  UPDATE versions SET data_source_type = CASE WHEN uri = '' THEN '' WHEN uri LIKE 'oss:%' THEN 'OSS' ELSE 'NAS' END;
  UPDATE versions SET ref_size = (SELECT coalesce(sum(r.data_size), 0) FROM logical_refs r
    WHERE r.dataset_id = versions.dataset_id AND r.version_name = versions.version_name) WHERE ref_count IS NOT NULL;

  DROP INDEX fm_by_status;
  CREATE INDEX fm_by_status ON file_metas (dataset_id, version_name, status, data_size);

  -- PAI's SharingConfig.SharedTo (lib/domain/dataset-sharing.ts): one row per workspace a dataset is
  -- shared to, in the order given (seq); expires_at ISO 8601 UTC, '' never.
  CREATE TABLE dataset_shares (
    dataset_id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    tenant_id TEXT NOT NULL DEFAULT '',
    access_levels TEXT NOT NULL DEFAULT '["RO"]',
    expires_at TEXT NOT NULL DEFAULT '',
    shared_at TEXT NOT NULL,
    secure_mode INTEGER NOT NULL DEFAULT 0,
    extra TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (dataset_id, workspace_id)
  );
  CREATE INDEX dataset_shares_to ON dataset_shares (workspace_id, dataset_id);
  `,
  // 10: (issue 11) jobs as PAI has them: the workspace (their dataset's; '' before), JobSpecs under
  // PAI's keys (IntelligentTag connectionId/modelName/tagDefinitionId → intelligentTagConnectionId/
  // modelId/promptId; SemanticIndex modelName/vectorConnectionId/indexName → embeddingModel/
  // databaseConnectionId/databaseTableName), which IntelligentTag job wrote a file's AI tags (for
  // IntelligentTagRevert; files tagged before this migration are given the IntelligentTag job of their
  // version that was running when their tags were written: one per version at a time), and PAI's
  // dataset job configs (one per dataset, type and version; version '' is every version).
  `
  ALTER TABLE jobs ADD COLUMN workspace_id TEXT NOT NULL DEFAULT '';
  UPDATE jobs SET spec = json_remove(json_set(spec, '$.intelligentTagConnectionId', json_extract(spec, '$.connectionId')), '$.connectionId')
    WHERE action = 'IntelligentTag' AND json_type(spec, '$.connectionId') IS NOT NULL;
  UPDATE jobs SET spec = json_remove(json_set(spec, '$.modelId', json_extract(spec, '$.modelName')), '$.modelName')
    WHERE action = 'IntelligentTag' AND json_type(spec, '$.modelName') IS NOT NULL;
  UPDATE jobs SET spec = json_remove(json_set(spec, '$.promptId', json_extract(spec, '$.tagDefinitionId')), '$.tagDefinitionId')
    WHERE action = 'IntelligentTag' AND json_type(spec, '$.tagDefinitionId') IS NOT NULL;
  UPDATE jobs SET spec = json_remove(json_set(spec, '$.embeddingModel', json_extract(spec, '$.modelName')), '$.modelName')
    WHERE action = 'SemanticIndex' AND json_type(spec, '$.modelName') IS NOT NULL;
  UPDATE jobs SET spec = json_remove(json_set(spec, '$.databaseConnectionId', json_extract(spec, '$.vectorConnectionId')), '$.vectorConnectionId')
    WHERE action = 'SemanticIndex' AND json_type(spec, '$.vectorConnectionId') IS NOT NULL;
  UPDATE jobs SET spec = json_remove(json_set(spec, '$.databaseTableName', json_extract(spec, '$.indexName')), '$.indexName')
    WHERE action = 'SemanticIndex' AND json_type(spec, '$.indexName') IS NOT NULL;
  UPDATE jobs SET spec = json_set(spec, '$.contentList', json('["file"]'))
    WHERE action = 'SemanticIndex' AND json_type(spec, '$.contentList') IS NULL;

  ALTER TABLE file_metas ADD COLUMN tag_job_id TEXT;
  UPDATE file_metas SET tag_job_id = (
    SELECT j.id FROM jobs j
    WHERE j.dataset_id = file_metas.dataset_id AND j.version_name = file_metas.version_name AND j.action = 'IntelligentTag'
      AND j.start_time IS NOT NULL AND j.start_time <= file_metas.tag_update_time
      AND file_metas.tag_update_time <= coalesce(j.finish_time, '9999')
    ORDER BY j.create_time DESC LIMIT 1)
  WHERE tag_update_time IS NOT NULL AND tag_definition_id IS NOT NULL;

  CREATE TABLE dataset_job_configs (
    id TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    version_name TEXT NOT NULL,
    config_type TEXT NOT NULL,
    config TEXT NOT NULL,
    create_time TEXT NOT NULL,
    modify_time TEXT NOT NULL,
    UNIQUE (dataset_id, config_type, version_name)
  );
  CREATE INDEX dataset_job_configs_by_create ON dataset_job_configs (dataset_id, create_time, id);
  `,
  // 11: (issue 11) file metas as PAI has them: FileType is the MIME top-level type (image, video, …),
  // the format found in the bytes (jpeg, png, …; the extension before probing) moves to file_format,
  // and PAI's Comment. The change-log triggers are dropped first: the backfill is no change an
  // in-memory index must replay, and the next registration recreates them with file_format logged.
  // The new FileType is the domain's paiFileTypeOf(old file_type, file_name), in SQL (paiFileTypeSql).
  `
  DROP TRIGGER IF EXISTS file_metas_logged_insert;
  DROP TRIGGER IF EXISTS file_metas_logged_update;
  DROP TRIGGER IF EXISTS file_metas_logged_delete;
  ALTER TABLE file_metas ADD COLUMN file_format TEXT NOT NULL DEFAULT '';
  ALTER TABLE file_metas ADD COLUMN comment TEXT NOT NULL DEFAULT '';
  UPDATE file_metas SET file_format = file_type, file_type = ${paiFileTypeSql('file_type', 'file_name')};
  `,
  // 12: (issue 11) connections and prompts (= tag definitions) as PAI has them: workspace, description,
  // accessibility, the resource meta of a database connection, who created a connection (Creator), a
  // prompt's FrameworkType. DashScope and OpenLLM connections take PAI's key names: `BaseUrl` becomes
  // `base_url` and the secret `ApiKey` `api_key` (the sealed blob keeps the old name until the next
  // update; reading maps it).
  `
  ALTER TABLE connections ADD COLUMN description TEXT NOT NULL DEFAULT '';
  ALTER TABLE connections ADD COLUMN accessibility TEXT NOT NULL DEFAULT 'PRIVATE';
  ALTER TABLE connections ADD COLUMN workspace_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE connections ADD COLUMN resource_meta TEXT;
  -- PAI's Creator: the principal that created the connection (NULL: made before it was recorded)
  ALTER TABLE connections ADD COLUMN creator TEXT;
  CREATE INDEX connections_by_creator ON connections (creator, create_time, id);
  UPDATE connections SET configs = json_remove(json_set(configs, '$.base_url', json_extract(configs, '$.BaseUrl')), '$.BaseUrl')
    WHERE type IN ('DashScopeConnection', 'OpenLLMConnection') AND json_type(configs, '$.BaseUrl') IS NOT NULL;
  UPDATE connections SET secret_names = replace(secret_names, '"ApiKey"', '"api_key"')
    WHERE type IN ('DashScopeConnection', 'OpenLLMConnection');
  ALTER TABLE tag_definitions ADD COLUMN description TEXT NOT NULL DEFAULT '';
  ALTER TABLE tag_definitions ADD COLUMN accessibility TEXT NOT NULL DEFAULT 'PRIVATE';
  ALTER TABLE tag_definitions ADD COLUMN framework_type TEXT NOT NULL DEFAULT '';
  ALTER TABLE tag_definitions ADD COLUMN workspace_id TEXT NOT NULL DEFAULT '';
  `,
];

/** Logged: what a VersionIndex reads. Listing stamps (listed_by_job, listed_at) and job bookkeeping are not. */
const LOGGED_COLUMNS = `status, file_name, file_dir, uri, file_type, file_format, content_type, semantic_index_job_id, index_name, data_size,
  file_create_time, file_update_time, tag_update_time, semantic_index_update_time, meta_attributes, tags_ai, tags_user, tags_user_delete_ai`;
const registered = (row: 'new' | 'old') =>
  `EXISTS (SELECT 1 FROM indexed_versions WHERE dataset_id = ${row}.dataset_id AND version_name = ${row}.version_name AND expires_at > unixepoch())`;

export const FILE_META_CHANGE_TRIGGERS = `
  CREATE TRIGGER IF NOT EXISTS file_metas_logged_insert AFTER INSERT ON file_metas WHEN ${registered('new')}
  BEGIN INSERT INTO file_meta_changes (file_rowid) VALUES (new.rowid); END;
  CREATE TRIGGER IF NOT EXISTS file_metas_logged_update AFTER UPDATE OF ${LOGGED_COLUMNS} ON file_metas WHEN ${registered('new')}
  BEGIN INSERT INTO file_meta_changes (file_rowid) VALUES (new.rowid); END;
  CREATE TRIGGER IF NOT EXISTS file_metas_logged_delete AFTER DELETE ON file_metas WHEN ${registered('old')}
  BEGIN INSERT INTO file_meta_changes (file_rowid) VALUES (old.rowid); END;
`;

export const DROP_FILE_META_CHANGE_TRIGGERS = `
  DROP TRIGGER IF EXISTS file_metas_logged_insert;
  DROP TRIGGER IF EXISTS file_metas_logged_update;
  DROP TRIGGER IF EXISTS file_metas_logged_delete;
`;
