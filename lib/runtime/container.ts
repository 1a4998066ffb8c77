// The container: config → adapters → services. The only place that names concrete adapters.
import path from 'node:path';
import { DomainError, invalid } from '../domain/errors.js';
import { LocalFolderObjectStore } from '../adapters/objectstore/local-folder.js';
import { SqliteMetaStore } from '../adapters/metastore/sqlite-meta-store.js';
import { SqliteQueue } from '../adapters/queue/sqlite-queue.js';
import type { MediaLimits } from '../media/limits.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { MetaStore } from '../ports/meta-store.js';
import type { ObjectStore, ObjectStores } from '../ports/object-store.js';
import type { Queue } from '../ports/queue.js';
import { AesGcmSecretBox } from '../adapters/secrets/aes-gcm-secret-box.js';
import { secureDataDir } from '../adapters/private-files.js';
import { ConnectionService } from '../services/connections.js';
import { CoverageService } from '../services/coverage.js';
import { SearchService } from '../services/search.js';
import { ExportService } from '../services/export.js';
import { SelectionService } from '../services/selection.js';
import { DatasetService } from '../services/datasets.js';
import { EvaluationService } from '../services/evaluation.js';
import type { QueueNames, ServiceDeps } from '../services/deps.js';
import { FanoutService } from '../services/fanout.js';
import { FileMetaService } from '../services/file-metas.js';
import { JobService } from '../services/jobs.js';
import { IndexConfigService } from '../services/index-configs.js';
import { IndexingService } from '../services/indexing.js';
import { JobSpecs } from '../services/job-specs.js';
import { ModelGate } from '../services/model-gate.js';
import { ProbingService } from '../services/probing.js';
import { ReindexService } from '../services/reindex.js';
import type { RetryOptions } from '../services/retry.js';
import { TaggingService } from '../services/tagging.js';
import { TagDefinitionService } from '../services/tag-definitions.js';
import { TagRevertService } from '../services/tag-revert.js';
import { FileMetaImportService } from '../services/file-meta-import.js';
import { JobConfigService } from '../services/job-configs.js';
import type { Config } from './config.js';
import { jsonLogger } from './logger.js';
import { createModelFactory, modelUrlPolicyOf } from './model-factory.js';
import { createVectorStores } from './vector-stores.js';

export interface Services {
  datasets: DatasetService;
  fileMetas: FileMetaService;
  jobs: JobService;
  fanout: FanoutService;
  probing: ProbingService;
  connections: ConnectionService;
  tagDefinitions: TagDefinitionService;
  tagging: TaggingService;
  indexing: IndexingService;
  indexConfigs: IndexConfigService;
  reindex: ReindexService;
  coverage: CoverageService;
  search: SearchService;
  /** The console's selections over a search (resolve, bulk tags; exports resolve theirs). */
  selection: SelectionService;
  export: ExportService;
  evaluation: EvaluationService;
  tagRevert: TagRevertService;
  fileMetaImport: FileMetaImportService;
  jobConfigs: JobConfigService;
}

export interface Container {
  config: Config;
  log: Logger;
  store: MetaStore;
  queue: Queue;
  queues: QueueNames;
  objects: ObjectStores;
  services: Services;
  close(): Promise<void>;
}

/**
 * The object store of each URI scheme. A scheme turned off by configuration (`file` with
 * LOUPE_FILE_ROOTS=none) is refused as Forbidden with the reason, like a folder outside the roots.
 */
class SchemeRegistry implements ObjectStores {
  constructor(
    private readonly byScheme: Record<string, ObjectStore>,
    private readonly turnedOff: Record<string, string> = {},
  ) {}
  get schemes() {
    return Object.keys(this.byScheme);
  }
  forUri(uri: string): ObjectStore {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
    const off = scheme ? this.turnedOff[scheme] : undefined;
    if (off) throw new DomainError('Forbidden', `'${uri}' is refused: ${off}`);
    const store = scheme ? this.byScheme[scheme] : undefined;
    if (!store) throw invalid(`no object store for '${uri}' (supported schemes: ${this.schemes.join(', ')})`, 'Uri');
    return store;
  }
}

