// Schema of the embedded SQLite MetaStore, as ordered migrations (applied once each, in order).
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
  // 9: (issue 11) datasets and versions as PAI has them: workspace, property, labels, options, … (placeholder until written)
  `SELECT 1;`,
  // 10: (issue 11) jobs' workspace and dataset job configs (placeholder until written)
  `SELECT 1;`,
  // 11: (issue 11) file metas as PAI has them: FileType the MIME top-level type, the format apart, Comment (placeholder until written)
  `SELECT 1;`,
  // 12: (issue 11) connections and prompts as PAI has them: workspace, description, accessibility (placeholder until written)
  `SELECT 1;`,
];

/** Logged: what a VersionIndex reads. Listing stamps (listed_by_job, listed_at) and job bookkeeping are not. */
const LOGGED_COLUMNS = `status, file_name, file_dir, uri, file_type, content_type, semantic_index_job_id, index_name, data_size,
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