export interface ContainerOptions {
  log?: Logger;
  clock?: Clock;
  /** Planner knobs (tests lower the pushdown limit to exercise over-fetching). */
  search?: { pushdownMaxIds?: number };
  /** Versions of at least this many files are searched in memory (default 20,000; tests use 0 or Infinity). */
  memoryIndexMinFiles?: number;
}

export function buildContainer(config: Config, opts: ContainerOptions = {}): Container {
  const log = opts.log ?? jsonLogger(config.LOUPE_LOG_LEVEL);
  // 0700, with what Loupe keeps there 0600 (files of an older version tightened too). The SQLite
  // databases (with their -wal and -shm) are made and tightened by their stores as they open them.
  secureDataDir(config.dataDir, ['secret.key', 'api-key', 'vectors']);
  const store = new SqliteMetaStore({ file: path.join(config.dataDir, 'meta.db'), memoryIndexMinFiles: opts.memoryIndexMinFiles });
  const queue = new SqliteQueue({ file: path.join(config.dataDir, 'queue.db'), maxReceives: config.LOUPE_QUEUE_MAX_RECEIVES });
  const objects = config.localFiles
    ? new SchemeRegistry({ file: new LocalFolderObjectStore({ roots: config.fileRoots, dataDir: config.dataDir }) })
    : new SchemeRegistry({}, { file: 'local files are turned off on this server (LOUPE_FILE_ROOTS=none)' });
  const prefix = config.LOUPE_QUEUE_PREFIX;
  const queues: QueueNames = {
    fanout: `${prefix}fanout`,
    prober: `${prefix}prober`,
    tagger: `${prefix}tagger`,
    embedder: `${prefix}embedder`,
    exporter: `${prefix}exporter`,
  };
  const media: MediaLimits = {
    maxPixels: config.LOUPE_MAX_PIXELS,
    maxBytes: config.LOUPE_MAX_DECODE_BYTES,
    timeoutMs: config.LOUPE_DECODE_TIMEOUT_MS,
  };
  const deps: ServiceDeps = { store, objects, queue, queues, clock: opts.clock ?? systemClock, log, media };
  const models = createModelFactory({ timeoutMs: config.LOUPE_MODEL_TIMEOUT_MS, urlPolicy: modelUrlPolicyOf(config) });
  const vectorStores = createVectorStores(config.dataDir);
  const tagDefinitions = new TagDefinitionService(deps);
  const connections = new ConnectionService(deps, AesGcmSecretBox.fromConfig(config.LOUPE_SECRET_KEY, config.dataDir), models);
  const retry: RetryOptions = { attempts: config.LOUPE_MODEL_RETRIES + 1, baseMs: config.LOUPE_MODEL_RETRY_BASE_MS };
  const search = new SearchService(deps, { connections, models, vectorStores, retry, ...opts.search });
  const selection = new SelectionService(deps, search);
  const specs = new JobSpecs(deps, connections, tagDefinitions, models, vectorStores, search);
  const jobs = new JobService(deps, specs, { maxDeliveries: config.LOUPE_QUEUE_MAX_RECEIVES });
  const probing = new ProbingService(deps, jobs);
  const gate = new ModelGate(store, { leaseTtlMs: config.LOUPE_LEASE_SECONDS * 1000 });
  const modelConsumers = { jobs, connections, models, gate, retry };
  const indexing = new IndexingService(deps, modelConsumers, vectorStores);
  const services: Services = {
    datasets: new DatasetService(deps),
    fileMetas: new FileMetaService(deps),
    jobs,
    fanout: new FanoutService(deps, jobs, { SemanticIndex: (job) => indexing.dropDeletedVectors(job) }),
    probing,
    connections,
    tagDefinitions,
    tagging: new TaggingService(deps, modelConsumers),
    indexing,
    indexConfigs: new IndexConfigService(deps, specs, jobs),
    reindex: new ReindexService(deps, specs, jobs),
    coverage: new CoverageService(deps, specs),
    search,
    selection,
    evaluation: new EvaluationService(deps, search),
    export: new ExportService(deps, jobs, search, selection),
    tagRevert: new TagRevertService(deps, jobs),
    fileMetaImport: new FileMetaImportService(deps, jobs, search),
    jobConfigs: new JobConfigService(deps, jobs, connections),
  };
  return {
    config,
    log,
    store,
    queue,
    queues,
    objects,
    services,
    async close() {
      await vectorStores.close();
      await store.close();
      await queue.close();
    },
  };
}
